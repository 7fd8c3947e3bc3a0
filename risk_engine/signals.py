"""Signals the engine sends, so other areas (the workbench) follow screening without the engine knowing them."""

from django.dispatch import Signal

# Sent inside the screening transaction after assessments and hits are written.
# Arguments: ``assessments`` (the rows written, as dicts), ``hits`` (likewise), ``now``.
assessments_written = Signal()
