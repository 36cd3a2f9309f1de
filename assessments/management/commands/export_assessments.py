from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.exchange import assessments_for_export, dumps, export_document
from assessments.models import Situation


class Command(BaseCommand):
    help = (
        "Write assessments in the exchange format (JSON; see README, 'Exchange format'): "
        "all of them, or those of one situation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--situation", metavar="CODE", help="only this situation's")
        parser.add_argument("--output", metavar="FILE", help="write here (default: stdout)")

    def handle(self, *args: object, **options: object) -> None:
        code = options["situation"]
        if code is not None and not Situation.objects.filter(code=code).exists():
            raise CommandError(f"There is no situation with the code {code!r}.")
        assessments = list(assessments_for_export(str(code) if code is not None else None))
        text = dumps(export_document(assessments))
        output = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(str(output)).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{output}: cannot be written: {exc.strerror or exc}") from exc
        count = len(assessments)
        self.stderr.write(f"Exported {count} assessment{'s' if count != 1 else ''} to {output}")
