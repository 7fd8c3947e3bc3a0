"""The curl examples of ``docs/integration.md`` section "Exchange endpoints" are true: each ``sh`` block is run
by bash, in the document's order, against a live test platform, with curl failing on any status >= 400."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from rest_framework.authtoken.models import Token

from crms.audit.models import AuditEntry
from rif.models import CrisisPost, RifRecipient
from selection.models import ControlCapacity
from tests.conftest import make_user
from tests.rif.conftest import exchange_world
from workbench import services as workbench_services
from workbench.models import InformationRequest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
# curl answers 4xx/5xx with a non-zero exit (and still prints the error body, for the failure message).
PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 30 "$@"; echo; }\n'


def exchange_blocks() -> list[str]:
    text = GUIDE.read_text()
    section = text.split("\n## Exchange endpoints", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def _token(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def test_the_guide_has_examples_of_every_exchange_endpoint():
    commands = "\n".join(exchange_blocks())
    for path in (
        "/rifs/$RIF/attachments/$ATTACHMENT/",
        "/rifs/$RIF/read/",
        "/crises/$CRISIS/posts/",
        "/pcas/$PCA/",
        "/information-requests/$REQUEST/messages/",
        "/information-requests/$REQUEST/close/",
        "/selection-settings/",
        "/reference/high-interest-countries/",
    ):
        assert path in commands, path


def test_every_exchange_example_runs(live_server, reference_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    people = {
        name: make_user(name, org, role)
        for name, org, role in (
            ("fr_system", "FR", "national_system"),
            ("fr_manager", "FR", "risk_manager"),
            ("fr_analyst", "FR", "analyst"),
            ("nl_analyst", "NL", "analyst"),
            ("nl_manager", "NL", "risk_manager"),
            ("eu_staff", "EU", "commission"),
        )
    }
    world = exchange_world(
        nl_author=people["nl_analyst"],
        nl_approver=people["nl_manager"],
        fr_author=people["fr_analyst"],
        commission=people["eu_staff"],
    )
    request = workbench_services.open_information_request(
        actor=people["fr_analyst"],
        requested_state="NL",
        subject="party",
        legal_basis="ucc_art_47",
        purpose="Risk analysis of this consignor.",
        question="Do you know this consignor?",
        party_name="Shenzhen Bright Trading Co",
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "CRMS": live_server.url,
        "TOKEN": _token(people["fr_system"]),
        "MANAGER_TOKEN": _token(people["fr_manager"]),
        "COMMISSION_TOKEN": _token(people["eu_staff"]),
        "RIF": world["received"].reference,
        "ATTACHMENT": str(world["attachment"].pk),
        "CRISIS": str(world["crisis"].pk),
        "PCA": str(world["pca"].pk),
        "REQUEST": str(request.pk),
    }
    blocks = exchange_blocks()
    assert len(blocks) >= 8
    for block in blocks:
        done = subprocess.run(
            ["bash", "-c", PRELUDE + block], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    # What the examples did really happened.
    assert (tmp_path / "seizure.pdf").read_bytes().startswith(b"\x89PNG")  # the world's attachment
    assert AuditEntry.objects.filter(action="rif.attachment_downloaded", actor_username="fr_system").exists()
    assert RifRecipient.objects.get(rif=world["received"], member_state_id="FR").read_at is not None
    assert CrisisPost.objects.filter(crisis=world["crisis"], author=people["fr_manager"]).exists()
    assert InformationRequest.objects.filter(requesting_state_id="FR", created_by=people["fr_system"]).exists()
    assert InformationRequest.objects.get(pk=request.pk).state == InformationRequest.State.CLOSED
    assert ControlCapacity.objects.get(member_state_id="FR", transport_mode="express").daily_controls == 900
    assert AuditEntry.objects.filter(action="reference.high_interest_countries_changed").exists()
