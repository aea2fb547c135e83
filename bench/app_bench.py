"""Benchmark of the app in a real Chromium: page open -> map drawn, and a category switch -> map redrawn.

Starts the app on 127.0.0.1 (Malta, networks cached), then measures with Playwright:
1. a first visit (the server also builds its per-process caches), then fresh visits
   (new browser context each) until the map's cells are drawn;
2. switching the service category in the sidebar until the new map is drawn
   (travel times of a category not seen yet come from the engine, then from disk).
Baseline: the time to re-open the page with nothing to compute.

Run: ``python -m bench.app_bench``.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from geo.prepare import prepare_region

ROOT = Path(__file__).resolve().parent.parent
CELLS = 'path[class*="place-"]'
SWITCHES = ["Schools", "Pharmacies", "Doctors", "Bus stops", "Town halls"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_map(page, *, text: str | None = None, timeout_s: float = 120.0) -> None:
    end = time.time() + timeout_s
    while time.time() < end:
        for h in page.locator("iframe").element_handles():
            try:
                f = h.content_frame()
                if f is None or f.locator(CELLS).count() < 300:
                    continue
                if text is None or f.locator(".leaflet-control-layers-overlays", has_text=text).count():
                    return
            except Exception:  # noqa: BLE001 - the old map's frame went away while we looked
                continue
        time.sleep(0.05)
    raise TimeoutError("the map was not drawn")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print medians."""
    from playwright.sync_api import sync_playwright

    del argv
    prepare_region("malta")
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            opens = []
            for _ in range(4):
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = ctx.new_page()
                t = time.perf_counter()
                page.goto(url)
                _wait_map(page)
                opens.append(time.perf_counter() - t)
                ctx.close()
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            page.goto(url)
            _wait_map(page)
            switches = []
            for name in SWITCHES:
                t = time.perf_counter()
                page.get_by_role("combobox", name="Services").click()
                page.get_by_role("option", name=name, exact=True).first.click()
                _wait_map(page, text=f"Services: {name}")
                switches.append(time.perf_counter() - t)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print("app in Chromium, Malta (networks cached):")
    print(f"  first visit, page open -> map drawn:        {opens[0]:.2f} s (server builds its caches)")
    print(
        f"  later visits, page open -> map drawn:       median {statistics.median(opens[1:]):.2f} s of {len(opens) - 1}"
    )
    print(f"  category switch -> new map drawn:          median {statistics.median(switches):.2f} s of {len(switches)}")
    print(
        f"  ratio switch / later visit:                 {statistics.median(switches) / statistics.median(opens[1:]):.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
