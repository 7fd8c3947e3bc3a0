"""``import_history PATH [--member-state FR]``: import labelled history from JSON Lines (``.gz`` too).

Contract 6: a progress bar on stderr, every rejected line with its number and errors, and as the
last line ``imported N, unchanged M, rejected K``. Running it again with the same file changes
nothing. Each line is filed as its Member State of first entry (or, with ``--member-state``, only
lines for that Member State's offices are accepted) by a machine account ``history_import_xx``.
"""

from __future__ import annotations

import gzip
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE
from crms.declarations.partitions import analyze_months, month_start
from crms.declarations.validation import reference_sets
from crms.learning.history import LineResult, import_lines

CHUNK = 5000  # lines per transaction: fewer commits and look-ups (a batch of file_history each)


def open_lines(path: Path) -> BinaryIO:
    """The file as bytes, decompressed when it is gzip (by its magic number, whatever its name)."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else path.open("rb")


def history_user(member_state: str):
    from crms.accounts.services import set_up_user

    return set_up_user(
        username=f"history_import_{member_state.lower()}", org_code=member_state, role="national_system"
    ).user


class Command(BaseCommand):
    help = "Import labelled declaration history (JSON Lines, optionally .gz): contract section 6."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A .jsonl or .jsonl.gz file: one ENS body a line plus received_at")
        parser.add_argument(
            "--member-state", help="Import as this Member State: other Member States' lines are refused"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"PATH: no such file: {path}")
        member_state = (options["member_state"] or "").upper() or None
        if member_state is not None:
            org = Organisation.objects.filter(code=member_state).exclude(code=COMMISSION_CODE).first()
            if org is None:
                raise CommandError(f"--member-state: {member_state!r} is not a Member State code (FR, NL, ...).")
        self.users: dict[str, Any] = {}
        self.counts = {"imported": 0, "unchanged": 0, "rejected": 0}
        self.months: set = set()
        offices = reference_sets().offices
        try:
            with open_lines(path) as stream, tqdm(unit=" lines", file=sys.stderr, mininterval=0.5) as progress:
                pending: dict[str, list[tuple[int, Any]]] = defaultdict(list)
                for number, raw_line in enumerate(stream, start=1):
                    if not raw_line.strip():
                        continue  # blank lines (a trailing newline) are not declarations
                    try:
                        raw = orjson.loads(raw_line)
                    except orjson.JSONDecodeError as exc:
                        self._reject(number, [{"field": None, "code": "invalid_json", "message": str(exc)}])
                        progress.update(1)
                        continue
                    office = raw.get("office_of_first_entry") if isinstance(raw, dict) else None
                    known = offices.get(office) if isinstance(office, str) else None
                    group = member_state or (known.member_state if known else "")
                    pending[group].append((number, raw))
                    if len(pending[group]) >= CHUNK:
                        self._import(group, pending.pop(group), member_state, progress)
                for group in list(pending):
                    self._import(group, pending.pop(group), member_state, progress)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise CommandError(f"PATH: cannot read {path}: {exc}") from exc
        if self.months:
            # A training may follow at once: plan it on the rows just loaded.
            analyze_months(self.months, also=["declarations_declaration", "learning_historylabel"])
        counts = self.counts
        self.stdout.write(
            f"imported {counts['imported']}, unchanged {counts['unchanged']}, rejected {counts['rejected']}"
        )

    def _user(self, member_state: str):
        if member_state not in self.users:
            self.users[member_state] = history_user(member_state)
        return self.users[member_state]

    def _import(self, group: str, lines: list[tuple[int, Any]], member_state: str | None, progress: tqdm) -> None:
        # A line whose office is unknown is refused by validation whoever files it.
        user = self._user(group or member_state or next(iter(self.users), None) or self._any_member_state())
        results: list[LineResult] = import_lines([raw for _, raw in lines], user=user)
        for (number, _), result in zip(lines, results, strict=True):
            if result.rejected:
                self._reject(number, result.errors)
            elif result.imported:
                self.counts["imported"] += 1
                self.months.add(month_start(result.received_at))
            else:
                self.counts["unchanged"] += 1
        progress.update(len(lines))

    def _any_member_state(self) -> str:
        return sorted(reference_sets().participants)[0]

    def _reject(self, number: int, errors: list[dict[str, Any]]) -> None:
        self.counts["rejected"] += 1
        text = "; ".join(f"{e['field'] or '(line)'}: {e['message']}" for e in errors)
        self.stdout.write(f"line {number}: rejected: {text}")
