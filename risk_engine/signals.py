"""Signals the engine sends, so other areas (the workbench) follow screening without the engine knowing them."""

from django.dispatch import Signal

# Sent inside the screening transaction after assessments and hits are written.
# Arguments: ``assessments`` (the rows written, as dicts), ``hits`` (likewise), ``now``; per row of
# ``assessments``: ``phases``, ``aeo``, ``mrns``, ``versions``, ``unloading`` (Member State of unloading);
# ``rescreened`` (version ids that had an assessment before) and ``changed`` (those whose result changed).
assessments_written = Signal()
