"""Every indicator against a hand-computed small dataset; Member State scoping; exports equal the page.

The dataset (all today, air pre-loading, routing CN -> AE -> FR, origin CN):
- criteria CRC-IX-TOY (HS 9503) and CRC-IX-CN (routing through CN), both EU;
- FR files 3 toy ENS (both criteria hit) and 1 phone ENS (only CRC-IX-CN hits); NL files 1 toy ENS;
- FR decides: toy 1 control + seizure, toy 2 control + no irregularity, toy 3 dismissed;
- FR asks NL for information, NL answers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.utils import timezone

from indicators import services
from indicators.evaluation import evaluation, parse_period
from indicators.figures import EU_TOTAL, Period, View
from indicators.tables import TABLES_BY_NAME
from tests.conftest import make_user
from tests.risk_engine.conftest import (  # noqa: F401 - engine fixtures and caches
    _fast_password_hashing,
    _fresh_engine_caches,
    api_client,
    file_bodies,
    make_criterion,
    make_ens,
    make_item,
    publish_criterion,
    screen_mrns,
)
from workbench import services as workbench
from workbench.models import Case

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Read when used, not at import: a run that crosses midnight files its data on the new day."""
    return timezone.now().date()


def period() -> Period:
    """The last 30 days up to today (see ``today``)."""
    return Period(today() - dt.timedelta(days=29), today())


@pytest.fixture
def dataset(personas):
    author, approver = make_user("ix-author", "EU", "commission"), make_user("ix-approver", "EU", "commission_approver")
    publish_criterion(make_criterion("CRC-IX-TOY"), author, approver)
    publish_criterion(
        make_criterion(
            "CRC-IX-CN",
            risk_area="security_safety",
            condition={"all": [{"field": "routing.countries", "op": "any_in", "value": ["CN"]}]},
            weight=20,
        ),
        author,
        approver,
    )
    fr, nl = personas["fr_system"], make_user("ix-nl-system", "NL", "national_system")
    toys = file_bodies(fr, *[make_ens() for _ in range(3)])
    phone = file_bodies(fr, make_ens(goods_items=[make_item(hs_code="851713", description="mobile phone")]))
    nl_toy = file_bodies(
        nl,
        make_ens(office_of_first_entry="NL000854", place_of_unloading="NLAMS", countries_of_routing=["CN", "AE", "NL"]),
    )
    screen_mrns(*toys, *phone, *nl_toy)
    analyst = personas["fr_analyst"]
    cases = [Case.objects.get(declaration__mrn=mrn, member_state_id="FR") for mrn in toys]
    for case in cases[:2]:
        workbench.decide(actor=analyst, case=case, action="control", control_type="physical", control_place="border")
    workbench.decide(actor=analyst, case=cases[2], action="dismiss", reason="known importer of toys")
    seizure = {"goods": "counterfeit toys", "quantity": 10, "unit": "pieces", "estimated_value_eur": 500}
    workbench.record_control_result(
        actor=analyst,
        declaration=cases[0].declaration,
        data={"control_type": "physical", "result": "seizure", "irregularity_type": "ipr", "seizure": seizure},
    )
    workbench.record_control_result(
        actor=analyst, declaration=cases[1].declaration, data={"control_type": "physical", "result": "no_irregularity"}
    )
    request = workbench.open_information_request(
        actor=analyst,
        requested_state="NL",
        subject="party",
        party_name="Shenzhen Bright Trading Co",
        legal_basis="reg_515_97",
        purpose="Risk analysis of toy imports",
        question="Any seizures on this consignor?",
    )
    workbench.post_information_message(actor=personas["nl_analyst"], request=request, body="None known.")
    services.refresh(period().day_from, period().day_to)
    return personas


def table(user, name: str, member_state: str | None = None):
    return TABLES_BY_NAME[name].build(View.for_user(user, period(), member_state))


def rows(frame, **where) -> list[dict]:
    found = frame
    for column, value in where.items():
        found = found[found[column] == value]
    return found.to_dict("records")


def test_ens_volumes(dataset):
    frame = table(dataset["commission"], "ens")
    assert rows(frame, member_state="FR", mode="air", phase="pre_loading")[0]["ens"] == 4
    assert rows(frame, member_state="NL")[0]["ens"] == 1
    assert rows(frame, member_state=EU_TOTAL)[0]["ens"] == 5


def test_hits_automated_and_after_assessment(dataset):
    frame = table(dataset["commission"], "hits")
    toy_fr = rows(frame, member_state="FR", criterion="CRC-IX-TOY")[0]
    assert {k: toy_fr[k] for k in ("automated", "after_assessment", "dismissed", "controlled", "positive")} == {
        "automated": 3,
        "after_assessment": 2,
        "dismissed": 1,
        "controlled": 2,
        "positive": 1,
    }
    assert toy_fr["precision"] == 0.5
    assert rows(frame, member_state="FR", criterion="CRC-IX-CN")[0]["automated"] == 4
    assert rows(frame, member_state="NL", criterion="CRC-IX-TOY")[0]["automated"] == 1
    total = rows(frame, member_state=EU_TOTAL, criterion="CRC-IX-TOY")[0]
    assert (total["automated"], total["after_assessment"], total["controlled"]) == (4, 2, 2)


def test_controls_aeo_seizures_requests_workload(dataset):
    controls = table(dataset["commission"], "controls")
    fr = rows(controls, member_state="FR", control_type="physical", basis="risk")[0]
    assert (fr["controls"], fr["positive"], fr["detection_rate"]) == (2, 1, 0.5)
    aeo = rows(table(dataset["commission"], "aeo"), member_state="FR")[0]
    assert (aeo["ens"], aeo["ens_with_an_aeo_party"], aeo["non_aeo_controls"], aeo["non_aeo_positive"]) == (4, 0, 2, 1)
    assert aeo["non_aeo_irregularity_rate"] == 0.5
    assert rows(table(dataset["commission"], "seizures"), member_state="FR")[0]["estimated_value_eur"] == 500
    requests = rows(table(dataset["commission"], "requests"), requesting_state="FR")[0]
    assert (requests["requested_state"], requests["sent"], requests["answered"]) == ("NL", 1, 1)
    workload = table(dataset["commission"], "workload")
    assert rows(workload, member_state="NL")[0]["open_hits"] == 1
    assert rows(workload, member_state="FR")[0]["open_hits"] == 1  # the phone ENS (CRC-IX-CN only) is still open
    new = table(dataset["commission"], "new_criteria")
    assert sum(r["new_criteria"] for r in rows(new, member_state="EU")) == 2


def test_member_states_see_their_own_rows_and_the_eu_totals(dataset):
    for name in ("ens", "hits", "controls", "aeo", "seizures", "workload"):
        frame = table(dataset["fr_analyst"], name)
        assert set(frame["member_state"]) <= {"FR", EU_TOTAL}, name
        frame = table(dataset["nl_analyst"], name)
        assert "FR" not in set(frame["member_state"]), name
    # A Member State cannot ask for another's rows.
    assert set(table(dataset["de_analyst"], "ens", member_state="FR")["member_state"]) <= {"DE", EU_TOTAL}
    # The Commission may pick one.
    assert set(table(dataset["commission"], "ens", member_state="FR")["member_state"]) == {"FR", EU_TOTAL}


def test_evaluation_recommendations_follow_the_thresholds(dataset, settings):
    settings.EVAL_MIN_HITS, settings.EVAL_MIN_CONTROLS, settings.EVAL_MAX_HITS_PER_1000_ENS = 2, 2, 100_000
    settings.EVAL_MIN_PRECISION_PCT = 60  # FR's 50% precision over 2 controls is too low
    frame = evaluation(View.for_user(dataset["commission"], period()))
    toy_fr = rows(frame, member_state="FR", criterion="CRC-IX-TOY")[0]
    assert toy_fr["recommendation"] == "amend" and "precision" in toy_fr["why"]
    assert toy_fr["hits_per_1000_ens"] == 750.0  # 3 hits on 4 FR ENS
    assert set(toy_fr["countries"].split(", ")) == {"CN 3", "AE 3"}
    assert toy_fr["hit_together_with"] == "CRC-IX-CN 3"
    assert rows(frame, member_state="NL", criterion="CRC-IX-TOY")[0]["recommendation"] == "not_enough_data"
    settings.EVAL_MIN_PRECISION_PCT = 10
    settings.EVAL_MAX_HITS_PER_1000_ENS = 500
    assert (
        rows(evaluation(View.for_user(dataset["commission"], period())), member_state="FR", criterion="CRC-IX-TOY")[0][
            "recommendation"
        ]
        == "amend"
    )  # load 750 > 500
    settings.EVAL_MAX_HITS_PER_1000_ENS = 1000
    assert (
        rows(evaluation(View.for_user(dataset["commission"], period())), member_state="FR", criterion="CRC-IX-TOY")[0][
            "recommendation"
        ]
        == "keep"
    )


def test_exports_contain_the_numbers_of_the_page(dataset):
    client = Client()
    client.force_login(dataset["fr_analyst"])
    query = f"from={period().day_from}&to={period().day_to}"
    page = client.get(f"/indicators/?{query}").content.decode()
    exported = list(csv.DictReader(io.StringIO(client.get(f"/indicators/export/hits.csv?{query}").content.decode())))
    built = table(dataset["fr_analyst"], "hits")
    assert len(exported) == len(built)
    toy = next(r for r in exported if r["member_state"] == "FR" and r["criterion"] == "CRC-IX-TOY")
    assert (toy["automated"], toy["after_assessment"], toy["controlled"], toy["precision"]) == ("3", "2", "2", "0.5")
    assert "50,0\u00a0%" in page and "CRC-IX-TOY" in page
    xlsx = client.get(f"/indicators/export/all.xlsx?{query}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    import pandas as pd

    sheet = pd.read_excel(io.BytesIO(xlsx.content), sheet_name="hits")
    assert sheet[(sheet["member_state"] == "FR") & (sheet["criterion"] == "CRC-IX-TOY")]["automated"].item() == 3
    assert set(sheet["member_state"]) <= {"FR", EU_TOTAL}


def test_the_tables_rows_are_html_with_their_classes_and_the_links_the_viewer_may_follow(dataset):
    """The dashboard writes its rows' HTML in Python (a year of cells): numbers right-aligned, EU totals
    marked, cell text escaped once, and a records link only into an area the viewer may open."""
    query = f"from={period().day_from}&to={period().day_to}"
    client = Client()
    client.force_login(dataset["fr_analyst"])
    page = client.get(f"/indicators/?{query}").content.decode()
    body = page[page.index('id="table-hits"') :]
    row = re.search(r"<tr><td>FR</td><td>CRC-IX-TOY</td>.*?</tr>", body).group(0)
    assert '<td class="num">3</td>' in row and '<a href="/criteria/CRC-IX-TOY/">records</a>' in row
    assert re.search(r'<tr class="total"><td>EU total</td><td>CRC-IX-TOY</td>', body)
    assert "&quot;" not in page and "&lt;td" not in page and "&amp;amp;" not in page
    workload = page[page.index('id="table-workload"') :]
    assert 'href="/workbench/?member_state=FR"' in workload[: workload.index("</table>")]
    client.force_login(dataset["commission"])
    page = client.get(f"/indicators/?{query}").content.decode()
    workload = page[page.index('id="table-workload"') :]
    assert "/workbench/" not in workload[: workload.index("</table>")]  # the Commission has no workbench


def test_rest_for_national_dashboards(dataset):
    response = api_client(dataset["fr_system"]).get(
        f"/api/v1/indicators/?from={period().day_from}&to={period().day_to}"
    )
    assert response.status_code == 200
    hits = response.json()["tables"]["hits"]
    assert {r["member_state"] for r in hits} <= {"FR", EU_TOTAL}
    toy = next(r for r in hits if r["member_state"] == "FR" and r["criterion"] == "CRC-IX-TOY")
    assert toy["automated"] == 3 and toy["precision"] == 0.5
    bad = api_client(dataset["fr_system"]).get("/api/v1/indicators/?from=yesterday")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "from"
    quarter = parse_period(f"{today().year}-Q{(today().month - 1) // 3 + 1}")[1]
    evaluation_response = api_client(dataset["fr_system"]).get(f"/api/v1/indicators/evaluation/?period={quarter}")
    assert evaluation_response.status_code == 200
    assert api_client(dataset["fr_system"]).get("/api/v1/indicators/evaluation/?period=2026-Q9").status_code == 400


def test_reports_render_as_pages_and_pdf(dataset):
    client = Client()
    client.force_login(dataset["commission"])
    quarter = f"{today().year}-Q{(today().month - 1) // 3 + 1}"
    page = client.get(f"/indicators/reports/quarterly/?quarter={quarter}")
    assert page.status_code == 200 and b"CRC-IX-TOY" in page.content
    pdf = client.get(f"/indicators/reports/quarterly/?quarter={quarter}&format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    annual = client.get(f"/indicators/reports/annual/?year={today().year}&format=pdf")
    assert annual.status_code == 200 and annual.content[:4] == b"%PDF"
    assert client.get("/indicators/reports/quarterly/?quarter=banana").status_code == 404


def test_refresh_on_demand_records_a_run_with_progress(dataset):
    from indicators.models import RefreshRun

    client = Client()
    client.force_login(dataset["fr_analyst"])
    response = client.post("/indicators/refresh/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"progress" in response.content
    run = RefreshRun.objects.get()
    services.run_refresh(run)
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 1.0 and run.rows > 0
    done = client.get(f"/indicators/refresh/{run.pk}/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_refresh_is_idempotent(dataset):
    import pandas as pd

    first = table(dataset["commission"], "hits")
    services.refresh(period().day_from, period().day_to)
    pd.testing.assert_frame_equal(table(dataset["commission"], "hits"), first)


def test_before_the_first_refresh_the_dashboard_says_so_instead_of_showing_zeros(dataset):
    """Adversarial probe, 7 December: a new platform's dashboard stated 0 ENS, 0 hits and 0 controls beside
    2,078 open hits, because nothing had been computed yet. It now says so; the live figure stays."""
    from indicators.models import DailyFigure, RefreshRun, WeeklyFigure

    client = Client()
    client.force_login(dataset["fr_analyst"])
    query = f"from={period().day_from}&to={period().day_to}"
    page = client.get(f"/indicators/?{query}").content.decode()
    assert 'id="never-refreshed"' not in page and "not computed yet" not in page
    for model in (RefreshRun, WeeklyFigure, DailyFigure):
        model.objects.all().delete()
    page = client.get(f"/indicators/?{query}").content.decode()
    assert 'id="never-refreshed"' in page
    cards = page[page.index('class="cards headline"') : page.index("indicator-data")]
    assert cards.count("not computed yet") == 4 and "Open hits now" in cards


def test_workload_counts_only_people_of_organisations_taking_part(dataset):
    """Adversarial probe, 7 December: GB's analyst (refused at login: GB no longer takes part) was counted in every
    EU total of analysts. People of an organisation outside its participation period are not counted."""
    from crms.accounts.models import Organisation
    from tests.conftest import make_user

    before = rows(table(dataset["commission"], "workload"), member_state=EU_TOTAL)[0]["analysts"]
    gb = Organisation.objects.get(code="GB")
    assert not gb.participates_on(timezone.localdate())
    make_user("gb_an_wl", "GB", "analyst")
    workload = table(dataset["commission"], "workload")
    assert rows(workload, member_state=EU_TOTAL)[0]["analysts"] == before
    assert not rows(workload, member_state="GB")


def test_an_ens_rows_records_link_lists_the_declarations_behind_the_figure(dataset):
    """Adversarial probe, 7 December: every Member State's ENS row linked to the same list (no Member State in it),
    and a Member State's list also holds the ENS unloading there: the link opened more rows than the figure."""
    query = f"from={period().day_from}&to={period().day_to}"
    for persona in ("commission", "fr_analyst"):
        client = Client()
        client.force_login(dataset[persona])
        page = client.get(f"/indicators/?{query}").content.decode()
        body = page[page.index('id="table-ens"') :]
        body = body[: body.index("</table>")]
        checked = 0
        for row in re.finditer(r"<tr><td>([A-Z]{2})</td>(.*?)</tr>", body):
            link = re.search(r'href="([^"]+)"', row.group(2))
            figure = re.findall(r'<td class="num">([^<]+)</td>', row.group(2))
            if not link or not figure:
                continue
            listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
            shown = len(set(re.findall(r"\b\d{2}[A-Z]{2}\d{12}[0-9A-Z]{0,2}\b", listed)))
            assert f"member_state={row.group(1)}" in link.group(1), link.group(1)
            assert shown == int(figure[0].replace("\u00a0", "").replace(" ", "")), (persona, row.group(0), shown)
            checked += 1
        assert checked, persona
