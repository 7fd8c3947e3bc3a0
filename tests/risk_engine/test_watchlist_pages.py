"""Watch lists in the browser: who sees and edits which list, adding and removing entries with a reason, CSV import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from crms.audit.models import AuditEntry
from risk_engine import services
from risk_engine.models import WatchList, WatchListEntry
from risk_engine.watchlists import CSV_MAX_LINES, read_csv
from tests.permissions import Case, check_matrix
from tests.risk_engine.conftest import api_client

READERS = [
    "commission",
    "commission_approver",
    "eu_auditor",
    "fr_analyst",
    "fr_risk_manager",
    "fr_auditor",
    "nl_analyst",
    "de_analyst",
]
RISK_STAFF = ["commission", "commission_approver", "fr_analyst", "fr_risk_manager", "nl_analyst", "de_analyst"]
SIGNED_OUT = {"outsider": 302, "anonymous": 302}
BASE = "/criteria/watch-lists/"


def expect(ok: list[str], *, status: int = 200, others: int = 403, hidden: list[str] = ()) -> dict:
    cells = dict.fromkeys(READERS, others) | {"fr_system": 403} | SIGNED_OUT
    return cells | dict.fromkeys(hidden, 404) | dict.fromkeys(ok, status)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(content: bytes | str, name: str = "entries.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def lists(personas):
    made = {}
    for code, owner, kind in (
        ("WL-PM-EU", "commission", WatchList.Kind.EORI),
        ("FR-WL-PM", "fr_analyst", WatchList.Kind.HS_CODE),
        ("NL-WL-PM", "nl_analyst", WatchList.Kind.PARTY_NAME),
    ):
        made[code] = services.create_watch_list(actor=personas[owner], code=code, name=f"List {code}", kind=kind)
    services.add_watch_list_entries(
        actor=personas["commission"], watch_list=made["WL-PM-EU"], entries=[("CN1234567890", "Seen in an incident")]
    )
    services.add_watch_list_entries(
        actor=personas["fr_analyst"], watch_list=made["FR-WL-PM"], entries=[("9303", "Firearms")]
    )
    return made


# --- the permission matrix ----------------------------------------------------------------------------------------


def test_watch_list_pages_matrix(personas, lists):
    eu_entry = lists["WL-PM-EU"].entries.get().pk
    fr_entry = lists["FR-WL-PM"].entries.get().pk
    fr_side = ["commission", "commission_approver", "eu_auditor", "fr_analyst", "fr_risk_manager", "fr_auditor"]
    not_fr = ["nl_analyst", "de_analyst"]
    check_matrix(
        personas,
        [
            Case("GET", BASE, expect(READERS)),
            Case("GET", f"{BASE}new/", expect(RISK_STAFF)),
            Case("GET", f"{BASE}WL-PM-EU/", expect(READERS)),
            Case("GET", f"{BASE}WL-PM-EU/?q=CN&page=99", expect(READERS)),
            Case("GET", f"{BASE}WL-PM-EU/?page=abc", expect(READERS)),
            Case("GET", f"{BASE}FR-WL-PM/", expect(fr_side, hidden=not_fr)),
            Case(
                "GET",
                f"{BASE}NL-WL-PM/",
                expect(
                    ["commission", "commission_approver", "eu_auditor", "nl_analyst"],
                    hidden=["fr_analyst", "fr_risk_manager", "fr_auditor", "de_analyst"],
                ),
            ),
            Case("GET", f"{BASE}WL-NOPE/", expect([], hidden=READERS)),
            # POSTs without a body: 400 (nothing stored) once allowed to edit, 403 before, 404 for lists out of sight.
            Case("POST", f"{BASE}new/", expect(RISK_STAFF, status=400)),
            Case("POST", f"{BASE}WL-PM-EU/entries/", expect(["commission", "commission_approver"], status=400)),
            Case(
                "POST", f"{BASE}FR-WL-PM/entries/", expect(["fr_analyst", "fr_risk_manager"], status=400, hidden=not_fr)
            ),
            Case(
                "POST",
                f"{BASE}WL-PM-EU/entries/{eu_entry}/remove/",
                expect(["commission", "commission_approver"], status=400),
            ),
            Case(
                "POST",
                f"{BASE}FR-WL-PM/entries/{fr_entry}/remove/",
                expect(["fr_analyst", "fr_risk_manager"], status=400, hidden=not_fr),
            ),
            Case("POST", f"{BASE}WL-PM-EU/import/", expect(["commission", "commission_approver"], status=400)),
            Case(
                "POST", f"{BASE}FR-WL-PM/import/", expect(["fr_analyst", "fr_risk_manager"], status=400, hidden=not_fr)
            ),
            Case("POST", f"{BASE}WL-NOPE/entries/", expect([], hidden=READERS)),
            Case("GET", f"{BASE}WL-PM-EU/entries/", SIGNED_OUT, default=405),
            Case("GET", f"{BASE}WL-PM-EU/import/", SIGNED_OUT, default=405),
        ],
    )
    assert WatchListEntry.objects.count() == 2 and WatchList.objects.count() == 3


def test_removing_an_entry_of_another_list_is_404(personas, lists):
    fr_entry = lists["FR-WL-PM"].entries.get().pk
    response = browser(personas["commission"]).post(f"{BASE}WL-PM-EU/entries/{fr_entry}/remove/", {"reason": "x"})
    assert response.status_code == 404 and WatchListEntry.objects.filter(pk=fr_entry).exists()
    huge = browser(personas["commission"]).post(f"{BASE}WL-PM-EU/entries/99999999999999999999/remove/", {"reason": "x"})
    assert huge.status_code == 404


def test_edit_controls_are_hidden_from_read_only_roles(personas, lists):
    for persona in ("eu_auditor", "fr_analyst"):  # an auditor; risk staff of another organisation
        page = browser(personas[persona]).get(f"{BASE}WL-PM-EU/").content.decode()
        assert "CN1234567890" in page and "Seen in an incident" in page
        assert "Add entry" not in page and "Import" not in page and "Remove…" not in page
    page = browser(personas["commission"]).get(f"{BASE}WL-PM-EU/").content.decode()
    assert "Add entry" in page and 'enctype="multipart/form-data"' in page and "Remove…" in page
    assert "New watch list" not in browser(personas["eu_auditor"]).get(BASE).content.decode()
    assert "New watch list" in browser(personas["nl_analyst"]).get(BASE).content.decode()


def test_the_list_page_shows_visible_lists_with_counts(personas, lists):
    page = browser(personas["nl_analyst"]).get(BASE).content.decode()
    assert "WL-PM-EU" in page and "NL-WL-PM" in page and "FR-WL-PM" not in page
    assert 'href="/criteria/watch-lists/WL-PM-EU/"' in page


# --- creating a list and adding entries ---------------------------------------------------------------------------


def test_create_a_watch_list_in_the_browser(personas):
    client = browser(personas["fr_analyst"])
    response = client.post(
        f"{BASE}new/", {"code": "FR-WL-NEW", "name": "Suspicious shippers", "kind": "eori", "description": "From RIFs"}
    )
    assert response.status_code == 302 and response["Location"] == f"{BASE}FR-WL-NEW/"
    watch_list = WatchList.objects.get(code="FR-WL-NEW")
    assert (watch_list.owner_id, watch_list.kind, watch_list.description) == ("FR", "eori", "From RIFs")
    assert AuditEntry.objects.filter(action="watch_list.created", object_id=str(watch_list.pk)).exists()
    again = client.post(f"{BASE}new/", {"code": "FR-WL-NEW", "name": "Again", "kind": "eori"})
    assert again.status_code == 409 and "Watch list FR-WL-NEW exists." in again.content.decode()
    bad = client.post(f"{BASE}new/", {"code": "bad code", "name": "", "kind": "planets"})
    text = bad.content.decode()
    assert bad.status_code == 400 and "Code (" in text and "Name (" in text and "Kind (" in text
    assert WatchList.objects.count() == 1
    refused = browser(personas["fr_auditor"]).post(f"{BASE}new/", {"code": "FR-WL-AUD", "name": "x", "kind": "eori"})
    assert refused.status_code == 403 and not WatchList.objects.filter(code="FR-WL-AUD").exists()


def test_add_an_entry_with_a_required_reason(personas, lists):
    client = browser(personas["commission"])
    response = client.post(f"{BASE}WL-PM-EU/entries/", {"value": " tr55 66 ", "reason": "RIF 2026/114"})
    assert response.status_code == 302
    entry = WatchListEntry.objects.get(watch_list=lists["WL-PM-EU"], value="TR5566")
    assert (entry.reason, entry.added_by.username) == ("RIF 2026/114", "commission")
    audit = AuditEntry.objects.filter(action="watch_list.entries_added", object_id=str(lists["WL-PM-EU"].pk)).first()
    assert audit.after["values"] == ["TR5566"] and audit.after["reasons"] == ["RIF 2026/114"]
    page = client.get(f"{BASE}WL-PM-EU/").content.decode()
    assert "TR5566" in page and "RIF 2026/114" in page and "commission" in page

    missing = client.post(f"{BASE}WL-PM-EU/entries/", {"value": "CN99", "reason": "  "})
    assert missing.status_code == 400 and "Reason:" in missing.content.decode()
    wrong = client.post(f"{BASE}WL-PM-EU/entries/", {"value": "not an eori!", "reason": "typo"})
    assert wrong.status_code == 400 and "is not an EORI number" in wrong.content.decode()
    assert not WatchListEntry.objects.filter(value__in=["CN99", "NOTANEORI!"]).exists()
    refused = browser(personas["eu_auditor"]).post(f"{BASE}WL-PM-EU/entries/", {"value": "CN77", "reason": "audit"})
    assert refused.status_code == 403 and not WatchListEntry.objects.filter(value="CN77").exists()


def test_services_refuse_read_only_roles_and_other_organisations(personas, lists):
    for persona in ("eu_auditor", "fr_analyst"):
        with pytest.raises(services.CriteriaError) as refused:
            services.add_watch_list_entries(
                actor=personas[persona], watch_list=lists["WL-PM-EU"], entries=[("CN55", "x")]
            )
        assert refused.value.status == 403
    entry = lists["WL-PM-EU"].entries.get()
    with pytest.raises(services.CriteriaError) as refused:
        services.remove_watch_list_entry(
            actor=personas["eu_auditor"], watch_list=lists["WL-PM-EU"], entry_id=entry.pk, reason="x"
        )
    assert refused.value.status == 403
    with pytest.raises(services.CriteriaError) as refused:
        services.create_watch_list(actor=personas["fr_auditor"], code="WL-AUD", name="x", kind="eori")
    assert refused.value.status == 403


def test_api_creates_a_list_with_its_entries_or_nothing(personas):
    body = {"code": "WL-API-1", "name": "API", "kind": "eori", "entries": [{"value": "CN1"}]}  # no reason
    response = api_client(personas["commission"]).post("/api/v1/watch-lists/", body, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "entries[0].reason"
    assert not WatchList.objects.filter(code="WL-API-1").exists()
    body["entries"][0]["reason"] = "Known"
    assert api_client(personas["commission"]).post("/api/v1/watch-lists/", body, format="json").status_code == 201


# --- removing an entry --------------------------------------------------------------------------------------------


def test_removal_records_the_reason_in_the_audit_log(personas, lists):
    entry = lists["FR-WL-PM"].entries.get()
    client = browser(personas["fr_risk_manager"])
    missing = client.post(f"{BASE}FR-WL-PM/entries/{entry.pk}/remove/", {"reason": ""})
    assert missing.status_code == 400 and "Reason for removal: please give one" in missing.content.decode()
    assert WatchListEntry.objects.filter(pk=entry.pk).exists()

    response = client.post(f"{BASE}FR-WL-PM/entries/{entry.pk}/remove/", {"reason": "Profile replaced by FR-ARMS-2"})
    assert response.status_code == 302 and not WatchListEntry.objects.filter(pk=entry.pk).exists()
    audit = AuditEntry.objects.get(action="watch_list.entry_removed")
    assert audit.actor_username == "fr_risk_manager" and audit.object_id == str(lists["FR-WL-PM"].pk)
    assert audit.before["value"] == "9303" and audit.before["reason"] == "Firearms"
    assert audit.before["added_by"] == "fr_analyst"
    assert audit.after == {"value": "9303", "reason": "Profile replaced by FR-ARMS-2"}
    history = client.get(f"{BASE}FR-WL-PM/").content.decode()
    assert "Profile replaced by FR-ARMS-2" in history and "The list is empty." in history


# --- CSV import ---------------------------------------------------------------------------------------------------

GOOD_CSV = "value,reason\n930320,Shotguns (RIF 12)\n\n9305, Parts and accessories\n"
BAD_CSV = (
    "value,reason\n"
    "930320,Shotguns\n"  # fine
    "93AB,Letters\n"  # line 3: not an HS code
    "9306\n"  # line 4: one column
    "9307,\n"  # line 5: no reason
    "930320,Again\n"  # line 6: repeats line 2
)


def test_csv_import_rejects_a_bad_file_and_stores_nothing(personas, lists):
    before = WatchListEntry.objects.count(), AuditEntry.objects.count()
    client = browser(personas["fr_analyst"])
    response = client.post(f"{BASE}FR-WL-PM/import/", {"file": upload(BAD_CSV)})
    text = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported" in text
    assert "line 3: value: &#x27;93AB&#x27; is not an HS code or prefix" in text
    assert "line 4: expected 2 columns (value,reason), found 1." in text
    assert "line 5: reason: A reason is required." in text
    assert "line 6: value: &#x27;930320&#x27; is already on line 2." in text
    assert "line 2:" not in text
    assert (WatchListEntry.objects.count(), AuditEntry.objects.count()) == before


def test_csv_import_accepts_a_good_file(personas, lists):
    client = browser(personas["fr_analyst"])
    response = client.post(f"{BASE}FR-WL-PM/import/", {"file": upload(GOOD_CSV)})
    assert response.status_code == 302
    entries = dict(lists["FR-WL-PM"].entries.values_list("value", "reason"))
    assert entries == {"9303": "Firearms", "930320": "Shotguns (RIF 12)", "9305": "Parts and accessories"}
    assert "Imported 2 new entries from entries.csv." in client.get(f"{BASE}FR-WL-PM/").content.decode()
    # The same file again: nothing new, said so; no header needed.
    again = client.post(f"{BASE}FR-WL-PM/import/", {"file": upload("930320,Again\n9401,Seats\n")}, follow=True)
    assert "Imported 1 new entry from entries.csv; 1 already on the list." in again.content.decode()
    assert lists["FR-WL-PM"].entries.get(value="930320").reason == "Shotguns (RIF 12)"


@pytest.mark.parametrize(
    "content,message",
    [
        (b"\xff\xfe9303,x\n", "file: not UTF-8 text"),
        (b"9303,x\x00\n", "file: not a text file"),
        (b"", "file: The submitted file is empty."),
        (b"\n\n", "file: no entries"),
        (b"value,reason\n", "file: no entries"),
        (b"9303,x\n" * (CSV_MAX_LINES + 1), f"file: more than {CSV_MAX_LINES:,} lines (10,001)."),
        (b"9303," + b"x" * (1024 * 1024) + b"\n", "file: larger than 1024 KiB"),
        (b"9303," + b"x" * 200_000 + b"\n", "line 1: field larger than field limit"),
        (b"9303," + b"x" * 301 + b"\n", "line 1: reason: At most 300 characters (301 given)."),
    ],
)
def test_csv_import_reports_bad_files(personas, lists, content, message):
    response = browser(personas["fr_analyst"]).post(f"{BASE}FR-WL-PM/import/", {"file": upload(content)})
    assert response.status_code == 400 and message in response.content.decode()
    assert lists["FR-WL-PM"].entries.count() == 1


def test_csv_import_without_a_file_names_the_field(personas, lists):
    response = browser(personas["fr_analyst"]).post(f"{BASE}FR-WL-PM/import/", {})
    assert response.status_code == 400 and "file:" in response.content.decode()


def test_read_csv_normalises_by_kind():
    names = read_csv(b"ACME  Import BV,Front company\n", WatchList.Kind.PARTY_NAME)
    assert names.entries == [("ACME Import BV", "Front company")] and not names.errors
    eoris = read_csv("\ufeffvalue,reason\ncn 1234,Known\n".encode(), WatchList.Kind.EORI)  # BOM, header, spaces
    assert eoris.entries == [("CN1234", "Known")]
    hs = read_csv(b"9303.20,Shotguns\n", WatchList.Kind.HS_CODE)
    assert hs.entries == [("930320", "Shotguns")]
