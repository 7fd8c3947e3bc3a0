"""No silent switch-off (issue 12, point 4): a PCA's days mean the same on every page, in the audit
record and in the engine; linking a published criterion asks for confirmation; the criterion page
says that a linked criterion runs only within the period, and why it is not running now."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from crms.audit.models import AuditEntry
from crms.core.dates import PLANNED
from pca import periods, services
from pca.models import PriorityControlArea
from rif import services as rif_services
from risk_engine.compiler import active_criteria, forget_compiled_criteria
from tests.risk_engine.conftest import make_criterion, publish_criterion

pytestmark = pytest.mark.django_db

UTC = dt.UTC
DASH = "\N{EN DASH}"  # between the first and the last day on every page


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(**overrides) -> dict:
    return {
        "title": "Unsafe toys before the carnival",
        "risk_area": "product_safety",
        "starts_on": "2027-02-01",
        "ends_on": "2027-02-28",
        "participants": ["FR", "DE"],
        "hs_codes": "9503",
        "criteria": "CRC-PCA-TOY",
        "targets": "FR 10",
    } | overrides


def confirm_token(html: str) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', html)[1]


def designate_in_browser(client: Client, **overrides) -> PriorityControlArea:
    first = client.post("/pca/new/", form(**overrides))
    assert first.status_code == 200, first.content.decode()[:2000]
    response = client.post("/pca/new/", form(**overrides) | {"confirm": confirm_token(first.content.decode())})
    assert response.status_code == 302
    return PriorityControlArea.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def running(code: str, moment: dt.datetime) -> bool:
    forget_compiled_criteria()
    return code in {c.code for c in active_criteria(moment)[0]}


def test_periods_are_whole_utc_days_with_the_last_day_included():
    starts_at, ends_at = periods.bounds(dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    assert (starts_at, ends_at) == (dt.datetime(2027, 2, 1, tzinfo=UTC), dt.datetime(2027, 3, 1, tzinfo=UTC))
    assert (periods.first_day(starts_at), periods.last_day(ends_at)) == (dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    assert periods.last_day(periods.end_after(dt.date(2028, 2, 29))) == dt.date(2028, 2, 29)  # a leap day
    # Instants inside days are widened to the whole days they touch; day bounds stay as they are.
    inside = dt.datetime(2027, 2, 1, 14, 30, tzinfo=UTC), dt.datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    assert periods.whole_days(*inside) == (starts_at, ends_at)
    assert periods.whole_days(starts_at, ends_at) == (starts_at, ends_at)
    # A time zone other than UTC is read as the UTC instant it is.
    paris = dt.timezone(dt.timedelta(hours=1))
    assert periods.last_day(dt.datetime(2027, 3, 1, 0, 30, tzinfo=paris)) == dt.date(2027, 2, 28)


def test_the_last_day_typed_is_the_last_day_shown_stored_and_run(people, toy_criterion):
    """Typed 2027-02-28: every page shows 2027-02-28 (it showed 2027-03-01), and the engine runs the
    linked criterion through 23:59:59 UTC that day and not a second later."""
    commission = client_of(people["commission"])
    pca = designate_in_browser(commission)
    assert (pca.starts_at, pca.ends_at) == (dt.datetime(2027, 2, 1, tzinfo=UTC), dt.datetime(2027, 3, 1, tzinfo=UTC))
    assert pca.last_day == dt.date(2027, 2, 28)
    for url in ("/pca/", f"/pca/{pca.pk}/", "/criteria/CRC-PCA-TOY/"):
        html = client_of(people["fr_analyst"]).get(url).content.decode()
        assert f"01/02/2027 {DASH} 28/02/2027" in html, url
        assert "01/03/2027" not in html, url
    detail = client_of(people["fr_analyst"]).get(f"/pca/{pca.pk}/").content.decode()
    assert f'id="pca-period">01/02/2027 {DASH} 28/02/2027</span>' in detail
    entry = AuditEntry.objects.get(action="pca.designated")
    assert (entry.after["first_day"], entry.after["last_day"]) == ("2027-02-01", "2027-02-28")
    assert entry.after["published_criteria_restricted_to_the_period"] == ["CRC-PCA-TOY"]
    # The engine agrees with the page.
    assert not running("CRC-PCA-TOY", dt.datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC))
    assert running("CRC-PCA-TOY", dt.datetime(2027, 2, 1, 0, 0, tzinfo=UTC))
    assert running("CRC-PCA-TOY", dt.datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC))
    assert not running("CRC-PCA-TOY", dt.datetime(2027, 3, 1, 0, 0, tzinfo=UTC))


def test_a_one_day_pca_and_instants_given_to_the_service_mean_whole_days(people, toy_criterion):
    commission = client_of(people["commission"])
    pca = designate_in_browser(commission, starts_on="2027-05-09", ends_on="2027-05-09")
    assert (pca.first_day, pca.last_day) == (dt.date(2027, 5, 9), dt.date(2027, 5, 9))
    # Any API caller that passes instants gets the whole days they touch: never a period ending mid-day.
    pca = services.designate_pca(
        actor=people["commission"],
        title="Scripted",
        risk_area="product_safety",
        starts_at=dt.datetime(2027, 6, 1, 14, 30, tzinfo=UTC),
        ends_at=dt.datetime(2027, 6, 30, 9, 15, tzinfo=UTC),
        participants_codes=["FR"],
    )
    assert (pca.starts_at, pca.ends_at) == (dt.datetime(2027, 6, 1, tzinfo=UTC), dt.datetime(2027, 7, 1, tzinfo=UTC))
    assert (pca.first_day, pca.last_day) == (dt.date(2027, 6, 1), dt.date(2027, 6, 30))


def test_bad_days_are_named_and_a_last_day_before_the_first_is_refused(people, toy_criterion):
    commission = client_of(people["commission"])
    response = commission.post("/pca/new/", form(ends_on="2027-02-30"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "ends_at: A date like 2026-11-30." in html or "A date like 2026-11-30." in html
    # The calendar's last day used to overflow into a 500 when the day after it was computed.
    response = commission.post("/pca/new/", form(ends_on="9999-12-31"))
    # Now the planning window of crms.core.dates, like every date a client sends.
    assert response.status_code == 400 and PLANNED.rule(european=True) in response.content.decode()
    with pytest.raises(services.PcaError) as error:
        services.designate_pca(
            actor=people["commission"],
            title="Scripted",
            risk_area="product_safety",
            starts_at=dt.datetime(2027, 1, 1, tzinfo=UTC),
            ends_at=dt.datetime(9999, 12, 31, 12, tzinfo=UTC),
            participants_codes=["FR"],
        )
    assert [(e["field"], e["code"]) for e in error.value.errors] == [("ends_at", "out_of_range")]
    response = commission.post("/pca/new/", form(starts_on="2027-03-01", ends_on="2027-02-28"))
    assert response.status_code == 400 and "The period must end after it starts." in response.content.decode()
    assert not PriorityControlArea.objects.exists()


def test_linking_a_published_criterion_asks_for_confirmation_stating_the_consequence(people, toy_criterion):
    commission = client_of(people["commission"])
    today = timezone.now().date()
    first, last = today + dt.timedelta(days=30), today + dt.timedelta(days=59)
    days = {"starts_on": first.isoformat(), "ends_on": last.isoformat()}
    response = commission.post("/pca/new/", form(**days))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="pca-confirm"' in html
    assert not PriorityControlArea.objects.exists()  # nothing linked yet
    assert f"only from <strong>{first:%d/%m/%Y}</strong> to <strong>{last:%d/%m/%Y}</strong>" in html
    assert f"screens every ENS today; it stops now and runs again only from {first:%d/%m/%Y} to {last:%d/%m/%Y}" in html
    assert 'value="Unsafe toys before the carnival"' in html  # the form keeps what was typed
    token = confirm_token(html)
    # A confirmation is of these criteria and this period: change the period and it asks again.
    moved_days = days | {"ends_on": (last + dt.timedelta(days=1)).isoformat()}
    moved = commission.post("/pca/new/", form(**moved_days, confirm=token))
    assert moved.status_code == 200 and 'id="pca-confirm"' in moved.content.decode()
    assert not PriorityControlArea.objects.exists()
    assert commission.post("/pca/new/", form(**days, confirm=token)).status_code == 302
    assert PriorityControlArea.objects.get().criteria.get().code == "CRC-PCA-TOY"


def test_what_the_confirmation_says_for_each_kind_of_criterion(people, toy_criterion):
    draft_doc = make_criterion("CRC-PCA-DRAFT")
    from risk_engine import services as criteria_services

    criteria_services.create_criterion(actor=people["commission"], data=draft_doc)
    commission = client_of(people["commission"])
    today = timezone.now().date()
    # A draft only: nothing runs today, so nothing to confirm.
    response = commission.post(
        "/pca/new/", form(criteria="CRC-PCA-DRAFT", starts_on=f"{today}", ends_on=f"{today + dt.timedelta(days=9)}")
    )
    assert response.status_code == 302
    # A period running today: the published criterion keeps running until the last day; the draft is named too;
    # once linked to a PCA, a further PCA only adds a period.
    days = {"starts_on": f"{today - dt.timedelta(days=1)}", "ends_on": f"{today + dt.timedelta(days=9)}"}
    html = commission.post("/pca/new/", form(criteria="CRC-PCA-TOY, CRC-PCA-DRAFT", **days)).content.decode()
    last = today + dt.timedelta(days=9)
    assert (
        f"CRC-PCA-TOY</code> Test criterion CRC-PCA-TOY: screens every ENS today; it keeps running until {last:%d/%m/%Y}"
        in html
    )
    assert "CRC-PCA-DRAFT</code> Test criterion CRC-PCA-DRAFT: not published: once published" in html
    commission.post("/pca/new/", form(criteria="CRC-PCA-TOY, CRC-PCA-DRAFT", **days, confirm=confirm_token(html)))
    html = commission.post("/pca/new/", form(criteria="CRC-PCA-TOY", starts_on="2027-09-01", ends_on="2027-09-30"))
    assert "already runs only within the period of PCA-" in html.content.decode()
    # A period already over: the criterion would stop for good.
    html = commission.post(
        "/pca/new/", form(criteria="CRC-PCA-TOY", starts_on="2026-01-01", ends_on="2026-01-31")
    ).content.decode()
    assert "it stops now for good (this period ended on 31/01/2026)" not in html  # already linked: adds a period
    other = publish_criterion(make_criterion("CRC-PCA-FREE"), people["commission"], people["commission_approver"])
    html = commission.post(
        "/pca/new/", form(criteria=other.code, starts_on="2026-01-01", ends_on="2026-01-31")
    ).content.decode()
    assert "it stops now for good (this period ended on 31/01/2026)" in html


def criterion_page(user, code: str = "CRC-PCA-TOY") -> str:
    response = client_of(user).get(f"/criteria/{code}/")
    assert response.status_code == 200
    return response.content.decode()


def campaign_section(html: str) -> str:
    match = re.search(r'<section class="notice" id="criterion-campaign".*?</section>', html, re.S)
    assert match, "the criterion page says nothing about the PCA"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match[0]))


def test_the_criterion_page_says_it_runs_only_within_the_period_and_why_not_now(people, designate):
    assert 'id="criterion-campaign"' not in criterion_page(people["fr_analyst"])  # not linked: runs whenever valid
    today = timezone.now().date()
    later = designate(
        starts_at=periods.start_of(today + dt.timedelta(days=10)),
        ends_at=periods.end_after(today + dt.timedelta(days=20)),
    )
    text = campaign_section(criterion_page(people["fr_analyst"]))
    assert "Not running now: linked to a priority control area" in text
    assert "only within the period of a linked PCA (UTC days, both included)" in text
    first = today + dt.timedelta(days=10)
    assert (
        f"{later.reference} Unsafe toys before Christmas, {first:%d/%m/%Y} {DASH} {today + dt.timedelta(days=20):%d/%m/%Y}"
        in text
    )
    assert f"not running, before the period: its first day is {first:%d/%m/%Y}" in text

    ended = designate(
        starts_at=periods.start_of(today - dt.timedelta(days=20)),
        ends_at=periods.end_after(today - dt.timedelta(days=2)),
    )
    text = campaign_section(criterion_page(people["fr_analyst"]))
    assert (
        f"{ended.reference} " in text
        and f"after the period: its last day was {today - dt.timedelta(days=2):%d/%m/%Y}" in text
    )

    now = designate()  # yesterday to tomorrow
    text = campaign_section(criterion_page(people["commission"]))
    assert "Runs only within a priority control area's period" in text and "Not running now" not in text
    assert f"running, within the period, until {now.last_day:%d/%m/%Y} included" in text

    crisis = rif_services.open_crisis(
        actor=people["commission"], title="Toxic toys", risk_area="product_safety", guidance="Prioritise lab tests."
    )
    services.suspend_pca(actor=people["commission"], pca=now, crisis=crisis)
    text = campaign_section(criterion_page(people["fr_analyst"]))
    assert "Not running now" in text
    assert f"not running, the PCA is suspended during {crisis.reference} since {today:%d/%m/%Y}" in text
    services.resume_pca(actor=people["commission"], pca=now)
    services.close_pca(
        actor=people["commission"], pca=now, operational_results="Fourteen seizures.", lessons="Start earlier."
    )
    text = campaign_section(criterion_page(people["fr_analyst"]))
    assert f"not running, the PCA was closed on {today:%d/%m/%Y}" in text
    # What the page says is what the engine does.
    assert not running("CRC-PCA-TOY", timezone.now())
