"""Where outreach teams should go first: peri-urban and rural places ranked by residents beyond a travel time.

Places
    Census cells (``level="cell"``) or local councils (``level="council"``)
    whose Degree of Urbanisation level-2 class is one of `classes`. By default
    these are suburban or peri-urban (code 21), rural cluster / village (13),
    low density rural / dispersed rural area (12) and very low density rural /
    mostly uninhabited area (11). A cell takes its grid class
    (`equimap.analysis.classes.grid_classes`); a council takes its unit class
    (`equimap.analysis.classes.unit_classes`, which uses the same codes).
Unserved residents
    Residents whose nearest service is more than `threshold_s` away, and
    residents who cannot reach any service (``time_nearest_s`` is inf).
Excess time
    How far beyond the threshold an unserved resident is, in minutes, capped
    at ``OutreachWeights.max_excess_min`` (60 by default). An unreachable
    resident counts at the cap, as far away as the farthest reachable ones, so
    that no score is infinite. A place's ``mean_excess_min`` is the mean over
    its unserved residents, weighted by residents.
Score
    ``score = unserved ** unserved_exp * (group_share + epsilon) ** group_exp
    * mean_excess_min ** excess_exp``, where ``unserved`` is the number of
    unserved residents of the place and ``group_share`` the share of the
    chosen group among them. With the default weights (all exponents 1,
    epsilon 0.05) the score is the unserved residents' total excess minutes,
    counting the chosen group's residents in full and everyone else at 5%.
    With no group chosen, the middle factor is 1: the score is the total
    excess minutes of all unserved residents. Rank 1 is the highest score;
    ties go to the place with more unserved residents, then to the smaller id.
    Places with no unserved residents are never ranked.

Counts are residents; they are fractional because each census cell's residents
are spread over the street-network nodes where people live. Exports
(`equimap.report.outreach_file`) round them to whole residents and must be protected
against small counts before they are written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap._validate import _div, _fail, _time_problems
from equimap.analysis.classes import grid_classes, unit_classes
from equimap.analysis.places import origin_places
from equimap.indicators.degurba import L2_LABELS, DegurbaParams
from equimap.network.prepare import Prepared
from equimap.region.census import unknown_column
from equimap.region.manifest import MAIN_BOUNDARY
from equimap.settings import Mode

log = logging.getLogger(__name__)

#: Level-2 codes ranked by default: suburban/peri-urban, rural cluster (village), low and very low density rural.
OUTREACH_CLASSES: tuple[int, ...] = (21, 13, 12, 11)
Level = Literal["cell", "council"]


@dataclass(frozen=True)
class OutreachWeights:
    """Weights of the outreach score (see the module docstring for the formula).

    Attributes
    ----------
    unserved_exp
        Exponent of the number of unserved residents (default 1). Below 1, a
        small hamlet far away can outrank a large suburb; 0 ignores size.
    group_exp
        Exponent of the chosen group's share among the unserved, plus
        `epsilon` (default 1). 0 ignores the group; used only when a group is
        chosen.
    excess_exp
        Exponent of the mean excess minutes (default 1); 0 ranks by people
        only, 2 favours the most remote places.
    epsilon
        Added to the group share so that a place where the group has no
        unserved member still ranks (default 0.05, i.e. other residents count
        at 5% of the group's residents); must be above 0.
    max_excess_min
        Cap on each resident's excess minutes, also the excess of an
        unreachable resident (default 60).
    """

    unserved_exp: float = 1.0
    group_exp: float = 1.0
    excess_exp: float = 1.0
    epsilon: float = 0.05
    max_excess_min: float = 60.0

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            v = getattr(self, f.name)
            if not (isinstance(v, int | float) and np.isfinite(v) and v >= 0):
                problems.append(f"`{f.name}` is {v!r} but must be a finite number >= 0")
        for name in ("epsilon", "max_excess_min"):
            v = getattr(self, name)
            if isinstance(v, int | float) and v == 0:
                problems.append(f"`{name}` is 0 but must be above 0")
        if problems:
            msg = "OutreachWeights: " + "; ".join(problems) + "."
            raise DataError(msg)


def outreach_score(
    unserved: np.ndarray | pd.Series,
    mean_excess_min: np.ndarray | pd.Series,
    group_share: np.ndarray | pd.Series | None,
    *,
    weights: OutreachWeights,
) -> np.ndarray:
    """Return the outreach score of places from their unserved residents, mean excess and group share.

    ``unserved ** unserved_exp * (group_share + epsilon) ** group_exp *
    mean_excess_min ** excess_exp``; the middle factor is 1 when
    `group_share` is None (no group chosen).
    """
    u = np.asarray(unserved, dtype=float)
    e = np.asarray(mean_excess_min, dtype=float)
    g = 1.0 if group_share is None else (np.asarray(group_share, dtype=float) + weights.epsilon) ** weights.group_exp
    return u**weights.unserved_exp * g * e**weights.excess_exp


def outreach_targets(
    prep: Prepared,
    *,
    mode: Mode,
    category: str,
    threshold_s: float,
    level: Level = "cell",
    group: str | None = None,
    weights: OutreachWeights = OutreachWeights(),  # noqa: B008 - frozen, so a shared default is safe
    classes: Sequence[int] = OUTREACH_CLASSES,
    dimension: str | None = None,
    units_key: str = MAIN_BOUNDARY,
    params: DegurbaParams = DegurbaParams(),  # noqa: B008 - frozen, so a shared default is safe
    services: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Rank peri-urban and rural places by their residents beyond a travel time to the nearest service.

    Cells aggregate the origins of their census cell. Councils aggregate the
    origins whose point (``x``, ``y``) lies in the council's polygon (an
    origin on a shared border goes to the council with the smaller
    ``unit_id``). Origins outside every council are not in any place: their
    number, residents and unserved residents are logged and kept in
    ``attrs`` (``n_origins_outside``, ``pop_outside``, ``beyond_outside``)
    so that the totals still add up. A council's class comes from its
    residents' cells (`equimap.indicators.degurba.classify_units`); its counts come
    from the origins inside it.

    Parameters
    ----------
    prep
        A prepared region whose population layer is a grid.
    mode, category
        Travel mode and service key (theme, category or official list).
    threshold_s
        Time beyond which residents are unserved (seconds, > 0).
    level
        ``"cell"`` (census cells) or ``"council"`` (the `units_key` boundary layer).
    group
        A group column of `dimension` (e.g. ``"OTH"``, born outside the EU)
        whose share among the unserved enters the score; None for no group.
    weights
        Exponents, epsilon and excess cap of the score.
    classes
        Level-2 codes of the places to rank.
    dimension
        Group dimension whose counts are reported; None for the region's first (none for
        a total-only region, whose places carry the total alone).
    units_key
        Boundary layer used for ``level="council"``.
    params
        Thresholds of the Degree of Urbanisation.
    services
        Services to use instead of the region's list for `category`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per ranked place, by rank; index ``cell_id`` or ``unit_id``;
        polygons in the region CRS. Columns: ``rank`` (1 = first), ``name``
        (councils only), ``degurba_l2``, ``degurba_l2_label``; residents of
        the place: the total column (e.g. ``T``), each group of `dimension`
        and its unknown column (e.g. ``UNKNOWN_BIRTH``); unserved residents:
        ``beyond_<col>`` for each of these; ``pop_unreachable``;
        ``share_beyond`` (unserved / residents); ``beyond_share_<group>``
        (share of each group among the unserved); ``mean_excess_min``;
        ``score``. ``attrs`` records the options and ``pop_total``,
        ``beyond_total`` (whole region), ``n_places_in_classes``,
        ``pop_in_classes``, ``beyond_in_classes`` and the outside counts.
    """
    region = prep.region
    dimension = region.dimension_or_default(dimension)
    dim = region.group(dimension) if dimension is not None else None
    total = region.total_col
    groups = [*dim.columns, unknown_column(dim.key)] if dim is not None else []
    counts = [total, *groups]
    _check_options(
        threshold_s=threshold_s, level=level, group=group, dim_columns=list(dim.columns) if dim else [], classes=classes
    )
    time_s = prep.access(mode, category, services=services)["time_nearest_s"]
    per = _per_origin(prep.origins, time_s, counts=counts, threshold_s=threshold_s, weights=weights)
    grid = grid_classes(prep.population, region=region, params=params)
    if level == "cell":
        places = grid[["degurba_l2", "degurba_l2_label", "geometry"]]
        key = prep.origins["cell_id"].to_numpy()
        outside = np.zeros(len(per), dtype=bool)
    else:
        units = unit_classes(region, grid, units_key=units_key)
        places = units[["name", "degurba_l2", "degurba_l2_label", "geometry"]]
        pos = _unit_of_points(prep.origins["x"].to_numpy(float), prep.origins["y"].to_numpy(float), units)
        outside = pos < 0
        key = units.index.to_numpy()[np.where(outside, 0, pos)]
    sums = per[~outside].groupby(key[~outside], sort=True).sum()
    table = _place_table(sums, counts=counts, groups=groups)
    table = places.join(table, how="inner")
    chosen = table[table["degurba_l2"].isin(list(classes))]
    ranked = chosen[chosen[f"beyond_{total}"] > 0].copy()
    ranked["score"] = outreach_score(
        ranked[f"beyond_{total}"],
        ranked["mean_excess_min"],
        None if group is None else ranked[f"beyond_share_{group}"],
        weights=weights,
    )
    ranked = _rank(ranked, unserved=f"beyond_{total}")
    ranked = ranked[[c for c in ranked.columns if c != "geometry"] + ["geometry"]]
    out = gpd.GeoDataFrame(ranked, geometry="geometry", crs=places.crs)
    out.attrs = {
        "level": level,
        "mode": mode,
        "category": category,
        "threshold_s": float(threshold_s),
        "dimension": dimension,
        "group": group,
        "classes": [int(c) for c in classes],
        "weights": asdict(weights),
        "total_col": total,
        "pop_total": float(per[total].sum()),
        "beyond_total": float(per[f"beyond_{total}"].sum()),
        "n_places_in_classes": len(chosen),
        "pop_in_classes": float(chosen[total].sum()),
        "beyond_in_classes": float(chosen[f"beyond_{total}"].sum()),
        "n_origins_outside": int(outside.sum()),
        "pop_outside": float(per.loc[outside, total].sum()),
        "beyond_outside": float(per.loc[outside, f"beyond_{total}"].sum()),
    }
    if outside.any():
        log.info(
            "%d origins (%.0f residents, %.0f unserved) lie outside every unit of `%s`",
            out.attrs["n_origins_outside"],
            out.attrs["pop_outside"],
            out.attrs["beyond_outside"],
            units_key,
        )
    return out


def _check_options(
    *, threshold_s: float, level: str, group: str | None, dim_columns: list[str], classes: Sequence[int]
) -> None:
    problems = []
    if not (isinstance(threshold_s, int | float) and np.isfinite(threshold_s) and threshold_s > 0):
        problems.append(f"`threshold_s` is {threshold_s!r} but must be a number of seconds above 0")
    if level not in ("cell", "council"):
        problems.append(f'`level` is {level!r}; use "cell" or "council"')
    if group is not None and group not in dim_columns:
        problems.append(f"`group` is {group!r}; choose one of {dim_columns} or None")
    bad = [c for c in classes if c not in L2_LABELS]
    if bad or len(classes) == 0:
        problems.append(f"`classes` {list(classes)} must be level-2 codes among {list(L2_LABELS)}")
    _fail(problems)


def _per_origin(
    origins: pd.DataFrame, time_s: pd.Series, *, counts: list[str], threshold_s: float, weights: OutreachWeights
) -> pd.DataFrame:
    """Return per origin: residents, unserved residents, unreachable residents and resident-weighted excess minutes."""
    _fail(_time_problems(time_s, origins.index, name="time_nearest_s"))
    t = time_s.to_numpy(float)
    beyond = ~(t <= threshold_s)
    reachable = np.isfinite(t)
    excess_min = np.minimum((t - threshold_s) / 60.0, weights.max_excess_min)  # inf (unreachable) -> the cap
    total = origins[counts[0]].to_numpy(float)
    frame = {c: origins[c].to_numpy(float) for c in counts}
    for c in counts:
        frame[f"beyond_{c}"] = np.where(beyond, frame[c], 0.0)
    frame["pop_unreachable"] = np.where(reachable, 0.0, total)
    frame["_excess_pop_min"] = np.where(beyond, excess_min * total, 0.0)
    return pd.DataFrame(frame, index=origins.index)


def _unit_of_points(x: np.ndarray, y: np.ndarray, units: gpd.GeoDataFrame) -> np.ndarray:
    """Return the position in `units` of the polygon holding each point, -1 if none.

    The one border rule of :func:`equimap.analysis.places.origin_places` (the first polygon touched).
    """
    where = origin_places(pd.DataFrame({"x": x, "y": y}), units.reset_index(drop=True))
    return where.fillna(-1).to_numpy().astype(np.intp)


def _place_table(sums: pd.DataFrame, *, counts: list[str], groups: list[str]) -> pd.DataFrame:
    """Return residents, unserved residents, shares and mean excess minutes per place from summed origin figures."""
    total = counts[0]
    out = sums[counts + [f"beyond_{c}" for c in counts] + ["pop_unreachable"]].copy()
    beyond_total = sums[f"beyond_{total}"].to_numpy()
    out["share_beyond"] = _div(beyond_total, sums[total].to_numpy())
    for g in groups:
        out[f"beyond_share_{g}"] = _div(sums[f"beyond_{g}"].to_numpy(), beyond_total)
    out["mean_excess_min"] = _div(sums["_excess_pop_min"].to_numpy(), beyond_total)
    return out


def _rank(table: pd.DataFrame, *, unserved: str) -> pd.DataFrame:
    """Return `table` sorted by score (high first), then unserved residents (high first), then id; with ``rank``."""
    ids = table.index.to_numpy()
    order = np.lexsort((ids, -table[unserved].to_numpy(float), -table["score"].to_numpy(float)))
    out = table.iloc[order].copy()
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    return out
