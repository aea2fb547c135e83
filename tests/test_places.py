"""Figures per place and cumulative reach curves, against hand values and direct sums over origins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from geo._errors import DataError
from geo.groups import reach_curve
from geo.places import cell_figures, unit_figures


def test_reach_curve__by_hand() -> None:
    origins = pd.DataFrame({"A": [10.0, 20.0, 10.0, 0.0], "B": [0.0, 5.0, 5.0, 10.0]})
    time_s = pd.Series([60.0, 300.0, np.inf, 120.0])
    got = reach_curve(origins, time_s, groups={"A": "a", "B": "b"}, minutes=[0, 1, 2, 5, 10])
    # A: 10 of 40 at 1 min, 30 of 40 at 5 min, 10 never; B: 10 of 20 at 2 min, 15 of 20 at 5 min
    expected = pd.DataFrame(
        {"a": [0.0, 0.25, 0.25, 0.75, 0.75], "b": [0.0, 0.0, 0.5, 0.75, 0.75]},
        index=pd.Index([0.0, 1.0, 2.0, 5.0, 10.0], name="minute"),
    )
    assert_frame_equal(got, expected)
    with pytest.raises(DataError, match="`minutes` must be a non-empty increasing"):
        reach_curve(origins, time_s, groups={"A": "a"}, minutes=[5, 1])


@pytest.mark.malta
def test_cell_figures__malta_against_direct_sums(malta) -> None:
    got = cell_figures(malta, mode="walk", category="health", threshold_s=900.0)
    o = malta.origins
    t = malta.access("walk", "health")["time_nearest_s"]
    cell = got.index[np.argmax(got["T"].to_numpy())]
    mine = o["cell_id"] == cell
    w = o.loc[mine, "T"].to_numpy()
    assert got.loc[cell, "T"] == pytest.approx(w.sum())
    assert got.loc[cell, "time_nearest_min"] == pytest.approx((w * t[mine]).sum() / w.sum() / 60)
    assert got.loc[cell, "beyond_OTH"] == pytest.approx(o.loc[mine & (t > 900), "OTH"].sum())
    n, e, x = (got.loc[cell, c] for c in ("NAT", "EU_OTH", "OTH"))
    s = n + e + x
    assert got.loc[cell, "simpson"] == pytest.approx(1 - (n / s) ** 2 - (e / s) ** 2 - (x / s) ** 2)
    assert got.loc[cell, "foreign_share"] == pytest.approx((e + x) / s)
    land = malta.population.loc[cell, "land_share"]
    assert got.loc[cell, "density_km2"] == pytest.approx(got.loc[cell, "T"] / land)  # 1 km² cells
    assert got["T"].sum() == pytest.approx(519_562)
    assert got.crs == malta.population.crs and set(got["degurba_l2"]) <= {30, 23, 22, 21, 13, 12, 11, 10}
    flagged = got[got["diverse_underserved"].astype(bool)]
    assert (flagged["diversity_class"] == 3).all() and (flagged["access_class"] == 3).all()


@pytest.mark.malta
def test_unit_figures__councils_add_up_to_their_origins(malta) -> None:
    got = unit_figures(malta, mode="drive", category="hospital", threshold_s=1200.0)
    assert len(got) == 67 and got["name"].notna().all()
    inside = got["T"].sum()
    assert 500_000 < inside <= 519_562
    assert (got["beyond_T"] <= got["T"] + 1e-9).all()
    assert (got[["NAT", "EU_OTH", "OTH", "UNKNOWN_BIRTH"]].sum(axis=1) - got["T"]).abs().max() < 1e-6
