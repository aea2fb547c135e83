"""Classes and colours of the map layers: break points a person can read, colours that print.

Every classifier returns integer codes (0 = lowest class) with -1 for a missing
value, so the colour, the legend and a test all read the same code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

#: Upper bounds of the travel-time classes (minutes): 0–5, 5–10, 10–15, 15–30, 30+.
TIME_BREAKS_MIN: tuple[float, ...] = (5, 10, 15, 30)
#: Green (quick) to red (slow), then grey for residents with no service reachable.
TIME_COLOURS: tuple[str, ...] = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
UNREACHABLE_COLOUR = "#555555"
MISSING_COLOUR = "#cccccc"

#: Residents per km² (DEGURBA's 300 and 1,500 thresholds among them).
DENSITY_BREAKS: tuple[float, ...] = (300, 1500, 5000, 10000)
SHARE_BREAKS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4)
#: Gini–Simpson diversity over the country-of-birth groups (0 = one group only).
DIVERSITY_BREAKS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4)
#: Residents beyond the threshold in a cell.
GAP_BREAKS: tuple[float, ...] = (10, 100, 500, 1000)
SEQUENTIAL: tuple[str, ...] = ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d")
GAP_COLOURS: tuple[str, ...] = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")

#: GHS-SMOD level-2 colours used by GHSL, by class code.
DEGURBA_COLOURS: dict[int, str] = {
    30: "#ff0000",
    23: "#bb0000",
    22: "#ffaa00",
    21: "#ffff00",
    13: "#375623",
    12: "#abcd66",
    11: "#cdf57a",
    10: "#7ab6f5",
}

#: Bivariate 3×3 palette, diversity class (rows, 1..3) × access class (columns, 1 = quick .. 3 = slow).
BIVARIATE_COLOURS: dict[tuple[int, int], str] = {
    (1, 1): "#e8e8e8", (1, 2): "#e4acac", (1, 3): "#c85a5a",
    (2, 1): "#b0d5df", (2, 2): "#ad9ea5", (2, 3): "#985356",
    (3, 1): "#64acbe", (3, 2): "#627f8c", (3, 3): "#574249",
}  # fmt: skip


def classify(values: ArrayLike, breaks: Sequence[float]) -> np.ndarray:
    """Return the class code of each value: 0 below ``breaks[0]``, ``len(breaks)`` from the last break; -1 if NaN.

    A value equal to a break belongs to the class above it (``5`` min is in 5–10),
    except that ``np.inf`` gets the top class like any large value.
    """
    v = np.asarray(values, dtype=float)
    codes = np.digitize(v, np.asarray(breaks, dtype=float), right=False)
    return np.where(np.isnan(v), -1, codes)


def class_labels(breaks: Sequence[float], *, unit: str, start: float | None = None, fmt: str = "{:g}") -> list[str]:
    """Return readable labels of the classes made by `breaks`: ``0–5 min``, …, ``30+ min``.

    The first class reads ``< 5 min``, or ``0–5 min`` when `start` is given.
    """
    b = [fmt.format(x) for x in breaks]
    first = f"< {b[0]}" if start is None else f"{fmt.format(start)}–{b[0]}"
    labels = [f"{first} {unit}".strip()]
    labels += [f"{lo}–{hi} {unit}".strip() for lo, hi in zip(b[:-1], b[1:], strict=True)]
    labels.append(f"{b[-1]}+ {unit}".strip())
    return labels


def colour_of(codes: np.ndarray, colours: Sequence[str], *, missing: str = MISSING_COLOUR) -> list[str]:
    """Return the colour of each class code (-1: `missing`)."""
    return [colours[c] if c >= 0 else missing for c in np.asarray(codes, dtype=int)]
