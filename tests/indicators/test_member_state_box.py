"""The dashboard's Member State box reads what people type (issue 14: "France" showed an empty "FRA" dashboard)."""

from __future__ import annotations

import pytest
from django.test import Client

from crms.accounts.participants import UnknownMemberState, read_member_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["France", "france", "FR", "fr", "FRA", "fra", " France "])
def test_names_and_codes_read_as_the_participant_code(typed):
    assert read_member_state(typed) == "FR"


def test_empty_is_all_member_states_and_nonsense_is_refused_naming_the_field():
    assert read_member_state("") is None
    assert read_member_state(None) is None
    for typed in ("Atlantis", "XX", "EU", "United States"):  # the Commission and non-participants are no Member State
        with pytest.raises(UnknownMemberState, match=r"^Member State: "):
            read_member_state(typed)


def _dashboard(user, typed: str):
    client = Client()
    client.force_login(user)
    return client.get("/indicators/", {"member_state": typed})


@pytest.mark.parametrize("typed", ["France", "fra", "FR"])
def test_the_dashboard_shows_france_whatever_was_typed(personas, typed):
    response = _dashboard(personas["commission"], typed)
    assert response.status_code == 200
    assert response.context["view"].visible_state == "FR"
    assert "Indicators · FR" in response.content.decode()


def test_an_unknown_member_state_is_refused_clearly_never_an_empty_dashboard(personas):
    response = _dashboard(personas["commission"], "Atlantis")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Member State: “Atlantis” is not a participating Member State" in page
    assert response.context["view"].visible_state is None  # the figures shown are all Member States', as labelled
    assert 'aria-invalid="true"' in page


def test_reports_refuse_an_unknown_member_state(personas):
    client = Client()
    client.force_login(personas["commission"])
    assert (
        client.get("/indicators/reports/quarterly/", {"quarter": "2026-Q4", "member_state": "FRA"}).status_code == 200
    )
    refused = client.get("/indicators/reports/quarterly/", {"quarter": "2026-Q4", "member_state": "Narnia"})
    assert refused.status_code == 400 and "Member State" in refused.content.decode()


def test_member_state_staff_only_ever_see_their_own(personas):
    """The box is for EU-wide readers; what an FR analyst types changes nothing (their rows are FR's)."""
    response = _dashboard(personas["fr_analyst"], "NL")
    assert response.context["view"].visible_state == "FR"


@pytest.mark.parametrize("typed", ["-5", "0", "1099", "99999999999999999999", "²", "ninety"])
def test_an_impossible_number_of_days_is_refused_naming_the_field_not_read_as_ninety(personas, typed):
    client = Client()
    client.force_login(personas["fr_analyst"])
    response = client.get("/indicators/", {"days": typed})
    assert response.status_code == 400
    assert "days: a whole number of days from 1 to 1098" in response.content.decode()
    assert response.context["view"].period.days == 90  # the figures shown are the default period's, as labelled


@pytest.mark.parametrize("typed", ["1", "30", " 365 ", "1098", ""])
def test_a_possible_number_of_days_is_the_period(personas, typed):
    client = Client()
    client.force_login(personas["fr_analyst"])
    response = client.get("/indicators/", {"days": typed})
    assert response.status_code == 200
    assert response.context["view"].period.days == (int(typed) if typed.strip() else 90)
