"""Candidates and demand of new-site planning (see :mod:`equimap.scenario.optimise`).

Candidate sites (one per populated cell, or a file), the demand points (origins merged
by node, walk and cell) and the residents' weights by group.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap.network.prepare import Prepared
from equimap.region.services import load_service_file
from equimap.settings import Mode


def candidate_sites(prep: Prepared) -> gpd.GeoDataFrame:
    """Return one candidate per populated cell: the residents' node nearest to their weighted centre.

    Returns
    -------
    GeoDataFrame
        Columns ``candidate_id`` (``cell/<cell_id>``), ``cell_id``, ``name``; points (the
        node's position) in the region CRS; cells whose residents are off the network have none.
    """
    o = prep.origins
    total = prep.region.total_col
    o = o[(o["node"] >= 0) & (o[total] > 0)]
    w = o[total].to_numpy(float)
    df = pd.DataFrame({"cell_id": o["cell_id"].to_numpy(), "x": o["x"].to_numpy(), "y": o["y"].to_numpy(), "w": w})
    df["wx"], df["wy"] = df["x"] * df["w"], df["y"] * df["w"]
    centre = df.groupby("cell_id", sort=True)[["wx", "wy", "w"]].sum()
    cx = df["cell_id"].map(centre["wx"] / centre["w"]).to_numpy()
    cy = df["cell_id"].map(centre["wy"] / centre["w"]).to_numpy()
    df["d2"] = (df["x"] - cx) ** 2 + (df["y"] - cy) ** 2
    best = df.sort_values(["cell_id", "d2"], kind="stable").drop_duplicates("cell_id")
    return gpd.GeoDataFrame(
        {
            "candidate_id": [f"cell/{c}" for c in best["cell_id"]],
            "cell_id": best["cell_id"].to_numpy(),
            "name": [f"Cell {c}" for c in best["cell_id"]],
        },
        geometry=gpd.points_from_xy(best["x"], best["y"]),
        crs=prep.region.crs,
    ).reset_index(drop=True)


def candidates_from_file(prep: Prepared, path: Path, *, mode: Mode, name_col: str | None = None) -> gpd.GeoDataFrame:
    """Read candidate locations (GeoJSON, GeoPackage, zipped Shapefile, CSV with lon/lat) and check they are usable.

    Raises
    ------
    DataError
        When the file cannot be read, or some points lie outside the region's extent
        or further than the snapping distance from its `mode` network (in the sea).
    """
    path = Path(path)
    svc = load_service_file(path, category="candidate", name_col=name_col, crs=prep.region.crs)
    if svc.empty:
        msg = f"`{path.name}`: the candidate file holds no point; add at least one site."
        raise DataError(msg)
    lonlat = svc.geometry.to_crs("EPSG:4326")
    outside = np.zeros(len(svc), dtype=bool)
    if prep.region.bbox is not None:
        w, s, e, n = prep.region.bbox
        outside = ~((lonlat.x >= w) & (lonlat.x <= e) & (lonlat.y >= s) & (lonlat.y <= n)).to_numpy()
    node, _ = prep.snap(mode, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
    bad = np.flatnonzero(outside | (node < 0))
    if len(bad):
        rows = ", ".join(str(i + 1) for i in bad[:5]) + (" ..." if len(bad) > 5 else "")
        msg = (
            f"`{path.name}`: {len(bad)} of {len(svc)} candidate sites lie outside {prep.region.name} or further than "
            f"{prep.travel.max_snap_m:g} m from its {mode} network (rows {rows}); move or remove them."
        )
        raise DataError(msg)
    out = svc[["name", "geometry"]].copy()
    out.insert(0, "candidate_id", [f"file/{i + 1}" for i in range(len(svc))])
    out.insert(1, "cell_id", None)
    return out.reset_index(drop=True)


def demand_points(
    prep: Prepared,
    *,
    mode: Mode,
    current_s: np.ndarray,
    origin_node: np.ndarray | None = None,
    origin_time_s: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return the origins merged into demand points: same node of `mode`, same walk to it, same cell.

    Parameters
    ----------
    current_s
        Each origin's current time to the nearest site (aligned with `prep.origins`).
    origin_node, origin_time_s
        Each origin's node and connector time on the network searched (from
        `Prepared.routing_inputs`); `Prepared.origin_nodes` of `mode` when None.

    Returns
    -------
    DataFrame
        Columns ``node``, ``time_s`` (walk to the node), ``current_s``, ``cell_id`` and the
        count columns summed; origins off the network (node -1) are left out.
    """
    node, t = prep.origin_nodes(mode) if origin_node is None else (origin_node, origin_time_s)
    counts = prep.count_columns
    df = prep.origins[["cell_id", *counts]].copy()
    df["node"], df["time_s"], df["current_s"] = node, t, np.asarray(current_s, float)
    df = df[df["node"] >= 0]
    agg = dict.fromkeys(counts, "sum") | {"current_s": "first"}
    return df.groupby(["node", "time_s", "cell_id"], sort=True).agg(agg).reset_index()


def resident_weights(
    demand: pd.DataFrame,
    *,
    total_col: str,
    group_cols: Sequence[str],
    weights: Mapping[str, float] | None = None,
    only_group: str | None = None,
) -> np.ndarray:
    """Return each demand point's weight: ``T + sum((w_g - 1) * n_g)``, or ``n_g`` of `only_group`.

    Raises
    ------
    DataError
        For a group that is not a population column of the region, or a negative or non-finite weight.
    """
    weights = dict(weights or {})
    names = [*weights, *([only_group] if only_group else [])]
    unknown = [g for g in names if g not in group_cols]
    if unknown:
        msg = f"Unknown population group {', '.join(f'`{g}`' for g in unknown)}; choose among {', '.join(group_cols)}."
        raise DataError(msg)
    bad = [g for g, w in weights.items() if not (math.isfinite(w) and w >= 0)]
    if bad:
        msg = f"The weight of group {', '.join(f'`{g}`' for g in bad)} must be a number of at least 0 (e.g. OTH=2)."
        raise DataError(msg)
    if only_group and weights:
        msg = "Give either group weights (OTH=2) or one group to cover alone (OTH), not both."
        raise DataError(msg)
    if only_group:
        return demand[only_group].to_numpy(float)
    w = demand[total_col].to_numpy(float).copy()
    for g, v in weights.items():
        w += (v - 1.0) * demand[g].to_numpy(float)
    return np.maximum(w, 0.0)


def parse_group_weights(specs: Sequence[str] | None) -> tuple[dict[str, float], str | None]:
    """Return ``(weights, only_group)`` from ``["OTH=2", ...]`` (weights) or ``["OTH"]`` (that group alone).

    Raises
    ------
    DataError
        For a weight that is not a number, or a group given alone together with others.
    """
    weights: dict[str, float] = {}
    alone: list[str] = []
    for spec in specs or []:
        group, sep, value = spec.partition("=")
        if not sep:
            alone.append(group.strip())
            continue
        try:
            weights[group.strip()] = float(value)
        except ValueError:
            msg = f"`{spec}` is not a group weight; write GROUP=NUMBER (for example OTH=2), or GROUP alone to cover only it."
            raise DataError(msg) from None
    if len(alone) > 1 or (alone and weights):
        msg = "Give either group weights (OTH=2, repeatable) or one group to cover alone (OTH), not both."
        raise DataError(msg)
    return weights, alone[0] if alone else None
