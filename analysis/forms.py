"""The workspace's filters and the flag form. Dates are typed the European way (28/02/2027) or ISO."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crms.accounts.models import Organisation
from crms.accounts.roles import COMMISSION_CODE
from crms.core.dates import QUERY, WindowDateField
from crms.reference.models import RiskArea
from risk_engine.models import OutcomeChoice

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]  # within the query window of crms.core.dates
EORI = r"^[A-Za-z]{2}[A-Za-z0-9]{1,15}$"


class HitFilterForm(forms.Form):
    criterion = forms.CharField(required=False, max_length=40, label=_("EU criterion (code)"))
    member_state = forms.ChoiceField(required=False, label=_("Member State"))
    risk_area = forms.ChoiceField(required=False, label=_("Risk area"))
    since = WindowDateField(window=QUERY, required=False, input_formats=DATE_FORMATS, label=_("From (dd/mm/yyyy)"))
    until = WindowDateField(window=QUERY, required=False, input_formats=DATE_FORMATS, label=_("To (dd/mm/yyyy)"))
    outcome = forms.ChoiceField(
        required=False, label=_("Outcome"), choices=[("", _("Any outcome")), *OutcomeChoice.choices]
    )

    def __init__(self, data):
        super().__init__(data)
        participants = Organisation.objects.exclude(code=COMMISSION_CODE).order_by("code")
        self.fields["member_state"].choices = [
            ("", _("All Member States")),
            *((o.code, f"{o.code} {o.name}") for o in participants),
        ]
        self.fields["risk_area"].choices = [("", _("All risk areas")), *RiskArea.objects.values_list("code", "name")]

    def clean_criterion(self) -> str:
        return self.cleaned_data["criterion"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The period ends before it starts."))
        return cleaned

    def filters(self) -> dict:
        """The valid filters; a refused value filters nothing (its error is shown beside the field)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}


class PartyForm(forms.Form):
    eori = forms.RegexField(
        required=False,
        regex=EORI,
        max_length=17,
        label=_("EORI"),
        error_messages={"invalid": _("An EORI is a country code and up to 15 letters or digits, e.g. FR123456789.")},
    )
    name = forms.CharField(required=False, min_length=3, max_length=200, label=_("Name (contains)"))

    def clean_eori(self) -> str:
        return self.cleaned_data["eori"].strip().upper()


class FlagForm(forms.Form):
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Note"),
        help_text=_("What the Member State should look at; its analysts see it on the case page."),
    )
    criterion_code = forms.CharField(required=False, max_length=40, label=_("Prompted by EU criterion (optional)"))
