"""One AppTest per page: no exception, the widgets are there, the language switch changes the labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
pytestmark = pytest.mark.malta


def run(page: str | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    if page:
        at.switch_page(page).run()
    if lang:
        at.sidebar.selectbox(key="lang").set_value(lang).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.usefixtures("malta")
def test_map_page() -> None:
    at = run()
    assert at.title[0].value == "Where services are out of reach"
    keys = (
        {w.key for w in at.sidebar.selectbox} | {w.key for w in at.sidebar.radio} | {w.key for w in at.sidebar.slider}
    )
    assert {"lang", "region", "category", "dimension", "mode", "threshold_min"} <= keys
    assert at.metric[0].value == "519,562"
    at.sidebar.selectbox(key="category").set_value("hospital_official").run()
    at.sidebar.radio(key="mode").set_value("drive").run()
    assert not at.exception and "Hospitals (official list) by car, threshold 15 min." in at.caption[0].value
    at.sidebar.selectbox(key="lang").set_value("fr").run()
    assert at.title[0].value == "Où les services sont hors de portée"
    assert at.sidebar.radio(key="mode").label == "Mode de déplacement"
    assert at.metric[0].value == "519\u00a0562"


@pytest.mark.usefixtures("malta")
def test_equity_page() -> None:
    at = run("app_pages/equity.py")
    assert at.title[0].value == "Who waits longer?"
    assert len(at.dataframe) >= 5
    sentences = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert any("Born outside the EU need on average" in s for s in sentences)
    at.sidebar.selectbox(key="lang").set_value("fr").run()
    assert not at.exception and at.title[0].value == "Qui attend plus longtemps ?"
    assert any("Nés hors de l'UE" in m.value for m in at.markdown)


@pytest.mark.usefixtures("malta")
def test_outreach_page() -> None:
    at = run("app_pages/outreach.py")
    assert at.title[0].value == "Where outreach teams should go first"
    assert at.radio(key="outreach_level").value == "cell" and len(at.dataframe) == 1
    at.radio(key="outreach_level").set_value("council").run()
    assert not at.exception
    assert len(at.get("download_button")) == 2
    at.sidebar.selectbox(key="lang").set_value("fr").run()
    assert at.title[0].value == "Où les équipes doivent aller en premier"


@pytest.mark.usefixtures("malta")
def test_report_page() -> None:
    at = run("app_pages/report.py")
    assert at.title[0].value == "Gap report and exports"
    assert at.multiselect[0].value == ["health", "hospital_official"]
    at.multiselect[2].set_value(["xlsx"])  # formats: a quick one
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = at.get("download_button")
    assert len(buttons) == 1
    at.sidebar.selectbox(key="lang").set_value("fr").run()
    assert at.title[0].value == "Rapport sur les écarts et exports"
