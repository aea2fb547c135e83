"""A sample of the bad-input corpus (`tests/test_corpus.py`) through the app's upload widget (AppTest).

Each input is written by the corpus's own builder and set on the sidebar's real
``st.file_uploader`` (Streamlit's AppTest drives it). For each bad input the app must
show exactly one ``st.error`` sentence, ending with ".", of the same kind as the one
the library (the loader behind the CLI's ``--services``, with the region's extent)
raises for the same file, and, when the file was read, that very sentence; no
exception, no list loaded, the app back on its own services. For each valid input the
sites the app loaded (the ``services=`` every page's `Analysis` gets) must equal the
library's for the same file: same points, names and capacities.
`test_app_upload_corpus__counts` (last) prints the count of each kind of error.
"""

from __future__ import annotations

import collections
import hashlib
import re
from pathlib import Path

import pytest
from geopandas.testing import assert_geodataframe_equal
from streamlit.testing.v1 import AppTest

from equimap._errors import DataError
from equimap.i18n import t
from equimap.region.services import load_service_file
from tests.test_corpus import MALTA_POINTS, REGION, build, kind_of

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT_S = 300
COUNTS: collections.Counter[str] = collections.Counter()

#: (format, corruption, capacity column chosen in the sidebar): every error kind of the corpus, and valid files.
BAD = [
    ("geojson", "swap"), ("csv", "swap"), ("geojson", "metres_as_degrees"), ("csv", "metres_as_degrees"),
    ("geojson", "degrees_as_metres"), ("gpkg", "degrees_as_metres"), ("csv", "degrees_as_metres"),
    ("shpzip", "xy_swap_3035"), ("geojson", "paris"), ("csv", "sicily"), ("gpkg", "sea"), ("shpzip", "pole"),
    ("geojson", "zero"), ("geojson", "utf16"), ("csv", "latin1"), ("csv", "utf16"),
    ("shpzip", "traversal"), ("shpzip", "nested"), ("shpzip", "symlink"), ("shpzip", "bomb"),
    ("shpzip", "no_shx"), ("shpzip", "no_dbf"), ("shpzip", "no_shp"), ("geojson", "empty_file"),
    ("csv", "no_features"), ("geojson", "no_features"), ("geojson", "unclosed"), ("geojson", "multipoint_many"),
    ("gpkg", "polygon_big"), ("geojson", "line"), ("gpkg", "collection"), ("gpkg", "no_crs"),
    ("shpzip", "no_crs"), ("geojson", "nan"), ("csv", "nan"), ("csv", "no_coordinate_columns"),
    ("geojson", "garbage"), ("csv", "garbage"), ("shpzip", "garbage"), ("gpkg", "garbage"),
]  # fmt: skip
CAPACITY_BAD = [("geojson", "negative_capacity"), ("csv", "negative_capacity")]
GOOD = [
    ("geojson", "none"), ("csv", "none"), ("gpkg", "metric_ok"), ("shpzip", "none"),
    ("geojson", "polygon_small"), ("shpzip", "multipoint_one"), ("csv", "bom"),
]  # fmt: skip
CAPACITY_GOOD = [("gpkg", "good_capacity"), ("csv", "good_capacity")]


@pytest.fixture(scope="module")
def app(malta) -> AppTest:  # noqa: ARG001 - the fixture prepares the region once for the session
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception
    return at


def _set_file(at: AppTest, path: Path) -> None:
    at.sidebar.file_uploader(key="upload").set_value((path.name, path.read_bytes(), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]


def _clear(at: AppTest) -> None:
    at.sidebar.file_uploader(key="upload").set_value(None).run()
    assert not at.exception and at.session_state["uploaded"] is None


def _library(path: Path, capacity_col: str | None, category: str = "x"):
    """Return the library's sites for `path` (as the CLI's ``--services``), or its error sentence."""
    try:
        return load_service_file(
            path, category=category, name_col="name", capacity_col=capacity_col, crs=REGION.crs, bbox=REGION.bbox
        )
    except DataError as exc:
        return str(exc)


def _choose_capacity(at: AppTest, path: Path, column: str) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    at.sidebar.selectbox(key=f"w__upload_capacity__en__{digest[:12]}").set_value(column).run()
    assert not at.exception, [e.value for e in at.exception]


def _assert_refused(at: AppTest, path: Path, library: str) -> str:
    errors = [e.value for e in at.error]
    assert len(errors) == 1, (path.name, errors)
    shown = errors[0]
    assert "\n" not in shown and shown.endswith("."), shown
    assert "Traceback" not in shown
    kind = kind_of(shown)
    assert kind == kind_of(library) != "other", (path.name, shown, library)
    if shown.startswith("Cannot use this file: "):  # read by the loader: the very sentence of the CLI
        # the same words; what is in brackets may differ (the server's scratch folder, an area's last digit)
        same = re.sub(r"\(.*\)", "()", shown), re.sub(r"\(.*\)", "()", t("upload.error", "en", message=library))
        assert same[0] == same[1], (shown, library)
    assert at.session_state["uploaded"] is None and at.session_state["category"] == "pharmacy"
    assert "from the nearest pharmacy" in at.markdown[0].value  # the app goes on with its own services
    COUNTS[kind] += 1
    return kind


@pytest.mark.parametrize(("fmt", "corruption"), BAD + CAPACITY_BAD)
def test_app_upload__bad_input_shows_the_loaders_one_sentence(app: AppTest, fmt, corruption, tmp_path) -> None:
    path, _, expected = build(fmt, corruption, MALTA_POINTS, tmp_path)
    capacity = "beds" if "capacity" in corruption else None
    library = _library(path, capacity)
    assert expected == "error" and isinstance(library, str), (path.name, library)
    _clear(app)
    _set_file(app, path)
    if capacity:  # the file loads; choosing its (negative) capacity column is what is refused
        assert app.session_state["uploaded"] is not None
        _choose_capacity(app, path, capacity)
    _assert_refused(app, path, library)


@pytest.mark.parametrize(("fmt", "corruption"), GOOD + CAPACITY_GOOD)
def test_app_upload__valid_input_gives_the_librarys_sites_and_figures(app: AppTest, fmt, corruption, tmp_path) -> None:
    path, _, expected = build(fmt, corruption, MALTA_POINTS, tmp_path)
    capacity = "beds" if "capacity" in corruption else None
    library = _library(path, capacity)
    assert expected in ("ok", "either") and not isinstance(library, str), (path.name, library)
    _clear(app)
    _set_file(app, path)
    if capacity:
        _choose_capacity(app, path, capacity)
    assert not app.error, [e.value for e in app.error]
    up = app.session_state["uploaded"]
    assert up is not None and app.session_state["category"] == up.key
    got = up.services.drop(columns="category")
    want = _library(path, capacity, up.key).drop(columns="category")  # the same key: the same service ids
    assert_geodataframe_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_less_precise=False)
    COUNTS["loaded correctly"] += 1


#: Site lists uploaded on the Scenario page (its own uploader, read by `scenario_from_sites` like the CLI's).
SCENARIO_BAD = [("geojson", "swap"), ("geojson", "paris"), ("csv", "utf16"), ("csv", "garbage"), ("shpzip", "no_shx")]


@pytest.mark.parametrize(("fmt", "corruption"), SCENARIO_BAD)
def test_app_upload__scenario_site_list_shows_one_sentence(malta, fmt, corruption, tmp_path) -> None:  # noqa: ARG001
    path, _, expected = build(fmt, corruption, MALTA_POINTS, tmp_path)
    library = _library(path, None)
    assert expected == "error" and isinstance(library, str)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page("app_pages/scenario.py").run()
    at.file_uploader(key="scenario_upload").set_value((path.name, path.read_bytes(), "application/octet-stream"))
    at.run()
    if not at.error:  # the file's columns were read: adding its sites is what is refused
        at.button(key="scenario_upload_replace").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].endswith(".") and "\n" not in errors[0], errors
    assert kind_of(errors[0]) == kind_of(library) != "other", (errors[0], library)
    assert at.session_state["scenario_changes"] == ()
    COUNTS["scenario: " + kind_of(errors[0])] += 1


def test_app_upload_corpus__counts(capsys) -> None:
    n = sum(COUNTS.values())
    with capsys.disabled():
        print(f"\napp upload corpus: {n} inputs; " + ", ".join(f"{k}: {v}" for k, v in COUNTS.most_common()))
    if n:
        assert n <= len(BAD + CAPACITY_BAD + GOOD + CAPACITY_GOOD + SCENARIO_BAD) and COUNTS["other"] == 0
