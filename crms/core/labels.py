"""Labels for the codes records carry, in one place: the template filters and the explanation renderer read here.

Enumerations come from the models' own choices (so a new choice has its label at once); names of
countries, customs offices, Member States and risk areas come from the reference data, loaded once per
process (it changes only with a release; an empty table is not cached, so tests that load it later see it).
A code nobody knows is shown as it is: a label must never hide a value.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

_lock = threading.Lock()
_loaded: dict[str, dict[str, str]] = {}


def _cached(kind: str, loader: Callable[[], dict[str, str]]) -> dict[str, str]:
    with _lock:
        if not _loaded.get(kind):
            _loaded[kind] = loader()
        return _loaded[kind]


def forget() -> None:
    """Drop what was loaded (tests that change reference data)."""
    with _lock:
        _loaded.clear()


def _choices(kind: str) -> dict[str, str]:
    def load() -> dict[str, str]:
        from crms.declarations.models import Phase, ScreeningStatus, TransportMode
        from rif.models import Measure
        from risk_engine.models import ControlType, OutcomeChoice, Scope, Status
        from workbench.models import CaseState, ControlKind, ControlOutcome, DecisionAction, IrregularityType

        enumerations = {
            "outcome": OutcomeChoice,
            "mode": TransportMode,
            "phase": Phase,
            "screening_status": ScreeningStatus,
            "control_type": ControlType,
            "control_kind": ControlKind,
            "control_result": ControlOutcome,
            "irregularity": IrregularityType,
            "decision": DecisionAction,
            "case_state": CaseState,
            "scope": Scope,
            "criterion_status": Status,
            "rif_measure": Measure,
        }
        return dict(enumerations[kind].choices)

    return _cached(kind, load)


def _reference(kind: str) -> dict[str, str]:
    def load() -> dict[str, str]:
        from crms.accounts.models import Organisation
        from crms.reference.models import Country, CustomsOffice, RiskArea

        if kind == "country":
            return dict(Country.objects.values_list("iso2", "name"))
        if kind == "office":
            return dict(CustomsOffice.objects.values_list("code", "name"))
        if kind == "organisation":
            return dict(Organisation.objects.values_list("code", "name"))
        return dict(RiskArea.objects.values_list("code", "name"))

    return _cached(kind, load)


def choice(kind: str, code) -> str:
    """The label of one enumeration's code (``choice("outcome", "do_not_load")`` -> "Do not load").

    Codes are matched case-insensitively too: the engine normalises codes to upper case (PRE_LOADING).
    """
    if code is None or code == "":
        return "—"
    labels = _choices(kind)
    text = str(code)
    return labels.get(text) or labels.get(text.lower()) or text


def outcome(code) -> str:
    return choice("outcome", code)


def mode(code) -> str:
    return choice("mode", code)


def phase(code) -> str:
    return choice("phase", code)


def country_name(code) -> str | None:
    return _reference("country").get(str(code or "").upper())


def office_name(code) -> str | None:
    return _reference("office").get(str(code or "").upper())


def organisation_name(code) -> str | None:
    return _reference("organisation").get(str(code or "").upper())


def risk_area_name(code) -> str | None:
    return _reference("risk_area").get(str(code or ""))


def coded(code, name: str | None) -> str:
    """A code with its name, as analysts read both: "YE (Yemen)"; the bare code when there is no name."""
    return f"{code} ({name})" if name else str(code)


def country(code) -> str:
    return coded(code, country_name(code))


def office(code) -> str:
    return coded(code, office_name(code))


def member_state(code) -> str:
    """A participant by name ("France"); "EU total" and unknown codes as they are."""
    if code in (None, ""):
        return "—"
    return organisation_name(code) or str(code)


def risk_area(code) -> str:
    if code in (None, ""):
        return "—"
    return risk_area_name(code) or str(code)


# Column names of tables and exports (frames, reports) as headers; a column not listed reads its words.
COLUMNS = {
    "member_state": "Member State",
    "mode": "Transport mode",
    "phase": "Phase",
    "ens": "ENS",
    "criterion": "Criterion",
    "risk_area": "Risk area",
    "automated": "Hits (automated)",
    "after_assessment": "After assessment",
    "dismissed": "Dismissed",
    "controlled": "Controlled",
    "positive": "Positive",
    "negative": "Negative",
    "precision": "Precision",
    "control_type": "Control type",
    "basis": "Basis",
    "controls": "Controls",
    "detection_rate": "Detection rate",
    "ens_submitted_by_aeo": "ENS submitted by an AEO",
    "ens_submitted_by_third_country_aeo": "ENS submitted by a third-country AEO",
    "ens_with_an_aeo_party": "ENS with an AEO party",
    "aeo_controls": "Controls, AEO party",
    "aeo_positive": "Positive, AEO party",
    "non_aeo_controls": "Controls, no AEO party",
    "non_aeo_positive": "Positive, no AEO party",
    "pca": "Priority control area",
    "target": "Target",
    "detections": "Detections",
    "seizures": "Seizures",
    "progress": "Progress",
    "irregularity_type": "Irregularity",
    "value_eur": "Estimated value",
    "hits_per_1000_ens": "Hits per 1,000 ENS",
    "hit_together_with": "Hit together with",
    "countries": "Countries",
    "recommendation": "Recommendation",
    "published": "Published",
    "share": "Share",
    "items": "Goods items",
    "hits": "Hits",
    "scope": "Scope",
    "new_criteria": "New criteria",
    "in_force": "In force",
}


def column(name) -> str:
    """A table column as a header: ``after_assessment`` -> "Controls decided after assessment"."""
    text = str(name)
    if text in COLUMNS:
        return COLUMNS[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# Cells of report tables whose values are codes of an enumeration or reference data, by column.
CELL_KINDS: dict[str, Callable[[object], str]] = {
    "mode": mode,
    "phase": phase,
    "risk_area": risk_area,
    "scope": lambda code: {"eu": "EU", "national": "National"}.get(str(code), str(code)),
    "control_type": lambda code: choice("control_kind", code),
    "irregularity_type": lambda code: choice("irregularity", code),
    "basis": lambda code: {"risk": "Risk analysis", "other": "Other"}.get(str(code), str(code)),
}


def cell(value, column_name: str):
    """A report cell: codes of a known column become labels; anything else is returned untouched."""
    if isinstance(value, str) and column_name in CELL_KINDS and value not in ("", "EU total"):
        return CELL_KINDS[column_name](value)
    return value


def readable(value) -> str:
    """A stored value as words, never a Python repr: ["YE", "AE"] -> "YE, AE"; {"a": 1} -> "a: 1"; None -> "—".

    For values kept as JSON (audit snapshots, filed bodies) that a page shows as they are.
    """
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(
            f"{key.replace('_', ' ') if isinstance(key, str) else key}: {readable(item)}" for key, item in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(readable(item) for item in value)
    return str(value)


# Fields of stored snapshots (audit entries) whose values are codes, by the field's last name.
FIELD_KINDS: dict[str, Callable[[object], str]] = {
    "outcome": outcome,
    "engine outcome": outcome,
    "engine_outcome": outcome,
    "risk area": risk_area,
    "risk_area": risk_area,
    "phase": phase,
    "phases": phase,
    "transport mode": mode,
    "transport_mode": mode,
    "transport modes": mode,
    "transport_modes": mode,
    "result": lambda code: choice("control_result", code),
    "irregularity type": lambda code: choice("irregularity", code),
    "irregularity_type": lambda code: choice("irregularity", code),
    "action": lambda code: choice("decision", code),
    "control type": lambda code: choice("control_kind", code),
    "control_type": lambda code: choice("control_kind", code),
    "measures": lambda code: choice("rif_measure", code),  # a RIF's feedback: "Controls planned"
}


def field_value(field: str, value):
    """A code stored under a known field name, as its label (``outcome`` ``do_not_load`` -> "Do not load")."""
    name = str(field).rpartition(".")[2].strip()
    name = re.sub(r" \d+$", "", name)  # "phases 1" (a list flattened by position)
    if isinstance(value, str) and value and name in FIELD_KINDS:
        return FIELD_KINDS[name](value)
    return value


_CODE = re.compile(r"(?<![\w./-])([a-z]+(?:_[a-z0-9]+)+)(?![\w-])")


def humanise_codes(text: str) -> str:
    """Enumeration codes inside a stored sentence (an audit entry's object name) as labels.

    Only codes with an underscore that an enumeration or the risk areas know are replaced
    ("documentary no_irregularity on 30" -> "documentary No irregularity on 30"); other words stay.
    """
    if not text or "_" not in text:
        return text
    known: dict[str, str] = {}
    for kind in ("outcome", "mode", "phase", "control_result", "irregularity", "decision", "case_state"):
        known.update(_choices(kind))
    known.update(_reference("risk_area"))
    return _CODE.sub(lambda found: known.get(found.group(1), found.group(1)), text)


def counted(number, singular: str, plural: str | None = None) -> str:
    """ "1 hit", "3 hits", "1 control": a count with its noun agreeing (never "1 hits")."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


# Data-quality warnings (``risk_engine.dataquality``) by their code.
DATA_QUALITY = {
    "vague_description": "Vague description",
    "missing_hs_code": "No HS code",
    "unspecified_hs_code": "HS code not specified",
    "implausible_value_per_kg": "Unusual value per kg",
    "implausible_mass_per_package": "Unusual mass per package",
    "price_outlier": "Price outlier",
}


def data_quality(code) -> str:
    return DATA_QUALITY.get(str(code), str(code).replace("_", " "))
