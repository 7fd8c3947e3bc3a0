"""docs/integration.md stays true: each curl example's request is sent (as the FR national system) to a test
platform with referrals of the three kinds and a subscription, and must succeed; the signature snippet
verifies a real delivery's signature."""

from __future__ import annotations

import ipaddress
import json
import re
import shlex
from pathlib import Path

import pytest

from notifications import delivery, events, targets
from notifications.models import Subscription
from tests.risk_engine.conftest import api_client
from workbench import services

pytestmark = pytest.mark.django_db

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def blocks(language: str) -> list[str]:
    """The examples of the referral and notification sections (the exchange section has its own test)."""
    before, _, rest = GUIDE.read_text().partition("\n## Exchange endpoints")
    text = before + ("\n## " + rest.split("\n## ", 1)[1] if "\n## " in rest else "")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def curl_commands() -> list[list[str]]:
    commands = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip().startswith("curl "):
                commands.append(shlex.split(line))
    return commands


def request_of(argv: list[str]) -> tuple[str, str, dict | None]:
    method, data, url = "GET", None, None
    for index, arg in enumerate(argv):
        if arg == "-X":
            method = argv[index + 1]
        elif arg == "-d":
            data = json.loads(argv[index + 1])
        elif arg.startswith("$CRMS/"):
            url = arg
    assert url, argv
    return method, url, data


def test_the_guide_has_examples_for_every_referral_and_notification_endpoint():
    paths = {re.sub(r"\$[A-Z]+", "<id>", request_of(c)[1].removeprefix("$CRMS").split("?")[0]) for c in curl_commands()}
    assert paths >= {
        "/api/v1/referrals/",
        "/api/v1/referrals/<id>/answers/",
        "/api/v1/events/",
        "/api/v1/subscriptions/",
        "/api/v1/subscriptions/<id>/",
    }


def test_every_curl_example_succeeds(people, referred, monkeypatch):
    public = ipaddress.ip_address("93.184.216.34")  # the guide's receiver host, as if it resolved publicly
    monkeypatch.setattr(targets, "_resolve", lambda host, port: [public])
    made = {
        kind: services.decide(actor=people["fr_analyst"], case=referred(), action=kind).referral
        for kind in ("request_for_information", "high_risk_cargo_screening", "do_not_load")
    }
    subscription = Subscription.objects.create(
        owner=people["fr_system"],
        url="https://crms-hooks.douane.example.fr/events",
        events=["referral.opened"],
        secret="a-long-random-secret-of-yours-0123",
        created_at=made["do_not_load"].requested_at,
    )
    events.sequence()
    values = {
        "$RFI": made["request_for_information"].pk,
        "$HRCM": made["high_risk_cargo_screening"].pk,
        "$DNL": made["do_not_load"].pk,
        "$SUBSCRIPTION": subscription.pk,
        "$CURSOR": events.last_position() - 1,
    }
    client = api_client(people["fr_system"])
    ran = 0
    for argv in curl_commands():
        method, url, data = request_of(argv)
        path = url.removeprefix("$CRMS")
        for name, value in values.items():
            path = path.replace(name, str(value))
        assert "$" not in path, path
        send = getattr(client, method.lower())
        response = send(path, data, format="json") if data is not None else send(path)
        assert 200 <= response.status_code < 300, (method, path, response.status_code, response.content[:300])
        ran += 1
    assert ran >= 10
    for referral in made.values():
        referral.refresh_from_db()
        assert referral.status == "answered"


def test_the_signature_snippet_verifies_a_delivery():
    namespace: dict = {}
    (snippet,) = blocks("python")
    exec(snippet, namespace)  # noqa: S102 - the guide's own example
    body = b'{"id": 1, "type": "referral.opened"}'
    header = delivery.signature("a-long-random-secret-of-yours-0123", body)
    assert namespace["verified"](body, header, "a-long-random-secret-of-yours-0123")
    assert not namespace["verified"](body + b" ", header, "a-long-random-secret-of-yours-0123")
