"""The isochrone of the Map page: which click to draw from, and the table of its residents (no streamlit here).

streamlit-folium reports a click on the bare map as ``last_clicked`` and a
click on a drawn place (a cell, a council) as ``last_object_clicked``; either
may be the newest. The component keeps sending its last values, and after the
map is drawn anew (another threshold) it starts again from none, so a click
is new only when one of the two values differs from the ones already seen.
A click at the very point already drawn draws nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from equimap.i18n import fmt_num, t
from equimap.region.manifest import Region
from ui.labels import group_label

#: What the map sends back in isochrone mode (nothing in the other mode: a click there opens a popup only).
CLICK_OBJECTS: tuple[str, ...] = ("last_clicked", "last_object_clicked")
#: Decimals of the clicked longitude and latitude (about 0.1 m): the cache key of an isochrone.
POINT_DIGITS = 6

Seen = tuple[Any, Any]
Point = tuple[float, float]


def _lonlat(value: Any) -> Point | None:
    if not isinstance(value, Mapping):
        return None
    try:
        lon, lat = float(value["lng"]), float(value["lat"])
    except (KeyError, TypeError, ValueError):
        return None
    return round(lon, POINT_DIGITS), round(lat, POINT_DIGITS)


def new_click(returned: Mapping[str, Any] | None, seen: Seen) -> tuple[Point | None, Seen]:
    """Return the (lon, lat) of a click not seen before (or None) and the values now seen.

    Parameters
    ----------
    returned
        The last value of the map component (``st_folium``), or None before any.
    seen
        The ``(last_clicked, last_object_clicked)`` pair already handled.
    """
    now = tuple((returned or {}).get(k) for k in CLICK_OBJECTS)
    if now == tuple(seen):
        return None, seen
    for value, before in zip(now, seen, strict=True):
        if value != before:
            point = _lonlat(value)
            if point is not None:
                return point, now
    return None, now


def residents_rows(residents: pd.DataFrame, region: Region, *, dimension: str, lang: str) -> list[tuple[str, str]]:
    """Return (group, residents) rows of an isochrone's protected residents: everyone, then each group of `dimension`.

    `residents` is `equimap.analysis.isochrone.Isochrone.residents` (a hidden count is NaN,
    shown as "hidden"); a group the table lacks is left out.
    """
    pop = residents["pop"]
    cols = [region.total_col, *region.group(dimension).columns]
    rows = []
    for col in cols:
        if col not in pop.index:
            continue
        value = pop.loc[col]
        text = t("map.isochrone_hidden", lang) if pd.isna(value) else fmt_num(float(value), lang)
        rows.append((group_label(region, col, lang), text))
    return rows
