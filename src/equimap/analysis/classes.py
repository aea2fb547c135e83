"""Access to services by Degree of Urbanisation: who is how far, in cities, towns, suburbs and rural areas.

The grid classes come from :func:`equimap.indicators.degurba.classify_grid` run on the
region's census cells (the prepared ``population`` layer, whose land share is
1 where the census gives none); each origin takes the class of the cell its
residents were counted in. Spatial units (local councils) are classified by
:func:`equimap.indicators.degurba.classify_units`, i.e. by the share of their residents
in each class of cell.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from equimap._errors import DataError
from equimap._validate import _div
from equimap.indicators.degurba import L1_LABELS, L2_LABELS, DegurbaParams, classify_grid, classify_units
from equimap.indicators.groups import group_summary
from equimap.network.prepare import Prepared
from equimap.region.boundaries import load_boundaries
from equimap.region.manifest import MAIN_BOUNDARY, Region
from equimap.settings import Mode

#: Columns that :func:`urbanisation_of_origins` adds for each origin.
CLASS_COLUMNS: tuple[str, ...] = ("degurba_l1", "degurba_l1_label", "degurba_l2", "degurba_l2_label")


def grid_classes(
    population: gpd.GeoDataFrame,
    *,
    region: Region,
    params: DegurbaParams = DegurbaParams(),  # noqa: B008 - frozen, so a shared default is safe
) -> gpd.GeoDataFrame:
    """Classify a region's census cells by the Degree of Urbanisation, levels 1 and 2.

    Parameters
    ----------
    population
        The region's population grid as `equimap.region.census.load_population` (or
        ``Prepared.population``) returns it: index ``cell_id``, the total
        column ``region.total_col``, ``land_share`` (0..1) and square cells of
        side ``region.cell_size_m`` (1 km when unset) in the region CRS.
    region
        The region; its population layer must be a grid.
    params
        Thresholds of :func:`equimap.indicators.degurba.classify_grid`.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of `population`, same index, with ``density_km2``,
        ``degurba_l1``, ``degurba_l1_label``, ``degurba_l2`` and
        ``degurba_l2_label``.
    """
    if not region.is_grid:
        msg = (
            f"Region `{region.key}` has population zones, not a grid; the Degree of Urbanisation needs a square "
            'population grid (`kind = "grid"` in the manifest).'
        )
        raise DataError(msg)
    return classify_grid(
        population,
        pop_col=region.total_col,
        land_share_col="land_share",
        cell_size_m=float(region.cell_size_m or 1000.0),
        params=params,
    )


def unit_classes(region: Region, grid: gpd.GeoDataFrame, *, units_key: str = MAIN_BOUNDARY) -> gpd.GeoDataFrame:
    """Return the spatial units of a boundary layer with their Degree of Urbanisation class.

    Parameters
    ----------
    region
        The region whose boundary layer `units_key` is classified.
    grid
        Output of :func:`grid_classes` for the same region (region CRS).
    units_key
        Key of the boundary layer (``[[boundaries]]`` in the manifest).

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``unit_id`` as `equimap.region.boundaries.load_boundaries` gives it;
        columns ``name``, ``pop`` (residents assigned by area overlap, see
        :func:`equimap.indicators.degurba.classify_units`), ``share_l1_3`` (share in
        urban centre cells), ``degurba_l1``, ``degurba_l1_label``,
        ``degurba_l2``, ``degurba_l2_label`` and the unit polygons (region CRS).
    """
    units = load_boundaries(region, units_key)
    res = classify_units(
        units.assign(unit_id=units.index.to_numpy()),
        grid,
        unit_id_col="unit_id",
        pop_col=region.total_col,
        land_share_col="land_share",
    )
    keep = ["pop", "share_l1_3", *CLASS_COLUMNS]
    out = units[["name"]].join(res[keep])
    return gpd.GeoDataFrame(out, geometry=units.geometry, crs=units.crs)


def urbanisation_of_origins(
    prep: Prepared,
    *,
    params: DegurbaParams = DegurbaParams(),  # noqa: B008 - frozen, so a shared default is safe
) -> pd.DataFrame:
    """Return the level-1 and level-2 grid class of the cell of every origin.

    Parameters
    ----------
    prep
        A prepared region whose population layer is a grid; its
        ``population`` (index ``cell_id``, total column and ``land_share``)
        is classified with :func:`grid_classes`.
    params
        Thresholds of the Degree of Urbanisation.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``prep.origins``: ``cell_id`` and the columns of
        :data:`CLASS_COLUMNS` (codes as in :data:`equimap.indicators.degurba.L1_LABELS`
        and :data:`equimap.indicators.degurba.L2_LABELS`).
    """
    grid = grid_classes(prep.population, region=prep.region, params=params)
    cells = prep.origins["cell_id"]
    unknown = ~cells.isin(grid.index)
    if unknown.any():
        msg = (
            f"{int(unknown.sum())} origins name census cells that are not in the population layer "
            f"(e.g. {cells[unknown].iloc[0]!r}); prepare the region again."
        )
        raise DataError(msg)
    out = pd.DataFrame({"cell_id": cells.to_numpy()}, index=prep.origins.index)
    for col in CLASS_COLUMNS:
        out[col] = grid[col].reindex(cells.to_numpy()).to_numpy()
    return out


def summary_by_class(
    prep: Prepared,
    *,
    mode: Mode,
    category: str,
    threshold_s: float,
    dimension: str | None = None,
    level: int = 1,
    params: DegurbaParams = DegurbaParams(),  # noqa: B008 - frozen, so a shared default is safe
    services: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Return every statistic of `equimap.indicators.groups.group_summary`, for each grid class and group.

    Read a row as, e.g., "of the residents born outside the EU who live in
    suburban or peri-urban cells, ``share_beyond`` are more than
    `threshold_s` from the nearest service"; unreachable residents count as
    beyond it, and times are those of the nearest service.

    Parameters
    ----------
    prep
        A prepared region whose population layer is a grid.
    mode, category
        Travel mode and service key (theme, category or official list).
    threshold_s
        Time beyond which residents count as underserved (seconds).
    dimension
        Group dimension of the region's manifest; None for its first (all residents only
        for a total-only region).
    level
        1 (urban centre, urban cluster, rural) or 2 (the seven GHS-SMOD
        classes and water).
    params
        Thresholds of the Degree of Urbanisation.
    services
        Services to use instead of the region's list for `category` (points
        in the region CRS), as in ``Prepared.access``.

    Returns
    -------
    pandas.DataFrame
        One row per class of the level (legend order, also classes with no
        residents, whose statistics are NaN) and group (all residents first,
        under the total column's name, then the dimension's groups). Index
        (``degurba_l<level>``, ``group``); columns ``class_label``, then those
        of `group_summary` (``label``, ``pop``, ``mean_min``, ``median_min``,
        ``p90_min``, ``pop_beyond``, ``share_beyond``, ``pop_unreachable``),
        then ``pop_share``: the share of the group's residents who live in
        cells of this class.
    """
    if level not in (1, 2):
        msg = f"`level` is {level!r}; use 1 or 2."
        raise DataError(msg)
    dimension = prep.region.dimension_or_default(dimension)
    dim_columns = prep.region.group(dimension).columns if dimension is not None else {}
    groups = {prep.region.total_col: "All residents", **dim_columns}
    col = f"degurba_l{level}"
    labels = L1_LABELS if level == 1 else L2_LABELS
    cls = urbanisation_of_origins(prep, params=params)[col].to_numpy()
    time_s = prep.access(mode, category, services=services)["time_nearest_s"]
    totals = prep.origins[list(groups)].sum()
    frames = []
    for code, class_label in labels.items():
        mask = cls == code
        t = group_summary(prep.origins[mask], time_s[mask], groups=groups, threshold_s=threshold_s)
        t.insert(0, "class_label", class_label)
        t["pop_share"] = _div(t["pop"].to_numpy(), totals.reindex(t.index).to_numpy())
        frames.append(t)
    out = pd.concat(frames, keys=list(labels), names=[col, "group"])
    return out
