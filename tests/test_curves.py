"""Cumulative share of each group reached by minute, against hand-worked answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from equimap._errors import DataError
from equimap.indicators.curves import reached_by_minute
from equimap.indicators.groups import group_summary


@pytest.fixture
def tiny() -> tuple[pd.DataFrame, pd.Series]:
    """Four origins: A has 2, 1, 0, 1 residents and B 0, 3, 1, 0, at 1, 3, unreachable and 5 minutes."""
    origins = pd.DataFrame(
        {"A": [2.0, 1.0, 0.0, 1.0], "B": [0.0, 3.0, 1.0, 0.0], "C": [0.0, 0.0, 0.0, 0.0]},
        index=pd.RangeIndex(4, name="origin"),
    )
    time_s = pd.Series([60.0, 180.0, np.inf, 300.0], index=origins.index)
    return origins, time_s


def test_reached_by_minute__by_hand(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    out = reached_by_minute(origins, time_s, groups={"A": "a", "B": "b", "C": "c"}, max_min=5)
    # A (4 residents): 2 reached at 1 min, 3 at 3 min, 4 at 5 min. B (4): 3 at 3 min; 1 never (unreachable).
    expected = pd.DataFrame(
        {
            "A": [0.0, 0.5, 0.5, 0.75, 0.75, 1.0],
            "B": [0.0, 0.0, 0.0, 0.75, 0.75, 0.75],
            "C": [np.nan] * 6,
        },
        index=pd.Index([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], name="minute"),
    )
    pd.testing.assert_frame_equal(out, expected)
    assert out.attrs["labels"] == {"A": "a", "B": "b", "C": "c"}


def test_reached_by_minute__time_equal_to_the_minute_counts_as_reached(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    out = reached_by_minute(origins, time_s, groups={"A": "a"}, max_min=3, step_min=1.5)
    assert out.index.tolist() == [0.0, 1.5, 3.0]
    assert out["A"].tolist() == [0.0, 0.5, 0.75]


def test_reached_by_minute__does_not_change_inputs(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    before_o, before_t = origins.copy(), time_s.copy()
    reached_by_minute(origins, time_s, groups={"A": "a"})
    pd.testing.assert_frame_equal(origins, before_o)
    pd.testing.assert_series_equal(time_s, before_t)


def test_reached_by_minute__bad_input__one_error(tiny: tuple[pd.DataFrame, pd.Series]) -> None:
    origins, time_s = tiny
    with pytest.raises(DataError, match=r"no column `Z`.*`max_min` is -1"):
        reached_by_minute(origins, time_s, groups={"Z": "z"}, max_min=-1)
    with pytest.raises(DataError, match="not indexed like `origins`"):
        reached_by_minute(origins, time_s.iloc[:3], groups={"A": "a"})
    with pytest.raises(DataError, match="`groups` is empty"):
        reached_by_minute(origins, time_s, groups={})


@pytest.mark.malta
def test_reached_by_minute__malta_matches_group_summary_at_the_threshold(malta) -> None:
    dim = malta.region.group("birth")
    time_s = malta.access("walk", "pharmacy")["time_nearest_s"]
    curves = reached_by_minute(malta.origins, time_s, groups=dim.columns, max_min=30)
    summary = group_summary(malta.origins, time_s, groups=dim.columns, threshold_s=15 * 60)
    np.testing.assert_allclose(curves.loc[15.0].to_numpy(), 1 - summary["share_beyond"].to_numpy(), rtol=1e-12)
    assert (curves.diff().iloc[1:] >= -1e-15).all().all()  # never decreases
