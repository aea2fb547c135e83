"""Residents on the street network: spread each census cell's residents over the nodes where people live.

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

from equimap import settings
from equimap._errors import DataError
from equimap.network.graph import Network

log = logging.getLogger(__name__)


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
    out.attrs["coverage"] = coverage_summary(population, orphans, out, total_col=count_columns[0])
    if len(orphans):
        log.info(
            "%d cells had no street inside; %d of them could not be placed on the network",
            len(orphans),
            int((~has).sum()),
        )
    return out


def coverage_summary(
    population: pd.DataFrame, orphans: list[int], origins: pd.DataFrame, *, total_col: str
) -> dict[str, float]:
    """Return who lives outside the network's coverage: in cells with no street node of the extract inside.

    Keys: ``cells`` (populated cells), ``cells_no_street`` and ``residents_no_street``
    (outside the coverage; they are placed at the nearest node on their land within
    the snapping limit when there is one), ``cells_not_placed`` and ``residents_not_placed``
    (of those, the ones with no node within reach: counted as unreachable), ``residents``
    (all), ``share_no_street`` (0..1).
    """
    pop = population[total_col].to_numpy(float)
    no_street = float(pop[orphans].sum()) if len(orphans) else 0.0
    unplaced = origins["node"].to_numpy() < 0
    total = float(pop.sum())
    return {
        "cells": int((pop > 0).sum()),
        "cells_no_street": int((pop[orphans] > 0).sum()) if len(orphans) else 0,
        "residents_no_street": no_street,
        "cells_not_placed": int(origins.loc[unplaced, "cell_id"].nunique()),
        "residents_not_placed": float(origins.loc[unplaced, total_col].sum()),
        "residents": total,
        "share_no_street": no_street / total if total > 0 else 0.0,
    }


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
