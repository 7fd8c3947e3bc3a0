"""A declaration names its current version's id (issue 17): every writer keeps it right, readers check it.

The id lets the current version, its assessment and its screening failure be read from one month's
partition. Every way a declaration or a version is written is listed here; a declaration whose id is
missing or names another version (written around the services) is still read right, by number.
"""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from crms.declarations.current import current_version_ids, current_version_of, fill_current_version_pks
from crms.declarations.models import Declaration, DeclarationVersion
from crms.declarations.selectors import version_of
from crms.declarations.services import amend_declaration, file_declarations, file_history
from tests.conftest import make_user
from tests.risk_engine.conftest import api_client, make_ens, make_item, screen_mrns

pytestmark = pytest.mark.django_db

WRONGLY_NAMED = """
SELECT d.mrn FROM declarations_declaration d
LEFT JOIN declarations_declarationversion v
       ON v.id = d.current_version_pk AND v.declaration_id = d.id AND v.version = d.current_version
WHERE v.id IS NULL
"""


def wrongly_named() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(WRONGLY_NAMED)
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def system(db):
    return make_user("cv_system", "FR", "national_system")


def _file_one(system):
    response = api_client(system).post("/api/v1/declarations/", make_ens(), format="json")
    assert response.status_code == 201, response.content


def _file_batch(system):
    bodies = [make_ens() for _ in range(3)]
    bodies.append(bodies[0])  # a retry inside the batch
    response = api_client(system).post("/api/v1/declarations/batch/", {"declarations": bodies}, format="json")
    assert [r["status"] for r in response.json()["results"]] == [201, 201, 201, 200]


def _file_retry(system):
    body = make_ens()
    assert [r.status for r in file_declarations([body, body], user=system)] == [201, 200]
    assert file_declarations([body], user=system)[0].status == 200


def _history(system):
    received = [dt.datetime(2025, 3, 10, 8, n, tzinfo=dt.UTC) for n in range(2)]
    results = file_history([make_ens(), make_ens()], received, user=system)
    assert [r.status for r in results] == [201, 201]


def _amend_twice(system):
    body = make_ens()
    (result,) = file_declarations([body], user=system)
    declaration = Declaration.objects.get(mrn=result.mrn)
    for items in ([make_item(1), make_item(2)], [make_item(1)]):
        body = body | {"goods_items": items}
        assert amend_declaration(declaration, body, user=system).status == 201
        declaration.refresh_from_db()
    assert amend_declaration(declaration, body, user=system).status == 200  # the same amendment again
    assert declaration.current_version == 3


def _amend_over_rest(system):
    body = make_ens()
    (result,) = file_declarations([body], user=system)
    amended = body | {"goods_items": [make_item(1), make_item(2)]}
    response = api_client(system).post(f"/api/v1/declarations/{result.mrn}/amendments/", amended, format="json")
    assert response.status_code == 201, response.content


WRITERS = [_file_one, _file_batch, _file_retry, _history, _amend_twice, _amend_over_rest]


@pytest.mark.parametrize("write", WRITERS, ids=[w.__name__.strip("_") for w in WRITERS])
def test_every_writer_names_the_current_version(system, write):
    write(system)
    assert Declaration.objects.exists()
    assert wrongly_named() == []


def _declaration_with_two_versions(system) -> Declaration:
    body = make_ens()
    (result,) = file_declarations([body], user=system)
    declaration = Declaration.objects.get(mrn=result.mrn)
    assert (
        amend_declaration(declaration, body | {"goods_items": [make_item(1), make_item(2)]}, user=system).status == 201
    )
    return Declaration.objects.get(pk=declaration.pk)


@pytest.mark.parametrize("named", ["missing", "the first version", "another declaration's version"])
def test_a_wrongly_named_current_version_is_read_by_number(system, named):
    declaration = _declaration_with_two_versions(system)
    other = _declaration_with_two_versions(system)
    current = DeclarationVersion.objects.get(declaration=declaration, version=2)
    wrong = {
        "missing": None,
        "the first version": DeclarationVersion.objects.get(declaration=declaration, version=1).pk,
        "another declaration's version": other.current_version_pk,
    }[named]
    Declaration.objects.filter(pk=declaration.pk).update(current_version_pk=wrong)
    declaration.refresh_from_db()
    assert current_version_of(declaration) == current
    assert version_of(declaration) == current
    assert current_version_ids([(declaration.pk, wrong, 2), (other.pk, other.current_version_pk, 2)]) == {
        declaration.pk: current.pk,
        other.pk: other.current_version_pk,
    }
    screen_mrns(declaration.mrn)
    document = api_client(make_user("cv_analyst", "FR", "analyst")).get(
        f"/api/v1/declarations/{declaration.mrn}/assessment/"
    )
    assert (document.json()["status"], document.json()["version"]) == ("screened", 2)
    body = make_ens(lrn=declaration.lrn)
    assert amend_declaration(declaration, body, user=system).status == 201  # the amendment names it again
    assert wrongly_named() == []


def test_declarations_written_around_the_services_are_filled_in(system):
    declaration = _declaration_with_two_versions(system)
    Declaration.objects.update(current_version_pk=None)
    with connection.cursor() as cursor:
        assert fill_current_version_pks(cursor) == Declaration.objects.count()
    assert wrongly_named() == []
    assert Declaration.objects.get(pk=declaration.pk).current_version_pk == current_version_of(declaration).pk


def test_the_migration_fills_in_existing_declarations_in_batches(system, monkeypatch):
    fill = importlib.import_module("crms.declarations.migrations.0011_fill_current_version_pk")
    monkeypatch.setattr(fill, "BATCH", 2)  # several batches over the few declarations here
    for _ in range(3):
        _declaration_with_two_versions(system)
    Declaration.objects.update(current_version_pk=None)
    fill.fill(None, SimpleNamespace(connection=connection))
    assert wrongly_named() == []
