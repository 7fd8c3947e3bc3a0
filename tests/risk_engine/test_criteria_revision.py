"""The criteria revision and screening consistency (contract 2.4, v2; issue 12 point 1).

- Every change that can alter a screening result moves the revision in its own transaction, and
  every kind of such change is listed in ``CHANGES`` below; the tables the engine reads are listed in
  ``ENGINE_INPUT_TABLES`` and each must carry a revision trigger (a new input table without one fails).
- Changes that cannot alter a result (drafts, submissions) leave it alone.
- An ENS filed right after a change is screened with it: published then filed at once, many times
  over, against the real worker, and its *first* screened result (the history's first entry) has it.
- A re-screening that changes a result keeps the earlier one (``?history=true``) with the change
  that caused it, shown only as far as the viewer may see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.utils import timezone

from crms.declarations.models import Declaration
from pca.models import PriorityControlArea
from risk_engine import pipeline, services
from risk_engine.compiler import published_criteria
from risk_engine.models import (
    Assessment,
    AssessmentRecord,
    CredibilityBound,
    CriteriaChange,
    RandomSelectionRate,
    WatchList,
    WatchListEntry,
)
from risk_engine.models_revision import current_revision
from tests.conftest import make_user
from tests.learning.prices_support import add_baselines
from tests.risk_engine.conftest import (
    api_client,
    file_bodies,
    make_criterion,
    make_ens,
    make_item,
    publish_criterion,
    screen_mrns,
    wait_for,
)

WAIT = 30.0

# Every table whose rows the screening reads to decide a result (besides the declaration itself and the
# operator registry, which is read live per batch). Each must move the revision when it changes.
ENGINE_INPUT_TABLES = {
    "risk_engine_criterionversion",
    "risk_engine_watchlist",
    "risk_engine_watchlistentry",
    "pca_prioritycontrolarea",
    "pca_prioritycontrolarea_criteria",
    "risk_engine_randomselectionrate",
    "risk_engine_credibilitybound",
    "learning_pricebaseline",
    "learning_modelversion",  # a model going shadow or live (issue 16 point 4, learning 0004)
    "selection_controlcapacity",  # the capacities the live model fills (issue 16 point 6, selection 0002)
}


def _cast() -> dict:
    return {
        "author": make_user("cr_author", "EU", "commission"),
        "approver": make_user("cr_approver", "EU", "commission_approver"),
        "fr_system": make_user("cr_fr_system", "FR", "national_system"),
        "fr_analyst": make_user("cr_fr_analyst", "FR", "analyst"),
        "fr_manager": make_user("cr_fr_manager", "FR", "risk_manager"),
        "de_analyst": make_user("cr_de_analyst", "DE", "analyst"),
        "de_manager": make_user("cr_de_manager", "DE", "risk_manager"),
    }


@pytest.fixture
def people(reference_data):
    """Transactional: one transaction is one revision, so each change must commit on its own."""
    return _cast()


@pytest.fixture
def worker_people(reference_data, celery_worker_process):
    """For the tests against the real worker, which needs committed rows."""
    return _cast()


def _revision_triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               WHERE NOT t.tgisinternal AND t.tgname LIKE 'criteria_revision_%%'"""
        )
        return {row[0] for row in cursor.fetchall()}


def test_every_engine_input_table_moves_the_revision(db):
    assert _revision_triggers() == ENGINE_INPUT_TABLES


def test_the_compiler_reads_only_listed_tables(people, django_assert_max_num_queries):
    """Loading the compiled criteria touches only tables that move the revision (plus the criterion identity)."""
    publish_criterion(make_criterion("CR-READS"), people["author"], people["approver"])
    from django.test.utils import CaptureQueriesContext

    from risk_engine.compiler import forget_compiled_criteria

    forget_compiled_criteria()
    with CaptureQueriesContext(connection) as queries:
        published_criteria()
    read = " ".join(query["sql"] for query in queries.captured_queries)
    import re

    tables = set(re.findall(r'"?((?:risk_engine|pca)_[a-z_]+)"?', read))
    assert tables <= ENGINE_INPUT_TABLES | {"risk_engine_criterion", "risk_engine_criteriarevision"}, tables


# --- which changes move it ----------------------------------------------------------------------------------


def _designated_pca(people, **overrides) -> PriorityControlArea:
    now = timezone.now()
    data = {
        "reference": f"PCA-CR-{PriorityControlArea.objects.count() + 1}",
        "title": "Toy safety campaign",
        "risk_area_id": "product_safety",
        "starts_at": now - dt.timedelta(days=1),
        "ends_at": now + dt.timedelta(days=30),
        **overrides,
    }
    pca = PriorityControlArea.objects.create(created_by=people["author"], created_at=now, updated_at=now, **data)
    return pca


def _watch_list(people) -> WatchList:
    return services.create_watch_list(actor=people["author"], code="CR-WL", name="Watched", kind="eori")


def change_publish(people):
    publish_criterion(make_criterion("CR-PUB"), people["author"], people["approver"])
    return "criterion.published", "CR-PUB"


def change_supersede(people):
    criterion = publish_criterion(make_criterion("CR-SUP"), people["author"], people["approver"])
    services.update_criterion(actor=people["author"], criterion=criterion, data=make_criterion("CR-SUP", weight=61))
    services.submit_criterion(actor=people["author"], criterion=criterion)
    return (lambda: services.approve_criterion(actor=people["approver"], criterion=criterion)), (
        "criterion.superseded",
        "CR-SUP",
    )


def change_retire(people):
    criterion = publish_criterion(make_criterion("CR-RET"), people["author"], people["approver"])
    return (lambda: services.retire_criterion(actor=people["approver"], criterion=criterion)), (
        "criterion.retired",
        "CR-RET",
    )


def change_national_profile(people):
    doc = make_criterion("FR-CR-NP", scope="national")
    version = services.create_criterion(actor=people["fr_analyst"], data=doc)
    services.submit_criterion(actor=people["fr_analyst"], criterion=version.criterion)
    return (lambda: services.approve_criterion(actor=people["fr_manager"], criterion=version.criterion)), (
        "criterion.published",
        "FR-CR-NP",
    )


def change_watch_list_entry_added(people):
    watch_list = _watch_list(people)
    return (
        lambda: services.add_watch_list_entries(
            actor=people["author"], watch_list=watch_list, entries=[("FR123456789012", "seen in a seizure")]
        )
    ), ("watch_list.changed", "CR-WL")


def change_watch_list_entry_removed(people):
    watch_list = _watch_list(people)
    services.add_watch_list_entries(
        actor=people["author"], watch_list=watch_list, entries=[("FR123456789012", "seen in a seizure")]
    )
    entry = watch_list.entries.get()
    return (
        lambda: services.remove_watch_list_entry(
            actor=people["author"], watch_list=watch_list, entry_id=entry.pk, reason="cleared"
        )
    ), ("watch_list.changed", "CR-WL")


def change_watch_list_entry_by_orm(people):
    """Not through the services (admin, shell, an import): the trigger still sees it."""
    watch_list = _watch_list(people)
    return (
        lambda: WatchListEntry.objects.create(
            watch_list=watch_list, value="DE1", reason="direct", added_by=people["author"]
        )
    ), ("watch_list.changed", "CR-WL")


def change_pca_link(people):
    criterion = publish_criterion(make_criterion("CR-PCA"), people["author"], people["approver"])
    pca = _designated_pca(people)
    return (lambda: pca.criteria.add(criterion)), ("pca.linked", "CR-PCA")


def change_pca_unlink(people):
    criterion = publish_criterion(make_criterion("CR-PCA"), people["author"], people["approver"])
    pca = _designated_pca(people)
    pca.criteria.add(criterion)
    return (lambda: pca.criteria.remove(criterion)), ("pca.unlinked", "CR-PCA")


def change_pca_period(people):
    pca = _designated_pca(people)

    def move():
        pca.ends_at = pca.ends_at + dt.timedelta(days=3)
        pca.save(update_fields=["ends_at"])

    return move, ("pca.changed", pca.reference)


def change_pca_suspended(people):
    pca = _designated_pca(people)

    def suspend():
        pca.status = "suspended"
        pca.save(update_fields=["status"])

    return suspend, ("pca.changed", pca.reference)


def change_random_rate(people):
    return (lambda: RandomSelectionRate.objects.update_or_create(member_state_id="FR", defaults={"rate": 0.02})), (
        "random_selection.changed",
        "FR",
    )


def change_credibility_bounds(people):
    return (
        lambda: CredibilityBound.objects.create(
            chapter="95", metric="value_per_kg", low=1, high=100, sample_size=50, computed_at=timezone.now()
        )
    ), ("data_quality.bounds_changed", "")


def change_price_baselines(people):
    return (lambda: add_baselines([("hs6", "950300", "", "", 12.5)])), ("price_baselines.changed", "")


CHANGES: dict[str, Callable] = {
    "publish": change_publish,
    "supersede": change_supersede,
    "retire": change_retire,
    "national_profile": change_national_profile,
    "watch_list_entry_added": change_watch_list_entry_added,
    "watch_list_entry_removed": change_watch_list_entry_removed,
    "watch_list_entry_by_orm": change_watch_list_entry_by_orm,
    "pca_link": change_pca_link,
    "pca_unlink": change_pca_unlink,
    "pca_period": change_pca_period,
    "pca_suspended": change_pca_suspended,
    "random_rate": change_random_rate,
    "credibility_bounds": change_credibility_bounds,
    "price_baselines": change_price_baselines,
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_change_moves_the_revision_once(people, name):
    prepared = CHANGES[name](people)
    if isinstance(prepared[0], str):  # the change was the whole set-up (publish)
        act, expected = None, prepared
    else:
        act, expected = prepared
    before = current_revision()
    if act is not None:
        with transaction.atomic():
            act()
    after = current_revision()
    if act is not None:
        assert after is not None and (before is None or after > before)
    changes = CriteriaChange.objects.filter(revision=after)
    assert (expected[0], expected[1]) in set(changes.values_list("kind", "subject")), list(changes.values())


def test_one_transaction_is_one_revision(people):
    """Publishing a new version supersedes the old one in the same transaction: both under one revision."""
    prepare, _ = change_supersede(people)
    prepare()
    revision = current_revision()
    kinds = set(CriteriaChange.objects.filter(revision=revision).values_list("kind", flat=True))
    assert kinds == {"criterion.superseded", "criterion.published"}


NON_CHANGES: dict[str, Callable] = {
    "draft": lambda p: services.create_criterion(actor=p["author"], data=make_criterion("CR-DRAFT")),
    "submit": lambda p: services.submit_criterion(
        actor=p["author"],
        criterion=services.create_criterion(actor=p["author"], data=make_criterion("CR-SUB")).criterion,
    ),
    "filing": lambda p: file_bodies(p["fr_system"], make_ens()),
}


@pytest.mark.parametrize("name", sorted(NON_CHANGES))
def test_what_cannot_alter_a_result_leaves_the_revision(people, name):
    publish_criterion(make_criterion("CR-BASE"), people["author"], people["approver"])
    before = current_revision()
    NON_CHANGES[name](people)
    assert current_revision() == before


# --- the assessment records it; re-screening keeps history ---------------------------------------------------


def history(user, mrn: str) -> list[dict]:
    response = api_client(user).get(f"/api/v1/declarations/{mrn}/assessment/?history=true")
    assert response.status_code == 200, response.content
    return response.json()["history"]


def test_assessment_states_its_revision_and_history(people):
    (mrn,) = file_bodies(people["fr_system"], make_ens())
    screen_mrns(mrn)
    first = Assessment.objects.get(declaration__mrn=mrn)
    assert first.criteria_revision == current_revision()

    screen_mrns(mrn)  # nothing changed: no history entry
    assert AssessmentRecord.objects.count() == 0
    assert [entry["changes"] for entry in history(people["fr_analyst"], mrn)] == [[{"kind": "declaration.filed"}]]

    publish_criterion(make_criterion("CR-HIST"), people["author"], people["approver"])
    screen_mrns(mrn)
    entries = history(people["fr_analyst"], mrn)
    assert [entry["outcome"] for entry in entries] == ["assessment_complete", "control_recommended"]
    assert entries[0]["hits"] == [] and [h["criterion"] for h in entries[1]["hits"]] == ["CR-HIST"]
    assert ("criterion.published", "CR-HIST") in {(c["kind"], c["subject"]) for c in entries[1]["changes"]}
    assert entries[1]["criteria_revision"] == current_revision()
    document = api_client(people["fr_analyst"]).get(f"/api/v1/declarations/{mrn}/assessment/").json()
    assert document["criteria_revision"] == current_revision() and "history" not in document


def test_history_hides_another_member_states_profile(people):
    """DE's national profile hits an ENS unloaded in DE: FR sees neither the hit nor the change in the history."""
    body = make_ens(place_of_unloading="DEHAM", goods_items=[make_item(1, hs_code="950300")])
    (mrn,) = file_bodies(people["fr_system"], body)
    screen_mrns(mrn)
    doc = make_criterion("DE-CR-NP", scope="national")
    version = services.create_criterion(actor=people["de_analyst"], data=doc)
    services.submit_criterion(actor=people["de_analyst"], criterion=version.criterion)
    services.approve_criterion(actor=people["de_manager"], criterion=version.criterion)
    screen_mrns(mrn)
    de_entries = history(people["de_analyst"], mrn)
    assert [h["criterion"] for h in de_entries[-1]["hits"]] == ["DE-CR-NP"]
    assert "DE-CR-NP" in {c.get("subject") for c in de_entries[-1]["changes"]}
    fr_entries = history(people["fr_analyst"], mrn)
    assert all(h["criterion"] != "DE-CR-NP" for entry in fr_entries for h in entry["hits"])
    assert all(c.get("subject") != "DE-CR-NP" for entry in fr_entries for c in entry["changes"])


def test_rescreen_skips_ens_already_on_the_newest_revision(people):
    publish_criterion(make_criterion("CR-OLDER"), people["author"], people["approver"])
    (mrn,) = file_bodies(people["fr_system"], make_ens())
    screen_mrns(mrn)
    assert pipeline.open_version_ids(behind=current_revision()) == []
    publish_criterion(make_criterion("CR-NEWER"), people["author"], people["approver"])
    assert len(pipeline.open_version_ids(behind=current_revision())) == 1


def test_sweeper_rescreens_after_a_change_nobody_announced(people):
    from django.core.cache import cache

    file_bodies(people["fr_system"], make_ens())
    pipeline.rescreen_open()
    assert pipeline.rescreen_if_revision_moved() is False
    watch_list = WatchList.objects.create(code="CR-ORM", name="Direct", kind="eori", owner_id="EU")
    WatchListEntry.objects.create(watch_list=watch_list, value="FR1", reason="direct", added_by=people["author"])
    cache.delete(pipeline.RESCREEN_KEY)
    assert pipeline.rescreen_if_revision_moved() is True
    assert cache.get(pipeline.RESCREEN_KEY) is not None  # a re-screening was requested
    cache.delete(pipeline.RESCREEN_KEY)


# --- the race, against the real worker ----------------------------------------------------------------------

ROUNDS = 30


def _dnl_criterion(code: str, word: str) -> dict:
    return make_criterion(
        code,
        outcome="do_not_load",
        control_type=None,
        weight=100,
        condition={"field": "item.description", "op": "contains_any", "value": [word]},
    )


@pytest.mark.worker
def test_filed_right_after_publication_is_screened_with_it(worker_people):
    """Publish a do-not-load criterion, file a matching pre-loading ENS at once; its first result must be DNL."""
    client = api_client(worker_people["fr_system"])
    mrns = []
    for round_ in range(ROUNDS):
        word = f"zqx{round_}word"
        publish_criterion(_dnl_criterion(f"CR-RACE-{round_}", word), worker_people["author"], worker_people["approver"])
        body = make_ens(goods_items=[make_item(1, description=f"parcel with {word} inside")])
        response = client.post("/api/v1/declarations/", body, format="json")
        assert response.status_code == 201, response.content
        mrns.append(response.json()["mrn"])

    def all_screened() -> bool:
        return Declaration.objects.filter(mrn__in=mrns, screening_status="screened").count() == len(mrns)

    assert wait_for(all_screened, 180)  # returns as soon as all are screened; generous for a loaded machine
    misses = []
    for round_, mrn in enumerate(mrns):
        first = history(worker_people["fr_analyst"], mrn)[0]
        if first["outcome"] != "do_not_load" or f"CR-RACE-{round_}" not in {h["criterion"] for h in first["hits"]}:
            misses.append((round_, mrn, first))
    assert misses == []


@pytest.mark.worker
def test_filed_right_after_retirement_is_screened_without_it(worker_people):
    client = api_client(worker_people["fr_system"])
    mrns = []
    for round_ in range(ROUNDS // 2):
        word = f"qzy{round_}word"
        criterion = publish_criterion(
            _dnl_criterion(f"CR-RET-{round_}", word), worker_people["author"], worker_people["approver"]
        )
        services.retire_criterion(actor=worker_people["approver"], criterion=criterion)
        body = make_ens(goods_items=[make_item(1, description=f"parcel with {word} inside")])
        response = client.post("/api/v1/declarations/", body, format="json")
        assert response.status_code == 201
        mrns.append(response.json()["mrn"])

    assert wait_for(
        lambda: Declaration.objects.filter(mrn__in=mrns, screening_status="screened").count() == len(mrns), 180
    )
    firsts = [history(worker_people["fr_analyst"], mrn)[0] for mrn in mrns]
    assert [entry["outcome"] for entry in firsts] == ["assessment_complete"] * len(mrns)


def test_a_revision_moving_during_every_load_is_claimed_only_as_far_as_loaded(db, monkeypatch):
    """Changes committing throughout the load: the batch may claim the revision read before its last load
    began (the content holds at least that), never the later one it read after (a re-screening for that
    change would then skip the ENS); nothing is cached."""
    from risk_engine import compiler

    reads = iter(range(100, 200))
    monkeypatch.setattr(compiler, "current_revision", lambda: next(reads))
    compiler.forget_compiled_criteria()
    _criteria, _watch_lists, revision = compiler.published_criteria()
    assert revision == 100 + compiler.RELOAD_ATTEMPTS - 1
    assert compiler._cache.revision is None
