"""Real browser on the Scenario page: click the map to add a site, see the group table change, undo, get today's back.

Uses the server, browser and page of :mod:`tests.test_browser` (Streamlit on 127.0.0.1, Debian's
Chromium; every request must stay on 127.0.0.1). The figures after the click are checked against
a full recomputation with the changed list of sites (an `Analysis` with ``services=``).
"""

from __future__ import annotations

import re

import pytest

from equimap.analysis.core import Analysis
from equimap.analysis.question import Question
from equimap.i18n import fmt_num, fmt_pct
from equimap.scenario.changes import apply_changes, parse_changes
from equimap.scenario.engine import ScenarioAnalysis
from tests.test_browser import FIRST_DRAW_MS, MAP_FRAME, browser, page, pytestmark, server  # noqa: F401

assert pytestmark  # the same markers and skip as the other browser tests

TABLE = '[data-testid="stTable"]'


def _table(pg) -> str:
    pg.locator(TABLE).first.wait_for(timeout=FIRST_DRAW_MS)
    return pg.locator(TABLE).first.inner_text()


def test_scenario_page__click_adds_a_site_and_undo_gives_the_first_figures_back(page, server, malta) -> None:  # noqa: F811
    page.goto(f"{server}/scenario")
    page.frame_locator(MAP_FRAME).last.locator("path.eqm-scenario-site").first.wait_for(
        state="attached", timeout=FIRST_DRAW_MS
    )
    first = _table(page)
    assert "after" not in first
    frame = next(f for f in page.frames if "st_folium" in f.url)
    box = frame.locator(".leaflet-container").bounding_box()
    frame.locator(".leaflet-container").click(position={"x": box["width"] * 0.5 + 37, "y": box["height"] * 0.5 + 23})
    page.wait_for_function(
        "() => /add \\d+\\.\\d+,\\d+\\.\\d+/.test(document.body.innerText)"
        " && document.body.innerText.includes('Share beyond, after')",
        timeout=120_000,
    )
    after = _table(page)
    assert after != first
    found = re.search(r"add (\d+\.\d+),(\d+\.\d+)", page.inner_text("body"))
    assert found
    lon, lat = (float(v) for v in found.groups())
    q = Question("walk", "pharmacy", 15.0)
    sc = parse_changes(name="x", add=[f"{lon},{lat}"])
    expected = ScenarioAnalysis(Analysis(malta, q, n_boot=0), sc).groups()
    full = Analysis(
        malta, q, n_boot=0, services=apply_changes(malta.services_for("pharmacy"), sc.with_category("pharmacy"))
    )
    assert full.groups().loc["T", "mean_min"] == pytest.approx(expected.loc["T", "mean_min_after"], abs=1e-12)
    assert fmt_num(expected.loc["T", "mean_min_after"], "en", digits=2) in after
    assert fmt_pct(expected.loc["T", "share_beyond_after"], "en", digits=1) in after
    page.get_by_role("button", name="Undo the last change").click()
    page.wait_for_function("t => !document.body.innerText.includes(t)", arg="Share beyond, after", timeout=120_000)
    assert _table(page) == first


def test_scenario_page__move_a_site_by_clicking_its_new_place(page, server, malta) -> None:  # noqa: F811
    page.goto(f"{server}/scenario")
    page.frame_locator(MAP_FRAME).last.locator("path.eqm-scenario-site").first.wait_for(
        state="attached", timeout=FIRST_DRAW_MS
    )
    first = _table(page)
    page.get_by_role("button", name=re.compile("Move this site")).click()
    page.get_by_text("Click on the map where").wait_for(timeout=120_000)
    frame = next(f for f in page.frames if "st_folium" in f.url)
    box = frame.locator(".leaflet-container").bounding_box()
    frame.locator(".leaflet-container").click(position={"x": box["width"] * 0.5 - 41, "y": box["height"] * 0.5 + 17})
    page.wait_for_function(
        "() => /move \\S+ → \\d+\\.\\d+,\\d+\\.\\d+/.test(document.body.innerText)"
        " && document.body.innerText.includes('Share beyond, after')",
        timeout=120_000,
    )
    after = _table(page)
    assert after != first
    found = re.search(r"move (\S+) → (\d+\.\d+),(\d+\.\d+)", page.inner_text("body"))
    assert found
    sid, lon, lat = found.group(1), float(found.group(2)), float(found.group(3))
    assert sid == malta.services_for("pharmacy")["service_id"].iloc[0]  # the site chosen in the list
    q = Question("walk", "pharmacy", 15.0)
    sc = parse_changes(name="x", move=[f"{sid}={lon},{lat}"])
    expected = ScenarioAnalysis(Analysis(malta, q, n_boot=0), sc).groups()
    full = Analysis(
        malta, q, n_boot=0, services=apply_changes(malta.services_for("pharmacy"), sc.with_category("pharmacy"))
    )
    assert full.groups().loc["T", "mean_min"] == pytest.approx(expected.loc["T", "mean_min_after"], abs=1e-12)
    assert fmt_num(full.groups().loc["T", "mean_min"], "en", digits=2) in after
    assert fmt_pct(expected.loc["T", "share_beyond_after"], "en", digits=1) in after
