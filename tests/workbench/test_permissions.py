"""Who may do what in the workbench: every page, action and API endpoint, for every persona."""

from __future__ import annotations

import pytest

from tests.permissions import Case, check_matrix
from workbench import services
from workbench.models import Case as WorkCase
from workbench.models import InformationRequest

pytestmark = pytest.mark.django_db

IN_AREA = ["eu_auditor", "fr_analyst", "fr_risk_manager", "fr_auditor", "nl_analyst", "de_analyst"]
NOT_IN_AREA = {"commission": 403, "commission_approver": 403, "fr_system": 403}
SIGNED_OUT = {"outsider": 302, "anonymous": 302}
FR_SIDE = ["fr_analyst", "fr_risk_manager", "fr_auditor"]
FR_WORKERS = ["fr_analyst", "fr_risk_manager"]
WORKERS = ["fr_analyst", "fr_risk_manager", "nl_analyst", "de_analyst"]
AUDITORS = ["eu_auditor", "fr_auditor"]
API_SIGNED_OUT = {"outsider": 401, "anonymous": 401}
API_READERS = ["commission", "commission_approver", "eu_auditor", "fr_system", *FR_SIDE, "nl_analyst", "de_analyst"]


def page(ok: list[str] | dict[str, int], *, status: int = 200, hidden: list[str] = (), others: int = 403) -> dict:
    """Browser: in-area personas not listed get ``others``; ``hidden`` 404 (wins); outside the area 403; signed out 302."""
    cells = dict.fromkeys(IN_AREA, others) | NOT_IN_AREA | SIGNED_OUT
    return cells | (ok if isinstance(ok, dict) else dict.fromkeys(ok, status)) | dict.fromkeys(hidden, 404)


def api(ok: list[str] | dict[str, int], *, status: int = 200, hidden: list[str] = (), others: int = 403) -> dict:
    """API (token): readers not listed get ``others``; ``hidden`` 404; signed out 401."""
    cells = dict.fromkeys(API_READERS, others) | API_SIGNED_OUT
    return cells | (ok if isinstance(ok, dict) else dict.fromkeys(ok, status)) | dict.fromkeys(hidden, 404)


@pytest.fixture
def world(people, referred):
    """An open FR case, a FR case forwarded to NL (so an open NL case), a FR-only case decided, a request FR -> NL."""
    open_case = referred()
    forwarded_from = referred()
    services.decide(actor=people["fr_analyst"], case=forwarded_from, action="control", control_type="physical",
                    control_place="place_of_unloading")  # fmt: skip
    nl_case = WorkCase.objects.get(version=forwarded_from.version, member_state_id="NL")
    fr_only = referred(place_of_unloading="FRLEH", countries_of_routing=["CN", "FR"])
    services.decide(actor=people["fr_analyst"], case=fr_only, action="control", control_type="documentary",
                    control_place="border")  # fmt: skip
    request = services.open_information_request(
        actor=people["fr_analyst"], requested_state="NL", subject="consignment", legal_basis="ucc_art_47",
        purpose="Risk analysis of this consignment.", question="Do you know the consignee of this consignment?",
        declaration=open_case.declaration,
    )  # fmt: skip
    return {"open": open_case, "forwarded_from": forwarded_from, "nl": nl_case, "fr_only": fr_only, "request": request}


def test_workbench_pages(people, world):
    fr, nl, req = world["open"].pk, world["nl"].pk, world["request"].pk
    readers_of_fr = ["eu_auditor", *FR_SIDE]
    check_matrix(
        people,
        [
            Case("GET", "/workbench/", page(IN_AREA)),
            Case("GET", "/workbench/?outcome=do_not_load&aeo=yes&hours_left=6&mine=1&page=3", page(IN_AREA)),
            Case("GET", "/workbench/?member_state=NL&page=x&hours_left=-1", page(IN_AREA)),
            Case("GET", "/workbench/", page(IN_AREA), extra={"HTTP_HX_REQUEST": "true"}),
            Case("GET", "/workbench/awaiting-results/", page(IN_AREA)),
            Case("GET", f"/workbench/cases/{fr}/", page(readers_of_fr, hidden=["nl_analyst", "de_analyst"])),
            Case("GET", f"/workbench/cases/{world['forwarded_from'].pk}/",
                 page(readers_of_fr, hidden=["nl_analyst", "de_analyst"])),
            Case("GET", f"/workbench/cases/{nl}/", page(["eu_auditor", "nl_analyst"], hidden=[*FR_SIDE, "de_analyst"])),
            Case("GET", "/workbench/cases/999999/", page([], hidden=IN_AREA)),
            Case("GET", "/workbench/requests/", page(IN_AREA)),
            Case("GET", "/workbench/requests/new/", page(WORKERS, hidden=AUDITORS)),
            Case("GET", f"/workbench/requests/{req}/", page([*readers_of_fr, "nl_analyst"], hidden=["de_analyst"])),
            Case("GET", "/workbench/requests/999999/", page([], hidden=IN_AREA)),
            # The feedback panel belongs to the criteria area: every person, not national systems.
            Case("GET", "/workbench/feedback/CRC-WB-TOY/",
                 page([*IN_AREA, "commission", "commission_approver"]) | {"fr_system": 403}),
            Case("GET", "/workbench/feedback/CRC-NOPE/",
                 page([], hidden=[*IN_AREA, "commission", "commission_approver"]) | {"fr_system": 403}),
            # Actions are POST only.
            Case("GET", f"/workbench/cases/{fr}/claim/", {"anonymous": 302, "outsider": 302}, default=405),
            Case("GET", f"/workbench/cases/{fr}/decide/", {"anonymous": 302, "outsider": 302}, default=405),
            Case("GET", f"/workbench/requests/{req}/reply/", {"anonymous": 302, "outsider": 302}, default=405),
        ],
    )  # fmt: skip


def test_workbench_actions(people, world):
    """Allowed personas get the redirect back to the page (302, also when the action itself is refused as a
    conflict or invalid: the page says why); read-only roles 403; those who may not see the object 404."""
    fr, nl, fr_only, req = world["open"].pk, world["nl"].pk, world["fr_only"].pk, world["request"].pk
    fr_case_refusals = {"eu_auditor": 403, "fr_auditor": 403, "nl_analyst": 404, "de_analyst": 404}
    check_matrix(
        people,
        [
            Case("POST", f"/workbench/cases/{fr}/claim/", page(FR_WORKERS, status=302) | fr_case_refusals),
            Case("POST", f"/workbench/cases/{fr}/release/", page(FR_WORKERS, status=302) | fr_case_refusals),
            Case("POST", f"/workbench/cases/{nl}/claim/",
                 page(["nl_analyst"], status=302, hidden=[*FR_SIDE, "de_analyst"])),
            # An empty form: refused as invalid (the form again, 400), nothing decided.
            Case("POST", f"/workbench/cases/{fr}/decide/", page(FR_WORKERS, status=400) | fr_case_refusals),
            Case("POST", f"/workbench/cases/{fr_only}/control-results/",
                 page(FR_WORKERS, status=400) | fr_case_refusals),
            Case("POST", f"/workbench/cases/{fr}/control-results/",  # nothing decided yet: nothing to record
                 page([], hidden=[*FR_WORKERS, "nl_analyst", "de_analyst"]) | {"eu_auditor": 403, "fr_auditor": 403}),
            Case("POST", f"/workbench/cases/{nl}/control-results/",
                 page(["nl_analyst"], status=400, hidden=[*FR_SIDE, "de_analyst"])),
            Case("POST", "/workbench/requests/new/", page(WORKERS, status=400, hidden=AUDITORS)),
            Case("POST", f"/workbench/requests/{req}/reply/",  # empty: the thread again with the message, 400
                 page([*FR_WORKERS, "nl_analyst"], status=400, hidden=["de_analyst"])),
            Case("POST", f"/workbench/requests/{req}/close/",
                 page(FR_WORKERS, status=302, hidden=["de_analyst"]) | {"nl_analyst": 403}),
        ],
    )  # fmt: skip
    assert not WorkCase.objects.filter(pk=fr, decision__isnull=False).exists()
    assert InformationRequest.objects.get(pk=req).state == "closed"


def test_api_endpoints(people, world):
    forwarded = world["forwarded_from"].declaration.mrn
    fr_only = world["fr_only"].declaration.mrn
    recorders = ["fr_system", "fr_analyst", "fr_risk_manager"]
    seizure = {"control_type": "physical", "result": "seizure", "irregularity_type": "ipr",
               "seizure": {"goods": "counterfeit toys"}}  # fmt: skip
    check_matrix(
        people,
        [
            Case("GET", "/api/v1/decisions/", api(API_READERS), api=True),
            Case("GET", "/api/v1/decisions/?since=2026-01-01T00:00:00Z&after=1", api(API_READERS), api=True),
            Case("GET", "/api/v1/decisions/?since=never", api(API_READERS, status=400), api=True),
            Case("POST", "/api/v1/decisions/", api(API_READERS, status=405), api=True, data={}),
            Case("GET", f"/api/v1/declarations/{forwarded}/decisions/", api(API_READERS, hidden=["de_analyst"]),
                 api=True),
            Case("GET", f"/api/v1/declarations/{fr_only}/decisions/",
                 api(API_READERS, hidden=["nl_analyst", "de_analyst"]), api=True),
            Case("GET", f"/api/v1/declarations/{forwarded}/control-results/",
                 api(API_READERS, hidden=["de_analyst"]), api=True),
            # An invalid body: the right is checked first, so read-only roles get 403, recorders 400.
            Case("POST", f"/api/v1/declarations/{forwarded}/control-results/",
                 api([*recorders, "nl_analyst"], status=400, hidden=["de_analyst"]), api=True, data={}),
            Case("POST", f"/api/v1/declarations/{fr_only}/control-results/",
                 api(recorders, status=201, hidden=["nl_analyst", "de_analyst"]), api=True, data=seizure),
            Case("GET", "/api/v1/declarations/26FR00000000000000/control-results/",
                 api([], hidden=API_READERS), api=True),
        ],
    )  # fmt: skip
