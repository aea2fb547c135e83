"""Real browser: Playwright drives Debian's Chromium against the app served on 127.0.0.1.

One Streamlit server for the module. Every request the pages make (the app's
own iframes included) is recorded, and each test checks that none left
127.0.0.1. The map and equity screenshots in ``docs/screenshots/`` are taken
here, so the README shows the app as it is.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from equimap.analysis.question import Question
from equimap.api import Analysis
from equimap.indicators.groups import cell_summary, group_summary
from equimap.region.boundaries import load_boundaries

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: The first page may prepare Malta from scratch (≈45 s on a cold cache).
FIRST_DRAW_MS = 240_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.malta,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (make test installs it)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(malta, tmp_path_factory) -> str:  # noqa: ARG001 - prepare the region (disk cache) before the server reads it
    """Start ``streamlit run app.py`` on a free port of 127.0.0.1 and return its URL."""
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start: {log.read_text(errors='replace')[-2000:]}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):  # noqa: ARG001 - the server must be up before the page opens
    """A fresh page (new session) that records every request it and its iframes make."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100})
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    pg = ctx.new_page()
    pg.requests = requests  # type: ignore[attr-defined]
    yield pg
    ctx.close()
    outside = [u for u in requests if not _local(u)]
    assert outside == [], f"requests left 127.0.0.1: {outside[:5]}"
    assert requests, "no request recorded"


def _local(url: str) -> bool:
    p = urlparse(url)
    return p.scheme in ("data", "blob", "about") or p.hostname in ("127.0.0.1", "localhost")


def _map(page):
    """Return the map's frame once Leaflet has drawn the cells."""
    page.frame_locator(MAP_FRAME).last.locator("path.eqm-place").first.wait_for(state="attached", timeout=FIRST_DRAW_MS)
    return next(f for f in page.frames if "st_folium" in f.url)


def _toggle(frame, layer_name: str) -> None:
    frame.locator(".leaflet-control-layers-overlays label", has_text=layer_name).locator("input").click()


def _cells_drawn(frame) -> int:
    return frame.locator("path.eqm-place[class*='eqm-cell-']").count()


def test_map_draws_its_layers_offline(page, server, malta) -> None:
    page.goto(server)  # the map is the default page, at /
    frame = _map(page)
    acc = malta.access("walk", "pharmacy")
    summary = cell_summary(malta.origins, acc, count_columns=malta.count_columns, threshold_s=900.0)
    populated = int((summary["T"] > 0).sum())
    assert _cells_drawn(frame) == populated  # the access layer: one path per populated cell
    n_councils = frame.locator("path.eqm-place[class*='eqm-council-']").count()
    assert n_councils == len(load_boundaries(malta.region, "councils"))  # one outline per council
    services = len(malta.services_for("pharmacy"))
    assert frame.locator(".marker-cluster").count() + frame.locator("path.eqm-service").count() > 0
    clustered = sum(int(t) for t in frame.locator(".marker-cluster").all_inner_texts())
    assert clustered + frame.locator("path.eqm-service").count() == services
    legends = frame.locator(".eqm-legend").all_inner_texts()
    assert any("Minutes on foot to the nearest pharmacy" in t for t in legends)
    attribution = frame.locator(".leaflet-control-attribution").inner_text()
    for line in malta.region.attribution:
        assert line in attribution
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "map.png"))


def test_layer_toggle_hides_and_shows(page, server, malta) -> None:
    acc = malta.access("walk", "pharmacy")
    summary = cell_summary(malta.origins, acc, count_columns=malta.count_columns, threshold_s=900.0)
    page.goto(server)  # the map is the default page, at /
    frame = _map(page)
    before = _cells_drawn(frame)
    legends = frame.locator(".eqm-legend").count()
    _toggle(frame, "Travel time to the nearest service")
    assert _cells_drawn(frame) == 0
    assert frame.locator(".eqm-legend").count() == legends - 1  # its legend goes with it
    _toggle(frame, "Travel time to the nearest service")
    assert _cells_drawn(frame) == before
    _toggle(frame, "Residents beyond 15 min")
    gaps = _cells_drawn(frame) - before
    # one path per cell with residents beyond 15 min, except those whose count small-count protection hides
    shown = Analysis(malta, Question("walk", "pharmacy", 15.0)).cells()["beyond_T"]
    assert gaps == int((shown > 0).sum())
    assert gaps > 0.8 * int((summary["beyond_T"] > 0).sum())  # most such cells are shown
    # toggling layers happens in the browser: the page did not rerun (no new map frame)
    assert sum("st_folium" in f.url for f in page.frames) == 1


def test_click_on_a_cell_shows_its_figures(page, server, malta) -> None:
    # the figures of the XLSX export of the same analysis: the popup must show exactly these
    summary = Analysis(malta, Question("walk", "pharmacy", 15.0)).cells()
    cell = summary["beyond_T"].idxmax()  # the cell with most residents beyond 15 min
    page.goto(server)  # the map is the default page, at /
    frame = _map(page)
    _toggle(frame, "Services: Pharmacies")  # no marker above the cell
    _toggle(frame, "Councils")  # nor a council outline
    css = re.sub(r"[^A-Za-z0-9_-]", "_", cell)
    frame.locator(f"path.eqm-cell-{css}").click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert popup.locator(".eqm-popup").get_attribute("data-id") == cell
    assert popup.locator(".eqm-head").inner_text() == f"1 km square in {summary.loc[cell, 'council']}"
    assert "CRS3035" not in popup.inner_text()  # the reader sees the council's name, not the cell id
    first = popup.locator("tr[data-k]").first.get_attribute("data-k")
    assert first == "time_nearest_min"  # how far comes first

    def figure(key: str) -> float:
        text = popup.locator(f'tr[data-k="{key}"] td').inner_text()
        return float(re.match(r"-?[\d,]+(?:\.\d+)?", text).group(0).replace(",", ""))

    row = summary.loc[cell]
    assert figure("T") == row["T"]
    assert figure("OTH") == row["OTH"]
    assert figure("time_nearest_min") == round(row["time_nearest_min"], 1)
    assert figure("time_mean3_min") == round(row["time_mean3_min"], 1)
    assert figure("beyond_T") == row["beyond_T"]
    assert figure("beyond_NAT") == row["beyond_NAT"]


def test_language_switch(page, server) -> None:
    page.goto(server)  # the map is the default page, at /
    _map(page)
    page.get_by_role("combobox", name="Language").click()
    page.get_by_role("option", name="Français").click()
    page.get_by_role("heading", name="Carte : qui est loin des services « Pharmacies »").wait_for(timeout=60_000)
    fl = page.frame_locator(MAP_FRAME).last  # the map is redrawn in a new frame (the old one goes away)
    fl.locator(".leaflet-control-layers", has_text="Temps jusqu'au service le plus proche").wait_for(timeout=30_000)
    legend = fl.locator(".eqm-legend", has_text="Minutes à pied jusqu'à la pharmacie la plus proche")
    legend.wait_for(timeout=10_000)
    assert page.get_by_test_id("stSidebar").get_by_text("Mode de déplacement").is_visible()
    # the selectboxes show their current choice in French too
    assert page.get_by_role("combobox", name="Comparer les groupes selon").input_value() == "Pays de naissance"
    assert page.get_by_role("combobox", name="Groupe de population").input_value() == "Tous les habitants"


def _numbers(text: str) -> list[float]:
    """Return the numbers of an English text ("12,345.6", "16.0%" -> 12345.6, 16.0)."""
    return [float(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)]


def _grid_rows(grid) -> list[list[str]]:
    """Return the body rows of an ``st.dataframe`` as text, from the grid's accessible table (its cells are drawn)."""
    grid.locator("table[role='grid'] tbody tr").first.wait_for(state="attached", timeout=30_000)
    rows = grid.locator("table[role='grid'] tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def test_equity_page(page, server, malta) -> None:
    # the defaults: pharmacies on foot, threshold 15 min, groups by country of birth; figures worked out with numpy
    time_s = malta.access("walk", "pharmacy")["time_nearest_s"].to_numpy()
    fin, beyond = np.isfinite(time_s), ~(time_s <= 900)
    expected = {}
    for col in ("T", "NAT", "EU_OTH", "OTH"):
        w = malta.origins[col].to_numpy()
        expected[col] = {
            "pop": w.sum(),
            "mean_min": (w[fin] * time_s[fin]).sum() / w[fin].sum() / 60,
            "pop_beyond": w[beyond].sum(),
            "share_beyond_pct": 100 * w[beyond].sum() / w.sum(),
        }
    page.goto(f"{server}/equity")
    page.get_by_role("heading", name="Equity: who waits longer").wait_for(timeout=FIRST_DRAW_MS)
    sentence = page.get_by_text("People born outside the EU wait on average", exact=False).first
    sentence.wait_for(timeout=60_000)
    # "... (9.1 vs 9.4 min)."; then "12.3% of people born outside the EU live more than 15 min ..., against 14.0% of ..."
    text = sentence.inner_text()
    mean, ref_mean = (float(v) for v in re.search(r"\(([\d.]+) vs ([\d.]+) min\)", text).groups())
    assert mean == pytest.approx(expected["OTH"]["mean_min"], abs=0.05)
    assert ref_mean == pytest.approx(expected["NAT"]["mean_min"], abs=0.05)
    share, ref_share = (float(v) for v in re.search(r"([\d.]+)% of .* against ([\d.]+)% of", text).groups())
    assert share == pytest.approx(expected["OTH"]["share_beyond_pct"], abs=0.05)
    assert ref_share == pytest.approx(expected["NAT"]["share_beyond_pct"], abs=0.05)

    # the table "Travel time by group": residents, mean, median, p90, beyond, share beyond, one row per group
    rows = _grid_rows(page.get_by_test_id("stDataFrame").first)
    labels = {"All residents": "T", "Born in Malta": "NAT", "Born in another EU country": "EU_OTH"}
    labels["Born outside the EU"] = "OTH"
    assert [r[0] for r in rows] == list(labels)
    times = malta.access("walk", "pharmacy")["time_nearest_s"]
    summary = group_summary(malta.origins, times, groups=dict.fromkeys(labels.values(), ""), threshold_s=900.0)
    for row in rows:
        col = labels[row[0]]
        pop, mean_min, median_min, p90_min, pop_beyond, share_pct = (_numbers(c)[0] for c in row[1:7])
        # region totals are published rounded to the nearest 10 residents, on screen as in the report
        assert pop % 10 == 0 and pop == pytest.approx(expected[col]["pop"], abs=5)
        assert mean_min == pytest.approx(expected[col]["mean_min"], abs=0.05)
        assert median_min == pytest.approx(summary.loc[col, "median_min"], abs=0.05)
        assert p90_min == pytest.approx(summary.loc[col, "p90_min"], abs=0.05)
        assert pop_beyond % 10 == 0 and pop_beyond == pytest.approx(expected[col]["pop_beyond"], abs=5)
        # shares are published to 4 decimals (protect.tables.round_groups), then shown to 0.1 point
        assert share_pct == pytest.approx(expected[col]["share_beyond_pct"], abs=0.05 + 0.005)
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for(
        timeout=60_000
    )
    page.wait_for_timeout(1000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "equity.png"), full_page=False)


def test_click_on_a_council_name_shows_its_figures(page, server, malta) -> None:
    councils = Analysis(malta, Question("walk", "pharmacy", 15.0)).councils()  # the protected figures the page shows
    unit = councils["T"].idxmax()
    name = councils.loc[unit, "name"]
    pt = councils.geometry.loc[[unit]].representative_point().to_crs(4326).iloc[0]
    page.goto(server)
    frame = _map(page)
    _toggle(frame, "Services: Pharmacies")
    frame.evaluate(f"() => window.map.setView([{pt.y}, {pt.x}], 14, {{animate: false}})")
    frame.locator(".eqm-label", has_text=name).first.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert popup.locator(".eqm-head").inner_text() == name
    text = popup.locator('tr[data-k="T"] td').inner_text()
    assert float(text.replace(",", "")) == councils.loc[unit, "T"]


def test_upload_of_a_service_list_is_drawn_on_the_map(page, server, tmp_path) -> None:
    sites = [  # made-up sites across Malta and Gozo: name, lon, lat
        ("Valletta clinic", 14.5146, 35.8989),
        ("Mosta clinic", 14.4256, 35.9092),
        ("Victoria clinic", 14.2393, 36.0444),
        ("Birzebbuga clinic", 14.5270, 35.8256),
        ("Mellieha clinic", 14.3622, 35.9564),
    ]
    path = tmp_path / "my_clinics.csv"
    path.write_text("name,lon,lat\n" + "".join(f"{n},{x},{y}\n" for n, x, y in sites))
    page.goto(server)
    _map(page)
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("stSidebar").get_by_test_id("stFileUploaderDropzone").locator("button").click()
    chooser.value.set_files(str(path))
    page.get_by_role("heading", name="Map: who is far from Uploaded services").wait_for(timeout=120_000)
    fl = page.frame_locator(MAP_FRAME).last  # the map is redrawn in a new frame
    fl.locator(".eqm-legend", has_text=f"Uploaded services ({len(sites)} sites)").wait_for(timeout=60_000)
    fl.locator("path.eqm-place").first.wait_for(state="attached", timeout=60_000)
    clustered = sum(int(t) for t in fl.locator(".marker-cluster").all_inner_texts())
    assert clustered + fl.locator("path.eqm-service").count() == len(sites)  # every row of the file, no other site
    assert page.get_by_test_id("stSidebar").get_by_text(f"my_clinics.csv: {len(sites)} sites.").is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlert"]').count() == 0


# --------------------------------------------------------------------------- the map keeps its place (issue 12)


def _last_map(page, *, has_text: str):
    """Return the newest map frame once its layer control shows `has_text` and Leaflet has drawn it."""
    fl = page.frame_locator(MAP_FRAME).last
    fl.locator(".leaflet-control-layers", has_text=has_text).wait_for(timeout=120_000)
    fl.locator(".leaflet-control-layers-overlays").wait_for(state="attached", timeout=30_000)
    return [f for f in page.frames if "st_folium" in f.url][-1]


def _view(frame) -> tuple[float, float, int]:
    lat, lon, zoom = frame.evaluate(
        "() => [window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]"
    )
    return lat, lon, zoom


def _checked(frame, layer_name: str) -> bool:
    return frame.locator(".leaflet-control-layers-overlays label", has_text=layer_name).locator("input").is_checked()


def _query(page) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(urlparse(page.url).query))


VALLETTA = (35.8989, 14.5146)


def test_map_keeps_its_view_and_layers_when_the_threshold_changes(page, server) -> None:
    page.goto(server)
    frame = _map(page)
    frame.evaluate(f"() => window.map.setView([{VALLETTA[0]}, {VALLETTA[1]}], 14, {{animate: false}})")
    _toggle(frame, "Residents per km²")  # a layer on
    _toggle(frame, "Services: Pharmacies")  # a default layer off
    page.wait_for_timeout(300)
    assert {"view", "layers"} <= set(_query(page))  # the map wrote its place into the page's URL, without a rerun
    assert sum("st_folium" in f.url for f in page.frames) == 1
    slider = page.get_by_test_id("stSidebar").get_by_role("slider").first
    slider.focus()
    page.keyboard.press("ArrowRight")  # 15 -> 20 min: the page reruns and the map is drawn again
    frame = _last_map(page, has_text="Residents beyond 20 min")
    frame.locator("path.eqm-place").first.wait_for(state="attached", timeout=60_000)
    lat, lon, zoom = _view(frame)
    assert zoom == 14
    assert lat == pytest.approx(VALLETTA[0], abs=1e-4) and lon == pytest.approx(VALLETTA[1], abs=1e-4)
    assert _checked(frame, "Residents per km²")
    assert not _checked(frame, "Services: Pharmacies")
    assert _checked(frame, "Travel time to the nearest service")  # a default left on stays on
    legends = frame.locator(".eqm-legend").all_inner_texts()
    assert any("Residents per km² of land" in t for t in legends)
    assert not any("Pharmacies (" in t for t in legends)
    q = _query(page)
    assert q["threshold"] == "20"
    assert q["layers"].split(",") == ["access", "density", "councils"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "map_zoomed.png"))


def test_a_link_with_state_opens_that_view(page, server) -> None:
    link = (
        f"{server}/?mode=drive&service=school&threshold=30&dimension=age&group=Y_GE65&lang=fr"
        "&view=35.9,14.45,13&layers=density,services"
    )
    page.goto(link)
    page.get_by_role("heading", name="Carte : qui est loin des services « Écoles »").wait_for(timeout=FIRST_DRAW_MS)
    frame = _map(page)
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_test_id("stSliderThumbValue").first.inner_text() == "30"
    assert page.get_by_role("combobox", name="Comparer les groupes selon").input_value() == "Âge"
    assert page.get_by_role("combobox", name="Groupe de population").input_value() == "65 ans et plus"
    assert page.get_by_text("à plus de 30 min en voiture de l'école la plus proche", exact=False).first.is_visible()
    lat, lon, zoom = _view(frame)
    assert zoom == 13  # the centre within a pixel of the link's (Leaflet snaps it to whole pixels)
    assert lat == pytest.approx(35.9, abs=2e-4) and lon == pytest.approx(14.45, abs=2e-4)
    assert _checked(frame, "Habitants par km²")
    assert not _checked(frame, "Temps jusqu'au service le plus proche")
    q = _query(page)
    assert (q["mode"], q["service"], q["threshold"], q["group"], q["lang"]) == ("drive", "school", "30", "Y_GE65", "fr")
    page.reload()  # a reload keeps it all
    page.get_by_role("heading", name="Carte : qui est loin des services « Écoles »").wait_for(timeout=120_000)
    frame = _map(page)
    assert _view(frame)[2] == 13
    assert _checked(frame, "Habitants par km²")


def _choose(page, box: str, option: str, *, tries: int = 3) -> None:
    """Choose `option` in the select box `box`; open it again if a rerun closed it before the option showed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for attempt in range(tries):
        page.get_by_role("combobox", name=box).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=20_000)
            return
        except PlaywrightTimeoutError:
            if attempt == tries - 1:
                raise


def test_choosing_a_group_changes_the_map_layer_and_legend(page, server) -> None:
    page.goto(server)
    frame = _map(page)
    legends = " ".join(frame.locator(".eqm-legend").all_inner_texts())
    assert "65 and over" not in legends
    _choose(page, "Compare groups by", "Age")
    _last_map(page, has_text="Councils")
    _choose(page, "Population group", "65 and over")
    frame = _last_map(page, has_text="Residents beyond 15 min: 65 and over")
    assert _checked(frame, "Residents beyond 15 min: 65 and over")  # the group's layer is on
    assert not _checked(frame, "Travel time to the nearest service")  # instead of all residents' travel time
    legend = frame.locator(".eqm-legend", has_text="Residents (65 and over) more than 15 min on foot")
    legend.wait_for(timeout=10_000)
    drawn = frame.locator("path.eqm-place[class*='eqm-cell-']").count()
    assert drawn > 0
    assert _query(page)["group"] == "Y_GE65"


def test_phone_viewport_shows_the_map_with_the_layer_list_folded(browser, server) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    page = ctx.new_page()
    try:
        page.goto(server)
        frame = _map(page)
        iframe = page.locator(MAP_FRAME).last
        iframe.scroll_into_view_if_needed()
        box = iframe.bounding_box()
        assert box["width"] >= 330 and box["x"] >= 0 and box["x"] + box["width"] <= 390  # the map fits the screen
        control = frame.locator(".leaflet-control-layers")
        assert "leaflet-control-layers-expanded" not in control.get_attribute("class")  # folded
        assert not frame.locator(".leaflet-control-layers-overlays").is_visible()
        assert frame.locator(".leaflet-control-layers-toggle").is_visible()
        assert frame.locator(".eqm-legends").get_attribute("class").count("eqm-folded") == 1
        page.screenshot(path=str(SHOTS / "map_phone.png"))
        frame.locator(".leaflet-control-layers-toggle").click()  # unfolds on demand
        assert frame.locator(".leaflet-control-layers-overlays").is_visible()
    finally:
        ctx.close()
    outside = [u for u in requests if not _local(u)]
    assert outside == [], f"requests left 127.0.0.1: {outside[:5]}"


def test_map_prints_and_downloads_as_png(page, server) -> None:
    page.goto(server)
    frame = _map(page)
    frame.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    frame.locator(".eqm-print a").click()  # the print button prints the map's own page: the current view
    assert frame.evaluate("() => window.__printed") == 1
    assert sum("st_folium" in f.url for f in page.frames) == 1  # printing reran nothing
    with page.expect_download(timeout=240_000) as dl:
        page.get_by_role("button", name="Download the travel-time map (PNG)").click()
    download = dl.value
    assert download.suggested_filename == "equimap-malta-walk-pharmacy-15min.png"
    head = Path(download.path()).read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert width > 600 and height > 600
