"""Notes and attachments on a case (issue 14): who writes, who reads, what a file may be, how it is served."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from crms.audit.models import AuditEntry
from tests.security.world import TINY_PNG
from workbench import notes
from workbench.models import CaseAttachment, CaseNote

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_note(user, case, text="", files=()):
    return browser(user).post(f"/workbench/cases/{case.pk}/notes/", {"text": text, "files": list(files)})


def test_an_analyst_adds_a_note_with_a_photo_and_a_pdf(people, referred, media):
    case = referred()
    response = post_note(
        people["fr_analyst"],
        case,
        "Seized 40 toy cars; photos attached.",
        [upload("quay photo.png", TINY_PNG, "image/png"), upload("report.pdf", PDF, "application/pdf")],
    )
    assert response.status_code == 302
    note = CaseNote.objects.get()
    assert (note.author, note.text) == (people["fr_analyst"], "Seized 40 toy cars; photos attached.")
    photo, report = note.attachments.order_by("id")
    assert (photo.name, photo.content_type, report.content_type) == ("quay photo.png", "image/png", "application/pdf")
    assert photo.file.name.startswith(f"cases/{case.pk}/") and " " not in photo.file.name  # sanitised on disk
    assert (media / photo.file.name).read_bytes() == TINY_PNG
    html = browser(people["fr_auditor"]).get(f"/workbench/cases/{case.pk}/").content.decode()
    notes_html = html[html.index('id="notes"') :]
    assert "Seized 40 toy cars; photos attached." in notes_html and "fr_analyst" in notes_html
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", notes_html)  # European date
    assert f"/workbench/cases/{case.pk}/attachments/{photo.pk}/" in notes_html
    entry = AuditEntry.objects.get(action="case.note_added")
    assert entry.object_id == str(case.pk) and entry.after["text"] == note.text
    assert [a["name"] for a in entry.after["attachments"]] == ["quay photo.png", "report.pdf"]


def test_files_are_served_only_through_the_checked_view_with_safe_headers(people, referred):
    case = referred()
    note = notes.add_note(
        actor=people["fr_analyst"],
        case=case,
        text="",
        uploads=[upload("photo.png", TINY_PNG), upload("report.pdf", PDF)],
    )
    photo, report = note.attachments.order_by("id")
    response = browser(people["fr_auditor"]).get(f"/workbench/cases/{case.pk}/attachments/{photo.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == TINY_PNG
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline") and "photo.png" in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]
    response = browser(people["fr_analyst"]).get(f"/workbench/cases/{case.pk}/attachments/{report.pk}/")
    assert response["Content-Disposition"].startswith("attachment") and response["Content-Type"] == "application/pdf"
    assert AuditEntry.objects.filter(action="case.attachment_read").count() == 2
    for name in ("nl_analyst", "de_analyst"):  # another Member State: the case does not exist for them
        assert browser(people[name]).get(f"/workbench/cases/{case.pk}/attachments/{photo.pk}/").status_code == 404
    assert browser(people["fr_system"]).get(f"/workbench/cases/{case.pk}/attachments/{photo.pk}/").status_code == 403
    other = referred()  # the right case id is part of the check: a file is not reachable through another case
    assert browser(people["fr_analyst"]).get(f"/workbench/cases/{other.pk}/attachments/{photo.pk}/").status_code == 404
    assert Client().get(f"/media/{photo.file.name}").status_code == 404  # never served as a static file


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.txt", b"just text", "only photos (PNG, JPEG, GIF, WebP) or PDF"),
        ("photo.png", b"MZ\x90\x00 this is a program", "only photos"),  # extension lies: content decides
        ("photo.png", PDF, "does not match its content"),  # a real PDF named .png
        ("scan.pdf", JPEG, "does not match its content"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "only photos"),
        ("page.html", b"<html><script>alert(1)</script></html>", "only photos"),
    ],
)
def test_type_is_checked_by_content(people, referred, name, content, says):
    case = referred()
    response = post_note(people["fr_analyst"], case, "Look at this", [upload(name, content, "image/png")])
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'id="note-files-error">([^<]*)<', html)
    assert error and says in error.group(1) and name in error.group(1)
    assert ">Look at this</textarea>" in html  # the note as typed is kept
    assert not CaseNote.objects.exists() and not CaseAttachment.objects.exists()


def test_size_limit_and_empty_note(people, referred, monkeypatch):
    case = referred()
    monkeypatch.setattr(notes, "MAX_BYTES", 1024)
    response = post_note(people["fr_analyst"], case, "", [upload("big.png", TINY_PNG + b"\x00" * 2000)])
    assert response.status_code == 400 and "at most 0 MB per file" not in response.content.decode()
    assert "big.png: at most" in response.content.decode()
    response = post_note(people["fr_analyst"], case, "   ")
    assert 'id="note-text-error">Write a note or attach a file.<' in response.content.decode()
    assert not CaseNote.objects.exists()


def test_the_ten_megabyte_limit(people, referred):
    case = referred()
    too_big = TINY_PNG + b"\x00" * (10 * 1024 * 1024)
    response = post_note(people["fr_analyst"], case, "", [upload("huge.png", too_big)])
    assert response.status_code == 400 and "huge.png: at most 10 MB per file." in response.content.decode()


def test_names_are_sanitised(people, referred):
    case = referred()
    note = notes.add_note(
        actor=people["fr_analyst"],
        case=case,
        text="",
        uploads=[upload("..\\..\\C:/etc/\u202epassw\u0000d gnp.png", TINY_PNG)],
    )
    attachment = note.attachments.get()
    assert attachment.name == "passwd gnp.png"  # no folders, no control or bidi characters
    assert re.fullmatch(rf"cases/{case.pk}/[0-9a-f]{{16}}-passwd_gnp(_\w+)?\.png", attachment.file.name)


def test_a_long_name_keeps_its_extension(people, referred):
    """Adversarial probe, 7 December: a real PNG named with 244 characters was refused as "its name does not match
    its content": the name was cut to 150 characters, extension and all."""
    case = referred()
    note = notes.add_note(
        actor=people["fr_analyst"], case=case, text="", uploads=[upload("l" * 240 + ".png", TINY_PNG)]
    )
    attachment = note.attachments.get()
    assert len(attachment.name) == notes.MAX_NAME and attachment.name.endswith("l.png")


def test_who_writes_and_who_reads(people, referred):
    case = referred()
    assert post_note(people["fr_risk_manager"], case, "Risk manager's note").status_code == 302
    for name, status in [("fr_auditor", 403), ("fr_system", 403), ("nl_analyst", 404), ("de_analyst", 404)]:
        assert post_note(people[name], case, "Should not land").status_code == status, name
    assert list(CaseNote.objects.values_list("text", flat=True)) == ["Risk manager's note"]
    for name in ("nl_analyst", "de_analyst"):
        assert browser(people[name]).get(f"/workbench/cases/{case.pk}/").status_code == 404
    auditor_page = browser(people["fr_auditor"]).get(f"/workbench/cases/{case.pk}/").content.decode()
    assert "Risk manager&#x27;s note" in auditor_page and 'id="note-form"' not in auditor_page
