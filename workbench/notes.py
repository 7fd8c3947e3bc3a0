"""Notes and attachments on a case: what the analyst saw, wrote down and photographed.

Who: analysts and risk managers of the case's Member State write; whoever may read the case
(``selectors.case_for``: its Member State's staff and auditors, EU auditors) reads, and no one
else learns that a note exists. Files are images (PNG, JPEG, GIF, WebP) or PDF, at most
``MAX_BYTES``, their type read from their first bytes (the name's extension must agree), stored
under ``MEDIA_ROOT/cases/<case>/`` with a sanitised name, and served only by
``views.notes.attachment`` after the case's scope check. Every note is audited on the case.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from crms.accounts.roles import member_state_of
from crms.audit.services import record
from workbench.models import Case, CaseAttachment, CaseNote, CaseState
from workbench.services import WORKERS, WorkbenchError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
MAX_TEXT = 4000

# detected content type -> (signature test, extensions it may carry)
KINDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "image/png": (lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"), (".png",)),
    "image/jpeg": (lambda head: head.startswith(b"\xff\xd8\xff"), (".jpg", ".jpeg")),
    "image/gif": (lambda head: head[:6] in (b"GIF87a", b"GIF89a"), (".gif",)),
    "image/webp": (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP", (".webp",)),
    "application/pdf": (lambda head: head.startswith(b"%PDF-"), (".pdf",)),
}
ALLOWED = "photos (PNG, JPEG, GIF, WebP) or PDF"


def may_annotate(user, case: Case) -> bool:
    return user.role in WORKERS and member_state_of(user) == case.member_state_id


def notes_on(user, case: Case) -> QuerySet[CaseNote]:
    """The case's notes with their files; the caller found ``case`` through ``selectors.case_for``."""
    return (
        CaseNote.objects.filter(case=case)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=CaseAttachment.objects.order_by("id")))
    )


def attachment_on(case: Case, pk: int) -> CaseAttachment | None:
    return CaseAttachment.objects.filter(case=case, pk=pk).first()


def display_name(raw: str | None) -> str:
    """The name as the uploader's device gave it, without folders or control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".")
    if len(name) > MAX_NAME:  # shortened in its stem: the extension is how its type is checked (probe, 7 Dec)
        stem, dot, extension = name.rpartition(".")
        name = (
            stem[: MAX_NAME - len(extension) - 1] + dot + extension if dot and len(extension) <= 10 else name[:MAX_NAME]
        )
    return name or "file"


MAX_NAME = 150


def stored_name(name: str, extension: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only: safe on every file system and header."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_stem).strip("_")[:80] or "file"
    return f"{safe}{extension}"


def _error(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


def size_limit() -> str:
    """The per-file limit as people read it: "10 MB" (or KB below a megabyte)."""
    if MAX_BYTES >= 1024 * 1024:
        return f"{MAX_BYTES / (1024 * 1024):g} MB"
    return f"{MAX_BYTES / 1024:g} KB"


def _read(upload) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """One uploaded file checked: (its facts, None) or (None, the error naming it)."""
    name = display_name(getattr(upload, "name", ""))
    if upload.size > MAX_BYTES:
        return None, _error("files", "too_large", f"{name}: at most {size_limit()} per file.")
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        return None, _error("files", "too_large", f"{name}: at most {size_limit()} per file.")
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    for content_type, (matches, extensions) in KINDS.items():
        if matches(content[:16]):
            if extension not in extensions:
                return None, _error(
                    "files", "unsupported_type", f"{name}: its name does not match its content ({content_type})."
                )
            facts = {"name": name, "content": content, "content_type": content_type, "extension": extension}
            return facts, None
    return None, _error("files", "unsupported_type", f"{name}: only {ALLOWED} can be attached.")


@transaction.atomic
def add_note(*, actor, case: Case, text: str, uploads: list) -> CaseNote:
    """A note with up to ``MAX_FILES`` files, or nothing at all when anything is refused."""
    if not may_annotate(actor, case):
        raise WorkbenchError(403, [_error(None, "not_allowed", "Only analysts of this case's Member State add notes.")])
    if case.state == CaseState.SUPERSEDED:  # a stale tab's note landed on the old case unseen (probe, 7 December)
        message = "This case is superseded by an amendment: add the note on the case of the current version."
        raise WorkbenchError(409, [_error(None, "conflict", message)])
    text = (text or "").strip()
    errors = []
    if len(text) > MAX_TEXT:
        errors.append(_error("text", "too_long", f"At most {MAX_TEXT:,} characters.".replace(",", " ")))
    if not text and not uploads:
        errors.append(_error("text", "required", "Write a note or attach a file."))
    if len(uploads) > MAX_FILES:
        errors.append(_error("files", "too_many", f"At most {MAX_FILES} files per note."))
    files = []
    for upload in uploads[:MAX_FILES]:
        facts, error = _read(upload)
        if error:
            errors.append(error)
        else:
            files.append(facts)
    if errors:
        raise WorkbenchError(400, errors)
    now = timezone.now()
    note = CaseNote.objects.create(case=case, author=actor, text=text, created_at=now)
    for facts in files:
        attachment = CaseAttachment(
            note=note,
            case=case,
            name=facts["name"],
            content_type=facts["content_type"],
            size=len(facts["content"]),
            sha256=hashlib.sha256(facts["content"]).hexdigest(),
            uploaded_by=actor,
            uploaded_at=now,
        )
        attachment.file.save(stored_name(facts["name"], facts["extension"]), ContentFile(facts["content"]), save=False)
        attachment.save()
    record(
        actor=actor,
        action="case.note_added",
        obj=case,
        after={
            "note": note.pk,
            "text": text,
            "attachments": [{"name": f["name"], "type": f["content_type"], "size": len(f["content"])} for f in files],
        },
    )
    return note
