"""A region's own area layers (census grid, zones, boundaries, study area) get the checks of a user's file.

Each bad layer gets one sentence naming the manifest key to fix; Malta's own layers read as before.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from equimap._errors import DataError
from equimap.region.userfile import read_region_layer


def _write(tmp_path, gdf: gpd.GeoDataFrame, name: str = "layer.gpkg"):
    path = tmp_path / name
    gdf.to_file(path, driver="GPKG")
    return path


def test_polygons_read_as_they_are(tmp_path):
    cells = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=3035)
    out = read_region_layer(_write(tmp_path, cells), key="population.path")
    assert list(out["id"]) == ["a", "b"] and out.crs.to_epsg() == 3035
    assert out.geometry.area.tolist() == [1_000_000.0, 1_000_000.0]


def test_points_as_boundaries_are_refused_naming_the_key(tmp_path):
    pts = gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(4_700_000, 1_450_000)], crs=3035)
    with pytest.raises(DataError) as exc:
        read_region_layer(_write(tmp_path, pts), key="boundaries.councils")
    text = str(exc.value)
    assert text.startswith("The region manifest's `boundaries.councils`:") and "Points" in text
    assert "must hold polygons" in text and "\n" not in text


def test_degrees_labelled_as_metres_are_refused_naming_the_key(tmp_path):
    cells = gpd.GeoDataFrame({"id": ["a"]}, geometry=[box(14.4, 35.8, 14.5, 35.9)], crs=3035)
    with pytest.raises(DataError, match=r"^The region manifest's `population.path`: .*look like degrees"):
        read_region_layer(_write(tmp_path, cells), key="population.path")


def test_empty_layer_is_refused_naming_the_key(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(DataError, match=r"^The region manifest's `area.path`: "):
        read_region_layer(path, key="area.path")
