"""The broken-manifest corpus: over 1,000 generated ``region.toml`` files through the loader the CLI uses.

A tiny real region (the lattice of `tiny_region`, a boundary file with two
councils and an island, a clinic list) gets a valid manifest that uses every
section of the schema. Hypothesis mutates it: a value of the wrong type for
every key, unknown keys, missing keys, paths that leave the folder (``..``,
absolute, symbolic links, NUL bytes), bad CRS, bad encodings (UTF-16 without
its mark, Latin-1, binary junk, truncated text), empty files, duplicate keys and
impossible numbers; and a population modelled from buildings with keys it cannot
use. All runs are deterministic (``derandomize=True``, no example database). For
each, reading the region (`load_region`, then the privacy floor `min_count` that
the CLI reads next) must either succeed with every value of the file honoured,
or raise a `RegionError`/`DataError` of one sentence that names the key; never
another exception, never a hang (an alarm of :data:`TIME_LIMIT_S`). 22 refused
inputs, one of each kind, go through the CLI's ``regions --data-dir`` in process
and (marked slow) as ``python -m equimap`` subprocesses: exit 2, one line, no
traceback. `REGRESSIONS` holds, by hand, each input the corpus found mishandled.
`test_manifest_corpus__counts` (last) checks the total and prints the count of
each kind of error.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import tiny_region
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from equimap._errors import DataError, RegionError
from equimap.network.profile import PROFILES_DIR
from equimap.protect.policy import DEFAULT_MIN_COUNT, min_count
from equimap.region.manifest import Region, load_region
from equimap.settings import COVERAGE_WARN_SHARE

TIME_LIMIT_S = 10
COUNTS: collections.Counter[str] = collections.Counter()  # inputs per generator
OUTCOMES: collections.Counter[str] = collections.Counter()  # error kinds, and "loaded"
OTHER: list[str] = []

BASE_TEXT = """\
# a manifest using every section of the schema
name = "Tiny région"
crs = "EPSG:3035"
languages = ["en", "fr"]
country_name = "Tinyland"
main_boundary = "councils"
default_analyses = ["walk:health:15"]
bbox = [10.0, 52.0, 10.2, 52.2]

[osm]
path = "tiny.osm"
date = "2024-01-01"

[population]
path = "grid.gpkg"
layer = "grid"
kind = "grid"
cell_size_m = 1000
id = "GRD_ID"
total = "T"
land_share = "LAND_SURFACE"
confidential_suffix = "_CI"

[population.groups.birth]
label = "Country of birth"
reference = "NAT"
columns = { NAT = "Born here", EU_OTH = "Born in another EU country", OTH = "Born outside the EU" }

[population.groups.age]
label = "Âge"
reference = "Y_1564"
columns = { Y_LT15 = "Under 15", Y_1564 = "15 to 64", Y_GE65 = "65 and over" }
ages = { Y_LT15 = [0, 14], Y_1564 = [15, 64], Y_GE65 = [65, 120] }

[[boundaries]]
key = "councils"
label = "Councils"
path = "units.geojson"
name = "name"
filter = { admin_level = "8" }

[[boundaries]]
key = "islands"
label = "Islands"
path = "units.geojson"
name = "name"
filter = { admin_level = "4" }
land = true

[[services]]
key = "clinic_official"
label = "Clinics (official list)"
parent = "health"
path = "clinics.csv"
name = "name"
capacity = "beds"
attribution = "Clinics © a test"

[attribution]
lines = ["Streets © OpenStreetMap contributors, ODbL 1.0"]

[privacy]
min_count = 12

[travel]
profile = "default"

[area]
boundary = "councils"
filter = { name = "North" }

[coverage]
warn_share = 0.25
"""
BASE = tomllib.loads(BASE_TEXT)


# --- the region folder -------------------------------------------------------------------------------------------


def build_region(root: Path) -> Path:
    """Write the tiny region in ``root/region`` (no manifest yet) with links that lead out of it; return the folder."""
    out = root / "region"
    tiny_region.write_region(out)
    g = tiny_region.grid_frame()
    g["Y_LT15"], g["Y_1564"] = g["T"] // 4, g["T"] // 2
    g["Y_GE65"] = g["T"] - g["Y_LT15"] - g["Y_1564"]
    g.to_file(out / "grid.gpkg", layer="grid", driver="GPKG")
    x0, y0 = tiny_region.X0, tiny_region.Y0
    cells = [
        box(x0, y0, x0 + 2000, y0 + 1000),
        box(x0, y0 + 1000, x0 + 2000, y0 + 2000),
        box(x0, y0, x0 + 2000, y0 + 2000),
    ]
    units = gpd.GeoDataFrame(
        {"name": ["South", "North", "Tiny island"], "admin_level": ["8", "8", "4"]}, geometry=cells, crs="EPSG:3035"
    )
    units.to_crs(4326).to_file(out / "units.geojson", driver="GeoJSON")
    (out / "sub").mkdir()
    (root / "outside.csv").write_text((out / "clinics.csv").read_text())
    (out / "outside_link.csv").symlink_to(root / "outside.csv")
    (out / "outside_dir").symlink_to(root, target_is_directory=True)
    (out / "loop_a").symlink_to(out / "loop_b")
    (out / "loop_b").symlink_to(out / "loop_a")
    shutil.copy(PROFILES_DIR / "default.toml", out / "speeds.toml")
    (out / "region.toml").write_text(BASE_TEXT, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Return the tiny region's folder."""
    return build_region(tmp_path_factory.mktemp("corpus"))


# --- writing TOML (inline style, every value written back as it was) ---------------------------------------------


def toml_value(v: Any) -> str:
    """Return `v` as an inline TOML value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, str)):
        return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else "-inf" if v == -math.inf else repr(v))
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def dumps(raw: dict[str, Any]) -> str:
    """Return `raw` as a TOML document of top-level keys with inline values."""
    return "".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}\n" for k, v in raw.items())


# --- paths into the manifest -------------------------------------------------------------------------------------

Step = str | int


def walk(value: Any, at: tuple[Step, ...] = ()) -> list[tuple[Step, ...]]:
    """Return the path of every value inside `value` (tables, lists and leaves), depth first."""
    out = [at] if at else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += walk(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += walk(v, (*at, i))
    return out


def dotted(path: tuple[Step, ...]) -> str:
    """Return a path as the loader writes it: ``boundaries[0].filter``."""
    s = ""
    for step in path:
        s += f"[{step}]" if isinstance(step, int) else (f".{step}" if s else step)
    return s


def get(raw: Any, path: tuple[Step, ...]) -> Any:
    for step in path:
        raw = raw[step]
    return raw


def copy(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [copy(x) for x in v]
    return v


def replaced(path: tuple[Step, ...], value: Any) -> dict[str, Any]:
    raw = copy(BASE)
    get(raw, path[:-1])[path[-1]] = value
    return raw


def deleted(path: tuple[Step, ...]) -> dict[str, Any]:
    raw = copy(BASE)
    del get(raw, path[:-1])[path[-1]]
    return raw


PATHS = walk(BASE)
#: Free-form tables: their keys are data (labels by column, filters by column, speed settings), not schema keys.
FREE = ("columns", "filter", "ages", "travel", "groups")
TABLES = [p for p in PATHS if isinstance(get(BASE, p), dict) and not (p and p[-1] in FREE)]


def type_class(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, (dt.date, dt.time)):
        return "date"
    return {str: "str", list: "list", dict: "table"}[type(v)]


# --- reading a manifest and judging the outcome ------------------------------------------------------------------


@contextlib.contextmanager
def time_limit(seconds: int):
    def fail(signum, frame):  # noqa: ARG001
        raise TimeoutError(f"reading the manifest took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


KINDS = (
    ("not UTF-8", "is not UTF-8"),
    ("not UTF-8", "cannot be decoded"),
    ("unusable file name", "cannot be resolved"),
    ("unusable file name", "NUL character"),
    ("file missing", "is not a file of"),
    ("file missing", "neither a shipped profile"),
    ("bad reference", "is not the key of a"),
    ("bad reference", "not one of its columns"),
    ("bad reference", "not one of the dimension"),
    ("bad reference", "gives no age range"),
    ("missing key", "is empty"),
    ("not with buildings", 'cannot be used with `kind = "buildings"`'),
    ("not valid TOML", "is not valid TOML"),
    ("outside the folder", "is outside the region folder"),
    ("unknown key", "is not a known key"),
    ("missing key", "is missing"),
    ("missing key", "needs `key` and `path`"),
    ("missing key", "needs either"),
    ("bad CRS", "CRS"),
    ("wrong type", "; it must be"),
    ("wrong type", "must be a table"),
    ("wrong type", "must be a list of tables"),
    ("wrong type", "must hold tables"),
    ("wrong type", "must map each column"),
    ("file missing", "does not exist in"),
    ("bad value", "must be"),
    ("column or filter", "not a column"),
    ("column or filter", "matches no feature"),
)


def kind_of(message: str) -> str:
    return next((k for k, words in KINDS if words in message), "other")


def assert_sentence(message: str) -> None:
    assert message and "\n" not in message and message.endswith("."), message
    assert "Traceback" not in message and 'File "' not in message, message
    assert len(message) < 4000, message[:300]


def decoded(data: bytes) -> dict[str, Any] | None:
    """Return the manifest as the loader must read it (UTF-8 with or without mark, UTF-16 with its mark), or None."""
    try:
        text = data.decode("utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else data.decode("utf-8-sig")
        return tomllib.loads(text)
    except ValueError:
        return None


def assert_honoured(region: Region, raw: dict[str, Any], folder: Path) -> None:
    """Check that every value of `raw` (a manifest that loaded) is the region's."""
    osm, pop = raw["osm"], raw["population"]
    expect = {
        "name": raw["name"],
        "crs": raw["crs"],
        "country_name": raw.get("country_name"),
        "languages": tuple(raw.get("languages", [])),
        "bbox": tuple(raw["bbox"]) if raw.get("bbox") else None,
        "main_boundary_key": raw.get("main_boundary"),
        "analyses": tuple(raw.get("default_analyses", [])),
        "osm_path": folder / osm["path"],
        "osm_date": osm.get("date"),
        "population_path": folder / (osm["path"] if pop.get("kind") == "buildings" else pop["path"]),
        "population_layer": pop.get("layer"),
        "population_kind": pop.get("kind", "grid"),
        "cell_size_m": pop.get("cell_size_m"),
        "id_col": "cell_id" if pop.get("kind") == "buildings" else pop["id"],
        "total_col": pop.get("total", "T") if pop.get("kind") == "buildings" else pop["total"],
        "population_residents": float(pop["residents"]) if pop.get("kind") == "buildings" else None,
        "population_note": pop.get("residents_note"),
        "land_share_col": pop.get("land_share"),
        "confidential_suffix": pop.get("confidential_suffix"),
        "attribution": tuple(raw.get("attribution", {}).get("lines", [])),
        "coverage_warn_share": raw.get("coverage", {}).get("warn_share", COVERAGE_WARN_SHARE),
        "profile": raw.get("travel", {}).get("profile"),
    }
    for attr, value in expect.items():
        got = getattr(region, attr)
        assert got == value, (attr, got, value)
    groups = pop.get("groups", {})
    assert [g.key for g in region.groups] == list(groups)
    for g in region.groups:
        want = groups[g.key]
        assert g.label == want.get("label", g.key) and g.columns == want["columns"]
        assert g.reference == want.get("reference", next(iter(want["columns"])))
        assert g.ages == {c: tuple(r) for c, r in want.get("ages", {}).items()}
    for kind in ("boundaries", "services"):
        layers = getattr(region, kind)
        want_layers = raw.get(kind, [])
        assert len(layers) == len(want_layers), kind
        for spec, want in zip(layers, want_layers, strict=True):
            assert spec.key == want["key"] and spec.label == want.get("label", want["key"])
            assert spec.path == folder / want["path"]
            assert spec.filter == {k: str(v) for k, v in want.get("filter", {}).items()}
            assert spec.land == want.get("land", False)
            for attr in ("name", "parent", "capacity", "attribution"):
                assert getattr(spec, attr) == want.get(attr), (kind, attr)
    area = raw.get("area")
    if area is None:
        assert region.area is None
    elif "path" in area:
        assert region.area.path == folder / area["path"]
    else:
        assert region.area.boundary == area["boundary"]
        assert region.area.filter == {k: str(v) for k, v in area.get("filter", {}).items()}


def read(folder: Path, data: bytes, *, generator: str, expect: str, names: tuple[str, ...] = ()) -> str:
    """Write `data` as the manifest, read the region and judge the outcome; return the kind of error, or "loaded".

    `expect` is "error" (it must be refused, with a sentence naming each of `names`), "ok" (it must load,
    honouring every value) or "either" (refused, or loaded and honoured).
    """
    COUNTS[generator] += 1
    (folder / "region.toml").write_bytes(data)
    try:
        with time_limit(TIME_LIMIT_S):
            region = load_region(folder)
            floor = min_count(folder)
    except (RegionError, DataError) as exc:
        message = str(exc)
        assert_sentence(message)
        assert expect != "ok", f"a valid manifest was refused: {message}"
        for name in names:
            assert name in message, (name, message)
        kind = kind_of(message)
        OUTCOMES[kind] += 1
        if kind == "other":
            OTHER.append(message)
        return kind
    assert expect != "error", f"accepted without a word ({generator}: {names})"
    raw = decoded(data)
    assert raw is not None, "the loader read a manifest that is neither UTF-8 nor UTF-16 with its mark, or not TOML"
    assert_honoured(region, raw, folder)
    env = os.environ.get("EQUIMAP_MIN_COUNT", "").strip()
    assert floor == max(int(env) if env else DEFAULT_MIN_COUNT, raw.get("privacy", {}).get("min_count", 0))
    OUTCOMES["loaded"] += 1
    return "loaded"


def read_raw(folder: Path, raw: dict[str, Any], **kw: Any) -> str:
    return read(folder, dumps(raw).encode("utf-8"), **kw)


SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# --- the valid manifest ------------------------------------------------------------------------------------------


def test_manifest_corpus__base_loads(folder):
    read(folder, BASE_TEXT.encode("utf-8"), generator="valid", expect="ok")
    read_raw(folder, BASE, generator="valid", expect="ok")  # the inline writer says the same


# --- generators --------------------------------------------------------------------------------------------------

SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
SCALARS = {
    "str": SAFE_TEXT,
    "number": st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=True, allow_infinity=True),
    "bool": st.booleans(),
    "date": st.dates()
    | st.datetimes().map(lambda d: d.replace(microsecond=0))
    | st.times().map(lambda t: t.replace(microsecond=0)),
}
ANY_VALUE = st.recursive(
    st.one_of(*SCALARS.values()),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text("abcxyz_", min_size=1, max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
#: Leaves whose value may be any scalar: a filter compares its value as text (8 and "8" match the same features).
LENIENT = ("filter",)


def owner(path: tuple[Step, ...]) -> str:
    """Return the key a sentence about a wrong value at `path` must name."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    if len(path) > 1 and path[-2] in ("columns", "filter"):
        path = path[:-1]
    return dotted(path)


@settings(SETTINGS, max_examples=300)
@given(data=st.data())
def test_manifest_corpus__wrong_types(folder, data):
    """Every value, table and list replaced by a value of another type."""
    path = data.draw(st.sampled_from(PATHS), label="path")
    old = type_class(get(BASE, path))
    value = data.draw(ANY_VALUE.filter(lambda v: type_class(v) != old), label="value")
    lenient = len(path) > 1 and path[-2] in LENIENT and type_class(value) in ("number", "bool")
    expect = "either" if lenient else "error"
    read_raw(folder, replaced(path, value), generator="wrong type", expect=expect, names=(owner(path),))


UNKNOWN_KEY = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=10)


@settings(SETTINGS, max_examples=120)
@given(data=st.data())
def test_manifest_corpus__unknown_keys(folder, data):
    """A key the schema does not know, in any of its tables."""
    table = data.draw(st.sampled_from([(), *TABLES]), label="table")
    where = get(BASE, table)
    key = data.draw(UNKNOWN_KEY.filter(lambda k: k not in where and k not in _known(table)), label="key")
    value = data.draw(ANY_VALUE, label="value")
    raw = copy(BASE)
    get(raw, table)[key] = value
    read_raw(folder, raw, generator="unknown key", expect="error", names=(dotted((*table, key)), "is not a known key"))


def _known(table: tuple[Step, ...]) -> set[str]:
    from equimap.region.manifest_schema import _GROUP, SCHEMA

    schema: Any = SCHEMA
    for step in table:
        if isinstance(step, int):
            schema = schema[0]
        elif schema == "groups":
            schema = _GROUP
        else:
            schema = schema[step]
    return set(schema) if isinstance(schema, dict) else set()


#: Keys without which a manifest cannot be read, and the word its sentence must hold.
REQUIRED = {
    ("name",): "name",
    ("crs",): "crs",
    ("osm",): "osm.path",
    ("osm", "path"): "osm.path",
    ("population",): "population.path",
    ("population", "path"): "population.path",
    ("population", "id"): "population.id",
    ("population", "total"): "population.total",
    ("boundaries", 0, "key"): "boundaries",
    ("boundaries", 0, "path"): "boundaries",
    ("boundaries", 1, "key"): "boundaries",
    ("boundaries", 1, "path"): "boundaries",
    ("services", 0, "key"): "services",
    ("services", 0, "path"): "services",
    ("population", "groups", "birth", "columns"): "population.groups.birth.columns",
    ("population", "groups", "age", "columns"): "population.groups.age",
    ("area", "boundary"): "area",
    ("boundaries",): "main_boundary",  # the councils the main boundary and the area name are gone
}


@settings(SETTINGS, max_examples=100)
@given(data=st.data())
def test_manifest_corpus__missing_keys(folder, data):
    """A key left out: a required one is named, an optional one takes its default."""
    path = data.draw(st.sampled_from([p for p in PATHS if not isinstance(p[-1], int)]), label="path")
    if path in REQUIRED:
        read_raw(folder, deleted(path), generator="missing key", expect="error", names=(REQUIRED[path],))
    elif len(path) > 1 and path[-2] == "columns" and get(BASE, path[:-2]).get("reference") == path[-1]:
        read_raw(
            folder, deleted(path), generator="missing key", expect="error", names=(dotted((*path[:-2], "reference")),)
        )
    elif len(path) > 1 and (path[-2] == "ages" or (path[-2] == "columns" and "ages" in get(BASE, path[:-2]))):
        read_raw(folder, deleted(path), generator="missing key", expect="error", names=(dotted((*path[:-2], "ages")),))
    else:
        read_raw(folder, deleted(path), generator="missing key", expect="ok")


PATH_KEYS = [("osm", "path"), ("population", "path"), ("boundaries", 0, "path"), ("services", 0, "path")]
ESCAPING = [
    "..", "../x.csv", "../../..", "../outside.csv", "sub/../../outside.csv", "/etc/passwd", "/", "//etc/hosts",
    "outside_link.csv", "outside_dir/outside.csv", ".", "./", "sub/..",
]  # fmt: skip
BROKEN = [
    "",
    " ",
    "\t",
    "nul\u0000byte",
    "x" * 300,
    "a/" * 3000,
    "loop_a",
    "~/x.csv",
    "..\\..\\x",
    "C:\\x.csv",
    "sub",
    "sub/",
]


@settings(SETTINGS, max_examples=160)
@given(data=st.data())
def test_manifest_corpus__paths(folder, data):
    """Paths that leave the folder, point nowhere or at a folder; and fine ways of naming a file inside it."""
    path = data.draw(st.sampled_from([*PATH_KEYS, ("area", "path"), ("travel", "profile")]), label="key")
    raw = copy(BASE)
    if path[0] == "area":
        raw["area"] = {}
    target = get(BASE, path) if path[0] != "area" else "units.geojson"
    if path == ("travel", "profile"):
        target = "speeds.toml"
    fine = [f"./{target}", f"sub/../{target}", f"sub//../{target}"]
    choice = data.draw(st.sampled_from(["escaping", "broken", "fine", "absolute inside", "random"]), label="what")
    if choice == "escaping":
        value, expect, names = data.draw(st.sampled_from(ESCAPING)), "error", (dotted(path),)
    elif choice == "broken":
        value, expect, names = data.draw(st.sampled_from(BROKEN)), "error", (dotted(path),)
    elif choice == "fine":
        value, expect, names = data.draw(st.sampled_from(fine)), "ok", ()
    elif choice == "absolute inside":  # absolute paths are refused even inside the folder: the folder may move
        value, expect, names = str(folder / target), "error", (dotted(path), "outside the region folder")
    else:
        value = data.draw(st.text(st.sampled_from("./\\~ab"), max_size=12))
        expect, names = "either", ()
    get(raw, path[:-1])[path[-1]] = value
    if value in ("sub", "sub/") and path[0] not in ("osm", "travel"):
        expect = "either"  # a folder may be a layer (a FileGDB); the file reader says whether it is one
    if path[0] == "area" and choice in ("escaping", "broken", "absolute inside"):
        names = ("area",)
    read_raw(folder, raw, generator="path", expect=expect, names=names)


GOOD_CRS = ["EPSG:3035", "EPSG:32633", "EPSG:3857", "EPSG:2154", "epsg:3035", "EPSG:25832"]
BAD_CRS = [
    "EPSG:4326", "EPSG:4258", "EPSG:4979", "EPSG:4978", "EPSG:99999", "EPSG:0", "EPSG:-1", "EPSG:", "EPSG:3035x",
    "EPSG", "WGS84", "+proj=longlat +datum=WGS84", "+proj=utm", "EPSG:2263", "EPSG:5714", "", " ", "3035 ", "foo",
    "ESRI:999999", "urn:ogc:def:crs:EPSG::4326", 'GEOGCS["x"]', "IGNF:XXX",
]  # fmt: skip


@settings(SETTINGS, max_examples=120)
@given(data=st.data())
def test_manifest_corpus__crs(folder, data):
    """A CRS in degrees, in feet, unknown, geocentric or not a CRS at all; and projected CRS in metres."""
    choice = data.draw(st.sampled_from(["good", "bad", "bad", "random"]), label="what")
    if choice == "good":
        crs, expect = data.draw(st.sampled_from(GOOD_CRS)), "ok"
    elif choice == "bad":
        crs, expect = data.draw(st.sampled_from(BAD_CRS)), "error"
    else:
        crs, expect = data.draw(SAFE_TEXT | st.from_regex(r"EPSG:[0-9]{1,6}", fullmatch=True)), "either"
    read_raw(folder, replaced(("crs",), crs), generator="crs", expect=expect, names=("crs",))


ENCODED = BASE_TEXT.encode("utf-8")


@settings(SETTINGS, max_examples=160)
@given(data=st.data())
def test_manifest_corpus__encodings(folder, data):
    """UTF-16 with and without its mark, UTF-32, Latin-1, binary junk, truncated text, NUL bytes, empty files."""
    choice = data.draw(
        st.sampled_from(["encoding", "junk", "truncated", "insert", "empty", "utf16 odd", "replace byte"]), label="what"
    )
    if choice == "encoding":
        enc = data.draw(
            st.sampled_from(
                ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "mac-roman"]
            )
        )
        body = BASE_TEXT.encode(enc)
        if enc == "utf-16-be" and data.draw(st.booleans()):
            body = b"\xfe\xff" + body
        expect = "ok" if enc in ("utf-8", "utf-8-sig", "utf-16") or body.startswith(b"\xfe\xff") else "error"
        names = ("UTF-8",) if enc in ("latin-1", "cp1252", "mac-roman") else ()
        read(folder, body, generator="encoding", expect=expect, names=names)
        return
    if choice == "junk":
        body = data.draw(st.binary(min_size=1, max_size=300))
    elif choice == "truncated":
        body = ENCODED[: data.draw(st.integers(0, len(ENCODED) - 1))]
    elif choice == "insert":
        at = data.draw(st.integers(0, len(ENCODED)))
        body = ENCODED[:at] + data.draw(st.binary(min_size=1, max_size=8)) + ENCODED[at:]
    elif choice == "replace byte":
        at = data.draw(st.integers(0, len(ENCODED) - 1))
        body = ENCODED[:at] + bytes([data.draw(st.integers(0, 255))]) + ENCODED[at + 1 :]
    elif choice == "utf16 odd":
        full = BASE_TEXT.encode("utf-16")
        body = full[: data.draw(st.integers(2, len(full) - 1))]
    else:
        body = data.draw(
            st.sampled_from([b"", b" ", b"\n\n", b"# only a comment\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00" * 16])
        )
    read(folder, body, generator="encoding", expect="either")


LINES = BASE_TEXT.splitlines(keepends=True)
DUPLICABLE = [i for i, line in enumerate(LINES) if re.match(r"^(\w+ = |\[[a-z.]+\]$)", line)]


@settings(SETTINGS, max_examples=60)
@given(data=st.data())
def test_manifest_corpus__duplicate_keys(folder, data):
    """A key or a table given twice (TOML forbids it): the sentence quotes the line."""
    i = data.draw(st.sampled_from(DUPLICABLE), label="line")
    line = LINES[i]
    if line.startswith("["):  # the whole table again, later in the file
        body = BASE_TEXT + "\n" + line
    else:
        new = data.draw(st.sampled_from([line, re.sub(r"=.*", '= "other"', line), re.sub(r"=.*", "= 3", line)]))
        body = "".join(LINES[: i + 1]) + new + "".join(LINES[i + 1 :])
    key = line.strip().strip("[]").split(" = ")[0].split(".")[-1]
    read(folder, body.encode("utf-8"), generator="duplicate key", expect="error", names=("not valid TOML", key))


NUMBERS = [0, -1, -0.5, math.nan, math.inf, -math.inf, 1e308, 2**63 - 1, -(2**63)]


@settings(SETTINGS, max_examples=60)
@given(data=st.data())
def test_manifest_corpus__impossible_numbers(folder, data):
    """Zero, negative, NaN and infinite cell sizes, shares, thresholds, ages and bounding boxes."""
    path = data.draw(
        st.sampled_from(
            [("population", "cell_size_m"), ("coverage", "warn_share"), ("privacy", "min_count"), ("bbox", 0), ("bbox", 3),
             ("population", "groups", "age", "ages", "Y_GE65", 1), ("population", "groups", "age", "ages", "Y_LT15", 0)]
        ),
        label="key",
    )  # fmt: skip
    value = data.draw(st.sampled_from(NUMBERS), label="value")
    old = get(BASE, path)
    plausible = {
        ("population", "cell_size_m"): lambda v: 0 < v < math.inf,
        ("coverage", "warn_share"): lambda v: 0 <= v <= 1,
        ("privacy", "min_count"): lambda v: isinstance(v, int) and v >= 0,
        ("bbox", 0): lambda v: -180 <= v < 10.2,
        ("bbox", 3): lambda v: 52.0 < v <= 90,
        ("population", "groups", "age", "ages", "Y_GE65", 1): lambda v: isinstance(v, int) and v >= 65,
        ("population", "groups", "age", "ages", "Y_LT15", 0): lambda v: isinstance(v, int) and 0 <= v <= 14,
    }[path]
    expect = "ok" if plausible(value) else "error"
    assert old is not None
    read_raw(folder, replaced(path, value), generator="impossible number", expect=expect, names=(owner(path),))


BUILDINGS = {
    **{k: v for k, v in BASE.items() if k != "population"},
    "population": {
        "kind": "buildings",
        "cell_size_m": 1000,
        "total": "T",
        "residents": 20000,
        "residents_note": "Illustrative total, not an official figure",
    },
}
GRID_ONLY = {k: BASE["population"][k] for k in ("path", "layer", "id", "land_share", "confidential_suffix")}
BUILDINGS_REQUIRED = {
    "residents": "population.residents",
    "residents_note": "population.residents_note",
    "kind": "population.path",  # a grid then, which needs its file
}


@settings(SETTINGS, max_examples=100)
@given(data=st.data())
def test_manifest_corpus__buildings(folder, data):
    """A population modelled from buildings (one total): its keys of the wrong type, missing, or with groups."""
    key = data.draw(st.sampled_from([*BUILDINGS["population"], "groups", *GRID_ONLY]), label="key")
    what = data.draw(st.sampled_from(["wrong type", "missing"]), label="what")
    raw = copy(BUILDINGS)
    pop = raw["population"]
    if key == "groups":  # a single total has no groups
        pop["groups"] = copy(BASE["population"]["groups"])
        expect, names = "error", ("population.groups",)
    elif key in GRID_ONLY:  # no file of its own: a key of the population file would be dropped without a word
        pop[key] = GRID_ONLY[key]
        expect, names = "error", (f"population.{key}", "cannot be used with")
    elif what == "missing":
        del pop[key]
        expect = "error" if key in BUILDINGS_REQUIRED else "ok"
        names = (BUILDINGS_REQUIRED[key],) if key in BUILDINGS_REQUIRED else ()
    else:
        old = type_class(pop[key])
        if key == "kind":
            pop[key] = data.draw(ANY_VALUE.filter(lambda v: v not in ("grid", "zones", "buildings")), label="value")
        else:
            pop[key] = data.draw(ANY_VALUE.filter(lambda v: type_class(v) != old), label="value")
        expect, names = "error", ("population.",)
    read_raw(folder, raw, generator="buildings", expect=expect, names=names)


# --- the CLI -----------------------------------------------------------------------------------------------------


def _line_twice(key: str) -> bytes:
    i = next(i for i, line in enumerate(LINES) if line.startswith(f"{key} = "))
    return "".join(LINES[: i + 1] + LINES[i:]).encode("utf-8")


#: One refused input of each kind, and the word the CLI's sentence must hold.
CLI_CASES: dict[str, tuple[bytes, str]] = {
    "columns as a list": (dumps(replaced(("population", "groups", "birth", "columns"), ["NAT", "OTH"])).encode(), "population.groups.birth.columns"),
    "filter as a string": (dumps(replaced(("boundaries", 0, "filter"), "admin_level=8")).encode(), "boundaries[0].filter"),
    "cell size as a string": (dumps(replaced(("population", "cell_size_m"), "1000")).encode(), "population.cell_size_m"),
    "date as a TOML date": (dumps(replaced(("osm", "date"), dt.date(2024, 1, 1))).encode(), "osm.date"),
    "unknown key": (dumps(replaced(("osm", "file"), "x")).encode(), "osm.file"),
    "no name": (dumps(deleted(("name",))).encode(), "name"),
    "no osm path": (dumps(deleted(("osm", "path"))).encode(), "osm.path"),
    "climbing out": (dumps(replaced(("osm", "path"), "../../..")).encode(), "outside the region folder"),
    "absolute": (dumps(replaced(("services", 0, "path"), "/etc/passwd")).encode(), "outside the region folder"),
    "symlink out": (dumps(replaced(("services", 0, "path"), "outside_link.csv")).encode(), "outside the region folder"),
    "symlink loop": (dumps(replaced(("population", "path"), "loop_a")).encode(), "population.path"),
    "NUL in a path": (dumps(replaced(("population", "path"), "grid\0.gpkg")).encode(), "NUL"),
    "profile outside": (dumps(replaced(("travel", "profile"), "../outside.csv")).encode(), "travel.profile"),
    "CRS in degrees": (dumps(replaced(("crs",), "EPSG:4326")).encode(), "in degrees"),
    "unknown EPSG": (dumps(replaced(("crs",), "EPSG:99999")).encode(), "crs"),
    "UTF-16 without mark": (BASE_TEXT.encode("utf-16-le"), "not UTF-8"),
    "Latin-1": (BASE_TEXT.encode("latin-1"), "not UTF-8"),
    "binary junk": (bytes(range(256)) * 3, "region.toml"),
    "truncated": (ENCODED[: len(ENCODED) // 2], "not valid TOML"),
    "empty": (b"", "`name` is missing"),
    "duplicate key": (_line_twice("name"), "line 3 reads `name = "),
    "infinite cell size": (dumps(replaced(("population", "cell_size_m"), math.inf)).encode(), "population.cell_size_m"),
}  # fmt: skip


@pytest.mark.parametrize("case", CLI_CASES)
def test_manifest_corpus__cli_in_process(case, tmp_path, capsys):
    """Each kind through `equimap.cli.main` (``regions --data-dir``): exit 2 and one sentence on standard error."""
    from equimap.cli import main

    data, words = CLI_CASES[case]
    region = build_region(tmp_path)
    (region / "region.toml").write_bytes(data)
    assert main(["regions", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0], err
    assert_sentence(err[0])


@pytest.mark.slow
def test_manifest_corpus__cli_subprocess(tmp_path):
    """The same inputs through ``python -m equimap regions --data-dir`` (two at a time): exit 2, one line, no traceback."""
    src = str(Path(__file__).parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}
    commands = []
    for n, (data, words) in enumerate(CLI_CASES.values()):
        region = build_region(tmp_path / f"d{n}")
        (region / "region.toml").write_bytes(data)
        commands.append(([sys.executable, "-m", "equimap", "regions", "--data-dir", str(region.parent)], words))
    results, running = [], []
    for cmd, words in commands:
        running.append((subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env), words))
        if len(running) == 2:
            results.append(_finish(*running.pop(0)))
    results += [_finish(*r) for r in running]
    assert len(results) == len(CLI_CASES) >= 20
    for code, err, words in results:
        lines = err.strip().splitlines()
        assert code == 2 and "Traceback" not in err, err
        assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], err
        assert_sentence(lines[0])
    COUNTS["CLI exit 2"] += len(results)


def _finish(p: subprocess.Popen, words: str) -> tuple[int, str, str]:
    _, err = p.communicate(timeout=120)
    return p.returncode, err.decode("utf-8", "replace"), words


# --- what the corpus found: hand regression cases -----------------------------------------------------------------

#: Each input the corpus found mishandled before the fix (a traceback, or accepted without a word), and its sentence.
REGRESSIONS: dict[str, tuple[bytes, str]] = {
    # ValueError "embedded null byte" out of Path.resolve
    "NUL in a path": (dumps(replaced(("osm", "path"), "tiny\0.osm")).encode(), r"`osm\.path` = `tiny\\0\.osm` holds a NUL"),
    # RuntimeError "Symlink loop" out of Path.resolve
    "symlink loop": (dumps(replaced(("services", 0, "path"), "loop_a")).encode(), r"`services\[0\]\.path` = `loop_a` cannot be resolved"),
    # OSError "File name too long" out of Path.exists, and a 6,000-character sentence
    "name too long": (dumps(replaced(("population", "path"), "a/" * 3000)).encode(), r"`population\.path` = `a/a/.{0,80}` does not exist"),
    "part too long": (dumps(replaced(("boundaries", 1, "path"), "x" * 300)).encode(), r"`boundaries\[1\]\.path` = `x+…x+` does not exist"),
    # accepted: a speed profile read from anywhere
    "profile climbing out": (dumps(replaced(("travel", "profile"), "../outside.csv")).encode(), r"`travel\.profile` = `\.\./outside\.csv` is outside"),
    "profile absolute": (dumps(replaced(("travel", "profile"), "/etc/passwd")).encode(), r"`travel\.profile` = `/etc/passwd` is outside"),
    "profile in home": (dumps(replaced(("travel", "profile"), "~/speeds.toml")).encode(), r"`travel\.profile` = `~/speeds\.toml` is outside"),
    "profile a folder": (dumps(replaced(("travel", "profile"), "sub")).encode(), r"`travel\.profile` = `sub` is neither a shipped"),
    # accepted: an OSM extract that is a folder
    "osm a folder": (dumps(replaced(("osm", "path"), "sub")).encode(), r"`osm\.path` = `sub` is not a file"),
    # accepted: numbers no region has
    "infinite cell size": (dumps(replaced(("population", "cell_size_m"), math.inf)).encode(), r"`population\.cell_size_m` is inf; it must be a number"),
    "bbox beyond the globe": (dumps(replaced(("bbox",), [-200.0, 52.0, 200.0, 52.2])).encode(), r"`bbox` = \[-200\.0, .* in degrees"),
    "infinite bbox": (dumps(replaced(("bbox",), [-math.inf, 52.0, 10.2, 52.2])).encode(), r"`bbox` = \[-inf, .* in degrees"),
    # accepted: a population file named with `kind = "buildings"`, and dropped
    "buildings with a file": (
        dumps({**BUILDINGS, "population": {**BUILDINGS["population"], "path": "grid.gpkg", "id": "GRD_ID"}}).encode(),
        r'`population\.path` cannot be used with `kind = "buildings"`.*leave out `path`, `id`',
    ),
    # a generic sentence that did not name the group
    "group as a list": (dumps(replaced(("population", "groups", "age"), [])).encode(), r"`population\.groups\.age` is \[\]; it must be a table"),
    # a duplicate key named only by its line number
    "duplicate key": (_line_twice("crs"), r"Cannot overwrite a value .*; line 4 reads `crs = \"EPSG:3035\"`"),
    # the whole value in the sentence
    "long list": (dumps(replaced(("languages",), list(range(5000)))).encode(), r"`languages` is \[0, 1, 2, 3, 4, 5, \.\.\.\]; it must be"),
}  # fmt: skip


@pytest.mark.parametrize("case", REGRESSIONS)
def test_manifest_corpus__regressions(case, folder):
    data, pattern = REGRESSIONS[case]
    (folder / "region.toml").write_bytes(data)
    with pytest.raises(RegionError, match=pattern) as info:
        load_region(folder)
    assert_sentence(str(info.value))
    assert len(str(info.value)) < 400


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_manifest_corpus__privacy_floor_of_any_encoding(encoding, folder, monkeypatch):
    """A manifest with a byte-order mark loads; its `[privacy] min_count` held too (it was read as 0 before)."""
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")
    (folder / "region.toml").write_bytes(BASE_TEXT.encode(encoding))
    assert load_region(folder).name == "Tiny région"
    assert min_count(folder) == 12


def test_manifest_corpus__counts(capsys):
    """The corpus holds at least 1,000 generated inputs; print the count of each outcome."""
    total = sum(v for k, v in COUNTS.items() if k not in ("valid", "CLI exit 2"))
    with capsys.disabled():
        print(f"\nmanifest corpus: {total} inputs by generator {dict(COUNTS)}; outcomes {dict(OUTCOMES.most_common())}")
    generators = ("wrong type", "unknown key", "missing key", "path", "crs", "encoding", "duplicate key")
    if all(COUNTS[g] for g in (*generators, "impossible number", "buildings")):  # the whole corpus ran
        assert total >= 1000, COUNTS
        assert OUTCOMES["other"] == 0, f"errors of a kind the corpus does not know: {sorted(set(OTHER))[:5]}"
