"""View decorators that apply the navigation table's access rules."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from crms.core.navigation import AREAS_BY_KEY


def area_required(key: str):
    """Refuse (403) users whose role may not enter the area ``key``."""
    area = AREAS_BY_KEY[key]

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not area.allows(request.user):
                raise PermissionDenied(f"Your role may not open {area.title}.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
