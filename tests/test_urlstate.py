"""The app's state in the URL: parsing, fallbacks on bad values, and the query string the app writes (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.state import DEFAULTS
from ui.urlstate import URL_KEYS, parse_layers, parse_query, parse_view, query_of

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT_S = 300


def test_parse_query__typed_values_only() -> None:
    got = parse_query({"region": "malta", "mode": "drive", "service": "school", "threshold": "30", "lang": "fr"})
    assert got == {"region": "malta", "mode": "drive", "category": "school", "threshold_min": 30, "lang": "fr"}


@pytest.mark.parametrize("bad", ["abc", "", "7", "0", "65", "-15", "15.5", "1e3"])
def test_parse_query__bad_threshold_is_left_out(bad: str) -> None:
    assert parse_query({"threshold": bad}) == {}


def test_parse_query__unknown_names_empty_and_huge_values_are_left_out() -> None:
    assert parse_query({"colour": "red", "service": "", "group": "x" * 101, "dimension": "  age "}) == {
        "dimension": "age"
    }


def test_query_of__inverse_of_parse_query() -> None:
    state = {"region": "malta", "mode": "walk", "category": "pharmacy", "threshold_min": 15, "dimension": "birth"}
    state |= {"group": "T", "lang": "en", "n_boot": 999}
    q = query_of(state)
    assert list(q) == list(URL_KEYS)  # every choice, in a fixed order, nothing else (n_boot stays out)
    assert parse_query(q) == {k: v for k, v in state.items() if k != "n_boot"}


def test_parse_view() -> None:
    assert parse_view("35.9,14.45,13") == (35.9, 14.45, 13)
    assert parse_view("35.9,14.45,30") == (35.9, 14.45, 18)  # zoom clamped to the map's range
    for bad in (None, "", "35.9,14.45", "a,b,c", "95,14,12", "35,190,12", "nan,14,12", "35,14,12,1"):
        assert parse_view(bad) is None


def test_parse_layers() -> None:
    known = ("access", "gaps", "density", "services")
    assert parse_layers("services, density,bogus", known) == ["density", "services"]  # the map's order
    assert parse_layers("", known) == []  # every layer off is a choice too
    assert parse_layers(None, known) is None


# --------------------------------------------------------------------------- the app (AppTest)


def _run(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    return at


@pytest.mark.malta
def test_app__a_link_sets_the_choices_and_the_url_keeps_them(malta) -> None:  # noqa: ARG001
    at = _run({"mode": "drive", "service": "school", "threshold": "30", "dimension": "age", "group": "Y_GE65"})
    s = at.session_state
    assert (s["mode"], s["category"], s["threshold_min"], s["dimension"], s["group"]) == (
        "drive", "school", 30, "age", "Y_GE65",
    )  # fmt: skip
    assert at.title[0].value == "Map: who is far from Schools"
    assert "more than 30 min by car from the nearest school" in at.markdown[0].value
    assert at.slider(key="threshold_min").value == 30
    # the app wrote every choice back to the URL
    q = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert {k: q[k] for k in URL_KEYS} == {
        "region": "malta", "mode": "drive", "service": "school", "threshold": "30", "dimension": "age",
        "group": "Y_GE65", "lang": "en",
    }  # fmt: skip
    at.slider(key="threshold_min").set_value(45).run()  # a change in the sidebar reaches the URL
    assert not at.exception
    assert at.query_params["threshold"] in ("45", ["45"])


@pytest.mark.malta
def test_app__bad_values_in_the_url_fall_back_to_defaults(malta) -> None:
    at = _run(
        {
            "region": "atlantis", "mode": "teleport", "service": "spaceport", "threshold": "seven",
            "dimension": "star_sign", "group": "dragons", "lang": "xx", "view": "north", "layers": "<script>",
        }
    )  # fmt: skip
    assert not at.error
    s = at.session_state
    for key in ("region", "mode", "category", "threshold_min", "group", "lang"):
        assert s[key] == DEFAULTS[key], key
    assert s["dimension"] == malta.region.default_dimension == "birth"  # the manifest's first dimension
    assert at.title[0].value == "Map: who is far from Pharmacies"


@pytest.mark.malta
def test_app__a_group_of_another_dimension_falls_back_to_all_residents(malta) -> None:  # noqa: ARG001
    at = _run({"dimension": "sex", "group": "Y_GE65"})  # 65+ is an age group, not a sex
    assert at.session_state["dimension"] == "sex"
    assert at.session_state["group"] == "T"
