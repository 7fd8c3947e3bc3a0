"""Heavy reads can be served by a read replica through the database router (issue 17, docs/operations.md).

The test adds a second database alias, ``replica``, on its own connection to the same test database
(what a streaming replica looks like to Django, without the lag), and shows which queries land where:
indicator sums, backtest batches and training frames read from it; screening, criteria and every
write stay on ``default``; without the alias, everything stays on ``default``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from crms.accounts.models import Organisation
from crms.core import replica
from crms.declarations.models import DeclarationVersion
from crms.declarations.services import file_declarations
from indicators import figures
from risk_engine.screening import load_batch
from tests.conftest import make_user
from tests.risk_engine.conftest import make_ens

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, replica.REPLICA])


@pytest.fixture(scope="module", autouse=True)
def _replica_alias():
    """A second alias on its own connection to the test database, for this module only (module fixtures
    run before the database set-up of each test, which must know the alias)."""
    connections.settings[replica.REPLICA] = {**connections.settings[DEFAULT_DB_ALIAS], "TEST": {"MIRROR": "default"}}
    try:
        yield
    finally:
        connections[replica.REPLICA].close()
        del connections[replica.REPLICA]
        del connections.settings[replica.REPLICA]


@pytest.fixture
def replica_alias():
    return connections[replica.REPLICA]


@pytest.fixture
def filed(reference_data):
    system = make_user("rep_fr_system", "FR", "national_system")
    results = file_declarations([make_ens() for _ in range(3)], user=system)
    return [DeclarationVersion.objects.get(declaration__mrn=result.mrn).pk for result in results]


def _queries(alias: str) -> CaptureQueriesContext:
    return CaptureQueriesContext(connections[alias])


def test_the_replica_alias_is_a_separate_connection(replica_alias):
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        primary_pid = cursor.fetchone()[0]
    with replica_alias.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != primary_pid


def test_router_sends_reads_inside_replica_reads_to_the_replica_and_writes_to_default(replica_alias, reference_data):
    assert Organisation.objects.all().db == DEFAULT_DB_ALIAS
    with replica.replica_reads():
        assert Organisation.objects.all().db == replica.REPLICA
        assert replica.read_connection().alias == replica.REPLICA
        with _queries(replica.REPLICA) as on_replica, _queries(DEFAULT_DB_ALIAS) as on_default:
            names = list(Organisation.objects.values_list("code", flat=True))
            Organisation.objects.filter(code="FR").update(name="France")  # a write, even in here
        assert "FR" in names
        assert any("SELECT" in query["sql"] for query in on_replica.captured_queries)
        assert not any("UPDATE" in query["sql"] for query in on_replica.captured_queries)
        assert any("UPDATE" in query["sql"] for query in on_default.captured_queries)
    assert Organisation.objects.all().db == DEFAULT_DB_ALIAS


def test_indicator_sums_read_the_replica(replica_alias):
    view = figures.View(figures.Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)), None, True)
    with _queries(replica.REPLICA) as on_replica, _queries(DEFAULT_DB_ALIAS) as on_default:
        figures.sums(view, "screened_ens")
        figures.weekly_sums(view, "screened_ens")
    assert sum("indicators_dailyfigure" in query["sql"] for query in on_replica.captured_queries) == 2
    assert not any("indicators_dailyfigure" in query["sql"] for query in on_default.captured_queries)


def test_backtest_batches_read_the_replica_and_screening_the_primary(replica_alias, filed):
    with _queries(replica.REPLICA) as on_replica, _queries(DEFAULT_DB_ALIAS) as on_default:
        screening = load_batch(filed)
    assert screening.n_decl == 3
    assert not on_replica.captured_queries
    assert on_default.captured_queries

    with replica.replica_reads(), _queries(replica.REPLICA) as on_replica, _queries(DEFAULT_DB_ALIAS) as on_default:
        backtest = load_batch(filed)
    assert backtest.n_decl == 3
    assert list(backtest.frame.version_ids) == list(screening.frame.version_ids)
    assert on_replica.captured_queries
    assert not on_default.captured_queries


def test_without_a_replica_everything_reads_default(filed, monkeypatch):
    monkeypatch.delitem(connections.settings, replica.REPLICA)
    assert not replica.replica_configured()
    with replica.replica_reads():
        assert Organisation.objects.all().db == DEFAULT_DB_ALIAS
        assert replica.read_connection().alias == DEFAULT_DB_ALIAS
        assert load_batch(filed).n_decl == 3
