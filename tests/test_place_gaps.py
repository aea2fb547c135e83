"""The gap of a group against its reference group per place: by hand, then on Malta's councils with pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from equimap.analysis.place_gaps import place_gaps
from equimap.analysis.question import Question
from equimap.api import Analysis
from equimap.maps.breaks import REF_GAP_BREAKS_PP, classify


def test_place_gaps__by_hand() -> None:
    places = pd.DataFrame(
        {
            "OTH": [40.0, 12.0, np.nan, 50.0, 20.0],
            "NAT": [200.0, 300.0, 100.0, 9.0, 0.0],
            "beyond_OTH": [10.0, 0.0, np.nan, 5.0, 20.0],
            "beyond_NAT": [20.0, 30.0, 10.0, 0.0, 0.0],
        },
        index=["a", "b", "c", "d", "e"],
    )
    out = place_gaps(places, group="OTH", reference="NAT", min_count=10)
    # a: 10/40 = 25 % against 20/200 = 10 %: +15 points; b: 0 % against 10 %: -10 points
    assert out.loc["a", "gap_pp"] == pytest.approx(15.0)
    assert out.loc["b", "gap_pp"] == pytest.approx(-10.0)
    assert out.loc["a", "share_group"] == pytest.approx(0.25) and out.loc["a", "share_reference"] == pytest.approx(0.1)
    # c: the group's count is hidden; d: 9 of the reference group (small); e: no reference resident
    assert out.loc[["c", "d", "e"]].isna().all().all()
    assert list(out.index) == list(places.index)


def test_place_gaps__protection_off_still_needs_residents() -> None:
    places = pd.DataFrame({"g": [3.0, 0.0], "r": [4.0, 5.0], "beyond_g": [3.0, 0.0], "beyond_r": [1.0, 1.0]})
    out = place_gaps(places, group="g", reference="r", min_count=0)
    assert out["gap_pp"].iloc[0] == pytest.approx(100 * (1 - 0.25))
    assert np.isnan(out["gap_pp"].iloc[1])


def test_reference_gap_classes() -> None:
    assert classify([-20, -10, -5, -1, 0, 1, 5, 10, 20, np.nan], REF_GAP_BREAKS_PP).tolist() == [
        0, 0, 1, 1, 2, 2, 3, 3, 4, -1,
    ]  # fmt: skip


@pytest.mark.malta
def test_council_gaps_on_malta_equal_pandas(malta) -> None:
    a = Analysis(malta, Question("walk", "pharmacy", 15.0))
    councils = a.councils()  # protected: a hidden count is NaN
    out = a.council_gaps("OTH")
    assert a.council_gaps("T") is None and a.council_gaps("NAT") is None  # all residents, the reference itself
    ok = (councils["OTH"] >= 10) & (councils["NAT"] >= 10)
    ok &= councils["beyond_OTH"].notna() & councils["beyond_NAT"].notna()
    expected = (100 * (councils["beyond_OTH"] / councils["OTH"] - councils["beyond_NAT"] / councils["NAT"])).where(ok)
    assert_series_equal(out["gap_pp"], expected, check_names=False)
    assert out["gap_pp"].notna().sum() > 40  # most councils are shown
    assert list(out["name"]) == list(councils["name"])
    # by hand for Il-Mellieħa (council 0)
    r = councils.loc["0"]
    assert out.loc["0", "gap_pp"] == pytest.approx(100 * (r["beyond_OTH"] / r["OTH"] - r["beyond_NAT"] / r["NAT"]))
    # age: the reference group of the dimension is used
    ref = malta.region.group("age").reference
    out65 = a.council_gaps("Y_GE65")
    row = councils.loc["0"]
    want = 100 * (row["beyond_Y_GE65"] / row["Y_GE65"] - row[f"beyond_{ref}"] / row[ref])
    assert out65.loc["0", "gap_pp"] == pytest.approx(want)


@pytest.mark.malta
def test_map_of_a_group_has_its_gap_layer_with_the_group_names(malta) -> None:
    from equimap.region.boundaries import load_boundaries
    from ui.mapview import MapData, build_map

    a = Analysis(malta, Question("walk", "pharmacy", 15.0))
    opts = {"lang": "en", "mode": "walk", "category": "pharmacy", "threshold_min": 15, "dimension": "birth"}

    def html(group: str) -> str:
        data = MapData(
            cells=a.cells(),
            councils=a.councils(),
            units=load_boundaries(malta.region, "councils"),
            services=malta.services_for("pharmacy"),
            land=None,
            council_gaps=a.council_gaps(group),
        )
        return build_map(malta, data, group=group, **opts).get_root().render()

    out = html("OTH")
    assert "Gap against Born in Malta: Born outside the EU, by council" in out
    assert "Share of Born outside the EU beyond 15 min on foot, minus that of Born in Malta" in out
    assert "not a tested gap" in out  # no label stronger than the numbers
    assert "Gap against" not in html("T")
