"""Contract 2.1: "Never 500 for any body a client can send."

Bodies are made by mutating valid ones: keys dropped, values replaced by JSON values of any
type (null, booleans, small and huge integers, floats incl. NaN/Infinity, unicode text,
lists, nested objects), unknown keys added, at any depth. Each example runs in a savepoint
that is rolled back, so examples do not see each other's declarations.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.declarations.conftest import BATCH_URL, DECLARATIONS_URL, contract_body

ALLOWED = {200, 201, 400, 403, 409}
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Lone surrogates are left out: a client cannot send them as UTF-8. U+0000 stays in (Postgres cannot
# store it; validation must refuse it). The literal text "\\u0000" is ordinary text (see test_intake_rules.py).
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**31), max_value=2**31)
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | text
    | st.sampled_from(
        ["", " ", "F26", "air", "pre_arrival", "FR004380", "NLRTM", "950300", "EUR", "XXX", "2026-11-23T06:40:00"]
    )
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12
)


def containers(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every object and array inside ``node`` (the root included)."""
    found = []
    if isinstance(node, dict):
        found.append(path)
        for key, value in node.items():
            found += containers(value, (*path, key))
    elif isinstance(node, list):
        found.append(path)
        for index, value in enumerate(node):
            found += containers(value, (*path, index))
    return found


def at(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


def mutate(data, body: dict) -> dict:
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        target = at(body, data.draw(st.sampled_from(containers(body)), label="where"))
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        action = data.draw(st.sampled_from(["drop", "replace", "add"]) if keys else st.just("add"), label="action")
        if action == "drop":
            del target[data.draw(st.sampled_from(keys), label="key")]
        elif action == "replace":
            target[data.draw(st.sampled_from(keys), label="key")] = data.draw(json_values, label="value")
        elif isinstance(target, dict):
            target[data.draw(text, label="new key")] = data.draw(json_values, label="value")
        else:
            target.append(data.draw(json_values, label="value"))
    return body


def base_bodies() -> list[dict]:
    sea = contract_body(
        lrn="FUZZ-SEA",
        filing_type="F10",
        phase="pre_arrival",
        transport_mode="sea",
        office_of_first_entry="FR000690",
        place_of_unloading="NLRTM",
        buyer={"name": "Buyer SARL", "eori": "FR12345678901234", "address": {"country": "FR"}},
    )
    sea["goods_items"].append(dict(sea["goods_items"][0], item_number=2, value={"amount": 10, "currency": "USD"}))
    return [contract_body(lrn="FUZZ-AIR"), sea]


def send(client, url: str, payload: Any):
    raw = json.dumps(payload, ensure_ascii=False).encode()  # stdlib: huge ints and NaN/Infinity as clients send them
    with transaction.atomic():
        response = client.generic("POST", url, raw, content_type="application/json")
        transaction.set_rollback(True)
    return response


def assert_contract_answer(response) -> dict:
    assert response.status_code in ALLOWED, (response.status_code, response.content[:2000])
    body = response.json()
    assert isinstance(body, dict)
    return body


@FUZZ
@given(data=st.data())
def test_no_single_body_gives_a_server_error(fr_client, data):
    fr_client.raise_request_exception = False
    body = mutate(data, copy.deepcopy(data.draw(st.sampled_from(base_bodies()), label="base")))
    answer = assert_contract_answer(send(fr_client, DECLARATIONS_URL, body))
    assert "mrn" in answer or answer.get("errors"), answer


@FUZZ
@given(data=st.data())
def test_no_batch_gives_a_server_error(fr_client, data):
    fr_client.raise_request_exception = False
    bodies = [
        mutate(data, copy.deepcopy(data.draw(st.sampled_from(base_bodies()), label="base")))
        for _ in range(data.draw(st.integers(1, 3), label="count"))
    ]
    payload: Any = {"declarations": bodies}
    if data.draw(st.booleans(), label="mutate the envelope too"):
        payload = mutate(data, payload)
    response = send(fr_client, BATCH_URL, payload)
    answer = assert_contract_answer(response)
    if response.status_code == 200:
        results = answer["results"]
        assert [row["index"] for row in results] == list(range(len(payload["declarations"])))
        for row in results:
            assert row["status"] in ALLOWED, row
            assert "mrn" in row or row.get("errors"), row
    else:
        assert answer.get("errors"), answer
