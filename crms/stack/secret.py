"""The generated secret key of a local installation, kept in ``var/secret_key`` (mode 600)."""

from __future__ import annotations

import secrets
from pathlib import Path


def secret_key(var: Path) -> str:
    path = var / "secret_key"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
