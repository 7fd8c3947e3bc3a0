"""One parser for numbers people type (crms.core.formatting.parse_decimal): an enumerated table.

Every row is an input a European or English-speaking analyst may type, with the value it means or
the reason it is refused. Refusals carry a message a person can act on; nothing is guessed.
"""

from decimal import Decimal

import pytest

from crms.core.formatting import NumberRefused, parse_decimal

UNDERSTOOD = [
    ("1200.5", "1200.5"),
    ("1200,5", "1200.5"),
    ("1 200,50", "1200.50"),
    ("1\u00a0200,50", "1200.50"),  # the no-break space the platform itself writes
    ("1\u202f200,50", "1200.50"),  # narrow no-break space (French typing)
    ("1.200,50", "1200.50"),
    ("1,200.50", "1200.50"),
    ("1 200.50", "1200.50"),
    ("1 200,500", "1200.500"),  # with spaces grouping, the comma can only be decimal
    ("1 200", "1200"),
    ("1 200 300,25", "1200300.25"),
    ("1.200.300", "1200300"),
    ("1,200,300", "1200300"),
    ("1.234.567,89", "1234567.89"),
    ("1,234,567.89", "1234567.89"),
    ("10,000.5", "10000.5"),
    ("0,200", "0.200"),  # a leading zero is never a thousands group
    ("0.5", "0.5"),
    (",5", "0.5"),
    (".5", "0.5"),
    ("1,20", "1.20"),
    ("1,2", "1.2"),
    ("1,2000", "1.2000"),
    ("12", "12"),
    ("  42  ", "42"),
    ("-3,5", "-3.5"),
    ("+7", "7"),
]

REFUSED = [
    ("1,200", "two ways"),  # one thousand two hundred, or one and a fifth?
    ("1.200", "two ways"),
    ("12.345", "two ways"),
    ("5,", "Not a number"),
    ("5.", "Not a number"),
    ("1 200,", "Not a number"),
    ("abc", "Not a number"),
    ("1e5", "Not a number"),
    ("inf", "Not a number"),
    ("NaN", "Not a number"),
    ("\u00b2", "Not a number"),  # superscript two: isdigit() but not a digit here
    ("\u0661\u0662", "Not a number"),  # Arabic-Indic digits
    ("EUR 12", "Not a number"),
    ("-", "Not a number"),
    ("1,2.5", "grouped by three"),
    ("1.2.3,4", "grouped by three"),
    ("12 00", "grouped by three"),
    ("1,000,5", "grouped by three"),
    ("1234 567", "grouped by three"),
    ("1.200,5,0", "one decimal separator"),
    ("1 2,3.4", "spaces for thousands"),
    ("9" * 41, "Too long"),
]


@pytest.mark.parametrize(("typed", "meant"), UNDERSTOOD)
def test_understood(typed, meant):
    assert parse_decimal(typed) == Decimal(meant)


@pytest.mark.parametrize(("typed", "reason"), REFUSED)
def test_refused_with_a_clear_message(typed, reason):
    with pytest.raises(NumberRefused) as refused:
        parse_decimal(typed)
    assert reason in refused.value.message
    assert "write" in refused.value.message.lower() or "too long" in refused.value.message.lower()


@pytest.mark.parametrize("typed", [None, "", "   ", "\u00a0"])
def test_empty_is_none(typed):
    assert parse_decimal(typed) is None


def test_ambiguous_message_offers_both_readings():
    with pytest.raises(NumberRefused) as refused:
        parse_decimal("1,200")
    assert "1200" in refused.value.message and "1,2" in refused.value.message
