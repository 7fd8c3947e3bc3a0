"""Declaration filters shared by the browser list and the REST list."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from crms.accounts.models import Organisation
from crms.core.dates import QUERY, WindowDateFilter
from crms.declarations.models import Declaration, Phase, ScreeningStatus, TransportMode
from crms.reference.models import CustomsOffice


def _outcomes() -> list[tuple[str, str]]:
    from risk_engine.models import OutcomeChoice

    return list(OutcomeChoice.choices)


def _risk_areas() -> list[tuple[str, str]]:
    from crms.reference.models import RiskArea

    return list(RiskArea.objects.order_by("name").values_list("code", "name"))


class DeclarationFilter(django_filters.FilterSet):
    transport_mode = django_filters.ChoiceFilter(choices=TransportMode.choices, empty_label="All modes")
    phase = django_filters.ChoiceFilter(choices=Phase.choices, empty_label="All phases")
    screening_status = django_filters.ChoiceFilter(
        choices=ScreeningStatus.choices, empty_label="Any status", label="Status"
    )
    office = django_filters.ModelChoiceFilter(
        field_name="office_of_first_entry", queryset=CustomsOffice.objects.all(), empty_label="All offices"
    )
    # The indicators' ENS rows count by Member State of first entry; their "records" link carries it, so the
    # list shows the rows behind the figure (adversarial probe, 7 December: AT's 13 opened 240 of every country).
    member_state = django_filters.ModelChoiceFilter(
        field_name="first_entry_member_state",
        queryset=Organisation.objects.exclude(code="EU").order_by("code"),
        to_field_name="code",
        empty_label="All Member States",
        label="Member State of first entry",
    )
    # Whole days as timestamp ranges (UTC), so the received_at index serves them; within the query window
    # (``received_to=9999-12-31`` plus one day was a 500).
    received_from = WindowDateFilter(
        window=QUERY, method="filter_received_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = WindowDateFilter(
        window=QUERY, method="filter_received_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = django_filters.CharFilter(method="filter_reference", label="MRN, LRN or transport document")
    # Of the current version's assessment (what the engine says now), as the declaration page shows it.
    outcome = django_filters.ChoiceFilter(
        choices=_outcomes, method="filter_outcome", empty_label="Any outcome", label="Outcome"
    )
    risk_area = django_filters.ChoiceFilter(
        choices=_risk_areas, method="filter_risk_area", empty_label="Any risk area", label="Risk area"
    )
    party = django_filters.CharFilter(method="filter_party", label="Party (EORI or start of a name)", max_length=120)

    class Meta:
        model = Declaration
        fields = [
            "transport_mode",
            "phase",
            "screening_status",
            "office",
            "member_state",
            "received_from",
            "received_to",
        ]

    def first_entry_member_state(self) -> str | None:
        """The Member State of first entry the office filter fixes (None without one), so lists leave
        out a scope branch that cannot match (``selectors.declaration_branches_for``)."""
        if not (self.is_bound and self.is_valid()):
            return None
        office, member_state = self.form.cleaned_data.get("office"), self.form.cleaned_data.get("member_state")
        if office:
            return office.member_state_id
        return member_state.code if member_state else None

    def filter_received_from(self, queryset, name, value):
        return queryset.filter(received_at__gte=_start_of(value))

    def filter_received_to(self, queryset, name, value):
        return queryset.filter(received_at__lt=_start_of(value) + dt.timedelta(days=1))

    def filter_outcome(self, queryset, name, value):
        from risk_engine.models import Assessment

        current = Assessment.objects.filter(
            declaration=OuterRef("pk"), version__version=OuterRef("current_version"), outcome=value
        )
        return queryset.filter(Exists(current))

    def filter_risk_area(self, queryset, name, value):
        from risk_engine.models import Hit

        hits = Hit.objects.filter(
            assessment__declaration=OuterRef("pk"),
            assessment__version__version=OuterRef("current_version"),
            risk_area=value,
            shadow=False,
        )
        return queryset.filter(Exists(hits))

    def filter_party(self, queryset, name, value):
        """An EORI (exact, any party role of any version) or the start of the consignor's or consignee's name."""
        from crms.declarations.models import Party

        value = " ".join(value.split())
        if not value:
            return queryset
        match = Q(consignor_name__istartswith=value) | Q(consignee_name__istartswith=value)
        compact = value.replace(" ", "").upper()
        if 3 <= len(compact) <= 17 and compact[:2].isalpha() and compact[2:].isalnum():
            match |= Exists(Party.objects.filter(version__declaration=OuterRef("pk"), eori=compact))
        return queryset.filter(match)

    def filter_reference(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if len(value) == 18 and value[:2].isdigit():
            return queryset.filter(mrn=value.upper())
        return (
            queryset.filter(lrn=value) | queryset.filter(master_document=value) | queryset.filter(house_document=value)
        )


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
