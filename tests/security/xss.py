"""Script planted in every shared text field, and the pages where another organisation reads it.

Each field gets its own payload, tagged with the field's name: a ``<script>``, an ``<img onerror>``
and a ``javascript:`` URL that would each set ``window.__xss`` (and open a dialog) if the markup were
ever rendered as HTML. The writers are the real services (the ENS over REST, as a national system
files it); the readers are users of another Member State or of the Commission.
"""

from __future__ import annotations

import datetime as dt
import html

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crms.operators import services as operator_services
from pca import services as pca_services
from rif import services as rif_services
from risk_engine import services as engine_services
from risk_engine.compiler import forget_compiled_criteria
from risk_engine.models import Criterion
from tests.conftest import make_user
from tests.rif.conftest import rif_body
from tests.risk_engine.conftest import make_criterion, make_ens, make_item, screen_mrns
from workbench import services as workbench_services
from workbench.models import Case

PASSWORD = "correct-horse-battery"
CAST = {
    "commission": ("EU", "commission"),
    "commission_approver": ("EU", "commission_approver"),
    "eu_auditor": ("EU", "auditor"),
    "fr_system": ("FR", "national_system"),
    "fr_analyst": ("FR", "analyst"),
    "fr_risk_manager": ("FR", "risk_manager"),
    "nl_analyst": ("NL", "analyst"),
    "nl_risk_manager": ("NL", "risk_manager"),
    "de_analyst": ("DE", "analyst"),
}


def payload(tag: str) -> str:
    """Under 200 characters (party names, titles); the tag stays readable when the markup is shown as text."""
    return (
        f"<script>window.__xss='{tag}';alert('{tag}')</script>"
        f"<img src=x onerror=\"window.__xss='{tag}'\">"
        f"javascript:window.__xss='{tag}' {tag}"
    )


def escaped(tag: str) -> str:
    """The start of the payload as Django's autoescaping writes it into HTML."""
    return html.escape(payload(tag))[:40]


def attachment_payload(tag: str) -> str:
    """File names lose everything up to the last slash: no ``</script>`` here."""
    return f"<img src=x onerror=\"window.__xss='{tag}'\">{tag}.png"


def plant() -> dict:
    """Every writer writes; returns what the readers' pages need (ids, codes, MRNs)."""
    people = {name: make_user(name, *spec) for name, spec in CAST.items()}
    P = payload

    # Criteria: an EU criterion (Commission) and a French profile, with their history comments.
    doc = make_criterion("CRC-XSS", title=P("crit-title"), description=P("crit-desc"), control_type="physical")
    version = engine_services.create_criterion(actor=people["commission"], data=doc)
    engine_services.submit_criterion(actor=people["commission"], criterion=version.criterion, comment=P("crit-submit"))
    engine_services.approve_criterion(
        actor=people["commission_approver"], criterion=version.criterion, comment=P("crit-approve")
    )
    profile = make_criterion("FR-XSS-NP", scope="national", title=P("np-title"), description=P("np-desc"))
    version = engine_services.create_criterion(actor=people["fr_analyst"], data=profile)
    engine_services.submit_criterion(actor=people["fr_analyst"], criterion=version.criterion)
    engine_services.approve_criterion(actor=people["fr_risk_manager"], criterion=version.criterion)
    forget_compiled_criteria()

    # A Commission watch list every Member State uses.
    watch_list = engine_services.create_watch_list(
        actor=people["commission"], code="WL-XSS", name=P("wl-name"), kind="party_name", description=P("wl-desc")
    )
    engine_services.add_watch_list_entries(
        actor=people["commission"], watch_list=watch_list, entries=[("Shenzhen Bright Trading Co", P("wl-reason"))]
    )

    # ENS over REST, as FR's national system files them: entering at CDG, unloaded in Rotterdam.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=people['fr_system'])[0].key}")
    mrns = []
    for n in range(2):
        body = make_ens(
            place_of_unloading="NLRTM",
            countries_of_routing=["CN", "NL"],
            consignor={"name": P("ens-consignor"), "address": {"street": P("ens-street"), "country": "CN"}},
            consignee={"name": P("ens-consignee"), "address": {"city": "Lyon", "country": "FR"}},
            transport_document={"master": "176-12345675", "house": f"HAWB-XSS-{n}"},
            goods_items=[make_item(description=f"toy cars {P('ens-goods')}")],
        )
        response = api.post("/api/v1/declarations/", body, format="json")
        assert response.status_code == 201, response.content
        mrns.append(response.json()["mrn"])
    screen_mrns(*mrns)
    decided, open_case = (Case.objects.get(declaration__mrn=mrn, member_state_id="FR") for mrn in mrns)

    # FR decides a control in Rotterdam with a note; NL records what it found.
    workbench_services.decide(
        actor=people["fr_analyst"], case=decided, action="control", control_type="physical",
        control_place="place_of_unloading", reason=P("decision-reason"),
    )  # fmt: skip
    nl_case = Case.objects.get(declaration__mrn=mrns[0], member_state_id="NL")
    workbench_services.record_control_result(
        actor=people["nl_analyst"],
        declaration=decided.declaration,
        data={"control_type": "physical", "result": "seizure", "irregularity_type": "ipr",
              "seizure": {"goods": P("control-goods")}, "notes": P("control-notes")},
    )  # fmt: skip

    # FR asks NL; NL answers.
    request = workbench_services.open_information_request(
        actor=people["fr_analyst"], requested_state="NL", subject="party", legal_basis="ucc_art_47",
        purpose=P("request-purpose"), question=P("request-question"), party_name=P("request-party"),
    )  # fmt: skip
    workbench_services.post_information_message(actor=people["nl_analyst"], request=request, body=P("request-reply"))

    # NL's RIF to FR, every text field planted; FR's feedback.
    rif = rif_services.create_rif(
        actor=people["nl_analyst"],
        data=rif_body(
            recipients=["FR"],
            title=P("rif-title"),
            summary=P("rif-summary"),
            modus_operandi=P("rif-modus"),
            concealment=P("rif-concealment"),
            detection_method=P("rif-detection"),
            recommended_action=P("rif-action"),
            goods=[{"hs_code": "950300", "description": P("rif-goods")}],
            parties=[{"role": "consignor", "name": P("rif-party"), "country": "CN"}],
            seizure={"goods": P("rif-seizure"), "place": P("rif-place")},
        ),
    )
    rif_services.add_attachment(
        actor=people["nl_analyst"], rif=rif, upload=SimpleUploadedFile(attachment_payload("rif-file"), b"\x89PNG..")
    )
    rif_services.submit_rif(actor=people["nl_analyst"], rif=rif)
    rif = rif_services.approve_rif(actor=people["nl_risk_manager"], rif=rif, comment=P("rif-approval"))
    rif_services.post_feedback(
        actor=people["fr_analyst"], rif=rif,
        data={"relevance": "high", "results": P("feedback-results"), "comment": P("feedback-comment")},
    )  # fmt: skip

    # The Commission's crisis, NL's post under it; the Commission's PCA, FR's results in it.
    crisis = rif_services.open_crisis(
        actor=people["commission"], title=P("crisis-title"), risk_area="product_safety", guidance=P("crisis-guidance")
    )
    rif_services.post_to_crisis(actor=people["nl_analyst"], crisis=crisis, body=P("crisis-post"))
    now = timezone.now()
    pca = pca_services.designate_pca(
        actor=people["commission"], title=P("pca-title"), description=P("pca-desc"), risk_area="product_safety",
        starts_at=now - dt.timedelta(days=1), ends_at=now + dt.timedelta(days=30), participants_codes=["FR", "DE"],
        hs_codes=["9503"],
    )  # fmt: skip
    pca_services.report_results(
        actor=people["fr_analyst"], pca=pca, controls=3, detections=1, seizures=0, notes=P("pca-notes")
    )

    # The Commission registers an operator.
    operator = operator_services.save_operator(
        actor=people["commission"], eori="FR999888777666", name=P("operator-name"), city=P("operator-city")[:100],
        country="FR", reason=P("operator-reason"),
    ).obj  # fmt: skip
    return {
        "people": people,
        "mrn": mrns[0],
        "open_case": open_case.pk,
        "decided_case": decided.pk,
        "nl_case": nl_case.pk,
        "request": request.pk,
        "rif": rif.reference,
        "crisis": crisis.pk,
        "pca": pca.pk,
        "eori": operator.eori,
        "criterion": Criterion.objects.get(code="CRC-XSS").code,
    }


def views(planted: dict) -> list[tuple[str, str, list[str]]]:
    """(reader, page, tags that page must show as text): readers of another organisation than the writer."""
    p = planted
    return [
        # FR's system wrote the ENS; NL reads it (unloading), and the Commission.
        ("nl_analyst", f"/declarations/{p['mrn']}/", ["ens-consignor", "ens-consignee", "ens-goods", "ens-street"]),
        ("nl_analyst", "/declarations/", []),  # names cut to 28 characters: escaped, but no whole tag
        ("commission", f"/declarations/{p['mrn']}/", ["ens-consignor", "ens-goods"]),
        # FR's decision note, read by NL on the forwarded case; NL's control result, read by FR.
        ("nl_analyst", f"/workbench/cases/{p['nl_case']}/", ["decision-reason", "ens-goods", "ens-consignor"]),
        ("fr_analyst", f"/workbench/cases/{p['decided_case']}/", ["control-notes", "control-goods", "rif-title"]),
        ("fr_analyst", f"/workbench/cases/{p['open_case']}/", ["ens-goods", "ens-consignor", "rif-title"]),
        ("fr_analyst", "/workbench/", ["ens-consignor"]),
        ("eu_auditor", "/workbench/awaiting-results/", []),
        # The information request FR -> NL and NL's reply.
        ("nl_analyst", "/workbench/requests/", ["request-party"]),
        ("nl_analyst", f"/workbench/requests/{p['request']}/", ["request-purpose", "request-question",
                                                                 "request-party"]),
        ("fr_analyst", f"/workbench/requests/{p['request']}/", ["request-reply"]),
        # The Commission's criterion and its history, read by FR (the builder shows the description);
        # FR's profile, read by the Commission.
        ("fr_analyst", "/criteria/", ["crit-title"]),
        ("fr_analyst", f"/criteria/{p['criterion']}/", ["crit-title"]),
        # The submit comment is drafting history of an EU criterion: the Commission's (contract v2 section 3).
        ("commission_approver", f"/criteria/{p['criterion']}/", ["crit-submit"]),
        ("fr_analyst", f"/criteria/{p['criterion']}/diff/", []),
        ("fr_analyst", f"/criteria/{p['criterion']}/edit/", ["crit-title", "crit-desc"]),
        ("commission", "/criteria/FR-XSS-NP/", ["np-title"]),
        ("commission", "/criteria/FR-XSS-NP/edit/", ["np-title", "np-desc"]),
        ("fr_analyst", f"/workbench/feedback/{p['criterion']}/", []),
        # The Commission's watch list, read by NL.
        ("nl_analyst", "/criteria/watch-lists/", ["wl-name"]),
        ("nl_analyst", "/criteria/watch-lists/WL-XSS/", ["wl-name", "wl-desc", "wl-reason"]),
        # NL's RIF read by FR; FR's feedback read by NL.
        ("fr_analyst", "/rif/", ["rif-title"]),
        ("fr_analyst", f"/rif/{p['rif']}/", ["rif-title", "rif-summary", "rif-modus", "rif-concealment",
                                             "rif-detection", "rif-action", "rif-goods", "rif-party",
                                             "rif-seizure", "rif-place", "rif-file"]),
        ("fr_analyst", "/rif/notifications/", ["crisis-title", "crisis-post"]),
        ("nl_analyst", f"/rif/{p['rif']}/", ["feedback-results", "feedback-comment"]),
        ("nl_analyst", "/rif/follow-up/", []),
        # The Commission's crisis and NL's post in it, read by FR; the Commission's PCA and FR's results, by DE.
        ("fr_analyst", "/rif/crises/", ["crisis-title"]),
        ("fr_analyst", f"/rif/crises/{p['crisis']}/", ["crisis-title", "crisis-guidance", "crisis-post",
                                                       "pca-title"]),
        ("de_analyst", "/pca/", ["pca-title"]),
        ("de_analyst", f"/pca/{p['pca']}/", ["pca-title", "pca-desc", "pca-notes"]),
        # The Commission's operator, read by NL; everything in the audit log, read by an auditor.
        ("nl_analyst", "/operators/", ["operator-name", "operator-city"]),
        ("nl_analyst", f"/operators/{p['eori']}/", ["operator-name", "operator-city"]),
        ("commission", "/indicators/records/controls/", []),
        ("eu_auditor", "/audit/", ["rif-title", "crisis-title", "pca-title", "operator-name"]),
    ]  # fmt: skip
