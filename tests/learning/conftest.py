"""Small labelled history for the learning tests: valid contract-6 lines with a learnable signal."""

from __future__ import annotations

import datetime as dt
import gzip
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from crms.learning.history import import_lines

OFFICE = {"FR": ("FR004380", "FRCDG"), "NL": ("NL000854", "NLAMS")}
RISKY_CONSIGNEES = {"Importer R1", "Importer R2", "Importer R3"}


def history_line(
    n: int,
    *,
    day: dt.date,
    consignee: str = "Importer A",
    irregular: bool | None = False,
    member_state: str = "FR",
    hs_code: str = "950300",
    lrn: str | None = None,
) -> dict[str, Any]:
    """One history line (contract 6): an air ENS of ``day`` plus received_at and control_result."""
    office, unloading = OFFICE[member_state]
    received = dt.datetime.combine(day, dt.time(8, 0), tzinfo=dt.UTC)
    line: dict[str, Any] = {
        "lrn": lrn or f"HIST-{member_state}-{n:06d}",
        "filing_type": "F23",
        "phase": "pre_arrival",
        "transport_mode": "air",
        "filer": {"eori": None, "name": f"Declarant {n % 7}"},
        "carrier": None,
        "transport_document": None,
        "office_of_first_entry": office,
        "expected_arrival": (received + dt.timedelta(hours=1)).isoformat(),
        "place_of_loading": "CNPVG",
        "place_of_unloading": unloading,
        "countries_of_routing": ["CN", member_state],
        "consignor": {"name": f"Seller {n % 11}", "eori": None, "address": {"country": "CN"}},
        "consignee": {"name": consignee, "eori": None, "address": {"country": member_state}},
        "buyer": None,
        "seller": None,
        "goods_items": [
            {
                "item_number": 1,
                "hs_code": hs_code,
                "description": "plastic toy cars",
                "gross_mass_kg": 1.0 + n % 13,
                "packages": 1,
                "value": {"amount": 10.0 + (n * 7) % 90, "currency": "EUR"},
                "country_of_origin": "CN",
                "container": None,
                "dangerous_goods_code": None,
            }
        ],
        "received_at": received.isoformat(),
    }
    if irregular is not None:
        line["control_result"] = {"irregularity_found": irregular}
    return line


def small_history(count: int = 300, *, start: dt.date = dt.date(2020, 1, 1), seed: int = 1, member_state="FR"):
    """``count`` lines over ``count // 10`` days: three consignees are mostly irregular, the rest rarely."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    lines = []
    for n in range(count):
        risky = rng.random() < 0.25
        consignee = rng.choice(sorted(RISKY_CONSIGNEES)) if risky else f"Importer {rng.randrange(40)}"
        irregular = rng.random() < (0.8 if risky else 0.08)
        lines.append(
            history_line(
                n,
                day=start + dt.timedelta(days=n // 10),
                consignee=consignee,
                irregular=irregular,
                member_state=member_state,
            )
        )
    return lines


def write_jsonl(path: Path, lines: list[Any], *, gz: bool = False) -> Path:
    data = b"".join((line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines)
    if gz:
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.fixture
def history(personas):
    """300 FR lines over 30 days (2020-01-01 .. 2020-01-30) and 100 NL lines."""
    fr = import_lines(small_history(300), user=personas["fr_system"])
    from tests.conftest import make_user

    nl = import_lines(small_history(100, seed=2, member_state="NL"), user=make_user("nl_sys", "NL", "national_system"))
    assert {r.status for r in fr + nl} == {201}
    return personas
