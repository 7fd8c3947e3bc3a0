"""Derived views (issue 13, point 1): pages and endpoints whose figures, lists or samples are computed
over many rows (declarations, hits, cases, decisions, control results) rather than showing one object.

Each one is tagged with ``@derived("what it derives")`` so ``tests/security/test_derived_views.py`` can
walk the URL resolver, find every tagged view and fail when one has no row in its matrix. The invariant
they share: computed over, and shown only with, rows the viewer may read (the selectors of each area),
and a stored result shown only to viewers entitled to every row in it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

View = TypeVar("View", bound=Callable)

ATTRIBUTE = "derived_view"


def derived(what: str) -> Callable[[View], View]:
    """Mark a view function or an ``APIView`` class as derived; ``what`` says what it computes."""

    def mark(view: View) -> View:
        setattr(view, ATTRIBUTE, what)
        return view

    return mark


def derived_description(callback) -> str | None:
    """What a resolved URL pattern's callback derives, or None when it is not a derived view."""
    for candidate in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        what = getattr(candidate, ATTRIBUTE, None)
        if what:
            return what
    return None
