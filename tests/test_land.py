"""Cells clipped to land: one function for the app's map and the report's maps, checked on a hand case."""

from __future__ import annotations

import geopandas as gpd
import pytest
from geopandas.testing import assert_geoseries_equal
from shapely.geometry import box

from equimap.region.land import clip_to_land

CRS = "EPSG:3035"


def _cells() -> gpd.GeoSeries:
    # three 1 km squares side by side: on land, half on land, at sea
    return gpd.GeoSeries([box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(5000, 0, 6000, 1000)],
                         index=["a", "b", "c"], crs=CRS)  # fmt: skip


def test_clip_to_land__hand_case() -> None:
    land = gpd.GeoSeries([box(-500, -500, 1500, 1500)], crs=CRS)  # covers a, half of b, not c
    got = clip_to_land(_cells(), land)
    assert list(got.index) == ["a", "b", "c"] and got.crs == CRS
    assert got.area.tolist() == pytest.approx([1e6, 0.5e6, 1e6])
    assert got.loc["b"].equals(box(1000, 0, 1500, 1000))
    assert got.loc["c"].equals(box(5000, 0, 6000, 1000))  # no land at all: the square stays, never lost


def test_clip_to_land__no_land_layer_keeps_the_squares() -> None:
    cells = _cells()
    got = clip_to_land(cells, None)
    assert_geoseries_equal(got, cells)
    assert got is not cells  # a copy: the shared input is never changed


def test_clip_to_land__crs_mismatch_names_both() -> None:
    land = gpd.GeoSeries([box(14, 35, 15, 36)], crs="EPSG:4326")
    with pytest.raises(ValueError, match=r"EPSG:3035.*EPSG:4326"):
        clip_to_land(_cells(), land)


def test_clip_to_land__malta_coast(malta) -> None:
    """On Malta: coastal squares lose their sea, and what is left lies on land."""
    from equimap.network.prepare import land_layer

    land = land_layer(malta.region)
    clipped = clip_to_land(malta.population.geometry, land)
    assert (clipped.area <= malta.population.area + 1e-6).all()
    coast = clipped.area < malta.population.area - 1.0
    assert coast.sum() > 20  # Malta's coast cuts many squares
    union = land.union_all()
    outside = clipped[coast].difference(union).area
    assert (outside < 1.0).all()  # what is drawn of a coastal square is on land
