"""Paragraph styles and table helpers shared by the sections of the PDF report (see :mod:`equimap.report.pdf`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from equimap.i18n import fmt_num

#: Width of the text frame of an A4 page with the report's margins, in cm.
WIDTH_CM = 17.4
_GRID = colors.HexColor("#bbbbbb")
_HEAD = colors.HexColor("#e8e8e8")
_SUB = colors.HexColor("#f5f5f5")


@dataclass(frozen=True)
class Styles:
    """Paragraph styles of the report."""

    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    notice: ParagraphStyle
    warning: ParagraphStyle
    bullet: ParagraphStyle

    @classmethod
    def make(cls, font: str, bold: str) -> Styles:
        """Return the styles set in `font` and `bold`."""
        body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13.5, spaceAfter=5)
        return cls(
            body=body,
            small=ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, spaceAfter=3),
            cell=ParagraphStyle("cell", parent=body, fontSize=7, leading=8.6, spaceAfter=0),
            cell_bold=ParagraphStyle("cellb", parent=body, fontName=bold, fontSize=7, leading=8.6, spaceAfter=0),
            h1=ParagraphStyle(
                "h1", parent=body, fontName=bold, fontSize=15, leading=19, spaceBefore=4, spaceAfter=8, keepWithNext=1
            ),
            h2=ParagraphStyle(
                "h2", parent=body, fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=5, keepWithNext=1
            ),
            title=ParagraphStyle("title", parent=body, fontName=bold, fontSize=24, leading=30, spaceAfter=10),
            subtitle=ParagraphStyle("subtitle", parent=body, fontSize=14, leading=19, spaceAfter=14),
            notice=ParagraphStyle(
                "notice",
                parent=body,
                fontSize=8.5,
                leading=11.5,
                borderColor=_GRID,
                borderWidth=0.6,
                borderPadding=5,
                backColor=colors.HexColor("#f4f4f4"),
                spaceAfter=16,
            ),
            warning=ParagraphStyle(
                "warning",
                parent=body,
                fontName=bold,
                fontSize=10,
                leading=13,
                textColor=colors.HexColor("#a50f15"),
                borderColor=colors.HexColor("#a50f15"),
                borderWidth=1,
                borderPadding=5,
                spaceAfter=16,
            ),
            bullet=ParagraphStyle("bullet", parent=body, leftIndent=12, bulletIndent=2),
        )


def para(value: str, style: ParagraphStyle) -> Paragraph:
    """Return a paragraph of plain text (escaped: ``<`` and ``&`` print as themselves)."""
    return Paragraph(escape(value), style)


def minutes(value: float, lang: str) -> str:
    """Return a number of minutes without decimals when whole (``15``, ``7,5``)."""
    return fmt_num(value, lang, digits=0 if float(value).is_integer() else 1)


def missing(value: Any) -> bool:
    """Return whether `value` is missing (None, NaN or NA): hidden or undefined."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


#: Left plus right padding of a table cell, and a little room, in points.
_PAD_PT = 6.5


def fit_widths(
    rows: list[list[Any]], st: Styles, widths_cm: list[float], *, header: int = 1, spans: list[int] | None = None
) -> list[float]:
    """Return column widths (points) in which no word of any cell must be split ("Resident s").

    Each column gets at least the width of its longest word (bold in heading rows) plus
    padding; the extra width is taken from the columns with room to spare, in proportion
    to their spare room, so the table keeps its total width whenever it can.
    """
    pts = [w * cm for w in widths_cm]
    need = [0.0] * len(pts)
    for i, row in enumerate(rows):
        if spans and i in spans:
            continue
        style = st.cell_bold if i < header else st.cell
        for c, v in enumerate(row[: len(pts)]):
            if isinstance(v, Flowable):
                continue
            words = str(v).split(" ")  # a no-break space keeps its words together
            widest = max((stringWidth(w, style.fontName, style.fontSize) for w in words), default=0.0)
            need[c] = max(need[c], widest + _PAD_PT)
    deficit = sum(max(n - w, 0.0) for n, w in zip(need, pts, strict=True))
    spare = [max(w - n, 0.0) for n, w in zip(need, pts, strict=True)]
    room = sum(spare)
    take = min(deficit, room)
    return [
        max(w, n) if w < n else w - (take * sp / room if room else 0.0)
        for w, n, sp in zip(pts, need, spare, strict=True)
    ]


def grid_table(
    rows: list[list[Any]],
    st: Styles,
    widths_cm: list[float],
    *,
    header: int = 1,
    numeric_from: int | None = None,
    spans: list[int] | None = None,
    bold_rows: list[int] | None = None,
) -> Table:
    """Return a table with wrapped text cells, `header` heading rows, and right-aligned numbers."""
    cells = []
    spans = spans or []
    for i, row in enumerate(rows):
        style = st.cell_bold if i < header or (bold_rows and i in bold_rows) else st.cell
        right = ParagraphStyle(f"{style.name}-r", parent=style, alignment=TA_RIGHT)
        cells.append(
            [
                v
                if isinstance(v, Flowable)
                else Paragraph(
                    escape(str(v)),
                    right if numeric_from is not None and c >= numeric_from and i not in spans else style,
                )
                for c, v in enumerate(row)
            ]
        )
    t = Table(cells, colWidths=fit_widths(rows, st, widths_cm, header=header, spans=spans), repeatRows=header)
    cmds = [
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, header - 1), _HEAD))
    for r in spans:
        cmds += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), _SUB)]
    t.setStyle(TableStyle(cmds))
    return t
