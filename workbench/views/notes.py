"""Notes and attachments on a case in the browser: add one, open a file."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from crms.audit.services import record
from crms.core.access import area_required
from workbench import notes, services
from workbench.case_forms import FormState, plain_errors
from workbench.views.cases import _after_action, _case, _refused

NOTE_FIELDS = ("text", "files")


@require_POST
@area_required("workbench")
def add_note(request, pk: int):
    case = _case(request, pk)
    try:
        notes.add_note(
            actor=request.user, case=case, text=request.POST.get("text", ""), uploads=request.FILES.getlist("files")
        )
    except services.WorkbenchError as error:
        if error.status == 403:
            raise PermissionDenied(error.errors[0]["message"]) from None
        state: FormState = plain_errors(error.errors, NOTE_FIELDS)
        state.values = {"text": request.POST.get("text", "")}  # files cannot be sent back: the error says which
        return _refused(request, case, "note_form", state, error.status)
    messages.success(request, _("Note added."))
    return _after_action(request, case)


@require_safe
@area_required("workbench")
def attachment(request, pk: int, attachment_pk: int):
    """A case file, only for who may read the case (404 otherwise, as for the case itself).

    Photos open in the browser (``inline``), PDFs download; always the type detected at upload,
    ``nosniff``, ``no-store``; every read is audited, like a RIF attachment's download.
    """
    case = _case(request, pk)
    found = notes.attachment_on(case, attachment_pk)
    if found is None:
        raise Http404
    response = FileResponse(
        found.file.open("rb"), as_attachment=not found.is_image, filename=found.name, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    record(
        actor=request.user,
        action="case.attachment_read",
        obj=case,
        after={"attachment": found.pk, "name": found.name, "sha256": found.sha256},
    )
    return response
