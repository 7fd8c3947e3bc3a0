from django.core.management.base import BaseCommand, CommandError

from crms.reference.loader import STEPS, OfficeInUse, load_reference_data


class Command(BaseCommand):
    help = "Load (or refresh) the reference data shipped with the platform. Safe to run again."

    def handle(self, *args, **options):
        done = 0

        def progress(label: str, count: int) -> None:
            nonlocal done
            done += 1
            self.stdout.write(f"[{done}/{len(STEPS)}] {label}: {count} rows")

        try:
            load_reference_data(progress=progress)
        except OfficeInUse as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
