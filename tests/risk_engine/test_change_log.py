"""The change log in words: every kind of change the triggers write has a label, Member-State settings say
their scope ("Risk model changed (EU-wide)", "Control capacity changed (FR)"), and the declaration page's
screening history shows the labels, never the codes (model.changed EU)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from risk_engine import change_log
from risk_engine.models import Status
from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, publish_criterion, screen_mrns

KIND = re.compile(r"'([a-z_]+\.[a-z_]+)'")
# The criterion trigger writes 'criterion.' || NEW.status when a published version changes status: a
# published version moves on (superseded, retired), it never goes back to draft or submitted.
NEVER_AFTER_PUBLISHED = {Status.DRAFT, Status.SUBMITTED}


def kinds_the_triggers_write() -> set[str]:
    """Read from the database itself: the literals of every function that notes a change, the arguments the
    triggers pass them, and the statuses the criterion trigger appends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE prosrc LIKE '%%crms_note_criteria_change(%%' "
            "AND proname <> 'crms_note_criteria_change'"
        )
        sources = cursor.fetchall()
        cursor.execute(
            "SELECT encode(tgargs, 'escape') FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'criteria_revision_%%'"
        )
        arguments = [row[0] for row in cursor.fetchall()]
    kinds = {kind for _name, source in sources for kind in KIND.findall(source)}
    kinds |= {kind for text in arguments for kind in re.findall(r"[a-z_]+\.[a-z_]+", text)}
    if any("'criterion.' || NEW.status" in source for _name, source in sources):
        kinds |= {f"criterion.{status}" for status in Status if status not in NEVER_AFTER_PUBLISHED}
    return kinds


@pytest.mark.django_db
def test_every_kind_of_change_has_a_label():
    kinds = kinds_the_triggers_write()
    assert {"model.changed", "capacity.changed", "random_selection.changed", "pca.linked"} <= kinds  # it reads them
    kinds |= {"declaration.filed", "declaration.amended"}  # the first result's cause (assessment history)
    labelled = set(change_log.LABELS) | set(change_log.SCOPED_LABELS)
    assert kinds - labelled == set(), "a change kind without a label in risk_engine/change_log.py"
    assert set(change_log.SCOPED_LABELS) == set(change_log.MEMBER_STATE_KINDS)
    for kind in kinds:
        text = change_log.label({"kind": kind, "subject": "FR"})
        assert "." not in text and "_" not in text and text[0].isupper(), (kind, text)


def test_member_state_settings_say_their_scope():
    assert change_log.label({"kind": "model.changed", "subject": "EU"}) == "Risk model changed (EU-wide)"
    assert change_log.label({"kind": "capacity.changed", "subject": "FR"}) == "Control capacity changed (FR)"
    assert change_log.label({"kind": "random_selection.changed", "subject": "DE"}) == (
        "Random-selection rate changed (DE)"
    )
    assert change_log.label({"kind": "criterion.published", "subject": "CR-1", "version": 2}) == "Criterion published"
    assert change_log.label({"kind": "something.new"}) == "something.new"  # never hidden


def test_causes_are_said_once_with_the_subject_only_where_the_label_lacks_it():
    changes = [
        {"kind": "model.changed", "subject": "EU", "version": None},
        {"kind": "model.changed", "subject": "EU", "version": None},
        {"kind": "criterion.published", "subject": "CR-1", "version": 2},
    ]
    assert change_log.causes(changes) == [
        {"label": "Risk model changed (EU-wide)", "subject": "", "version": None},
        {"label": "Criterion published", "subject": "CR-1", "version": 2},
    ]


def test_the_screening_history_on_the_declaration_page_is_in_words(reference_data):
    """The page renders the causes through ``change_log.causes`` (its wording and once-only rule are tested
    above); here: the words reach the page and no code does. (Member-State kinds noted by hand made this test
    depend on the revisions earlier tests left in a full run; the criterion's own publication does not.)"""
    system, analyst = make_user("cl_fr_system", "FR", "national_system"), make_user("cl_fr_analyst", "FR", "analyst")
    author, approver = make_user("cl_author", "EU", "commission"), make_user("cl_approver", "EU", "commission_approver")
    (mrn,) = file_bodies(system, make_ens())
    screen_mrns(mrn)
    publish_criterion(make_criterion("CR-CL"), author, approver)
    screen_mrns(mrn)
    client = Client()
    client.force_login(analyst)
    html = client.get(f"/declarations/{mrn}/").content.decode()
    assert "Screening history" in html
    cell = html.split("Screening history")[1].split("</table>")[0]
    assert "Criterion published <code>CR-CL</code> v1" in cell
    assert "criterion.published" not in cell and "model.changed" not in cell
