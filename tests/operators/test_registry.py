"""The operator / AEO registry: CSV import, services and their audit entries, AEO validity,
who may read and change what, and which ENS parties an operator's page shows."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import itertools
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from crms.audit.models import AuditEntry
from crms.declarations.api_docs import EXAMPLE_ENS
from crms.declarations.services import file_declarations
from crms.operators import selectors, services
from crms.operators.models import AeoAuthorisation, Operator
from crms.operators.permissions import may_edit
from tests.conftest import make_user
from tests.permissions import Case, check_matrix

SAMPLE = Path(__file__).resolve().parents[2] / "crms" / "operators" / "data" / "sample_operators.csv"
HEADER = ",".join(services.COLUMNS)
TODAY = dt.date(2026, 6, 1)

PEOPLE = [
    "commission",
    "commission_approver",
    "eu_auditor",
    "fr_analyst",
    "fr_risk_manager",
    "fr_auditor",
    "nl_analyst",
    "de_analyst",
]
EDITORS = ["commission", "commission_approver", "fr_risk_manager"]
COMMISSION = ["commission", "commission_approver"]

FR_EORI = "FR12345678901234"
DE_EORI = "DE123456789012345"  # the filer of crms.declarations.api_docs.EXAMPLE_ENS
US_EORI = "US123456789"
_lrns = itertools.count(1)


def expect(allowed: list[str], *, ok: int = 200, denied: int = 403) -> dict[str, int]:
    """People not allowed get 403, national systems may not enter the area, anonymous goes to login."""
    everyone = dict.fromkeys([*PEOPLE, "fr_system"], denied)
    everyone.update(dict.fromkeys(allowed, ok))
    everyone.update({"anonymous": 302, "outsider": 302})
    return everyone


def csv_file(*rows: str) -> io.StringIO:
    return io.StringIO("\n".join([HEADER, *rows]) + "\n")


def sample_rows() -> list[dict[str, str]]:
    with open(SAMPLE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def registry(db) -> dict:
    """An FR, a DE and a US operator, each holding one authorisation of its own country."""
    fr = services.save_operator(actor=None, eori=FR_EORI, name="Logistique Lyon SAS", city="Lyon", country="FR").obj
    de = services.save_operator(actor=None, eori=DE_EORI, name="Fast Parcels GmbH", city="Leipzig", country="DE").obj
    us = services.save_operator(actor=None, eori=US_EORI, name="Pacific Rim Exporters", country="US").obj

    def authorise(operator, number, country):
        return services.save_authorisation(
            actor=None,
            operator=operator,
            number=number,
            type="AEOF",
            issuing_country=country,
            valid_from=dt.date(2020, 1, 1),
        ).obj

    return {
        "fr": fr,
        "de": de,
        "us": us,
        "fr_auth": authorise(fr, "FRAEOF000001", "FR"),
        "de_auth": authorise(de, "DEAEOF000001", "DE"),
        "us_auth": authorise(us, "US-CTPAT-000001", "US"),
    }


# --- CSV import ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sample_file_imports_cleanly_and_again_changes_nothing():
    rows = sample_rows()
    report = services.import_operators_csv(SAMPLE, actor=None)
    assert report.errors == []
    assert report.rows == len(rows) >= 30
    assert report.operators.created == len({row["eori"] for row in rows}) == Operator.objects.count()
    assert report.authorisations.created == sum(1 for row in rows if row["aeo_number"])
    assert AeoAuthorisation.objects.filter(status="suspended").exists()
    assert AeoAuthorisation.objects.filter(status="revoked").exists()
    assert {"US", "CN", "JP", "CH", "NO"} <= set(AeoAuthorisation.objects.values_list("issuing_country_id", flat=True))
    assert AeoAuthorisation.objects.get(number="US-CTPAT-402118").programme == "C-TPAT"  # defaulted
    entries = AuditEntry.objects.count()

    again = services.import_operators_csv(SAMPLE, actor=None)
    assert again.errors == []
    assert (again.created, again.updated) == (0, 0)
    assert again.operators.unchanged == len(rows)
    assert again.authorisations.unchanged == report.authorisations.created
    assert AuditEntry.objects.count() == entries  # nothing changed, nothing logged


@pytest.mark.django_db
def test_import_reports_row_and_column_and_imports_the_valid_rows(registry):
    report = services.import_operators_csv(
        csv_file(
            "FR99999999999999,Bonne Ligne SA,,Paris,75001,FR,FRAEOC123,AEOC,FR,,2024-01-01,,",  # 2 ok
            "fr123,Bad Eori,,,,FR,,,,,,,",  # 3
            "XX12345,Nowhere Ltd,,,,ZZ,,,,,,,",  # 4
            "FR88888888888888,Bad Date SA,,,,FR,FRAEOC124,AEOC,FR,,2024-13-01,,",  # 5
            "FR77777777777777,Bad Type SA,,,,FR,FRAEOX125,AEOX,FR,,2024-01-01,,",  # 6
            "FR66666666666666,Backwards SA,,,,FR,FRAEOC126,AEOC,FR,,2024-01-01,2023-01-01,",  # 7
            "US555555555,Not Recognised Inc,,,,US,GBAEO1,AEOS,GB,,2024-01-01,,",  # 8: US op, GB issuer
            "FR55555555555555,Wrong Way SA,,,,FR,US-CTPAT-9,AEOS,US,,2024-01-01,,",  # 9: EU op, US issuer
            "TR1234567890,No Mra AS,,,,TR,TRAEO1,AEOS,TR,,2024-01-01,,",  # 10: no MRA with TR
            f"FR44444444444444,Thief SA,,,,FR,{registry['de_auth'].number},AEOF,FR,,2024-01-01,,",  # 11
            "FR33333333333333,Half Filled SA,,,,FR,FRAEOC127,,FR,,2024-01-01,,",  # 12: no type
            "CHE123456789,Basel Rheinhafen AG,,Basel,4057,CH,CHAEO000142,AEOF,CH,,2018-06-01,,",  # 13 ok
            "US444444444,Recognised Inc,,,,US,US-CTPAT-10,AEOS,US,,2024-01-01,,suspended",  # 14 ok
            "FR22222222222222,Wrong Programme SA,,,,FR,FRAEOC128,AEOC,FR,C-TPAT,2024-01-01,,",  # 15
        ),
        actor=None,
    )
    found = {(error.row, error.column) for error in report.errors}
    assert found == {
        (3, "eori"),
        (4, "country"),
        (5, "aeo_valid_from"),
        (6, "aeo_type"),
        (7, "aeo_valid_to"),
        (8, "aeo_issuing_country"),
        (9, "aeo_issuing_country"),
        (10, "aeo_issuing_country"),
        (11, "aeo_number"),
        (12, "aeo_type"),
        (15, "aeo_programme"),
    }
    assert report.rows == 14 and report.rejected_rows == 11 and report.imported_rows == 3
    assert (report.operators.created, report.authorisations.created) == (3, 3)
    assert "mutual recognition" in next(e.message for e in report.errors if e.row == 10)
    # A rejected row writes nothing, not even its operator.
    assert not Operator.objects.filter(eori__in=["US555555555", "FR55555555555555", "FR44444444444444"]).exists()
    assert registry["de_auth"].number in AeoAuthorisation.objects.filter(operator=registry["de"]).values_list(
        "number", flat=True
    )
    assert AeoAuthorisation.objects.get(number="FRAEOC123").programme == "EU AEO"
    assert AeoAuthorisation.objects.get(number="CHAEO000142").programme == "Swiss AEO"
    assert AeoAuthorisation.objects.get(number="US-CTPAT-10").status == "suspended"


@pytest.mark.django_db
def test_import_missing_columns_is_a_file_error():
    report = services.import_operators_csv(io.StringIO("eori,name\nFR1,X\n"), actor=None)
    assert [(error.row, error.column) for error in report.errors] == [(1, "country")]
    assert report.rows == 0 and not Operator.objects.exists()


@pytest.mark.django_db
def test_import_updates_what_changed_and_logs_it(registry):
    row = f"{FR_EORI},Logistique Lyon SAS,,Lyon,,FR,FRAEOF000001,AEOF,FR,,2020-01-01,,"
    report = services.import_operators_csv(csv_file(row), actor=None)
    assert (report.operators.unchanged, report.authorisations.unchanged) == (1, 1)

    changed = f"{FR_EORI},Logistique Lyon Rhône SAS,,Lyon,,FR,FRAEOF000001,AEOF,FR,,2020-01-01,,suspended"
    report = services.import_operators_csv(csv_file(changed), actor=None)
    assert (report.operators.updated, report.authorisations.updated) == (1, 1)
    entry = AuditEntry.objects.filter(action="operators.authorisation.updated").get()
    assert entry.before["status"] == "active" and entry.after["status"] == "suspended"
    assert entry.after["reason"] == "CSV import, row 2"
    assert Operator.objects.get(eori=FR_EORI).name == "Logistique Lyon Rhône SAS"


@pytest.mark.django_db
def test_import_by_a_risk_manager_is_limited_to_their_member_state(personas, registry):
    report = services.import_operators_csv(
        csv_file(
            "FR10000000000001,Nouvelle SA,,,,FR,FRAEOC500,AEOC,FR,,2024-01-01,,",  # ok
            "DE10000000000001,Neue GmbH,,,,DE,,,,,,,",  # a DE operator
            f"{DE_EORI},Fast Parcels GmbH,,Leipzig,,DE,FRAEOS501,AEOS,FR,,2024-01-01,,",  # unchanged DE op, FR auth: ok
            f"{FR_EORI},Logistique Lyon SAS,,Lyon,,FR,DEAEOS502,AEOS,DE,,2024-01-01,,",  # DE-issued
            f"{DE_EORI},Fast Parcels GmbH,,Leipzig,,DE,DEAEOF000001,AEOF,DE,,2020-01-01,,",  # unchanged: passes
            f"{DE_EORI},Fast Parcels GmbH,,Leipzig,,DE,DEAEOF000001,AEOF,DE,,2020-01-01,,revoked",  # a DE change
            f"{DE_EORI},Fast Parcels GmbH,,Leipzig,,FR,,,,,,,",  # moving a DE operator to FR
        ),
        actor=personas["fr_risk_manager"],
    )
    assert {(error.row, error.column) for error in report.errors} == {
        (3, "country"),
        (5, "aeo_issuing_country"),
        (7, "aeo_issuing_country"),
        (8, "country"),
    }
    assert report.authorisations.unchanged == 1
    registry["de_auth"].refresh_from_db()
    assert registry["de_auth"].status == "active" and Operator.objects.get(eori=DE_EORI).country_id == "DE"
    assert AeoAuthorisation.objects.filter(number="FRAEOS501", operator=registry["de"]).exists()
    entry = AuditEntry.objects.get(action="operators.operator.created", object_repr__startswith="FR10000000000001")
    assert entry.actor_username == "fr_risk_manager" and entry.organisation_code == "FR"


@pytest.mark.django_db
def test_management_command_prints_the_report(tmp_path):
    out = io.StringIO()
    call_command("import_operators", str(SAMPLE), "--no-progress", stdout=out, stderr=io.StringIO())
    assert "Import complete." in out.getvalue()
    assert f"Operators: {Operator.objects.count()} created" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\nfr1,Bad,,,,FR,,,,,,,\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_operators", str(bad), "--no-progress", stdout=out, stderr=io.StringIO())
    assert "row 2, eori:" in out.getvalue() and "1 rejected" in out.getvalue()


# --- services and the audit log --------------------------------------------------------------------


@pytest.mark.django_db
def test_save_operator_logs_creation_and_changes_with_reason(personas):
    actor = personas["commission"]
    saved = services.save_operator(
        actor=actor, eori="NL800123456", name="Rotterdam BV", city="Rotterdam", country="nl", reason="New trader"
    )
    assert saved.outcome == "created" and saved.obj.country_id == "NL"
    entry = AuditEntry.objects.get(action="operators.operator.created")
    assert entry.before is None
    assert entry.after == {
        "eori": "NL800123456",
        "name": "Rotterdam BV",
        "street": "",
        "city": "Rotterdam",
        "postcode": "",
        "country": "NL",
        "reason": "New trader",
    }
    assert entry.actor_username == "commission" and entry.object_id == str(saved.obj.pk)

    again = services.save_operator(actor=actor, eori="NL800123456", name="Rotterdam BV", city="Rotterdam", country="NL")
    assert again.outcome == "unchanged"
    assert AuditEntry.objects.filter(object_type="operators.operator").count() == 1

    services.save_operator(
        actor=actor, eori="NL800123456", name="Rotterdam Container BV", city="Rotterdam", country="NL", reason="Renamed"
    )
    entry = AuditEntry.objects.get(action="operators.operator.updated")
    assert entry.before["name"] == "Rotterdam BV" and entry.after["name"] == "Rotterdam Container BV"
    assert entry.after["reason"] == "Renamed"


@pytest.mark.django_db
def test_save_operator_validates():
    with pytest.raises(ValidationError) as raised:
        services.save_operator(actor=None, eori="fr123", name="", country="ZZ")
    assert set(raised.value.message_dict) == {"eori", "name", "country"}


@pytest.mark.django_db
def test_save_authorisation_rules_and_audit(personas, registry):
    actor = personas["commission"]
    saved = services.save_authorisation(
        actor=actor,
        operator=registry["us"],
        number="US-CTPAT-777",
        type="AEOS",
        issuing_country="US",
        programme="",
        valid_from=dt.date(2024, 1, 1),
        valid_to=None,
        status="active",
        reason="MRA data exchange",
    )
    assert saved.outcome == "created" and saved.obj.programme == "C-TPAT" and saved.obj.is_mra_recognition
    entry = AuditEntry.objects.get(action="operators.authorisation.created", object_id=str(saved.obj.pk))
    assert entry.after["operator"] == US_EORI and entry.after["reason"] == "MRA data exchange"

    saved = services.save_authorisation(
        actor=actor,
        operator=registry["us"],
        number="US-CTPAT-777",
        type="AEOS",
        issuing_country="US",
        programme="C-TPAT",
        valid_from=dt.date(2024, 1, 1),
        valid_to=None,
        status="revoked",
        reason="Revoked by CBP",
    )
    assert saved.outcome == "updated"
    entry = AuditEntry.objects.get(action="operators.authorisation.updated")
    assert (entry.before["status"], entry.after["status"]) == ("active", "revoked")

    def attempt(**changes):
        values = {
            "actor": actor,
            "operator": registry["fr"],
            "number": "FRAEOC9",
            "type": "AEOC",
            "issuing_country": "FR",
            "programme": "",
            "valid_from": dt.date(2024, 1, 1),
            "valid_to": None,
            "status": "active",
            "reason": "test",
        }
        with pytest.raises(ValidationError) as raised:
            services.save_authorisation(**{**values, **changes})
        return set(raised.value.message_dict)

    assert attempt(issuing_country="US") == {"issuing_country"}  # EU operator, MRA issuer
    assert attempt(operator=registry["us"], issuing_country="FR") == {"issuing_country"}  # third-country, EU issuer
    assert attempt(issuing_country="ZZ") == {"issuing_country"}
    assert attempt(valid_to=dt.date(2023, 1, 1)) == {"valid_to"}
    assert attempt(type="AEOX", status="paused") == {"type", "status"}
    assert attempt(number=registry["de_auth"].number) == {"number"}  # belongs to the DE operator
    assert attempt(programme="Japan AEO") == {"programme"}


# --- AEO validity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "valid_from", "valid_to", "is_aeo"),
    [
        ("active", dt.date(2020, 1, 1), None, True),
        ("active", dt.date(2020, 1, 1), dt.date(2026, 6, 1), True),  # last day
        ("active", dt.date(2026, 6, 1), None, True),  # first day
        ("suspended", dt.date(2020, 1, 1), None, False),
        ("revoked", dt.date(2020, 1, 1), None, False),
        ("active", dt.date(2020, 1, 1), dt.date(2026, 5, 31), False),  # expired
        ("active", dt.date(2026, 6, 2), None, False),  # not yet valid
    ],
)
@pytest.mark.django_db
def test_aeo_on(status, valid_from, valid_to, is_aeo):
    operator = services.save_operator(actor=None, eori=FR_EORI, name="X", country="FR").obj
    services.save_authorisation(
        actor=None,
        operator=operator,
        number="FRAEOF1",
        type="AEOF",
        issuing_country="FR",
        valid_from=valid_from,
        valid_to=valid_to,
        status=status,
    )
    operator = Operator.objects.get(pk=operator.pk)
    assert (operator.aeo_on(TODAY) is not None) is is_aeo
    # The list filter's query agrees with the model.
    assert selectors.operators(aeo="yes", day=TODAY).filter(pk=operator.pk).exists() is is_aeo
    assert selectors.operators(aeo="no", day=TODAY).filter(pk=operator.pk).exists() is not is_aeo


@pytest.mark.django_db
def test_aeo_on_picks_the_valid_one_among_several(registry):
    fr = registry["fr"]
    services.save_authorisation(
        actor=None,
        operator=fr,
        number="FRAEOC-OLD",
        type="AEOC",
        issuing_country="FR",
        valid_from=dt.date(2010, 1, 1),
        valid_to=dt.date(2015, 1, 1),
    )
    fr = Operator.objects.get(pk=fr.pk)
    assert fr.aeo_on(TODAY).number == "FRAEOF000001"
    assert fr.aeo_on(dt.date(2012, 1, 1)).number == "FRAEOC-OLD"
    assert fr.aeo_on(dt.date(2019, 1, 1)) is None


@pytest.mark.django_db
def test_search_by_eori_prefix_name_words_and_country(registry):
    assert [o.eori for o in selectors.operators(query="FR1234")] == [FR_EORI]
    assert [o.eori for o in selectors.operators(query="parcels fast")] == [DE_EORI]
    assert [o.eori for o in selectors.operators(query="lyon")] == [FR_EORI]
    assert [o.eori for o in selectors.operators(country="us")] == [US_EORI]
    assert selectors.operator(FR_EORI).authorisations.all()[0].number == "FRAEOF000001"
    assert selectors.operator("FR0") is None


# --- who may open and change what ------------------------------------------------------------------


@pytest.mark.django_db
def test_operator_pages_matrix(personas, registry):
    fr, de, us = f"/operators/{FR_EORI}/", f"/operators/{DE_EORI}/", f"/operators/{US_EORI}/"
    fr_auth, de_auth, us_auth = (registry[key].pk for key in ("fr_auth", "de_auth", "us_auth"))
    cases = [
        Case("GET", "/operators/", expect(PEOPLE)),
        Case("GET", "/operators/?q=FR&country=FR&aeo=yes", expect(PEOPLE)),
        Case("GET", fr, expect(PEOPLE)),
        Case("GET", us, expect(PEOPLE)),
        Case("GET", "/operators/FR0000/", expect(PEOPLE, ok=404)),
        Case("GET", "/operators/new/", expect(EDITORS)),
        Case("GET", "/operators/import/", expect(EDITORS)),
        Case("GET", f"{fr}edit/", expect(EDITORS)),
        Case("GET", f"{de}edit/", expect(COMMISSION)),
        Case("GET", f"{us}edit/", expect(COMMISSION)),
        Case("GET", f"{fr}authorisations/new/", expect(EDITORS)),
        # An FR risk manager may register an FR-issued authorisation of a DE-registered operator...
        Case("GET", f"{de}authorisations/new/", expect(EDITORS)),
        # ...but only the Commission records third-country (MRA) authorisations.
        Case("GET", f"{us}authorisations/new/", expect(COMMISSION)),
        Case("GET", f"{fr}authorisations/{fr_auth}/edit/", expect(EDITORS)),
        Case("GET", f"{de}authorisations/{de_auth}/edit/", expect(COMMISSION)),
        Case("GET", f"{us}authorisations/{us_auth}/edit/", expect(COMMISSION)),
        Case("GET", f"{fr}authorisations/{de_auth}/edit/", expect(PEOPLE, ok=404)),  # not this operator's
    ]
    check_matrix(personas, cases)


@pytest.mark.django_db
def test_may_edit_rule(personas, registry):
    rm, analyst, commission = personas["fr_risk_manager"], personas["fr_analyst"], personas["commission"]
    assert may_edit(rm, registry["fr"]) and not may_edit(rm, registry["de"])
    assert may_edit(rm, registry["fr_auth"]) and not may_edit(rm, registry["de_auth"])
    assert not may_edit(rm, registry["us_auth"]) and may_edit(commission, registry["us_auth"])
    assert not may_edit(analyst) and not may_edit(personas["eu_auditor"], registry["fr"])
    assert not may_edit(personas["fr_system"]) and not may_edit(personas["anonymous"])


@pytest.mark.django_db
def test_fr_risk_manager_edits_an_fr_operator_but_not_a_de_one(client, personas, registry):
    client.force_login(personas["fr_risk_manager"])
    form = {"name": "Logistique Lyon Rhône SAS", "street": "1 quai", "city": "Lyon", "postcode": "69002"}
    response = client.post(f"/operators/{FR_EORI}/edit/", {**form, "country": "FR", "reason": "Renamed per Kbis"})
    assert response.status_code == 302 and response["Location"] == f"/operators/{FR_EORI}/"
    assert Operator.objects.get(eori=FR_EORI).name == "Logistique Lyon Rhône SAS"
    entry = AuditEntry.objects.get(action="operators.operator.updated")
    assert entry.actor_username == "fr_risk_manager" and entry.after["reason"] == "Renamed per Kbis"

    response = client.post(f"/operators/{DE_EORI}/edit/", {**form, "country": "DE", "reason": "x"})
    assert response.status_code == 403
    assert Operator.objects.get(eori=DE_EORI).name == "Fast Parcels GmbH"

    # Nor may the FR operator be moved to another Member State, nor a DE one be registered.
    response = client.post(f"/operators/{FR_EORI}/edit/", {**form, "country": "DE", "reason": "x"})
    assert response.status_code == 200 and Operator.objects.get(eori=FR_EORI).country_id == "FR"
    response = client.post(
        "/operators/new/", {"eori": "DE10000000000009", "name": "Neu GmbH", "country": "DE", "reason": "x"}
    )
    assert response.status_code == 200 and not Operator.objects.filter(eori="DE10000000000009").exists()


@pytest.mark.django_db
def test_reason_is_required_and_eori_is_checked(client, personas, registry):
    client.force_login(personas["commission"])
    response = client.post("/operators/new/", {"eori": "fr-123", "name": "Bad", "country": "FR", "reason": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"eori", "reason"}
    response = client.post("/operators/new/", {"eori": FR_EORI, "name": "Dup", "country": "FR", "reason": "x"})
    assert "eori" in response.context["form"].errors  # already registered
    response = client.post(
        "/operators/new/", {"eori": "JP1010401012345", "name": "Tokyo KK", "country": "JP", "reason": "MRA list"}
    )
    assert response.status_code == 302 and Operator.objects.filter(eori="JP1010401012345", country="JP").exists()


@pytest.mark.django_db
def test_authorisation_pages_save_through_the_service(client, personas, registry):
    client.force_login(personas["fr_risk_manager"])
    data = {
        "number": "FRAEOS000777",
        "type": "AEOS",
        "issuing_country": "FR",
        "programme": "",
        "valid_from": "2025-01-01",
        "valid_to": "",
        "status": "active",
        "reason": "Granted by DGDDI",
    }
    response = client.post(f"/operators/{DE_EORI}/authorisations/new/", data)
    assert response.status_code == 302
    created = AeoAuthorisation.objects.get(number="FRAEOS000777")
    assert created.operator == registry["de"] and created.programme == "EU AEO"
    assert AuditEntry.objects.get(action="operators.authorisation.created", object_id=str(created.pk))

    # A DE-issued one is not the FR risk manager's to register, nor to change.
    response = client.post(
        f"/operators/{FR_EORI}/authorisations/new/", {**data, "number": "X1", "issuing_country": "DE"}
    )
    assert response.status_code == 200 and "issuing_country" in response.context["form"].errors
    de_auth = registry["de_auth"]
    response = client.post(f"/operators/{DE_EORI}/authorisations/{de_auth.pk}/edit/", {**data, "status": "revoked"})
    assert response.status_code == 403

    # Suspending an FR-issued one; dates must be ordered.
    fr_auth = registry["fr_auth"]
    url = f"/operators/{FR_EORI}/authorisations/{fr_auth.pk}/edit/"
    edit = {**data, "number": fr_auth.number, "type": "AEOF", "valid_from": "2020-01-01", "status": "suspended"}
    response = client.post(url, {**edit, "valid_to": "2019-01-01"})
    assert response.status_code == 200 and "valid_to" in response.context["form"].errors
    response = client.post(url, {**edit, "reason": "Suspended pending audit"})
    assert response.status_code == 302
    fr_auth.refresh_from_db()
    assert fr_auth.status == "suspended"
    entry = AuditEntry.objects.get(action="operators.authorisation.updated")
    assert entry.before["status"] == "active" and entry.after["reason"] == "Suspended pending audit"

    # The Commission records MRA authorisations; the programme defaults to the partner's.
    client.force_login(personas["commission"])
    response = client.post(
        f"/operators/{US_EORI}/authorisations/new/",
        {**data, "number": "US-CTPAT-55", "issuing_country": "US", "reason": "MRA exchange"},
    )
    assert response.status_code == 302
    assert AeoAuthorisation.objects.get(number="US-CTPAT-55").programme == "C-TPAT"


@pytest.mark.django_db
def test_edit_buttons_only_for_those_who_may_edit(client, personas, registry):
    client.force_login(personas["fr_analyst"])
    html = client.get(f"/operators/{FR_EORI}/").content.decode()
    assert "/edit/" not in html and "/authorisations/new/" not in html
    assert "/operators/new/" not in client.get("/operators/").content.decode()

    client.force_login(personas["fr_risk_manager"])
    html = client.get(f"/operators/{FR_EORI}/").content.decode()
    assert f"/operators/{FR_EORI}/edit/" in html and f"/authorisations/{registry['fr_auth'].pk}/edit/" in html
    html = client.get(f"/operators/{DE_EORI}/").content.decode()
    assert f"/operators/{DE_EORI}/edit/" not in html and f"/authorisations/{registry['de_auth'].pk}/edit/" not in html
    assert "/operators/new/" in client.get("/operators/").content.decode()


@pytest.mark.django_db
def test_list_page_search_filters_and_live_search_fragment(client, personas, registry):
    client.force_login(personas["de_analyst"])
    html = client.get("/operators/?q=FR1234").content.decode()
    assert FR_EORI in html and DE_EORI not in html
    html = client.get("/operators/?country=US").content.decode()
    assert US_EORI in html and "MRA US" in html and FR_EORI not in html
    partial = client.get("/operators/?q=fast", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and DE_EORI in partial and US_EORI not in partial
    services.save_authorisation(
        actor=None,
        operator=registry["fr"],
        number=registry["fr_auth"].number,
        type="AEOF",
        issuing_country="FR",
        valid_from=dt.date(2020, 1, 1),
        status="revoked",
    )
    html = client.get("/operators/?aeo=no").content.decode()
    assert FR_EORI in html and DE_EORI not in html


@pytest.mark.django_db
def test_import_page_shows_the_report(client, personas, registry):
    client.force_login(personas["fr_risk_manager"])
    content = "\n".join(
        [HEADER, "FR10000000000002,Nouvelle SA,,,,FR,,,,,,,", "DE10000000000002,Neue GmbH,,,,DE,,,,,,,"]
    ).encode()
    response = client.post("/operators/import/", {"file": SimpleUploadedFile("ops.csv", content, "text/csv")})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.operators.created == 1 and [(e.row, e.column) for e in report.errors] == [(3, "country")]
    html = response.content.decode()
    assert "Import report" in html and "<code>country</code>" in html
    client.force_login(personas["fr_analyst"])
    response = client.post("/operators/import/", {"file": SimpleUploadedFile("ops.csv", content, "text/csv")})
    assert response.status_code == 403


# --- ENS parties on the operator page --------------------------------------------------------------


def _file(user, *, office: str, unloading: str, carrier_eori: str | None = None) -> str:
    body = copy.deepcopy(EXAMPLE_ENS)
    body["lrn"] = f"OPS-TEST-{next(_lrns):06d}"
    body["office_of_first_entry"] = office
    body["place_of_unloading"] = unloading
    body["countries_of_routing"] = ["CN", unloading[:2]]
    body["expected_arrival"] = (timezone.now() + dt.timedelta(hours=6)).isoformat()
    if carrier_eori:
        body["carrier"] = {"eori": carrier_eori, "name": "Sky Cargo Ltd"}
    [result] = file_declarations([body], user=user)
    assert result.status == 201, result.errors
    return result.mrn


@pytest.mark.django_db
def test_detail_shows_only_parties_of_declarations_the_user_may_read(client, personas, registry):
    nl_system = make_user("nl_system", "NL", "national_system")
    fr_mrn = _file(personas["fr_system"], office="FR004380", unloading="FRCDG")
    nl_mrn = _file(nl_system, office="NL000854", unloading="NLAMS")

    def mrns(persona: str, eori: str = DE_EORI) -> set[str]:
        client.force_login(personas[persona])
        response = client.get(f"/operators/{eori}/")
        assert response.status_code == 200
        return {party.version.declaration.mrn for party in response.context["parties"]}

    assert mrns("fr_analyst") == {fr_mrn}
    assert mrns("nl_analyst") == {nl_mrn}
    assert mrns("de_analyst") == set()
    assert mrns("commission") == mrns("eu_auditor") == {fr_mrn, nl_mrn}
    client.force_login(personas["fr_analyst"])
    html = client.get(f"/operators/{DE_EORI}/").content.decode()
    assert fr_mrn in html and nl_mrn not in html


@pytest.mark.django_db
def test_detail_finds_parties_filed_before_the_operator_was_registered(client, personas, registry):
    mrn = _file(personas["fr_system"], office="FR004380", unloading="FRCDG", carrier_eori="IE987654321000")
    services.save_operator(actor=None, eori="IE987654321000", name="Sky Cargo Ltd", country="IE")
    client.force_login(personas["fr_analyst"])
    response = client.get("/operators/IE987654321000/")
    assert [(p.version.declaration.mrn, p.role) for p in response.context["parties"]] == [(mrn, "carrier")]


# --- admin -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_saves_through_the_services(client, registry):
    from crms.accounts.models import User

    admin_user = User.objects.create_superuser("root", password="correct-horse-battery")
    client.force_login(admin_user)
    assert client.get("/admin/operators/operator/?q=FR1234").status_code == 200
    assert client.get("/admin/operators/aeoauthorisation/?status__exact=active&type__exact=AEOF").status_code == 200
    assert client.get(f"/admin/operators/operator/{registry['fr'].pk}/change/").status_code == 200
    data = {
        "eori": "NO923456789",
        "name": "Oslo Seafood Export AS",
        "street": "",
        "city": "Oslo",
        "postcode": "0150",
        "country": "NO",
        "reason": "Added from the MRA list",
        "authorisations-TOTAL_FORMS": "1",
        "authorisations-INITIAL_FORMS": "0",
        "authorisations-MIN_NUM_FORMS": "0",
        "authorisations-MAX_NUM_FORMS": "1000",
        "authorisations-0-number": "NOAEO000061",
        "authorisations-0-type": "AEOS",
        "authorisations-0-issuing_country": "NO",
        "authorisations-0-programme": "",
        "authorisations-0-valid_from": "2019-02-01",
        "authorisations-0-valid_to": "",
        "authorisations-0-status": "active",
    }
    response = client.post("/admin/operators/operator/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    authorisation = AeoAuthorisation.objects.get(number="NOAEO000061")
    assert authorisation.operator.eori == "NO923456789" and authorisation.programme == "Norwegian AEO"
    actions = set(AuditEntry.objects.filter(actor_username="root").values_list("action", flat=True))
    assert actions == {"operators.operator.created", "operators.authorisation.created"}

    # The MRA rule is checked in the inline too: a Norwegian operator with a French authorisation.
    data.update({"eori": "NO987123456", "authorisations-0-number": "FRAEOC1", "authorisations-0-issuing_country": "FR"})
    response = client.post("/admin/operators/operator/add/", data)
    assert response.status_code == 200 and not Operator.objects.filter(eori="NO987123456").exists()
