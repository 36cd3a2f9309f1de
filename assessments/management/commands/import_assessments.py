from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.exchange import (
    ExchangeError,
    import_assessments,
    known_indicator_codes,
    parse_document,
)
from assessments.workflow import WorkflowError


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


class Command(BaseCommand):
    help = (
        "Import assessments from a file in the exchange format (see README, 'Exchange format'). "
        "The file is checked whole first: a bad file is refused with every problem and nothing "
        "is imported. Assessments already present (same situation, date and author) are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="the importing user (default: the first superuser)",
        )

    def importing_user(self, username: object) -> User:
        users = get_user_model().objects
        if username is not None:
            user = users.filter(**{users.model.USERNAME_FIELD: username}).first()
            if user is None:
                raise CommandError(f"There is no user {username!r} to import as.")
            return user
        user = users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError(
                "There is no superuser to import as: name the importing user with --as USERNAME."
            )
        return user

    def handle(self, *args: object, **options: object) -> None:
        path = str(options["file"])
        by = self.importing_user(options["username"])
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
        try:
            records = parse_document(content, indicator_codes=known_indicator_codes())
        except ExchangeError as exc:
            raise CommandError(
                f"{path} refused ({_plural(len(exc.problems), 'problem')}); "
                "nothing was imported:\n"
                + "\n".join(f"  {path}: {problem}" for problem in exc.problems)
            ) from exc
        try:
            report = import_assessments(records, by=by, source=Path(path).name)
        except WorkflowError as exc:
            raise CommandError(f"{path}: {exc}; nothing was imported.") from exc
        self.stdout.write(
            f"Imported {path} as {by.get_username()}: "
            f"{_plural(len(report.created), 'assessment')} created, "
            f"{len(report.skipped)} skipped, "
            f"{_plural(len(report.situations_created), 'situation')} created"
        )
        for line in report.skipped:
            self.stdout.write(f"  skipped {line}")
        for line in report.notes:
            self.stdout.write(f"  note: {line}")
