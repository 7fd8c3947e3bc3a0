"""Dates on every page are written the European way (28/02/2027, 28/02/2027 14:05), never ISO.

Walks every template (a new one is covered automatically) and refuses a ``date`` filter whose format
puts the year first; machine-readable places (``datetime=`` of <time>, ``value=`` of date inputs) may
carry ISO dates and are left out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DATE_FILTER = re.compile(r"""\|date:(["'])(?P<format>[^"']*)\1""")
MACHINE_ATTRIBUTE = re.compile(r"""\b(datetime|value|min|max)=(["'])[^"']*$""")


def _year_first(fmt: str) -> bool:
    letters = [char for char in fmt if char.isalpha()]
    return len(letters) > 1 and letters[0] in "Yy"  # a year alone ("2027") is fine


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_writes_a_date_year_first(path):
    text = path.read_text(encoding="utf-8")
    problems = []
    for match in DATE_FILTER.finditer(text):
        if not _year_first(match.group("format")):
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        if MACHINE_ATTRIBUTE.search(text[line_start : match.start()]):
            continue
        problems.append(f"line {text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}")
    assert not problems, problems


def test_the_check_catches_an_iso_date():
    assert _year_first("Y-m-d") and _year_first("Y-m-d H:i") and not _year_first("d/m/Y H:i")
