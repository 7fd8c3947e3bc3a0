"""``manage.py revoke_token USERNAME``: a leaked or retired integration's token stops working at once."""

from django.core.management.base import BaseCommand, CommandError

from crms.accounts.models import User
from crms.accounts.services import revoke_token


class Command(BaseCommand):
    help = "Revoke a user's API token (add_user --token issues a new one)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no user {username!r}")
        if revoke_token(actor=None, user=user):
            self.stdout.write(f"Token of {username} revoked.")
        else:
            self.stdout.write(f"{username} had no token.")
