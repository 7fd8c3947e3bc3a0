"""The global search box (issue 14): what people type, found among what they may open.

One query is matched, by its shape, against several kinds of object; each kind is read through
the selector of its own area (``declarations_for``'s row scope, ``rifs_for``, ``criteria_for``), so a
result is only ever something the user can open, and nothing is counted over rows they may not read.

- Declarations: MRN prefix (``26FR...``), LRN prefix (as typed), container prefix (``MSCU12``),
  each read through a ``varchar_pattern_ops`` index, cut at the page size, then sorted.
- Parties: EORI prefix, and names with typos ("Acme Tradng" finds "ACME Trading GmbH") through
  the application's trigram postings (``crms.search.models``; no pg_trgm on the embedded server).
- RIFs by reference prefix or words of the title; criteria by code prefix or words of the title.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Q
from django.urls import reverse

from crms.accounts.roles import Role
from crms.declarations.models import Declaration
from crms.declarations.selectors import row_scope_for
from crms.search.trigrams import trigrams
from rif.selectors import rifs_for
from risk_engine.models import Scope
from risk_engine.selectors import criteria_for, versions_shown

MIN_LENGTH = 2
MAX_LENGTH = 100
PAGE = 10  # results per kind
MIN_SHARED = 0.5  # share of the typed trigrams a name must contain

MRN = re.compile(r"[0-9]{2}[A-Z0-9]{2,16}")
EORI = re.compile(r"[A-Z]{2}[A-Z0-9]{1,15}")
CONTAINER = re.compile(r"[A-Z]{4}[0-9]{0,7}")

KINDS = {
    "declaration": "Declarations",
    "party": "Parties",
    "rif": "Risk information forms",
    "criterion": "Risk criteria",
}


class QueryError(ValueError):
    """The query cannot be searched; ``message`` says why in plain words (field ``q``)."""

    field = "q"


@dataclass(frozen=True)
class Result:
    kind: str
    title: str
    detail: str
    matched: str  # what the query matched, as a label: "MRN", "EORI", "name (similar)"
    url: str
    api_url: str = ""


@dataclass
class Results:
    query: str
    groups: dict[str, list[Result]] = field(default_factory=dict)
    more: dict[str, bool] = field(default_factory=dict)

    @property
    def total_shown(self) -> int:
        return sum(len(results) for results in self.groups.values())


def clean_query(raw: str | None) -> str:
    """Whitespace collapsed; between ``MIN_LENGTH`` and ``MAX_LENGTH`` characters, else ``QueryError``."""
    query = " ".join((raw or "").split())
    if "\x00" in query:
        raise QueryError("The search text may not contain NUL characters.")
    if len(query) < MIN_LENGTH:
        raise QueryError(f"Type at least {MIN_LENGTH} characters to search.")
    if len(query) > MAX_LENGTH:
        raise QueryError(f"Type at most {MAX_LENGTH} characters to search (you typed {len(query)}).")
    return query


def search(user, query: str, *, page: int = PAGE) -> Results:
    """Every kind the user may read, ``page`` results per kind at most (``more`` says when cut)."""
    results = Results(query)
    for kind, finder in (
        ("declaration", _declarations),
        ("party", _parties),
        ("rif", _rifs),
        ("criterion", _criteria),
    ):
        found = finder(user, query, page + 1)
        results.groups[kind] = found[:page]
        results.more[kind] = len(found) > page
    return results


# --- declarations --------------------------------------------------------------------------------------------


def _declaration_result(declaration: Declaration, matched: str, value: str) -> Result:
    return Result(
        kind="declaration",
        title=declaration.mrn,
        detail=(f"{matched} {value} · " if matched != "MRN" else "")
        + f"{declaration.consignor_name} → {declaration.consignee_name}",
        matched=matched,
        url=reverse("declaration-detail", args=[declaration.mrn]),
        api_url=reverse("api-declaration", args=[declaration.mrn]),
    )


def _declarations(user, query: str, limit: int) -> list[Result]:
    scope = row_scope_for(user)
    if not scope.key:
        return []
    compact = query.replace(" ", "").upper()
    visible = Declaration.objects.filter(scope.q()).only("mrn", "lrn", "consignor_name", "consignee_name")
    found: list[Result] = []
    seen: set[int] = set()

    def add(declaration: Declaration, matched: str, value: str) -> None:
        if declaration.pk not in seen and len(found) < limit:
            seen.add(declaration.pk)
            found.append(_declaration_result(declaration, matched, value))

    # No ORDER BY in SQL: a pattern-ops index does not give the collation's order, so ordering would sort
    # every match (a million for "26FR"); the first ``limit`` matches found are sorted here instead.
    if MRN.fullmatch(compact):
        for declaration in sorted(visible.filter(mrn__startswith=compact).order_by()[:limit], key=_mrn):
            add(declaration, "MRN", declaration.mrn)
    if len(query) >= 3:
        for declaration in sorted(visible.filter(lrn__startswith=query).order_by()[:limit], key=_lrn):
            add(declaration, "LRN", declaration.lrn)
    if CONTAINER.fullmatch(compact) and len(found) < limit:
        for declaration, container in _by_container(scope, compact, limit):
            add(declaration, "Container", container)
    return found


def _mrn(declaration: Declaration) -> str:
    return declaration.mrn


def _lrn(declaration: Declaration) -> str:
    return declaration.lrn


def _by_container(scope, prefix: str, limit: int) -> list[tuple[Declaration, str]]:
    """Declarations with a goods item in a container starting with ``prefix``, in container order."""
    condition, params = scope.sql("d")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT d.id, g.container FROM declarations_goodsitem g
                JOIN declarations_declarationversion v ON v.id = g.version_id
                JOIN declarations_declaration d ON d.id = v.declaration_id
                WHERE g.container <> '' AND g.container LIKE %(prefix)s AND {condition}
                LIMIT %(page_rows)s""",  # noqa: S608 - the scope's fixed fragment
            {"prefix": _like_prefix(prefix), "page_rows": limit * 4, **params},
        )
        rows = sorted(cursor.fetchall(), key=lambda row: (row[1], row[0]))  # no ORDER BY: see _declarations
    first: dict[int, str] = {}
    for pk, container in rows:
        first.setdefault(pk, container)
    declarations = Declaration.objects.in_bulk(list(first)[:limit])
    return [(declarations[pk], container) for pk, container in first.items() if pk in declarations]


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# --- parties -------------------------------------------------------------------------------------------------


def _party_scope(user) -> tuple[str, dict[str, str]] | None:
    """SQL condition on ``search_indexedparty p``: parties named in declarations the user reads."""
    scope = row_scope_for(user)
    if scope.everything:
        return "TRUE", {}
    if not scope.key:
        return None
    return (
        "EXISTS (SELECT 1 FROM search_partyscope s WHERE s.party_id = p.id AND s.member_state_id = %(ms)s)",
        {"ms": scope.key},
    )


def _party_result(name: str, eori: str, matched: str) -> Result:
    party = eori or name
    return Result(
        kind="party",
        title=name,
        detail=f"EORI {eori}" if eori else "no EORI given",
        matched=matched,
        url=reverse("declarations-list") + "?" + urlencode({"party": party}),
        api_url=reverse("api-declarations") + "?" + urlencode({"party": party}),
    )


COMMON_POSTINGS = 5_000  # a trigram in more names than this is counted for candidates, not scanned
COMMON_SECONDS = 300


def split_common(typed: list[str], least: int, postings: dict[str, float]) -> tuple[list[str], list[str]]:
    """The typed trigrams to scan for candidates, and the common ones only counted for them afterwards.

    A name must share ``least`` of the typed trigrams. Leaving ``k`` common ones out of the scan and
    asking the rest for ``least - k`` finds every such name (it shares at most ``k`` of those left out)
    and more; counting the left-out ones for those candidates then gives exactly the names and counts
    the whole scan would have: same results, same order. "  s" alone was half the register's postings.
    At most ``least - 1`` are left out, so a candidate always shares a scanned trigram.
    """
    common = sorted((t for t in typed if postings.get(t, 0) > COMMON_POSTINGS), key=lambda t: -postings[t])
    common = sorted(common[: max(0, least - 1)])
    return [t for t in typed if t not in common], common


_common_cache: dict[str, object] = {}


def common_trigrams() -> dict[str, float]:
    """Trigram -> estimated postings, for the most common trigrams, from the planner's own statistics
    (``ANALYZE``, kept by autovacuum): no count of our own to maintain. Read every few minutes; stale
    figures only change which trigrams are scanned, never the results."""
    if _common_cache.get("until", 0) > time.monotonic():
        return _common_cache["postings"]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT s.most_common_vals::text::text[], s.most_common_freqs, c.reltuples
               FROM pg_stats s JOIN pg_class c ON c.oid = 'search_partytrigram'::regclass
               WHERE s.schemaname = current_schema() AND s.tablename = 'search_partytrigram'
                 AND s.attname = 'trigram'"""
        )
        row = cursor.fetchone()
    postings = {}
    if row and row[0]:
        values, frequencies, total = row
        postings = {value: frequency * total for value, frequency in zip(values, frequencies, strict=True)}
    _common_cache.update(postings=postings, until=time.monotonic() + COMMON_SECONDS)
    return postings


def _parties(user, query: str, limit: int) -> list[Result]:
    scoped = _party_scope(user)
    if scoped is None:
        return []
    condition, params = scoped
    compact = query.replace(" ", "").upper()
    rows: list[tuple[int, str, str, str]] = []
    with connection.cursor() as cursor:
        if EORI.fullmatch(compact) and len(compact) >= 4:
            cursor.execute(
                f"""SELECT p.id, p.name, p.eori FROM search_indexedparty p
                    WHERE p.eori <> '' AND p.eori LIKE %(prefix)s AND {condition}
                    LIMIT %(rows)s""",  # noqa: S608 - the scope's fixed fragment
                {"prefix": _like_prefix(compact), "rows": limit, **params},
            )
            rows += [(*row, "EORI") for row in sorted(cursor.fetchall(), key=lambda row: (row[2], row[1]))]
        typed = sorted(trigrams(query))
        if len(typed) >= 3 and len(rows) < limit:
            least = math.ceil(MIN_SHARED * len(typed))
            rare, common = split_common(typed, least, common_trigrams())
            # The left-out common trigrams counted per candidate, by the postings' primary key (trigram, party).
            counted = "0"
            if common:
                counted = """(SELECT count(*) FROM search_partytrigram c
                               WHERE c.trigram = ANY(%(common)s) AND c.party_id = r.party_id)"""
            cursor.execute(
                f"""SELECT p.id, p.name, p.eori FROM (
                        SELECT r.party_id, r.shared + {counted} AS shared
                        FROM (
                            SELECT party_id, count(*) AS shared FROM search_partytrigram
                            WHERE trigram = ANY(%(rare)s) GROUP BY party_id HAVING count(*) >= %(least_rare)s
                        ) r
                    ) m JOIN search_indexedparty p ON p.id = m.party_id
                    WHERE m.shared >= %(least)s AND {condition}
                    ORDER BY m.shared DESC, m.shared::float / (p.trigram_count + %(size)s - m.shared) DESC,
                             p.name, p.eori, p.id
                    LIMIT %(rows)s""",  # noqa: S608 - the scope's fixed fragment
                {
                    "rare": rare,
                    "common": common,
                    "least_rare": least - len(common),
                    "least": least,
                    "size": len(typed),
                    "rows": limit,
                    **params,
                },
            )
            rows += [(*row, "Name") for row in cursor.fetchall()]
    found, seen = [], set()
    for pk, name, eori, matched in rows:
        if pk not in seen:
            seen.add(pk)
            found.append(_party_result(name, eori, matched))
    return found[:limit]


# --- RIFs and criteria ---------------------------------------------------------------------------------------


def _rifs(user, query: str, limit: int) -> list[Result]:
    matching = rifs_for(user).filter(Q(reference__istartswith=query) | Q(title__icontains=query))
    return [
        Result(
            kind="rif",
            title=rif.reference,
            detail=f"{rif.title} · {rif.get_status_display()} · {rif.organisation_id}",
            matched="Reference" if rif.reference.upper().startswith(query.upper()) else "Title",
            url=rif.get_absolute_url(),
            api_url=reverse("api-rif", args=[rif.reference]),
        )
        for rif in matching.order_by("reference")[:limit]
    ]


def _criteria(user, query: str, limit: int) -> list[Result]:
    readable = criteria_for(user)
    match = Q(code__istartswith=query)
    if user.is_authenticated and user.role != Role.NATIONAL_SYSTEM:  # a system reads published versions only
        match |= Q(versions__title__icontains=query)
    results = []
    for criterion in readable.filter(match).distinct().order_by("code")[:limit]:
        shown = versions_shown(user, criterion, list(criterion.versions.order_by("-version")))
        title = shown[0].title if shown else ""
        results.append(
            Result(
                kind="criterion",
                title=criterion.code,
                detail=f"{title} · {Scope(criterion.scope).label}" if title else Scope(criterion.scope).label,
                matched="Code" if criterion.code.upper().startswith(query.upper()) else "Title",
                url=reverse("criteria-detail", args=[criterion.code]),
                api_url=reverse("api-criterion", args=[criterion.code]),
            )
        )
    return results
