"""Classify population grid cells and spatial units by the Degree of Urbanisation (DEGURBA).

The method is the one of the 2021 methodological manual "Applying the Degree of
Urbanisation" (European Commission, FAO, UN-Habitat, OECD, World Bank;
Eurostat, 2021, KS-02-20-499), endorsed by the UN Statistical Commission in
March 2020:

* first, 1 km² grid cells are classified: level 1 into urban centres,
  urban clusters and rural cells; level 2 into the GHS-SMOD classes 30 (urban
  centre), 23 (dense urban cluster), 22 (semi-dense urban cluster), 21
  (suburban or peri-urban), 13 (rural cluster), 12 (low density rural), 11 (very
  low density rural) and 10 (water);
* then small spatial units (municipalities, councils) are classified by the
  share of their **population** living in each class of cell.

Numbers in this module are residents (``pop``) and residents per km² of land
(``density_km2``). ``python -m equimap.report.degurba_doc [region]`` prints the
markdown summary kept in ``docs/degurba_malta.md`` (see `equimap.report.degurba_doc`).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap.indicators import _grid
from equimap.indicators.areal import area_shares
from equimap.indicators.degurba_params import DegurbaParams

logger = logging.getLogger(__name__)

#: Level-1 grid classes (GHS-SMOD level 1 codes).
L1_LABELS: dict[int, str] = {3: "Urban centre", 2: "Urban cluster", 1: "Rural grid cell"}
#: Level-2 grid classes (GHS-SMOD level 2 codes); the tens digit is the level-1 code.
L2_LABELS: dict[int, str] = {
    30: "Urban centre",
    23: "Dense urban cluster",
    22: "Semi-dense urban cluster",
    21: "Suburban or peri-urban grid cell",
    13: "Rural cluster",
    12: "Low density rural grid cell",
    11: "Very low density rural grid cell",
    10: "Water grid cell",
}
#: GHSL legend colours (GHSL Data Package 2023, GHS-SMOD); level 1 water shares the level-2 water colour.
L1_COLOURS: dict[int, str] = {3: "#FF0000", 2: "#FFAA00", 1: "#73B273"}
L2_COLOURS: dict[int, str] = {
    30: "#FF0000",
    23: "#732600",
    22: "#A87000",
    21: "#FFFF00",
    13: "#375623",
    12: "#ABCD66",
    11: "#CDF57A",
    10: "#7AB6F5",
}
#: Level-1 and level-2 classes of spatial units (same codes as the grid class they are named after).
UNIT_L1_LABELS: dict[int, str] = {3: "City", 2: "Town and semi-dense area", 1: "Rural area"}
UNIT_L2_LABELS: dict[int, str] = {
    30: "City",
    23: "Dense town",
    22: "Semi-dense town",
    21: "Suburban or peri-urban area",
    13: "Village",
    12: "Dispersed rural area",
    11: "Mostly uninhabited area",
}

_L2_CODES = _grid.L2_CODES


def classify_grid(
    grid: gpd.GeoDataFrame,
    *,
    pop_col: str = "T",
    land_share_col: str | None = "LAND_SURFACE",
    cell_size_m: float = 1000.0,
    params: DegurbaParams = DegurbaParams(),  # noqa: B008 - frozen, so a shared default is safe
) -> gpd.GeoDataFrame:
    """Classify population grid cells by the Degree of Urbanisation, levels 1 and 2.

    The cells are placed on a full raster from their geometry bounds; cells
    missing from `grid` have no residents (census grids list populated cells
    only). Such missing cells take part in the rules (they can be filled into
    an urban centre, or separate two clusters) but are not returned. The
    raster is padded with empty cells so that clusters on its edge are
    treated like any other.

    Steps (the manual's grid-cell classification): density is
    residents per km² of land, ``pop / (cell area × land share)``; a land
    share that is missing or 0 falls back to the whole cell area. Urban
    centres are dense 4-connected groups; their edges are smoothed by the
    majority rule (5 of 8 neighbours) until no cell is added, then their
    holes under 15 km² are filled (the order of flexurba and GHSL). Urban
    clusters, dense and semi-dense urban clusters, rural clusters, low and
    very low density cells and water follow :class:`DegurbaParams`.

    Parameters
    ----------
    grid
        One row per square cell of side `cell_size_m`, in a projected CRS in
        metres (any index). Required column `pop_col`: residents, numeric,
        >= 0. Optional column `land_share_col`: share of the cell that is land,
        0..1 (NaN = unknown).
    pop_col
        Column with the residents of each cell.
    land_share_col
        Column with the land share of each cell, or None to use whole cells.
    cell_size_m
        Side of the cells in CRS units (metres).
    params
        Thresholds; the defaults are the 2021 manual's.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of `grid`, same index and order, with ``density_km2``,
        ``degurba_l1`` (3 urban centre, 2 urban cluster, 1 rural),
        ``degurba_l1_label``, ``degurba_l2`` (30, 23, 22, 21, 13, 12, 11, 10;
        see :data:`L2_LABELS`) and ``degurba_l2_label``.

    Raises
    ------
    DataError
        If the CRS is missing or geographic, a column is missing, the
        population is not numeric or negative, land shares are outside 0..1,
        or the cells are not squares of `cell_size_m` on one lattice.
    """
    _grid.check_grid(grid, pop_col=pop_col, land_share_col=land_share_col, cell_size_m=cell_size_m)
    n = len(grid)
    pop = grid[pop_col].to_numpy(dtype=float)
    land = grid[land_share_col].to_numpy(dtype=float) if land_share_col else np.full(n, np.nan)
    cell_km2 = (cell_size_m / 1000.0) ** 2
    usable = np.isfinite(land) & (land > 0)
    density = pop / (cell_km2 * np.where(usable, land, 1.0))

    bounds = grid.geometry.bounds.to_numpy(dtype=float).reshape(n, 4)
    pad = params.semi_dense_buffer_cells + 2
    rows, cols, shape = _grid.cells_to_raster(bounds[:, 0], bounds[:, 1], cell_size_m, pad=pad)
    pop_r, dens_r, land_r = np.zeros(shape), np.zeros(shape), np.full(shape, np.nan)
    pop_r[rows, cols], dens_r[rows, cols], land_r[rows, cols] = pop, density, land
    l1_r, l2_r = _grid.classify_arrays(pop_r, dens_r, land_r, cell_km2=cell_km2, params=params)
    logger.debug("classified %d cells on a %s raster", n, shape)

    out = grid.copy()
    out["density_km2"] = density
    out["degurba_l1"] = l1_r[rows, cols]
    out["degurba_l1_label"] = out["degurba_l1"].map(L1_LABELS).astype(str)
    out["degurba_l2"] = l2_r[rows, cols]
    out["degurba_l2_label"] = out["degurba_l2"].map(L2_LABELS).astype(str)
    return out


def classify_units(
    units: gpd.GeoDataFrame,
    grid_classes: gpd.GeoDataFrame,
    *,
    unit_id_col: str,
    pop_col: str = "T",
    land_share_col: str | None = "LAND_SURFACE",
) -> pd.DataFrame:
    """Classify spatial units by the share of their residents in each class of grid cell.

    Each cell's residents are split among the units that overlap it in
    proportion to the overlap area, divided by the larger of the cell's land
    area (cell area × land share) and the area all units cover in it. So a
    coastal cell's residents all go to the units on its land, while the
    residents of land that no unit covers stay unassigned. (The official
    workflow spreads a 100 m population grid instead; with a 1 km grid only,
    an area split is the usual stand-in.)

    Rules (the manual's classification of local units, as flexurba's
    ``rules_from_2021`` restates them):

    * level 1: a **city** has at least 50% of its residents in urban centre
      cells; a **rural area** has more than 50% in rural cells; any other unit
      is a **town and semi-dense area**;
    * level 2: a city stays a city. A town is a **suburban or peri-urban
      area** when more residents live in suburban or peri-urban cells than in
      dense and semi-dense urban clusters together; otherwise a **dense
      town** when at least as many live in dense as in semi-dense urban
      clusters, else a **semi-dense town**. A rural area is a **village**, a
      **dispersed rural area** or a **mostly uninhabited area** after the
      class (rural cluster, low, very low density) that holds most of its
      rural-cell residents; ties go to the denser class. The July 2024
      revision of these level-2 rules is not applied.

    A unit with no residents is classified the same way by the share of its
    area in each class (as GHSL does), and ``basis`` says ``"area"``; a unit
    that touches no cell of `grid_classes` has ``basis`` ``"none"``, no
    shares, and is a rural, mostly uninhabited area.

    Parameters
    ----------
    units
        Polygons to classify, in the CRS of `grid_classes` (any index).
        Required column `unit_id_col` with unique, non-missing ids.
    grid_classes
        Output of :func:`classify_grid`: square cells with columns `pop_col`
        and ``degurba_l2`` (level 1 is its tens digit), and `land_share_col`
        unless None.
    unit_id_col
        Column of `units` holding its ids; copied to the result.
    pop_col
        Column of `grid_classes` with residents.
    land_share_col
        Column of `grid_classes` with the land share of each cell, or None to
        split by whole cell area.

    Returns
    -------
    pandas.DataFrame
        Indexed like `units`: `unit_id_col`, ``pop`` (residents assigned),
        ``share_l1_3``, ``share_l1_2``, ``share_l1_1`` and ``share_l2_<code>``
        for every level-2 grid code (shares of residents, or of area when
        ``basis`` is ``"area"``), ``basis``, ``degurba_l1`` (3 city, 2 town and
        semi-dense area, 1 rural area), ``degurba_l1_label``, ``degurba_l2``
        (30, 23, 22, 21, 13, 12, 11; see :data:`UNIT_L2_LABELS`) and
        ``degurba_l2_label``.

    Raises
    ------
    DataError
        If a CRS is missing or the two CRSs differ (reproject `units` with
        ``units.to_crs(grid_classes.crs)``), a column is missing, or unit ids
        are missing or repeated.
    """
    _grid.check_units(units, grid_classes, unit_id_col=unit_id_col, pop_col=pop_col, land_share_col=land_share_col)
    n_units, n_cells = len(units), len(grid_classes)
    cell_geoms = np.asarray(grid_classes.geometry.array)
    unit_geoms = np.asarray(units.geometry.array)
    land = grid_classes[land_share_col].to_numpy(dtype=float) if land_share_col else np.full(n_cells, np.nan)
    i_cell, i_unit, overlap, share = area_shares(cell_geoms, land, unit_geoms)
    pop = grid_classes[pop_col].to_numpy(dtype=float)
    pair_pop = pop[i_cell] * share

    code_pos = {c: k for k, c in enumerate(_L2_CODES)}
    k = np.array([code_pos[c] for c in grid_classes["degurba_l2"].to_numpy()], dtype=np.intp)[i_cell]
    pop_m = np.zeros((n_units, len(_L2_CODES)))
    area_m = np.zeros((n_units, len(_L2_CODES)))
    np.add.at(pop_m, (i_unit, k), pair_pop)
    np.add.at(area_m, (i_unit, k), overlap)
    unit_pop, unit_area = pop_m.sum(axis=1), area_m.sum(axis=1)
    basis = np.where(unit_pop > 0, "population", np.where(unit_area > 0, "area", "none"))
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where((unit_pop > 0)[:, None], pop_m / unit_pop[:, None], area_m / unit_area[:, None])
    l1, l2 = _grid.unit_rules(shares)

    out = pd.DataFrame({unit_id_col: units[unit_id_col].to_numpy(), "pop": unit_pop}, index=units.index)
    s = dict(zip(_L2_CODES, shares.T, strict=True))
    out["share_l1_3"] = s[30]
    out["share_l1_2"] = s[23] + s[22] + s[21]
    out["share_l1_1"] = s[13] + s[12] + s[11] + s[10]
    for c in _L2_CODES:
        out[f"share_l2_{c}"] = s[c]
    out["basis"] = basis
    out["degurba_l1"] = l1
    out["degurba_l1_label"] = out["degurba_l1"].map(UNIT_L1_LABELS).astype(str)
    out["degurba_l2"] = l2
    out["degurba_l2_label"] = out["degurba_l2"].map(UNIT_L2_LABELS).astype(str)
    return out


def population_by_class(grid_classes: pd.DataFrame, *, pop_col: str = "T", level: int = 1) -> pd.DataFrame:
    """Return residents and number of cells in each grid class of one level.

    Parameters
    ----------
    grid_classes
        Output of :func:`classify_grid` (a plain DataFrame will do), with
        columns `pop_col` and ``degurba_l<level>``.
    pop_col
        Column with residents.
    level
        1 or 2.

    Returns
    -------
    pandas.DataFrame
        One row per class of the level, in legend order, also classes with no
        cell; index ``degurba_l<level>`` (the code); columns ``label``,
        ``pop``, ``pop_share`` (of all residents) and ``n_cells``.
    """
    if level not in (1, 2):
        msg = f"`level` is {level!r}; use 1 or 2."
        raise DataError(msg)
    col = f"degurba_l{level}"
    missing = [c for c in (pop_col, col) if c not in grid_classes.columns]
    if missing:
        msg = f"`grid_classes` lacks column(s) {missing}; pass the output of `classify_grid`."
        raise DataError(msg)
    labels = L1_LABELS if level == 1 else L2_LABELS
    grouped = grid_classes.groupby(col)[pop_col].agg(["sum", "size"])
    codes = pd.Index(list(labels), name=col)
    pop = grouped["sum"].reindex(codes, fill_value=0)
    total = pop.sum()
    return pd.DataFrame(
        {
            "label": [labels[c] for c in codes],
            "pop": pop.to_numpy(),
            "pop_share": (pop / total).to_numpy() if total > 0 else np.zeros(len(codes)),
            "n_cells": grouped["size"].reindex(codes, fill_value=0).to_numpy(dtype=np.int64),
        },
        index=codes,
    )
