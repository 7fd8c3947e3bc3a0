"""Labels, not codes (issue 14): the main pages' text, on demo data, shows no Python repr and no raw enumeration code.

Demo data is loaded the way ``make run`` does (``load_demo``: users, criteria, declarations screened in
process, workbench decisions and controls, RIFs, a PCA), plus one backtest. Each page is fetched as the
personas who use it and its visible text (no scripts, styles, attributes or form option values) is
scanned for:
- Python reprs: ``['``, ``{'``, and ``None`` / ``True`` / ``False`` written as words;
- the codes of the enumerations ``crms.core.labels`` names (outcomes, modes, phases, decisions, control
  results, irregularities, risk areas...) and the indicator tables' column names, wherever a code has an
  underscore (plain-word codes such as ``sea`` cannot be told apart from English);
- "1 hits"-style plurals.
``test_every_label_kind_is_scanned`` fails when ``crms.core.labels`` gains an enumeration the scan does
not know.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from crms.accounts.models import User
from crms.core import labels
from crms.reference.models import RiskArea
from indicators import services as indicator_services
from indicators.evaluation import current_quarter
from indicators.tables import TABLES
from rif.models import Rif
from risk_engine import backtest as backtests
from risk_engine.models import Criterion
from workbench.models import Case, Decision

pytestmark = pytest.mark.django_db

KINDS = (
    "outcome",
    "mode",
    "phase",
    "screening_status",
    "control_type",
    "control_kind",
    "control_result",
    "irregularity",
    "decision",
    "case_state",
    "scope",
    "criterion_status",
    "rif_measure",
)
# None/True/False as values; "None yet.", "None of the ...", "False origin" are English and stay allowed.
REPRS = re.compile(r"\['|\{'|(?<![\w-])(None|True|False)(?![\w-]|\.|\s[a-z])")
PLURALS = re.compile(r"(?<![\d,.\u00a0])1\s(hits|items|cases|criteria|declarations|versions|controls|entries)\b")


class _Text(HTMLParser):
    """Visible text: what a reader sees, without scripts, styles, templates or option values."""

    HIDDEN = {"script", "style", "template", "noscript", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def raw_codes() -> set[str]:
    codes = {code for kind in KINDS for code in labels._choices(kind)}
    codes |= set(RiskArea.objects.values_list("code", flat=True))
    codes |= set(labels.COLUMNS) | set(labels.DATA_QUALITY)
    for table in TABLES:
        codes.add(table.name)
    return {code for code in codes if "_" in code}


def test_every_label_kind_is_scanned():
    import inspect

    source = inspect.getsource(labels._choices)
    assert set(re.findall(r'"(\w+)": \w+,', source)) == set(KINDS)


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", declarations=120, password="demo-crms-2026", stdout=StringIO())
    today = timezone.localdate()
    indicator_services.refresh(today - dt.timedelta(days=30), today)
    criterion = Criterion.objects.filter(versions__status="published").order_by("code").first()
    commission = User.objects.get(username="eu_commission")
    params = {"date_from": (today - dt.timedelta(days=2)).isoformat(), "date_to": today.isoformat()}
    backtest = backtests.run_backtest(backtests.start_backtest(actor=commission, criterion=criterion, params=params).pk)
    return {"backtest": backtest, "criterion": criterion}


def pages(demo) -> dict[str, list[str]]:
    decided = Decision.objects.order_by("id").first()
    open_case = Case.objects.filter(member_state_id="FR", state="open").order_by("id").first()
    rif = Rif.objects.order_by("id").first()
    mrn = open_case.declaration.mrn  # a French ENS with hits: the analyst and both auditors may read it
    common = ["/", "/criteria/", f"/criteria/{demo['criterion'].code}/", "/rif/", f"/rif/{rif.reference}/", "/pca/"]
    quarter = current_quarter(timezone.localdate())
    return {
        "fr_analyst": [
            *common,
            "/declarations/",
            f"/declarations/{mrn}/",
            "/workbench/",
            f"/workbench/cases/{open_case.pk}/",
            f"/workbench/cases/{decided.case_id}/",
            "/prices/outliers/",
            "/prices/baselines/",
        ],
        "eu_commission": [
            *common,
            "/indicators/",
            f"/indicators/reports/quarterly/?quarter={quarter}",
            f"/indicators/criteria/{demo['criterion'].code}/?period={quarter}",
            f"/criteria/{demo['criterion'].code}/backtests/{demo['backtest'].pk}/",
            "/audit/",
        ],
        "eu_auditor": ["/audit/", "/indicators/", f"/declarations/{mrn}/", "/prices/outliers/"],
        "fr_auditor": ["/audit/", "/declarations/"],
    }


def test_main_pages_show_labels_not_codes_or_reprs(demo):
    codes = raw_codes()
    code_pattern = re.compile(r"(?<![\w./-])(" + "|".join(sorted(map(re.escape, codes), key=len)[::-1]) + r")(?![\w-])")
    problems: dict[tuple, str] = {}  # (who, page, what) -> where it was seen first
    for username, urls in pages(demo).items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
            text = visible_text(response.content.decode())
            found = [("Python repr", m) for m in REPRS.finditer(text)]
            found += [("code", m) for m in code_pattern.finditer(text)]
            found += [("plural", m) for m in PLURALS.finditer(text)]
            for what, match in found:
                around = text[max(0, match.start() - 50) : match.end() + 30]
                problems.setdefault((username, url, what, match.group(0)), around)
    shown = [f"{who} {url}: {what} {token!r} in {around!r}" for (who, url, what, token), around in problems.items()]
    assert not shown, f"{len(shown)} problems:\n" + "\n".join(sorted(shown))
