"""A filing's rows are the same whichever way they are written (crms/core/bulk.py ``write_rows``): one
INSERT statement for a small filing, a COPY per table for a large one. Text that means something to
either format (tabs, newlines, backslashes, COPY's ``\\N``, quotes, SQL comment marks, non-Latin
scripts), missing values and empty strings must come back exactly as filed."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from crms.core import bulk
from crms.declarations.models import Declaration, DeclarationVersion, GoodsItem, Party
from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_ens, make_item

pytestmark = pytest.mark.django_db

AWKWARD = "Tab\there, new\nline, back\\slash, \\N, 'single' \"double\" -- /* Ünïcødé — 玩具 */ $$ ;"


def _body() -> dict:
    body = make_ens(
        consignor={
            "name": "Shenzhen \\N Trading\tCo",
            "eori": None,
            "address": {"street": AWKWARD[:70], "city": "Shenzhen", "postcode": "", "country": "CN"},
        },
        countries_of_routing=["CN", "AE", "FR"],
    )
    body["goods_items"] = [
        make_item(1, description=AWKWARD, container=None, dangerous_goods_code=None),
        make_item(2, description="toy", value=None, country_of_origin=None, container="MSCU1234565"),
    ]
    return body


def _stored(mrn: str) -> dict:
    declaration = Declaration.objects.get(mrn=mrn)
    version = DeclarationVersion.objects.get(pk=declaration.current_version_pk)
    drop = {"id", "mrn", "lrn", "received_at", "updated_at", "current_version_pk", "declaration", "filed_at"}
    body = dict(version.body)
    body.pop("lrn")
    return {
        "declaration": {k: v for k, v in model_to_dict(declaration).items() if k not in drop},
        "version": {k: v for k, v in model_to_dict(version).items() if k not in drop | {"body", "body_hash"}},
        "body": body,
        "parties": sorted(
            tuple(sorted((k, str(v)) for k, v in model_to_dict(p).items() if k not in {"id", "version"}))
            for p in Party.objects.filter(version_id=version.pk)
        ),
        "items": sorted(
            tuple(sorted((k, str(v)) for k, v in model_to_dict(i).items() if k not in {"id", "version"}))
            for i in GoodsItem.objects.filter(version_id=version.pk)
        ),
    }


def test_one_statement_and_copy_store_the_same_rows(monkeypatch):
    system = make_user("wp_system", "FR", "national_system")
    body = _body()
    (by_statement,) = file_bodies(system, body)
    monkeypatch.setattr(bulk, "ONE_STATEMENT_ROWS", 0)  # every write by COPY
    (by_copy,) = file_bodies(system, body | {"lrn": body["lrn"] + "-C"})
    statement, copy = _stored(by_statement), _stored(by_copy)
    assert statement == copy
    assert AWKWARD in {dict(row)["description"] for row in statement["items"]}  # stored as filed
    assert statement["body"]["goods_items"][0]["description"] == AWKWARD
    assert {dict(row)["container"] for row in statement["items"]} == {"", "MSCU1234565"}


def test_a_large_filing_takes_copy_and_a_small_one_statement(monkeypatch):
    """Both ways are used by the product: the threshold counts the rows of every table together."""
    system = make_user("wp_system2", "FR", "national_system")
    calls: list[str] = []
    monkeypatch.setattr(bulk, "copy_insert", lambda model, rows: calls.append(f"copy {model.__name__}"))
    bulk.write_rows([(Declaration, [{"id": 1}] * 150), (Party, [{"id": 1}] * 60)])
    assert calls == ["copy Declaration", "copy Party"]
    calls.clear()
    assert len(file_bodies(system, make_ens())) == 1 and calls == []  # five rows: one statement
