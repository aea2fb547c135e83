"""AppTest of the Scenario page: removing a site shows the engine's protected figures; undoing gives today's back."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from equimap.analysis.core import Analysis
from equimap.analysis.question import Question
from equimap.i18n import fmt_num, fmt_pct
from equimap.scenario.changes import parse_changes
from equimap.scenario.engine import ScenarioAnalysis

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
