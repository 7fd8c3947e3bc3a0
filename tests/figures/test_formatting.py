"""Money, shares and counts are written one way (crms.core.formatting), wherever they are shown."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.test import Client

from crms.core.formatting import NumberRefused, count, money, number, parse_decimal, percent
from tests.rif.conftest import EXTRA, published

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1200.5, f"EUR{NBSP}1{NBSP}200,50"),  # the case showed "EUR 1201", the indicators "1,200"
        (1201.5, f"EUR{NBSP}1{NBSP}201,50"),
        (0.125, f"EUR{NBSP}0,13"),  # half up on the decimal value, not banker's rounding
        (1234567.891, f"EUR{NBSP}1{NBSP}234{NBSP}567,89"),
        (0, f"EUR{NBSP}0,00"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_money(value, text):
    assert money(value) == text


def test_shares_and_counts():
    assert percent(2 / 3) == f"66,7{NBSP}%"
    assert percent(0.0) == f"0,0{NBSP}%"
    assert percent(None) == "—"  # nothing to divide by: a dash, never 0 %
    assert count(1234567) == f"1{NBSP}234{NBSP}567"
    assert count(999) == "999"
    assert number(-1234.5, 1) == f"-1{NBSP}234,5"


def test_the_case_form_reads_amounts_as_people_type_them():
    """European input ("1 200,50") used to reach the service as text: a 400 for a valid amount."""
    assert parse_decimal("1 200,50") == Decimal("1200.50")
    assert parse_decimal(f"1{NBSP}200,50") == Decimal("1200.50")
    assert parse_decimal("1200.50") == Decimal("1200.50")
    with pytest.raises(NumberRefused):
        parse_decimal("twelve")  # the form names the field


@pytest.mark.django_db
def test_a_rif_seizure_estimate_is_money(personas):
    from tests.conftest import make_user

    people = {**personas, **{name: make_user(name, *spec) for name, spec in EXTRA.items()}}
    seizure = {"goods": "dolls", "quantity": 12, "unit": "pieces", "estimated_value_eur": 1200.5}
    rif = published(people["nl_analyst"], people["nl_risk_manager"], seizure=seizure)
    client = Client()
    client.force_login(people["fr_analyst"])
    html = client.get(rif.get_absolute_url()).content.decode()
    assert f"about EUR{NBSP}1{NBSP}200,50" in html


def test_a_value_per_unit_keeps_its_decimals():
    """An item's EUR per kg (``value_eur|per:gross_mass_kg``): two decimals, never rounded to a whole number."""
    from crms.core.templatetags.figures import per

    assert per(5883.86, 22889.0) == "0,26"
    assert per(2369572.83, 1.5) == "1\u00a0579\u00a0715,22"
    assert per(None, 3) == per(12, 0) == per(12, None) == "—"
