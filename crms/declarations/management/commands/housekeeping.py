"""``manage.py housekeeping [--dry-run]``: apply the data-retention periods (also run daily by beat)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from crms.declarations.retention import run_housekeeping


class Command(BaseCommand):
    help = "Pseudonymise personal data of declarations past PERSONAL_DATA_RETENTION_DAYS; purge old audit entries."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would change")

    def handle(self, *args, dry_run, **options):
        preview = run_housekeeping(dry_run=True)
        if dry_run:
            self.stdout.write(
                f"Would pseudonymise {preview.declarations} declarations and "
                f"{preview.requests} information requests; purge {preview.audit_entries} audit entries."
            )
            return
        with tqdm(total=preview.declarations, unit="ENS", disable=not preview.declarations) as bar:
            done = {"n": 0}

            def progress(count: int) -> None:
                bar.update(count - done["n"])
                done["n"] = count

            result = run_housekeeping(on_progress=progress)
        self.stdout.write(
            f"Pseudonymised {result.declarations} declarations ({result.parties} parties) and "
            f"{result.requests} information requests; purged {result.audit_entries} audit entries."
        )
