"""Item semantics (contract section 3): item conditions hold for the SAME goods item.

A criterion hits an ENS when at least one goods item, together with the declaration-level
fields, satisfies the whole condition; the hit lists every such item. Each case is screened
twice through ``screen_versions``: alone (the per-record evaluator) and in a batch of four or
more (the columnar evaluator); both must give the contract's answer.
"""

from __future__ import annotations

import pytest

from tests.risk_engine.conftest import make_ens, make_item

HS_9303 = {"field": "item.hs_code", "op": "starts_with", "value": ["9303"]}
FROM_TR = {"field": "item.country_of_origin", "op": "eq", "value": "TR"}
VIA_AE = {"field": "routing.countries", "op": "any_in", "value": ["AE"]}


def gun(number: int, origin: str) -> dict:
    return make_item(number, hs_code="930320", description="hunting shotgun", country_of_origin=origin)


def toy(number: int, origin: str) -> dict:
    return make_item(number, hs_code="950300", description="plastic toy cars", country_of_origin=origin)


@pytest.fixture
def engine(people, criterion, publish, file_ens, screen, assessment):
    """Publish one criterion, file ENS bodies, screen them on both paths; return hits per MRN."""

    class Engine:
        def publish(self, condition: dict, code: str = "ITEM-T-1") -> None:
            publish(criterion(code, condition=condition), people["commission"], people["commission_approver"])

        def hits(self, *bodies: dict) -> list[dict[str, dict]]:
            """For each body: {criterion code: hit document}, identical on both evaluator paths."""
            mrns = file_ens(people["fr_system"], *bodies)
            fillers = file_ens(people["fr_system"], *(make_ens() for _ in range(4)))
            reader = people["commission"]

            def read() -> list[dict[str, dict]]:
                return [{hit["criterion"]: hit for hit in assessment(reader, mrn)["hits"]} for mrn in mrns]

            for mrn in mrns:
                assert screen(mrn)["versions"] == 1  # per record
            alone = read()
            assert screen(*mrns, *fillers)["versions"] == len(mrns) + 4  # columnar
            batched = read()
            assert batched == alone, "per-record and columnar screening disagree"
            return batched

    return Engine()


def test_two_item_conditions_on_different_items_do_not_hit(engine):
    engine.publish({"all": [HS_9303, FROM_TR]})
    (found,) = engine.hits(make_ens(goods_items=[gun(1, "CN"), toy(2, "TR")]))
    assert found == {}


def test_two_item_conditions_on_one_item_hit_and_list_exactly_the_matching_items(engine):
    engine.publish({"all": [HS_9303, FROM_TR]})
    body = make_ens(goods_items=[gun(1, "TR"), toy(2, "TR"), gun(3, "CN"), gun(4, "TR")])
    (found,) = engine.hits(body)
    hit = found["ITEM-T-1"]
    assert hit["items"] == [1, 4]
    assert {entry["item"] for entry in hit["explanation"]} == {1, 4}
    assert {(entry["field"], entry["item"], entry["actual"]) for entry in hit["explanation"]} == {
        ("item.hs_code", 1, "930320"),
        ("item.country_of_origin", 1, "TR"),
        ("item.hs_code", 4, "930320"),
        ("item.country_of_origin", 4, "TR"),
    }


def test_any_group_of_item_conditions_is_also_judged_per_item(engine):
    # Per item: (9303 and from TR) or (from CN and a toy). Item 2 is a gun from CN: neither.
    engine.publish(
        {
            "any": [
                {"all": [HS_9303, FROM_TR]},
                {"all": [{"field": "item.country_of_origin", "op": "eq", "value": "CN"}, {"not": HS_9303}]},
            ]
        }
    )
    (found,) = engine.hits(make_ens(goods_items=[gun(1, "TR"), gun(2, "CN"), toy(3, "CN"), toy(4, "TR")]))
    assert found["ITEM-T-1"]["items"] == [1, 3]


def test_declaration_level_and_item_level_combined(engine):
    engine.publish({"all": [VIA_AE, HS_9303]})
    via_ae, via_tr, guns_missing = engine.hits(
        make_ens(countries_of_routing=["CN", "AE", "FR"], goods_items=[toy(1, "CN"), gun(2, "CN"), gun(3, "TR")]),
        make_ens(countries_of_routing=["CN", "TR", "FR"], goods_items=[gun(1, "CN")]),
        make_ens(countries_of_routing=["AE"], goods_items=[toy(1, "CN"), toy(2, "CN")]),
    )
    assert via_ae["ITEM-T-1"]["items"] == [2, 3]
    # The declaration-level leaf is explained once per listed item, without an item number.
    explanation = via_ae["ITEM-T-1"]["explanation"]
    assert [e for e in explanation if e["field"] == "routing.countries"] == [
        {"field": "routing.countries", "op": "any_in", "expected": ["AE"], "actual": ["CN", "AE", "FR"]}
    ] * 2
    assert via_tr == {} and guns_missing == {}


def test_declaration_level_condition_alone_lists_every_item(engine):
    engine.publish(VIA_AE)
    (found,) = engine.hits(
        make_ens(countries_of_routing=["AE"], goods_items=[toy(1, "CN"), gun(2, "CN"), toy(5, "CN")])
    )
    assert found["ITEM-T-1"]["items"] == [1, 2, 5]


def test_any_of_a_declaration_and_an_item_condition(engine):
    engine.publish({"any": [VIA_AE, HS_9303]})
    via_ae, direct = engine.hits(
        make_ens(countries_of_routing=["AE"], goods_items=[toy(1, "CN"), gun(2, "CN")]),
        make_ens(countries_of_routing=["CN"], goods_items=[toy(1, "CN"), gun(2, "CN"), toy(3, "CN")]),
    )
    assert via_ae["ITEM-T-1"]["items"] == [1, 2]  # the route makes every item match
    assert direct["ITEM-T-1"]["items"] == [2]


def test_not_is_judged_per_item(engine):
    engine.publish({"not": HS_9303})
    mixed, only_guns = engine.hits(
        make_ens(goods_items=[gun(1, "CN"), toy(2, "CN"), toy(3, "TR")]),
        make_ens(goods_items=[gun(1, "CN"), gun(2, "TR")]),
    )
    # "not 9303" holds for the toys, even though the ENS does contain a 9303 item.
    hit = mixed["ITEM-T-1"]
    assert hit["items"] == [2, 3]
    assert all(entry.get("negated") is True and entry["item"] in (2, 3) for entry in hit["explanation"])
    assert only_guns == {}


def test_not_of_an_item_group_and_a_negated_declaration_condition(engine):
    engine.publish(
        {
            "all": [
                {"not": VIA_AE},
                {"not": {"all": [HS_9303, FROM_TR]}},
                {"field": "item.hs_code", "op": "starts_with", "value": ["93"]},
            ]
        }
    )
    direct, via_ae = engine.hits(
        make_ens(countries_of_routing=["CN"], goods_items=[gun(1, "TR"), gun(2, "CN"), toy(3, "CN")]),
        make_ens(countries_of_routing=["AE"], goods_items=[gun(1, "CN")]),
    )
    assert direct["ITEM-T-1"]["items"] == [2]  # a 93 item that is not (9303 from TR)
    assert via_ae == {}


def test_every_matching_item_is_listed_in_a_large_declaration(engine):
    engine.publish({"all": [HS_9303, FROM_TR]})
    items = [gun(n, "TR") if n % 7 == 0 else toy(n, "TR") for n in range(1, 61)]
    (found,) = engine.hits(make_ens(goods_items=items))
    assert found["ITEM-T-1"]["items"] == list(range(7, 61, 7))
