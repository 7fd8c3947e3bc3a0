"""Which events a user reads: those concerning their Member State, never more than they may read.

- An event row names the Member States it concerns (written with it): the Member States of first
  entry and unloading for an ENS's assessment and control results, the deciding Member State and
  the one a control was forwarded to for a decision, both sides of a referral, a RIF's author and
  recipients, a PCA's participants, every participant for EU criteria and crises, the owner for a
  national profile. Member State users (people and national systems) read the events of their own
  Member State; the Commission and EU auditors read all.
- Events about exchange resources (RIFs, criteria, crises, PCAs) are checked again when read, against
  the resource's own selector, so the feed follows the areas' rules (a national system reads no crisis
  unless the crisis area lets it). A RIF marked for people only is announced to a national system of a
  recipient Member State without its content (reference and marking), rather than left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.db.models import QuerySet

from crms.accounts.roles import Role, is_eu_wide_reader, member_state_of
from notifications.models import Event, EventType


def events_for(user) -> QuerySet[Event]:
    """Sequenced events concerning the user's Member State (all for EU-wide readers), before read checks."""
    events = Event.objects.filter(position__isnull=False)
    if not user.is_authenticated:
        return events.none()
    if is_eu_wide_reader(user) or user.is_superuser:
        return events
    member_state = member_state_of(user)
    if member_state is None:
        return events.none()
    return events.filter(member_states__contains=[member_state])


def _readable_subjects(user) -> dict[str, Callable[[set[str]], set[str]]]:
    from pca.selectors import pcas_for
    from rif.selectors import crises_for, rifs_for
    from risk_engine.selectors import criteria_for

    return {
        EventType.RIF_PUBLISHED: lambda keys: set(
            rifs_for(user).filter(reference__in=keys).values_list("reference", flat=True)
        ),
        EventType.CRITERION_CHANGED: lambda keys: set(
            criteria_for(user).filter(code__in=keys).values_list("code", flat=True)
        ),
        EventType.CRISIS_OPENED: lambda keys: set(
            crises_for(user).filter(reference__in=keys).values_list("reference", flat=True)
        ),
        EventType.PCA_DESIGNATED: lambda keys: set(
            pcas_for(user).filter(reference__in=keys).values_list("reference", flat=True)
        ),
    }


def redacted(event: Event) -> dict:
    """What a machine account learns of an event whose content is for people only."""
    return {key: event.data[key] for key in ("reference", "handling") if key in event.data} | {"people_only": True}


def readable(user, events: list[Event]) -> list[tuple[Event, dict | None]]:
    """``events`` the user may read, each with the data to show (None: the event's own data).

    One query per exchange type present on the page, whatever the page's length.
    """
    checks = _readable_subjects(user)
    keys: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.type in checks:
            keys[event.type].add(event.subject)
    allowed = {kind: checks[kind](subjects) for kind, subjects in keys.items()}
    machine = user.role == Role.NATIONAL_SYSTEM
    shown = []
    for event in events:
        if event.type not in checks or event.subject in allowed[event.type]:
            shown.append((event, None))
        elif event.people_only and machine:
            shown.append((event, redacted(event)))
    return shown
