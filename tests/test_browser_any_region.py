"""Real browser on regions that are not Malta: a total-only region and one with nationality and age bands of its own.

One Streamlit server on 127.0.0.1 reads a data folder holding the two tiny regions of
`tests.test_any_region`; Chromium opens every page of each, in English and French, and finds
no exception, no error box and, for the total-only region, the sentence that replaces the
group comparisons. No request leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_any_region import NONE_EN, NONE_FR, write_tiny
from tests.test_browser import CHROMIUM, ROOT, _free_port, _local

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (make test installs it)"),
]
PAGES = ["", "equity", "outreach", "report", "scenario"]  # the map is the default page, at /
DRAW_MS = 120_000


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    """Serve the app over a data folder with the two tiny regions; return its URL."""
    from equimap.network.prepare import prepare_region
    from equimap.region.manifest import load_region

    data = tmp_path_factory.mktemp("data")
    cache = tmp_path_factory.mktemp("cache")
    for key, kind in (("totalonly", "total"), ("nationality", "nationality")):
        write_tiny(data / key, kind=kind)
        prepare_region(load_region(data / key), cache_root=cache)  # prepared before the server reads it
    env = dict(
        os.environ, EQUIMAP_DATA_DIR=str(data), EQUIMAP_CACHE_DIR=str(cache), PYTHONPATH=f"{ROOT / 'src'}:{ROOT}"
    )
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
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
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.mark.parametrize(("region", "lang"), [("totalonly", "en"), ("totalonly", "fr"), ("nationality", "en")])
def test_every_page_without_error(browser, server, region, lang) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    page = ctx.new_page()
    try:
        for name in PAGES:
            page.goto(f"{server}/{name}?region={region}&lang={lang}")
            page.locator('[data-testid="stSidebar"]').wait_for(timeout=DRAW_MS)
            page.locator('[data-testid="stMainBlockContainer"] h1').first.wait_for(timeout=DRAW_MS)
            page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=DRAW_MS)
            assert page.locator('[data-testid="stException"]').count() == 0, (name, page.inner_text("body")[:2000])
            assert page.locator('[data-testid="stAlertContentError"]').count() == 0, (
                name,
                page.inner_text("body")[:2000],
            )
            body = page.inner_text("body")
            assert "Traceback" not in body and "IndexError" not in body and "Page not found" not in body
            if region == "totalonly":
                assert (NONE_EN if lang == "en" else NONE_FR) in body.replace("’", "'"), name  # the sidebar says it
            elif name == "equity":  # the manifest's labels, not the catalogue's "Born in ..."
                # the group table may still be drawing after the status widget is gone (a loaded machine)
                page.get_by_text("EU citizens").first.wait_for(timeout=DRAW_MS)
                body = page.inner_text("body")
                assert "groups compared by nationality" in body and "EU citizens" in body, body[-3000:]
                assert "Born in" not in body
    finally:
        ctx.close()
    outside = [u for u in requests if not _local(u)]
    assert outside == [], f"requests left 127.0.0.1: {outside[:5]}"
