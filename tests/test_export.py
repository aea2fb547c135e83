"""Tests for equimap.report.formats: real files written to tmp_path and read back with real readers."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook
from pandas.testing import assert_frame_equal
from pyproj import Transformer
from shapely.geometry import Point, box

from equimap import settings
from equimap._errors import DataError
from equimap.report.formats import (
    README,
    column_kind,
    excel_sheet_names,
    to_csv,
    to_geojson,
    to_gpkg,
    to_xlsx,
    whole_counts,
)

NOTICE = "Small-count protection ON: counts of fewer than 10 people (other than 0) are hidden; 3 values hidden."


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Ħamrun", "Qormi", '=HYPERLINK("x")'],
            "T": [1200.0, 830.0, 95.0],
            "OTH": [140.0, np.nan, np.nan],
            "share_OTH": [140 / 1200, np.nan, np.nan],
            "n_services": [3, 0, 1],
        },
        index=pd.Index(["c1", "c2", "c3"], name="area_id"),
    )


@pytest.fixture
def cells() -> gpd.GeoDataFrame:
    """Three real 1 km census cells of Malta (EPSG:3035)."""
    grid = gpd.read_file(settings.BUNDLED_DATA_DIR / "malta" / "census2021_grid_1km_malta.gpkg")
    out = grid.iloc[:3][["GRD_ID", "T", "geometry"]].set_index("GRD_ID")
    out["T"] = out["T"].astype(float)
    out.iloc[0, out.columns.get_loc("T")] = np.nan
    return out


# --- CSV --------------------------------------------------------------------------------------


def test_to_csv_round_trip(table: pd.DataFrame, tmp_path) -> None:
    path = to_csv(table, tmp_path / "t.csv", notice=NOTICE)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# {NOTICE}"
    assert lines[1] == "area_id,name,T,OTH,share_OTH,n_services"
    assert lines[2].startswith("c1,Ħamrun,1200,140,0.1166")  # whole counts without ".0"
    back = pd.read_csv(path, skiprows=1, index_col="area_id")
    assert_frame_equal(back, table, check_dtype=False)


def test_column_kind_and_whole_counts() -> None:
    frame = pd.DataFrame(
        {
            "T": [3752.0, np.nan],
            "walk_health_15min_beyond_T": [12.0, 0.0],
            "walk_health_15min_share_beyond": [0.5, 1.0],
            "mean_min": [3.0, 4.0],
            "mean_diff_min_lo": [1.0, 2.0],
            "share_beyond_diff_pp": [1.0, 2.0],
            "representation_ratio": [1.0, 2.0],
            "time_half": [1.5, 2.0],
            "name": ["a", "b"],
        }
    )
    kinds = {c: column_kind(c, frame[c]) for c in frame.columns}
    assert kinds == {
        "T": "count",
        "walk_health_15min_beyond_T": "count",
        "walk_health_15min_share_beyond": "share",
        "mean_min": "minutes",
        "mean_diff_min_lo": "minutes",
        "share_beyond_diff_pp": "points",
        "representation_ratio": None,
        "time_half": None,
        "name": None,
    }
    out = whole_counts(frame)
    assert str(out["T"].dtype) == "Int64" and out["T"].tolist() == [3752, pd.NA]
    assert out["mean_min"].dtype == float  # minutes stay floats, even when whole


def test_to_csv_writes_geometry_as_wkt(cells: gpd.GeoDataFrame, tmp_path) -> None:
    back = pd.read_csv(to_csv(cells, tmp_path / "c.csv", notice=NOTICE), skiprows=1, index_col="GRD_ID")
    assert gpd.GeoSeries.from_wkt(back["geometry"], crs=cells.crs).geom_equals(cells.geometry).all()
    assert_frame_equal(back[["T"]], pd.DataFrame(cells[["T"]]))


def test_to_csv__empty(tmp_path) -> None:
    with pytest.raises(DataError, match="`table` is empty"):
        to_csv(pd.DataFrame(), tmp_path / "e.csv", notice=NOTICE)


def test_to_csv__bad_notice(table: pd.DataFrame, tmp_path) -> None:
    with pytest.raises(DataError, match="`notice` must be one line"):
        to_csv(table, tmp_path / "t.csv", notice="a\nb")
    with pytest.raises(DataError, match="`notice` must be non-empty"):
        to_csv(table, tmp_path / "t.csv", notice=" ")
    assert not (tmp_path / "t.csv").exists()


# --- Excel ------------------------------------------------------------------------------------


def test_to_xlsx_round_trip(table: pd.DataFrame, tmp_path) -> None:
    long_name = "Access by group: hospitals/clinics [2021]"
    readme = pd.DataFrame(
        {
            "sheet": ["councils", "councils", long_name],
            "column": ["T", "share_OTH", None],
            "description": ["Residents", "Share born outside the EU", "Travel times by group"],
            "unit": ["people", "share (0-1)", ""],
        }
    )
    other = pd.DataFrame({"group": ["NAT", "OTH"], "time_s": [310.5, np.nan]})
    path = to_xlsx({"councils": table, long_name: other}, tmp_path / "t.xlsx", readme=readme, notice=NOTICE)

    wb = load_workbook(path)
    # 31 characters, forbidden characters replaced, worked out by hand
    sanitized = "Access by group_ hospitals_clin"
    assert len(sanitized) == 31
    assert wb.sheetnames == [README, "councils", sanitized]
    ws = wb[README]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == NOTICE
    assert rows[2] == ("sheet", "column", "description", "unit")
    assert rows[3:] == [
        ("councils", "T", "Residents", "people"),
        ("councils", "share_OTH", "Share born outside the EU", "share (0-1)"),
        (sanitized, None, "Travel times by group", None),
    ]
    data = list(wb["councils"].iter_rows(values_only=True))
    assert data[0] == ("area_id", "name", "T", "OTH", "share_OTH", "n_services")
    expected = [
        ("c1", "Ħamrun", 1200, 140, pytest.approx(140 / 1200, rel=1e-15), 3),  # Excel keeps 15-16 digits
        ("c2", "Qormi", 830, None, None, 0),
        ("c3", '=HYPERLINK("x")', 95, None, None, 1),
    ]
    assert data[1:] == expected
    assert wb["councils"]["B4"].data_type == "s"  # text, not a formula
    assert list(wb[sanitized].iter_rows(values_only=True)) == [("group", "time_s"), ("NAT", 310.5), ("OTH", None)]
    # and pandas reads the same values back
    back = pd.read_excel(path, sheet_name="councils", index_col="area_id")
    assert_frame_equal(back, table, check_dtype=False)


def test_to_xlsx_drops_geometry(cells: gpd.GeoDataFrame, tmp_path) -> None:
    readme = pd.DataFrame({"sheet": ["cells"], "column": ["T"], "description": ["Residents"], "unit": ["people"]})
    path = to_xlsx({"cells": cells}, tmp_path / "c.xlsx", readme=readme, notice=NOTICE)
    rows = list(load_workbook(path)["cells"].iter_rows(values_only=True))
    assert rows[0] == ("GRD_ID", "T")
    assert [r[1] for r in rows[1:]] == [None, *cells["T"].iloc[1:].tolist()]


def test_excel_sheet_names() -> None:
    names = excel_sheet_names(["a/b", "A_B", "readme", "x" * 40, "x" * 40 + "y", "History", "'q'"])
    assert names == {
        "a/b": "a_b",
        "A_B": "A_B~2",
        "readme": "readme~2",
        "x" * 40: "x" * 31,
        "x" * 40 + "y": "x" * 29 + "~2",
        "History": "History~2",
        "'q'": "q",
    }


def test_to_xlsx__bad_input(table: pd.DataFrame, tmp_path) -> None:
    readme = pd.DataFrame({"sheet": ["councils", "nope"], "column": ["nope", "T"], "description": ["", ""]})
    with pytest.raises(DataError, match=r"lacks columns \['unit'\]"):
        to_xlsx({"councils": table}, tmp_path / "t.xlsx", readme=readme, notice=NOTICE)
    readme["unit"] = ""
    with pytest.raises(DataError, match=r"sheets \['nope'\].*columns \['councils.nope'\]"):
        to_xlsx({"councils": table}, tmp_path / "t.xlsx", readme=readme, notice=NOTICE)
    with pytest.raises(DataError, match="(?i)table `empty` is empty"):
        to_xlsx({"empty": pd.DataFrame()}, tmp_path / "t.xlsx", readme=readme.iloc[:0], notice=NOTICE)
    with pytest.raises(DataError, match="`tables` is empty"):
        to_xlsx({}, tmp_path / "t.xlsx", readme=readme.iloc[:0], notice=NOTICE)


# --- GeoPackage -------------------------------------------------------------------------------


def test_to_gpkg_round_trip(cells: gpd.GeoDataFrame, tmp_path) -> None:
    hospitals = gpd.GeoDataFrame(
        {"name": ["Mater Dei", "Gozo General"], "beds": [1000, 250]},
        geometry=[Point(14.478, 35.902), Point(14.247, 36.046)],
        crs="EPSG:4326",
    )
    path = tmp_path / "m.gpkg"
    path.write_text("an old file to replace")
    to_gpkg({"cells": cells, "hospitals": hospitals}, path, notice=NOTICE)

    layers = dict(pyogrio.list_layers(path))
    assert layers == {"cells": "Polygon", "hospitals": "Point", README: None}
    readme = pyogrio.read_dataframe(path, layer=README)
    assert readme.loc[0, "text"] == NOTICE
    assert readme["item"].tolist() == ["notice", "layer", "layer"]
    assert pyogrio.read_info(path, layer="cells")["layer_metadata"] == {"DESCRIPTION": NOTICE}
    assert pyogrio.read_info(path, layer="cells")["dataset_metadata"] == {"NOTICE": NOTICE}

    back = pyogrio.read_dataframe(path, layer="cells").set_index("GRD_ID")
    assert back.crs == cells.crs == "EPSG:3035"
    assert len(back) == 3
    assert_frame_equal(pd.DataFrame(back[["T"]]), pd.DataFrame(cells[["T"]]))
    assert back.geometry.geom_equals(cells.geometry).all()
    pts = pyogrio.read_dataframe(path, layer="hospitals")
    assert pts.crs == "EPSG:4326" and len(pts) == 2
    assert pts["beds"].tolist() == [1000, 250]


def test_to_gpkg__bad_layers(cells: gpd.GeoDataFrame, tmp_path) -> None:
    no_crs = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)])
    with pytest.raises(DataError, match=r"(?i)layer `x` has no CRS.*layer `e` is empty.*`README` is reserved"):
        to_gpkg({"x": no_crs, "e": cells.iloc[:0], "readme": cells}, tmp_path / "m.gpkg", notice=NOTICE)
    with pytest.raises(DataError, match="must be a GeoDataFrame"):
        to_gpkg({"t": pd.DataFrame({"a": [1]})}, tmp_path / "m.gpkg", notice=NOTICE)
    with pytest.raises(DataError, match="differ other than in upper/lower case"):
        to_gpkg({"cells": cells, "CELLS": cells}, tmp_path / "m.gpkg", notice=NOTICE)
    assert not (tmp_path / "m.gpkg").exists()


# --- GeoJSON ----------------------------------------------------------------------------------


def test_to_geojson_reprojects_to_wgs84(cells: gpd.GeoDataFrame, tmp_path) -> None:
    x, y = 4_727_500.0, 1_429_500.0
    centre = gpd.GeoDataFrame(
        {"T": [np.nan, 42.0]},
        index=pd.Index(["a", "b"], name="cell"),
        geometry=[Point(x, y), box(x - 500, y - 500, x + 500, y + 500)],
        crs="EPSG:3035",
    )
    path = to_geojson(centre, tmp_path / "c.geojson", notice=NOTICE)

    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["description"] == NOTICE
    assert doc["type"] == "FeatureCollection"
    to_wgs84 = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(x, y)
    assert 14.0 < lon < 14.6 and 35.7 < lat < 36.1  # Malta, longitude first
    assert doc["features"][0]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-7)
    assert doc["features"][0]["properties"] == {"cell": "a", "T": None}

    back = gpd.read_file(path)
    assert back.crs == "EPSG:4326"
    assert back.geometry.iloc[0].x == pytest.approx(lon, abs=1e-7)
    assert back.geometry.iloc[0].y == pytest.approx(lat, abs=1e-7)
    ring = sorted(back.geometry.iloc[1].exterior.coords[:-1])
    corners = [(x - 500, y - 500), (x + 500, y - 500), (x + 500, y + 500), (x - 500, y + 500)]
    expected = sorted(zip(*to_wgs84.transform(*zip(*corners, strict=True)), strict=True))
    assert np.array(ring) == pytest.approx(np.array(expected), abs=1e-7)
    assert back["T"].iloc[1] == 42.0 and np.isnan(back["T"].iloc[0])
    assert cells.crs == "EPSG:3035"  # input untouched


def test_to_geojson__no_crs_or_empty(tmp_path) -> None:
    with pytest.raises(DataError, match="`gdf` has no CRS"):
        to_geojson(gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)]), tmp_path / "x.geojson", notice=NOTICE)
    empty = gpd.GeoDataFrame({"a": []}, geometry=gpd.GeoSeries([], crs="EPSG:3035"))
    with pytest.raises(DataError, match="`gdf` is empty"):
        to_geojson(empty, tmp_path / "x.geojson", notice=NOTICE)


# --- the real files of a Malta bundle -----------------------------------------------------------


def test_bundle_csv_writes_whole_counts(malta_bundle, tmp_path) -> None:
    """The groups and cells CSVs, read with the csv module: counts are digits only; hidden counts are empty."""
    import csv
    import re
    import zipfile

    from equimap.report.files import write_bundle

    (path,) = write_bundle(malta_bundle, tmp_path / "b.zip", fmt="csv")
    with zipfile.ZipFile(path) as zf:
        for name, cols in (("groups.csv", ["pop", "pop_beyond"]), ("cells.csv", ["T", "NAT", "OTH"])):
            lines = zf.read(name).decode("utf-8").splitlines()[1:]
            rows = list(csv.DictReader(lines))
            values = [r[c] for r in rows for c in cols]
            assert values and all(re.fullmatch(r"\d+", v) or v == "" for v in values), name
            assert any(v == "" for v in values) or name == "groups.csv"  # hidden cells counts are empty
            if name == "groups.csv":  # minutes stay decimals
                assert all(re.fullmatch(r"\d+\.\d+", r["mean_min"]) for r in rows if r["mean_min"])


def test_bundle_xlsx_has_number_formats(malta_bundle, tmp_path) -> None:
    """The real workbook, read with openpyxl: counts are integers as #,##0, shares 0.0%, minutes 0.0."""
    from equimap.report.files import write_bundle

    (path,) = write_bundle(malta_bundle, tmp_path / "b.xlsx", fmt="xlsx")
    ws = load_workbook(path)["groups"]
    header = [c.value for c in ws[1]]
    row = list(ws[2])
    cell = {h: row[i] for i, h in enumerate(header)}
    assert isinstance(cell["pop"].value, int) and cell["pop"].number_format == "#,##0"
    assert isinstance(cell["pop_beyond"].value, int) and cell["pop_beyond"].number_format == "#,##0"
    assert cell["share_beyond"].number_format == "0.0%" and 0 <= cell["share_beyond"].value <= 1
    assert cell["mean_min"].number_format == "0.0"
    assert cell["dimension"].number_format == "General"


def test_french_xlsx_has_french_labels(malta_bundle, tmp_path) -> None:
    """Group and class names of the French workbook are the French catalogue's; column names stay the same."""
    from equimap.i18n import t
    from equimap.report.files import write_bundle
    from equimap.report.labels import group_label

    (path,) = write_bundle(malta_bundle, tmp_path / "fr.xlsx", fmt="xlsx", lang="fr")
    wb = load_workbook(path, read_only=True)
    groups = list(wb["groups"].iter_rows(values_only=True))
    head = groups[0]
    labels = {r[head.index("group")]: r[head.index("label")] for r in groups[1:]}
    assert labels["OTH"] == group_label(malta_bundle, "OTH", "fr") != group_label(malta_bundle, "OTH", "en")
    cells = list(wb["cells"].iter_rows(values_only=True))
    h = cells[0]
    pairs = {(r[h.index("degurba_l2")], r[h.index("degurba_l2_label")]) for r in cells[1:]}
    assert pairs and all(name == t(f"degurba.l2.{code}", "fr") for code, name in pairs)
    councils = list(wb["councils"].iter_rows(values_only=True))
    h = councils[0]
    code, label = h.index("degurba_l1"), h.index("degurba_l1_label")
    names = {r[label] for r in councils[1:] if len(r) > max(code, label) and r[code] is not None}
    assert names <= {"Ville", "Petite ville ou zone semi-dense", "Zone rurale"} and names
    english = load_workbook(write_bundle(malta_bundle, tmp_path / "en.xlsx", fmt="xlsx")[0], read_only=True)
    assert next(english["groups"].iter_rows(values_only=True)) == head  # the same column names
