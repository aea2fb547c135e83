"""Census: read and check a region's population grid or zones, with its group columns.

Placing the residents on the street network is :mod:`equimap.network.residents`.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap._validate import require_columns, require_counts
from equimap.region.manifest import Region
from equimap.region.userfile import read_region_layer

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
    the groups of every dimension still add up to the total; groups that add up
    to more than the total are scaled down to it (`reconcile_groups`). Cells
    outside the region's study area (``[area]``) are left out, and cells cut by
    its border keep the share of their residents inside
    (`equimap.region.studyarea.restrict_population`).

    Returns
    -------
    GeoDataFrame
        Index: the population id column (e.g. ``GRD_ID``), renamed ``cell_id``.
        Columns: the total, every group column and ``UNKNOWN_<DIM>`` (float),
        ``land_share`` (1 where the layer gives none), ``area_share`` (share of the
        cell's residents inside the study area), ``geometry``. ``attrs`` holds what
        was left out (``study_area``: see `restrict_population`) and, per dimension,
        the cells and residents reconciled (``reconciled``: ``cells``, ``residents``).
    """
    if region.modelled_population:
        return _from_buildings(region)
    src = region.population_path
    gdf = read_region_layer(src, key="population.path", layer=region.population_layer)
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
    moved = {}
    for dim in region.groups:
        cols = list(dim.columns)
        counts[cols], moved[dim.key] = reconcile_groups(counts[cols], total)
        known = counts[cols].sum(axis=1, min_count=1).fillna(0.0)
        counts[unknown_column(dim.key)] = (total - known).clip(lower=0.0)
    counts = counts.fillna(0.0)
    land = pd.Series(1.0, index=gdf.index)
    if region.land_share_col:
        land = pd.to_numeric(gdf[region.land_share_col], errors="coerce").clip(0, 1).fillna(1.0)
    out = gpd.GeoDataFrame(counts, geometry=gdf.geometry, crs=gdf.crs)
    out["land_share"] = land
    moved_cols = [f"_moved_{k}" for k in moved]
    for k, m in moved.items():
        out[f"_moved_{k}"] = m.to_numpy()
    out.index = pd.Index(gdf[region.id_col].astype(str), name="cell_id")
    out = out.to_crs(region.crs)
    from equimap.region.studyarea import load_study_area, restrict_population

    out, left = restrict_population(
        out, load_study_area(region), count_columns=[*population_columns(region), *moved_cols]
    )
    reconciled = {
        k: {"cells": int((out[c] > 0).sum()), "residents": float(out[c].sum())}
        for k, c in zip(moved, moved_cols, strict=True)
    }
    out = out.drop(columns=moved_cols)
    out.attrs = {"study_area": left, "reconciled": reconciled}
    return out


def reconcile_groups(groups: pd.DataFrame, total: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Scale down the groups of one dimension where they add up to more than the total.

    Eurostat's census grid perturbs small counts to keep them confidential, so the
    groups of a cell (born in the country, elsewhere in the EU, outside the EU) may
    add up to more than its total ``T``. The total is kept (it is what the residents
    of every figure add up to) and, in each such cell, the groups are scaled by
    ``T / sum`` so that they add up to ``T`` exactly; when the cell's counts are whole
    numbers the scaled counts are rounded to whole numbers by the largest remainder
    (each group gets the floor of its scaled count, and the residents left over go
    one each to the groups with the largest fractions; ties to the first column), so
    they still add up to ``T``. Capping each group at ``T`` instead would leave sums
    above the total; scaling keeps the groups' proportions, which is what the gaps
    between groups are computed from. Unknown values (NaN) stay unknown. Cells whose
    groups add up to no more than ``T`` are not changed.

    Parameters
    ----------
    groups
        The group columns of one dimension (residents, NaN for unknown), one row per cell.
    total
        The total residents of each cell, aligned with `groups`.

    Returns
    -------
    (DataFrame, Series)
        The groups, reconciled, aligned with the input; and per cell the residents
        moved (the excess ``sum - T`` removed; 0 where nothing changed).
    """
    vals = groups.to_numpy(float).copy()
    t = total.to_numpy(float)
    known = np.nansum(vals, axis=1)
    over = known > t + 1e-9
    moved = np.where(over, known - t, 0.0)
    for i in np.flatnonzero(over):
        row = vals[i]
        ok = np.isfinite(row)
        scaled = row[ok] * (t[i] / known[i])
        whole = np.allclose(row[ok], np.round(row[ok])) and float(t[i]).is_integer()
        if whole:
            base = np.floor(scaled + 1e-9)
            left = int(round(t[i] - base.sum()))
            frac = scaled - base
            order = np.argsort(-frac, kind="stable")
            base[order[:left]] += 1.0
            scaled = base
        row[ok] = scaled
        vals[i] = row
    out = pd.DataFrame(vals, index=groups.index, columns=groups.columns)
    return out, pd.Series(moved, index=groups.index)


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


def _from_buildings(region: Region) -> gpd.GeoDataFrame:
    """Return the cells of a ``kind = "buildings"`` region: its one total spread over the extract's buildings."""
    from equimap.region.buildings import read_buildings, spread_over_buildings

    buildings = read_buildings(region.osm_path, bbox=region.bbox).to_crs(region.crs)
    total = int(round(region.population_residents or 0))
    cells = spread_over_buildings(
        buildings, total=total, cell_size_m=float(region.cell_size_m or 1000.0), total_col=region.total_col
    )
    out = gpd.GeoDataFrame(
        {region.total_col: cells[region.total_col]}, geometry=cells.geometry.to_numpy(), crs=cells.crs
    )
    out["land_share"] = 1.0
    out.index.name = "cell_id"
    return out
