import os

from django.core.management.base import BaseCommand

from crms.accounts.demo import load_demo_users

DEFAULT_DEMO_PASSWORD = "demo-crms-2026"  # noqa: S105 - a demo password, printed on purpose


class Command(BaseCommand):
    help = "Create demo users (Commission, FR, NL, DE: one per role) with a shared printed password."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD),
            help="Password for every demo user (default: $DEMO_PASSWORD or %(default)s)",
        )

    def handle(self, *args, password, **options):
        accounts = load_demo_users(password=password)
        self.stdout.write(f"Demo users (password for all: {password})")
        for username, org, role, token in accounts:
            line = f"  {username:<28} {org:<3} {role}"
            if token:
                line += f"  API token: {token}"
            self.stdout.write(line)
