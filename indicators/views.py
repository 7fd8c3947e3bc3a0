"""Indicator pages: the dashboard, refresh on demand with progress, exports, records, reports."""

from __future__ import annotations

import datetime as dt
import html
from numbers import Number
from urllib.parse import urlencode, urlsplit

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from crms.accounts.participants import UnknownMemberState, member_states, read_member_state
from crms.accounts.roles import is_eu_wide_reader, is_read_only
from crms.core.access import area_required
from crms.core.client_input import whole_number
from crms.core.dates import QUERY, DateRefused, read_day
from crms.core.derived import derived
from crms.core.figures import detection_rate, share
from crms.core.formatting import count, percent
from crms.core.navigation import AREAS_BY_KEY
from crms.core.views import standalone_page
from indicators import evaluation, exports, services, trends
from indicators.figures import EU_TOTAL, Period, View
from indicators.models import DailyFigure, RefreshRun
from indicators.tables import TABLES, TABLES_BY_NAME
from indicators.templatetags.indicators import figure

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


def _day(request, name: str, errors: list[str], european: bool) -> dt.date | None:
    """An ISO date within the query window (``crms.core.dates``), or None with the problem in ``errors``:
    2026-13-01 and 0001-01-01 (whose period would leave the calendar) were 500s."""
    try:
        return read_day(request.GET.get(name), field=name, window=QUERY, european=european)
    except DateRefused as refused:
        errors.append(f"{refused.field}: {refused.message}")
        return None


def period_from(request, *, european: bool = False) -> tuple[Period, list[str]]:
    """``from``/``to`` (ISO dates) or ``days``; the default is the last 90 days. Bad values are reported (with
    European dates for pages)."""
    errors = []
    today = timezone.now().date()
    day_to = _day(request, "to", errors, european) or today
    typed_days = request.GET.get("days", "").strip()
    days = whole_number(typed_days) if typed_days else None
    if typed_days and not 0 < (days or 0) <= MAX_DAYS:  # -5 used to be read as 90 days, silently
        errors.append(f"days: a whole number of days from 1 to {MAX_DAYS}")
        days = None
    day_from = day_to - dt.timedelta(days=(days or DEFAULT_DAYS) - 1)
    parsed = _day(request, "from", errors, european)
    if parsed is not None:
        day_from = parsed
    if day_from > day_to:
        errors.append("from: must not be after 'to'")
        day_from = day_to
    if (day_to - day_from).days > MAX_DAYS:
        errors.append(f"from: at most {MAX_DAYS} days")
        day_from = day_to - dt.timedelta(days=MAX_DAYS)
    return Period(day_from, day_to), errors


def member_state_from(request, errors: list[str]) -> str | None:
    """The Member State typed in the box (a name or a code), or None with the problem in ``errors``:
    "France" used to become "FRA" and show an empty dashboard. Only EU-wide readers choose one; the
    others always see their own Member State's rows."""
    if not is_eu_wide_reader(request.user):
        return None
    try:
        return read_member_state(request.GET.get("member_state"))
    except UnknownMemberState as refused:
        errors.append(str(refused))
        return None


def view_for(request) -> tuple[View, list[str]]:
    period, errors = period_from(request, european=True)
    member_state = member_state_from(request, errors)
    return View.for_user(request.user, period, member_state), errors


def _frames(view: View) -> list[tuple]:
    return [(table, table.build(view)) for table in TABLES]


def headline(view: View, frames: dict, *, computed: bool = True) -> list[tuple[str, str, str]]:
    """A few key figures (label, value, detail) for the viewer's own scope: its Member State, or the EU.

    Before the first refresh the period's figures do not exist yet: they read "not computed yet", not 0
    (adversarial probe, 7 December: a new platform's dashboard stated 0 ENS beside 2,078 open hits).
    """
    scope = view.visible_state or EU_TOTAL

    def total(name: str, column: str) -> float:
        frame = frames[name]
        if frame.empty or column not in frame:
            return 0
        key = "requesting_state" if name == "requests" else "member_state"
        return float(frame.loc[frame[key] == scope, column].sum())

    hits, assessed = total("hits", "automated"), total("hits", "after_assessment")
    controls, positive = total("controls", "controls"), total("controls", "positive")
    ens, by_aeo = total("aeo", "ens"), total("aeo", "ens_submitted_by_aeo")
    rate = detection_rate(positive, controls)
    analysts = count(total("workload", "analysts"))
    open_hits = ("Open hits now", count(total("workload", "open_hits")), f"{analysts} analysts")
    if not computed:
        waiting = ("—", "not computed yet")
        return [(label, *waiting) for label in ("ENS received", "Hits", "Controls", "ENS submitted by AEOs")] + [
            open_hits
        ]
    return [
        ("ENS received", count(ens), f"{view.period.days} days"),
        ("Hits", count(hits), f"{count(assessed)} confirmed by analysts"),
        ("Controls", count(controls), f"{percent(rate)} found an irregularity" if controls else "none"),
        ("ENS submitted by AEOs", percent(share(by_aeo, ens)), f"{count(by_aeo)} ENS whose filer is an AEO"),
        open_hits,
    ]


@derived("indicator tables, headline figures and trend charts")
@require_safe
@area_required("indicators")
def dashboard(request):
    view, errors = view_for(request)
    last = RefreshRun.objects.filter(status=RefreshRun.Status.DONE).order_by("-finished_at").first()
    computed = last is not None or DailyFigure.objects.exists()  # figures loaded by a command count too
    running = RefreshRun.objects.filter(status__in=[RefreshRun.Status.QUEUED, RefreshRun.Status.RUNNING]).first()
    query = request.GET.urlencode()
    built = _frames(view)
    return render(
        request,
        "indicators/dashboard.html",
        {
            "view": view,
            "errors": errors,
            "member_state_error": any(error.startswith("Member State") for error in errors),
            "headline": headline(view, {table.name: frame for table, frame in built}, computed=computed),
            "tables": [
                (table, _cells(frame), _table_rows(table.name, frame, view, request.user)) for table, frame in built
            ],
            "charts": trends.chart_data(view),
            "last_refresh": last,
            "computed": computed,
            "running": running,
            "query": query,
            "eu_wide": is_eu_wide_reader(request.user),
            "member_states": member_states() if is_eu_wide_reader(request.user) else [],
            "may_refresh": may_refresh(request.user),
            "quarter": evaluation.current_quarter(view.period.day_to),
        },
        status=400 if errors else 200,  # the problems are named on the page, over the default period
    )


def _rows(frame) -> list[dict]:
    return frame.to_dict("records")


def _period_query(view: View, prefix: str = "") -> str:
    return urlencode({f"{prefix}from": view.period.day_from, f"{prefix}to": view.period.day_to})


def may_refresh(user) -> bool:
    """Who may ask for a refresh of the figures: the dashboard's button and the refresh view both ask."""
    return AREAS_BY_KEY["indicators"].allows(user) and not is_read_only(user)


def may_open(user, link: str) -> bool:
    """Whether ``user`` may open the area of ``link``: the same table (``crms.core.navigation``) the
    views' ``area_required`` reads."""
    area = AREA_OF_URL.get(resolve(urlsplit(link).path).url_name)
    return area is None or AREAS_BY_KEY[area].allows(user)


# The areas a records link can lead into (the view's area_required), by URL name.
AREA_OF_URL = {
    "declarations-list": "declarations",
    "criteria-detail": "criteria",
    "indicators-controls": "indicators",
    "workbench-requests": "workbench",
    "workbench-queue": "workbench",
    "rif-list": "rif",
    "pca-list": "pca",
}


def _record_link(table: str, row: dict, view: View) -> str | None:
    """Where the records behind a row are listed (None for totals and snapshots); the dashboard also
    leaves it out where the viewer could not follow it (the Commission has no workbench)."""
    state = row.get("member_state")
    if state == EU_TOTAL and table not in ("hits",):
        return None
    if table == "ens":
        query = {
            "member_state": state,
            "transport_mode": row["mode"],
            "phase": row["phase"],
            "received_from": view.period.day_from,
            "received_to": view.period.day_to,
        }
        return f"{reverse('declarations-list')}?{urlencode(query)}"
    if table == "hits":
        return reverse("criteria-detail", args=[row["criterion"]])
    if table == "controls":
        query = {"control_type": row["control_type"], "basis": row["basis"], "member_state": state}
        return f"{reverse('indicators-controls')}?{urlencode(query)}&{_period_query(view)}"
    if table == "requests":
        return reverse("workbench-requests")
    if table in ("rifs", "rif_follow_up"):
        return f"{reverse('rif-list')}?{urlencode({'risk_area': row['risk_area']})}" if "risk_area" in row else None
    if table == "pca":
        return reverse("pca-list")
    if table == "workload":
        return f"{reverse('workbench-queue')}?{urlencode({'member_state': state})}"
    return None


TOTAL_ROW = '<tr class="total">'


def _table_rows(name: str, frame, view: View, user) -> SafeString:
    """The table's body rows as HTML, formatted and escaped here once: a year of figures is thousands
    of cells, and a template loop over them (a filter chain per cell before that) was most of the
    page's time. Every link of a table leads to the same view, so whether the viewer may follow it is
    asked once per table, not resolved per row."""
    columns = [str(column) for column in frame.columns]
    records, followable = escape(gettext("records")), None
    rows = []
    for row in _rows(frame):
        cells = "".join(
            f'<td class="num">{escape(figure(value, column))}</td>'
            if isinstance(value := row[column], Number)
            else f"<td>{escape(figure(value, column))}</td>"
            for column in columns
        )
        link = _record_link(name, row, view) if followable is not False else None
        if link is not None and followable is None:
            followable = may_open(user, link)
        anchor = f'<a href="{escape(link)}">{records}</a>' if link is not None and followable else ""
        total = EU_TOTAL in (row.get("member_state"), row.get("requesting_state"))
        rows.append(f"{TOTAL_ROW if total else '<tr>'}{cells}<td>{anchor}</td></tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 - every cell and link escaped above, the rest literals


def escape(value) -> str:
    """What the template's autoescape did to a cell: text escaped, text already marked safe kept."""
    return value if isinstance(value, SafeString) else html.escape(str(value))


def _cells(frame) -> list[str]:
    return [str(column) for column in frame.columns]


@derived("indicator tables as CSV or XLSX")
@require_safe
@area_required("indicators")
def export_table(request, name: str, fmt: str):
    if fmt not in exports.CONTENT_TYPES or (name not in TABLES_BY_NAME and name != "all"):
        raise Http404
    view, errors = view_for(request)
    if errors:  # not the default period's figures under the name of a refused one
        return standalone_page("errors/400.html", 400, {"problems": errors})
    stamp = f"{view.period.day_from}_{view.period.day_to}"
    if name == "all":
        if fmt != "xlsx":
            raise Http404
        frames = {table.name: frame for table, frame in _frames(view)}
    else:
        frames = {name: TABLES_BY_NAME[name].build(view)}
    services.audit_export(actor=request.user, what=name, fmt=fmt, period=view.period)
    return exports.frame_response(frames, filename=f"crms-{name}-{stamp}", fmt=fmt)


@require_POST
@area_required("indicators")
def refresh(request):
    if not may_refresh(request.user):
        raise Http404
    running = RefreshRun.objects.filter(status__in=[RefreshRun.Status.QUEUED, RefreshRun.Status.RUNNING]).first()
    run = running or services.request_refresh(actor=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "indicators/_refresh.html", {"run": run})
    return redirect("indicators-dashboard")


@require_safe
@area_required("indicators")
def refresh_progress(request, pk: int):
    run = RefreshRun.objects.filter(pk=pk).first()
    if run is None:
        raise Http404
    response = render(request, "indicators/_refresh.html", {"run": run})
    if run.status == RefreshRun.Status.DONE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@derived("the control results behind an indicator figure")
@require_safe
@area_required("indicators")
def control_records(request):
    """The control results behind a figure (scoped like the workbench: the viewer's Member State)."""
    from workbench.models import ControlResult

    view, errors = view_for(request)
    start = dt.datetime.combine(view.period.day_from, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(view.period.day_to + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    results = ControlResult.objects.filter(controlled_at__gte=start, controlled_at__lt=end).select_related(
        "declaration"
    )
    if view.visible_state:
        results = results.filter(member_state_id=view.visible_state)
    for name in ("control_type", "result"):
        if request.GET.get(name):
            results = results.filter(**{name: request.GET[name]})
    if request.GET.get("basis") in ("risk", "other"):
        results = results.filter(based_on_risk_analysis=request.GET["basis"] == "risk")
    if request.GET.get("positive") == "1":
        results = results.exclude(result="no_irregularity")
    return render(
        request,
        "indicators/controls.html",
        {"results": results.order_by("-controlled_at")[:500], "view": view, "errors": errors},
        status=400 if errors else 200,
    )


def _report(request, *, label: str, period: Period, kind: str):
    errors: list[str] = []
    view = View.for_user(request.user, period, member_state_from(request, errors))
    if errors:
        return standalone_page("errors/400.html", 400, {"problems": errors})
    if kind == "quarterly":
        title = f"CRC statistics report {label}"
        sections = [
            (TABLES_BY_NAME[name].title, TABLES_BY_NAME[name].note, TABLES_BY_NAME[name].build(view))
            for name in ("ens", "hits", "controls", "aeo")
        ]
    else:
        title = f"Annual evaluation of the risk criteria {label}"
        frame = evaluation.evaluation(view)
        sections = [("Criteria evaluation", evaluation.report_note(), frame)]
        sections += [
            (TABLES_BY_NAME[n].title, TABLES_BY_NAME[n].note, TABLES_BY_NAME[n].build(view))
            for n in ("controls", "requests")
        ]
    scope = view.visible_state or ("all Member States" if view.eu_wide else "")
    generated = f"{timezone.now():%d/%m/%Y %H:%M}"
    subtitle = f"Period {period.day_from:%d/%m/%Y} to {period.day_to:%d/%m/%Y} · {scope} · generated {generated} UTC"
    if request.GET.get("format") == "pdf":
        services.audit_export(actor=request.user, what=f"report:{kind}", fmt="pdf", period=period)
        printed = [(h, n, evaluation.labelled(f)) for h, n, f in sections]
        response = HttpResponse(exports.pdf_report(title, subtitle, printed), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="crms-{kind}-{label}.pdf"'
        return response
    return render(
        request,
        "indicators/report.html",
        {
            "title": title,
            "subtitle": subtitle,
            "sections": [(h, n, f, _rows(f)) for h, n, f in sections],
            "kind": kind,
            "label": label,
        },
    )


@derived("the quarterly statistics report (page and PDF)")
@require_safe
@area_required("indicators")
def quarterly_report(request):
    parsed = evaluation.parse_period(request.GET.get("quarter") or evaluation.current_quarter(timezone.now().date()))
    if parsed is None or "Q" not in parsed[1]:
        raise Http404("Quarter like 2026-Q4")
    return _report(request, label=parsed[1], period=parsed[0], kind="quarterly")


@derived("the annual evaluation of the criteria (page and PDF)")
@require_safe
@area_required("indicators")
def annual_report(request):
    parsed = evaluation.parse_period(request.GET.get("year") or str(timezone.now().year))
    if parsed is None or "Q" in parsed[1]:
        raise Http404("Year like 2026")
    return _report(request, label=parsed[1], period=parsed[0], kind="annual")


@derived("one criterion's evaluation per Member State")
@require_safe
@area_required("criteria")
def criterion_evaluation_panel(request, code: str):
    """The evaluation of one criterion for a quarter or a year, for the criterion page (HTMX)."""
    from risk_engine.selectors import criterion_for

    criterion = criterion_for(request.user, code)
    if criterion is None:
        raise Http404
    label = request.GET.get("period") or evaluation.current_quarter(timezone.now().date())
    parsed = evaluation.parse_period(label)
    if parsed is None:
        raise Http404
    view = View.for_user(request.user, parsed[0])
    frame = evaluation.evaluation(view, code=criterion.code)
    return render(
        request,
        "indicators/_criterion_evaluation.html",
        {
            "criterion": criterion,
            "rows": _rows(frame),
            "thresholds": evaluation.thresholds_text(),
            "label": parsed[1],
            "periods": evaluation.recent_periods(timezone.now().date()),
        },
    )
