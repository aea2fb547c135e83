"""Real browser on the Map page: an isochrone from a clicked point in Valletta, its area and its residents.

Uses the server, browser and page of :mod:`tests.test_browser` (Streamlit on 127.0.0.1, Debian's
Chromium; every request must stay on 127.0.0.1). The residents table is checked against the
library's `equimap.analysis.isochrone.isochrone` at the clicked point, computed here, protected
as on screen. The rerun requests the page sends are counted on its websocket: panning sends none,
a click sends one, the same click again sends none.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pytest

from equimap.analysis.isochrone import isochrone
from tests.test_browser import (  # noqa: F401
    MAP_FRAME,
    SHOTS,
    VALLETTA,
    _map,
    _view,
    browser,
    page,
    pytestmark,
    server,
)

assert pytestmark  # the same markers and skip as the other browser tests

TABLE = '[data-testid="stTable"]'


def _sent_counter(pg) -> list[int]:
    """Count the messages the page sends to the server over its websockets (a rerun request is one)."""
    sent = [0]

    def on_ws(ws) -> None:
        ws.on("framesent", lambda _payload: sent.__setitem__(0, sent[0] + 1))

    pg.on("websocket", on_ws)
    return sent


def _number(text: str) -> float | None:
    found = re.search(r"-?\d[\d,]*(?:\.\d+)?", text)
    return float(found.group(0).replace(",", "")) if found else None


def test_isochrone_from_a_click_in_valletta(page, server, malta) -> None:  # noqa: F811
    sent = _sent_counter(page)
    page.goto(server)
    frame = _map(page)
    page.get_by_text("Isochrone: click the map", exact=False).click()  # the switch (reruns the map's fragment)
    page.get_by_text("Click a point on the map.").wait_for(timeout=60_000)
    fl = page.frame_locator(MAP_FRAME).last
    fl.locator(".eqm-isochrone-mode").wait_for(state="attached", timeout=60_000)
    frame = [f for f in page.frames if "st_folium" in f.url][-1]
    frame.evaluate(f"() => window.map.setView([{VALLETTA[0]}, {VALLETTA[1]}], 15, {{animate: false}})")
    page.wait_for_timeout(1500)
    before = sent[0]
    frame.evaluate("() => window.map.panBy([40, 30], {animate: false})")  # panning and zooming send nothing
    frame.evaluate("() => window.map.setZoom(14, {animate: false})")
    page.wait_for_timeout(1500)
    assert sent[0] == before
    frame.evaluate(f"() => window.map.setView([{VALLETTA[0]}, {VALLETTA[1]}], 15, {{animate: false}})")
    page.wait_for_timeout(1000)
    box = frame.locator(".leaflet-container").bounding_box()
    at = {"x": box["width"] * 0.5, "y": box["height"] * 0.5}
    frame.evaluate("() => { window.__kept = 1; }")  # gone if the map's frame were drawn anew
    frame.locator(".leaflet-container").click(position=at)
    page.locator(TABLE).first.wait_for(timeout=120_000)
    fl.locator("path.eqm-isochrone").wait_for(state="attached", timeout=30_000)  # the area, on the same map
    assert frame.evaluate("() => window.__kept") == 1
    lat, lon, zoom = _view(frame)
    assert zoom == 15 and lat == pytest.approx(VALLETTA[0], abs=1e-4) and lon == pytest.approx(VALLETTA[1], abs=1e-4)
    # the point the page drew from: its marker on the map, the caption's figures, and where the mouse clicked
    start = frame.evaluate(
        "() => { var out = null; window.feature_group.forEach(function(g) { g.eachLayer(function(l) {"
        " if (l.getLatLng) { var p = l.getLatLng(); out = [p.lat, p.lng]; } }); }); return out; }"
    )
    caption = page.get_by_text("From the point at latitude", exact=False).inner_text()
    plat, plon = (float(v) for v in re.search(r"latitude ([\d.]+), longitude ([\d.]+)", caption).groups())
    assert plat == pytest.approx(start[0], abs=6e-6) and plon == pytest.approx(start[1], abs=6e-6)
    clicked = frame.evaluate(
        f"() => {{ var p = window.map.containerPointToLatLng([{at['x']}, {at['y']}]); return [p.lat, p.lng]; }}"
    )
    assert start[0] == pytest.approx(clicked[0], abs=1e-4) and start[1] == pytest.approx(clicked[1], abs=1e-4)
    point = gpd.GeoSeries.from_xy([start[1]], [start[0]], crs="EPSG:4326")
    expected = isochrone(malta, point, mode="walk", threshold_min=15).residents["pop"]  # protected as on screen
    rows = page.locator(TABLE).first.locator("tbody tr")
    shown = {}
    for i in range(rows.count()):
        label = rows.nth(i).locator("th").inner_text().strip()
        shown[label] = rows.nth(i).locator("td").last.inner_text().strip()
    labels = {"All residents": "T", "Born in Malta": "NAT", "Born in another EU country": "EU_OTH"}
    labels["Born outside the EU"] = "OTH"
    assert set(shown) == set(labels)
    assert expected["T"] > 100  # the old town: plenty of residents within 15 min on foot
    for label, col in labels.items():
        value = expected[col]
        if value != value:  # NaN: hidden
            assert shown[label] == "hidden (small count)"
        else:
            assert _number(shown[label]) == round(value)  # shown to the whole resident
            assert not 1 <= value <= 9
    # the same click again recomputes nothing: the map sends nothing
    page.wait_for_timeout(1500)
    before = sent[0]
    frame.locator(".leaflet-container").click(position=at)
    page.wait_for_timeout(1500)
    assert sent[0] == before
    assert frame.evaluate("() => window.__kept") == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(MAP_FRAME).last.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "isochrone.png"))
