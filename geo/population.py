"""Residents: read the population grid or zones, and place residents on the street network.

Each populated cell's residents are spread over the network nodes where people
live inside it (nodes in residential land use or near buildings, never the
sea), so that every group's total is kept exactly.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo import settings
from geo._errors import DataError
from geo._validate import read_vector, require_columns, require_counts
from geo.network import Network
from geo.region import Region

log = logging.getLogger(__name__)


def unknown_column(dimension: str) -> str:
    """Return the name of the column holding a dimension's residents of unknown group."""
    return f"UNKNOWN_{dimension.upper()}"


def population_columns(region: Region) -> list[str]:
    """Return the count columns every origin table carries: total, groups, and unknown per dimension."""
    return [region.total_col, *region.group_columns, *[unknown_column(g.key) for g in region.groups]]


def load_population(region: Region) -> gpd.GeoDataFrame:
    """Read and check a region's population layer, projected to the region's CRS.

    Values flagged confidential (a ``<col><suffix>`` column equal to 1) that
    were written as 0 are unknown, not zero: they become NaN. For each group
    dimension, residents whose group is unknown go to ``UNKNOWN_<DIM>`` so that
    the groups of every dimension still add up to the total.

    Returns
    -------
    GeoDataFrame
        Index: the population id column (e.g. ``GRD_ID``), renamed ``cell_id``.
        Columns: the total, every group column and ``UNKNOWN_<DIM>`` (float),
        ``land_share`` (1 where the layer gives none), ``geometry``.
    """
    src = region.population_path
    gdf = read_vector(src, layer=region.population_layer)
    where = src.name
    needed = [region.id_col, region.total_col, *region.group_columns]
    if region.land_share_col:
        needed.append(region.land_share_col)
    require_columns(gdf, needed, where=where)
    if gdf.crs.is_geographic and region.population_kind == "grid":
        msg = f"`{where}` is in a geographic CRS ({gdf.crs.to_string()}); a grid must be in a metric CRS such as EPSG:3035."
        raise DataError(msg)
    if gdf[region.id_col].duplicated().any():
        dup = gdf.loc[gdf[region.id_col].duplicated(), region.id_col].iloc[0]
        msg = f"`{where}`: id `{region.id_col}` repeats (e.g. {dup!r}); each cell or zone needs a unique id."
        raise DataError(msg)
    counts = require_counts(gdf, [region.total_col, *region.group_columns], where=where)
    counts = _apply_confidential(gdf, counts, region)
    total = counts[region.total_col]
    if total.isna().any():
        msg = f"`{where}`: column `{region.total_col}` has missing totals; every cell needs its number of residents."
        raise DataError(msg)
    for dim in region.groups:
        known = counts[list(dim.columns)].sum(axis=1, min_count=1).fillna(0.0)
        over = known > total + 1e-9
        if over.any():
            cell = gdf.loc[over, region.id_col].iloc[0]
            msg = f"`{where}`: in cell {cell!r} the `{dim.key}` groups {list(dim.columns)} add up to more than `{region.total_col}`; fix the counts."
            raise DataError(msg)
        counts[unknown_column(dim.key)] = total - known
    counts = counts.fillna(0.0)
    land = pd.Series(1.0, index=gdf.index)
    if region.land_share_col:
        land = pd.to_numeric(gdf[region.land_share_col], errors="coerce").clip(0, 1).fillna(1.0)
    out = gpd.GeoDataFrame(counts, geometry=gdf.geometry, crs=gdf.crs)
    out["land_share"] = land
    out.index = pd.Index(gdf[region.id_col].astype(str), name="cell_id")
    return out.to_crs(region.crs)


def _apply_confidential(gdf: pd.DataFrame, counts: pd.DataFrame, region: Region) -> pd.DataFrame:
    """Set to NaN every value flagged confidential and written as 0 (unknown, not zero)."""
    sfx = region.confidential_suffix
    if not sfx:
        return counts
    counts = counts.copy()
    for c in counts.columns:
        flag_col = f"{c}{sfx}"
        if flag_col in gdf.columns:
            flagged = pd.to_numeric(gdf[flag_col], errors="coerce").fillna(0).to_numpy() == 1
            hidden = flagged & (counts[c].to_numpy() == 0)
            if hidden.any():
                log.info("%s: %d values of `%s` are confidential and unknown", region.key, int(hidden.sum()), c)
                counts.loc[hidden, c] = np.nan
    return counts


def home_nodes(net: Network, homes_xy: np.ndarray, residential: gpd.GeoSeries, *, buffer_m: float) -> np.ndarray:
    """Return a bool per node: True where people live (in residential land use, or near a building)."""
    near = np.zeros(net.n_nodes, dtype=bool)
    if len(homes_xy):
        tree = cKDTree(homes_xy)
        near = np.isfinite(tree.query(np.column_stack([net.x, net.y]), distance_upper_bound=buffer_m)[0])
    if len(residential):
        pts = shapely.points(net.x, net.y)
        idx = shapely.STRtree(residential.to_numpy()).query(pts, predicate="within")
        near[np.unique(idx[0])] = True
    return near


def place_residents(
    population: gpd.GeoDataFrame,
    net: Network,
    *,
    count_columns: list[str],
    is_home: np.ndarray | None = None,
    land: gpd.GeoSeries | None = None,
    min_component_nodes: int = settings.MIN_COMPONENT_NODES,
    max_snap_m: float = settings.MAX_SNAP_M,
) -> pd.DataFrame:
    """Spread each cell's residents over the network nodes where people live inside it.

    Within a cell, residents go to nodes of large components (at least
    `min_component_nodes`), and among those to nodes marked in `is_home`, in
    equal shares. A cell with no node inside gets one origin at the nearest
    large-component node on the same land mass (when `land` is given) within
    `max_snap_m`; otherwise its origin has ``node = -1`` and is reported as
    unreachable, never dropped.

    Parameters
    ----------
    population
        Index ``cell_id``; the `count_columns`; polygons in `net.crs`.
    net
        The network whose nodes receive residents (the walking network).
    count_columns
        Columns to spread; their totals are kept exactly.
    is_home
        Bool per node of `net` (see `home_nodes`); all nodes count when None.
    land
        Land-mass polygons (islands) in `net.crs`, to keep residents on their own island.

    Returns
    -------
    DataFrame
        Index ``origin`` (0..n-1); columns ``cell_id``, ``node``, ``x``, ``y``, ``snap_m``
        and the `count_columns` (float residents).
    """
    if str(population.crs) != str(net.crs) and not population.crs.equals(net.crs):
        msg = f"Population layer CRS {population.crs.to_string()} differs from the network CRS {net.crs}; project it first."
        raise DataError(msg)
    is_home = np.ones(net.n_nodes, dtype=bool) if is_home is None else is_home
    big = net.component_size >= min_component_nodes
    pts = shapely.points(net.x, net.y)
    cells = population.geometry.to_numpy()
    node_i, cell_i = shapely.STRtree(pts).query(cells, predicate="contains")[[1, 0]]
    # a node on the shared edge of two cells belongs to the first
    first = ~pd.Series(node_i).duplicated().to_numpy()
    node_i, cell_i = node_i[first], cell_i[first]
    pieces = []
    orphans = []
    for ci, (nodes, _) in _group(node_i, cell_i, len(cells)):
        if len(nodes) == 0:
            orphans.append(ci)
            continue
        cand = nodes[big[nodes]] if big[nodes].any() else nodes
        homes = cand[is_home[cand]]
        chosen = homes if len(homes) else cand
        pieces.append(
            (np.full(len(chosen), ci), chosen, np.full(len(chosen), 1.0 / len(chosen)), np.zeros(len(chosen)))
        )
    for ci in orphans:
        node, dist = _snap_orphan(cells[ci], net, big, land, max_snap_m)
        pieces.append((np.array([ci]), np.array([node]), np.array([1.0]), np.array([dist])))
    ci = np.concatenate([p[0] for p in pieces]).astype(np.int64)
    nodes = np.concatenate([p[1] for p in pieces]).astype(np.int64)
    share = np.concatenate([p[2] for p in pieces])
    snap = np.concatenate([p[3] for p in pieces])
    order = np.lexsort((nodes, ci))
    ci, nodes, share, snap = ci[order], nodes[order], share[order], snap[order]
    counts = population[count_columns].to_numpy(float)[ci] * share[:, None]
    has = nodes >= 0
    cent = shapely.centroid(cells[ci])
    x = np.where(has, net.x[np.maximum(nodes, 0)], shapely.get_x(cent))
    y = np.where(has, net.y[np.maximum(nodes, 0)], shapely.get_y(cent))
    out = pd.DataFrame({"cell_id": population.index.to_numpy()[ci], "node": nodes, "x": x, "y": y, "snap_m": snap})
    out[count_columns] = counts
    out.index.name = "origin"
    if len(orphans):
        log.info(
            "%d cells had no street inside; %d of them could not be placed on the network",
            len(orphans),
            int((~has).sum()),
        )
    return out


def _group(node_i: np.ndarray, cell_i: np.ndarray, n_cells: int):
    order = np.argsort(cell_i, kind="stable")
    node_i, cell_i = node_i[order], cell_i[order]
    bounds = np.searchsorted(cell_i, np.arange(n_cells + 1))
    for c in range(n_cells):
        yield c, (node_i[bounds[c] : bounds[c + 1]], None)


def _snap_orphan(
    cell: shapely.Geometry, net: Network, big: np.ndarray, land: gpd.GeoSeries | None, max_snap_m: float
) -> tuple[int, float]:
    """Return (node, distance) for a cell with no node inside, or (-1, inf) if none is on its land within reach."""
    anchor = cell
    cand = np.flatnonzero(big) if big.any() else np.arange(net.n_nodes)
    if land is not None and len(land):
        hits = land[land.intersects(cell)]
        if len(hits) == 0:
            return -1, float("inf")
        mass = hits.geometry.iloc[int(np.argmax(hits.intersection(cell).area.to_numpy()))]
        anchor = cell.intersection(mass)
        on = shapely.contains_xy(mass, net.x[cand], net.y[cand])
        cand = cand[on]
    if len(cand) == 0:
        return -1, float("inf")
    d = shapely.distance(anchor, shapely.points(net.x[cand], net.y[cand]))
    j = int(np.argmin(d))
    if d[j] > max_snap_m:
        return -1, float("inf")
    return int(cand[j]), float(d[j])
