"""RIFs: recipients and handling markings, four-eyes approval, feedback and the overdue report,
turn-into-criterion, search, matching against an ENS, notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from crms.audit.models import AuditEntry
from rif import selectors, services
from rif.models import RifRecipient, RifStatus
from risk_engine.models import Criterion, Scope, Status
from tests.rif.conftest import rif_body
from tests.risk_engine.conftest import api_client, file_bodies, make_ens, make_item

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_rif_to_fr_and_nl_is_invisible_to_de_everywhere(people, media):
    """An FR RIF addressed to NL (and so FR+NL hold it): DE sees it nowhere - list, detail, search, REST, files."""
    fr = people["fr_analyst"]
    rif = services.create_rif(actor=fr, data=rif_body(recipients=["NL"], title="Firearm parts via AE"))
    services.add_attachment(
        actor=fr, rif=rif, upload=SimpleUploadedFile("note.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    )
    services.submit_rif(actor=fr, rif=rif)
    services.approve_rif(actor=people["fr_risk_manager"], rif=rif)
    attachment = rif.attachments.get()
    detail = f"/rif/{rif.reference}/"
    download = f"/rif/{rif.reference}/attachments/{attachment.pk}/"

    for name in ("fr_analyst", "fr_auditor", "nl_analyst", "commission", "eu_auditor"):
        user = people[name]
        assert selectors.rif_for(user, rif.reference) is not None, name
        assert browser(user).get(detail).status_code == 200, name
        response = browser(user).get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF"), name

    for name in ("de_analyst", "de_risk_manager"):
        de = people[name]
        assert selectors.rif_for(de, rif.reference) is None
        assert browser(de).get(detail).status_code == 404
        assert browser(de).get(download).status_code == 404
        html = browser(de).get("/rif/?q=firearm").content.decode()
        assert rif.reference not in html
        assert rif.reference not in browser(de).get("/rif/").content.decode()
        assert not selectors.search_rifs(de, selectors.RifFilters(q="firearm")).exists()
    de_system = api_client(people["de_system"])
    assert de_system.get(f"/api/v1/rifs/{rif.reference}/").status_code == 404
    assert rif.reference not in de_system.get("/api/v1/rifs/").content.decode()
    assert api_client(people["nl_system"]).get(f"/api/v1/rifs/{rif.reference}/").status_code == 200


def test_drafts_only_for_the_author_organisation_and_commission_sees_published(people):
    rif = services.create_rif(actor=people["nl_analyst"], data=rif_body())
    assert selectors.rif_for(people["nl_risk_manager"], rif.reference) is not None
    for name in ("fr_analyst", "de_analyst", "commission", "eu_auditor"):
        assert selectors.rif_for(people[name], rif.reference) is None, name
    services.submit_rif(actor=people["nl_analyst"], rif=rif)
    assert selectors.rif_for(people["commission"], rif.reference) is None
    services.approve_rif(actor=people["nl_risk_manager"], rif=rif)
    for name in ("fr_analyst", "de_analyst", "commission", "eu_auditor", "fr_auditor"):
        assert selectors.rif_for(people[name], rif.reference) is not None, name


def test_handling_markings_keep_restricted_rifs_from_national_systems(people, publish_rif):
    open_rif = publish_rif(handling="crms_restricted")
    eu_restricted = publish_rif(handling="eu_restricted")
    limited = publish_rif(handling="limited_distribution")
    fr_system = people["fr_system"]
    visible = set(selectors.rifs_for(fr_system).values_list("reference", flat=True))
    assert visible == {open_rif.reference}
    for rif in (eu_restricted, limited):
        assert selectors.rif_for(people["fr_analyst"], rif.reference) is not None
        # Their content stays with people: the detail is refused, saying why (issue 15: named, not hidden).
        assert api_client(fr_system).get(f"/api/v1/rifs/{rif.reference}/").status_code == 403


def test_limited_distribution_needs_chosen_recipients(people):
    with pytest.raises(services.RifError) as error:
        services.create_rif(
            actor=people["nl_analyst"], data=rif_body(handling="limited_distribution", all_participants=True)
        )
    assert error.value.errors[0]["field"] == "all_participants"


def test_all_participants_writes_one_recipient_row_per_participant(people, publish_rif):
    rif = publish_rif(all_participants=True, recipients=[], risk_area="security_safety")
    codes = set(rif.recipients.values_list("member_state_id", flat=True))
    assert {"FR", "DE", "BE", "CH", "NO"} <= codes
    assert "NL" not in codes and "EU" not in codes and "GB" not in codes
    # Switzerland and Norway take part through the security agreement: not product safety (issue 15).
    toys = publish_rif(all_participants=True, recipients=[])
    assert {"FR", "DE", "BE"} <= set(toys.recipients.values_list("member_state_id", flat=True))
    assert not toys.recipients.filter(member_state_id__in=["CH", "NO"]).exists()


def test_four_eyes_approval(people):
    nl_manager = people["nl_risk_manager"]
    # A risk manager's own RIF needs another approver.
    rif = services.create_rif(actor=nl_manager, data=rif_body())
    services.submit_rif(actor=nl_manager, rif=rif)
    with pytest.raises(services.RifError) as error:
        services.approve_rif(actor=nl_manager, rif=rif)
    assert error.value.status == 403 and error.value.errors[0]["code"] == "four_eyes"
    # Another Member State's risk manager, an analyst, or the Commission may not approve an NL RIF.
    for name in ("fr_risk_manager", "nl_analyst", "commission_approver"):
        with pytest.raises(services.RifError) as error:
            services.approve_rif(actor=people[name], rif=rif)
        assert error.value.status == 403, name
    second = services.create_rif(actor=people["nl_analyst"], data=rif_body())
    with pytest.raises(services.RifError):
        services.approve_rif(actor=nl_manager, rif=second)  # not submitted yet
    services.submit_rif(actor=people["nl_analyst"], rif=second)
    services.approve_rif(actor=nl_manager, rif=second)
    second.refresh_from_db()
    assert second.status == RifStatus.PUBLISHED and second.approved_by == nl_manager
    assert AuditEntry.objects.filter(action="rif.published", object_id=str(second.pk)).exists()


def test_commission_rif_is_approved_by_a_commission_approver(people):
    rif = services.create_rif(actor=people["commission"], data=rif_body(all_participants=True, recipients=[]))
    services.submit_rif(actor=people["commission"], rif=rif)
    with pytest.raises(services.RifError):
        services.approve_rif(actor=people["nl_risk_manager"], rif=rif)
    services.approve_rif(actor=people["commission_approver"], rif=rif)
    assert rif.recipients.filter(member_state_id="NL").exists()


def test_return_to_draft_needs_a_comment(people):
    rif = services.create_rif(actor=people["nl_analyst"], data=rif_body())
    services.submit_rif(actor=people["nl_analyst"], rif=rif)
    with pytest.raises(services.RifError):
        services.return_rif(actor=people["nl_risk_manager"], rif=rif, comment="")
    services.return_rif(actor=people["nl_risk_manager"], rif=rif, comment="Add the route via HK.")
    rif.refresh_from_db()
    assert rif.status == RifStatus.DRAFT


def test_feedback_read_state_and_who_sees_follow_up(people, publish_rif):
    rif = publish_rif()
    fr = people["fr_analyst"]
    services.mark_read(actor=fr, rif=rif)
    feedback = services.post_feedback(
        actor=fr,
        rif=rif,
        data={"relevance": "high", "measures": ["controls_planned"], "controls_planned": 40, "results": "2 seizures"},
    )
    assert feedback.member_state_id == "FR"
    row = RifRecipient.objects.get(rif=rif, member_state_id="FR")
    assert row.read_at and row.responded_at
    # DE may not post feedback for FR, the author cannot post feedback on its own RIF, auditors change nothing.
    for name in ("nl_analyst", "fr_auditor", "commission"):
        with pytest.raises(services.RifError):
            services.post_feedback(actor=people[name], rif=rif, data={"relevance": "low"})
    # The author and the Commission see every recipient's follow-up; DE sees only its own.
    assert selectors.feedback_on(people["nl_analyst"], rif).count() == 1
    assert selectors.feedback_on(people["commission"], rif).count() == 1
    assert selectors.feedback_on(people["de_analyst"], rif).count() == 0
    assert set(selectors.recipients_of(people["de_analyst"], rif).values_list("member_state_id", flat=True)) == {"DE"}
    assert set(selectors.recipients_of(people["nl_analyst"], rif).values_list("member_state_id", flat=True)) == {
        "FR",
        "DE",
    }
    with pytest.raises(services.RifError) as error:
        services.post_feedback(actor=fr, rif=rif, data={"relevance": "high", "bogus": 1})
    assert error.value.errors[0]["code"] == "unknown_field"


def test_overdue_report_lists_recipients_without_feedback(people, publish_rif, settings):
    settings.RIF_FOLLOW_UP_DAYS = 14
    rif = publish_rif()
    services.post_feedback(actor=people["fr_analyst"], rif=rif, data={"relevance": "medium"})
    assert not selectors.overdue_follow_ups(people["commission"]).exists()
    RifRecipient.objects.filter(rif=rif).update(published_at=timezone.now() - dt.timedelta(days=15))
    overdue = list(selectors.overdue_follow_ups(people["commission"]).values_list("member_state_id", flat=True))
    assert overdue == ["DE"]
    assert list(selectors.overdue_follow_ups(people["nl_analyst"]).values_list("member_state_id", flat=True)) == ["DE"]
    assert selectors.overdue_follow_ups(people["de_analyst"]).count() == 1  # what DE owes
    assert not selectors.overdue_follow_ups(people["fr_analyst"]).exists()
    html = browser(people["commission"]).get("/rif/follow-up/").content.decode()
    assert rif.reference in html and '<td class="overdue-recipient">DE</td>' in html
    settings.RIF_FOLLOW_UP_DAYS = 30
    assert not selectors.overdue_follow_ups(people["commission"]).exists()


def test_turn_into_criterion_prefills_a_national_profile_and_links_it(people, publish_rif):
    rif = publish_rif(
        parties=[
            {"role": "consignor", "name": "Shenzhen Bright Trading Co", "eori": None, "country": "CN"},
            {"role": "consignor", "name": "", "eori": "CN1234567890", "country": "CN"},
        ]
    )
    response = browser(people["fr_analyst"]).post(f"/rif/{rif.reference}/criterion/")
    code = f"FR-RIF-{rif.pk}"
    assert response.status_code == 302 and response["Location"] == f"/criteria/{code}/edit/"
    criterion = Criterion.objects.get(code=code)
    version = criterion.versions.get()
    assert criterion.scope == Scope.NATIONAL and criterion.owner_id == "FR" and version.status == Status.DRAFT
    assert version.condition == {
        "all": [
            {"field": "item.hs_code", "op": "starts_with", "value": ["950300"]},
            {"field": "routing.countries", "op": "any_in", "value": ["CN", "HK"]},
            {
                "any": [
                    {"field": "consignor.name", "op": "in", "value": ["Shenzhen Bright Trading Co"]},
                    {"field": "consignor.eori", "op": "in", "value": ["CN1234567890"]},
                ]
            },
        ]
    }
    assert version.applies_to["transport_modes"] == ["express"] and version.control_type == "physical"
    assert rif.criteria.filter(pk=criterion.pk).exists()
    # The FR profile is listed on the RIF for FR and the Commission, not for DE.
    assert selectors.criteria_linked(people["fr_analyst"], rif).filter(code=code).exists()
    assert not selectors.criteria_linked(people["de_analyst"], rif).filter(code=code).exists()
    # The Commission gets an EU criterion; a second FR conversion gets a fresh code.
    eu = services.turn_into_criterion(actor=people["commission"], rif=rif)
    assert eu.criterion.scope == Scope.EU and eu.criterion.code == f"CRC-RIF-{rif.pk}"
    again = services.turn_into_criterion(actor=people["fr_analyst"], rif=rif)
    assert again.criterion.code == f"{code}-2"
    with pytest.raises(services.RifError):
        services.turn_into_criterion(actor=people["fr_auditor"], rif=rif)


def test_feedback_links_the_new_profile(people, publish_rif):
    rif = publish_rif()
    version = services.turn_into_criterion(actor=people["fr_analyst"], rif=rif)
    response = browser(people["fr_analyst"]).post(
        f"/rif/{rif.reference}/feedback/",
        {"relevance": "high", "measures": ["profile_created"], "criterion": version.criterion.code},
    )
    assert response.status_code == 302
    feedback = rif.feedback.get()
    assert feedback.criterion == version.criterion and feedback.measures == ["profile_created"]
    html = browser(people["nl_analyst"]).get(f"/rif/{rif.reference}/").content.decode()
    assert version.criterion.code in html


def test_search_full_text_and_filters(people, publish_rif):
    toys = publish_rif()
    guns = publish_rif(
        risk_area="firearms_weapons",
        title="Firearm parts shipped via AE",
        summary="Pistol slides and barrels declared as machine parts, routed through Dubai.",
        goods=[{"hs_code": "930590", "description": "gun parts"}],
        countries_of_origin=["TR"],
        routing=["TR", "AE"],
        parties=[{"role": "consignor", "name": "Gulf Spares LLC", "eori": "AE998877", "country": "AE"}],
        modus_operandi="Declared as spare parts.",
        concealment="Inside engine blocks.",
        detection_method="Scanning.",
        recommended_action="Scan consignments of machine parts routed via AE.",
    )
    fr = people["fr_analyst"]

    def found(**filters) -> set[str]:
        return set(selectors.search_rifs(fr, selectors.RifFilters(**filters)).values_list("reference", flat=True))

    assert found(q="pistol barrels") == {guns.reference}
    assert found(q="toys") == {toys.reference}
    assert found(q="Gulf Spares") == {guns.reference}
    assert found(risk_area="firearms_weapons") == {guns.reference}
    assert found(country="AE") == {guns.reference}
    assert found(country="HK") == {toys.reference}
    assert found(hs_code="9503") == {toys.reference}  # RIF code starts with the query
    assert found(hs_code="93059000") == {guns.reference}  # the query starts with the RIF code
    today = timezone.localdate()
    assert found(date_from=today, date_to=today) == {toys.reference, guns.reference}
    assert found(date_from=today + dt.timedelta(days=1)) == set()
    html = browser(fr).get("/rif/?q=pistol", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and guns.reference in html and toys.reference not in html


def test_rifs_matching_version(people, publish_rif):
    toys = publish_rif()
    (mrn,) = file_bodies(people["fr_system"], make_ens(goods_items=[make_item(1, hs_code="95030010")]))
    from crms.declarations.models import Declaration

    version = Declaration.objects.get(mrn=mrn).versions.get()
    matching = selectors.rifs_matching_version(people["fr_analyst"], version)
    assert [r.reference for r in matching] == [toys.reference]
    assert matching[0].get_absolute_url() == f"/rif/{toys.reference}/"
    assert not selectors.rifs_matching_version(people["fr_system"], version).filter(handling="eu_restricted").exists()
    unrelated = file_bodies(
        people["fr_system"],
        make_ens(
            countries_of_routing=["US", "FR"], goods_items=[make_item(1, hs_code="870899", country_of_origin="US")]
        )
        | {"consignor": {"name": "Acme Inc", "eori": None, "address": make_ens()["consignor"]["address"]}},
    )
    other = Declaration.objects.get(mrn=unrelated[0]).versions.get()
    assert not selectors.rifs_matching_version(people["fr_analyst"], other).exists()


def test_notifications_badge_and_page(people, publish_rif, settings):
    settings.RIF_FOLLOW_UP_DAYS = 0
    rif = publish_rif()
    counts = selectors.notification_counts(people["de_analyst"])
    assert counts["unread"] == 1 and counts["overdue"] == 1
    html = browser(people["de_analyst"]).get("/rif/notifications/").content.decode()
    assert rif.reference in html and 'id="rif-badge"' in html
    services.post_feedback(actor=people["de_analyst"], rif=rif, data={"relevance": "low"})
    assert selectors.notification_counts(people["de_analyst"]) == {"unread": 0, "overdue": 0, "crises": 0}


def test_attachment_types_and_size_are_limited(people, media, settings):
    rif = services.create_rif(actor=people["nl_analyst"], data=rif_body())
    for name, content in (("run.exe", b"MZ"), ("fake.pdf", b"not a pdf"), ("a.txt", b"bin\x00ary")):
        with pytest.raises(services.RifError):
            services.add_attachment(actor=people["nl_analyst"], rif=rif, upload=SimpleUploadedFile(name, content))
    settings.RIF_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(services.RifError) as error:
        services.add_attachment(actor=people["nl_analyst"], rif=rif, upload=SimpleUploadedFile("big.txt", b"a" * 2048))
    assert error.value.errors[0]["code"] == "too_large"
    with pytest.raises(services.RifError):
        services.add_attachment(actor=people["fr_analyst"], rif=rif, upload=SimpleUploadedFile("a.txt", b"hello"))
    attachment = services.add_attachment(
        actor=people["nl_analyst"], rif=rif, upload=SimpleUploadedFile("../../etc/notes.txt", b"hello")
    )
    assert attachment.name == "notes.txt" and str(media) in attachment.file.path


def test_browser_form_creates_and_edits_a_draft(people):
    client = browser(people["nl_analyst"])
    response = client.post(
        "/rif/new/",
        {
            "risk_area": "product_safety",
            "title": "Counterfeit toys",
            "summary": "Forged CE markings on toys from CN.",
            "goods": "950300 plastic toys\n9504 games",
            "routing": "CN, HK",
            "parties": "consignor; Shenzhen Bright Trading Co; ; CN",
            "handling": "crms_restricted",
            "recipients": ["FR", "DE"],
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    rif = people["nl_analyst"].organisation.rifs.get()
    assert rif.hs_codes == ["950300", "9504"] and rif.routing == ["CN", "HK"] and rif.recipient_codes == ["DE", "FR"]
    bad = client.post(f"/rif/{rif.reference}/edit/", {"risk_area": "product_safety", "title": "x", "summary": "short"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()
    assert client.get(f"/rif/{rif.reference}/edit/").status_code == 200


def test_withdrawing_a_published_rif(people, publish_rif):
    rif = publish_rif(recipients=["FR"])
    with pytest.raises(services.RifError) as refused:
        services.withdraw_rif(actor=people["nl_analyst"], rif=rif, reason="Wrong HS code")
    assert refused.value.status == 403
    with pytest.raises(services.RifError) as refused:
        services.withdraw_rif(actor=people["nl_risk_manager"], rif=rif, reason="")
    assert refused.value.status == 400
    services.withdraw_rif(actor=people["nl_risk_manager"], rif=rif, reason="Wrong HS code, see RIF 2")
    rif.refresh_from_db()
    assert rif.status == RifStatus.WITHDRAWN and rif.withdrawn_reason == "Wrong HS code, see RIF 2"
    assert AuditEntry.objects.filter(action="rif.withdrawn", object_id=str(rif.pk)).exists()
    with pytest.raises(services.RifError) as refused:
        services.withdraw_rif(actor=people["nl_risk_manager"], rif=rif, reason="Once more please")
    assert refused.value.status == 409
    # Recipients still see it, marked withdrawn; it no longer asks them for follow-up.
    client = Client()
    client.force_login(people["fr_analyst"])
    page = client.get(rif.get_absolute_url())
    assert page.status_code == 200 and b"Wrong HS code, see RIF 2" in page.content
    assert not services.may_give_feedback(people["fr_analyst"], rif)
    assert not selectors.overdue_follow_ups(people["commission"], now=timezone.now() + dt.timedelta(days=60)).filter(
        rif=rif
    )
    # DE was never a recipient: still nothing to see.
    client.force_login(people["de_analyst"])
    assert client.get(rif.get_absolute_url()).status_code == 404


FORM = {
    "risk_area": "product_safety",
    "title": "Counterfeit toys",
    "summary": "Forged CE markings on toys from CN.",
    "goods": "950300 plastic toys",
    "handling": "crms_restricted",
    "recipients": ["FR"],
    "valid_from": "2026-01-01",
}


def test_seizure_details_without_the_goods_are_refused_not_dropped(people):
    """Adversarial probe, 7 December: quantity, value and date typed with "Goods seized" empty were discarded
    without a word (the RIF saved with no seizure). Now the form comes back naming the missing goods."""
    client = browser(people["nl_analyst"])
    response = client.post("/rif/new/", {**FORM, "seizure_quantity": "12", "seizure_value": "1 200,50"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "seizure.goods" in html and "Required: must not be empty." in html
    assert "String should" not in html
    assert not people["nl_analyst"].organisation.rifs.exists()


@pytest.mark.parametrize("typed", ["1 200,50", "1.200,50", "1200,50", "1200.50"])
def test_seizure_values_are_read_the_european_way(people, typed):
    client = browser(people["nl_analyst"])
    response = client.post("/rif/new/", {**FORM, "seizure_goods": "toys", "seizure_value": typed})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert people["nl_analyst"].organisation.rifs.get().seizure["estimated_value_eur"] == 1200.5


def test_form_errors_are_in_words_not_validator_text(people):
    client = browser(people["nl_analyst"])
    response = client.post("/rif/new/", {**FORM, "goods": "ABC toys", "valid_until": "2025-01-01"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "An HS code: 2 to 10 digits, like 950300." in html
    assert "should match pattern" not in html and "Value error" not in html
