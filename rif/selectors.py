"""Reads of risk information, scoped by organisation, role and handling marking in one place.

- A draft or submitted RIF is seen by its author organisation only.
- A published RIF is seen by its author organisation, by the Member States it is addressed
  to (one ``RifRecipient`` row each) and by the Commission (all published RIFs; EU auditors too).
- National systems see only ``crms_restricted`` RIFs: EU-restricted and limited-distribution
  RIFs are for people, never for machine accounts (their REST list names them, flagged
  ``people_only``, with no content: ``feed_for``).
- A participant taking part through an agreement (CH, NO) sees only the RIFs and crises its
  agreement record lists (``crms.reference.agreements``), even if addressed to it.
- Feedback and read/response state: the author organisation and the Commission see every
  recipient's; a recipient sees its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from crms.accounts.roles import Role, is_eu_wide_reader, member_state_of
from crms.reference.agreements import receivable
from crms.reference.models import ExchangeKind
from rif.models import (
    CrisisAlert,
    CrisisPost,
    CrisisStatus,
    HandlingMarking,
    Rif,
    RifFeedback,
    RifRecipient,
    RifStatus,
)
from rif.services import hs_prefixes

RELEASED = (RifStatus.PUBLISHED, RifStatus.WITHDRAWN)
PEOPLE = frozenset(Role.values) - {Role.NATIONAL_SYSTEM}


def rifs_for(user) -> QuerySet[Rif]:
    rifs = Rif.objects.select_related("organisation", "risk_area")
    if not user.is_authenticated:
        return rifs.none()
    if user.is_superuser:
        return rifs
    own = Q(organisation_id=user.organisation_id) if user.organisation_id else Q(pk__in=[])
    if is_eu_wide_reader(user):
        return rifs.filter(own | Q(status__in=RELEASED))
    member_state = member_state_of(user)
    if member_state is None:
        return rifs.none()
    visible = own | _released_to(member_state)
    if user.role == Role.NATIONAL_SYSTEM:
        visible &= Q(handling=HandlingMarking.CRMS_RESTRICTED)
    return rifs.filter(visible)


def _released_to(member_state: str) -> Q:
    """Published or withdrawn, addressed to the Member State, within its agreement (if any)."""
    addressed = Exists(RifRecipient.objects.filter(rif=OuterRef("pk"), member_state_id=member_state))
    return Q(status__in=RELEASED) & addressed & receivable(member_state, ExchangeKind.RIF)


PEOPLE_ONLY = ~Q(handling=HandlingMarking.CRMS_RESTRICTED)


def feed_for(user) -> QuerySet[Rif]:
    """The REST list: ``rifs_for`` annotated ``people_only``. A national system's list also holds the RIFs
    its Member State received (or wrote) that are marked for people only, flagged so, rather than leave
    them out: the system knows there is something a person must read in the browser, never what."""
    if user.is_authenticated and user.role == Role.NATIONAL_SYSTEM and (member_state := member_state_of(user)):
        visible = Q(organisation_id=member_state) | _released_to(member_state)
        return (
            Rif.objects.select_related("organisation", "risk_area")
            .filter(visible)
            .annotate(people_only=ExpressionWrapper(PEOPLE_ONLY, output_field=BooleanField()))
        )
    return rifs_for(user).annotate(people_only=Value(False))


def people_only_for(user, reference: str) -> bool:
    """The RIF is in the user's feed but marked for people only (a national system reads it in no detail)."""
    return feed_for(user).filter(reference=reference, people_only=True).exists()


def rif_for(user, reference: str) -> Rif | None:
    return rifs_for(user).select_related("crisis", "created_by", "approved_by").filter(reference=reference).first()


def sees_all_follow_up(user, rif: Rif) -> bool:
    return user.is_superuser or is_eu_wide_reader(user) or user.organisation_id == rif.organisation_id


def recipients_of(user, rif: Rif) -> QuerySet[RifRecipient]:
    rows = rif.recipients.select_related("member_state", "read_by").order_by("member_state_id")
    if sees_all_follow_up(user, rif):
        return rows
    return rows.filter(member_state_id=member_state_of(user))


def feedback_on(user, rif: Rif) -> QuerySet[RifFeedback]:
    rows = rif.feedback.select_related("author", "criterion", "member_state")
    if sees_all_follow_up(user, rif):
        return rows
    return rows.filter(member_state_id=member_state_of(user))


def criteria_linked(user, rif: Rif):
    from risk_engine.selectors import criteria_for

    return criteria_for(user).filter(rifs=rif).order_by("code")


def inbox(user) -> QuerySet[RifRecipient]:
    """The RIFs addressed to the user's Member State, newest first, with read and response state."""
    member_state = member_state_of(user)
    if member_state is None:
        return RifRecipient.objects.none()
    rows = RifRecipient.objects.filter(member_state_id=member_state, rif__status__in=RELEASED).filter(
        receivable(member_state, ExchangeKind.RIF, risk_area_field="rif__risk_area_id")
    )
    if user.role == Role.NATIONAL_SYSTEM:
        rows = rows.filter(rif__handling=HandlingMarking.CRMS_RESTRICTED)
    return rows.select_related("rif", "rif__organisation", "rif__risk_area").order_by("-published_at", "id")


def follow_up_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.RIF_FOLLOW_UP_DAYS)


def overdue_follow_ups(user, *, now: dt.datetime | None = None) -> QuerySet[RifRecipient]:
    """Recipients who have not posted feedback ``RIF_FOLLOW_UP_DAYS`` after publication.

    The Commission sees all; a Member State sees those of its own RIFs and those it owes.
    """
    rows = RifRecipient.objects.filter(
        responded_at=None, published_at__lte=follow_up_cutoff(now), rif__status=RifStatus.PUBLISHED
    ).select_related("rif", "member_state", "rif__organisation")
    if not user.is_authenticated or user.role not in PEOPLE:
        return rows.none()
    if not (user.is_superuser or is_eu_wide_reader(user)):
        member_state = member_state_of(user)
        if member_state is None:
            return rows.none()
        rows = rows.filter(Q(rif__organisation_id=member_state) | Q(member_state_id=member_state))
    return rows.order_by("published_at", "rif_id", "member_state_id")


@dataclass(frozen=True)
class RifFilters:
    q: str = ""
    risk_area: str = ""
    country: str = ""
    hs_code: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str = ""
    organisation: str = ""


def search_rifs(user, filters: RifFilters) -> QuerySet[Rif]:
    """Full text (Postgres search on a GIN-indexed vector) plus filters; best match first when searching."""
    rifs = rifs_for(user)
    if filters.risk_area:
        rifs = rifs.filter(risk_area_id=filters.risk_area)
    if filters.country:
        rifs = rifs.filter(countries__contains=[filters.country.upper()])
    if filters.hs_code:
        code = "".join(ch for ch in filters.hs_code if ch.isdigit())
        if code:
            rifs = rifs.filter(Q(hs_prefixes__contains=[code]) | Q(hs_codes__overlap=hs_prefixes([code])))
    if filters.status:
        rifs = rifs.filter(status=filters.status)
    if filters.organisation:
        rifs = rifs.filter(organisation_id=filters.organisation.upper())
    if filters.date_from:
        rifs = rifs.filter(
            Q(published_at__date__gte=filters.date_from) | Q(published_at=None, created_at__date__gte=filters.date_from)
        )
    if filters.date_to:
        rifs = rifs.filter(
            Q(published_at__date__lte=filters.date_to) | Q(published_at=None, created_at__date__lte=filters.date_to)
        )
    if filters.q.strip():
        query = SearchQuery(filters.q.strip(), search_type="websearch", config="english") | SearchQuery(
            filters.q.strip(), search_type="plain", config="simple"
        )
        return (
            rifs.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", F("published_at").desc(nulls_first=True), "-id")
        )
    return rifs.order_by(F("published_at").desc(nulls_first=True), "-id")


def rifs_matching_version(user, version) -> QuerySet[Rif]:
    """Published, still valid RIFs visible to ``user`` whose HS codes, countries or party EORIs match the ENS version.

    HS codes match by prefix either way (a RIF on 9503 matches an item 95030010); countries are
    the route and the items' origins, leaving out participating Member States (every ENS passes
    through one); parties match by EORI.
    """
    from crms.accounts.models import Organisation

    codes = [code for code in version.items.values_list("hs_code", flat=True) if code]
    origins = [c for c in version.items.values_list("country_of_origin", flat=True) if c]
    eoris = [e for e in version.parties.values_list("eori", flat=True) if e]
    participants = set(Organisation.objects.values_list("code", flat=True))
    countries = sorted({*(version.routing or []), *origins} - participants)
    match = Q(pk__in=[])
    if codes:
        match |= Q(hs_codes__overlap=hs_prefixes(codes))
    if countries:
        match |= Q(countries__overlap=countries)
    if eoris:
        match |= Q(eoris__overlap=sorted(set(eoris)))
    today = timezone.localdate()
    return (
        rifs_for(user)
        .filter(status=RifStatus.PUBLISHED)
        .filter(Q(valid_until=None) | Q(valid_until__gte=today))
        .filter(match)
        .order_by("-published_at", "-id")
    )


def crises_for(user) -> QuerySet[CrisisAlert]:
    """Crisis alerts are shared with every participant's staff and, over REST, its national system;
    a participant by agreement sees those its agreement lists."""
    if not user.is_authenticated or (user.role not in Role.values and not user.is_superuser):
        return CrisisAlert.objects.none()
    crises = CrisisAlert.objects.filter(receivable(member_state_of(user), ExchangeKind.CRISIS))
    return crises.select_related("risk_area", "opened_by").annotate(post_count=Count("posts"))


def crisis_for(user, pk: int) -> CrisisAlert | None:
    return crises_for(user).filter(pk=pk).first()


def recent_crisis_posts(user, *, days: int = 7) -> QuerySet[CrisisPost]:
    since = timezone.now() - dt.timedelta(days=days)
    return (
        CrisisPost.objects.filter(crisis__in=crises_for(user).values("pk"))
        .filter(crisis__status=CrisisStatus.OPEN, created_at__gte=since)
        .select_related("crisis", "author", "organisation")
        .order_by("-created_at")
    )


def notification_counts(user) -> dict[str, int]:
    """The sidebar badge: unread RIFs, follow-ups overdue, open crises updated this week (two indexed queries)."""
    counts = {"unread": 0, "overdue": 0, "crises": 0}
    if not user.is_authenticated or user.role not in PEOPLE:
        return counts
    cutoff = follow_up_cutoff()
    member_state = member_state_of(user)
    if member_state is not None:
        counts.update(
            RifRecipient.objects.filter(member_state_id=member_state, rif__status=RifStatus.PUBLISHED)
            .filter(receivable(member_state, ExchangeKind.RIF, risk_area_field="rif__risk_area_id"))
            .aggregate(
                unread=Count("id", filter=Q(read_at=None)),
                overdue=Count("id", filter=Q(responded_at=None, published_at__lte=cutoff)),
            )
        )
    elif is_eu_wide_reader(user):
        counts["overdue"] = RifRecipient.objects.filter(
            responded_at=None, published_at__lte=cutoff, rif__status=RifStatus.PUBLISHED
        ).count()
    counts["crises"] = (
        CrisisAlert.objects.filter(receivable(member_state, ExchangeKind.CRISIS))
        .filter(status=CrisisStatus.OPEN, updated_at__gte=timezone.now() - dt.timedelta(days=7))
        .count()
    )
    return counts
