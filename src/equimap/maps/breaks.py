"""The class breaks of every map: the app's folium layers and the report's static maps both use these.

One definition, so that a cell is in the same class on screen and on paper. A value
belongs to the class whose upper bound it does not exceed (:func:`classify`): a cell
15.0 minutes away is in "10–15 min", the same side of the threshold as the residents
counted "beyond 15 min" (strictly more than 15).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

#: Travel time to the nearest service, minutes.
TIME_BREAKS_MIN: tuple[float, ...] = (5, 10, 15, 30)
#: Residents per km² of land; 300 and 1,500 are the Degree of Urbanisation's density thresholds.
DENSITY_BREAKS_KM2: tuple[float, ...] = (300, 1500, 5000, 10000)
#: Foreign-born shares, in percent.
SHARE_BREAKS_PCT: tuple[float, ...] = (5, 10, 20, 40)
#: Normalised Simpson diversity of country of birth (0 = one group, 1 = equal shares).
DIVERSITY_BREAKS: tuple[float, ...] = (0.1, 0.25, 0.4, 0.6)
#: Residents beyond the threshold per cell (cells with nobody beyond are a class of their own).
GAP_BREAKS: tuple[float, ...] = (10, 50, 200, 1000)
#: Gap of a group's share beyond the threshold against its reference group's, in points; the middle
#: class is within the smallest gap the claims call clear (`equimap.analysis.claims.MIN_GAP_PP`).
REF_GAP_BREAKS_PP: tuple[float, ...] = (-10, -1, 1, 10)


def classify(values: ArrayLike, breaks: Sequence[float]) -> np.ndarray:
    """Return the class of each value: 0 for ``v <= breaks[0]``, ``k`` for ``breaks[k-1] < v <= breaks[k]``.

    Values above the last break get ``len(breaks)``; NaN gets -1. Infinity is
    above every break.
    """
    v = np.asarray(values, dtype=float)
    b = np.asarray(breaks, dtype=float)
    if b.size and np.any(np.diff(b) <= 0):
        msg = f"`breaks` {list(breaks)} must increase strictly."
        raise ValueError(msg)
    out = np.searchsorted(b, v, side="left").astype(int)
    out[np.isnan(v)] = -1
    return out
