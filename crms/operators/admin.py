"""Admin for the registry. Saves and deletes go through the services, so the audit log
records them with the reason typed in the admin form."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from crms.operators import services
from crms.operators.forms import eori_validator
from crms.operators.models import AeoAuthorisation, Operator

ADMIN_DELETE_REASON = "Deleted in the admin"


def _check_authorisation(form: forms.ModelForm, operator: Operator | None) -> None:
    """The MRA rule and the programme default, checked while the admin form can still show errors."""
    cleaned = form.cleaned_data
    issuing = cleaned.get("issuing_country")
    if operator is None or issuing is None or not operator.country_id:
        return
    problem = services.issuing_country_error(operator_country=operator.country_id, issuing_country=issuing.iso2)
    if problem:
        form.add_error("issuing_country", problem)
        return
    cleaned["programme"] = (cleaned.get("programme") or "").strip() or services.default_programme(issuing.iso2)
    if programme_problem := services.programme_error(issuing_country=issuing.iso2, programme=cleaned["programme"]):
        form.add_error("programme", programme_problem)
    valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        form.add_error("valid_to", "The end of validity is before its start.")


class AuthorisationInlineForm(forms.ModelForm):
    class Meta:
        model = AeoAuthorisation
        fields = ["number", "type", "issuing_country", "programme", "valid_from", "valid_to", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].required = False


class AuthorisationInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # ``self.instance`` is the operator with the values just submitted (not saved yet when new).
        for form in self.forms:
            if getattr(form, "cleaned_data", None) and not self._should_delete_form(form):
                _check_authorisation(form, self.instance)


class ReasonForm(forms.ModelForm):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why this change is made; it is kept in the audit log.",
    )


class OperatorAdminForm(ReasonForm):
    class Meta:
        model = Operator
        fields = ["eori", "name", "street", "city", "postcode", "country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "eori" in self.fields:
            self.fields["eori"].validators.append(eori_validator)


class AuthorisationAdminForm(ReasonForm):
    class Meta:
        model = AeoAuthorisation
        fields = ["operator", "number", "type", "issuing_country", "programme", "valid_from", "valid_to", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].required = False

    def clean(self):
        cleaned = super().clean()
        _check_authorisation(self, cleaned.get("operator"))
        return cleaned


def _save_authorisation(request, authorisation: AeoAuthorisation, reason: str) -> None:
    saved = services.save_authorisation(
        actor=request.user,
        operator=Operator.objects.get(pk=authorisation.operator_id),
        number=authorisation.number,
        type=authorisation.type,
        issuing_country=authorisation.issuing_country_id,
        programme=authorisation.programme,
        valid_from=authorisation.valid_from,
        valid_to=authorisation.valid_to,
        status=authorisation.status,
        reason=reason,
        authorisation=authorisation if authorisation.pk else None,
    )
    authorisation.pk = saved.obj.pk
    authorisation.programme = saved.obj.programme


class AuthorisationInline(admin.TabularInline):
    model = AeoAuthorisation
    form = AuthorisationInlineForm
    formset = AuthorisationInlineFormSet
    extra = 0
    fields = ("number", "type", "issuing_country", "programme", "valid_from", "valid_to", "status")
    autocomplete_fields = ("issuing_country",)


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    form = OperatorAdminForm
    list_display = ("eori", "name", "city", "country", "aeo_today")
    list_filter = ("country", "authorisations__type", "authorisations__status")
    search_fields = ("eori", "name", "authorisations__number")
    autocomplete_fields = ("country",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [AuthorisationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country").prefetch_related("authorisations")

    def get_readonly_fields(self, request, obj=None):
        # The EORI identifies the operator (and links ENS parties to it): it does not change.
        return (*self.readonly_fields, "eori") if obj is not None else self.readonly_fields

    @admin.display(description="AEO today")
    def aeo_today(self, obj: Operator) -> str:
        authorisation = obj.aeo_on()
        return authorisation.type if authorisation else "—"

    def save_model(self, request, obj, form, change):
        saved = services.save_operator(
            actor=request.user,
            eori=obj.eori,
            name=obj.name,
            street=obj.street,
            city=obj.city,
            postcode=obj.postcode,
            country=obj.country_id,
            reason=form.cleaned_data["reason"],
        )
        obj.pk = saved.obj.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not AeoAuthorisation:
            return super().save_formset(request, form, formset, change)
        reason = form.cleaned_data["reason"]
        for authorisation in formset.save(commit=False):
            try:
                _save_authorisation(request, authorisation, reason)
            except ValidationError as error:
                # The inline form cannot show it any more: report it and skip this authorisation.
                messages.error(
                    request,
                    _("Authorisation %(number)s: %(problems)s")
                    % {"number": authorisation.number, "problems": "; ".join(error.messages)},
                )
        for authorisation in formset.deleted_objects:
            services.delete_authorisation(actor=request.user, authorisation=authorisation, reason=reason)
        return None

    def delete_model(self, request, obj):
        services.delete_operator(actor=request.user, operator=obj, reason=ADMIN_DELETE_REASON)

    def delete_queryset(self, request, queryset):
        for operator in queryset:
            services.delete_operator(actor=request.user, operator=operator, reason=ADMIN_DELETE_REASON)


@admin.register(AeoAuthorisation)
class AeoAuthorisationAdmin(admin.ModelAdmin):
    form = AuthorisationAdminForm
    list_display = ("number", "operator", "type", "issuing_country", "programme", "valid_from", "valid_to", "status")
    list_filter = ("type", "status", "issuing_country")
    search_fields = ("number", "operator__eori", "operator__name")
    autocomplete_fields = ("operator", "issuing_country")
    list_select_related = ("operator", "issuing_country")
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        _save_authorisation(request, obj, form.cleaned_data["reason"])
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.delete_authorisation(actor=request.user, authorisation=obj, reason=ADMIN_DELETE_REASON)

    def delete_queryset(self, request, queryset):
        for authorisation in queryset.select_related("operator"):
            services.delete_authorisation(actor=request.user, authorisation=authorisation, reason=ADMIN_DELETE_REASON)
