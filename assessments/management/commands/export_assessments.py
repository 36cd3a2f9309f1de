from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.exchange import assessments_for_export, stream_export
from assessments.models import Situation


class Command(BaseCommand):
    help = (
        "Write assessments in the exchange format (JSON; see README, 'Exchange format'): "
        "all of them, or those of one situation."
    )

    # Reading and writing only: the system checks would import every view and add their
    # memory to the export's.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--situation", metavar="CODE", help="only this situation's")
        parser.add_argument("--output", metavar="FILE", help="write here (default: stdout)")

    def handle(self, *args: object, **options: object) -> None:
        code = options["situation"]
        if code is not None and not Situation.objects.filter(code=code).exists():
            raise CommandError(f"There is no situation with the code {code!r}.")
        assessments = assessments_for_export(str(code) if code is not None else None)
        # One assessment at a time from the database to the output: memory stays flat.
        chunks = stream_export(assessments)
        output = options["output"]
        if output is None:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        count = 0
        try:
            with Path(str(output)).open("w", encoding="utf-8") as file:
                for chunk in chunks:
                    file.write(chunk)
                    count += 1
        except OSError as exc:
            raise CommandError(f"{output}: cannot be written: {exc.strerror or exc}") from exc
        count -= 2  # the header and the end
        self.stderr.write(f"Exported {count} assessment{'s' if count != 1 else ''} to {output}")
