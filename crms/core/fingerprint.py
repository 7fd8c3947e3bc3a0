"""A short, stable digest of reviewed content, so an approval can name exactly what its approver read.

Criteria versions and RIFs show it on their pages and documents; the approve action sends it back,
and the service refuses (409) when the content no longer has it (contract v2 section 3).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def fingerprint(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of ``content`` as canonical JSON: keys sorted, instants in UTC."""
    text = json.dumps(_canonical(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
