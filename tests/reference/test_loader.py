from crms.accounts.models import Organisation
from crms.reference.loader import load_reference_data
from crms.reference.models import Country, CustomsOffice, HsCode, HsSection, RiskArea, VagueGoodsTerm


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Organisation, Country, CustomsOffice, HsSection, HsCode, RiskArea, VagueGoodsTerm)
    }


def test_reference_data_is_complete(db):
    assert Organisation.objects.filter(status=Organisation.Status.EU_MEMBER).count() == 27
    assert set(
        Organisation.objects.filter(status=Organisation.Status.SECURITY_AGREEMENT).values_list("code", flat=True)
    ) == {"CH", "NO"}
    assert Organisation.objects.get(code="EU").is_commission
    assert CustomsOffice.objects.count() == 47  # every row of customs_offices.csv
    assert CustomsOffice.objects.get(code="FR004380").member_state_id == "FR"
    assert HsCode.objects.filter(level=6).count() >= 5000
    assert HsCode.objects.filter(level=2).count() == 97
    assert HsSection.objects.count() == 21
    assert RiskArea.objects.count() == 11
    assert VagueGoodsTerm.objects.filter(term="said to contain").exists()
    assert Country.objects.get(iso2="CN").name == "China"


def test_hs_hierarchy_links_subheading_to_heading_to_chapter(db):
    code = HsCode.objects.get(code="930320")
    assert code.parent.code == "9303"
    assert code.parent.parent.code == "93"
    assert code.parent.parent.parent is None
    assert code.section.number == "XIX"


def test_load_is_idempotent_and_repairs_edits(db):
    before = _counts()
    Country.objects.filter(iso2="FR").update(name="Edited by hand")
    load_reference_data()
    assert _counts() == before
    assert Country.objects.get(iso2="FR").name == "France"


def test_uk_participation_ended_2020(db):
    import datetime as dt

    uk = Organisation.objects.get(code="GB")
    assert uk.member_to == dt.date(2020, 12, 31)
    assert uk.participates_on(dt.date(2020, 12, 31))
    assert not uk.participates_on(dt.date(2021, 1, 1))
    assert Organisation.objects.get(code="FR").participates_on()


def test_command_prints_progress(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert "[4/9] HS nomenclature" in out.getvalue()
