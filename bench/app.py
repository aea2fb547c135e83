"""Benchmark of the app in a real browser on Malta: page open → map drawn, and a service switch → map redrawn.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 (disk cache warm:
run ``python -m equimap prepare`` once before), drives Debian's Chromium with
Playwright and reports, in seconds:

1. the first open after the server starts (the server loads the prepared
   region from disk: its in-memory caches are cold);
2. the median of later opens, each in a new browser session (the prepared
   region and the tables are in the server's memory);
3. the median of service switches in the sidebar, for services not shown
   before (their tables are computed) and then for services shown before
   (their tables come from the cache);
4. the median of isochrone clicks on the Map page (isochrone mode on, a click
   at each of five town centres → its area drawn and its residents listed),
   also as a ratio against a page open of the same run.

"Drawn" means Leaflet has drawn the cells of the new map in the map's frame,
and for a switch that the map's layer control names the new service.

Run: ``python -m bench.app [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: Services switched to, in order (labels as the English sidebar shows them).
SWITCHES = ["Schools", "Hospitals", "Post offices", "Clinics and health centres", "Libraries"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"streamlit did not start; see {log}")


def _wait_map(page, *, service: str | None = None, timeout_ms: int = 240_000) -> None:
    fl = page.frame_locator(MAP_FRAME).last
    if service is not None:
        fl.locator(".leaflet-control-layers", has_text=f"Services: {service}").wait_for(timeout=timeout_ms)
    fl.locator("path.eqm-place").first.wait_for(state="attached", timeout=timeout_ms)


def _open(browser, url: str) -> tuple[float, object, object]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    _wait_map(page)
    return time.perf_counter() - t0, ctx, page


def _switch(page, label: str) -> float:
    page.get_by_role("combobox", name="Service").click()
    option = page.get_by_role("option", name=label, exact=True)
    t0 = time.perf_counter()
    option.click()
    _wait_map(page, service=label)
    return time.perf_counter() - t0


#: Points clicked for isochrones (lat, lon): Valletta, Sliema, Birkirkara, Mosta, Rabat.
ISO_POINTS = [(35.8989, 14.5146), (35.9122, 14.5042), (35.8958, 14.4622), (35.9092, 14.4256), (35.8817, 14.3989)]


def _isochrones(page) -> list[float]:
    """Switch isochrone mode on, then click each point of `ISO_POINTS`: seconds from click to area and table."""
    page.get_by_text("Isochrone: click the map", exact=False).click()
    page.frame_locator(MAP_FRAME).last.locator(".eqm-isochrone-mode").wait_for(state="attached", timeout=120_000)
    frame = [f for f in page.frames if "st_folium" in f.url][-1]
    out = []
    for i, (lat, lon) in enumerate(ISO_POINTS):
        frame.evaluate(f"() => window.map.setView([{lat}, {lon}], 15, {{animate: false}})")
        page.wait_for_timeout(500)
        box = frame.locator(".leaflet-container").bounding_box()
        t0 = time.perf_counter()
        frame.locator(".leaflet-container").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
        page.get_by_text(f"latitude {lat:.5f}"[:15], exact=False).wait_for(timeout=120_000)  # the new point's table
        frame.wait_for_function(f"() => window.feature_group && window.feature_group.length >= {i + 1}")
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark, print a report and return the figures (seconds)."""
    ap = argparse.ArgumentParser(prog="python -m bench.app")
    ap.add_argument("--runs", type=int, default=5, help="page opens to time after the first")
    args = ap.parse_args(argv)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("app benchmark skipped: Chromium is not installed")
        return {}
    from playwright.sync_api import sync_playwright

    res: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start_server(Path(tmp) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                first, ctx, _ = _open(browser, url)
                ctx.close()
                opens = []
                for _ in range(args.runs):
                    dt, ctx, _ = _open(browser, url)
                    opens.append(dt)
                    ctx.close()
                _, ctx, page = _open(browser, url)
                new = [_switch(page, label) for label in SWITCHES]
                again = [_switch(page, label) for label in SWITCHES]
                ctx.close()
                _, ctx, page = _open(browser, url)
                iso = _isochrones(page)
                ctx.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    res = {
        "first_open_s": first,
        "open_median_s": statistics.median(opens),
        "switch_new_median_s": statistics.median(new),
        "switch_cached_median_s": statistics.median(again),
        "isochrone_click_median_s": statistics.median(iso),
    }
    res["isochrone_vs_open"] = res["isochrone_click_median_s"] / res["open_median_s"]
    print("app on Malta in Chromium (walking, 15 min, disk cache warm):")
    print(f"  first page open after server start → map drawn   {res['first_open_s']:6.2f} s")
    print(f"  page open → map drawn, median of {args.runs}               {res['open_median_s']:6.2f} s")
    print(f"  service switch → map redrawn, new service, median of {len(new)}  {res['switch_new_median_s']:6.2f} s")
    print(f"  service switch → map redrawn, seen before, median of {len(again)} {res['switch_cached_median_s']:6.2f} s")
    print(
        f"  isochrone click → area and table, median of {len(iso)}   {res['isochrone_click_median_s']:6.2f} s"
        f"  ({res['isochrone_vs_open']:.2f} × a page open)"
    )
    return res


if __name__ == "__main__":
    main(sys.argv[1:])
