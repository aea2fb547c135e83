"""The running app in a real Chromium: the map draws offline, layers toggle, popups hold the library's numbers.

One Streamlit server on 127.0.0.1 serves every test of this module; every request the
browser makes (page and map iframe) is recorded and must stay on 127.0.0.1.
Screenshots for the README are written to ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from geo.groups import cell_summary
from geo.i18n import number

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make browser)"),
]
ACCESS_LAYER = "Travel time to the nearest service"
CELLS = 'path[class*="place-"]'
COUNCILS = "path.eq-boundary"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(malta, tmp_path_factory):  # noqa: ARG001 - prepares (or loads) Malta before the app needs it
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    out = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        out.close()
        pytest.fail("streamlit did not start: " + log.read_text(errors="replace")[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    out.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    p.requests = []
    p.on("request", lambda r: p.requests.append(r.url))
    yield p
    external = [
        u
        for u in p.requests
        if not u.startswith(("data:", "blob:", "about:")) and urlparse(u).hostname not in ("127.0.0.1", "localhost")
    ]
    context.close()
    assert external == [], f"requests left 127.0.0.1: {external[:5]}"


def map_frame(page, *, min_paths: int = 300, timeout_s: float = 90):
    """Return the map's iframe once Leaflet has drawn at least `min_paths` shapes."""
    end = time.time() + timeout_s
    while time.time() < end:
        for handle in page.locator("iframe").element_handles():
            frame = handle.content_frame()
            if frame and frame.locator(CELLS).count() + frame.locator(COUNCILS).count() >= min_paths:
                return frame
        time.sleep(0.3)
    pytest.fail("the map did not draw")


def toggle(frame, label: str) -> None:
    frame.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input").click()


def test_map_draws_its_layers_offline_and_toggles(page, server, malta) -> None:
    page.goto(server)
    frame = map_frame(page)
    n_cells = len(
        cell_summary(malta.origins, malta.access("walk", "health"), count_columns=malta.count_columns, threshold_s=900)
    )
    n_councils = 67
    paths = frame.locator(f"{CELLS}, {COUNCILS}")
    assert frame.locator(COUNCILS).count() == n_councils
    assert paths.count() == n_cells + n_councils  # access layer + council outlines are on at start
    assert frame.locator(".marker-cluster, .eq-service").count() > 0
    assert frame.locator(".leaflet-control-attribution").inner_text().count("OpenStreetMap") >= 1
    assert "Eurostat" in frame.locator(".leaflet-control-attribution").inner_text()
    assert "0–5 min" in frame.locator(".eq-legend").inner_text()
    page.wait_for_timeout(500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "map.png"))
    toggle(frame, ACCESS_LAYER)
    page.wait_for_timeout(300)
    assert paths.count() == n_councils
    toggle(frame, ACCESS_LAYER)
    page.wait_for_timeout(300)
    assert paths.count() == n_cells + n_councils
    toggle(frame, "Residents beyond the threshold")
    page.wait_for_timeout(300)
    assert paths.count() == 2 * n_cells + n_councils


def test_click_on_a_cell_shows_the_library_figures(page, server, malta) -> None:
    page.goto(server)
    frame = map_frame(page)
    cells = cell_summary(
        malta.origins, malta.access("walk", "health"), count_columns=malta.count_columns, threshold_s=900
    )
    cell = cells["T"].idxmax()
    row = cells.loc[cell]
    frame.locator(f"path.place-{cell}").dispatch_event("click")
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    text = popup.inner_text()
    assert number(row["T"], "en") in text and number(row["OTH"], "en") in text
    assert f"{number(row['time_nearest_min'], 'en', decimals=1)} min" in text
    assert f"{number(row['time_mean3_min'], 'en', decimals=1)} min" in text
    assert number(row["beyond_T"], "en") in text


def test_language_switch_and_equity_page(page, server) -> None:
    page.goto(server)
    map_frame(page)
    page.get_by_role("combobox", name="Language / Langue").click()
    page.get_by_role("option", name="Français").click()
    page.get_by_role("heading", name="Où les services sont hors de portée").wait_for(timeout=30_000)
    end = time.time() + 60
    while time.time() < end and not any(
        h.content_frame() and h.content_frame().locator(".leaflet-control-layers-overlays", has_text="Communes").count()
        for h in page.locator("iframe").element_handles()
    ):
        time.sleep(0.3)
    frame = map_frame(page)
    assert frame.locator(".leaflet-control-layers-overlays", has_text="Communes").count() == 1
    assert "Temps de trajet" in frame.locator(".eq-legend").inner_text()
    page.goto(f"{server}/equity")
    page.get_by_role("heading", name="Who waits longer?").wait_for(timeout=60_000)
    page.get_by_text("need on average").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "equity.png"), full_page=True)


def test_upload_of_a_service_list__bad_file_is_one_sentence_good_file_is_mapped(page, server, tmp_path) -> None:
    page.goto(server)
    map_frame(page)
    empty = tmp_path / "clinics.geojson"
    empty.write_bytes(b"")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(empty))
    alert = page.locator('[data-testid="stAlert"]')
    alert.wait_for(timeout=30_000)
    assert "clinics.geojson" in alert.inner_text() and "empty" in alert.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    good = tmp_path / "my_clinics.geojson"
    good.write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [14.51, 35.90]}},'
        '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [14.25, 36.04]}}]}'
    )
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(good))
    end = time.time() + 60
    while time.time() < end:
        frames = [h.content_frame() for h in page.locator("iframe").element_handles()]
        if any(
            f and f.locator(".leaflet-control-layers-overlays", has_text="Your uploaded services").count()
            for f in frames
        ):
            break
        time.sleep(0.3)
    else:
        pytest.fail("the uploaded services were not mapped")
    assert page.locator('[data-testid="stAlert"]').count() == 0
