"""Declaration filters shared by the browser list and the REST list."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms

from crms.core.dates import QUERY, WindowDateFilter
from crms.declarations.models import Declaration, Phase, ScreeningStatus, TransportMode
from crms.reference.models import CustomsOffice


class DeclarationFilter(django_filters.FilterSet):
    transport_mode = django_filters.ChoiceFilter(choices=TransportMode.choices, empty_label="All modes")
    phase = django_filters.ChoiceFilter(choices=Phase.choices, empty_label="All phases")
    screening_status = django_filters.ChoiceFilter(
        choices=ScreeningStatus.choices, empty_label="Any status", label="Status"
    )
    office = django_filters.ModelChoiceFilter(
        field_name="office_of_first_entry", queryset=CustomsOffice.objects.all(), empty_label="All offices"
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

    class Meta:
        model = Declaration
        fields = ["transport_mode", "phase", "screening_status", "office", "received_from", "received_to"]

    def filter_received_from(self, queryset, name, value):
        return queryset.filter(received_at__gte=_start_of(value))

    def filter_received_to(self, queryset, name, value):
        return queryset.filter(received_at__lt=_start_of(value) + dt.timedelta(days=1))

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
