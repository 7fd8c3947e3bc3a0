"""Tables as CSV, XLSX (pandas) and PDF (reportlab): the same frames the pages show."""

from __future__ import annotations

import io

import pandas as pd
from django.http import HttpResponse

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def frame_response(frames: dict[str, pd.DataFrame], *, filename: str, fmt: str) -> HttpResponse:
    """One table as CSV, or several as sheets of one XLSX workbook."""
    if fmt == "csv":
        (frame,) = frames.values()
        body = frame.to_csv(index=False).encode()
    else:
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            for name, frame in frames.items():
                frame.to_excel(writer, sheet_name=name[:31], index=False)
        body = buffer.getvalue()
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def pdf_report(title: str, subtitle: str, sections: list[tuple[str, str, pd.DataFrame]]) -> bytes:
    """A printable report: a title page header, then one heading, note and table per section."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
    )
    story = [Paragraph(title, styles["Title"]), Paragraph(subtitle, styles["BodyText"]), Spacer(1, 6 * mm)]
    for heading, note, frame in sections:
        story.append(Paragraph(heading, styles["Heading2"]))
        if note:
            story.append(Paragraph(note, styles["BodyText"]))
        if frame.empty:
            story.append(Paragraph("No data in this period.", styles["BodyText"]))
            continue
        header = [Paragraph(str(column).replace("_", " "), small) for column in frame.columns]
        columns = [str(column) for column in frame.columns]
        rows = [
            [Paragraph(_cell(value, column), small) for value, column in zip(row, columns, strict=True)]
            for row in frame.itertuples(index=False)
        ]
        table = LongTable([header, *rows], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1e3a5f")),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 5 * mm)]
    document.build(story)
    return buffer.getvalue()


def _cell(value, column: str) -> str:
    """The text the dashboard shows for this cell (``figure``), escaped for reportlab."""
    from indicators.templatetags.indicators import figure

    return str(figure(value, column)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
