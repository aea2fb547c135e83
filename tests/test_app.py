"""One Streamlit AppTest per page: it runs without exception, its widgets are there, French changes the labels."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ui.sidebar import widget_key

APP = str(Path(__file__).resolve().parent.parent / "app.py")
#: The first run prepares Malta (≈45 s on a cold cache, a few seconds from the disk cache).
TIMEOUT_S = 300

pytestmark = pytest.mark.malta

SIDEBAR_CHOICES = ["lang", "region", "category", "dimension", "group"]


def select(at: AppTest, name: str):
    """Return the sidebar selectbox that edits the session value `name` (its key depends on the language)."""
    if name in ("lang", "region"):
        return at.selectbox(key=name)
    lang = at.session_state["lang"]
    context = (lang, at.session_state["dimension"]) if name == "group" else (lang,)
    return at.selectbox(key=widget_key(name, *context))


@pytest.fixture
def app(malta) -> AppTest:  # noqa: ARG001 - the fixture prepares the region once for the session
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception
    return at


def _sidebar_present(at: AppTest) -> None:
    for name in SIDEBAR_CHOICES:
        assert select(at, name).value == at.session_state[name]
    assert at.sidebar.slider(key="threshold_min").value == 15
    assert at.sidebar.segmented_control(key="mode").value == "walk"


def _switch_to_french(at: AppTest) -> AppTest:
    at.selectbox(key="lang").set_value("fr").run()
    assert not at.exception
    assert at.selectbox(key="lang").label == "Langue"
    assert select(at, "category").label == "Service"
    assert select(at, "dimension").label == "Comparer les groupes selon"
    assert select(at, "dimension").value == "birth"  # the choice survives the switch
    assert select(at, "dimension").options == ["Pays de naissance", "Âge", "Sexe"]
    assert select(at, "group").options[0] == "Tous les habitants"
    return at


def test_map_page(app: AppTest) -> None:
    _sidebar_present(app)
    assert app.title[0].value == "Map: who is far from Pharmacies"
    assert app.toggle(key="basemap").value is False
    assert "live more than 15 min on foot from the nearest pharmacy" in app.markdown[0].value
    _switch_to_french(app)
    assert app.title[0].value == "Carte : qui est loin des services « Pharmacies »"
    assert "de la pharmacie la plus proche" in app.markdown[0].value
    assert app.toggle(key="basemap").label.startswith("Fond de carte")


def test_map_page__category_and_threshold_change_the_summary(app: AppTest) -> None:
    select(app, "category").set_value("hospital").run()
    app.slider(key="threshold_min").set_value(30).run()
    assert not app.exception
    assert app.title[0].value == "Map: who is far from Hospitals"
    assert "more than 30 min on foot from the nearest hospital" in app.markdown[0].value
    _switch_to_french(app)  # the choices hold across the language switch
    assert app.title[0].value == "Carte : qui est loin des services « Hôpitaux »"
    assert "à plus de 30 min à pied de l'hôpital le plus proche" in app.markdown[0].value


def _number(text: str) -> float:
    """Return the first number of an English cell ("-0.45 [-1.0 ; 0.1]" -> -0.45)."""
    return float(re.match(r"-?[\d,]+(?:\.\d+)?", text).group(0).replace(",", ""))


def test_equity_page(app: AppTest, malta) -> None:
    app.switch_page("app_pages/equity.py").run()
    assert not app.exception
    _sidebar_present(app)
    assert app.title[0].value == "Equity: who waits longer"
    headers = [h.value for h in app.subheader]
    assert headers == [
        "Travel time by group",
        "Share of each group reached, minute by minute",
        "In plain words",
        "Gaps against the reference group, with 95% intervals",
        "Hospital beds within reach, per 1,000 residents",
        "Inequality of travel times",
        "Diverse and underserved places",
    ]
    sentences = "\n".join(m.value for m in app.markdown)
    assert "People born outside the EU wait on average" in sentences
    assert "than people born in Malta to reach the nearest pharmacy on foot" in sentences
    assert any("199 bootstrap resamples" in c.value for c in app.caption)
    assert len(app.dataframe) == 5
    # the figures (pharmacies on foot, by country of birth), worked out here with numpy on the origins
    time_s = malta.access("walk", "pharmacy")["time_nearest_s"].to_numpy()
    fin = np.isfinite(time_s)
    mean_min = {}
    for col in ("NAT", "EU_OTH", "OTH"):
        w = malta.origins[col].to_numpy()[fin]
        mean_min[col] = (w * time_s[fin]).sum() / w.sum() / 60
    gaps = app.dataframe[1].value.set_index("Group")
    labels = {"NAT": "Born in Malta", "EU_OTH": "Born in another EU country", "OTH": "Born outside the EU"}
    assert list(gaps.index) == list(labels.values())
    for col, label in labels.items():
        assert _number(gaps.loc[label, "Mean (min)"]) == pytest.approx(mean_min[col], abs=0.05)
        diff = _number(gaps.loc[label, "Mean difference (min)"])
        assert diff == pytest.approx(mean_min[col] - mean_min["NAT"], abs=0.005)
    # Gini of travel time over every reachable resident: 1 - twice the area under the Lorenz curve
    x, w = time_s[fin], malta.origins["T"].to_numpy()[fin]
    order = np.argsort(x)
    lorenz = np.concatenate([[0.0], np.cumsum((w * x)[order]) / (w * x).sum()])
    gini = 1 - ((w[order] / w.sum()) * (lorenz[1:] + lorenz[:-1])).sum()
    inequality = app.dataframe[3].value
    assert inequality.iloc[0, 0].startswith("Gini")
    assert _number(inequality.iloc[0, 1]) == pytest.approx(gini, abs=5e-5)
    _switch_to_french(app)
    assert app.title[0].value == "Équité : qui attend plus longtemps"
    sentences = "\n".join(m.value for m in app.markdown)
    assert "Les personnes nées hors de l'UE mettent en moyenne" in sentences


def test_equity_page__age_groups(app: AppTest) -> None:
    app.switch_page("app_pages/equity.py").run()
    select(app, "dimension").set_value("age").run()
    assert not app.exception
    assert select(app, "group").options == ["All residents", "Under 15", "15 to 64", "65 and over"]
    assert "Children under 15" in "\n".join(m.value for m in app.markdown)


def test_outreach_page(app: AppTest) -> None:
    app.switch_page("app_pages/outreach.py").run()
    assert not app.exception
    _sidebar_present(app)
    assert app.title[0].value == "Outreach: where to go first"
    assert app.radio(key="outreach_level").value == "cell"
    assert app.checkbox(key="outreach_unprotected").value is False  # protection is on unless turned off
    assert [b.label for b in app.get("download_button")] == ["Download CSV", "Download GeoPackage"]
    app.radio(key="outreach_level").set_value("council").run()
    assert not app.exception
    assert len(app.dataframe) == 1
    app.checkbox(key="outreach_unprotected").check().run()
    assert app.warning[0].value.startswith("Protection is OFF")
    _switch_to_french(app)
    assert app.title[0].value == "Aller vers : où aller en premier"
    assert [b.label for b in app.get("download_button")] == ["Télécharger en CSV", "Télécharger en GeoPackage"]


def test_report_page(app: AppTest) -> None:
    app.switch_page("app_pages/report.py").run()
    assert not app.exception
    _sidebar_present(app)
    assert app.title[0].value == "Gap report and exports"
    assert app.multiselect[0].value == [app.session_state["category"], "hospital_official"]
    app.multiselect[2].set_value(["xlsx"])  # formats: a quick one
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    buttons = app.get("download_button")
    assert len(buttons) == 1 and buttons[0].label.endswith(".xlsx")
    assert app.success[0].value.startswith("Files ready")
    _switch_to_french(app)
    assert app.title[0].value == "Rapport sur les écarts et exports"


def test_library_errors_show_as_one_sentence_not_a_traceback() -> None:
    def page() -> None:
        from equimap._errors import DataError
        from ui.errors import shown_as_error

        with shown_as_error("fr"):
            raise DataError("`threshold_s` is -1 but must be above 0.")

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception
    assert at.error[0].value == "Affichage impossible : `threshold_s` is -1 but must be above 0."


def test_first_preparation_reports_progress_then_clears_it(monkeypatch) -> None:
    import ui.data

    seen = []

    def fake_prepare(region, *, progress):
        progress("Building the walk network", 0.3)
        progress("Ready", 1.0)
        seen.append(region)
        return f"prepared {region}"

    monkeypatch.setattr(ui.data, "prepare_region", fake_prepare)

    def page() -> None:
        import streamlit as st

        from ui import data

        st.text(data.prepared("not-a-real-region"))
        st.text(data.prepared("not-a-real-region"))  # the second call is served from memory

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception
    assert seen == ["not-a-real-region"]
    assert [x.value for x in at.text] == ["prepared not-a-real-region"] * 2
    assert len(at.get("progress")) == 0  # the bar is gone once the region is ready
