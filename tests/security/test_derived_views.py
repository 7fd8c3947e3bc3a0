"""Issue 13 point 1: every derived view is computed over, and shown only with, rows the viewer may read.

A derived view computes figures, lists, samples or charts over many rows (declarations, hits, cases,
decisions, control results); each is tagged ``@derived`` (``crms/core/derived.py``).
``test_every_derived_view_has_a_row`` walks the URL resolver: a tagged view without a row in ``ROWS``
fails, and so does an untagged view whose name says it derives (exports, reports, lists, queues...)
unless ``NOT_DERIVED`` says why it is not one.

For each row, as analysts and auditors of France, the Netherlands and Germany, the Commission and an
EU auditor (``scoping_world.VIEWERS``):
- ``test_no_derived_view_shows_a_row_the_viewer_may_not_read``: no marker of a row the viewer may not
  read (an MRN, a consignor's name, another Member State's national profile code) is in the answer;
- ``test_counts_do_not_move_with_rows_the_viewer_may_not_read``: the Netherlands read none of the
  German-only and French-only rows; filing, screening, deciding and controlling more of them leaves
  every answer the Dutch viewers get unchanged (counts included), except the rows labelled "EU total"
  (the EU-wide statistics of issue 8, see docs/decisions.md);
- a stored backtest is shown only to viewers who read every row it was computed over.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Callable

import pandas as pd
import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from reportlab import rl_config

from crms.core.derived import derived_description
from tests.permissions import client_for
from tests.security.scoping_world import (
    DE_CONSIGNOR,
    DE_PROFILE,
    FR_CONSIGNOR,
    VIEWERS,
    ScopingWorld,
    add_unreadable_rows,
    build_scoping_world,
)
from tests.security.world import FR_PROFILE, TOY
from workbench.models import Case

pytestmark = pytest.mark.django_db

YEAR = "2026"

Urls = Callable[[ScopingWorld], list[str]]


def _backtest_urls(suffix: str = "") -> Urls:
    return lambda s: [f"/criteria/{TOY}/backtests/{b.pk}/{suffix}" for b in s.backtests.values()]


def _year(s: ScopingWorld) -> str:
    return str(s.de_case.created_at.year)


def _search_queries(s: ScopingWorld) -> list[str]:
    """Typed in lower case (the answer echoes the query, not a marker): names with a typo, MRN and EORI
    prefixes, national profile codes; each must find only what the viewer reads."""
    return [
        "dexonly%20spielwarn",
        "frxonly%20jouet",
        s.de_mrn[:8].lower(),
        s.fr_mrn[:14].lower(),
        s.world.mrn[:14].lower(),
        "de-sec",
        "fr-sec",
        "fr1234",  # the registered operator's EORI, on every Member State's ENS
    ]


# URL name -> the requests that exercise it (API rows start with "api:": sent with the viewer's token).
ROWS: dict[str, Urls] = {
    "backtest-detail": _backtest_urls(),
    "backtest-progress": _backtest_urls("progress/"),
    "backtest-latest": lambda s: [f"/criteria/{TOY}/backtests/latest/"],
    "criteria-list": lambda s: ["/criteria/", "/criteria/?scope=national"],
    "workbench-queue": lambda s: [
        "/workbench/",
        "/workbench/?criterion=fr-sec",  # typed in lower case: the page echoes the filter, not a code
        "/workbench/?criterion=de-sec",
        "/workbench/?risk_area=product_safety",
        "/workbench/?member_state=DE",
    ],
    "workbench-awaiting": lambda s: ["/workbench/awaiting-results/"],
    "workbench-feedback": lambda s: [f"/workbench/feedback/{TOY}/"],
    "workbench-case": lambda s: [
        f"/workbench/cases/{case.pk}/" for case in (s.world.open_case, s.world.nl_case, s.de_case)
    ],
    "workbench-requests": lambda s: ["/workbench/requests/"],
    "indicators-dashboard": lambda s: ["/indicators/", "/indicators/?member_state=DE"],
    "indicators-export": lambda s: ["/indicators/export/hits.csv", "/indicators/export/all.xlsx"],
    "indicators-controls": lambda s: ["/indicators/records/controls/", "/indicators/records/controls/?member_state=DE"],
    "indicators-quarterly": lambda s: [
        f"/indicators/reports/quarterly/?quarter={_year(s)}-Q{(s.de_case.created_at.month - 1) // 3 + 1}",
        f"/indicators/reports/quarterly/?quarter={_year(s)}-Q{(s.de_case.created_at.month - 1) // 3 + 1}&format=pdf",
    ],
    "indicators-annual": lambda s: [
        f"/indicators/reports/annual/?year={_year(s)}",
        f"/indicators/reports/annual/?year={_year(s)}&format=pdf",
    ],
    "indicators-criterion": lambda s: [f"/indicators/criteria/{TOY}/?period={_year(s)}"],
    "pca-detail": lambda s: [f"/pca/{s.world.pca.pk}/"],
    "declarations-list": lambda s: ["/declarations/", "/declarations/?q=xonly", f"/declarations/?q={s.de_mrn}"],
    "declaration-detail": lambda s: [f"/declarations/{mrn}/" for mrn in (s.world.mrn, s.fr_mrn, s.de_mrn)],
    "rif-list": lambda s: ["/rif/"],
    "rif-overdue": lambda s: ["/rif/follow-up/"],
    "rif-notifications": lambda s: ["/rif/notifications/"],
    "operators-detail": lambda s: [f"/operators/{s.world.operator.eori}/"],
    "search": lambda s: [f"/search/?q={q}" for q in _search_queries(s)],
    "price-outliers": lambda s: ["/prices/outliers/", "/prices/outliers/?member_state=DE", "/prices/outliers/?hs=9503"],
    "price-baselines": lambda s: ["/prices/baselines/", "/prices/baselines/?hs=9503"],
    "api-search": lambda s: [f"api:/api/v1/search/?q={q}" for q in _search_queries(s)],
    "api-declarations": lambda s: ["api:/api/v1/declarations/"],
    "api-decisions": lambda s: ["api:/api/v1/decisions/"],
    "api-rifs": lambda s: ["api:/api/v1/rifs/"],
    "api-indicators": lambda s: ["api:/api/v1/indicators/", "api:/api/v1/indicators/?member_state=DE"],
    "api-indicators-evaluation": lambda s: [f"api:/api/v1/indicators/evaluation/?period={_year(s)}"],
}

# Names that look derived (see LOOKS_DERIVED) but are not, and why.
NOT_DERIVED = {
    "backtest-start": "starts a backtest over the requester's rows; its result is read through backtest-detail",
    "criteria-export": "one criterion's exchange document: no rows",
    "operators-list": "the operator registry: no declaration rows",
    "pca-list": "PCA titles, periods and statuses: no figures",
    "crisis-list": "crisis titles: no figures",
    "pca-report": "a participant reports its own figures (POST)",
    "rif-feedback": "a recipient records its feedback (POST)",
    "api-rif-feedback": "a recipient records its feedback",
    "api-declaration-decisions": "the decisions on one ENS the viewer reads (decisions_on)",
    "indicators-refresh": "asks for a refresh (POST)",
    "indicators-refresh-progress": "a refresh run's progress bar: no figures",
    "api-history-batch": "imports history lines (POST): nothing derived is shown",
    "api-information-requests": "the requests themselves (workbench.selectors.information_requests_for), no figures",
    "model-list": "model versions the viewer reads (learning.selectors.models_for) with the figures fixed when each "
    "was trained on its own scope; an EU-wide model's are EU-wide statistics, like the indicators' EU total",
}
LOOKS_DERIVED = re.compile(r"(-list$|export|report|records|queue|awaiting|feedback|backtest|indicators|overdue|"
                           r"notifications|search|decisions$|requests$|history|chart)")  # fmt: skip


def derived_names() -> dict[str, str]:
    """URL name -> what the view derives, for every pattern whose view is tagged ``@derived``."""
    names: dict[str, str] = {}

    def walk(resolver: URLResolver) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern)
            elif isinstance(pattern, URLPattern) and pattern.name:
                what = derived_description(pattern.callback)
                if what:
                    names[pattern.name] = what

    walk(get_resolver())
    return names


def all_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver: URLResolver) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) != "admin/":
                    walk(pattern)
            elif pattern.name:
                names.add(pattern.name)

    walk(get_resolver())
    return names


def test_every_derived_view_has_a_row():
    tagged = derived_names()
    assert set(tagged) - set(ROWS) == set(), f"derived views without a row: {sorted(set(tagged) - set(ROWS))}"
    assert set(ROWS) - set(tagged) == set(), f"rows of views not tagged @derived: {sorted(set(ROWS) - set(tagged))}"
    suspicious = {name for name in all_names() if LOOKS_DERIVED.search(name)} - set(tagged) - set(NOT_DERIVED)
    assert not suspicious, f"views named like derived views, neither tagged @derived nor in NOT_DERIVED: {suspicious}"


# --- fetching and reading answers -------------------------------------------------------------------------------


def _text(response) -> str:
    """The answer as text: spreadsheets read back, PDFs uncompressed (see the fixture)."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        sheets = pd.read_excel(io.BytesIO(body), sheet_name=None)
        return "\n".join(frame.to_csv(index=False) for frame in sheets.values())
    return body.decode("latin-1" if "pdf" in content_type else "utf-8")


def fetch(scoping: ScopingWorld, viewer: str, url: str) -> tuple[int, str]:
    api = url.startswith("api:")
    client = client_for(scoping.people[viewer], api=api)
    response = client.get(url.removeprefix("api:"))
    return response.status_code, _text(response) if response.status_code == 200 else ""


@pytest.fixture
def scoping(personas, settings, tmp_path, monkeypatch) -> ScopingWorld:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(rl_config, "pageCompression", 0)  # PDF text searchable
    return build_scoping_world(personas)


def test_no_derived_view_shows_a_row_the_viewer_may_not_read(scoping):
    leaks, statuses = [], {}
    for name, urls in ROWS.items():
        for url in urls(scoping):
            for viewer in VIEWERS:
                status, text = fetch(scoping, viewer, url)
                statuses[(url, viewer)] = status
                assert status in (200, 403, 404), f"{url} as {viewer}: {status}"
                leaks += [
                    f"{name} {url} as {viewer}: {marker}" for marker in scoping.forbidden(viewer) if marker in text
                ]
    assert not leaks, "rows shown to viewers who may not read them:\n" + "\n".join(leaks)
    # Every row is really exercised: some Member State viewer is answered.
    for name, urls in ROWS.items():
        answered = [u for u in urls(scoping) for v in VIEWERS[:6] if statuses[(u, v)] == 200]
        assert answered, f"{name}: no Member State viewer got an answer, the row proves nothing"


def test_the_markers_are_where_their_readers_look(scoping):
    """The markers are real: whoever may read a row finds it (else the test above could not fail)."""
    _, commission = fetch(scoping, "commission", f"/criteria/{TOY}/backtests/{scoping.backtests['commission'].pk}/")
    assert scoping.de_mrn in commission and scoping.fr_mrn in commission and DE_PROFILE in commission
    _, fr = fetch(scoping, "fr_analyst", f"/criteria/{TOY}/backtests/{scoping.backtests['fr_analyst'].pk}/")
    assert scoping.fr_mrn in fr and FR_PROFILE in fr  # its own rows and its own profile's overlap
    _, de_search = fetch(scoping, "de_auditor", "/declarations/?q=xonly")
    assert scoping.de_mrn in de_search and DE_CONSIGNOR in de_search and FR_CONSIGNOR not in de_search
    _, fr_queue = fetch(scoping, "fr_analyst", "/workbench/?criterion=fr-sec")
    assert scoping.world.mrn in fr_queue and FR_PROFILE in fr_queue  # FR finds its case by its own profile
    _, fr_search = fetch(scoping, "fr_auditor", "/declarations/?q=xonly")
    assert FR_CONSIGNOR in fr_search and DE_CONSIGNOR not in fr_search


def test_the_reported_leaks(scoping):
    """The probe's findings, one by one."""
    fr_run = scoping.backtests["fr_analyst"].results
    # An FR analyst's backtest covers what FR reads: no German-only ENS, no German counts, no German profile.
    assert {row["key"] for row in fr_run["per_member_state"]} == {"FR"}
    assert scoping.de_mrn not in {sample["mrn"] for sample in fr_run["samples"]}
    assert DE_PROFILE not in {row["code"] for row in fr_run["overlap"]}
    # The FR/NL pair, the two French-only ones, the one unloaded in DE, the FR -> NL one with a referral.
    assert fr_run["screened"]["ens"] == 6
    # FR auditors read it (their Member State's rows); NL analysts and the German side do not.
    fr_detail = f"/criteria/{TOY}/backtests/{scoping.backtests['fr_analyst'].pk}/"
    assert [fetch(scoping, v, fr_detail)[0] for v in ("fr_auditor", "nl_analyst", "de_analyst", "eu_auditor")] == [
        200, 404, 404, 200,
    ]  # fmt: skip
    # The Commission's backtest over every Member State is for EU-wide readers only.
    eu_detail = f"/criteria/{TOY}/backtests/{scoping.backtests['commission'].pk}/"
    assert [fetch(scoping, v, eu_detail)[0] for v in ("fr_analyst", "de_auditor", "eu_auditor")] == [404, 404, 200]
    # A DE analyst's queue neither finds the FR case forwarded to DE by FR's national profile code, nor lists
    # that code; the EU criterion still finds it. The forwarded case no longer carries the code at all.
    _, filtered = fetch(scoping, "de_analyst", f"/workbench/?criterion={FR_PROFILE}")
    assert scoping.fr_de_mrn not in filtered
    _, queue = fetch(scoping, "de_analyst", "/workbench/?criterion=crc-sec")
    assert scoping.fr_de_mrn in queue and FR_PROFILE not in queue
    forwarded = Case.objects.get(pk=scoping.de_forwarded_case.pk).criteria
    assert TOY in forwarded and FR_PROFILE not in forwarded
    assert FR_PROFILE not in Case.objects.get(pk=scoping.world.nl_case.pk).criteria


# --- counts: the Netherlands read none of the German-only or French-only rows --------------------------------


VOLATILE = [
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"'),
    re.compile(r"\d{1,2}:\d{2}(:\d{2})?"),  # clock times ("as of 10:41:07", generated ...)
    re.compile(r"\d+[\s\xa0](minute|hour|day|week|month|year)s?"),  # "in 5 hours, 59 minutes", "2 minutes ago"
    re.compile(r"/CreationDate \(D:[^)]*\)|/ModDate \(D:[^)]*\)|/ID \[[^\]]*\]"),  # PDF metadata
]


def _without_eu_totals(url: str, text: str) -> str:
    text = re.sub(r'<tr[^>]*class="total"[^>]*>.*?</tr>', "", text, flags=re.S)
    if url.startswith("api:") or url.endswith((".csv", ".xlsx")):
        text = "\n".join(line for line in text.splitlines() if "EU total" not in line)
        text = re.sub(r'\{[^{}]*"(member_state|requesting_state)": "EU total"[^{}]*\}', "", text)
    if "%PDF" in text[:10]:
        text = "\n".join(line for line in text.splitlines() if "EU total" not in line)
    return text


def _normalised(url: str, text: str) -> str:
    text = _without_eu_totals(url, text)
    for pattern in VOLATILE:
        text = pattern.sub("~", text)
    return text


def test_counts_do_not_move_with_rows_the_viewer_may_not_read(scoping):
    urls = [url for name, make in ROWS.items() for url in make(scoping) if not url.endswith("format=pdf")]
    dutch = ("nl_analyst", "nl_auditor")
    before = {(url, v): fetch(scoping, v, url) for url in urls for v in dutch}
    add_unreadable_rows(scoping)
    changed = []
    for url in urls:
        for viewer in dutch:
            status, text = fetch(scoping, viewer, url)
            old_status, old_text = before[(url, viewer)]
            if status != old_status or _normalised(url, text) != _normalised(url, old_text):
                diff = difflib.unified_diff(
                    _normalised(url, old_text).splitlines(), _normalised(url, text).splitlines(), lineterm="", n=0
                )
                changed.append(f"{url} as {viewer}:\n" + "\n".join(list(diff)[2:12]))
    assert not changed, "answers that moved with rows the viewer may not read:\n" + "\n".join(changed)
