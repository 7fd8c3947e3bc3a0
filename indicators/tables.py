"""The indicator tables of the dashboard (seed 001 lines 2005-2080), each a pandas DataFrame.

Every function takes a ``View`` and returns a frame whose columns are what the page, the
CSV/XLSX exports and the REST endpoint show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from django.db.models import Count, Q
from django.utils import timezone

from indicators.figures import EU_TOTAL, View, ratio, sums, with_totals


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    build: Callable[[View], pd.DataFrame]
    note: str = ""


COLUMNS = ("member_state", "key", "key2")  # a figure row's keys, as indicators.figures.sums gives them


def ens_volumes(view: View) -> pd.DataFrame:
    frame = sums(view, "ens").rename(columns={"key": "mode", "key2": "phase", "value": "ens"})
    return with_totals(view, frame, ["mode", "phase"], ["ens"]).astype({"ens": int})


def hits_per_criterion(view: View) -> pd.DataFrame:
    """Per criterion the viewer may see: hits, confirmed, dismissed, controlled and positive, and precision."""
    values = ["automated", "after_assessment", "dismissed", "controlled", "positive"]
    automated = _summed(sums(view, "hits_automated"), COLUMNS)
    if not automated:
        return pd.DataFrame(columns=["member_state", "criterion", "risk_area", *values, "precision"])
    assessed, dismissed = _summed(sums(view, "hits_assessed"), COLUMNS), _summed(sums(view, "hits_dismissed"), COLUMNS)
    controlled = sums(view, "hits_controlled")  # key: the criterion, key2: the control's result
    positive = _summed(controlled, ("member_state", "key"), key2="positive")
    negative = _summed(controlled, ("member_state", "key"), key2="negative")
    rows = []
    for key, hits in automated.items():
        found, cleared = positive.get(key[:2], 0), negative.get(key[:2], 0)
        rows.append((*key, hits, assessed.get(key, 0), dismissed.get(key, 0), found + cleared, found))
    frame = pd.DataFrame(rows, columns=["member_state", "criterion", "risk_area", *values])
    out = with_totals(view, frame, ["criterion", "risk_area"], values)
    out[values] = out[values].astype(int)
    out["precision"] = ratio(out["positive"], out["controlled"])
    return out


def controls_by_type(view: View) -> pd.DataFrame:
    controls = sums(view, "controls").rename(columns={"key": "control_type", "key2": "basis", "value": "controls"})
    positive = sums(view, "controls_positive").rename(
        columns={"key": "control_type", "key2": "basis", "value": "positive"}
    )
    frame = controls.merge(positive, on=["member_state", "control_type", "basis"], how="left").fillna(0)
    out = with_totals(view, frame, ["control_type", "basis"], ["controls", "positive"])
    out[["controls", "positive"]] = out[["controls", "positive"]].astype(int)
    out["detection_rate"] = ratio(out["positive"], out["controls"])  # crms.core.figures.detection_rate
    return out


def _summed(frame: pd.DataFrame, by: tuple[str, ...], *, key: str | None = None, key2: str | None = None) -> dict:
    """A metric's values summed by the columns ``by`` (the bare value for one column, else a tuple), of the
    rows with ``key`` / ``key2`` if given. Plain Python: a pandas groupby costs more on these small frames."""
    positions = [COLUMNS.index(column) for column in by]
    totals: dict = {}
    for row in frame[[*COLUMNS, "value"]].itertuples(index=False, name=None):
        if (key is None or row[1] == key) and (key2 is None or row[2] == key2):
            group = row[positions[0]] if len(positions) == 1 else tuple(row[position] for position in positions)
            totals[group] = totals.get(group, 0) + row[3]
    return totals


def aeo_shares(view: View) -> pd.DataFrame:
    """ENS submitted by AEOs (the filer holds a valid authorisation; seed 001 lines 1597, 2062), of which by
    third-country AEOs; ENS with an AEO party (any of consignor, consignee, filer); controls and their
    results on declarations with an AEO party versus the others."""
    ens = _summed(sums(view, "ens"), ("member_state",))
    aeo = _summed(sums(view, "ens_aeo"), ("member_state",))
    by_aeo = _summed(sums(view, "ens_aeo_filer"), ("member_state",))
    by_third_country = _summed(sums(view, "ens_aeo_filer"), ("member_state",), key2="third_country")
    controls = sums(view, "controls_by_aeo")
    by_result = {
        (status, result): _summed(controls, ("member_state",), key=status, key2=result)
        for status in ("aeo", "non_aeo")
        for result in ("positive", "negative")
    }
    rows = []
    for state in sorted(ens):  # the Member States that received ENS, as the merge on them kept
        positive, negative = by_result["aeo", "positive"].get(state, 0), by_result["aeo", "negative"].get(state, 0)
        non_positive = by_result["non_aeo", "positive"].get(state, 0)
        non_negative = by_result["non_aeo", "negative"].get(state, 0)
        rows.append(
            (state, ens[state], by_aeo.get(state, 0), by_third_country.get(state, 0), aeo.get(state, 0),
             positive + negative, positive, non_positive + non_negative, non_positive)
        )  # fmt: skip
    counts = [
        "ens",
        "ens_submitted_by_aeo",
        "ens_submitted_by_third_country_aeo",
        "ens_with_an_aeo_party",
        "aeo_controls",
        "aeo_positive",
        "non_aeo_controls",
        "non_aeo_positive",
    ]
    out = with_totals(view, pd.DataFrame(rows, columns=["member_state", *counts]), [], counts)
    out[counts] = out[counts].astype(int)
    out["submitted_by_aeo_share_of_ens"] = ratio(out["ens_submitted_by_aeo"], out["ens"])
    out["aeo_party_share_of_ens"] = ratio(out["ens_with_an_aeo_party"], out["ens"])
    out["aeo_share_of_controls"] = ratio(out["aeo_controls"], out["aeo_controls"] + out["non_aeo_controls"])
    out["aeo_irregularity_rate"] = ratio(out["aeo_positive"], out["aeo_controls"])
    out["non_aeo_irregularity_rate"] = ratio(out["non_aeo_positive"], out["non_aeo_controls"])
    return out


def seizures(view: View) -> pd.DataFrame:
    frame = sums(view, "seizure_value_eur").rename(columns={"key": "irregularity_type", "value": "estimated_value_eur"})
    out = with_totals(view, frame, ["irregularity_type"], ["estimated_value_eur"])
    out["estimated_value_eur"] = out["estimated_value_eur"].round(2)  # cents: shown with crms.core.formatting
    return out


def new_criteria(view: View) -> pd.DataFrame:
    frame = sums(view, "criteria_new").rename(columns={"key": "risk_area", "key2": "scope", "value": "new_criteria"})
    out = with_totals(view, frame, ["risk_area", "scope"], ["new_criteria"])
    return out.astype({"new_criteria": int})


def risk_profiles_in_force(view: View) -> pd.DataFrame:
    """Criteria published now, per owner and risk area (a snapshot, read live: a small table)."""
    from risk_engine.models import CriterionVersion

    rows = (
        CriterionVersion.objects.filter(status="published", shadow=False)
        .values("criterion__owner_id", "risk_area_id", "criterion__scope")
        .annotate(n=Count("id"))
    )
    frame = pd.DataFrame(
        [(r["criterion__owner_id"], r["risk_area_id"], r["criterion__scope"], r["n"]) for r in rows],
        columns=["member_state", "risk_area", "scope", "in_force"],
    )
    if frame.empty:
        return frame
    mine = frame[frame["scope"] == "eu"] if not view.eu_wide else frame
    if not view.eu_wide:
        mine = pd.concat([mine, frame[frame["member_state"] == view.visible_state]])
    elif view.visible_state:
        mine = frame[(frame["member_state"] == view.visible_state) | (frame["scope"] == "eu")]
    total = frame.groupby(["risk_area", "scope"], as_index=False)["in_force"].sum()
    total.insert(0, "member_state", EU_TOTAL)
    return pd.concat([mine, total], ignore_index=True)


def information_requests(view: View) -> pd.DataFrame:
    """Per pair of Member States; a Member State sees what it asked and what it was asked, plus the EU total."""
    keys = ["member_state", "requested_state"]
    frame = None
    for metric, column in (
        ("info_requests", "sent"),
        ("info_requests_answered", "answered"),
        ("info_answer_hours", "hours"),
    ):
        part = sums(view, metric).rename(columns={"key": "requested_state", "value": column})[[*keys, column]]
        frame = part if frame is None else frame.merge(part, on=keys, how="left")
    frame = frame.fillna(0)
    total = frame[["sent", "answered", "hours"]].sum().to_frame().T.assign(member_state=EU_TOTAL, requested_state="")
    if view.visible_state:
        frame = frame[(frame["member_state"] == view.visible_state) | (frame["requested_state"] == view.visible_state)]
    out = pd.concat([frame.sort_values(keys), total[frame.columns]], ignore_index=True)
    out[["sent", "answered"]] = out[["sent", "answered"]].astype(int)
    out["mean_answer_hours"] = (out["hours"] / out["answered"].where(out["answered"] != 0)).round(1)
    return out.drop(columns=["hours"]).rename(columns={"member_state": "requesting_state"})


def analyst_workload(view: View) -> pd.DataFrame:
    """Open hits and analysts per Member State, now (live, from the queue's index)."""
    from crms.accounts.models import Organisation, User
    from workbench.models import Case

    open_cases = dict(Case.objects.filter(state="open").values_list("member_state_id").annotate(n=Count("id")))
    # People who can work today: an organisation that no longer takes part cannot log in (adversarial probe,
    # 7 December: GB's analyst was counted in every EU total).
    taking_part = Organisation.taking_part(timezone.localdate(), via="organisation__")
    analysts = dict(
        User.objects.filter(taking_part, role__in=["analyst", "risk_manager"], is_active=True)
        .values_list("organisation_id")
        .annotate(n=Count("id", filter=Q(is_active=True)))
    )
    states = sorted(set(open_cases) | set(analysts))
    frame = pd.DataFrame(
        [(s, open_cases.get(s, 0), analysts.get(s, 0)) for s in states],
        columns=["member_state", "open_hits", "analysts"],
    )
    out = with_totals(view, frame, [], ["open_hits", "analysts"])
    out["open_hits_per_analyst"] = (out["open_hits"] / out["analysts"].where(out["analysts"] != 0)).round(1)
    return out


def rifs(view: View) -> pd.DataFrame:
    frame = sums(view, "rifs").rename(columns={"key": "risk_area", "value": "rifs_published"})
    return with_totals(view, frame, ["risk_area"], ["rifs_published"]).astype({"rifs_published": int})


def rif_follow_up(view: View) -> pd.DataFrame:
    received = sums(view, "rif_received").rename(columns={"key": "risk_area", "value": "received"})
    responded = sums(view, "rif_responded").rename(columns={"key": "risk_area", "value": "followed_up"})
    keys = ["member_state", "risk_area"]
    frame = received[[*keys, "received"]].merge(responded[[*keys, "followed_up"]], on=keys, how="left").fillna(0)
    out = with_totals(view, frame, [], ["received", "followed_up"])
    out[["received", "followed_up"]] = out[["received", "followed_up"]].astype(int)
    out["follow_up_rate"] = ratio(out["followed_up"], out["received"])
    return out


def pca_results(view: View) -> pd.DataFrame:
    frame = sums(view, "pca_results")
    if frame.empty:
        return pd.DataFrame(columns=["member_state", "pca", "target", "controls", "detections", "seizures"])
    wide = frame.pivot_table(index=["member_state", "key"], columns="key2", values="value", aggfunc="sum", fill_value=0)
    wide = wide.reset_index().rename(columns={"key": "pca"})
    for column in ("target", "controls", "detections", "seizures"):
        if column not in wide:
            wide[column] = 0
    wide = wide[["member_state", "pca", "target", "controls", "detections", "seizures"]]
    out = with_totals(view, wide, ["pca"], ["target", "controls", "detections", "seizures"])
    out[["target", "controls", "detections", "seizures"]] = out[
        ["target", "controls", "detections", "seizures"]
    ].astype(int)
    out["progress"] = ratio(out["controls"], out["target"])
    out["detection_rate"] = ratio(out["detections"], out["controls"])
    return out


TABLES: list[Table] = [
    Table("ens", "ENS volumes by mode and phase", ens_volumes),
    Table(
        "hits",
        "Hits per criterion, automated and after assessment",
        hits_per_criterion,
        "hits dated by the day their ENS was received; after assessment: a control decided by an analyst; "
        "controlled: the hit's Member State (or the one it forwarded the control to) recorded a control result; "
        "positive: one of them found an irregularity or seized goods; precision: positive over controlled",
    ),
    Table(
        "controls",
        "Controls by type and basis",
        controls_by_type,
        "basis 'risk': based on risk analysis; positive: an irregularity was found or goods seized; "
        "detection rate: positive controls over controls",
    ),
    Table(
        "aeo",
        "AEO share of declarations and controls",
        aeo_shares,
        "submitted by AEO: the filer held a valid AEO authorisation when the ENS was received (third country: "
        "a programme recognised under a mutual recognition agreement); with an AEO party: consignor, consignee "
        "or filer; aeo controls and irregularity rates: declarations with an AEO party",
    ),
    Table("seizures", "Seizures by irregularity (estimated value)", seizures),
    Table("new_criteria", "New criteria published per risk area", new_criteria),
    Table("profiles", "Risk criteria and profiles in force", risk_profiles_in_force),
    Table("requests", "Information requests between Member States", information_requests),
    Table("rifs", "Risk information forms published per risk area", rifs),
    Table(
        "rif_follow_up",
        "RIF follow-up by recipient Member States",
        rif_follow_up,
        "followed up: the recipient posted feedback on the RIF",
    ),
    Table(
        "pca",
        "Priority control areas starting in the period: results against targets",
        pca_results,
        "controls and detections recorded on the platform plus those reported by hand",
    ),
    Table("workload", "Analyst workload now", analyst_workload),
]
TABLES_BY_NAME = {table.name: table for table in TABLES}


def register(table: Table, *, after: str | None = None) -> None:
    """Add a table from another area (risk information, PCAs); idempotent by name."""
    if table.name in TABLES_BY_NAME:
        return
    index = next((i + 1 for i, t in enumerate(TABLES) if t.name == after), len(TABLES))
    TABLES.insert(index, table)
    TABLES_BY_NAME[table.name] = table
