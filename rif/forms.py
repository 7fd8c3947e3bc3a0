"""From the browser's RIF form to the same body the REST API takes (``rif.schema.RifBody``), and back."""

from __future__ import annotations

import re
from typing import Any

from crms.core.client_input import whole_number
from crms.core.formatting import NumberRefused, parse_decimal

SPLIT = re.compile(r"[\s,;]+")


def codes(text: str) -> list[str]:
    return [part.upper() for part in SPLIT.split(text or "") if part]


def _number(text: str) -> float | str | None:
    """A number as Europeans type it ("1 200,50", "1.200,50"), like the control-result form's amounts."""
    try:
        number = parse_decimal(text)
    except NumberRefused:
        return text.strip()  # pydantic names the field
    return None if number is None else float(number)


SEIZURE_FIELDS = ("seizure_goods", "seizure_quantity", "seizure_unit", "seizure_value", "seizure_date", "seizure_place")


def goods_lines(text: str) -> list[dict[str, str]]:
    """One goods line per row: "950300 plastic toy cars" (HS code, then a description)."""
    goods = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        code, _, description = line.partition(" ")
        goods.append({"hs_code": code.replace(".", ""), "description": description.strip()})
    return goods


def party_lines(text: str) -> list[dict[str, Any]]:
    """One party per row: "role; name; EORI; country" (role, EORI and country optional)."""
    parties = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split(";")]
        cells += [""] * (4 - len(cells))
        role, name, eori, country = cells[:4]
        party: dict[str, Any] = {"role": (role or "consignor").lower(), "name": name}
        party["eori"] = eori.upper() or None
        party["country"] = country.upper() or None
        parties.append(party)
    return parties


def body_from_post(post) -> dict[str, Any]:
    body: dict[str, Any] = {
        "risk_area": post.get("risk_area", ""),
        "title": post.get("title", ""),
        "summary": post.get("summary", ""),
        "modus_operandi": post.get("modus_operandi", ""),
        "goods": goods_lines(post.get("goods", "")),
        "countries_of_origin": codes(post.get("countries_of_origin", "")),
        "routing": codes(post.get("routing", "")),
        "parties": party_lines(post.get("parties", "")),
        "transport_mode": post.get("transport_mode") or None,
        "concealment": post.get("concealment", ""),
        "detection_method": post.get("detection_method", ""),
        "recommended_action": post.get("recommended_action", ""),
        "recommended_control": post.get("recommended_control") or None,
        "valid_from": post.get("valid_from") or None,
        "valid_until": post.get("valid_until") or None,
        "handling": post.get("handling") or "crms_restricted",
        "all_participants": post.get("all_participants") == "yes",
        "recipients": post.getlist("recipients"),
        "crisis": whole_number(post.get("crisis")),
        "criteria": codes(post.get("criteria", "")),
        "pcas": [whole_number(v) for v in post.getlist("pcas") if whole_number(v) is not None],
    }
    # Any seizure detail makes a seizure, so one typed without the goods is refused naming them, not dropped.
    if any(post.get(name, "").strip() for name in SEIZURE_FIELDS):
        body["seizure"] = {
            "goods": post.get("seizure_goods", ""),
            "quantity": _number(post.get("seizure_quantity", "")),
            "unit": post.get("seizure_unit") or None,
            "estimated_value_eur": _number(post.get("seizure_value", "")),
            "seized_on": post.get("seizure_date") or None,
            "place": post.get("seizure_place") or None,
        }
    return body


def values_from_rif(rif) -> dict[str, Any]:
    """The form's field values for an existing RIF (editing a draft)."""
    seizure = rif.seizure or {}
    return {
        "risk_area": rif.risk_area_id,
        "title": rif.title,
        "summary": rif.summary,
        "modus_operandi": rif.modus_operandi,
        "goods": "\n".join(f"{g['hs_code']} {g.get('description', '')}".strip() for g in rif.goods),
        "countries_of_origin": ", ".join(rif.countries_of_origin),
        "routing": ", ".join(rif.routing),
        "parties": "\n".join(
            "; ".join([p.get("role", ""), p.get("name", ""), p.get("eori") or "", p.get("country") or ""])
            for p in rif.parties
        ),
        "transport_mode": rif.transport_mode,
        "concealment": rif.concealment,
        "detection_method": rif.detection_method,
        "recommended_action": rif.recommended_action,
        "recommended_control": rif.recommended_control,
        "valid_from": rif.valid_from.isoformat() if rif.valid_from else "",
        "valid_until": rif.valid_until.isoformat() if rif.valid_until else "",
        "handling": rif.handling,
        "all_participants": rif.all_participants,
        "recipients": rif.recipient_codes,
        "crisis": str(rif.crisis_id or ""),
        "criteria": ", ".join(rif.criteria.values_list("code", flat=True)),
        "pcas": [str(pk) for pk in rif.pcas.values_list("pk", flat=True)],
        "seizure_goods": seizure.get("goods", ""),
        "seizure_quantity": seizure.get("quantity") or "",
        "seizure_unit": seizure.get("unit") or "",
        "seizure_value": seizure.get("estimated_value_eur") or "",
        "seizure_date": seizure.get("seized_on") or "",
        "seizure_place": seizure.get("place") or "",
    }


def values_from_post(post) -> dict[str, Any]:
    values = {key: post.get(key, "") for key in post}
    values["recipients"] = post.getlist("recipients")
    values["pcas"] = post.getlist("pcas")
    values["all_participants"] = post.get("all_participants") == "yes"
    return values


def errors_by_field(errors: list[dict]) -> dict[str, str]:
    """Contract errors keyed by the form field they belong to ("goods[0].hs_code" -> "goods")."""
    by_field: dict[str, str] = {}
    for error in errors:
        field = (error.get("field") or "general").split("[")[0].split(".")[0]
        detail = error["field"] + ": " if error.get("field") and error["field"] != field else ""
        by_field[field] = (by_field.get(field, "") + " " + detail + error["message"]).strip()
    return by_field
