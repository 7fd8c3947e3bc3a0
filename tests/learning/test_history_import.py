"""History import (contract 6, issue 16 point 1): the command, the REST batch, and where history never goes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from crms.declarations.models import Declaration, ScreeningStatus
from crms.declarations.services import amend_declaration, file_declarations
from crms.learning.models import HistoryLabel
from tests.declarations.conftest import api_client, contract_body, post_json
from tests.learning.conftest import history_line, small_history, write_jsonl

pytestmark = pytest.mark.django_db
HISTORY_URL = "/api/v1/history/batch/"


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("import_history", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().splitlines()


def test_import_is_idempotent_and_prints_the_counts_last(tmp_path):
    lines = small_history(60)
    path = write_jsonl(tmp_path / "h.jsonl.gz", lines, gz=True)
    assert run(str(path))[-1] == "imported 60, unchanged 0, rejected 0"
    assert Declaration.objects.filter(is_history=True).count() == 60
    assert HistoryLabel.objects.count() == 60
    before = list(Declaration.objects.order_by("id").values_list("mrn", "received_at", "updated_at"))

    assert run(str(path))[-1] == "imported 0, unchanged 60, rejected 0"
    assert list(Declaration.objects.order_by("id").values_list("mrn", "received_at", "updated_at")) == before
    first = Declaration.objects.get(lrn=lines[0]["lrn"])
    assert first.received_at == dt.datetime.fromisoformat(lines[0]["received_at"])
    assert first.mrn.startswith("20FR")  # the year it was received
    assert first.screening_status == ScreeningStatus.PENDING


def test_a_changed_label_is_imported_again_and_nothing_else_changes(tmp_path):
    lines = [history_line(1, day=dt.date(2020, 3, 1), irregular=False), history_line(2, day=dt.date(2020, 3, 1))]
    run(str(write_jsonl(tmp_path / "a.jsonl", lines)))
    lines[0]["control_result"] = {"irregularity_found": True}
    assert run(str(write_jsonl(tmp_path / "b.jsonl", lines)))[-1] == "imported 1, unchanged 1, rejected 0"
    label = HistoryLabel.objects.get(declaration__lrn=lines[0]["lrn"])
    assert label.irregularity_found is True
    assert Declaration.objects.count() == 2


def test_rejected_lines_are_reported_with_their_numbers_and_errors(tmp_path):
    good = history_line(1, day=dt.date(2020, 5, 1))
    no_time = history_line(2, day=dt.date(2020, 5, 1))
    del no_time["received_at"]
    bad_hs = history_line(3, day=dt.date(2020, 5, 1), hs_code="12")
    bad_label = history_line(4, day=dt.date(2020, 5, 1))
    bad_label["control_result"] = {"irregularity_found": "yes"}
    extra = history_line(5, day=dt.date(2020, 5, 1)) | {"colour": "red"}
    path = write_jsonl(tmp_path / "h.jsonl", [good, b"{not json", no_time, bad_hs, b"", bad_label, extra])
    out = run(str(path))
    assert out[-1] == "imported 1, unchanged 0, rejected 5"
    rejected = "\n".join(out[:-1])
    assert "line 2: rejected:" in rejected
    assert "line 3: rejected: received_at:" in rejected
    assert "line 4: rejected: goods_items[0].hs_code:" in rejected
    assert "line 6: rejected: control_result.irregularity_found:" in rejected
    assert "line 7: rejected: colour:" in rejected
    assert Declaration.objects.count() == 1


def test_history_is_exempt_from_the_arrival_window_only(tmp_path):
    old = history_line(1, day=dt.date(2019, 2, 1))
    bad = history_line(2, day=dt.date(2019, 2, 1))
    bad["office_of_first_entry"] = "FR999999"
    out = run(str(write_jsonl(tmp_path / "h.jsonl", [old, bad])))
    assert out[-1] == "imported 1, unchanged 0, rejected 1"
    assert "office_of_first_entry" in out[0]
    live = file_declarations([contract_body(expected_arrival=old["expected_arrival"])], user=_fr_system())[0]
    assert live.status == 400 and live.errors[0]["field"] == "expected_arrival"


def test_member_state_option_refuses_other_member_states_lines(tmp_path):
    lines = [history_line(1, day=dt.date(2020, 1, 2)), history_line(2, day=dt.date(2020, 1, 2), member_state="NL")]
    out = run(str(write_jsonl(tmp_path / "h.jsonl", lines)), "--member-state", "NL")
    assert out[-1] == "imported 1, unchanged 0, rejected 1"
    assert "line 1: rejected: office_of_first_entry:" in out[0]
    assert Declaration.objects.get().first_entry_member_state_id == "NL"
    with pytest.raises(CommandError, match="--member-state"):
        run(str(tmp_path / "h.jsonl"), "--member-state", "XX")
    with pytest.raises(CommandError, match="PATH"):
        run(str(tmp_path / "missing.jsonl"))


def _fr_system():
    from tests.conftest import make_user

    return make_user("fr_sys_hist", "FR", "national_system")


def test_history_batch_endpoint_answers_per_line_and_is_idempotent(personas):
    lines = [history_line(1, day=dt.date(2020, 2, 1)), history_line(2, day=dt.date(2020, 2, 1), hs_code="1")]
    for who in ("fr_system", "fr_risk_manager"):
        response = post_json(api_client(personas[who]), HISTORY_URL, {"declarations": lines})
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        assert [r["status"] for r in results] == ([201, 400] if who == "fr_system" else [200, 400])
        assert results[1]["errors"][0]["field"] == "goods_items[0].hs_code"
    assert Declaration.objects.filter(is_history=True).count() == 1  # keyed by the filer's LRN, not the account
    nl_line = history_line(3, day=dt.date(2020, 2, 1), member_state="NL")
    response = post_json(api_client(personas["fr_system"]), HISTORY_URL, {"declarations": [nl_line]})
    assert response.json()["results"][0]["status"] == 403
    assert post_json(api_client(personas["fr_analyst"]), HISTORY_URL, {"declarations": lines}).status_code == 403
    too_many = post_json(api_client(personas["fr_system"]), HISTORY_URL, {"declarations": [lines[0]] * 1001})
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["field"] == "declarations"


def test_history_is_never_screened_queued_or_counted(tmp_path, personas, django_capture_on_commit_callbacks):
    from indicators.metrics import METRICS
    from indicators.services import refresh_metric
    from risk_engine.pipeline import open_version_ids, pending_version_ids
    from workbench.cases import sync_cases
    from workbench.models import Case

    soon = dt.date.today()
    line = history_line(1, day=soon)  # arriving now: it would be "open" if it were live
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run(str(write_jsonl(tmp_path / "h.jsonl", [line])))
    from crms.accounts.authentication import bump_generation

    # Nothing announced to the screening pipeline (the import's account being saved bumps the token cache).
    assert [callback for callback in callbacks if callback is not bump_generation] == []
    history = Declaration.objects.get(lrn=line["lrn"])
    Declaration.objects.filter(pk=history.pk).update(updated_at=history.updated_at - dt.timedelta(days=1))
    version_id = history.versions.get().pk
    assert version_id not in pending_version_ids(older_than=dt.timedelta(0), limit=100)
    assert version_id not in open_version_ids()
    # Even when something screens it (a backtest helper, a shell) and picks it at random, no case opens.
    live = file_declarations([contract_body(lrn="LIVE-1")], user=personas["fr_system"])[0]
    assert live.status == 201
    live_declaration = Declaration.objects.get(mrn=live.mrn)
    picked = [
        {
            "id": 0,
            "declaration_id": declaration.pk,
            "version_id": declaration.versions.get().pk,
            "responsible_member_state_id": "FR",
            "random_selection": True,
            "outcome": "control_recommended",
            "score": 0,
            "control_type": "documentary",
        }
        for declaration in (history, live_declaration)
    ]
    sync_cases(None, assessments=picked, hits=[], phases=["pre_arrival"] * 2, aeo=[False] * 2, now=timezone.now())
    assert list(Case.objects.values_list("declaration_id", flat=True)) == [live_declaration.pk]
    # Not amendable (an amendment would be screened live).
    assert amend_declaration(history, line, user=personas["fr_system"]).status == 409

    Declaration.objects.filter(mrn=live.mrn).update(received_at=history.received_at)
    ens = next(metric for metric in METRICS if metric.name == "ens")
    refresh_metric(ens, soon, soon)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(value) FROM indicators_dailyfigure WHERE metric = 'ens' AND day = %s", [soon])
        assert cursor.fetchone()[0] == 1  # the live ENS only


def test_history_and_live_filings_never_answer_for_each_other(personas):
    """A history line whose LRN was filed live is refused (it would relabel, for training, a declaration
    the workbench controls); a live filing whose LRN was imported as history is refused too (a 200 would
    say it is on its way to screening, and history is never screened)."""
    system = api_client(personas["fr_system"])
    live = history_line(1, day=timezone.now().date(), lrn="LIVE-000001")
    live["filer"] = {"eori": "FR80966142854027", "name": "Declarant 1"}  # the same filer key either way
    body = {key: value for key, value in live.items() if key not in ("received_at", "control_result")}
    body["expected_arrival"] = (timezone.now() + dt.timedelta(hours=6)).isoformat()
    filed = post_json(system, "/api/v1/declarations/", body)
    assert filed.status_code == 201, filed.content
    relabel = dict(body, received_at="2025-06-01T08:00:00+00:00", control_result={"irregularity_found": False})
    result = post_json(system, HISTORY_URL, {"declarations": [relabel]}).json()["results"][0]
    assert (
        result["status"] == 409
        and result["errors"][0]["field"] == "lrn"
        and "filed live" in result["errors"][0]["message"]
    )
    assert not HistoryLabel.objects.exists()

    past = history_line(2, day=dt.date(2020, 2, 1), lrn="HIST-000002")
    past["filer"] = live["filer"]
    assert post_json(system, HISTORY_URL, {"declarations": [past]}).json()["results"][0]["status"] == 201
    again_live = {key: value for key, value in past.items() if key not in ("received_at", "control_result")}
    again_live["expected_arrival"] = (timezone.now() + dt.timedelta(hours=6)).isoformat()
    answer = post_json(system, "/api/v1/declarations/", again_live)
    assert answer.status_code == 409 and "imported as history" in answer.json()["errors"][0]["message"]
    assert Declaration.objects.filter(lrn="HIST-000002").count() == 1


def test_a_history_declaration_says_so_and_stays_out_of_live_multiple_filings(personas, client):
    line = history_line(3, day=dt.date(2020, 2, 1), irregular=True)
    assert post_json(api_client(personas["fr_system"]), HISTORY_URL, {"declarations": [line]}).status_code == 200
    history = Declaration.objects.get(lrn=line["lrn"])
    client.force_login(personas["fr_analyst"])
    page = client.get(f"/declarations/{history.mrn}/").content.decode()
    assert "Imported history" in page and "irregularity found" in page
    assert "Waiting for the risk engine" not in page


def test_the_import_leaves_the_months_it_loaded_analyzed(tmp_path):
    """A training may follow the import at once: its months must not look empty to the planner."""
    path = write_jsonl(tmp_path / "h.jsonl", small_history(40))
    run(str(path))
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, c.reltuples, (SELECT count(*) FROM declarations_declarationversion v
                                             WHERE v.tableoid = c.oid)
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'declarations_declarationversion'::regclass"""
        )
        loaded = [(name, estimate, rows) for name, estimate, rows in cursor.fetchall() if rows]
    assert loaded and sum(rows for _, _, rows in loaded) == 40
    assert [(name, estimate) for name, estimate, rows in loaded] == [(name, rows) for name, _, rows in loaded]


@pytest.mark.parametrize(
    "received_at,accepted",
    [
        pytest.param(
            lambda now: (now + dt.timedelta(hours=28)).astimezone(dt.timezone(-dt.timedelta(hours=1))),
            False,
            id="28h-ahead-in-an-earlier-offset",
        ),
        pytest.param(lambda now: now + dt.timedelta(hours=3), False, id="3h-ahead"),
        pytest.param(lambda now: now - dt.timedelta(minutes=1), True, id="a-minute-ago"),
        pytest.param(
            lambda now: dt.datetime(2000, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            False,
            id="1999-12-31T23:00Z",
        ),
        pytest.param(lambda now: dt.datetime(2000, 1, 1, 0, 30, tzinfo=dt.UTC), True, id="2000-01-01T00:30Z"),
    ],
)
def test_the_history_window_is_read_in_utc_and_ends_now(tmp_path, received_at, accepted):
    """Adversarial probe, 7 December: the window was checked on the day in the offset given (so 28 hours ahead passed
    at -01:00 and 1999-12-31T23:00Z passed at +01:00), and a filing of tomorrow counted as history."""
    line = history_line(1, day=dt.date(2020, 1, 2))
    line["received_at"] = received_at(timezone.now()).isoformat()
    out = run(str(write_jsonl(tmp_path / "h.jsonl", [line])))
    assert out[-1] == ("imported 1, unchanged 0, rejected 0" if accepted else "imported 0, unchanged 0, rejected 1")
    if not accepted:
        assert "received_at" in out[0]
