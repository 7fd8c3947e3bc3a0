from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crms.accounts.roles import Role
from crms.accounts.services import set_up_user


class Command(BaseCommand):
    help = (
        "Create or update a user for an organisation and role (contract section 1). "
        "With --token the API token is printed as the last line, alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--org", required=True, help="Member State code (FR, NL, ...) or EU for the Commission")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", help="Password for browser login (omit for machine accounts)")
        parser.add_argument("--token", action="store_true", help="Create (or keep) an API token and print it")

    def handle(self, *args, username, org, role, password, token, **options):
        try:
            result = set_up_user(username=username, org_code=org, role=role, password=password, with_token=token)
        except ValidationError as error:
            problems = "; ".join(f"--{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
            raise CommandError(problems) from None
        user = result.user
        verb = "Created" if result.created else "Updated"
        self.stdout.write(f"{verb} user {user.username} ({user.organisation_id}, {user.role}).")
        if result.token:
            self.stdout.write(result.token)
