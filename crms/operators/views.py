"""Browsing and editing the operator / AEO registry.

Everyone in the "operators" area reads; :func:`crms.operators.permissions.may_edit`
decides who changes what (403 otherwise, and the pages hide what is not allowed).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from crms.core.access import area_required
from crms.core.derived import derived
from crms.operators import selectors, services
from crms.operators.forms import AuthorisationForm, ImportForm, OperatorForm
from crms.operators.models import MRA_PROGRAMMES, AeoAuthorisation, Operator
from crms.operators.permissions import editable_country, may_edit
from crms.reference.models import Country

PAGE_SIZE = 50


def _get_operator(eori: str) -> Operator:
    found = selectors.operator(eori)
    if found is None:
        raise Http404(f"No operator with EORI {eori}.")
    return found


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _add_service_errors(form, error: ValidationError) -> None:
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


def _may_add_authorisation(user, operator: Operator) -> bool:
    """Commission staff: always; a risk manager: when their Member State may issue one to this operator."""
    if not may_edit(user):
        return False
    country = editable_country(user)
    if country is None:
        return True
    return (
        may_edit(user, AeoAuthorisation(operator=operator, issuing_country_id=country))
        and services.issuing_country_error(operator_country=operator.country_id, issuing_country=country) is None
    )


@area_required("operators")
def operator_list(request):
    query = request.GET.get("q", "").strip()
    country = request.GET.get("country", "").strip().upper()
    aeo = request.GET.get("aeo", "")
    aeo = aeo if aeo in ("yes", "no") else ""
    today = timezone.localdate()
    found = selectors.operators(query=query, country=country or None, aeo=aeo or None, day=today)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": query,
        "country": country,
        "aeo": aeo,
        "today": today,
        "countries": Country.objects.filter(iso2__in=Operator.objects.values("country_id")).order_by("iso2"),
        "may_edit": may_edit(request.user),
    }
    if request.headers.get("HX-Request"):
        return render(request, "operators/_results.html", context)
    return render(request, "operators/list.html", context)


@derived("recent ENS naming the operator")
@area_required("operators")
def operator_detail(request, eori):
    operator = _get_operator(eori)
    today = timezone.localdate()
    authorisations = [
        {
            "obj": authorisation,
            "valid": authorisation.valid_on(today),
            "may_edit": may_edit(request.user, authorisation),
        }
        for authorisation in operator.authorisations.all()
    ]
    context = {
        "operator": operator,
        "aeo": operator.aeo_on(today),
        "today": today,
        "authorisations": authorisations,
        "parties": selectors.recent_parties(request.user, operator),
        "may_edit_operator": may_edit(request.user, operator),
        "may_add_authorisation": _may_add_authorisation(request.user, operator),
        "mra_programmes": MRA_PROGRAMMES,
    }
    return render(request, "operators/detail.html", context)


def _save_operator_form(request, form: OperatorForm, *, eori: str, refusal: str):
    """Save a valid operator form through the service; None (errors on the form) when refused."""
    data = form.cleaned_data
    country = data["country"].iso2
    _refuse_unless(may_edit(request.user, Operator(country_id=country)), refusal.format(country=country))
    try:
        return services.save_operator(
            actor=request.user,
            eori=eori,
            name=data["name"],
            street=data["street"],
            city=data["city"],
            postcode=data["postcode"],
            country=country,
            reason=data["reason"],
        )
    except ValidationError as error:
        _add_service_errors(form, error)
        return None


@area_required("operators")
def operator_create(request):
    _refuse_unless(may_edit(request.user), "Only risk managers and Commission staff register operators.")
    form = OperatorForm(request.POST or None, country=editable_country(request.user))
    if request.method == "POST" and form.is_valid():
        saved = _save_operator_form(
            request, form, eori=form.cleaned_data["eori"], refusal="You may not register operators of {country}."
        )
        if saved is not None:
            messages.success(request, _("Operator %(eori)s registered.") % {"eori": saved.obj.eori})
            return redirect("operators-detail", eori=saved.obj.eori)
    return render(request, "operators/operator_form.html", {"form": form, "operator": None})


@area_required("operators")
def operator_edit(request, eori):
    operator = _get_operator(eori)
    _refuse_unless(may_edit(request.user, operator), f"You may not change operators of {operator.country_id}.")
    form = OperatorForm(request.POST or None, instance=operator, country=editable_country(request.user))
    if request.method == "POST" and form.is_valid():
        saved = _save_operator_form(request, form, eori=eori, refusal="You may not move operators to {country}.")
        if saved is not None:
            if saved.outcome == "unchanged":
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("Operator %(eori)s updated.") % {"eori": eori})
            return redirect("operators-detail", eori=eori)
    operator = _get_operator(eori)  # the form may have changed the instance in memory
    return render(request, "operators/operator_form.html", {"form": form, "operator": operator})


def _save_authorisation(request, operator: Operator, form: AuthorisationForm, existing: AeoAuthorisation | None):
    data = form.cleaned_data
    issuing = data["issuing_country"].iso2
    _refuse_unless(
        may_edit(request.user, AeoAuthorisation(issuing_country_id=issuing)),
        f"You may not register authorisations issued by {issuing}.",
    )
    return services.save_authorisation(
        actor=request.user,
        operator=operator,
        number=data["number"],
        type=data["type"],
        issuing_country=issuing,
        programme=data["programme"],
        valid_from=data["valid_from"],
        valid_to=data["valid_to"],
        status=data["status"],
        reason=data["reason"],
        authorisation=existing,
    )


@area_required("operators")
def authorisation_add(request, eori):
    operator = _get_operator(eori)
    country = editable_country(request.user)
    _refuse_unless(
        _may_add_authorisation(request.user, operator),
        "You may not register authorisations for this operator.",
    )
    form = AuthorisationForm(request.POST or None, operator=operator, country=country)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_authorisation(request, operator, form, None)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Authorisation %(number)s registered.") % {"number": saved.obj.number})
            return redirect("operators-detail", eori=eori)
    context = {"form": form, "operator": operator, "authorisation": None}
    return render(request, "operators/authorisation_form.html", context)


@area_required("operators")
def authorisation_edit(request, eori, pk):
    operator = _get_operator(eori)
    authorisation = get_object_or_404(AeoAuthorisation.objects.select_related("operator"), pk=pk, operator=operator)
    _refuse_unless(
        may_edit(request.user, authorisation),
        f"You may not change authorisations issued by {authorisation.issuing_country_id}.",
    )
    number = authorisation.number
    form = AuthorisationForm(
        request.POST or None, instance=authorisation, operator=operator, country=editable_country(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save_authorisation(request, operator, form, AeoAuthorisation(pk=pk))
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            if saved.outcome == "unchanged":
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("Authorisation %(number)s updated.") % {"number": saved.obj.number})
            return redirect("operators-detail", eori=eori)
    context = {"form": form, "operator": operator, "authorisation": authorisation, "number": number}
    return render(request, "operators/authorisation_form.html", context)


@area_required("operators")
def operator_import(request):
    _refuse_unless(may_edit(request.user), "Only risk managers and Commission staff import operators.")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.import_operators_csv(form.cleaned_data["file"], actor=request.user)
        form = ImportForm()
    context = {
        "form": form,
        "report": report,
        "columns": services.COLUMNS,
        "restricted_to": editable_country(request.user),
    }
    return render(request, "operators/import.html", context)
