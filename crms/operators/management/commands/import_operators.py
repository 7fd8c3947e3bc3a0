import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from crms.operators.services import COLUMNS, import_operators_csv


class Command(BaseCommand):
    help = (
        "Import economic operators and AEO authorisations from a CSV file (upsert by EORI and authorisation "
        f"number; safe to run again). Columns: {','.join(COLUMNS)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file, UTF-8, with a header line")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar")

    def handle(self, *args, file: Path, no_progress: bool, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        stream = getattr(self.stderr, "_out", sys.stderr)  # the raw stream: tqdm redraws with "\r"
        with tqdm(total=0, unit="row", desc=file.name, disable=no_progress, file=stream) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = import_operators_csv(file, actor=None, progress=progress)
        for error in report.errors:
            self.stdout.write(self.style.ERROR(str(error)))
        self.stdout.write(report.summary())
        if report.errors:
            self.stdout.write(self.style.WARNING(f"{len(report.errors)} error(s): the rows named above were skipped."))
        else:
            self.stdout.write(self.style.SUCCESS("Import complete."))
