"""Browser forms of the criteria area: the list's filters, watch lists and their entries."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crms.reference.models import RiskArea
from risk_engine.models import Scope, WatchList, WatchListEntry
from risk_engine.selectors import LIST_STATUSES, VALIDITY


class CriteriaFilterForm(forms.Form):
    """The criteria list's filters, all optional and combined (kept in the query string)."""

    scope = forms.ChoiceField(
        required=False,
        label=_("Scope"),
        choices=[
            ("", _("EU criteria and national profiles")),
            (Scope.EU.value, _("EU common risk criteria")),
            (Scope.NATIONAL.value, _("National risk profiles")),
        ],
    )
    risk_area = forms.ChoiceField(required=False, label=_("Risk area"))
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("Any status")), *((status.value, status.label) for status in LIST_STATUSES)],
    )
    owner = forms.ChoiceField(required=False, label=_("Owner"))
    validity = forms.ChoiceField(
        required=False, label=_("Validity"), choices=[("", _("Any validity")), *VALIDITY.items()]
    )

    def __init__(self, data, *, owners: list[str]):
        super().__init__(data)
        self.fields["risk_area"].choices = [("", _("All risk areas")), *RiskArea.objects.values_list("code", "name")]
        self.fields["owner"].choices = [("", _("All owners")), *((code, code) for code in owners)]

    def filters(self) -> dict[str, str]:
        """The valid filters; a refused value filters nothing (its error is shown beside the field)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in self.fields if name not in self.errors}


class WatchListForm(forms.Form):
    code = forms.RegexField(
        regex=r"^[A-Z0-9][A-Z0-9_-]{2,39}$",
        max_length=40,
        label=_("Code"),
        help_text=_(
            "3-40 capital letters, digits, - or _, starting with your Member State's code, e.g. FR-WL-SHIPPERS"
        ),
        error_messages={"invalid": _("Use 3-40 capital letters, digits, - or _, starting with a letter or digit.")},
    )
    name = forms.CharField(max_length=WatchList._meta.get_field("name").max_length, label=_("Name"))
    kind = forms.ChoiceField(choices=WatchList.Kind.choices, label=_("Kind"))
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, label=_("Description")
    )


REASON_MAX = WatchListEntry._meta.get_field("reason").max_length


class EntryForm(forms.Form):
    value = forms.CharField(max_length=WatchListEntry._meta.get_field("value").max_length, label=_("Value"))
    reason = forms.CharField(
        max_length=REASON_MAX, label=_("Reason"), help_text=_("Why it is on the list (kept in the audit log)")
    )


class RemoveEntryForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX, label=_("Reason for removal"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (value,reason)"))
