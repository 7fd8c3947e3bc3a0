"""No view passes a template variable that a context processor already provides.

A view's context wins over the processors', so a view naming its own list ``open_crises`` replaced the
crisis banner of its page with an empty, dead link (adversarial probe, 7 December, the PCA page). The
processors' names are read from the processors themselves, so a new one is covered without a row here.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory
from django.utils.module_loading import import_string

ROOT = Path(settings.BASE_DIR)
SOURCES = [
    path
    for path in ROOT.rglob("*.py")
    if not {".venv", "tests", "migrations", "var", "node_modules"} & set(path.relative_to(ROOT).parts)
]


def processor_names(user) -> set[str]:
    request = RequestFactory().get("/workbench/")
    request.user = user
    request.session = {}
    names: set[str] = set()
    for dotted in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]:
        if not dotted.startswith("django."):
            names |= set(import_string(dotted)(request))
    return names


def test_no_view_context_reuses_a_context_processor_name(personas):
    names = processor_names(personas["fr_analyst"])
    assert "open_crises" in names and "nav_areas" in names
    dotted = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    processors = {Path(import_string(name).__code__.co_filename) for name in dotted}
    clashes = []
    for path in SOURCES:
        if path in processors:
            continue
        text = path.read_text(encoding="utf-8")
        for name in names:
            if re.search(rf"""["']{re.escape(name)}["']\s*:""", text):
                clashes.append(f"{path.relative_to(ROOT)}: {name}")
    assert not clashes, clashes
