"""The synthetic ENS generator: deterministic, valid per contract section 2.1, realistic, with risky patterns."""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
import re
import statistics

import pytest
from django.core.management import call_command

from crms.accounts.models import Organisation
from crms.accounts.services import set_up_user
from crms.declarations.models import Declaration
from crms.declarations.synthetic import (
    RISKY_PATTERNS,
    ensure_operator_pool,
    generate_declarations,
    operator_pool,
)
from crms.declarations.validation import reference_sets, validate_declaration
from crms.operators.models import MRA_PROGRAMMES, AeoAuthorisation, Operator
from crms.reference.models import Country, CustomsOffice, HsCode, VagueGoodsTerm

START = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
SPREAD_DAYS = 2.0

# Keys of contract section 2.1, and nothing else.
BODY_KEYS = {
    "lrn", "filing_type", "phase", "transport_mode", "filer", "carrier", "transport_document",
    "office_of_first_entry", "expected_arrival", "place_of_loading", "place_of_unloading",
    "countries_of_routing", "consignor", "consignee", "buyer", "seller", "goods_items",
}  # fmt: skip
PARTY_KEYS = {"name", "eori", "address"}
ADDRESS_KEYS = {"street", "city", "postcode", "country"}
DOCUMENT_KEYS = {"master", "house"}
ITEM_KEYS = {
    "item_number", "hs_code", "description", "gross_mass_kg", "packages", "value",
    "country_of_origin", "container", "dangerous_goods_code",
}  # fmt: skip
VALUE_KEYS = {"amount", "currency"}

FILING_FAMILY = {
    "sea": r"F1\d",
    "inland_water": r"F1\d",
    "air": r"F2\d",
    "express": r"F3\d",
    "postal": r"F4\d",
    "road": r"F50",
    "rail": r"F51",
}
BORDERS = {
    "air": {"air"},
    "express": {"air"},
    "postal": {"postal", "air"},
    "sea": {"sea"},
    "road": {"road"},
    "rail": {"rail"},
    "inland_water": {"inland_water"},
}
CURRENCIES = {"EUR", "USD", "CNY", "GBP", "JPY", "CHF", "TRY", "INR", "HKD", "AED", "KRW"}
LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
HS = re.compile(r"^\d{6}(\d{2}){0,2}$")
EORI = re.compile(r"^[A-Z]{2}[A-Za-z0-9]{1,15}$")
CONTAINER = re.compile(r"^[A-Z]{4}\d{7}$")


@pytest.fixture
def reference(db):
    offices = {o.code: o for o in CustomsOffice.objects.all()}
    participants = {org.code for org in Organisation.objects.exclude(code="EU") if org.participates_on()}
    return {
        "offices": offices,
        "countries": set(Country.objects.values_list("iso2", flat=True)),
        "hs6": set(HsCode.objects.filter(level=6).values_list("code", flat=True)),
        "participants": participants,
        "vague": set(VagueGoodsTerm.objects.values_list("term", flat=True)),
    }


def _generate(count: int, seed: int, **kwargs) -> list[dict]:
    return list(generate_declarations(count, seed=seed, start=START, spread_days=SPREAD_DAYS, **kwargs))


def _check_party(party, ref, where: str, required: bool) -> list[str]:
    if party is None:
        return [] if not required else [f"{where}: required"]
    problems = []
    if set(party) != PARTY_KEYS:
        problems.append(f"{where}: keys {sorted(party)}")
    if not isinstance(party["name"], str) or not 1 <= len(party["name"]) <= 200:
        problems.append(f"{where}.name: {party['name']!r}")
    if party["eori"] is not None and not (isinstance(party["eori"], str) and EORI.match(party["eori"])):
        problems.append(f"{where}.eori: {party['eori']!r}")
    address = party["address"]
    if set(address) != ADDRESS_KEYS or address["country"] not in ref["countries"]:
        problems.append(f"{where}.address: {address}")
    if not all(isinstance(address[key], str) and address[key] for key in ("street", "city", "postcode")):
        problems.append(f"{where}.address: {address}")
    return problems


def _check_item(item, body, ref, index: int) -> list[str]:
    where = f"goods_items[{index}]"
    problems = []
    if set(item) != ITEM_KEYS:
        return [f"{where}: keys {sorted(item)}"]
    hs = item["hs_code"]
    if hs is None:
        if body["phase"] != "pre_loading":
            problems.append(f"{where}.hs_code missing in pre_arrival")
    elif not (isinstance(hs, str) and HS.match(hs) and hs[:6] in ref["hs6"]):
        problems.append(f"{where}.hs_code {hs!r}")
    if not isinstance(item["description"], str) or len(item["description"]) < 3:
        problems.append(f"{where}.description {item['description']!r}")
    mass = item["gross_mass_kg"]
    if not isinstance(mass, float) or mass <= 0:
        problems.append(f"{where}.gross_mass_kg {mass!r}")
    if not isinstance(item["packages"], int) or item["packages"] < 1:
        problems.append(f"{where}.packages {item['packages']!r}")
    value = item["value"]
    if set(value) != VALUE_KEYS or value["currency"] not in CURRENCIES:
        problems.append(f"{where}.value {value}")
    elif not isinstance(value["amount"], float) or value["amount"] < 0 or round(value["amount"], 2) != value["amount"]:
        problems.append(f"{where}.value.amount {value['amount']!r}")
    if item["country_of_origin"] is not None and item["country_of_origin"] not in ref["countries"]:
        problems.append(f"{where}.country_of_origin {item['country_of_origin']!r}")
    container = item["container"]
    if container is not None and not (CONTAINER.match(container) and body["transport_mode"] in ("sea", "rail")):
        problems.append(f"{where}.container {container!r}")
    dangerous = item["dangerous_goods_code"]
    if dangerous is not None and not re.fullmatch(r"\d{4}", dangerous):
        problems.append(f"{where}.dangerous_goods_code {dangerous!r}")
    return problems


def contract_problems(body: dict, ref: dict) -> list[str]:
    """Every way ``body`` breaks the rules of the generator's brief (empty when it is fine)."""
    if set(body) != BODY_KEYS:
        return [f"keys {sorted(set(body) ^ BODY_KEYS)}"]
    problems = []
    mode, phase = body["transport_mode"], body["phase"]
    if not isinstance(body["lrn"], str) or not 1 <= len(body["lrn"]) <= 35:
        problems.append(f"lrn {body['lrn']!r}")
    if mode not in FILING_FAMILY or not re.fullmatch(FILING_FAMILY[mode], body["filing_type"]):
        problems.append(f"filing_type {body['filing_type']} for {mode}")
    if phase not in ("pre_loading", "pre_arrival") or (
        phase == "pre_loading" and mode not in ("air", "express", "postal")
    ):
        problems.append(f"phase {phase} for {mode}")
    office = ref["offices"].get(body["office_of_first_entry"])
    if office is None or office.border_type not in BORDERS.get(mode, ()):
        problems.append(f"office {body['office_of_first_entry']} for {mode}")
    arrival = dt.datetime.fromisoformat(body["expected_arrival"])
    low, high = START - dt.timedelta(days=SPREAD_DAYS), START + dt.timedelta(days=SPREAD_DAYS + 2)
    if arrival.tzinfo is None or not low <= arrival <= high:
        problems.append(f"expected_arrival {body['expected_arrival']}")
    for name in ("place_of_loading", "place_of_unloading"):
        locode = body[name]
        if not (isinstance(locode, str) and LOCODE.match(locode) and locode[:2] in ref["countries"]):
            problems.append(f"{name} {locode!r}")
    routing = body["countries_of_routing"]
    if not routing or any(c not in ref["countries"] for c in routing):
        problems.append(f"countries_of_routing {routing}")
    elif office is not None and routing[-1] != office.member_state_id:
        problems.append(f"countries_of_routing {routing} does not end in {office.member_state_id}")
    for name in ("consignor", "consignee", "buyer", "seller", "carrier", "filer"):
        problems += _check_party(body[name], ref, name, required=name in ("consignor", "consignee"))
    document = body["transport_document"]
    if set(document) != DOCUMENT_KEYS or not all(v is None or isinstance(v, str) for v in document.values()):
        problems.append(f"transport_document {document}")
    items = body["goods_items"]
    if not 1 <= len(items) <= 999 or [i.get("item_number") for i in items] != list(range(1, len(items) + 1)):
        problems.append("goods_items numbering")
    for index, item in enumerate(items):
        problems += _check_item(item, body, ref, index)
    json.dumps(body)  # JSON-serialisable as it is
    return problems


# ------------------------------------------------------------------------------------------------
# Determinism
# ------------------------------------------------------------------------------------------------


def test_same_seed_gives_the_same_bodies_and_another_seed_others(db):
    first = _generate(300, seed=7)
    assert first == _generate(300, seed=7)
    other = _generate(300, seed=8)
    assert other != first
    assert sum(a == b for a, b in zip(first, other, strict=True)) == 0


def test_lrns_are_unique_and_follow_prefix_seed_number(db):
    bodies = _generate(500, seed=4, lrn_prefix="BENCH")
    lrns = [body["lrn"] for body in bodies]
    assert len(set(lrns)) == 500
    assert lrns[0] == "BENCH-4-000000001"
    assert all(len(lrn) <= 35 for lrn in lrns)


def test_default_start_is_now_to_the_hour(db):
    body = next(generate_declarations(1, seed=1, spread_days=0))
    arrival = dt.datetime.fromisoformat(body["expected_arrival"])
    now = dt.datetime.now(dt.UTC)
    assert arrival.tzinfo is not None
    assert arrival.minute == 0 and abs(now - arrival) < dt.timedelta(hours=1, minutes=1)


# ------------------------------------------------------------------------------------------------
# Validity
# ------------------------------------------------------------------------------------------------


def test_every_body_satisfies_the_contract_rules(reference):
    problems = {}
    for body in _generate(2000, seed=11):
        found = contract_problems(body, reference)
        if found:
            problems[body["lrn"]] = found
    assert not problems, dict(list(problems.items())[:5])


def test_every_body_passes_the_platforms_own_validation(db):
    ref = reference_sets()
    # Arrivals near today, as the platform only takes ENS arriving within a year.
    for body in generate_declarations(1000, seed=12):
        _, errors = validate_declaration(body, ref)
        assert not errors, (body["lrn"], errors)


def test_offices_can_be_restricted_to_one_member_state(reference):
    offices = [
        (o.code, o.member_state_id, o.unlocode, o.border_type)
        for o in reference["offices"].values()
        if o.member_state_id == "FR"
    ]
    bodies = _generate(500, seed=2, offices=offices)
    assert {b["office_of_first_entry"] for b in bodies} <= {o[0] for o in offices}
    assert {b["transport_mode"] for b in bodies} == {"air", "express", "postal", "sea"}
    assert all(not contract_problems(b, reference) for b in bodies)


# ------------------------------------------------------------------------------------------------
# Realism
# ------------------------------------------------------------------------------------------------


def test_mode_mix_covers_every_mode_and_parcels_dominate(db):
    bodies = _generate(2000, seed=13)
    modes = collections.Counter(b["transport_mode"] for b in bodies)
    assert set(modes) == {"air", "express", "postal", "sea", "road", "rail", "inland_water"}
    assert modes["express"] + modes["postal"] > len(bodies) / 2
    items = {
        mode: statistics.mean(len(b["goods_items"]) for b in bodies if b["transport_mode"] == mode) for mode in modes
    }
    assert items["sea"] > items["air"] > items["express"]
    assert max(len(b["goods_items"]) for b in bodies if b["transport_mode"] in ("express", "postal")) <= 3
    phases = collections.Counter((b["transport_mode"], b["phase"]) for b in bodies)
    assert phases["air", "pre_loading"] and phases["express", "pre_loading"] and phases["postal", "pre_loading"]


def test_data_quality_onward_carriage_and_shared_masters(reference):
    bodies = _generate(3000, seed=14)
    items = [item for body in bodies for item in body["goods_items"]]
    vague = sum(item["description"] in reference["vague"] for item in items) / len(items)
    assert 0.03 < vague < 0.07
    pre_loading = [item for b in bodies if b["phase"] == "pre_loading" for item in b["goods_items"]]
    assert 0.05 < sum(item["hs_code"] is None for item in pre_loading) / len(pre_loading) < 0.15
    offices = reference["offices"]
    onward = [b for b in bodies if b["place_of_unloading"][:2] != offices[b["office_of_first_entry"]].member_state_id]
    assert 0.06 < len(onward) / len(bodies) < 0.14
    assert all(b["place_of_unloading"][:2] in reference["participants"] for b in onward)
    masters = collections.Counter(
        b["transport_document"]["master"]
        for b in bodies
        if b["transport_mode"] in ("air", "express", "postal") and b["transport_document"]["house"]
    )
    assert sum(1 for count in masters.values() if count > 1) > 50
    # House filings under one master travel together: same office, loading place and arrival.
    shared = next(master for master, count in masters.items() if count > 2)
    group = [b for b in bodies if b["transport_document"]["master"] == shared]
    assert len({(b["office_of_first_entry"], b["place_of_loading"], b["expected_arrival"]) for b in group}) == 1
    assert len({b["transport_document"]["house"] for b in group}) == len(group)


def test_private_consignees_in_parcels_and_buyers_sometimes(db):
    bodies = _generate(2000, seed=15)
    parcels = [b for b in bodies if b["transport_mode"] in ("express", "postal")]
    assert sum(b["consignee"]["eori"] is None for b in parcels) / len(parcels) > 0.5
    assert all(b["filer"]["eori"] for b in bodies)
    assert all(b["carrier"]["eori"] for b in bodies if b["transport_mode"] in ("air", "sea"))
    assert 0 < sum(b["buyer"] is not None for b in bodies) < len(bodies) / 2


def _risky_patterns_in(body: dict) -> set[str]:
    """Find the planted patterns the way a risk criterion would, from the body alone."""
    found = set()
    mode, routing = body["transport_mode"], set(body["countries_of_routing"])
    for item in body["goods_items"]:
        hs = item["hs_code"] or ""
        origin = item["country_of_origin"]
        eur = item["value"]["amount"] if item["value"]["currency"] == "EUR" else None
        if hs[:4] in ("9302", "9303", "9305") and routing & {"AE", "TR"} and mode in ("air", "express", "postal"):
            found.add("firearm_parts_via_ae_tr")
        if (
            hs[:2] in ("61", "62", "63", "64")
            and origin == "CN"
            and eur is not None
            and eur / item["gross_mass_kg"] < 1
        ):
            found.add("undervalued_textiles_cn")
        if hs[:4] in ("9705", "9706") and origin in ("SY", "IQ", "LY", "YE"):
            found.add("cultural_goods_conflict_zones")
        if hs[:4] in ("2914", "2916", "2932", "2939") and origin in ("IN", "CN"):
            found.add("drug_precursors_in_cn")
        words = ("fireworks", "detonators", "ammonium nitrate")
        if mode == "air" and body["phase"] == "pre_loading" and any(w in item["description"] for w in words):
            found.add("explosives_air_pre_loading")
        counterfeit_prone = hs[:4] in ("9102", "4202") or hs[:6] == "851713"
        if mode in ("express", "postal") and counterfeit_prone and eur is not None and eur < 15:
            found.add("counterfeit_low_value")
    return found


def test_risky_patterns_are_planted_in_small_shares(db):
    bodies = _generate(5000, seed=3)
    counts = collections.Counter(name for body in bodies for name in _risky_patterns_in(body))
    assert set(counts) == {pattern.name for pattern in RISKY_PATTERNS}
    for name, count in counts.items():
        assert 0.001 <= count / len(bodies) <= 0.02, (name, count)


# ------------------------------------------------------------------------------------------------
# Operators and AEO
# ------------------------------------------------------------------------------------------------


def test_operator_pool_has_eu_and_third_country_operators_and_aeos():
    pool = operator_pool(0)
    assert 250 <= len(pool) <= 350
    assert len({op["eori"] for op in pool}) == len(pool)
    assert all(EORI.match(op["eori"]) and op["eori"][:2] == op["country"] for op in pool)
    assert {"CN", "US", "DE", "FR"} <= {op["country"] for op in pool}
    aeos = [op["aeo"] for op in pool if op["aeo"]]
    assert 0.12 < len(aeos) / len(pool) < 0.3
    today = dt.date.today()
    for op, aeo in ((op, op["aeo"]) for op in pool if op["aeo"]):
        assert aeo["type"] in ("AEOC", "AEOS", "AEOF")
        assert aeo["valid_from"] < today and (aeo["valid_to"] is None or aeo["valid_to"] > today)
        if op["country"] in MRA_PROGRAMMES:
            assert aeo["issuing_country"] == op["country"] and aeo["programme"] == MRA_PROGRAMMES[op["country"]]
        else:
            assert aeo["programme"] == "EU AEO" and aeo["issuing_country"] == op["country"]
    assert {"suspended", "revoked"} & {aeo["status"] for aeo in aeos}


def test_ensure_operator_pool_is_idempotent_and_creates_mra_authorisations(db):
    pool = operator_pool(5)
    assert ensure_operator_pool(5) == len(pool)
    counts = Operator.objects.count(), AeoAuthorisation.objects.count()
    assert ensure_operator_pool(5) == len(pool)
    assert (Operator.objects.count(), AeoAuthorisation.objects.count()) == counts
    assert counts == (len(pool), sum(1 for op in pool if op["aeo"]))
    issuers = set(AeoAuthorisation.objects.values_list("issuing_country_id", flat=True))
    assert issuers & set(MRA_PROGRAMMES) and issuers - set(MRA_PROGRAMMES)
    assert AeoAuthorisation.objects.exclude(programme="EU AEO").exists()


def test_declarations_involve_pool_operators_and_aeos(db):
    pool = {op["eori"]: op for op in operator_pool(9)}
    bodies = _generate(1000, seed=9)
    with_aeo = 0
    for body in bodies:
        eoris = [body[role]["eori"] for role in ("consignor", "consignee", "filer") if body[role]]
        assert any(eori in pool for eori in eoris)
        with_aeo += any(eori in pool and pool[eori]["aeo"] for eori in eoris)
    assert 0.05 < with_aeo / len(bodies) < 0.9


# ------------------------------------------------------------------------------------------------
# The management command
# ------------------------------------------------------------------------------------------------


def test_generate_ens_via_db_stores_every_declaration(db):
    out = io.StringIO()
    call_command("generate_ens", "--count", "50", "--seed", "1", stdout=out, stderr=io.StringIO())
    output = out.getvalue()
    assert Declaration.objects.count() == 50
    assert "201 created: 50" in output
    assert "Throughput:" in output
    assert Operator.objects.count() == len(operator_pool(1))
    # Filed by one national system per Member State of first entry.
    filers = set(Declaration.objects.values_list("submitted_by__username", flat=True))
    assert filers and all(name.startswith("generator_") for name in filers)


def test_generate_ens_again_is_an_idempotent_retry(db):
    args = ["generate_ens", "--count", "20", "--seed", "2", "--start", START.isoformat()]
    call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    assert Declaration.objects.count() == 20
    assert "200 already filed, identical: 20" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_generate_ens_via_api_files_for_the_tokens_member_state(reference_data, live_server):
    token = set_up_user(username="nl_generator", org_code="NL", role="national_system", with_token=True).token
    out = io.StringIO()
    call_command(
        "generate_ens", "--via", "api", "--url", live_server.url, "--token", token,
        "--count", "30", "--seed", "6", "--batch-size", "8", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert "201 created: 30" in out.getvalue()
    offices = set(Declaration.objects.values_list("office_of_first_entry", flat=True))
    assert Declaration.objects.count() == 30
    assert offices <= set(CustomsOffice.objects.filter(member_state_id="NL").values_list("code", flat=True))
