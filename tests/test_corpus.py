"""The bad-input corpus: over 1,000 malformed (and some valid) facility files through the one loader.

Each input is a real file written to ``tmp_path`` (GeoJSON, GeoPackage, CSV, zipped
Shapefile). For each, `load_service_file` (in-process, with Malta's CRS and extent)
must either raise a one-sentence :class:`~equimap.DataError` or return exactly the
sites that were written (same count, each within 1 m of where it was put, or
inside its polygon); never another exception, never a wrong result, never a hang
(an alarm of :data:`TIME_LIMIT_S` per input). A hand grid covers every format ×
corruption; hypothesis generates the rest. A sample goes through the CLI (exit 2).
`test_corpus__counts` (last) checks the total and prints the count of each kind of error.
"""

from __future__ import annotations

import collections
import contextlib
import json
import signal
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equimap._errors import DataError
from equimap.region.manifest import load_region
from equimap.region.services import load_service_file

TIME_LIMIT_S = 20
REGION = load_region("malta")
W, S, E, N = REGION.bbox
FORMATS = ("geojson", "gpkg", "csv", "shpzip")
COUNTS: collections.Counter[str] = collections.Counter()
OUTCOMES: collections.Counter[str] = collections.Counter()

KINDS = (
    ("swapped", "coordinates look swapped"),
    ("metres as degrees", "look like metres"),
    ("degrees as metres", "look like degrees"),
    ("outside the region", "lie outside the region"),
    ("encoding", "UTF"),
    ("zip safety", "archive"),
    ("zip bomb", "zip bomb"),
    ("zip safety", "symbolic link"),
    ("encoding", "NUL bytes"),
    ("shapefile part missing", "lacks its"),
    ("empty file", "is empty"),
    ("no features", "has no features"),
    ("broken geometry", "broken geometry"),
    ("multipoint", "multipoints"),
    ("polygon too large", "too large to be one site"),
    ("geometry type", "give sites as points"),
    ("no CRS", "no CRS"),
    ("missing geometry", "have no geometry"),
    ("not finite", "not finite"),
    ("capacity", "capacities"),
    ("capacity", "non-numeric"),
    ("coordinates missing", "out-of-range"),
    ("coordinates missing", "no coordinate columns"),
    ("unreadable", "could not be read"),
    ("unreadable", "not a readable CSV"),
    ("unreadable", "not a valid zip"),
)


def kind_of(message: str) -> str:
    """Return the kind of a loader error, by the words of its sentence."""
    return next((k for k, words in KINDS if words in message), "other")


@contextlib.contextmanager
def time_limit(seconds: int):
    def fail(signum, frame):  # noqa: ARG001
        raise TimeoutError(f"input took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# --- writers: real files in real formats -------------------------------------------------------


def _features(geoms, names, caps=None):
    props = [{"name": n} | ({"beds": c} if caps is not None else {}) for n, c in zip(names, caps or names, strict=True)]
    return [{"type": "Feature", "properties": p, "geometry": g} for p, g in zip(props, geoms, strict=True)]


def write_geojson(
    path: Path, geoms: list, names: list[str], *, crs: str | None = "EPSG:4326", caps=None, encoding="utf-8"
):
    obj = {"type": "FeatureCollection", "features": _features(geoms, names, caps)}
    if crs and crs != "EPSG:4326":
        obj["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs.split(':')[1]}"}}
    path.write_bytes(json.dumps(obj, ensure_ascii=False).encode(encoding))
    return path


def _gdf(geoms, names, crs, caps=None):
    shapes = [shapely.geometry.shape(g) if g is not None else None for g in geoms]
    data = {"name": names} | ({"beds": caps} if caps is not None else {})
    return gpd.GeoDataFrame(data, geometry=shapes, crs=crs)


def write_gpkg(path: Path, geoms, names, *, crs="EPSG:4326", caps=None):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'crs' was not provided", category=UserWarning)  # on purpose
        _gdf(geoms, names, crs, caps).to_file(path, driver="GPKG")
    return path


def write_shpzip(path: Path, geoms, names, *, crs="EPSG:4326", caps=None, drop=(), extra=()):
    folder = path.parent / (path.stem + "_shp")
    folder.mkdir(exist_ok=True)
    _gdf(geoms, names, crs, caps).to_file(folder / "sites.shp")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            if p.suffix not in drop:
                zf.write(p, p.name)
        for name, data in extra:
            zf.writestr(name, data)
    return path


def write_csv(path: Path, xy, names, *, caps=None, encoding="utf-8", header="name,lon,lat"):
    lines = [header + (",beds" if caps is not None else "")]
    for i, ((x, y), n) in enumerate(zip(xy, names, strict=True)):
        lines.append(f"{n},{x},{y}" + (f",{caps[i]}" if caps is not None else ""))
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_points(fmt: str, path: Path, lonlat, names, *, crs="EPSG:4326", caps=None, encoding="utf-8"):
    """Write points (given in `crs`) in format `fmt`; return the file."""
    if fmt == "csv":
        return write_csv(path.with_suffix(".csv"), lonlat, names, caps=caps, encoding=encoding)
    geoms = [{"type": "Point", "coordinates": [float(x), float(y)]} for x, y in lonlat]
    if fmt == "geojson":
        return write_geojson(path.with_suffix(".geojson"), geoms, names, crs=crs, caps=caps, encoding=encoding)
    if fmt == "gpkg":
        return write_gpkg(path.with_suffix(".gpkg"), geoms, names, crs=crs, caps=caps)
    return write_shpzip(path.with_suffix(".zip"), geoms, names, crs=crs, caps=caps)


def to_3035(lonlat):
    pts = gpd.GeoSeries(gpd.points_from_xy(*np.asarray(lonlat, float).T), crs="EPSG:4326").to_crs("EPSG:3035")
    return list(zip(pts.x, pts.y, strict=True))


# --- the corruptions: each writes a file and says what a correct loader does ----------------------

FAR = {"paris": (2.35, 48.86), "sicily": (14.5, 37.5), "sea": (15.2, 35.9), "pole": (0.0, 89.9), "zero": (0.0, 0.0)}


def build(fmt: str, corruption: str, lonlat: list[tuple[float, float]], folder: Path):  # noqa: C901
    """Write one input; return (path, kwargs of load_service_file, expected): expected is "error", "ok" or "either".

    With "ok" (and "either" when it loads) the loader must give back the points `lonlat`.
    """
    names = [f"site {i}" for i in range(len(lonlat))]
    base = folder / f"in_{fmt}_{corruption}"
    kw: dict = {}
    if corruption == "none":
        return write_points(fmt, base, lonlat, names), kw, "ok"
    if corruption == "swap":
        return write_points(fmt, base, [(y, x) for x, y in lonlat], names), kw, "error"
    if corruption == "metres_as_degrees":
        return write_points(fmt, base, to_3035(lonlat), names, crs="EPSG:4326"), kw, "error"
    if corruption == "degrees_as_metres":
        if fmt == "csv":
            return write_points(fmt, base, [(x * 1e5, y * 1e5) for x, y in lonlat], names), kw, "error"
        return write_points(fmt, base, lonlat, names, crs="EPSG:3035"), kw, "error"
    if corruption == "xy_swap_3035":
        if fmt == "csv":
            return write_points(fmt, base, [(y, x) for x, y in lonlat], names), kw, "error"
        return write_points(fmt, base, [(y, x) for x, y in to_3035(lonlat)], names, crs="EPSG:3035"), kw, "error"
    if corruption in FAR:
        pts = [*lonlat[:-1], FAR[corruption]]
        return write_points(fmt, base, pts, names), kw, "error"
    if corruption == "metric_ok":  # a valid file in the region's metric CRS
        if fmt == "csv":
            return write_points(fmt, base, lonlat, names), kw, "ok"
        return write_points(fmt, base, to_3035(lonlat), names, crs="EPSG:3035"), kw, "ok"
    if corruption == "empty_file":
        p = base.with_suffix({"shpzip": ".zip"}.get(fmt, f".{fmt}"))
        p.write_bytes(b"")
        return p, kw, "error"
    if corruption in ("truncate", "garbage"):
        p = write_points(fmt, base, lonlat, names)
        data = p.read_bytes()
        p.write_bytes(data[: len(data) // 2] if corruption == "truncate" else bytes(range(256)) * 4)
        return p, kw, "either" if corruption == "truncate" else "error"
    if corruption in ("latin1", "utf16", "bom"):
        enc = {"latin1": "latin-1", "utf16": "utf-16", "bom": "utf-8-sig"}[corruption]
        if fmt in ("gpkg", "shpzip"):
            return write_points(fmt, base, lonlat, [f"café {i}" for i in range(len(lonlat))]), kw, "ok"
        p = write_points(fmt, base, lonlat, [f"café {i}" for i in range(len(lonlat))], encoding=enc)
        return p, kw, ("either" if corruption == "bom" else "error")
    if corruption in ("multipoint_many", "multipoint_one", "polygon_small", "polygon_big", "line", "collection"):
        if fmt == "csv":
            return write_points(fmt, base, lonlat, names), kw, "ok"
        geoms = [{"type": "Point", "coordinates": list(p)} for p in lonlat]
        x, y = lonlat[0]
        d = 0.0005 if corruption == "polygon_small" else 0.1
        ring = [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]
        geoms[0] = {
            "multipoint_many": {"type": "MultiPoint", "coordinates": [[x, y], [x + 0.01, y]]},
            "multipoint_one": {"type": "MultiPoint", "coordinates": [[x, y]]},
            "polygon_small": {"type": "Polygon", "coordinates": [ring]},
            "polygon_big": {"type": "Polygon", "coordinates": [ring]},
            "line": {"type": "LineString", "coordinates": [[x, y], [x + 0.01, y]]},
            "collection": {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [x, y]}]},
        }[corruption]
        ok = corruption in ("multipoint_one", "polygon_small")
        if fmt == "shpzip" and corruption in ("multipoint_many", "multipoint_one", "line", "collection"):
            # a Shapefile holds one geometry type: every row of that type
            geoms = [dict(geoms[0]) for _ in geoms] if corruption != "collection" else geoms
            if corruption == "collection":
                return write_points(fmt, base, lonlat, names), kw, "ok"
            if corruption == "multipoint_one":
                geoms = [{"type": "MultiPoint", "coordinates": [list(p)]} for p in lonlat]
        if fmt == "shpzip" and corruption.startswith("polygon"):
            geoms = [
                {
                    "type": "Polygon",
                    "coordinates": [[[a - d, b - d], [a + d, b - d], [a + d, b + d], [a - d, b + d], [a - d, b - d]]],
                }
                for a, b in lonlat
            ]
        writer = {"geojson": write_geojson, "gpkg": write_gpkg, "shpzip": write_shpzip}[fmt]
        suffix = {"geojson": ".geojson", "gpkg": ".gpkg", "shpzip": ".zip"}[fmt]
        return (
            writer(base.with_suffix(suffix), geoms, names),
            kw | {"_polygon": corruption == "polygon_small"},
            "ok" if ok else "error",
        )
    if corruption == "unclosed":
        if fmt != "geojson":
            return write_points(fmt, base, lonlat, names), kw, "ok"
        x, y = lonlat[0]
        geoms = [{"type": "Point", "coordinates": list(p)} for p in lonlat]
        geoms[0] = {"type": "Polygon", "coordinates": [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001]]]}
        return write_geojson(base.with_suffix(".geojson"), geoms, names), kw, "error"
    if corruption == "nan":
        if fmt == "csv":
            p = write_points(fmt, base, [(lonlat[0][0], ""), *lonlat[1:]], names)
            return p, kw, "error"
        geoms = [{"type": "Point", "coordinates": list(p)} for p in lonlat]
        geoms[-1] = None
        writer = {"geojson": write_geojson, "gpkg": write_gpkg, "shpzip": write_shpzip}[fmt]
        suffix = {"geojson": ".geojson", "gpkg": ".gpkg", "shpzip": ".zip"}[fmt]
        return writer(base.with_suffix(suffix), geoms, names), kw, "error"
    if corruption == "no_crs":
        if fmt == "gpkg":
            return (
                write_gpkg(
                    base.with_suffix(".gpkg"),
                    [{"type": "Point", "coordinates": list(p)} for p in lonlat],
                    names,
                    crs=None,
                ),
                kw,
                "error",
            )
        if fmt == "shpzip":
            geoms = [{"type": "Point", "coordinates": list(p)} for p in lonlat]
            return write_shpzip(base.with_suffix(".zip"), geoms, names, drop=(".prj",)), kw, "error"
        return write_points(fmt, base, lonlat, names), kw, "ok"  # GeoJSON and CSV are lon/lat by definition
    if corruption in ("no_shx", "no_dbf", "no_shp", "traversal", "symlink", "nested", "bomb"):
        geoms = [{"type": "Point", "coordinates": list(p)} for p in lonlat]
        drop = {"no_shx": (".shx",), "no_dbf": (".dbf",), "no_shp": (".shp",)}.get(corruption, ())
        extra = {
            "traversal": (("../../etc/sites.txt", b"x"),),
            "nested": (("inner.zip", b"PK\x05\x06" + b"\0" * 18),),
            "bomb": (("big.txt", b"\0" * 30_000_000),),
        }.get(corruption, ())
        p = write_shpzip(base.with_suffix(".zip"), geoms, names, drop=drop, extra=extra)
        if corruption == "symlink":
            with zipfile.ZipFile(p, "a") as zf:
                info = zipfile.ZipInfo("link.shp")
                info.external_attr = 0o120777 << 16
                zf.writestr(info, "/etc/passwd")
        return p, kw, "error"
    if corruption in ("bad_capacity", "negative_capacity", "good_capacity"):
        caps = {"bad_capacity": ["many"] * len(lonlat), "negative_capacity": [-5] * len(lonlat)}.get(corruption)
        caps = caps or [10 * (i + 1) for i in range(len(lonlat))]
        p = write_points(fmt, base, lonlat, names, caps=caps)
        return p, {"capacity_col": "beds"}, "ok" if corruption == "good_capacity" else "error"
    if corruption == "no_coordinate_columns":
        if fmt != "csv":
            return write_points(fmt, base, lonlat, names), kw, "ok"
        return write_csv(base.with_suffix(".csv"), lonlat, names, header="name,east,north"), kw, "error"
    if corruption == "no_features":
        if fmt == "csv":
            p = base.with_suffix(".csv")
            p.write_text("name,lon,lat\n", encoding="utf-8")
            return p, kw, "error"
        if fmt == "geojson":
            return write_geojson(base.with_suffix(".geojson"), [], []), kw, "error"
        return write_points(fmt, base, lonlat, names), kw, "ok"
    raise AssertionError(corruption)


CORRUPTIONS = (
    "none", "swap", "metres_as_degrees", "degrees_as_metres", "xy_swap_3035", *FAR, "metric_ok", "empty_file",
    "truncate", "garbage", "latin1", "utf16", "bom", "multipoint_many", "multipoint_one", "polygon_small",
    "polygon_big", "line", "collection", "unclosed", "nan", "no_crs", "no_shx", "no_dbf", "no_shp", "traversal",
    "symlink", "nested", "bomb", "bad_capacity", "negative_capacity", "good_capacity", "no_coordinate_columns",
    "no_features",
)  # fmt: skip
ZIP_ONLY = {"no_shx", "no_dbf", "no_shp", "traversal", "symlink", "nested", "bomb"}


def check_one(path: Path, kw: dict, expected: str, lonlat) -> str:
    """Run the loader on one input and assert the contract; return "ok" or the error's kind."""
    polygon = kw.pop("_polygon", False)
    with time_limit(TIME_LIMIT_S):
        try:
            got = load_service_file(path, category="x", crs=REGION.crs, bbox=REGION.bbox, **kw)
        except DataError as exc:
            msg = str(exc)
            assert expected != "ok", f"{path.name}: a valid file refused: {msg}"
            assert "\n" not in msg and msg.endswith("."), msg
            assert "Traceback" not in msg
            kind = kind_of(msg)
            COUNTS[kind] += 1
            return kind
    assert expected != "error", f"{path.name}: loaded without a word ({len(got)} sites)"
    truth = gpd.GeoSeries(gpd.points_from_xy(*np.asarray(lonlat, float).T), crs="EPSG:4326").to_crs(REGION.crs)
    if expected == "either":
        # a text file cut after a whole row (or a whole number) is a valid shorter file, which no loader can
        # tell from the real one: the rows read must be the first rows written, each where it was put,
        # except the row the cut went through (the known limit, stated in equimap/region/userfile.py)
        assert 0 < len(got) <= len(truth), f"{path.name}: {len(got)} sites for {len(truth)} written"
        got, truth = got.iloc[: len(got) - 1], truth.iloc[: len(got) - 1]
        COUNTS["truncated, read as a shorter file"] += 1
    else:
        assert len(got) == len(truth), f"{path.name}: {len(got)} sites for {len(truth)} written"
    dist = got.geometry.distance(truth.set_axis(got.index), align=False).to_numpy()
    assert (dist < (80.0 if polygon else 1.0)).all(), f"{path.name}: a site moved by {dist.max():.1f} m"
    if expected == "either":
        return "ok"
    if kw.get("capacity_col"):
        assert got["capacity"].tolist() == [10.0 * (i + 1) for i in range(len(lonlat))]
    COUNTS["loaded correctly"] += 1
    return "ok"


MALTA_POINTS = [(14.51, 35.90), (14.45, 35.92), (14.25, 36.04), (14.37, 35.85), (14.56, 35.82)]
SETS = [MALTA_POINTS[:1], MALTA_POINTS[:3], MALTA_POINTS]


#: every (format, corruption) pair that exists: the zip-archive corruptions apply to zipped Shapefiles only
HAND_CASES = [(f, c) for f in FORMATS for c in CORRUPTIONS if c not in ZIP_ONLY or f == "shpzip"]


@pytest.mark.parametrize("n", range(len(SETS)))
@pytest.mark.parametrize(("fmt", "corruption"), HAND_CASES)
def test_corpus__hand(fmt, corruption, n, tmp_path):
    lonlat = SETS[n]
    if corruption in FAR and len(lonlat) == 1:
        lonlat = [*lonlat, MALTA_POINTS[1]]
    path, kw, expected = build(fmt, corruption, lonlat, tmp_path)
    OUTCOMES[expected] += 1
    check_one(path, kw, expected, lonlat)


inside = st.tuples(st.floats(W + 0.02, E - 0.02), st.floats(S + 0.02, N - 0.02))


@settings(
    max_examples=900,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fmt=st.sampled_from(FORMATS),
    corruption=st.sampled_from([c for c in CORRUPTIONS if c not in ZIP_ONLY]),
    lonlat=st.lists(inside, min_size=2, max_size=8, unique=True),
    far=st.tuples(st.floats(-179.0, 179.0), st.floats(-89.0, 89.0)),
)
def test_corpus__generated(fmt, corruption, lonlat, far, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gen", numbered=True)
    if corruption in FAR:
        x, y = far
        if W - 0.2 <= x <= E + 0.2 and S - 0.2 <= y <= N + 0.2:
            x, y = x + 40.0, y  # a point near the region is a valid site: keep the far one far
        FAR["_gen"] = (x, y)
        path, kw, expected = build(fmt, "paris", lonlat, folder)  # the last site replaced by a far one
        path_far = [*lonlat[:-1], (x, y)]
        names = [f"site {i}" for i in range(len(lonlat))]
        path = write_points(fmt, folder / "far", path_far, names)
    else:
        path, kw, expected = build(fmt, corruption, lonlat, folder)
    OUTCOMES[expected] += 1
    OUTCOMES["generated"] += 1
    check_one(path, kw, expected, lonlat)


@pytest.mark.parametrize(
    "corruption", ["swap", "metres_as_degrees", "zero", "no_shx", "bomb", "utf16", "polygon_big", "unclosed"]
)
def test_corpus__cli_exit_2(corruption, malta, tmp_path, capsys):
    from equimap.cli import main

    del malta
    fmt = "shpzip" if corruption in ZIP_ONLY else "geojson"
    path, _, expected = build(fmt, corruption, MALTA_POINTS, tmp_path)
    assert expected == "error"
    code = main(["access", "--category", "pharmacy", "--services", str(path), "--out", str(tmp_path / "a.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and not (tmp_path / "a.csv").exists()
    assert err[-1].startswith("error: ") and "Traceback" not in "\n".join(err)
    COUNTS["CLI exit 2"] += 1


def test_corpus__counts(capsys):
    n = sum(v for k, v in COUNTS.items() if k not in ("CLI exit 2", "truncated, read as a shorter file"))
    with capsys.disabled():
        print(f"\ncorpus: {n} inputs; " + ", ".join(f"{k}: {v}" for k, v in COUNTS.most_common()))
    if OUTCOMES["generated"]:  # when the whole corpus ran in this session
        assert n >= 1000
        assert COUNTS["other"] == 0, "an error of a kind the corpus does not know"
