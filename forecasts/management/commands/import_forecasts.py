from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from forecasts.models import Source
from forecasts.services import import_forecasts


def _issued(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--issued {value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = (
        "Import an external forecast file as a release: the Early Warning Project's statistical "
        "risk assessment (--source ewp: country,year,probability,rank) or a VIEWS country-month "
        "forecast (--source views: country,month,predicted_fatalities,probability). The file is "
        "checked whole first: a bad file is refused with every problem by line and nothing is "
        "imported. Forecasts are context: they never change a situation's level."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--source", required=True, choices=Source.values)
        parser.add_argument("--model", required=True, help='the model and version, e.g. "SRA 2025"')
        parser.add_argument(
            "--issued", required=True, help="when the source issued it (YYYY-MM-DD)"
        )
        parser.add_argument("--notes", default="", help="a note kept with the release")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="the importing user, named in the audit log (default: none, a system import)",
        )

    def importing_user(self, username: object) -> User | None:
        if username is None:
            return None
        users = get_user_model().objects
        user = users.filter(**{users.model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"There is no user {username!r} to import as.")
        return user

    def handle(self, *args: object, **options: object) -> None:
        path = str(options["file"])
        issued = _issued(str(options["issued"]))
        by = self.importing_user(options["username"])
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
        result = import_forecasts(
            content,
            source=str(options["source"]),
            model=str(options["model"]),
            issued=issued,
            by=by,
            file_name=Path(path).name,
            notes=str(options["notes"]),
        )
        if result.release is None:
            count = len(result.problems)
            raise CommandError(
                f"{path} refused ({count} problem{'s' if count != 1 else ''}); "
                "nothing was imported:\n" + "\n".join(f"  {path}: {e}" for e in result.errors)
            )
        release = result.release
        self.stdout.write(
            f"Imported {path}: {release.get_source_display()}, model {release.model}, "
            f"issued {release.issued:%Y-%m-%d}: {release.row_count} "
            f"row{'s' if release.row_count != 1 else ''} (release {release.pk})"
        )
