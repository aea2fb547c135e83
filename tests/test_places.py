"""Per-place figures (cells, councils) against hand-worked values, and on the real Malta region."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from equimap._errors import DataError
from equimap.analysis.places import cell_figures, council_figures, diverse_underserved, origin_places, place_figures
from equimap.indicators.groups import cell_summary
from equimap.region.boundaries import load_boundaries

COUNTS = ["T", "NAT", "EU_OTH", "OTH"]


@pytest.fixture
def tiny() -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Two 1 km cells A and B (A half land), four origins (one outside both), and their access."""
    places = gpd.GeoDataFrame(
        {"land_share": [0.5, np.nan]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        index=pd.Index(["A", "B"], name="cell_id"),
        crs="EPSG:3035",
    )
    origins = pd.DataFrame(
        {
            "x": [100.0, 900.0, 1500.0, 5000.0],
            "y": [100.0, 900.0, 500.0, 500.0],
            "T": [10.0, 10.0, 4.0, 3.0],
            "NAT": [6.0, 10.0, 2.0, 3.0],
            "EU_OTH": [2.0, 0.0, 1.0, 0.0],
            "OTH": [2.0, 0.0, 1.0, 0.0],
        },
        index=pd.RangeIndex(4, name="origin"),
    )
    access = pd.DataFrame(
        {
            "time_nearest_s": [120.0, 600.0, np.inf, 60.0],
            "time_mean3_s": [180.0, 660.0, np.inf, 90.0],
            "n_within_5min": [1.0, 0.0, 0.0, 1.0],
            "n_within_10min": [2.0, 1.0, 0.0, 1.0],
        },
        index=origins.index,
    )
    return places, origins, access


def test_origin_places__inside_outside_and_border() -> None:
    places = gpd.GeoDataFrame(
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], index=pd.Index([7, 3], name="unit_id"), crs="EPSG:3035"
    )
    origins = pd.DataFrame({"x": [5.0, 15.0, 10.0, 50.0], "y": [5.0, 5.0, 5.0, 5.0]}, index=[10, 11, 12, 13])
    out = origin_places(origins, places)
    # 12 lies on the shared border: it goes to the first place in order (7); 13 is outside both.
    pd.testing.assert_series_equal(
        out, pd.Series([7.0, 3.0, 7.0, np.nan], index=origins.index, name="unit_id"), check_dtype=False
    )


def test_place_figures__by_hand(tiny) -> None:
    places, origins, access = tiny
    out = place_figures(
        origins,
        access,
        places,
        place_of=origin_places(origins, places),
        count_columns=COUNTS,
        threshold_s=300.0,
        land_share_col="land_share",
        diversity_groups=["NAT", "EU_OTH", "OTH"],
    )
    # A: origins 0 and 1 (10 residents each, 2 and 10 min, mean of 3: 3 and 11 min); only origin 1 is beyond 5 min.
    # B: origin 2, unreachable (4 residents, all beyond). Origin 3 is outside every place and left out.
    simpson_a = (1 - (0.8**2 + 0.1**2 + 0.1**2)) / (2 / 3)
    simpson_b = (1 - (0.5**2 + 0.25**2 + 0.25**2)) / (2 / 3)
    expected = pd.DataFrame(
        {
            "T": [20.0, 4.0],
            "NAT": [16.0, 2.0],
            "EU_OTH": [2.0, 1.0],
            "OTH": [2.0, 1.0],
            "time_nearest_min": [6.0, np.nan],
            "time_mean3_min": [7.0, np.nan],
            "n_within_5min": [0.5, 0.0],
            "n_within_10min": [1.5, 0.0],
            "beyond_T": [10.0, 4.0],
            "beyond_NAT": [10.0, 2.0],
            "beyond_EU_OTH": [0.0, 1.0],
            "beyond_OTH": [0.0, 1.0],
            "share_beyond": [0.5, 1.0],
            "area_km2": [1.0, 1.0],
            "density_km2": [40.0, 4.0],  # 20 residents on 0.5 km² of land; B has no land share: its whole km²
            "eu_share": [0.1, 0.25],
            "non_eu_share": [0.1, 0.25],
            "foreign_share": [0.2, 0.5],
            "simpson": [simpson_a, simpson_b],
        },
        index=pd.Index(["A", "B"], name="cell_id"),
    )
    pd.testing.assert_frame_equal(pd.DataFrame(out.drop(columns="geometry")), expected, check_exact=False, rtol=1e-12)
    assert out.crs == places.crs
    assert out.geometry.equals(places.geometry)


def test_place_figures__misaligned_and_unprojected__one_error(tiny) -> None:
    places, origins, access = tiny
    with pytest.raises(DataError, match=r"`place_of` is not indexed.*`access` is not indexed.*projected"):
        place_figures(
            origins,
            access.iloc[:3],
            places.to_crs(4326),
            place_of=pd.Series(["A"], index=[0]),
            count_columns=COUNTS,
            threshold_s=300.0,
        )


def test_diverse_underserved__by_hand(tiny) -> None:
    places, origins, access = tiny
    figures = place_figures(
        origins,
        access,
        places,
        place_of=origin_places(origins, places),
        count_columns=COUNTS,
        threshold_s=300.0,
        diversity_groups=["NAT", "EU_OTH", "OTH"],
    )
    out = diverse_underserved(figures, n=2)
    # Weighted medians (A has 20 of the 24 residents): diversity break = A's 0.51, time break = A's 6 min;
    # B (0.9375, unreachable -> longest) is above both: the diverse and underserved one.
    expected = pd.DataFrame(
        {
            "diversity_class": pd.array([1, 2], dtype="Int64"),
            "access_class": pd.array([1, 2], dtype="Int64"),
            "diverse_underserved": [False, True],
        },
        index=figures.index,
    )
    pd.testing.assert_frame_equal(out, expected)


def test_diverse_underserved__needs_simpson(tiny) -> None:
    places, origins, access = tiny
    figures = place_figures(
        origins, access, places, place_of=origin_places(origins, places), count_columns=COUNTS, threshold_s=300.0
    )
    with pytest.raises(DataError, match="no column \\['simpson'\\]"):
        diverse_underserved(figures)


@pytest.mark.malta
def test_cell_figures__malta_matches_cell_summary(malta) -> None:
    acc = malta.access("drive", "hospital")
    cells = cell_figures(malta, acc, threshold_s=900.0)
    ref = cell_summary(malta.origins, acc, count_columns=malta.count_columns, threshold_s=900.0)
    pd.testing.assert_frame_equal(pd.DataFrame(cells[ref.columns]), ref)
    assert cells["T"].sum() == pytest.approx(malta.origins["T"].sum())
    pop = malta.population.loc[cells.index]
    # density per km² of land, computed here from the census layer's own area and land share
    land_km2 = pop.geometry.area / 1e6 * pop["land_share"].where(pop["land_share"] > 0, 1.0)
    np.testing.assert_allclose(cells["density_km2"], cells["T"] / land_km2, rtol=1e-12)


@pytest.mark.malta
def test_council_figures__malta_totals_add_up(malta) -> None:
    acc = malta.access("walk", "pharmacy")
    councils = council_figures(malta, acc, threshold_s=900.0)
    assert councils.index.name == "unit_id"
    assert councils["name"].notna().all()
    inside = origin_places(malta.origins, load_boundaries(malta.region, "councils")).notna()
    assert councils["T"].sum() == pytest.approx(malta.origins.loc[inside, "T"].sum())
    beyond = ~(acc["time_nearest_s"] <= 900.0)
    assert councils["beyond_T"].sum() == pytest.approx(malta.origins.loc[inside & beyond, "T"].sum())
