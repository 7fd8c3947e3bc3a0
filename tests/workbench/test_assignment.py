"""Assigning a case to a named colleague of the same Member State (issue 14): audited, refused in plain
words for anyone else, never taking a case from a colleague who is working on it."""

from __future__ import annotations

import pytest

from crms.audit.models import AuditEntry
from tests.conftest import make_user
from tests.workbench.test_queue import browser

pytestmark = pytest.mark.django_db


def test_an_analyst_assigns_a_case_to_a_colleague_and_it_is_audited(people, referred):
    case = referred()
    client = browser(people["fr_analyst"])
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'id="assign-form"' in page and '<option value="fr_analyst_2">' in page
    assert '<option value="nl_analyst">' not in page  # another Member State's analyst is not offered
    response = client.post(f"/workbench/cases/{case.pk}/assign/", {"assignee": "fr_analyst_2"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.claimed_by == people["fr_analyst_2"]
    entry = AuditEntry.objects.get(action="case.assigned", object_id=str(case.pk))
    assert entry.actor == people["fr_analyst"]
    assert (entry.before, entry.after) == ({"claimed_by": None}, {"claimed_by": "fr_analyst_2"})


@pytest.mark.parametrize("assignee", ["nl_analyst", "fr_auditor_x", "nobody", "", "fr_system"])
def test_only_a_worker_of_the_same_member_state_is_assignable(people, referred, assignee):
    make_user("fr_auditor_x", "FR", "auditor")
    case = referred()
    response = browser(people["fr_analyst"]).post(f"/workbench/cases/{case.pk}/assign/", {"assignee": assignee})
    assert response.status_code == 302  # back to the case, saying why
    case.refresh_from_db()
    assert case.claimed_by is None
    assert not AuditEntry.objects.filter(action="case.assigned").exists()


def test_the_refusal_names_the_field_in_plain_words(people, referred):
    case = referred()
    client = browser(people["fr_analyst"])
    response = client.post(f"/workbench/cases/{case.pk}/assign/", {"assignee": "nl_analyst"}, follow=True)
    assert "Choose an analyst or risk manager of your Member State." in response.content.decode()


def test_a_case_a_colleague_works_on_is_not_taken_by_assignment(people, referred):
    from workbench import services

    case = referred()
    services.claim_case(actor=people["fr_analyst_2"], case=case)
    third = make_user("fr_analyst_3", "FR", "analyst")
    response = browser(people["fr_analyst"]).post(f"/workbench/cases/{case.pk}/assign/", {"assignee": third.username})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.claimed_by == people["fr_analyst_2"]


def test_other_member_states_cannot_assign(people, referred):
    case = referred()
    response = browser(people["nl_analyst"]).post(f"/workbench/cases/{case.pk}/assign/", {"assignee": "fr_analyst"})
    assert response.status_code == 404
