"""``manage.py screening_failures [--retry]``: poison declarations flagged for an engineer, and re-queueing them."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from risk_engine.models import ScreeningFailure
from risk_engine.pipeline import enqueue


class Command(BaseCommand):
    help = "List declaration versions whose screening failed on their own; --retry re-queues them."

    def add_arguments(self, parser):
        parser.add_argument("--retry", action="store_true", help="Re-queue every open failure (after a fix)")

    def handle(self, *args, retry, **options):
        open_failures = ScreeningFailure.objects.filter(resolved_at__isnull=True)
        failures = list(open_failures.select_related("version__declaration"))
        for failure in failures:
            self.stdout.write(
                f"{failure.version.declaration.mrn} v{failure.version.version}  {failure.failed_at:%Y-%m-%d %H:%M}  "
                f"x{failure.attempts}  {failure.error}"
            )
        if not failures:
            self.stdout.write("No open screening failures.")
        if retry and failures:
            ScreeningFailure.objects.filter(pk__in=[f.pk for f in failures]).update(resolved_at=timezone.now())
            batches = enqueue([f.version_id for f in failures])
            self.stdout.write(f"Re-queued {len(failures)} versions in {batches} batches.")
