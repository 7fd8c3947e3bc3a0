"""The English catalogue: English is the source language, so its translation is the message itself.

``makemessages -l en_GB`` leaves every msgstr empty (and the header fuzzy); this fills each msgstr
with its msgid (msgstr[0] / msgstr[1] with the singular / plural of a counted message), drops the
fuzzy flags and completes the header, so ``compilemessages`` gives a complete English catalogue.
Pure Python, no Django needed:

    python -m crms.core.po locale/en_GB/LC_MESSAGES/django.po

The parser is deliberately small: it reads what GNU gettext writes (one keyword per line, strings
continued on the following lines), which is all makemessages produces.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

HEADER_FIELDS = {
    "Language": "en_GB",
    "Project-Id-Version": "CRMS",
    "Language-Team": "English",
    "Last-Translator": "none: English is the source language (crms.core.po copies each msgid)",
}


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)  # "#..." lines, flags included
    keywords: dict[str, list[str]] = field(default_factory=dict)  # keyword -> quoted source lines

    def text(self, keyword: str) -> str | None:
        lines = self.keywords.get(keyword)
        return None if lines is None else "".join(ast.literal_eval(line) for line in lines)

    @property
    def fuzzy(self) -> bool:
        return any(line.startswith("#,") and "fuzzy" in line for line in self.comments)

    @property
    def obsolete(self) -> bool:
        return any(line.startswith("#~") for line in self.comments)

    def translations(self) -> list[str]:
        return [self.text(key) or "" for key in self.keywords if key.startswith("msgstr")]


def parse(text: str) -> list[Entry]:
    entries, entry, keyword = [], Entry(), None
    for line in text.splitlines():
        if not line.strip():
            if entry.keywords or entry.comments:
                entries.append(entry)
            entry, keyword = Entry(), None
        elif line.startswith("#"):
            entry.comments.append(line)
        elif line.startswith('"'):
            entry.keywords[keyword].append(line)
        else:
            keyword, _, rest = line.partition(" ")
            entry.keywords[keyword] = [rest]
    if entry.keywords or entry.comments:
        entries.append(entry)
    return entries


def render(entries: list[Entry]) -> str:
    blocks = []
    for entry in entries:
        lines = list(entry.comments)
        for keyword, source in entry.keywords.items():
            lines.append(f"{keyword} {source[0]}")
            lines.extend(source[1:])
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def _unfuzzy(entry: Entry) -> None:
    comments = []
    for line in entry.comments:
        if line.startswith("#|"):
            continue  # the previous msgid of a fuzzy match: meaningless once filled
        if line.startswith("#,"):
            flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() and flag.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        comments.append(line)
    entry.comments = comments


def _fill_header(entry: Entry) -> None:
    lines = []
    for line in (entry.text("msgstr") or "").splitlines():
        name = line.split(":", 1)[0]
        if name in HEADER_FIELDS:
            line = f"{name}: {HEADER_FIELDS[name]}"
        lines.append(line.replace("charset=CHARSET", "charset=UTF-8"))
    entry.keywords["msgstr"] = ['""', *(_quoted(line + "\n") for line in lines)]


def fill_english(text: str) -> str:
    """Every msgstr made equal to its msgid; no fuzzy entry left."""
    entries = parse(text)
    for entry in entries:
        if entry.obsolete:
            continue
        _unfuzzy(entry)
        if entry.text("msgid") == "":
            _fill_header(entry)
        elif "msgid_plural" in entry.keywords:
            entry.keywords = {key: value for key, value in entry.keywords.items() if not key.startswith("msgstr")} | {
                "msgstr[0]": entry.keywords["msgid"],
                "msgstr[1]": entry.keywords["msgid_plural"],
            }
        else:
            entry.keywords["msgstr"] = entry.keywords["msgid"]
    return render(entries)


def main(argv: list[str]) -> int:
    for name in argv or ["locale/en_GB/LC_MESSAGES/django.po"]:
        path = Path(name)
        path.write_text(fill_english(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"{path}: every message translated to itself")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
