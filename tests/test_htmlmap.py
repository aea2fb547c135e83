"""Tests for equimap.report.htmlmap: a standalone map that opens from a file with no network request."""

from __future__ import annotations

import json
import re

import pytest

from equimap._errors import DataError
from equimap.i18n import number_style
from equimap.report.htmlmap import LEAFLET_DIR, html_map, write_html
from equimap.report.staticmap import map_specs

pytestmark = pytest.mark.malta

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def bundle(malta_bundle):
    return malta_bundle


@pytest.fixture(scope="module")
def page_html(bundle) -> str:
    return html_map(bundle, lang="en")


def _config(page: str) -> dict:
    match = re.search(r"const EQUIMAP = (\{.*?\});\n</script>", page, flags=re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_html_map_is_self_contained(page_html: str, bundle) -> None:
    first = page_html.splitlines()[0]
    assert first == f"<!-- {bundle.notice('en')} -->"
    assert "<script src" not in page_html and "<link" not in page_html
    assert not re.search(r"url\((?!data:|#)", page_html)  # every CSS image inlined
    assert "L.map(" in page_html and "Leaflet 1.9" in page_html  # Leaflet is inlined, not linked
    # the only URLs are Leaflet's own strings (SVG namespace, links in comments), none of a CDN or tile server
    url = r"https?://[^\s\"'<>)]+"
    leaflet = "".join((LEAFLET_DIR / f).read_text(encoding="utf-8") for f in ("leaflet.js", "leaflet.css"))
    leaflet_urls = set(re.findall(url, leaflet))
    assert set(re.findall(url, page_html)) <= leaflet_urls
    assert not re.search(r"unpkg|cdnjs|jsdelivr|tile\.openstreetmap|\{z\}", page_html)
    for line in bundle.region.attribution:
        assert line in page_html


def test_html_map_layers_are_the_bundle_figures(page_html: str, bundle) -> None:
    cfg = _config(page_html)
    specs = map_specs(bundle, lang="en")
    assert [layer["title"] for layer in cfg["layers"]] == [s.title for s in specs]
    feats = {f["properties"]["id"]: f["properties"] for f in cfg["data"]["cells"]["features"]}
    cells = bundle.tables["cells"]
    assert set(feats) == set(cells.index)
    a = bundle.analyses[0]
    for cid, props in feats.items():
        beyond = cells.at[cid, a.col("beyond_T")]
        assert props["b0"] == (None if beyond != beyond else beyond)  # hidden stays hidden (null)
        assert props["c0"] == int(specs[0].classes[cid])
    assert len(cfg["data"]["councils"]["features"]) == len(bundle.layers["councils"])
    assert len(cfg["data"]["services"]["features"]) == len(bundle.layers["services"])


def test_html_map__french(bundle) -> None:
    page = html_map(bundle, lang="fr")
    assert page.splitlines()[0] == f"<!-- {bundle.notice('fr')} -->"
    assert 'lang="fr"' in page and "Accès aux services publics : Malte" in page
    # the page's JavaScript writes numbers with the catalogue's style, as the PDF and the app do
    assert (
        _config(page)["words"]["number"]
        == number_style("fr")
        == {
            "decimal": ",",
            "group": "\u00a0",
            "percent": "{value}\u00a0%",
            "interval": "[{lo}\u00a0; {hi}]",
        }
    )


def test_html_map__missing_leaflet(bundle, tmp_path) -> None:
    with pytest.raises(DataError, match="run `make vendor`"):
        html_map(bundle, leaflet_dir=tmp_path)


@pytest.mark.browser
def test_html_map_loads_offline_and_draws_its_layers(bundle, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    path = write_html(bundle, tmp_path / "map.html", lang="en")
    cfg = _config(path.read_text(encoding="utf-8"))
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_selector(".legend i")
            n_paths = page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length")
            legend = page.inner_text(".legend")
            page.click(f"text={cfg['layers'][-1]['title']}")
            legend_after = page.inner_text(".legend")
            before = page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length")
            page.click(f"text={cfg['words']['outreach'][0]}")  # outreach targets: listed, drawn when ticked
            n_outreach = page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length") - before
        finally:
            browser.close()
    assert errors == []
    assert requests and all(u.split(":", 1)[0] in {"file", "data", "about"} for u in requests), requests
    first = cfg["layers"][0]["prop"]
    drawn = sum(1 for f in cfg["data"]["cells"]["features"] if f["properties"][first] >= 0)
    expected = (
        len(cfg["data"]["land"]["features"])
        + drawn
        + len(cfg["data"]["councils"]["features"])
        + len(cfg["data"]["services"]["features"])
    )
    assert n_paths == expected
    assert cfg["layers"][0]["legend"] in legend
    assert cfg["layers"][-1]["legend"] in legend_after
    targets = bundle.tables["outreach"]
    assert n_outreach == (targets["analysis"] == bundle.analyses[0].key).sum() > 0
