"""An isochrone: where one can get from a point within N minutes by a mode, and who lives there.

The point joins the mode's network by the region's snapping rule
(`equimap.network.prepare.Prepared.routing_inputs`, the rule every access time
uses), one bounded search runs from it outward
(`equimap.network.isochrone.reach_times`), and:

* the area drawn is `equimap.network.isochrone.reach_area` (grid squares around the
  reached streets, see there);
* the residents within are the origins whose time *from the point* is within
  the threshold, their walk between their home and their node included
  (`Prepared.origin_nodes`, or their edge position under edge snapping),
  summed by population column and protected against small counts with the rule
  of every table on screen (`equimap.protect.suppression.suppress_counts`).

What the protection does not do: it protects the one area asked for. A reader
who asks for two overlapping areas can subtract their counts; the counts are
those of the protected rule for a single table, as the app's other tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap.network.isochrone import REACH_CELL_M, reach_area, reach_times
from equimap.network.prepare import Prepared
from equimap.protect.suppression import DEFAULT_THRESHOLD, suppress_counts
from equimap.region.census import unknown_column


@dataclass(frozen=True)
class Isochrone:
    """The area reachable from a point and its residents.

    Attributes
    ----------
    area
        One row (columns ``mode``, ``threshold_min``), the area's polygon in the region CRS.
    residents
        One row per population column (index: the column, e.g. ``T``, ``NAT``; column
        ``pop``), protected: a hidden count is NaN.
    origin_time_s
        Each origin's time from the point (s), ``inf`` beyond the threshold; indexed like
        `Prepared.origins`.
    connector_s
        The walk from the point to the network (s).
    """

    area: gpd.GeoDataFrame
    residents: pd.DataFrame
    origin_time_s: pd.Series
    connector_s: float


def isochrone(
    prepared: Prepared,
    point: gpd.GeoSeries,
    *,
    mode: str,
    threshold_min: float,
    cell_m: float = REACH_CELL_M,
    suppress_below: int = DEFAULT_THRESHOLD,
) -> Isochrone:
    """Return the area reachable from `point` within `threshold_min` by `mode`, and its residents by group.

    Parameters
    ----------
    prepared
        The prepared region.
    point
        One point, in any CRS (projected to the region's here).
    mode
        ``"walk"``, ``"bike"`` or ``"drive"``.
    threshold_min
        The time limit (minutes).
    cell_m
        Side of the grid squares of the drawn area (`equimap.network.isochrone.reach_area`).
    suppress_below
        Small-count threshold of the residents table (0 turns protection off).

    Raises
    ------
    DataError
        When the point has no CRS, is not one point, or is too far from the network.
    """
    if point.crs is None:
        msg = "The isochrone's point has no CRS; give it one (e.g. EPSG:4326 for longitude and latitude)."
        raise DataError(msg)
    if len(point) != 1 or point.geom_type.iloc[0] != "Point":
        msg = f"An isochrone starts from one point; got {len(point)} geometries."
        raise DataError(msg)
    if mode not in prepared.networks:
        msg = f"Unknown travel mode `{mode}`; choose one of {list(prepared.networks)}."
        raise DataError(msg)
    pts = gpd.GeoDataFrame(geometry=point.to_crs(prepared.region.crs).reset_index(drop=True))
    net, o_node, o_t, s_node, s_t = prepared.routing_inputs(mode, pts)
    cutoff_s = float(threshold_min) * 60.0
    if s_node[0] < 0:
        msg = (
            f"The point is more than {prepared.travel.max_snap_m:g} m from the {mode} network; "
            "click nearer to a street."
        )
        raise DataError(msg)
    times = reach_times(net, int(s_node[0]), cutoff_s=cutoff_s, start_s=float(s_t[0]))
    o_time = np.full(len(o_node), np.inf)
    on = o_node >= 0
    o_time[on] = times[o_node[on]] + o_t[on]
    o_time[o_time > cutoff_s] = np.inf
    area = gpd.GeoDataFrame(
        {"mode": [mode], "threshold_min": [threshold_min]},
        geometry=[reach_area(net, times, cutoff_s=cutoff_s, cell_m=cell_m)],
        crs=prepared.region.crs,
    )
    residents = residents_within(prepared, o_time <= cutoff_s, suppress_below=suppress_below)
    return Isochrone(
        area=area,
        residents=residents,
        origin_time_s=pd.Series(o_time, index=prepared.origins.index, name="time_s"),
        connector_s=float(s_t[0]),
    )


def residents_within(
    prepared: Prepared, inside: np.ndarray, *, suppress_below: int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """Return the residents of the origins marked `inside`, by population column, protected.

    Each dimension's groups (with its ``UNKNOWN_*`` column) add up to the total, so
    the one-row table is protected with those additive sets: a count below
    `suppress_below` is hidden with whatever would give it away.
    """
    region = prepared.region
    cols = prepared.count_columns
    sums = prepared.origins.loc[np.asarray(inside, bool), cols].sum(axis=0)
    row = pd.DataFrame([sums.to_numpy(float)], columns=cols)
    known = set(cols)
    groups = {g.key: [c for c in [*g.columns, unknown_column(g.key)] if c in known] for g in region.groups}
    protected = suppress_counts(row, count_groups=groups, total_col=region.total_col, threshold=suppress_below).table
    return pd.DataFrame({"pop": protected.iloc[0].to_numpy(float)}, index=pd.Index(cols, name="column"))
