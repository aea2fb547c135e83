"""The gap report: an A4 PDF, in any language of ``locales/``, that officials can take to a council meeting.

Pages: title and parameters; a one-page summary in plain words (the three largest
gaps, who is affected and where); the maps of :mod:`equimap.report.staticmap`; tables by
group (with 95% intervals), by council and by Degree of Urbanisation; outreach
targets when :mod:`equimap.analysis.outreach` provides them; methods; data sources and
licences; what small-count protection hid and why. Every figure comes from the
:class:`~equimap.analysis.bundle.Bundle` that the exports are written from. The sections are
built in :mod:`equimap.report.sections`.

Text is set in DejaVu Sans (shipped with matplotlib), which has the French accents,
the no-break space of French numbers (U+00A0) and the Maltese letters of council
names (ħ, ġ, ż, ċ).
"""

from __future__ import annotations

import io
import os
from functools import cache
from pathlib import Path

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from equimap.analysis.bundle import Bundle
from equimap.i18n import check_language, t
from equimap.report.labels import region_name
from equimap.report.sections import Styles, report_story

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
MARGIN = 1.8 * cm


@cache
def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular and bold) from matplotlib's fonts with reportlab; return their names."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return FONT, FONT_BOLD


def build_report(bundle: Bundle, *, lang: str = "en") -> bytes:
    """Return the PDF report of `bundle` in `lang` (one of :func:`equimap.i18n.languages`) as bytes."""
    check_language(lang)
    register_fonts()
    styles = Styles.make(FONT, FONT_BOLD)
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=t("report.subtitle", lang, region=region_name(bundle, lang)),
        author="equimap",
        subject=bundle.notice(lang),
        lang=lang,
    )
    footer = t("report.footer", lang, region=region_name(bundle, lang))
    warning = None if bundle.protected else bundle.notice(lang)

    def decorate(canvas, document) -> None:  # noqa: ANN001 - reportlab's callback signature
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, 1.0 * cm, footer)
        canvas.drawRightString(A4[0] - MARGIN, 1.0 * cm, t("report.page", lang, n=document.page))
        if warning is not None and document.page > 1:
            canvas.setFillColor(colors.HexColor("#a50f15"))
            canvas.setFont(FONT_BOLD, 7)
            for k, line in enumerate(simpleSplit(warning, FONT_BOLD, 7, A4[0] - 2 * MARGIN)[:2]):
                canvas.drawString(MARGIN, A4[1] - 0.8 * cm - k * 9, line)
        canvas.restoreState()

    # Page furniture is drawn after the page's content, so the notice is the first text of page 1.
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=decorate)])
    doc.build(report_story(bundle, styles, lang=lang))
    return buf.getvalue()


def write_report(bundle: Bundle, path: str | os.PathLike[str], *, lang: str = "en") -> Path:
    """Write :func:`build_report` to `path` and return it."""
    path = Path(path)
    path.write_bytes(build_report(bundle, lang=lang))
    return path


__all__ = ["build_report", "register_fonts", "write_report"]
