"""Every date and time a client can send lies in its window (``crms.core.dates``) or is refused naming the field.

``ROWS`` is the table of every place that accepts a date: pydantic bodies (REST and the browser forms that
validate through them), Django forms and filters, and the code that reads a date by hand (query strings,
browser forms, CSV columns) through ``read_day``/``read_moment`` or checks one with ``Window.admits``. Each row
sends dates just outside its window and at the calendar's edges (year 1 with a positive offset, 9999-12-31)
and expects the refusal naming the field: a 400 with the field in the contract's errors (REST), a 400 page
or form with the window's message (pages), the field in a redirect's message (workbench actions), the
column in the import report (CSV).

The discovery tests fail when a new place accepts a date without a row: they walk every pydantic model
and Django form or filter of the platform, every call of the window functions, every admin form, and
refuse raw date parsing (``parse_date``, ``fromisoformat``...) outside ``crms/core/dates.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import django_filters
import orjson
import pytest
from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from pydantic import BaseModel

from crms.core.admin_dates import WindowSplitDateTimeField
from crms.core.dates import PLANNED, QUERY, RECORDED, Window, WindowDateField
from crms.operators import services as operator_services
from crms.operators.models import AeoAuthorisation
from pca.models import PriorityControlArea
from rif.models import Rif
from risk_engine.models import Criterion
from tests.permissions import client_for
from tests.rif.conftest import rif_body
from tests.risk_engine.conftest import make_criterion, make_ens
from tests.security.discovery import PACKAGES, all_subclasses, calls, project_modules, source_files
from tests.security.world import TOY, World
from workbench.models import ControlResult

pytestmark = pytest.mark.django_db


# --- the values sent: just outside the window and at the calendar's edges --------------------------------------


def outside_days(window: Window) -> list[str]:
    first, last = window.bounds()
    return [(first - dt.timedelta(days=1)).isoformat(), (last + dt.timedelta(days=1)).isoformat(), "9999-12-31"]


def outside_moments(window: Window) -> list[str]:
    first, last = window.bounds()
    return [
        f"{first - dt.timedelta(days=1)}T12:00:00Z",
        f"{last + dt.timedelta(days=1)}T00:00:00Z",
        "0001-01-01T00:00:00+01:00",  # stored, then unreadable as UTC year 0: every list was a 500
        "9999-12-31T23:59:59-01:00",
    ]


# --- how a refusal looks, per kind of way in ---------------------------------------------------------------------


def refused_in_json(response, field: str) -> None:
    assert response.status_code == 400, (field, response.status_code, response.content[:300])
    fields = [problem["field"] for problem in response.json()["errors"]]
    assert field in fields, (field, fields)


def refused_on_page(window: Window, status: int = 400) -> Callable:
    def check(response, field: str) -> None:
        assert response.status_code == status, (field, response.status_code)
        html = response.content.decode()
        assert window.rule(european=True) in html or "A date like" in html, (field, html[:2000])

    return check


def refused_beside_the_field(response, field: str) -> None:
    """Workbench forms come back as typed with the problem beside the field (issue 14)."""
    assert response.status_code == 400, response.status_code
    html = response.content.decode()
    assert f'id="control-{field}-error"' in html, field


# --- the table ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """Sends ``value`` in the field and checks the refusal."""

    send: Callable[[World, str], object]
    check: Callable[[object, str], None]


@dataclass(frozen=True)
class Row:
    source: str  # where discovery finds it: body:<model>.<field>, form:<class>.<field>, call:<file>:<function>
    field: str  # the field the refusal names
    window: Window
    moment: bool  # a date-time (else a day)
    probes: tuple[Probe, ...]


def api(w: World, persona: str):
    return client_for(w.people[persona], api=True)


def browser(w: World, persona: str):
    return client_for(w.people[persona], api=False)


def post_json(client, url: str, body: dict):
    return client.generic("POST", url, orjson.dumps(body), content_type="application/json")


def criterion_api(name: str) -> Probe:
    def send(w, value):
        doc = make_criterion("CRC-DW-NEW", valid_from="2020-01-01T00:00:00Z") | {name: value}
        return post_json(api(w, "commission"), "/api/v1/criteria/", doc)

    return Probe(send, refused_in_json)


def criterion_preview(name: str) -> Probe:
    """The builder's preview answers 200 with the problems (it was silent about year 1)."""

    def send(w, value):
        doc = make_criterion("CRC-DW-NEW", valid_from="2020-01-01T00:00:00Z") | {name: value}
        return post_json(browser(w, "commission"), "/criteria/builder/preview/", doc)

    def check(response, field):
        assert response.status_code == 200
        assert field in [problem["field"] for problem in response.json()["errors"]], response.json()

    return Probe(send, check)


def rif_api(**fields) -> Callable:
    def send(w, value):
        body = rif_body(**{name: (value if spec is None else spec(value)) for name, spec in fields.items()})
        return post_json(api(w, "fr_analyst"), "/api/v1/rifs/", body)

    return send


def rif_form(name: str) -> Probe:
    def send(w, value):
        form = {"risk_area": "product_safety", "title": "Toys again", "summary": "Forged CE marks on toys.",
                "recipients": ["DE"], "handling": "crms_restricted", name: value}  # fmt: skip
        if name == "seizure_date":
            form["seizure_goods"] = "toys"
        return browser(w, "fr_analyst").post("/rif/new/", form)

    def check(response, field):
        assert response.status_code == 400, response.status_code
        assert PLANNED.rule() in response.content.decode() or RECORDED.rule() in response.content.decode()

    return Probe(send, check)


def query(url: str, persona: str, *, api_: bool, check: Callable) -> Probe:
    return Probe(lambda w, value: client_for(w.people[persona], api=api_).get(url.format(value=value)), check)


def pca_form(name: str) -> Probe:
    def send(w, value):
        form = {"title": "Toys again", "risk_area": "product_safety", "starts_on": "2026-01-01",
                "ends_on": "2026-02-01", "participants": ["FR"], "targets": "FR 10"} | {name: value}  # fmt: skip
        return browser(w, "commission").post("/pca/new/", form)

    return Probe(send, refused_on_page(PLANNED))


def pca_service() -> Probe:
    """The designation service checks the window itself (scripts and the demo call it directly)."""

    def send(w, value):
        from pca import services

        moment = dt.datetime(9999, 12, 31, 12, tzinfo=dt.UTC)
        with pytest.raises(services.PcaError) as refused:
            services.designate_pca(actor=w.people["commission"], title="Scripted", risk_area="product_safety",
                                   starts_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC), ends_at=moment,
                                   participants_codes=["FR"])  # fmt: skip
        return refused.value

    def check(error, field):
        assert error.status == 400 and (field, "out_of_range") in [(e["field"], e["code"]) for e in error.errors]

    return Probe(send, check)


INFORMATION_REQUEST = {
    "requested_state": "NL", "subject": "party", "party_name": "Shenzhen Bright Trading Co",
    "party_eori": "CN1234567", "legal_basis": "reg_515_97", "purpose": "Risk analysis of toy imports.",
    "question": "Have you controlled consignments from this consignor, and with what results?",
}  # fmt: skip


def command_day(option: str) -> Probe:
    """The learning commands' calendar days (train_risk_model, score_declarations): a CommandError naming it."""

    def send(w, value):
        from django.core.management.base import CommandError

        from crms.learning.management.commands._dates import day

        with pytest.raises(CommandError) as refused:
            day(option, str(value)[:10])
        return refused.value

    def check(error, field):
        assert str(error).startswith(field), error

    return Probe(send, check)


def request_deadline() -> Probe:
    """An information request's deadline as typed in the browser (ISO or 28/02/2027)."""

    def send(w, value):
        from workbench.views.requests import _day

        return _day(str(value)[:10])

    def check(result, field):
        day, errors = result
        assert day is None and [e["field"] for e in errors] == [field], result

    return Probe(send, check)


def backtest_form(name: str) -> Probe:
    def send(w, value):
        form = {"date_from": "2026-03-01", "date_to": "2026-03-03"} | {name: value}
        return browser(w, "commission").post(f"/criteria/{TOY}/backtests/", form)

    def check(response, field):
        assert response.status_code == 400 and QUERY.rule(european=True) in response.content.decode()

    return Probe(send, check)


def authorisation_form(name: str) -> Probe:
    def send(w, value):
        form = {"number": "FRAEOS000999", "type": "AEOS", "issuing_country": "FR", "programme": "",
                "valid_from": "2025-01-01", "valid_to": "", "status": "active", "reason": "Granted"}  # fmt: skip
        return browser(w, "commission").post(f"/operators/{w.operator.eori}/authorisations/new/", form | {name: value})

    def check(response, field):
        assert response.status_code in (200, 400) and PLANNED.rule(european=True) in response.content.decode()

    return Probe(send, check)


def operator_import(column: str) -> Probe:
    def send(w, value):
        values = dict.fromkeys(operator_services.COLUMNS, "")
        values |= {"eori": "FR10000000000777", "name": "Nouvelle SA", "country": "FR", "aeo_number": "FRAEOS000888",
                   "aeo_type": "AEOS", "aeo_issuing_country": "FR", "aeo_valid_from": "2025-01-01",
                   "aeo_status": "active", column: value}  # fmt: skip
        content = "\n".join([",".join(operator_services.COLUMNS), ",".join(values.values())]).encode()
        file = SimpleUploadedFile("ops.csv", content, "text/csv")
        return browser(w, "commission").post("/operators/import/", {"file": file})

    def check(response, field):
        assert response.status_code == 200
        assert field in [error.column for error in response.context["report"].errors]
        assert not AeoAuthorisation.objects.filter(number="FRAEOS000888").exists()

    return Probe(send, check)


def control_form() -> Probe:
    def send(w, value):
        form = {"control_type": "documentary", "result": "no_irregularity", "controlled_at": value.removesuffix("Z")}
        url = f"/workbench/cases/{w.fr_only_case.pk}/control-results/"
        return browser(w, "fr_analyst").post(url, form, follow=True)

    return Probe(send, refused_beside_the_field)


def control_service() -> Probe:
    """The service checks the window itself, whoever calls it (the form passes a parsed date-time on)."""

    def send(w, value):
        from workbench import services

        moment = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        with pytest.raises(services.WorkbenchError) as refused:
            services.record_control_result(
                actor=w.people["fr_analyst"],
                declaration=w.fr_only_case.declaration,
                data={"control_type": "documentary", "result": "no_irregularity", "controlled_at": moment},
            )
        return refused.value

    def check(error, field):
        assert error.status == 400 and field in [e["field"] for e in error.errors]

    return Probe(send, check)


def rif_into_criterion() -> Probe:
    """A RIF valid until the calendar's end (stored before the window existed) turned into a criterion: 400
    naming the criterion's ``valid_to`` (was a 500: 9999-12-31 plus one day)."""

    def send(w, value):
        rif = Rif.objects.get(pk=w.rif.pk)
        Rif.objects.filter(pk=rif.pk).update(valid_until=dt.date(9999, 12, 31))
        return browser(w, "fr_analyst").post(f"/rif/{rif.reference}/criterion/", follow=True)

    def check(response, field):
        assert response.status_code == 200
        assert any(field in str(m) for m in response.context["messages"]), list(response.context["messages"])
        assert not Criterion.objects.filter(code__startswith="FR-RIF-").exists()

    return Probe(send, check)


def declarations(url: str, persona: str = "fr_analyst") -> tuple[Probe, Probe]:
    return (
        query(url.replace("/api/v1/", "/"), persona, api_=False, check=refused_on_page(QUERY)),
        query(url, persona, api_=True, check=refused_in_json),
    )


ROWS = [
    # --- REST bodies (pydantic) ------------------------------------------------------------------------------------
    Row("body:crms.declarations.schema.EntrySummaryDeclaration.expected_arrival", "expected_arrival", PLANNED, True,
        (Probe(lambda w, v: post_json(api(w, "fr_system"), "/api/v1/declarations/", make_ens(expected_arrival=v)),
               refused_in_json),)),
    Row("body:risk_engine.schema.CriterionDocument.valid_from", "valid_from", PLANNED, True,
        (criterion_api("valid_from"), criterion_preview("valid_from"))),
    Row("body:risk_engine.schema.CriterionDocument.valid_to", "valid_to", PLANNED, True,
        (criterion_api("valid_to"), criterion_preview("valid_to"))),
    Row("body:workbench.schema.ControlResultBody.controlled_at", "controlled_at", RECORDED, True,
        (Probe(lambda w, v: post_json(api(w, "nl_analyst"), f"/api/v1/declarations/{w.forwarded_mrn}/control-results/",
                                      {"control_type": "physical", "result": "no_irregularity", "controlled_at": v}),
               refused_in_json),)),
    Row("body:rif.schema.RifBody.valid_from", "valid_from", PLANNED, False,
        (Probe(rif_api(valid_from=None), refused_in_json), rif_form("valid_from"))),
    Row("body:rif.schema.RifBody.valid_until", "valid_until", PLANNED, False,
        (Probe(rif_api(valid_from=lambda v: "2026-01-01", valid_until=None), refused_in_json), rif_form("valid_until"))),
    Row("body:rif.schema.Seizure.seized_on", "seizure.seized_on", RECORDED, False,
        (Probe(rif_api(seizure=lambda v: {"goods": "toys", "seized_on": v}), refused_in_json),
         rif_form("seizure_date"))),
    # --- Django forms and filters --------------------------------------------------------------------------------
    Row("form:crms.declarations.filters.DeclarationFilter.received_from", "received_from", QUERY, False,
        declarations("/api/v1/declarations/?received_from={value}")),
    Row("form:crms.declarations.filters.DeclarationFilter.received_to", "received_to", QUERY, False,
        declarations("/api/v1/declarations/?received_to={value}")),  # 9999-12-31 plus a day was a 500
    Row("form:crms.operators.forms.AuthorisationForm.valid_from", "valid_from", PLANNED, False,
        (authorisation_form("valid_from"),)),
    Row("form:crms.operators.forms.AuthorisationForm.valid_to", "valid_to", PLANNED, False,
        (authorisation_form("valid_to"),)),
    Row("form:analysis.forms.HitFilterForm.since", "since", QUERY, False,
        (query("/analysis/?since={value}", "commission", api_=False, check=refused_on_page(QUERY)),)),
    Row("form:analysis.forms.HitFilterForm.until", "until", QUERY, False,
        (query("/analysis/?until={value}", "commission", api_=False, check=refused_on_page(QUERY)),)),
    Row("form:crms.learning.forms.OutlierFilterForm.since", "since", QUERY, False,
        (query("/prices/outliers/?since={value}", "fr_analyst", api_=False, check=refused_on_page(QUERY)),)),
    Row("form:crms.learning.forms.OutlierFilterForm.until", "until", QUERY, False,
        (query("/prices/outliers/?until={value}", "commission", api_=False, check=refused_on_page(QUERY)),)),
    # --- read by hand through crms.core.dates ----------------------------------------------------------------------
    Row("call:workbench/api.py:DecisionFeedView.get", "since", QUERY, True,
        (query("/api/v1/decisions/?since={value}", "fr_system", api_=True, check=refused_in_json),)),
    Row("call:risk_engine/feed.py:_parameters", "changed_since", QUERY, True,
        (query("/api/v1/criteria/?changed_since={value}", "fr_analyst", api_=True, check=refused_in_json),)),
    Row("call:rif/api.py:RifCollectionView.get", "since", QUERY, True,
        (query("/api/v1/rifs/?since={value}", "fr_system", api_=True, check=refused_in_json),)),
    Row("call:rif/views.py:_filters.day", "date_from", QUERY, False,
        (query("/rif/?date_from={value}", "fr_analyst", api_=False, check=refused_on_page(QUERY)),
         query("/rif/?date_to={value}", "fr_analyst", api_=False, check=refused_on_page(QUERY)))),
    Row("call:indicators/views.py:_day", "to", QUERY, False,
        (query("/api/v1/indicators/?to={value}", "fr_system", api_=True, check=refused_in_json),
         query("/indicators/?to={value}", "fr_analyst", api_=False, check=refused_on_page(QUERY)))),
    Row("call:indicators/views.py:_day", "from", QUERY, False,
        (query("/api/v1/indicators/?from={value}", "fr_system", api_=True, check=refused_in_json),
         query("/indicators/export/hits.csv?from={value}", "fr_analyst", api_=False, check=refused_on_page(QUERY)))),
    Row("call:pca/views.py:_day", "starts_at", PLANNED, False, (pca_form("starts_on"),)),
    Row("call:pca/views.py:_day", "ends_at", PLANNED, False, (pca_form("ends_on"),)),  # 9999-12-31 was a 500
    Row("call:pca/periods.py:allowed", "ends_at", PLANNED, True, (pca_service(),)),
    Row("call:crms/audit/views.py:_filtered", "from", QUERY, False,
        (query("/audit/?from={value}", "commission", api_=False, check=refused_on_page(QUERY)),
         query("/audit/?to={value}", "commission", api_=False, check=refused_on_page(QUERY)))),
    Row("body:exchange.schema.RequestBody.answer_by", "answer_by", PLANNED, False,
        (Probe(lambda w, v: post_json(api(w, "fr_analyst"), "/api/v1/information-requests/",
                                      INFORMATION_REQUEST | {"answer_by": v[:10]}), refused_in_json),)),
    Row("call:crms/learning/management/commands/_dates.py:day", "--from", QUERY, False, (command_day("--from"),)),
    Row("call:workbench/views/requests.py:_day", "answer_by", PLANNED, False, (request_deadline(),)),
    Row("call:risk_engine/backtest.py:_date", "date_from", QUERY, False, (backtest_form("date_from"),)),
    Row("call:risk_engine/backtest.py:_date", "date_to", QUERY, False, (backtest_form("date_to"),)),
    Row("call:crms/operators/services.py:_parse_date", "aeo_valid_from", PLANNED, False,
        (operator_import("aeo_valid_from"),)),
    Row("call:crms/operators/services.py:_parse_date", "aeo_valid_to", PLANNED, False,
        (operator_import("aeo_valid_to"),)),
    Row("call:workbench/views/cases.py:record_control", "controlled_at", RECORDED, True, (control_form(),)),
    Row("call:workbench/services.py:_control_errors", "controlled_at", RECORDED, True, (control_service(),)),
    Row("call:indicators/evaluation.py:parse_period", "period", QUERY, False,
        (Probe(lambda w, v: api(w, "fr_system").get(f"/api/v1/indicators/evaluation/?period={int(v[:4]) + 11}"),
               refused_in_json),)),
    Row("call:rif/services.py:_end_of", "valid_to", PLANNED, False, (rif_into_criterion(),)),
]  # fmt: skip

ROW_IDS = [f"{row.source.split(':', 1)[1]}:{row.field}" for row in ROWS]


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_dates_outside_their_window_are_refused_naming_the_field(world, row):
    values = outside_moments(row.window) if row.moment else outside_days(row.window)
    stored = (ControlResult.objects.count(), PriorityControlArea.objects.count(), Rif.objects.count(),
              Criterion.objects.count(), AeoAuthorisation.objects.count())  # fmt: skip
    for probe in row.probes:
        for value in values:
            probe.check(probe.send(world, value), row.field)
    assert stored == (ControlResult.objects.count(), PriorityControlArea.objects.count(), Rif.objects.count(),
                      Criterion.objects.count(), AeoAuthorisation.objects.count())  # fmt: skip


def test_a_date_inside_its_window_is_accepted(world):
    """The table's refusals are the window's, not of a field that refuses everything."""
    last = PLANNED.bounds()[1]
    doc = make_criterion("CRC-DW-EDGE", valid_from="2000-01-01T00:00:00+14:00", valid_to=f"{last}T23:00:00-12:00")
    assert post_json(api(world, "commission"), "/api/v1/criteria/", doc).status_code == 201
    since = "1970-01-01T00:00:00Z"  # "since the epoch": national systems poll like this
    assert api(world, "fr_system").get(f"/api/v1/decisions/?since={since}").status_code == 200
    assert browser(world, "fr_analyst").get(f"/declarations/?received_to={QUERY.bounds()[1]}").status_code == 200
    control = {"control_type": "physical", "result": "no_irregularity",
               "controlled_at": timezone.now().replace(microsecond=0).isoformat()}  # fmt: skip
    url = f"/api/v1/declarations/{world.forwarded_mrn}/control-results/"
    assert post_json(api(world, "nl_analyst"), url, control).status_code == 201


# --- discovery: a new date without a row fails -------------------------------------------------------------------


def _is_date_schema(schema: dict) -> bool:
    if schema.get("format") in ("date", "date-time"):
        return True
    parts = schema.get("anyOf", []) + schema.get("oneOf", []) + ([schema["items"]] if "items" in schema else [])
    return any(_is_date_schema(part) for part in parts)


# Documents the platform writes (responses), never read from a client: their dates are not inputs.
READ_ONLY_MODELS = {
    "crms.declarations.api_docs.DeclarationRead",
    "workbench.schema.ControlResultRead",
    "workbench.schema.DecisionRead",
    "rif.schema.FeedbackRead",
    "rif.schema.RecipientRead",
    "rif.schema.RifRead",
    "rif.schema.RifSummary",
    "pca.schema.PcaRead",
    "pca.schema.PcaSummary",
    "rif.schema.AttachmentRead",
    "rif.schema.ReadReceipt",
    "rif.schema_crises.CrisisPostRead",
    "rif.schema_crises.CrisisRead",
    "rif.schema_crises.CrisisSummary",
    "workbench.schema.ReferralAnswerRead",
    "workbench.schema.ReferralQuestionRead",
    "workbench.schema.ReferralRead",
    "exchange.schema.MessageRead",
    "exchange.schema.RequestRead",
    "exchange.schema.RequestSummary",
    "notifications.schema.DeliveryRead",
    "notifications.schema.EventRead",
    "notifications.schema.SubscriptionRead",
}


def discovered_body_fields() -> set[str]:
    list(project_modules())
    found = set()
    for model in all_subclasses(BaseModel):
        name = f"{model.__module__}.{model.__name__}"
        if not model.__module__.startswith(PACKAGES) or name in READ_ONLY_MODELS:
            continue
        properties = model.model_json_schema(mode="validation").get("properties", {})
        found |= {f"body:{name}.{field}" for field, schema in properties.items() if _is_date_schema(schema)}
    return found


def discovered_form_fields() -> set[str]:
    list(project_modules())
    found = set()
    for form in [*all_subclasses(forms.BaseForm), *all_subclasses(django_filters.FilterSet)]:
        if not form.__module__.startswith(PACKAGES) or form.__module__.endswith(".admin"):
            continue  # the admin rebuilds its forms' date fields: test_every_admin_date_field_has_the_admin_window
        fields = getattr(form, "base_fields", None) or {
            name: f.field_class for name, f in getattr(form, "base_filters", {}).items()
        }
        for name, field in fields.items():
            kind = field if isinstance(field, type) else type(field)
            if issubclass(kind, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
                found.add(f"form:{form.__module__}.{form.__qualname__}.{name}")
    return found


WINDOW_CALLS = {"read_day", "read_moment", "admits"}
SKIPPED_FILES = ("crms/core/dates.py", "crms/core/admin_dates.py")  # the module itself; the admin below


def discovered_calls() -> set[str]:
    return {
        f"call:{relative}:{scope}"
        for relative, tree in source_files()
        if relative not in SKIPPED_FILES
        for scope, _ in calls(tree, WINDOW_CALLS)
    }


def test_every_date_accepted_anywhere_has_a_row():
    discovered = discovered_body_fields() | discovered_form_fields() | discovered_calls()
    listed = {row.source for row in ROWS}
    missing, stale = sorted(discovered - listed), sorted(listed - discovered)
    assert not missing, "Dates accepted without a row in ROWS (add one, with its window):\n" + "\n".join(missing)
    assert not stale, "Rows for places that no longer accept a date:\n" + "\n".join(stale)


def test_read_only_models_are_never_request_bodies():
    """A model moved from the answers to the requests would escape the table above."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    requested = {
        content["schema"]["$ref"].rsplit("/", 1)[-1]
        for path in schema["paths"].values()
        for operation in path.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
        if "$ref" in content.get("schema", {})
    }
    assert requested and not requested & {name.rsplit(".", 1)[-1] for name in READ_ONLY_MODELS}


RAW_PARSERS = {"parse_date", "parse_datetime", "fromisoformat", "strptime", "fromtimestamp"}
# Dates the platform reads from its own files, command lines or its own stored records: not from clients.
RAW_PARSING_ALLOWED = {
    "crms/reference/loader.py",  # the shipped reference CSVs
    "crms/declarations/management/commands/generate_ens.py",  # a command-line option
    "crms/declarations/management/commands/partitions.py",  # --drop YYYY-MM, an operator's command line
    "risk_engine/backtest.py",  # _period re-reads a stored period that clean_params checked
    "risk_engine/backtest_forecast.py",  # re-reads the same stored, checked period
    "crms/core/templatetags/labels.py",  # iso_datetime shows stored documents (and survives year 1)
    "crms/audit/presenters.py",  # _date_text shows dates stored in audit snapshots, never a client's input
}


def test_no_date_is_parsed_by_hand_outside_the_window_module():
    found = {
        f"{relative}:{scope}"
        for relative, tree in source_files()
        if relative not in SKIPPED_FILES
        and relative not in RAW_PARSING_ALLOWED
        and not relative.startswith("crms/benchmarks/")
        for scope, _ in calls(tree, RAW_PARSERS)
    }
    assert found == set(), "Read dates with crms.core.dates (read_day, read_moment, the pydantic types)"


def test_every_admin_date_field_has_the_admin_window(personas):
    """The admin builds its forms from the models: every date field of every registered model and inline."""
    from django.contrib.auth import get_user_model

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser("dw-admin", password="correct-horse-battery")
    checked = []
    for model, model_admin in admin.site._registry.items():
        forms_ = [model_admin.get_form(request)]
        forms_ += [inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)]
        for form in forms_:
            for name, field in form.base_fields.items():
                if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
                    checked.append(f"{model._meta.label}.{name}")
                    assert isinstance(field, WindowDateField | WindowSplitDateTimeField), (model, name)
    assert "accounts.Organisation.member_to" in checked and "operators.AeoAuthorisation.valid_to" in checked
