"""One way a RIF attachment leaves the platform, for the browser and REST alike.

The RIF's visibility rule decides (the caller found the RIF through ``rif.selectors``); the file is
never served directly; who took which file is recorded, like every export.
"""

from __future__ import annotations

from django.http import FileResponse

from crms.audit.services import record
from rif.models import Rif, RifAttachment


def attachment_of(rif: Rif, pk: int) -> RifAttachment | None:
    return rif.attachments.filter(pk=pk).first()


def attachment_response(*, actor, rif: Rif, attachment: RifAttachment, via: str) -> FileResponse:
    """The file as a download (``no-store``, ``nosniff``), audited as ``rif.attachment_downloaded``."""
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    record(
        actor=actor,
        action="rif.attachment_downloaded",
        obj=rif,
        after={"name": attachment.name, "sha256": attachment.sha256, "via": via},
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
