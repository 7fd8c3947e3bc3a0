"""Writes of the information exchange over REST (and the browser form): a request with its deadline.

The request, its thread and closing are the workbench's services (rights, rules, audit); this adds
the deadline in the same transaction and audits the asker's choice of day.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from crms.audit.services import record
from crms.declarations.selectors import declaration_for
from exchange import deadlines
from exchange.models import RequestDeadline
from workbench import services as workbench
from workbench.models import InformationRequest

# The workbench names the consignment ``declaration``; the REST body and the form name it ``mrn``.
FIELD_NAMES = {"declaration": "mrn"}


def _error(field: str | None, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


@transaction.atomic
def open_request(
    *,
    actor,
    requested_state: str,
    subject: str,
    legal_basis: str,
    purpose: str,
    question: str,
    mrn: str | None = None,
    party_name: str = "",
    party_eori: str = "",
    answer_by: dt.date | None = None,
) -> InformationRequest:
    """Open a request to another Member State, answerable until ``answer_by`` (default: the setting's days)."""
    workbench.require_exchange_staff(actor)
    errors = []
    declaration = declaration_for(actor, mrn) if mrn else None
    if mrn and declaration is None:
        errors.append(_error("mrn", "unknown", "No declaration with this MRN that you may see."))
    if answer_by is not None and not deadlines.allowed(answer_by):
        errors.append(_error("answer_by", "out_of_range", "A day from today to a year ahead."))
    try:
        request = workbench.open_information_request(
            actor=actor,
            requested_state=requested_state,
            subject=subject,
            legal_basis=legal_basis,
            purpose=purpose,
            question=question,
            declaration=declaration,
            party_name=party_name,
            party_eori=party_eori or "",
        )
    except workbench.WorkbenchError as error:
        renamed = [e | {"field": FIELD_NAMES.get(e["field"], e["field"])} for e in error.errors]
        raise workbench.WorkbenchError(error.status, errors + [e for e in renamed if e not in errors]) from None
    if errors:
        raise workbench.WorkbenchError(400, errors)
    if answer_by is not None:  # the default day is the setting's, not a choice: nothing to record
        RequestDeadline.objects.update_or_create(
            request=request, defaults={"answer_by": answer_by, "set_by": actor, "set_at": timezone.now()}
        )
        record(actor=actor, action="information_request.deadline_set", obj=request, after={"answer_by": str(answer_by)})
    return request
