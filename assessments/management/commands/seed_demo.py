import os

from django.core.management.base import BaseCommand

from accounts.services import ensure_demo_users
from assessments.demo import seed_demo_situations


class Command(BaseCommand):
    help = "Create the demo accounts and fictional demo situations for a local trial. Re-runnable."

    def handle(self, *args: object, **options: object) -> None:
        password = os.environ.get("DEMO_PASSWORD") or "r2p-demo-2026"
        users = {}
        for user, created in ensure_demo_users(password=password):
            users[user.get_username()] = user
            verb = "created" if created else "kept"
            self.stdout.write(f"demo account {user.get_username()}: {verb}")
        situations = seed_demo_situations(
            analysts=[users["analyst"], users["analyst2"]],
            reviewer=users["reviewer"],
            second_reviewer=users["reviewer2"],
        )
        for situation, created in situations:
            verb = "created" if created else "kept"
            self.stdout.write(f"demo situation {situation.code}: {verb}")
