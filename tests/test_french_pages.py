"""The French pages show no English catalogue text; the same check finds English text on the English pages (control)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from equimap.i18n import catalogue

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ["app_pages/map.py", "app_pages/equity.py", "app_pages/outreach.py", "app_pages/report.py"]
#: Shortest literal piece of an English message that counts as English text on a page.
MIN_PIECE = 14

pytestmark = pytest.mark.malta


def english_pieces() -> set[str]:
    """Return the literal pieces (between placeholders) of every English message that French words otherwise."""
    en, fr = catalogue("en"), catalogue("fr")
    out = set()
    for key, text in en.items():
        if fr.get(key) == text or key.startswith("attribution."):
            continue
        for piece in re.split(r"\{[^}]*\}", text):
            piece = piece.strip(" .,:;()")
            if len(piece) >= MIN_PIECE and " " in piece and piece not in " ".join(fr.values()):
                out.add(piece)
    return out


def page_text(at: AppTest) -> str:
    """Return every text a person reads on the page: titles, text, captions, labels, options, table cells."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("selectbox", "multiselect", "radio", "slider", "checkbox", "toggle", "button", "segmented_control"):
        for w in getattr(at, kind):
            parts.append(str(w.label))
            parts += [str(o) for o in getattr(w, "options", []) or []]
    parts += [str(b.label) for b in at.get("download_button")]
    for chart in at.get("vega_lite_chart"):  # the chart's spec: axis titles, legend, tooltips
        parts.append(json.loads(chart.proto.spec) and chart.proto.spec)
    for comp in at.get("component_instance"):  # the folium map: layers, legends, popups, credits
        parts.append(json.dumps(json.loads(comp.proto.json_args or "{}"), ensure_ascii=False))
    for df in at.dataframe:
        frame = df.value
        parts += [str(c) for c in frame.columns]
        parts += [str(v) for v in frame.astype(str).to_numpy().ravel()]
    return "\n".join(parts)


def _english_on(lang: str, page: str) -> list[str]:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    text = page_text(at)
    return sorted(p for p in english_pieces() if p in text)


@pytest.mark.parametrize("page", PAGES)
def test_french_page_has_no_english_catalogue_text(malta, page: str) -> None:  # noqa: ARG001 - prepares Malta
    assert _english_on("fr", page) == []


def test_french_map_and_chart_are_read_by_the_check(malta) -> None:  # noqa: ARG001 - prepares Malta
    """The map component and the chart are part of the text checked (the English ones show their English)."""
    found = _english_on("en", "app_pages/map.py")
    assert any("OpenStreetMap" in p or "Residents" in p or "residents" in p for p in found), found


def test_the_check_finds_english_on_the_english_page(malta) -> None:  # noqa: ARG001 - prepares Malta
    assert len(english_pieces()) > 100
    assert len(_english_on("en", "app_pages/equity.py")) >= 10
