import os
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.synthetic import PREFIX, GenerationRefused, Plan, generate


class Command(BaseCommand):
    help = (
        "Generate a synthetic, fictional data set for scale tests and benchmarks: situations "
        "with years of assessments in every workflow state, their summaries, decisions, "
        "ratings, sources and transitions, and the analysts and reviewers who made them. "
        f"Everything generated is marked fictional; codes and usernames begin with {PREFIX!r}. "
        "Written in one transaction, in bulk (COPY on PostgreSQL). Meant for a database of "
        "its own: it refuses one that holds situations it did not generate (unless --force), "
        "and one that holds a generated data set already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--situations", type=int, required=True, metavar="N")
        parser.add_argument("--assessments-per-situation", type=int, required=True, metavar="K")
        parser.add_argument(
            "--seed", type=int, default=1, help="the same seed gives the same data (default 1)"
        )
        parser.add_argument(
            "--password",
            help="the password of every generated account (default: $GENERATED_PASSWORD; "
            "without either, the accounts cannot sign in)",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="the day the history ends (default: today): with the seed, fixes every date",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="generate even beside situations that were not generated",
        )

    def handle(self, *args: object, **options: object) -> None:
        password = options["password"] or os.environ.get("GENERATED_PASSWORD") or None
        plan = Plan(
            situations=int(str(options["situations"])),
            assessments_per_situation=int(str(options["assessments_per_situation"])),
            seed=int(str(options["seed"])),
            password=str(password) if password else None,
            force=bool(options["force"]),
            today=options["today"] if isinstance(options["today"], date) else None,
        )
        try:
            generate(plan, progress=self.stdout.write)
        except GenerationRefused as refused:
            raise CommandError(str(refused)) from refused
