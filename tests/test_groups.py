"""Group and cell statistics on tiny tables worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equimap._errors import DataError
from equimap.indicators.groups import cell_summary, group_summary


@pytest.fixture
def tiny():
    # three origins in two cells; times 5, 20 min and unreachable
    origins = pd.DataFrame(
        {"cell_id": ["a", "a", "b"], "T": [10.0, 30.0, 2.0], "NAT": [8.0, 10.0, 2.0], "OTH": [2.0, 20.0, 0.0]},
        index=pd.RangeIndex(3, name="origin"),
    )
    time_s = pd.Series([300.0, 1200.0, np.inf], index=origins.index)
    return origins, time_s


def test_group_summary__by_hand(tiny):
    origins, time_s = tiny
    out = group_summary(origins, time_s, groups={"NAT": "Born here", "OTH": "Born outside the EU"}, threshold_s=900)
    # NAT: 8 at 5 min, 10 at 20 min, 2 unreachable. Mean over reachable = (8*5 + 10*20)/18 min.
    nat = out.loc["NAT"]
    assert nat["pop"] == 20
    assert nat["mean_min"] == pytest.approx((8 * 5 + 10 * 20) / 18)
    # reachable residents sorted by time: 8 at 5 min, 10 at 20 min (18 in all); half = 9 -> 20 min
    assert nat["median_min"] == 20
    assert nat["p90_min"] == 20
    # 9 reachable at 5 min and 1 at 20 min: the median is 5 min (the 2 unreachable do not push it up)
    assert nat["pop_beyond"] == 12 and nat["share_beyond"] == pytest.approx(0.6)
    assert nat["pop_unreachable"] == 2
    skew = origins.assign(NAT=[9.0, 1.0, 2.0])
    assert group_summary(skew, time_s, groups={"NAT": ""}, threshold_s=900).loc["NAT", "median_min"] == 5
    oth = out.loc["OTH"]
    assert oth["mean_min"] == pytest.approx((2 * 5 + 20 * 20) / 22)
    assert oth["median_min"] == 20 and oth["pop_beyond"] == 20 and oth["pop_unreachable"] == 0
    assert list(out["label"]) == ["Born here", "Born outside the EU"]


def test_group_summary__empty_group_is_nan(tiny):
    origins, time_s = tiny
    origins = origins.assign(EU=0.0)
    out = group_summary(origins, time_s, groups={"EU": "EU"}, threshold_s=900)
    assert out.loc["EU", "pop"] == 0 and np.isnan(out.loc["EU", "mean_min"]) and np.isnan(out.loc["EU", "share_beyond"])


def test_group_summary__misaligned_or_missing(tiny):
    origins, time_s = tiny
    with pytest.raises(DataError, match="not in the origins table"):
        group_summary(origins, time_s, groups={"XX": "?"}, threshold_s=900)
    with pytest.raises(DataError, match="not indexed like `origins`"):
        group_summary(origins, time_s.reset_index(drop=True).iloc[::-1], groups={"NAT": "?"}, threshold_s=900)


def test_cell_summary__by_hand(tiny):
    origins, time_s = tiny
    access = pd.DataFrame(
        {"time_nearest_s": time_s, "time_mean3_s": time_s * 2, "n_within_15min": [1, 0, 0]}, index=origins.index
    )
    out = cell_summary(origins, access, count_columns=["T", "NAT", "OTH"], threshold_s=900)
    expected = pd.DataFrame(
        {
            "T": [40.0, 2.0],
            "NAT": [18.0, 2.0],
            "OTH": [22.0, 0.0],
            "time_nearest_min": [(10 * 5 + 30 * 20) / 40, np.nan],
            "time_mean3_min": [(10 * 10 + 30 * 40) / 40, np.nan],
            "n_within_15min": [10 / 40, 0.0],
            "beyond_T": [30.0, 2.0],
            "beyond_NAT": [10.0, 2.0],
            "beyond_OTH": [20.0, 0.0],
            "share_beyond": [0.75, 1.0],
        },
        index=pd.Index(["a", "b"], name="cell_id"),
    )
    pd.testing.assert_frame_equal(out, expected)
