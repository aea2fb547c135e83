"""No count between 1 and 9 residents reaches the screen (the exports' rule), unless the operator turns it off.

Each check has its control: the same figures read from the unprotected tables do hold such
counts, so a page that showed raw tables would fail the check.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from equimap.analysis.outreach import outreach_targets
from equimap.protect.suppression import DEFAULT_THRESHOLD

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT_S = 300

pytestmark = pytest.mark.malta


def _count(text: str) -> float:
    """Return the number an English cell shows ("1,234" -> 1234.0; "–" -> NaN)."""
    text = str(text).strip()
    return float(text.replace(",", "")) if re.fullmatch(r"-?[\d,]+(\.\d+)?", text) else np.nan


def _small(values) -> list[float]:
    return [v for v in values if 0 < v < DEFAULT_THRESHOLD]


def _run(page: str, monkeypatch, *, off: bool = False) -> AppTest:
    if off:
        monkeypatch.setenv("EQUIMAP_SCREEN_PROTECTION", "off")
        monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")  # an installation that allows unprotected figures
    else:
        monkeypatch.delenv("EQUIMAP_SCREEN_PROTECTION", raising=False)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_outreach_page_shows_no_small_count(malta, monkeypatch) -> None:
    at = _run("app_pages/outreach.py", monkeypatch)
    shown = at.dataframe[0].value
    counts = [_count(v) for col in ("Residents", "Beyond threshold") for v in shown[col]]
    assert _small(counts) == []
    assert any(np.isnan(counts))  # some are hidden ("–")
    assert any(c.value.startswith("Counts on screen are protected") for c in at.sidebar.caption)
    # control: the same places in the unprotected targets have counts of 1 to 9 residents
    raw = outreach_targets(malta, mode="walk", category="pharmacy", threshold_s=900.0, dimension="birth")
    assert _small(np.round(raw["T"]).tolist() + np.round(raw["beyond_T"]).tolist())


def test_outreach_page__operator_turns_protection_off(monkeypatch) -> None:
    at = _run("app_pages/outreach.py", monkeypatch, off=True)
    shown = at.dataframe[0].value
    counts = [_count(v) for col in ("Residents", "Beyond threshold") for v in shown[col]]
    assert _small(counts)  # the check above can fail: with protection off, small counts are shown
    assert at.sidebar.warning[0].value.startswith("Small-count protection on screen is OFF")


def test_equity_page_shows_no_small_count(malta, monkeypatch) -> None:  # noqa: ARG001 - prepares Malta
    at = _run("app_pages/equity.py", monkeypatch)
    by_group, diverse = at.dataframe[0].value, at.dataframe[-1].value
    counts = [_count(v) for col in ("Residents", "Beyond threshold") for v in by_group[col]]
    counts += [_count(v) for v in diverse["Residents"]]
    assert counts and _small(counts) == []


def test_map_popups_show_no_small_count(malta) -> None:
    """The popups' count rows, as `ui.figures` formats them from `Analysis.cells`, hide 1 to 9; the raw cells do not."""
    from equimap.analysis.core import Analysis
    from equimap.analysis.question import Question
    from ui.figures import format_column

    a = Analysis(malta, Question("walk", "pharmacy", 15.0), n_boot=19)
    keys = list(malta.count_columns) + [f"beyond_{c}" for c in malta.count_columns]
    for protect, expect_small in ((True, False), (False, True)):
        cells = a.cells(protect=protect)
        shown = [_count(s.split(" (")[0]) for k in keys for s in format_column(cells, k, lang="en")]
        assert bool(_small(shown)) is expect_small, protect


def test_screen_threshold_reads_the_operator_setting(monkeypatch) -> None:
    from ui.data import screen_threshold

    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")  # an installation that allows unprotected figures
    for value, expected in (("off", 0), ("OFF", 0), ("0", 0), ("on", DEFAULT_THRESHOLD), ("", DEFAULT_THRESHOLD)):
        monkeypatch.setenv("EQUIMAP_SCREEN_PROTECTION", value)
        assert screen_threshold() == expected, value
    monkeypatch.delenv("EQUIMAP_SCREEN_PROTECTION")
    assert screen_threshold() == DEFAULT_THRESHOLD
    # the installation's minimum holds on screen too: "off" keeps it, and a higher minimum raises the threshold
    for floor in ("10", "25"):
        monkeypatch.setenv("EQUIMAP_MIN_COUNT", floor)
        for value in ("off", "on"):
            monkeypatch.setenv("EQUIMAP_SCREEN_PROTECTION", value)
            assert screen_threshold() == max(int(floor), 0 if value == "off" else DEFAULT_THRESHOLD), (floor, value)
    monkeypatch.delenv("EQUIMAP_MIN_COUNT")
    monkeypatch.setenv("EQUIMAP_SCREEN_PROTECTION", "off")
    assert screen_threshold() == DEFAULT_THRESHOLD  # the default installation minimum (10) is not lowered
    assert pd.isna(_count("–"))
