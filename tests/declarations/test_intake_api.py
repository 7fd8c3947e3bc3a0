"""Contract 2.1-2.4 over HTTP: responses, storage, idempotency, batches, amendments, reads, transport errors."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import orjson
import pytest
from django.test import override_settings

from crms.declarations import services
from crms.declarations.models import Declaration, DeclarationVersion, GoodsItem, Party
from tests.declarations.conftest import (
    BATCH_URL,
    DECLARATIONS_URL,
    api_client,
    contract_body,
    post_json,
    post_raw,
    stored_counts,
)

RATES_CSV = Path(services.__file__).resolve().parents[1] / "reference" / "data" / "exchange_rates.csv"


def file(client, body):
    return post_json(client, DECLARATIONS_URL, body)


def filed_mrn(client, body) -> str:
    response = file(client, body)
    assert response.status_code == 201, response.content
    return response.json()["mrn"]


def error_fields(response) -> list[str | None]:
    body = response.json()
    assert set(body) == {"errors"} and body["errors"], body
    assert all(set(entry) == {"field", "code", "message"} for entry in body["errors"]), body
    return [entry["field"] for entry in body["errors"]]


def rate_per_eur(currency: str) -> float:
    with open(RATES_CSV, newline="") as handle:
        return next(float(row["per_eur"]) for row in csv.DictReader(handle) if row["currency"] == currency)


# --- 201 ---------------------------------------------------------------------------------------------


def test_created_body_is_exactly_the_contracts(fr_client):
    response = file(fr_client, contract_body(lrn="FR-EXP-2026-000123"))
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "mrn": body["mrn"],
        "lrn": "FR-EXP-2026-000123",
        "version": 1,
        "status": "received",
        "assessment_url": f"/api/v1/declarations/{body['mrn']}/assessment/",
    }


def test_mrns_are_18_characters_and_unique(fr_client):
    mrns = [filed_mrn(fr_client, contract_body(lrn=f"LRN-{n}")) for n in range(5)]
    assert len(set(mrns)) == 5
    assert all(len(mrn) == 18 and mrn.isalnum() and mrn.isupper() for mrn in mrns)
    assert set(Declaration.objects.filter(mrn__in=mrns).values_list("mrn", flat=True)) == set(mrns)


def test_parties_are_stored_with_their_roles(fr_client):
    body = contract_body(buyer={"name": "Buyer SARL", "eori": "FR12345678901234"}, seller={"name": "Seller Co"})
    mrn = filed_mrn(fr_client, body)
    parties = {p.role: p for p in Party.objects.filter(version__declaration__mrn=mrn)}
    assert set(parties) == {"filer", "carrier", "consignor", "consignee", "buyer", "seller"}
    consignee = parties["consignee"]
    assert (
        consignee.name,
        consignee.eori,
        consignee.street,
        consignee.city,
        consignee.postcode,
        consignee.country,
    ) == (
        "Jean Martin",
        "",
        "4 rue de la Paix",
        "Lyon",
        "69001",
        "FR",
    )
    assert (parties["filer"].name, parties["filer"].eori) == ("Fast Parcels GmbH", "DE123456789012345")
    assert (parties["buyer"].eori, parties["seller"].name) == ("FR12345678901234", "Seller Co")


def test_absent_optional_parties_are_not_stored(fr_client):
    body = contract_body()
    for role in ("filer", "carrier", "buyer", "seller"):
        body.pop(role)
    mrn = filed_mrn(fr_client, body)
    roles = set(Party.objects.filter(version__declaration__mrn=mrn).values_list("role", flat=True))
    assert roles == {"consignor", "consignee"}


def test_goods_items_are_stored_with_every_field(fr_client):
    items = [
        {
            "item_number": 1,
            "hs_code": "950300",
            "description": "plastic toy cars",
            "gross_mass_kg": 2.4,
            "packages": 1,
            "value": {"amount": 35.0, "currency": "EUR"},
            "country_of_origin": "CN",
            "container": None,
            "dangerous_goods_code": None,
        },
        {
            "item_number": 2,
            "hs_code": "8471300000",
            "description": "laptops",
            "gross_mass_kg": 12,
            "packages": 3,
            "value": {"amount": 2000, "currency": "EUR"},
            "country_of_origin": "TW",
            "container": "MSCU1234567",
            "dangerous_goods_code": "UN3481",
        },
    ]
    mrn = filed_mrn(fr_client, contract_body(goods_items=items))
    stored = list(GoodsItem.objects.filter(version__declaration__mrn=mrn).order_by("item_number"))
    assert [(i.item_number, i.hs_code, i.description, i.gross_mass_kg, i.packages) for i in stored] == [
        (1, "950300", "plastic toy cars", 2.4, 1),
        (2, "8471300000", "laptops", 12.0, 3),
    ]
    assert [(i.value_amount, i.value_currency, i.value_eur) for i in stored] == [
        (35.0, "EUR", 35.0),
        (2000.0, "EUR", 2000.0),
    ]
    assert [(i.country_of_origin, i.container, i.dangerous_goods_code) for i in stored] == [
        ("CN", "", ""),
        ("TW", "MSCU1234567", "UN3481"),
    ]
    version = DeclarationVersion.objects.get(declaration__mrn=mrn)
    assert version.item_count == 2
    assert version.total_gross_mass_kg == pytest.approx(14.4)


@pytest.mark.parametrize("currency", ["USD", "JPY", "GBP"])
def test_foreign_values_are_converted_to_eur_with_the_rate_table(fr_client, currency):
    body = contract_body()
    body["goods_items"][0]["value"] = {"amount": 1080.0, "currency": currency}
    mrn = filed_mrn(fr_client, body)
    item = GoodsItem.objects.get(version__declaration__mrn=mrn)
    assert (item.value_amount, item.value_currency) == (1080.0, currency)
    assert item.value_eur == pytest.approx(1080.0 / rate_per_eur(currency))


def test_usd_1080_is_1000_eur(fr_client):
    body = contract_body()
    body["goods_items"][0]["value"] = {"amount": 1080.0, "currency": "USD"}
    mrn = filed_mrn(fr_client, body)
    assert GoodsItem.objects.get(version__declaration__mrn=mrn).value_eur == pytest.approx(1000.0)


def test_value_without_currency_is_eur(fr_client):
    body = contract_body()
    body["goods_items"][0]["value"] = {"amount": 12.5}
    mrn = filed_mrn(fr_client, body)
    item = GoodsItem.objects.get(version__declaration__mrn=mrn)
    assert (item.value_currency, item.value_eur) == ("EUR", 12.5)


# --- Derived Member States -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("office", "place_of_unloading", "first_entry", "unloading"),
    [
        ("FR004380", "FRCDG", "FR", "FR"),
        ("FR004380", "NLRTM", "FR", "NL"),  # unloaded in another participating Member State
        ("FR004380", "DEHAM", "FR", "DE"),
        ("FR000690", "GBLGP", "FR", None),  # the United Kingdom no longer participates
        ("FR004380", "USJFK", "FR", None),
    ],
)
def test_member_states_of_first_entry_and_unloading(fr_client, office, place_of_unloading, first_entry, unloading):
    body = contract_body(office_of_first_entry=office, place_of_unloading=place_of_unloading)
    mrn = filed_mrn(fr_client, body)
    declaration = Declaration.objects.get(mrn=mrn)
    assert (declaration.first_entry_member_state_id, declaration.unloading_member_state_id) == (first_entry, unloading)
    read = fr_client.get(f"{DECLARATIONS_URL}{mrn}/").json()
    assert (read["first_entry_member_state"], read["unloading_member_state"]) == (first_entry, unloading)


# --- Idempotent retry, conflicts -------------------------------------------------------------------


def test_identical_retry_answers_200_with_the_same_body_and_stores_nothing(fr_client):
    body = contract_body()
    first = file(fr_client, body)
    assert first.status_code == 201
    before = stored_counts()
    retry = file(fr_client, body)
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert stored_counts() == before


def test_retry_with_other_key_order_and_whitespace_is_identical(fr_client):
    body = contract_body()
    first = file(fr_client, body)
    reordered = dict(reversed(list(body.items())))
    reordered["goods_items"] = [dict(reversed(list(item.items()))) for item in body["goods_items"]]
    raw = json.dumps(reordered, indent=4, separators=(" ,  ", " :  ")).encode()
    before = stored_counts()
    retry = post_raw(fr_client, DECLARATIONS_URL, raw)
    assert retry.status_code == 200, retry.content
    assert retry.json()["mrn"] == first.json()["mrn"]
    assert stored_counts() == before


def test_same_lrn_with_a_different_body_is_a_conflict(fr_client):
    body = contract_body()
    mrn = filed_mrn(fr_client, body)
    before = stored_counts()
    changed = contract_body(lrn=body["lrn"], expected_arrival=body["expected_arrival"])
    changed["goods_items"][0]["gross_mass_kg"] = 2.5
    response = file(fr_client, changed)
    assert response.status_code == 409
    assert error_fields(response) == ["lrn"]
    assert response.json()["errors"][0]["code"] == "conflict"
    assert mrn in response.json()["errors"][0]["message"]
    assert stored_counts() == before


def test_same_lrn_from_another_filer_is_a_new_declaration(fr_client):
    first = filed_mrn(fr_client, contract_body(lrn="SHARED-LRN"))
    other_filer = contract_body(lrn="SHARED-LRN", filer={"eori": "NL123456789", "name": "Other Forwarder BV"})
    second = filed_mrn(fr_client, other_filer)
    assert first != second
    assert Declaration.objects.filter(lrn="SHARED-LRN").count() == 2


def test_concurrent_filing_of_the_same_lrn_is_answered_as_a_retry(fr_client, monkeypatch):
    """The race the service handles: another request stored the LRN after this one looked for it."""
    body = contract_body()
    first = filed_mrn(fr_client, body)
    real_existing = services._existing
    calls = []

    def blind_first_look(accepted, org):
        calls.append(org)
        return {} if len(calls) == 1 else real_existing(accepted, org)

    monkeypatch.setattr(services, "_existing", blind_first_look)
    fr_client.raise_request_exception = False
    before = stored_counts()
    retry = file(fr_client, body)
    assert retry.status_code == 200, retry.content
    assert retry.json()["mrn"] == first
    assert stored_counts() == before


# --- Batch -----------------------------------------------------------------------------------------


def batch(client, bodies):
    return post_json(client, BATCH_URL, {"declarations": bodies})


def test_batch_answers_in_input_order_and_accepts_each_on_its_own(fr_client):
    good_1 = contract_body(lrn="B-1")
    bad = contract_body(lrn="B-2", filing_type="AIR")
    good_2 = contract_body(lrn="B-3", buyer={"name": "Buyer SARL"}, seller={"name": "Seller Co"})
    good_2["goods_items"] = [dict(good_2["goods_items"][0], item_number=n) for n in (1, 2, 3)]
    before = stored_counts()
    response = batch(fr_client, [good_1, bad, good_2])
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, 201), (1, 400), (2, 201)]
    assert [r["lrn"] for r in (results[0], results[2])] == ["B-1", "B-3"]
    assert [e["field"] for e in results[1]["errors"]] == ["filing_type"]
    assert "mrn" not in results[1]
    after = stored_counts()
    assert after["declarations"] - before["declarations"] == 2
    assert after["versions"] - before["versions"] == 2
    assert after["parties"] - before["parties"] == 4 + 6
    assert after["items"] - before["items"] == 1 + 3
    assert not Declaration.objects.filter(lrn="B-2").exists()
    complete = Declaration.objects.get(mrn=results[2]["mrn"])
    version = complete.versions.get()
    assert version.parties.count() == 6 and version.items.count() == 3


def test_batch_accepted_declarations_read_back_like_single_filings(fr_client):
    results = batch(fr_client, [contract_body(lrn="B-1"), contract_body(lrn="B-2")]).json()["results"]
    for result in results:
        read = fr_client.get(f"{DECLARATIONS_URL}{result['mrn']}/")
        assert read.status_code == 200
        assert (read.json()["lrn"], read.json()["version"]) == (result["lrn"], 1)


def test_batch_of_only_rejected_declarations_stores_nothing(fr_client):
    before = stored_counts()
    response = batch(fr_client, [contract_body(lrn=""), contract_body(office_of_first_entry="FR999999")])
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == [400, 400]
    assert stored_counts() == before


def test_batch_of_1000_is_allowed(fr_client):
    # Invalid bodies keep this cheap: the limit is about the count, each row is answered on its own.
    response = batch(fr_client, [{"lrn": f"L{n}"} for n in range(1000)])
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(1000))
    assert {r["status"] for r in results} == {400}


def test_batch_of_1001_is_rejected(fr_client):
    before = stored_counts()
    response = batch(fr_client, [contract_body(lrn=f"L{n}") for n in range(1001)])
    assert response.status_code == 400
    assert error_fields(response) == ["declarations"]
    assert stored_counts() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"declarations": []}, "declarations"),
        ({}, "declarations"),
        ({"declarations": "x"}, "declarations"),
        ({"declarations": [], "extra": 1}, "extra"),
    ],
    ids=["empty", "missing", "not-a-list", "unknown-field"],
)
def test_batch_envelope_errors(fr_client, payload, field):
    response = post_json(fr_client, BATCH_URL, payload)
    assert response.status_code == 400
    assert field in error_fields(response)


def test_identical_lrn_twice_in_one_batch_is_a_retry(fr_client):
    body = contract_body(lrn="DUP")
    response = batch(fr_client, [body, body])
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 200]
    assert results[0]["mrn"] == results[1]["mrn"]
    assert Declaration.objects.filter(lrn="DUP").count() == 1
    assert DeclarationVersion.objects.filter(declaration__lrn="DUP").count() == 1


def test_different_bodies_with_one_lrn_in_one_batch_conflict(fr_client):
    first = contract_body(lrn="DUP")
    second = contract_body(lrn="DUP", place_of_loading="HKHKG")
    results = batch(fr_client, [first, second]).json()["results"]
    assert [r["status"] for r in results] == [201, 409]
    assert results[1]["mrn"] == results[0]["mrn"]
    assert [e["field"] for e in results[1]["errors"]] == ["lrn"]
    assert Declaration.objects.filter(lrn="DUP").count() == 1


def test_batch_row_for_an_lrn_filed_earlier(fr_client):
    body = contract_body(lrn="EARLIER")
    mrn = filed_mrn(fr_client, body)
    results = batch(fr_client, [body, contract_body(lrn="EARLIER", place_of_loading="HKHKG")]).json()["results"]
    assert [(r["status"], r["mrn"]) for r in results] == [(200, mrn), (409, mrn)]


def test_batch_row_for_another_member_states_office_is_403(fr_client):
    results = batch(fr_client, [contract_body(lrn="OK"), contract_body(lrn="NL", office_of_first_entry="NL000854")])
    rows = results.json()["results"]
    assert [r["status"] for r in rows] == [201, 403]
    assert [e["field"] for e in rows[1]["errors"]] == ["office_of_first_entry"]
    assert not Declaration.objects.filter(lrn="NL").exists()


# --- Amendments ------------------------------------------------------------------------------------


def amend(client, mrn, body):
    return post_json(client, f"{DECLARATIONS_URL}{mrn}/amendments/", body)


@pytest.fixture
def filed(fr_client):
    body = contract_body(lrn="AMEND-ME")
    return {"mrn": filed_mrn(fr_client, body), "body": body}


def amended(body: dict) -> dict:
    new = json.loads(json.dumps(body))
    new["goods_items"][0]["description"] = "plastic toy trucks"
    return new


def test_amendment_creates_version_2_and_keeps_version_1_readable(fr_client, filed):
    mrn = filed["mrn"]
    response = amend(fr_client, mrn, amended(filed["body"]))
    assert response.status_code == 201
    assert response.json() == {
        "mrn": mrn,
        "lrn": "AMEND-ME",
        "version": 2,
        "status": "received",
        "assessment_url": f"/api/v1/declarations/{mrn}/assessment/",
    }
    current = fr_client.get(f"{DECLARATIONS_URL}{mrn}/").json()
    assert (current["version"], current["goods_items"][0]["description"]) == (2, "plastic toy trucks")
    first = fr_client.get(f"{DECLARATIONS_URL}{mrn}/?version=1")
    assert first.status_code == 200
    assert (first.json()["version"], first.json()["goods_items"][0]["description"]) == (1, "plastic toy cars")
    assert DeclarationVersion.objects.filter(declaration__mrn=mrn).count() == 2
    assert Declaration.objects.get(mrn=mrn).current_version == 2


def test_amendment_stores_parties_and_items_of_the_new_version(fr_client, filed):
    body = amended(filed["body"])
    body["goods_items"].append(dict(body["goods_items"][0], item_number=2, hs_code="847130", description="laptop"))
    amend(fr_client, filed["mrn"], body)
    v2 = DeclarationVersion.objects.get(declaration__mrn=filed["mrn"], version=2)
    assert sorted(v2.items.values_list("item_number", "hs_code")) == [(1, "950300"), (2, "847130")]
    assert v2.parties.count() == 4
    v1 = DeclarationVersion.objects.get(declaration__mrn=filed["mrn"], version=1)
    assert v1.items.count() == 1


def test_assessment_follows_the_amended_version(fr_client, filed):
    amend(fr_client, filed["mrn"], amended(filed["body"]))
    assessment = fr_client.get(f"{DECLARATIONS_URL}{filed['mrn']}/assessment/").json()
    assert (assessment["version"], assessment["status"]) == (2, "pending")


def test_identical_amendment_resent_is_200_without_a_new_version(fr_client, filed):
    body = amended(filed["body"])
    assert amend(fr_client, filed["mrn"], body).status_code == 201
    before = stored_counts()
    again = amend(fr_client, filed["mrn"], body)
    assert again.status_code == 200
    assert again.json()["version"] == 2
    assert stored_counts() == before


def test_amendment_with_another_lrn_is_rejected(fr_client, filed):
    body = amended(filed["body"])
    body["lrn"] = "OTHER-LRN"
    before = stored_counts()
    response = amend(fr_client, filed["mrn"], body)
    assert response.status_code == 400
    assert error_fields(response) == ["lrn"]
    assert stored_counts() == before


def test_invalid_amendment_is_rejected_with_every_error(fr_client, filed):
    body = amended(filed["body"])
    body["goods_items"][0]["gross_mass_kg"] = -1
    body["place_of_loading"] = "XXPVG"
    response = amend(fr_client, filed["mrn"], body)
    assert response.status_code == 400
    assert sorted(error_fields(response)) == ["goods_items[0].gross_mass_kg", "place_of_loading"]
    assert Declaration.objects.get(mrn=filed["mrn"]).current_version == 1


def test_another_member_states_system_gets_404_on_amend(filed, de_system):
    response = amend(api_client(de_system), filed["mrn"], amended(filed["body"]))
    assert response.status_code == 404
    assert DeclarationVersion.objects.filter(declaration__mrn=filed["mrn"]).count() == 1


def test_another_national_system_of_the_same_member_state_may_amend(filed, fr_system_2):
    response = amend(api_client(fr_system_2), filed["mrn"], amended(filed["body"]))
    assert response.status_code == 201
    assert response.json()["version"] == 2


def test_an_analyst_may_not_amend(filed, personas):
    response = amend(api_client(personas["fr_analyst"]), filed["mrn"], amended(filed["body"]))
    assert response.status_code == 403
    assert DeclarationVersion.objects.filter(declaration__mrn=filed["mrn"]).count() == 1


def test_amendment_of_an_unknown_mrn_is_404(fr_client, filed):
    assert amend(fr_client, "26FR99999999999999", amended(filed["body"])).status_code == 404


# --- Read ------------------------------------------------------------------------------------------


def assert_subset(filed, read, path="") -> None:
    """Everything that was filed reads back unchanged; the platform may only add nulls."""
    if isinstance(filed, dict):
        assert isinstance(read, dict), path
        for key, value in filed.items():
            assert key in read, f"{path}.{key} missing"
            assert_subset(value, read[key], f"{path}.{key}")
        for key in set(read) - set(filed):
            assert read[key] is None, f"{path}.{key} added with a value"
    elif isinstance(filed, list):
        assert isinstance(read, list) and len(read) == len(filed), path
        for index, (a, b) in enumerate(zip(filed, read, strict=True)):
            assert_subset(a, b, f"{path}[{index}]")
    else:
        assert read == filed, f"{path}: {read!r} != {filed!r}"


def test_read_returns_the_filed_body_plus_derived_fields(fr_client):
    body = contract_body(place_of_unloading="NLRTM")
    mrn = filed_mrn(fr_client, body)
    read = fr_client.get(f"{DECLARATIONS_URL}{mrn}/")
    assert read.status_code == 200
    document = read.json()
    arrival = document.pop("expected_arrival")
    assert dt.datetime.fromisoformat(arrival) == dt.datetime.fromisoformat(body.pop("expected_arrival"))
    derived = {"mrn", "version", "first_entry_member_state", "unloading_member_state", "received_at"}
    assert derived <= set(document)
    assert (document["mrn"], document["version"]) == (mrn, 1)
    assert (document["first_entry_member_state"], document["unloading_member_state"]) == ("FR", "NL")
    received = dt.datetime.fromisoformat(document["received_at"])
    assert received.tzinfo is not None
    assert abs(received - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    filed_part = {key: value for key, value in document.items() if key in body}
    assert_subset(body, filed_part)


def test_assessment_is_pending_until_screened(fr_client):
    mrn = filed_mrn(fr_client, contract_body())
    response = fr_client.get(f"{DECLARATIONS_URL}{mrn}/assessment/")
    assert response.status_code == 200
    assert response.json() == {
        "mrn": mrn,
        "version": 1,
        "status": "pending",
        "outcome": None,
        "score": None,
        "hits": [],
        "data_quality": [],
        "responsible_member_state": "FR",
        "screened_at": None,
        "criteria_revision": None,
    }


def test_the_assessment_url_of_the_receipt_works(fr_client):
    receipt = file(fr_client, contract_body()).json()
    assert fr_client.get(receipt["assessment_url"]).status_code == 200


@pytest.mark.parametrize("version", ["3", "abc", "-1"])
def test_reading_a_version_that_does_not_exist(fr_client, version):
    mrn = filed_mrn(fr_client, contract_body())
    assert fr_client.get(f"{DECLARATIONS_URL}{mrn}/?version={version}").status_code in (400, 404)


def test_a_non_decimal_digit_version_is_a_client_error(fr_client):
    mrn = filed_mrn(fr_client, contract_body())
    fr_client.raise_request_exception = False
    assert fr_client.get(f"{DECLARATIONS_URL}{mrn}/?version=²").status_code in (400, 404)


def test_version_0_does_not_exist(fr_client):
    mrn = filed_mrn(fr_client, contract_body())
    assert fr_client.get(f"{DECLARATIONS_URL}{mrn}/?version=0").status_code == 404


def test_unknown_mrn_is_404(fr_client):
    assert fr_client.get(f"{DECLARATIONS_URL}26FR00000000000000/").status_code == 404
    assert fr_client.get(f"{DECLARATIONS_URL}26FR00000000000000/assessment/").status_code == 404


# --- Transport-level errors ------------------------------------------------------------------------


@override_settings(MAX_REQUEST_BYTES=2048)
def test_body_over_the_limit_is_413(fr_client):
    body = contract_body()
    body["goods_items"] = [dict(body["goods_items"][0], item_number=n) for n in range(1, 20)]
    raw = orjson.dumps(body)
    assert len(raw) > 2048
    before = stored_counts()
    response = post_raw(fr_client, DECLARATIONS_URL, raw)
    assert response.status_code == 413
    assert error_fields(response) == [None]
    assert stored_counts() == before


@override_settings(MAX_REQUEST_BYTES=2048)
def test_body_under_the_limit_is_accepted(fr_client):
    raw = orjson.dumps(contract_body())
    assert len(raw) < 2048
    assert post_raw(fr_client, DECLARATIONS_URL, raw).status_code == 201


@override_settings(MAX_BATCH_REQUEST_BYTES=4096)
def test_batch_over_the_limit_is_413(fr_client):
    raw = orjson.dumps({"declarations": [contract_body(lrn=f"L{n}") for n in range(5)]})
    assert len(raw) > 4096
    response = post_raw(fr_client, BATCH_URL, raw)
    assert response.status_code == 413
    assert error_fields(response) == [None]


@override_settings(MAX_REQUEST_BYTES=2048)
def test_amendment_over_the_limit_is_413(fr_client, filed):
    body = amended(filed["body"])
    body["goods_items"] = [dict(body["goods_items"][0], item_number=n) for n in range(1, 20)]
    response = post_raw(fr_client, f"{DECLARATIONS_URL}{filed['mrn']}/amendments/", orjson.dumps(body))
    assert response.status_code == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
@pytest.mark.parametrize("url", [DECLARATIONS_URL, BATCH_URL])
def test_non_json_content_type_is_415(fr_client, content_type, url):
    body = contract_body() if url == DECLARATIONS_URL else {"declarations": [contract_body()]}
    before = stored_counts()
    response = post_raw(fr_client, url, orjson.dumps(body), content_type=content_type)
    assert response.status_code == 415
    assert error_fields(response) == [None]
    assert stored_counts() == before


def test_json_with_charset_parameter_is_accepted(fr_client):
    raw = orjson.dumps(contract_body())
    assert post_raw(fr_client, DECLARATIONS_URL, raw, content_type="application/json; charset=utf-8").status_code == 201


BAD_BODIES = [
    pytest.param(b'{"lrn": "A", ', id="truncated"),
    pytest.param(b"{'lrn': 'A'}", id="single-quotes"),
    pytest.param(b"", id="empty"),
    pytest.param(b'{"lrn": "\xff\xfe"}', id="invalid-utf8"),
    pytest.param(b'{"lrn": "\xc3"}', id="truncated-utf8"),
    pytest.param(b'{"lrn": "\\ud800"}', id="lone-surrogate"),
    pytest.param(b"[]", id="array"),
    pytest.param(b'"FR-EXP-2026-000123"', id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"null", id="null"),
    pytest.param(b"true", id="boolean"),
    pytest.param(b"[" * 5000 + b"]" * 5000, id="nested-arrays-5000"),
    pytest.param(b'{"a":' * 5000 + b"1" + b"}" * 5000, id="nested-objects-5000"),
]


@pytest.mark.parametrize("raw", BAD_BODIES)
@pytest.mark.parametrize("url", [DECLARATIONS_URL, BATCH_URL])
def test_unusable_bodies_are_400(fr_client, raw, url):
    before = stored_counts()
    response = post_raw(fr_client, url, raw)
    assert response.status_code == 400
    error_fields(response)
    assert stored_counts() == before


def test_array_of_declarations_on_the_single_endpoint_is_400(fr_client):
    response = post_raw(fr_client, DECLARATIONS_URL, orjson.dumps([contract_body()]))
    assert response.status_code == 400
    assert error_fields(response) == [None]
    assert not Declaration.objects.exists()


# --- Who may file ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [DECLARATIONS_URL, BATCH_URL, f"{DECLARATIONS_URL}26FR00000000000000/amendments/"])
def test_no_token_is_401(db, url):
    client = api_client(None)
    client.raise_request_exception = False
    response = post_json(client, url, contract_body())
    assert response.status_code == 401
    error_fields(response)


def test_a_wrong_token_is_401(db):
    client = api_client(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert post_json(client, DECLARATIONS_URL, contract_body()).status_code == 401


@pytest.mark.parametrize(
    "persona",
    ["fr_analyst", "fr_risk_manager", "commission", "commission_approver", "eu_auditor", "fr_auditor"],
)
@pytest.mark.parametrize("url", [DECLARATIONS_URL, BATCH_URL])
def test_people_may_not_file(personas, persona, url):
    body = contract_body() if url == DECLARATIONS_URL else {"declarations": [contract_body()]}
    response = post_json(api_client(personas[persona]), url, body)
    assert response.status_code == 403
    error_fields(response)
    assert not Declaration.objects.exists()
