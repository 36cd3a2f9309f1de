import os

from django.core.management.base import BaseCommand

from accounts.services import ensure_demo_users


class Command(BaseCommand):
    help = "Create the demo accounts (and demo data) for a local trial. Safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        password = os.environ.get("DEMO_PASSWORD") or "r2p-demo-2026"
        for user, created in ensure_demo_users(password=password):
            verb = "created" if created else "kept"
            self.stdout.write(f"demo account {user.username}: {verb}")
