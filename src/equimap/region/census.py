"""Census: read and check a region's population grid or zones, with its group columns.

Placing the residents on the street network is :mod:`equimap.network.residents`.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap._validate import read_vector, require_columns, require_counts
from equimap.region.manifest import Region

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
    if region.modelled_population:
        return _from_buildings(region)
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
