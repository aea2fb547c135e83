"""Private helpers of :mod:`equimap.indicators.degurba`: raster steps, unit rules and input checks.

The raster steps work on plain 2-D numpy arrays (population, density, land
share) and know nothing of geometries or CRSs; row and column order does not
matter to any rule, only adjacency does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from scipy import ndimage

from equimap._errors import DataError

if TYPE_CHECKING:
    from equimap.indicators.degurba_params import DegurbaParams

#: Level-2 grid codes (GHS-SMOD), in legend order; the tens digit is the level-1 code.
L2_CODES: tuple[int, ...] = (30, 23, 22, 21, 13, 12, 11, 10)
_SHARE_EPS = 1e-9  # shares come from float area splits; a share of exactly 0.5 must stay 0.5

#: Structuring elements for 4-connectivity (rook: shared edges) and 8-connectivity (queen: corners too).
_STRUCTURE = {4: ndimage.generate_binary_structure(2, 1), 8: ndimage.generate_binary_structure(2, 2)}
#: The 8 neighbours of a cell, for the majority rule.
_NEIGHBOURS = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.int32)


def cells_to_raster(
    minx: np.ndarray, miny: np.ndarray, cell_size: float, *, pad: int
) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Return the row and column of each cell and the shape of a raster holding them all.

    The lower-left corners must lie on one lattice of step `cell_size` (the
    caller checks this); `pad` empty cells are added on every side.
    """
    if len(minx) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), (2 * pad, 2 * pad)
    cols = np.rint((minx - minx.min()) / cell_size).astype(np.intp) + pad
    rows = np.rint((miny - miny.min()) / cell_size).astype(np.intp) + pad
    shape = (int(rows.max()) + 1 + pad, int(cols.max()) + 1 + pad)
    return rows, cols, shape


def clusters(
    mask: np.ndarray, pop: np.ndarray, *, connectivity: int, min_pop: float, max_pop: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """Label the contiguous groups of `mask` and keep those with ``min_pop <= population < max_pop``.

    Returns the boolean mask of the kept cells and the label array of the kept
    groups (0 elsewhere, 1..k for the groups, in scan order).
    """
    labels, n = ndimage.label(mask, structure=_STRUCTURE[connectivity])
    sums = np.bincount(labels.ravel(), weights=pop.ravel(), minlength=n + 1)
    keep = (sums >= min_pop) & (sums < max_pop)
    keep[0] = False
    new_id = np.zeros(n + 1, dtype=np.int64)
    new_id[keep] = np.arange(1, int(keep.sum()) + 1)
    kept = new_id[labels]
    return kept > 0, kept


def fill_gaps(centres: np.ndarray, *, max_cells: float) -> np.ndarray:
    """Fill the holes of each urban centre that are smaller than `max_cells` cells.

    A hole is a group of cells outside centre ``c`` that the centre encloses
    completely. The centre is 4-connected, so its complement is grouped with
    8-connectivity: background that leaks out through a diagonal pinch is not
    enclosed. Only cells that belong to no centre are filled.
    """
    out = centres.copy()
    for c, sl in enumerate(ndimage.find_objects(centres), start=1):
        if sl is None:
            continue
        # one ring of margin so the outside of the centre touches the window border
        win = tuple(slice(max(s.start - 1, 0), s.stop + 1) for s in sl)
        inside = centres[win] == c
        background, _ = ndimage.label(~inside, structure=_STRUCTURE[8])
        sizes = np.bincount(background.ravel())
        border = np.unique(np.concatenate([background[0], background[-1], background[:, 0], background[:, -1]]))
        is_hole = sizes < max_cells
        is_hole[0] = False
        is_hole[border] = False
        fill = is_hole[background] & (out[win] == 0)
        out[win][fill] = c
    return out


def smooth_edges(centres: np.ndarray, *, min_neighbours: int) -> np.ndarray:
    """Add to a centre every free cell with at least `min_neighbours` of its 8 neighbours in it; repeat.

    All cells are tested against the same state, then added together; the
    passes repeat until none is added. A cell that qualifies for two centres
    at once (possible only when `min_neighbours` < 5) joins neither.
    """
    out = centres.copy()
    n_centres = int(out.max(initial=0))
    while True:
        winner = np.zeros_like(out)
        hits = np.zeros(out.shape, dtype=np.int32)
        free = out == 0
        for c in range(1, n_centres + 1):
            count = ndimage.convolve((out == c).astype(np.int32), _NEIGHBOURS, mode="constant", cval=0)
            qualifies = free & (count >= min_neighbours)
            hits += qualifies
            winner[qualifies] = c
        join = hits == 1
        if not join.any():
            return out
        out[join] = winner[join]


def classify_arrays(
    pop: np.ndarray, density: np.ndarray, land: np.ndarray, *, cell_km2: float, params: DegurbaParams
) -> tuple[np.ndarray, np.ndarray]:
    """Return the level-1 (3/2/1) and level-2 (30..10) class of every cell of a padded raster.

    `pop` and `density` are 0 and `land` is NaN where no cell was given. The
    steps follow the grid-cell classification of the 2021 manual "Applying
    the Degree of Urbanisation": urban centres, urban clusters, rural cells,
    then the level-2 split of urban clusters and of rural cells.
    """
    p = params
    # --- urban centres: dense cells, 4-connected, >= 50,000 residents; smooth the edges, then fill the gaps
    # (the order of flexurba and GHSL; filling only adds enclosed cells, so nothing more can be smoothed after it)
    _, centres = clusters(
        density >= p.centre_min_density_km2, pop, connectivity=p.centre_connectivity, min_pop=p.centre_min_pop
    )
    centres = smooth_edges(centres, min_neighbours=p.smoothing_min_neighbours)
    centres = fill_gaps(centres, max_cells=p.centre_max_gap_km2 / cell_km2)
    is_centre = centres > 0

    # --- urban clusters: moderate-density cells, 8-connected, >= 5,000 residents. Centre cells take part in the
    # grouping and in the population (a centre is also an urban cluster) but keep their own class.
    is_cluster, _ = clusters(
        (density >= p.cluster_min_density_km2) | is_centre,
        pop,
        connectivity=p.cluster_connectivity,
        min_pop=p.cluster_min_pop,
    )
    is_cluster &= ~is_centre
    is_rural = ~is_centre & ~is_cluster
    l1 = np.where(is_centre, 3, np.where(is_cluster, 2, 1))

    # --- level 2, urban cluster cells
    is_dense, _ = clusters(
        is_cluster & (density >= p.dense_min_density_km2),
        pop,
        connectivity=p.dense_connectivity,
        min_pop=p.dense_min_pop,
        max_pop=p.centre_min_pop,
    )
    is_semi, semi_labels = clusters(
        is_cluster & ~is_dense & (density >= p.semi_dense_min_density_km2),
        pop,
        connectivity=p.semi_dense_connectivity,
        min_pop=p.semi_dense_min_pop,
    )
    if p.semi_dense_buffer_cells > 0 and is_semi.any():
        size = 2 * p.semi_dense_buffer_cells + 1
        near = ndimage.binary_dilation(is_centre | is_dense, structure=np.ones((size, size), dtype=bool))
        too_close = np.unique(semi_labels[near & is_semi])
        is_semi &= ~np.isin(semi_labels, too_close)

    # --- level 2, rural cells
    is_rural_cluster, _ = clusters(
        is_rural & (density >= p.rural_cluster_min_density_km2),
        pop,
        connectivity=p.rural_cluster_connectivity,
        min_pop=p.rural_cluster_min_pop,
        max_pop=p.cluster_min_pop,
    )
    is_low = is_rural & ~is_rural_cluster & (density >= p.low_density_min_density_km2)
    is_water = is_rural & (pop == 0) & (land < p.water_max_land_share)  # NaN land (unknown) is never water

    l2 = np.select(
        [is_centre, is_dense, is_semi, is_cluster, is_rural_cluster, is_low, is_water],
        [30, 23, 22, 21, 13, 12, 10],
        default=11,
    )
    return l1.astype(np.int64), l2.astype(np.int64)


def unit_rules(shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the level-1 and level-2 class codes of units from their shares per grid class.

    `shares` has one row per unit and one column per code of `L2_CODES`; a row
    of NaN (a unit touching no cell) is a mostly uninhabited rural area. The
    rules are documented in :func:`equimap.indicators.degurba.classify_units`.
    """
    s = np.nan_to_num(shares, nan=0.0)
    centre, dense, semi, suburb = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
    rural = s[:, 4:].sum(axis=1)
    l1 = np.where(centre >= 0.5 - _SHARE_EPS, 3, np.where(rural > 0.5 + _SHARE_EPS, 1, 2))
    l1 = np.where(np.isnan(shares).all(axis=1), 1, l1)
    town = np.where(suburb > dense + semi + _SHARE_EPS, 21, np.where(dense >= semi - _SHARE_EPS, 23, 22))
    # rural-cell residents by class; water has none, and counts as very low density when areas decide
    rural_by_class = np.stack([s[:, 4], s[:, 5], s[:, 6] + s[:, 7]], axis=1)
    is_top = rural_by_class > rural_by_class.max(axis=1)[:, None] - _SHARE_EPS
    village = np.array([13, 12, 11])[np.argmax(is_top, axis=1)]  # first of the tied: the denser class
    village = np.where(rural_by_class.sum(axis=1) > 0, village, 11)
    l2 = np.select([l1 == 3, l1 == 2], [30, town], default=village)
    return l1.astype(np.int64), l2.astype(np.int64)


# --------------------------------------------------------------------------------------------- input checks


def crs_problems(gdf: gpd.GeoDataFrame, name: str) -> list[str]:
    """Return what is wrong with the CRS of `gdf` (none, geographic, not in metres)."""
    if gdf.crs is None:
        return [f"`{name}` has no CRS; set it with `{name}.set_crs(...)`"]
    if gdf.crs.is_geographic:
        return [
            f"`{name}` is in the geographic CRS {gdf.crs.to_string()}; project it to a metric CRS such as EPSG:3035"
        ]
    unit = gdf.crs.axis_info[0].unit_name if gdf.crs.axis_info else "metre"
    if unit not in ("metre", "meter"):
        return [f"`{name}` is in {gdf.crs.to_string()}, whose unit is {unit}; project it to a CRS in metres"]
    return []


def number_problems(df: pd.DataFrame, col: str, name: str, what: str) -> list[str]:
    """Return what is wrong with a column of residents (not numeric, missing, negative)."""
    s = df[col]
    if not is_numeric_dtype(s) or is_bool_dtype(s):
        return [f"`{name}` column `{col}` ({what}) is not numeric (dtype {s.dtype}); convert it with `pd.to_numeric`"]
    if s.isna().any():
        return [f"`{name}` column `{col}` ({what}) has {int(s.isna().sum())} missing values; use 0 for no residents"]
    if (s < 0).any():
        return [
            f"`{name}` column `{col}` ({what}) has {int((s < 0).sum())} negative values; residents cannot be negative"
        ]
    return []


def check_grid(grid: gpd.GeoDataFrame, *, pop_col: str, land_share_col: str | None, cell_size_m: float) -> None:
    """Raise one DataError listing every problem of the arguments of `classify_grid`."""
    problems = crs_problems(grid, "grid")
    if pop_col not in grid.columns:
        problems.append(f"column `{pop_col}` (residents) is missing; name the right one with `pop_col`")
    if land_share_col and land_share_col not in grid.columns:
        problems.append(
            f"column `{land_share_col}` (land share) is missing; name the right one with `land_share_col`, or pass None"
        )
    if pop_col in grid.columns:
        problems += number_problems(grid, pop_col, "grid", "residents")
    if land_share_col and land_share_col in grid.columns:
        share = grid[land_share_col]
        if not is_numeric_dtype(share) or is_bool_dtype(share):
            problems.append(
                f"column `{land_share_col}` (land share) is not numeric; pass `land_share_col=None` to ignore it"
            )
        elif ((share < 0) | (share > 1)).any():
            problems.append(f"column `{land_share_col}` (land share) has values outside 0..1")
    if not (np.isfinite(cell_size_m) and cell_size_m > 0):
        problems.append(f"`cell_size_m` is {cell_size_m!r}; it must be a positive number of metres")
    if grid.geometry.isna().any() or grid.geometry.is_empty.any():
        problems.append("some cells have no geometry")
    if not problems and len(grid):
        problems += lattice_problems(grid.geometry.bounds.to_numpy(dtype=float), cell_size_m)
    if problems:
        msg = "`grid` cannot be classified: " + "; ".join(problems) + "."
        raise DataError(msg)


def lattice_problems(bounds: np.ndarray, cell_size_m: float) -> list[str]:
    """Return what is wrong with cell bounds (minx, miny, maxx, maxy): size, lattice, repeated cells."""
    width, height = bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]
    tol = 1e-6 * cell_size_m
    wrong = ~(np.isclose(width, cell_size_m, rtol=0, atol=tol) & np.isclose(height, cell_size_m, rtol=0, atol=tol))
    if wrong.any():
        return [
            f"{int(wrong.sum())} cells are not {cell_size_m:g} m squares (e.g. {width[wrong][0]:g} × "
            f"{height[wrong][0]:g}); pass the right `cell_size_m`"
        ]
    steps = (bounds[:, :2] - bounds[:, :2].min(axis=0)) / cell_size_m
    if not np.allclose(steps, np.rint(steps), rtol=0, atol=1e-6):
        return ["the cells do not lie on one lattice of `cell_size_m`; use a regular grid"]
    dup = pd.DataFrame(np.rint(steps)).duplicated()
    if dup.any():
        return [f"{int(dup.sum())} cells repeat the position of another cell; keep one row per cell"]
    return []


def check_units(
    units: gpd.GeoDataFrame,
    grid_classes: gpd.GeoDataFrame,
    *,
    unit_id_col: str,
    pop_col: str,
    land_share_col: str | None,
) -> None:
    """Raise one DataError listing every problem of the arguments of `classify_units`."""
    problems = []
    if units.crs is None or grid_classes.crs is None:
        problems += [
            f"`{name}` has no CRS" for name, g in (("units", units), ("grid_classes", grid_classes)) if g.crs is None
        ]
    elif units.crs != grid_classes.crs:
        problems.append(
            f"`units` is in {units.crs.to_string()} but `grid_classes` in {grid_classes.crs.to_string()}; "
            "reproject with `units.to_crs(grid_classes.crs)`"
        )
    if unit_id_col not in units.columns:
        problems.append(f"`units` has no column `{unit_id_col}`")
    elif units[unit_id_col].isna().any() or units[unit_id_col].duplicated().any():
        problems.append(f"`units` column `{unit_id_col}` has missing or repeated ids; it must identify each unit")
    need = [pop_col, "degurba_l2"] + ([land_share_col] if land_share_col else [])
    missing = [c for c in need if c not in grid_classes.columns]
    if missing:
        problems.append(f"`grid_classes` lacks column(s) {missing}; pass the output of `classify_grid`")
    else:
        problems += number_problems(grid_classes, pop_col, "grid_classes", "residents")
        bad = ~grid_classes["degurba_l2"].isin(L2_CODES)
        if bad.any():
            problems.append(f"`grid_classes` column `degurba_l2` has codes outside {list(L2_CODES)}")
    if problems:
        msg = "Cannot classify units: " + "; ".join(problems) + "."
        raise DataError(msg)
