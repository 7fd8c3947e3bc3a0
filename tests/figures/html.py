"""Reading what a page shows: the text of table cells and of marked elements, with the standard library."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Tables(HTMLParser):
    """Rows of cell texts per table, keyed by the table's id or its nearest ancestor's id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str | None] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.current: list[list[str]] | None = None
        self.cell: list[str] | None = None

    VOID = {"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag not in self.VOID:
            self.ids.append(attributes.get("id"))
        if tag == "table":
            key = next((i for i in reversed(self.ids) if i), None) or "page"
            if key in self.tables:  # a second table in the same element
                key = f"{key}#{len(self.tables) + 1}"
            self.current = self.tables.setdefault(key, [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.current:
            self.current[-1].append(re.sub(r"[ \t\r\n]+", " ", "".join(self.cell)).strip())
            self.cell = None
        elif tag == "table":
            self.current = None
        if tag not in self.VOID and self.ids:
            self.ids.pop()

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return {key: [row for row in rows if row] for key, rows in parser.tables.items()}
