from django.core.management.base import BaseCommand

from crms.reference.loader import STEPS, load_reference_data


class Command(BaseCommand):
    help = "Load (or refresh) the reference data shipped with the platform. Safe to run again."

    def handle(self, *args, **options):
        done = 0

        def progress(label: str, count: int) -> None:
            nonlocal done
            done += 1
            self.stdout.write(f"[{done}/{len(STEPS)}] {label}: {count} rows")

        load_reference_data(progress=progress)
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
