from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from framework.dataset import DatasetError, read_dataset
from framework.services import load_framework

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "r2p_framework.json"


class Command(BaseCommand):
    help = (
        "Load the R2P framework reference data from a JSON file (default: the bundled data set). "
        "One transaction, upsert by code, safe to run again; a malformed file changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))

    def handle(self, *args: object, **options: object) -> None:
        path = str(options["path"])
        try:
            dataset = read_dataset(path)
        except DatasetError as exc:
            count = len(exc.problems)
            plural = "s" if count != 1 else ""
            raise CommandError(
                f"{path} refused ({count} problem{plural}); nothing was loaded:\n"
                + "\n".join(f"  {path}: {problem}" for problem in exc.problems)
            ) from exc
        try:
            report = load_framework(dataset)
        except IntegrityError as exc:
            raise CommandError(
                f"{path} conflicts with the database ({exc}); nothing was loaded. "
                "Codes identify objects: an existing number or name under a new code is refused."
            ) from exc
        self.stdout.write(f"Loaded {path}")
        for line in report.lines():
            self.stdout.write(f"  {line}")
