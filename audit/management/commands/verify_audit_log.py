from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from audit.log import verify


class Command(BaseCommand):
    help = _(
        "Walk the audit log's hash chain from its first entry and name the first entry that "
        "does not hold. Note the last hash it prints somewhere else: given back with --head, "
        "it proves that no entry up to it has been removed since."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            default="",
            help=_("A hash printed by an earlier run: the chain must still hold it."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify(expect_head=options["head"])
        if result.broken_at is not None:
            raise CommandError(
                _(
                    "The audit log is broken at entry %(seq)s: %(problem)s. "
                    "The %(count)s entries before it hold."
                )
                % {"seq": result.broken_at, "problem": result.problem, "count": result.count}
            )
        if options["head"] and not result.head_seen:
            raise CommandError(
                _(
                    "The audit log no longer holds the entry with hash %(head)s: "
                    "entries have been removed."
                )
                % {"head": options["head"]}
            )
        self.stdout.write(
            _("The audit log holds %(count)s entries and its chain is intact. Last hash: %(head)s")
            % {"count": result.count, "head": result.head}
        )
