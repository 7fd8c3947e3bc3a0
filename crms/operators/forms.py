"""Forms for the registry pages. They check what a person typed; the services save it.

Every change carries a reason, which goes to the audit log with it.
"""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from crms.core.dates import PLANNED, WindowDateField
from crms.operators.models import MRA_PROGRAMMES, AeoAuthorisation, Operator
from crms.operators.selectors import eu_member_states
from crms.operators.services import EORI_PATTERN, default_programme, issuing_country_error, programme_error
from crms.reference.models import Country

eori_validator = RegexValidator(
    EORI_PATTERN,
    _("An EORI is two capital letters (the country) followed by 1 to 15 letters or digits, e.g. FR12345678901234."),
)


def _reason_field() -> forms.CharField:
    return forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason"),
        help_text=_("Why this change is made; it is kept in the audit log."),
    )


class MarksInvalidFields:
    """Flag fields with errors (``aria-invalid``) so Pico styles them and screen readers announce them."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"


class CountryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Country) -> str:
        return f"{obj.iso2} {obj.name}"


class OperatorForm(MarksInvalidFields, forms.ModelForm):
    """Create an operator (any EORI not registered yet) or change one (its EORI stays)."""

    reason = _reason_field()

    class Meta:
        model = Operator
        fields = ["eori", "name", "street", "city", "postcode", "country"]
        field_classes = {"country": CountryChoiceField}
        # Lazy translations of the model's names (the model's own are plain strings).
        labels = {
            "eori": _("EORI"),
            "name": _("Name"),
            "street": _("Street"),
            "city": _("City"),
            "postcode": _("Postcode"),
            "country": _("Country"),
        }
        help_texts = {"eori": _("EORI or third-country trader identification number")}

    def __init__(self, *args, country: str | None = None, **kwargs):
        """``country``: the only country the user may choose (a risk manager's Member State)."""
        super().__init__(*args, **kwargs)
        self.fields["eori"].validators.append(eori_validator)
        self.fields["eori"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        if self.instance.pk:
            self.fields["eori"].disabled = True
            self.fields["eori"].help_text = _("The EORI identifies the operator and cannot change.")
        if country is not None:
            self.fields["country"].queryset = Country.objects.filter(iso2=country)
            self.fields["country"].empty_label = None

    def clean_eori(self) -> str:
        return self.cleaned_data["eori"].strip()


DAY_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuthorisationForm(MarksInvalidFields, forms.ModelForm):
    """Add or change an AEO authorisation of one operator."""

    reason = _reason_field()
    # Within the planning window of crms.core.dates, like every date a client sends.
    valid_from = WindowDateField(window=PLANNED, label=_("Valid from"), widget=DAY_INPUT)
    valid_to = WindowDateField(window=PLANNED, label=_("Valid to"), required=False, widget=DAY_INPUT)

    class Meta:
        model = AeoAuthorisation
        fields = ["number", "type", "issuing_country", "programme", "valid_from", "valid_to", "status"]
        field_classes = {"issuing_country": CountryChoiceField}
        labels = {
            "number": _("Number"),
            "type": _("Type"),
            "issuing_country": _("Issuing country"),
            "programme": _("Programme"),
            "status": _("Status"),
        }
        help_texts = {
            "number": _("Authorisation or certificate number"),
            "issuing_country": _("Issuing Member State, or the MRA partner for a recognised third-country programme"),
        }

    def __init__(self, *args, operator: Operator, country: str | None = None, **kwargs):
        """``country``: the only issuing country the user may choose (a risk manager's Member State)."""
        super().__init__(*args, **kwargs)
        self.operator = operator
        self.eu = eu_member_states()
        # The issuing countries the MRA rule allows for this operator.
        allowed = self.eu if operator.country_id in self.eu else set(MRA_PROGRAMMES)
        if country is not None:
            allowed = allowed & {country}
        self.fields["issuing_country"].queryset = Country.objects.filter(iso2__in=allowed).order_by("iso2")
        self.fields["programme"].required = False
        self.fields["programme"].help_text = _("Leave blank for the issuing country's programme (EU AEO, C-TPAT, ...).")
        if not self.instance.pk:
            self.initial.setdefault("programme", "")
            if country is not None and country in allowed:
                self.initial.setdefault("issuing_country", country)

    def clean(self):
        cleaned = super().clean()
        valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("The end of validity is before its start."))
        issuing = cleaned.get("issuing_country")
        if issuing is not None:
            problem = issuing_country_error(
                operator_country=self.operator.country_id, issuing_country=issuing.iso2, eu=self.eu
            )
            if problem:
                self.add_error("issuing_country", problem)
            else:
                cleaned["programme"] = (cleaned.get("programme") or "").strip() or default_programme(issuing.iso2)
                if programme_problem := programme_error(issuing_country=issuing.iso2, programme=cleaned["programme"]):
                    self.add_error("programme", programme_problem)
        return cleaned


class ImportForm(MarksInvalidFields, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma-separated, with a header line. At most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB: split it, or use `manage.py import_operators`.")
            )
        return upload
