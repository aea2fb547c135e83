"""AppTest of the Scenario page: removing a site shows the engine's protected figures; undoing gives today's back."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from equimap.analysis.core import Analysis
from equimap.analysis.question import Question
from equimap.i18n import fmt_num, fmt_pct
from equimap.report.scenario_file import write_scenarios
from equimap.scenario.changes import parse_changes
from equimap.scenario.engine import ScenarioAnalysis, compare_scenarios
from equimap.scenario.optimise import suggest_sites
from ui import scenario_data as sd

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT_S = 300
pytestmark = pytest.mark.malta


def _rows(at: AppTest):
    return at.table[0].value


def test_scenario_page__remove_then_undo(malta) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page("app_pages/scenario.py").run()
    assert not at.exception
    first = _rows(at).copy()
    before = Analysis(malta, Question("walk", "pharmacy", 15.0), n_boot=0).groups()
    assert first.iloc[0, 1] == fmt_num(before.loc["T", "pop_beyond"], "en")  # today's figures, as on the Map page
    sid = malta.services_for("pharmacy")["service_id"].iloc[0]
    at.selectbox(key="scenario_remove").set_value(sid).run()
    at.button(key="scenario_remove_button").click().run()
    assert not at.exception
    after = _rows(at)
    expected = ScenarioAnalysis(
        Analysis(malta, Question("walk", "pharmacy", 15.0), n_boot=0), parse_changes(name="x", remove=[sid])
    ).groups()
    assert after.shape[1] == 6
    assert after.iloc[0, 3] == fmt_pct(expected.loc["T", "share_beyond_after"], "en", digits=1)
    assert after.iloc[0, 4] == fmt_num(expected.loc["T", "pop_beyond_after"], "en")
    assert at.session_state["scenario_changes"] == (("remove", sid, None, None),)
    at.button(key="scenario_undo").click().run()
    assert _rows(at).equals(first)


def test_scenario_page__french_labels(malta) -> None:  # noqa: ARG001 - the region is prepared once
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.selectbox(key="lang").set_value("fr").run()
    at.switch_page("app_pages/scenario.py").run()
    assert not at.exception
    assert at.title[0].value.startswith("Scénario")
    assert at.button(key="scenario_remove_button").label == "Fermer ce site"


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page("app_pages/scenario.py").run()
    assert not at.exception
    return at


def test_scenario_page__move_a_site_gives_the_engine_figures(malta) -> None:
    at = _page()
    sid = malta.services_for("pharmacy")["service_id"].iloc[1]
    at.selectbox(key="scenario_move").set_value(sid).run()
    at.button(key="scenario_move_button").click().run()
    assert at.session_state["scenario_moving"] == sid
    # a map click, as the page receives it (the browser test clicks the real map)
    at.session_state["scenario_changes"] = (("move", sid, 14.45, 35.88),)
    at.session_state["scenario_moving"] = None
    at.run()
    assert not at.exception
    q = Question("walk", "pharmacy", 15.0)
    expected = ScenarioAnalysis(Analysis(malta, q, n_boot=0), parse_changes(name="x", move=[f"{sid}=14.45,35.88"]))
    g = expected.groups()
    assert _rows(at).iloc[0, 3] == fmt_pct(g.loc["T", "share_beyond_after"], "en", digits=1)
    assert _rows(at).iloc[0, 5] == fmt_num(g.loc["T", "mean_min_after"], "en", digits=2)
    assert "1 changes: 0 added, 0 removed, 1 moved." in [m.value for m in at.markdown]


def _groups_after(malta, sc) -> pd.DataFrame:
    return ScenarioAnalysis(Analysis(malta, Question("walk", "pharmacy", 15.0), n_boot=0), sc).groups()


def test_scenario_page__csv_upload_with_column_mapping_adds_its_sites(malta) -> None:
    at = _page()
    csv = "site,E,N,beds\nNorth,14.45,35.88,3\nSouth,14.50,35.85,2\n"
    at.file_uploader(key="scenario_upload").set_value(("new.csv", csv.encode(), "text/csv")).run()
    assert not at.exception
    at.selectbox(key="scenario_up_name").set_value("site").run()
    at.selectbox(key="scenario_up_lon").set_value("E").run()
    at.selectbox(key="scenario_up_lat").set_value("N").run()
    at.button(key="scenario_upload_extend").click().run()
    assert not at.exception
    changes = at.session_state["scenario_changes"]
    assert [(c[0], c[2], c[3], c[4]) for c in changes] == [
        ("add", 14.45, 35.88, "North"),
        ("add", 14.50, 35.85, "South"),
    ]
    g = _groups_after(malta, parse_changes(name="x", add=["14.45,35.88", "14.50,35.85"]))
    assert _rows(at).iloc[0, 4] == fmt_num(g.loc["T", "pop_beyond_after"], "en")


def test_scenario_page__bad_scenario_file_shows_one_sentence(malta) -> None:  # noqa: ARG001
    at = _page()
    doc = {
        "type": "FeatureCollection",
        "equimap_scenario": 1,
        "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [14.0, 35.0]},
                      "properties": {"change": "add"}}],
    }  # fmt: skip
    at.file_uploader(key="scenario_upload").set_value(("far.geojson", json.dumps(doc).encode(), "application/json"))
    at.run()
    at.button(key="scenario_upload_replace").click().run()
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.count(". ") == 0  # one sentence
    assert "far.geojson" in at.error[0].value
    assert at.session_state["scenario_changes"] == ()


def test_scenario_page__suggestion_becomes_an_editable_scenario(malta) -> None:
    at = _page()
    at.number_input(key="scenario_k").set_value(2).run()
    at.button(key="scenario_suggest_button").click().run()
    assert not at.exception
    sug = suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=2)
    ll = sug.sites.to_crs(4326)
    changes = at.session_state["scenario_changes"]
    assert [c[0] for c in changes] == ["add", "add"]
    assert [v for c in changes for v in c[2:4]] == pytest.approx([v for p in ll.geometry for v in (p.x, p.y)], abs=1e-6)
    g = _groups_after(malta, parse_changes(name="x", add=[f"{c[2]},{c[3]}" for c in changes]))
    # the engine's gain for the suggested sites equals the optimiser's (residents newly within 15 min)
    gained = g.loc["T", "pop_beyond_before"] - g.loc["T", "pop_beyond_after"]
    assert gained == pytest.approx(sug.gains.loc["T", "pop_gained"], rel=0.02)
    assert _rows(at).iloc[0, 4] == fmt_num(g.loc["T", "pop_beyond_after"], "en")
    at.button(key="scenario_undo").click().run()  # edit it: drop the second site
    assert at.session_state["scenario_changes"] == changes[:1]


def test_scenario_page__keep_two_scenarios_compare_and_export(malta, tmp_path: Path) -> None:
    at = _page()
    ids = malta.services_for("pharmacy")["service_id"]
    at.session_state["scenario_changes"] = (("remove", ids.iloc[0], None, None),)
    at.run()
    at.text_input(key="scenario_keep_name").set_value("close one").run()
    at.button(key="scenario_keep_button").click().run()
    at.session_state["scenario_changes"] = (("add", None, 14.45, 35.88),)
    at.run()
    at.text_input(key="scenario_keep_name").set_value("open one").run()
    at.button(key="scenario_keep_button").click().run()
    assert not at.exception
    assert [n for n, _ in at.session_state["scenario_kept"]] == ["close one", "open one"]
    before = Analysis(malta, Question("walk", "pharmacy", 15.0), n_boot=0)
    s1 = ScenarioAnalysis(before, parse_changes(name="close one", remove=[ids.iloc[0]]))
    s2 = ScenarioAnalysis(before, parse_changes(name="open one", add=["14.45,35.88"]))
    want = compare_scenarios(before, [s1, s2])
    side = at.table[1].value
    assert list(side.columns)[2:] == [
        "close one: Share beyond, after", "close one: Residents beyond, after",
        "open one: Share beyond, after", "open one: Residents beyond, after",
    ]  # fmt: skip
    assert side.iloc[0, 3] == fmt_num(want.loc["T", "close one: pop_beyond_after"], "en")
    assert side.iloc[0, 5] == fmt_num(want.loc["T", "open one: pop_beyond_after"], "en")
    at.button(key="scenario_export").click().run()
    assert not at.exception
    labels = [e.proto.label for e in at.get("download_button")]
    assert {"PDF report", "Excel workbook (XLSX)", "GeoPackage for GIS (GPKG)"} <= set(labels)
    raw = sd.export("malta", "walk", "pharmacy", 15, at.session_state["scenario_kept"], "xlsx", "en")
    path = write_scenarios([s1, s2], tmp_path / "cmp.xlsx", fmt="xlsx")
    got, exp = pd.read_excel(BytesIO(raw), sheet_name=None), pd.read_excel(path, sheet_name=None)
    assert got.keys() == exp.keys()
    for k in exp:
        pd.testing.assert_frame_equal(got[k], exp[k])


def test_scenario_page__suggestion_offers_all_residents_and_each_group(malta) -> None:
    at = _page()
    opts = at.selectbox(key="scenario_suggest_group").options
    assert opts[0] == "All residents"
    assert len(opts) == 1 + len(malta.region.group_columns)
