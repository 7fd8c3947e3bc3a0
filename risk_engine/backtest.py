"""Backtests: what a criterion version would have hit in stored history, before it is published.

``start_backtest`` checks the parameters, stores a ``Backtest`` row and queues the Celery task
after commit; ``run_backtest`` does the work. It reads the current versions of the declarations
received in the period (optionally only some Member States of first entry and modes) in chunks
of ``CHUNK_SIZE`` versions, loads each chunk columnar (``screening.load_batch``), evaluates the
backtested version and today's published criteria on it (``columnar.evaluate``), and keeps only
counts (numpy/pandas), so memory stays flat however long the period.

Rows (issue 13): a backtest reads only the declarations its requester may read
(``crms.declarations.selectors.row_scope_for``: every Member State for the Commission, the
requester's own Member State of first entry or unloading otherwise), kept as ``params["rows"]``,
and compares with the published criteria readable there (no other Member State's national
profiles). ``risk_engine.selectors.backtests_for`` shows the stored result only to viewers who read
every one of those rows.

Results (``Backtest.results``)::

    {"version": {...}, "screened": {"ens", "items"}, "hits": {"ens", "items", "share_of_screened"},
     "per_member_state" / "per_mode": [{"key", "ens", "items"}],
     "per_day": [{"day", "ens", "items", "screened"}]       # every day of the period
     "today": {"criteria", "ens"},                           # ENS hit today (published, not shadow)
     "added_load": {"ens", "items", "share_of_screened", "share_of_today"},
     "no_longer_hit": {"ens"},                               # hit today only by the version replaced
     "overlap": [{"code", "version", "ens", "share", "replaced", "restricted"}],  # top 10 published criteria
     "samples": [{"mrn", "received", "member_state", "mode", "items", "explanation", "also_hit_by"}],
     "irregularities": {"controlled", "positive", "precision"}, # see irregularity_counts
     "seconds": float}
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE
from crms.core.dates import QUERY, DateRefused, read_day
from crms.core.figures import outcomes_of
from crms.core.replica import analytics_cursor, replica_reads
from crms.declarations.models import TransportMode
from crms.declarations.selectors import ALL_MEMBER_STATES, RowScope, row_scope_for
from risk_engine import columnar, reference
from risk_engine.compiler import active_criteria, compile_version
from risk_engine.models import Criterion, CriterionVersion, Scope
from risk_engine.models_backtest import Backtest
from risk_engine.screening import load_batch
from risk_engine.selectors import backtested_version_for, criteria_readable_in

log = logging.getLogger(__name__)

CHUNK_SIZE = 50_000  # declaration versions per evaluated chunk
MAX_DAYS = 366
SAMPLE_SIZE = 20
SAMPLE_ITEMS = 5  # items explained per sample ENS
TOP_OVERLAP = 10
DRAFT_KEY = "__backtested__"

VERSIONS_SQL = """
SELECT v.id, d.id, d.first_entry_member_state_id, d.transport_mode,
       (d.received_at AT TIME ZONE %(tz)s)::date - %(first_day)s::date AS day
FROM declarations_declaration d
JOIN declarations_declarationversion v ON v.declaration_id = d.id AND v.version = d.current_version
WHERE d.received_at >= %(start)s AND d.received_at < %(end)s AND {rows} {filters}
ORDER BY v.id
"""


# --- control results ---------------------------------------------------------------------------


def irregularity_counts(version_ids: list[int], member_states: list[str]) -> dict[str, Any]:
    """What the controls of the hit declarations found, with the figures' one definition
    (``crms.core.figures``): a hit of the backtested version counts for the Member State that would
    work it (first entry for an EU criterion, the owner for a national profile); it is controlled when
    that Member State (or the one it forwarded the control to) recorded a control result on the
    version, positive when one found an irregularity or seized goods."""
    outcomes = outcomes_of(zip(version_ids, member_states, strict=True))
    return {"controlled": outcomes.controlled, "positive": outcomes.positive, "precision": outcomes.precision}


# --- starting -------------------------------------------------------------------------------------


def backtested_version(criterion: Criterion, user) -> CriterionVersion | None:
    """The open version (draft or submitted) if ``user`` reads it, else the published one
    (``selectors.backtested_version_for``: an EU draft is the Commission's)."""
    return backtested_version_for(user, criterion)


def participant_codes() -> list[str]:
    return list(Organisation.objects.exclude(code=COMMISSION_CODE).order_by("code").values_list("code", flat=True))


def _date(value: Any, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    """A day of the period, within the query window of ``crms.core.dates`` (a period ending 9999-12-31 overflowed
    when its end was turned into the next midnight)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, dt.date) else str(value or "")
    try:
        return read_day(text, field=name, window=QUERY, required=True, european=True)
    except DateRefused as refused:
        errors.setdefault(name, []).append(refused.message)
        return None


def clean_params(params: dict[str, Any]) -> dict[str, Any]:
    """Checked, normalised parameters; raises ValidationError (a dict of field -> messages)."""
    errors: dict[str, list[str]] = {}
    date_from = _date(params.get("date_from"), "date_from", errors)
    date_to = _date(params.get("date_to"), "date_to", errors)
    if date_from and date_to:
        if date_to < date_from:
            errors.setdefault("date_to", []).append("The period ends before it starts.")
        elif (date_to - date_from).days + 1 > MAX_DAYS:
            errors.setdefault("date_to", []).append(f"The period is at most {MAX_DAYS} days.")
    member_states = sorted({str(code).strip().upper() for code in params.get("member_states") or [] if code})
    unknown = sorted(set(member_states) - set(participant_codes()))
    if unknown:
        errors.setdefault("member_states", []).append(f"Not participants: {', '.join(unknown)}.")
    modes = sorted({str(mode).strip() for mode in params.get("transport_modes") or [] if mode})
    bad_modes = sorted(set(modes) - set(TransportMode.values))
    if bad_modes:
        errors.setdefault("transport_modes", []).append(f"Unknown transport modes: {', '.join(bad_modes)}.")
    if errors:
        raise ValidationError(errors)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "member_states": member_states,
        "transport_modes": modes,
    }


def _enqueue(backtest_id: int) -> None:
    from risk_engine.backtest_tasks import run_backtest_task

    try:
        run_backtest_task.delay(backtest_id)
    except Exception as error:  # broker down: say so on the row instead of waiting forever
        log.exception("could not queue backtest %s", backtest_id)
        Backtest.objects.filter(pk=backtest_id).update(
            status=Backtest.State.FAILED, error=f"Could not queue the backtest: {error}", finished_at=timezone.now()
        )


class TooManyBacktests(Exception):
    """The user already has ``BACKTESTS_PER_USER`` backtests queued or running (the view answers 429)."""


def release_stale_backtests(*, now: dt.datetime | None = None) -> int:
    """Mark failed the backtests that can no longer finish, so they stop counting against their users.

    Running past the hard time limit: the worker killed the pool process (or died) without the row
    hearing of it. Queued for longer than ``BACKTEST_QUEUE_TIMEOUT``: the task was lost (or no backtest
    worker runs). Returns how many were released.
    """
    now = now or timezone.now()
    overdue = now - dt.timedelta(seconds=settings.BACKTEST_TIME_LIMIT + 60)
    lost = now - dt.timedelta(seconds=settings.BACKTEST_QUEUE_TIMEOUT)
    stopped = Backtest.objects.filter(status=Backtest.State.RUNNING, started_at__lt=overdue).update(
        status=Backtest.State.FAILED,
        error=f"Stopped: it ran past the time limit of {settings.BACKTEST_SOFT_TIME_LIMIT:,} s.",
        finished_at=now,
    )
    never = Backtest.objects.filter(status=Backtest.State.QUEUED, created_at__lt=lost).update(
        status=Backtest.State.FAILED, error="Never started: no backtest worker took it.", finished_at=now
    )
    return stopped + never


def start_backtest(*, actor, criterion: Criterion, params: dict[str, Any]) -> Backtest:
    """Queue a backtest of the criterion's open (else published) version for ``actor``, over the
    declarations ``actor`` may read (stored as ``params["rows"]``).

    At most ``BACKTESTS_PER_USER`` of a user's backtests are queued or running at once
    (``TooManyBacktests``): a backtest costs a worker for up to its time limit.
    """
    cleaned = clean_params(params) | {"rows": row_scope_for(actor).key}
    version = backtested_version(criterion, actor)
    if version is None:
        raise ValidationError({"criterion": ["This criterion has no open or published version to backtest."]})
    with transaction.atomic():
        # One start at a time per user (the row lock), so two quick clicks cannot both pass the count.
        get_user_model().objects.select_for_update().filter(pk=actor.pk).exists()
        release_stale_backtests()
        active = Backtest.objects.filter(
            requested_by=actor, status__in=[Backtest.State.QUEUED, Backtest.State.RUNNING]
        ).count()
        if active >= settings.BACKTESTS_PER_USER:
            raise TooManyBacktests(
                f"You have {active} backtest{'s' if active != 1 else ''} queued or running; at most "
                f"{settings.BACKTESTS_PER_USER} at a time. Start this one when it has finished."
            )
        backtest = Backtest.objects.create(criterion_version=version, requested_by=actor, params=cleaned)
        transaction.on_commit(lambda: _enqueue(backtest.pk))
    return backtest


# --- running --------------------------------------------------------------------------------------


def _period(params: dict[str, Any]) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    first, last = dt.date.fromisoformat(params["date_from"]), dt.date.fromisoformat(params["date_to"])
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return first, last, start, end


def result_rows(params: dict[str, Any]) -> RowScope:
    """The declarations a backtest covers: its requester's (a backtest stored before rows were kept: all)."""
    return RowScope(params.get("rows", ALL_MEMBER_STATES))


def _select_versions(params: dict[str, Any]) -> dict[str, np.ndarray]:
    first, _last, start, end = _period(params)
    filters, args = "", {"tz": str(timezone.get_default_timezone()), "first_day": first, "start": start, "end": end}
    rows_sql, rows_args = result_rows(params).sql("d")
    args |= rows_args
    if params.get("member_states"):
        filters += " AND d.first_entry_member_state_id = ANY(%(member_states)s)"
        args["member_states"] = list(params["member_states"])
    if params.get("transport_modes"):
        filters += " AND d.transport_mode = ANY(%(modes)s)"
        args["modes"] = list(params["transport_modes"])
    with analytics_cursor() as cursor:
        cursor.execute(VERSIONS_SQL.format(rows=rows_sql, filters=filters), args)
        rows = cursor.fetchall()
    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return {"version": empty, "declaration": empty, "ms": np.empty(0, dtype=object), "mode": empty, "day": empty}
    version_ids, declaration_ids, member_states, modes, days = zip(*rows, strict=True)
    return {
        "version": np.asarray(version_ids, dtype=np.int64),
        "declaration": np.asarray(declaration_ids, dtype=np.int64),
        "ms": np.asarray(member_states, dtype=object),
        "mode": np.asarray(modes, dtype=object),
        "day": np.asarray(days, dtype=np.int64),
    }


class _Tally:
    """Counts accumulated over chunks."""

    def __init__(self, n_days: int, published: list) -> None:
        self.n_days = n_days
        self.screened_ens = self.screened_items = 0
        self.hit_ens = self.hit_items = 0
        self.today_ens = self.added_ens = self.added_items = self.no_longer_ens = 0
        self.day_ens = np.zeros(n_days, dtype=np.int64)
        self.day_items = np.zeros(n_days, dtype=np.int64)
        self.day_screened = np.zeros(n_days, dtype=np.int64)
        self.ms_ens: Counter = Counter()
        self.ms_items: Counter = Counter()
        self.mode_ens: Counter = Counter()
        self.mode_items: Counter = Counter()
        self.overlap: Counter = Counter()
        self.by_key = {criterion.version_id: criterion for criterion in published}
        self.hit_versions: list[np.ndarray] = []
        self.hit_states: list[np.ndarray] = []
        self.samples: list[dict[str, Any]] = []


def _count_by(keys: np.ndarray, weights: np.ndarray, into: Counter) -> None:
    if len(keys) == 0:
        return
    uniques, inverse = np.unique(keys.astype(str), return_inverse=True)
    totals = np.bincount(inverse, weights=weights, minlength=len(uniques))
    for key, total in zip(uniques.tolist(), totals.tolist(), strict=True):
        into[key] += int(total)


def _evaluate_chunk(chunk: dict[str, np.ndarray], draft, published, replaced_ids, watch_lists, tally, first_day):
    batch = load_batch(chunk["version"].tolist())
    if batch.n_decl == 0:
        return
    frame = batch.frame
    # Declaration rows of the batch -> positions in the chunk (a version could vanish in between).
    position = np.searchsorted(chunk["version"], frame.version_ids)
    ms, mode, day = chunk["ms"][position], chunk["mode"][position], chunk["day"][position]
    items_per_decl = np.diff(frame.decl_starts)
    tally.screened_ens += frame.n_decl
    tally.screened_items += frame.n_items
    tally.day_screened += np.bincount(day, minlength=tally.n_days)[: tally.n_days]

    criteria = [(DRAFT_KEY, draft.node)] + [(criterion.version_id, criterion.node) for criterion in published]
    hits = {hit.key: hit.item_rows for hit in columnar.evaluate(frame, criteria, watch_lists)}
    draft_rows = hits.pop(DRAFT_KEY, np.empty(0, dtype=np.int64))
    draft_decl = np.zeros(frame.n_decl, dtype=bool)
    draft_decl[frame.decl_of_item[draft_rows]] = True
    items_hit = np.bincount(frame.decl_of_item[draft_rows], minlength=frame.n_decl)

    covered = np.zeros(frame.n_decl, dtype=bool)  # hit today by a criterion that sets an outcome
    covered_by_others = np.zeros(frame.n_decl, dtype=bool)  # ... other than the version replaced
    hit_by: dict[Any, np.ndarray] = {}
    for key, rows in hits.items():
        decl_rows = np.unique(frame.decl_of_item[rows])
        hit_by[key] = decl_rows
        tally.overlap[key] += int(np.count_nonzero(draft_decl[decl_rows]))
        if not tally.by_key[key].shadow:
            covered[decl_rows] = True
            if key not in replaced_ids:
                covered_by_others[decl_rows] = True

    hit_rows = np.flatnonzero(draft_decl)
    tally.hit_ens += len(hit_rows)
    tally.hit_items += len(draft_rows)
    tally.today_ens += int(np.count_nonzero(covered))
    added = draft_decl & ~covered
    tally.added_ens += int(np.count_nonzero(added))
    tally.added_items += int(items_hit[added].sum())
    tally.no_longer_ens += int(np.count_nonzero(covered & ~covered_by_others & ~draft_decl))
    tally.day_ens += np.bincount(day[hit_rows], minlength=tally.n_days)[: tally.n_days]
    tally.day_items += np.bincount(day[hit_rows], weights=items_hit[hit_rows], minlength=tally.n_days).astype(np.int64)[
        : tally.n_days
    ]
    _count_by(ms[hit_rows], np.ones(len(hit_rows)), tally.ms_ens)
    _count_by(ms[hit_rows], items_hit[hit_rows], tally.ms_items)
    _count_by(mode[hit_rows], np.ones(len(hit_rows)), tally.mode_ens)
    _count_by(mode[hit_rows], items_hit[hit_rows], tally.mode_items)
    tally.hit_versions.append(chunk["version"][position][hit_rows])
    # The Member State that would work the hit: first entry for an EU criterion, the owner for a national profile.
    tally.hit_states.append(
        ms[hit_rows] if draft.scope == Scope.EU else np.full(len(hit_rows), draft.owner, dtype=object)
    )

    if len(tally.samples) < SAMPLE_SIZE and len(hit_rows):
        numbers = columnar.group_by_declaration(frame, draft_rows)
        for row in hit_rows[: SAMPLE_SIZE - len(tally.samples)].tolist():
            record = frame.record(row)
            by_number = {item["item_number"]: item for item in record["items"]}
            items = sorted(numbers[row])
            explanation = [
                entry
                for number in items[:SAMPLE_ITEMS]
                for entry in reference.explain(draft.condition, record["decl"], by_number[number], watch_lists)
            ]
            also = sorted(
                {tally.by_key[key].code for key, rows in hit_by.items() if np.any(rows == row)},
            )
            tally.samples.append(
                {
                    "mrn": batch.mrns[row],
                    "received": (first_day + dt.timedelta(days=int(day[row]))).isoformat(),
                    "member_state": ms[row],
                    "mode": mode[row],
                    "items": items,
                    "items_total": int(items_per_decl[row]),
                    "explanation": explanation,
                    "also_hit_by": also,
                }
            )


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _breakdown(ens: Counter, items: Counter) -> list[dict[str, Any]]:
    return [{"key": key, "ens": ens[key], "items": items[key]} for key in sorted(ens)]


def compute(version: CriterionVersion, params: dict[str, Any], *, progress: Callable[[int], None] | None = None):
    started = time.perf_counter()
    draft = compile_version(version)
    today, watch_lists = active_criteria()
    # Only criteria readable where the rows are: another Member State's national profiles stay out.
    readable = criteria_readable_in(result_rows(params), [criterion.code for criterion in today])
    today = [criterion for criterion in today if criterion.code in readable]
    # A criterion's own published version is part of "today" (the backtested version would replace it).
    replaced_ids = {criterion.version_id for criterion in today if criterion.code == draft.code}
    published = [criterion for criterion in today if criterion.version_id != draft.version_id]
    first, last, _start, _end = _period(params)
    n_days = (last - first).days + 1
    selected = _select_versions(params)
    tally = _Tally(n_days, published)
    total = len(selected["version"])
    for offset in range(0, total, CHUNK_SIZE):
        chunk = {name: values[offset : offset + CHUNK_SIZE] for name, values in selected.items()}
        with replica_reads():  # declarations and goods may come from a read replica (criteria did not)
            _evaluate_chunk(chunk, draft, published, replaced_ids, watch_lists, tally, first)
        if progress is not None:
            progress(min(99, int(100 * (offset + len(chunk["version"])) / total)))
    hit_versions = np.concatenate(tally.hit_versions).tolist() if tally.hit_versions else []
    hit_states = np.concatenate(tally.hit_states).tolist() if tally.hit_states else []
    overlap = [
        {
            "code": tally.by_key[key].code,
            "version": tally.by_key[key].version,
            "ens": count,
            "share": _share(count, tally.hit_ens),
            "replaced": key in replaced_ids,
            "restricted": readable[tally.by_key[key].code],
        }
        for key, count in tally.overlap.most_common()
        if count
    ][:TOP_OVERLAP]
    return {
        "version": {"code": draft.code, "version": draft.version, "status": version.status},
        "params": params,
        "screened": {"ens": tally.screened_ens, "items": tally.screened_items},
        "hits": {
            "ens": tally.hit_ens,
            "items": tally.hit_items,
            "share_of_screened": _share(tally.hit_ens, tally.screened_ens),
        },
        "per_member_state": _breakdown(tally.ms_ens, tally.ms_items),
        "per_mode": _breakdown(tally.mode_ens, tally.mode_items),
        "per_day": [
            {
                "day": (first + dt.timedelta(days=index)).isoformat(),
                "ens": int(tally.day_ens[index]),
                "items": int(tally.day_items[index]),
                "screened": int(tally.day_screened[index]),
            }
            for index in range(n_days)
        ],
        "today": {"criteria": len(today), "ens": tally.today_ens},
        "added_load": {
            "ens": tally.added_ens,
            "items": tally.added_items,
            "share_of_screened": _share(tally.added_ens, tally.screened_ens),
            "share_of_today": _share(tally.added_ens, tally.today_ens),
        },
        "no_longer_hit": {"ens": tally.no_longer_ens},
        "overlap": overlap,
        "samples": tally.samples,
        "irregularities": irregularity_counts(hit_versions, hit_states),
        "seconds": round(time.perf_counter() - started, 3),
    }


def run_backtest(backtest_id: int, *, progress: Callable[[int], None] | None = None) -> Backtest:
    """Run one backtest now (the Celery task calls this); progress is saved after every chunk."""
    backtest = Backtest.objects.select_related("criterion_version__criterion").get(pk=backtest_id)
    taken = Backtest.objects.filter(pk=backtest_id, status=Backtest.State.QUEUED).update(
        status=Backtest.State.RUNNING, progress=0, error="", started_at=timezone.now()
    )
    if not taken:  # already run, or released as lost: never run twice
        log.warning("backtest %s is %s, not queued: not run", backtest_id, backtest.status)
        return backtest

    def report(percent: int) -> None:
        Backtest.objects.filter(pk=backtest_id).update(progress=percent)
        if progress is not None:
            progress(percent)

    try:
        results = compute(backtest.criterion_version, backtest.params, progress=report)
    except SoftTimeLimitExceeded:
        Backtest.objects.filter(pk=backtest_id).update(
            status=Backtest.State.FAILED,
            error=f"Stopped at the time limit of {settings.BACKTEST_SOFT_TIME_LIMIT:,} s: "
            "choose a shorter period or fewer Member States.",
            finished_at=timezone.now(),
        )
        raise
    except Exception as error:
        Backtest.objects.filter(pk=backtest_id).update(
            status=Backtest.State.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        raise
    Backtest.objects.filter(pk=backtest_id).update(
        status=Backtest.State.DONE, progress=100, results=results, finished_at=timezone.now()
    )
    if progress is not None:
        progress(100)
    backtest.refresh_from_db()
    return backtest
