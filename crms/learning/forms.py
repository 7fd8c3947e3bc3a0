"""Browser forms of learned selection: the price pages' filters. Dates typed the European way (or ISO)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE
from crms.core.dates import QUERY, WindowDateField

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]  # within the query window of crms.core.dates
EUROPEAN = forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "numeric"})


def hs_prefix_field() -> forms.RegexField:
    return forms.RegexField(
        required=False,
        regex=r"^\s*[0-9]{2,6}\s*$",
        max_length=12,
        label=_("HS code starts with"),
        error_messages={"invalid": _("Two to six digits of an HS code, e.g. 6109.")},
    )


class _Filters(forms.Form):
    def clean_hs(self) -> str:
        return self.cleaned_data["hs"].strip()

    def filters(self) -> dict:
        """The valid filters; a refused value filters nothing (its error is shown beside the form)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}


class BaselineSearchForm(_Filters):
    hs = hs_prefix_field()


class OutlierFilterForm(_Filters):
    since = WindowDateField(
        window=QUERY, required=False, input_formats=DATE_FORMATS, widget=EUROPEAN, label=_("From (dd/mm/yyyy)")
    )
    until = WindowDateField(
        window=QUERY, required=False, input_formats=DATE_FORMATS, widget=EUROPEAN, label=_("To (dd/mm/yyyy)")
    )
    member_state = forms.ChoiceField(required=False, label=_("Member State"))
    hs = hs_prefix_field()

    def __init__(self, data, *, member_states: bool, initial: dict | None = None):
        """``member_states``: the viewer reads every Member State's declarations and may pick one."""
        super().__init__(data, initial=initial)
        if member_states:
            today = timezone.localdate()  # current outliers: of Member States taking part today
            participants = (
                Organisation.objects.exclude(code=COMMISSION_CODE)
                .filter(member_from__lte=today)
                .exclude(member_to__lt=today)
                .order_by("code")
            )
            self.fields["member_state"].choices = [
                ("", _("All Member States")),
                *((o.code, f"{o.code} {o.name}") for o in participants),
            ]
        else:
            del self.fields["member_state"]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The period ends before it starts."))
        return cleaned
