"""Export outreach targets: whole residents, small-count protection, CSV or GeoPackage.

The table written is :func:`export_table` of the output of
`equimap.analysis.outreach.outreach_targets` with small counts hidden (see
:func:`protection_spec`), written by :func:`write_targets` with the protection
notice on its first line.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap._validate import _div, _fail
from equimap.protect.suppression import DEFAULT_THRESHOLD, protection_header, suppress_counts
from equimap.report.formats import to_csv, to_gpkg

log = logging.getLogger(__name__)

#: Layer name of the GeoPackage written by `write_targets`.
LAYER = "outreach_targets"


def _group_columns(table: pd.DataFrame, total_col: str) -> list[str]:
    """Return the group count columns of a targets table: those with a ``beyond_`` twin, total excluded."""
    return [c for c in table.columns if c != total_col and f"beyond_{c}" in table.columns]


def export_table(targets: pd.DataFrame, *, total_col: str = "T") -> pd.DataFrame:
    """Return the targets as they are exported: whole residents, shares recomputed, no geometry.

    Counts are rounded by controlled rounding, so the rounded table still
    adds up: in each place, the unserved and the served residents of each
    group (``beyond_<g>`` and ``<g> - beyond_<g>``) are rounded down, then the
    units still missing to reach the place's total rounded to the nearest
    whole resident (halves up) go to the largest remainders (ties: column
    order). Groups then add up to the total, unserved groups to the unserved
    total, and no ``beyond_<g>`` exceeds ``<g>``; each count moves by less
    than 2 residents. ``pop_unreachable`` is rounded to the nearest whole
    resident and capped at the unserved total. Shares are recomputed from
    the rounded counts; ``mean_excess_min`` and ``score`` are kept.

    Parameters
    ----------
    targets
        Output of :func:`outreach_targets` (any index, which is kept).
    total_col
        The region's total column.

    Returns
    -------
    pandas.DataFrame
        Same index and columns without the geometry; counts as int64.
    """
    groups = _group_columns(targets, total_col)
    needed = [total_col, f"beyond_{total_col}", "pop_unreachable", *groups, *[f"beyond_{g}" for g in groups]]
    missing = [c for c in needed if c not in targets.columns]
    if missing:
        msg = f"`targets` lacks column(s) {missing}; pass the output of `outreach_targets`."
        raise DataError(msg)
    geometry = [c for c in targets.columns if isinstance(targets[c].dtype, gpd.array.GeometryDtype)]
    out = pd.DataFrame(targets.drop(columns=geometry))
    groups = groups or [total_col]  # a total-only region: the total is the one part to round
    gv = targets[groups].to_numpy(float)
    bv = targets[[f"beyond_{g}" for g in groups]].to_numpy(float)
    parts = np.hstack([bv, np.clip(gv - bv, 0.0, None)])
    rounded = _round_partition(parts, np.floor(parts.sum(axis=1) + 0.5))
    k = len(groups)
    b_int, w_int = rounded[:, :k], rounded[:, k:]
    for j, g in enumerate(groups):
        out[g] = b_int[:, j] + w_int[:, j]
        out[f"beyond_{g}"] = b_int[:, j]
    out[total_col] = rounded.sum(axis=1)
    out[f"beyond_{total_col}"] = b_int.sum(axis=1)
    unreach = np.floor(targets["pop_unreachable"].to_numpy(float) + 0.5).astype(np.int64)
    out["pop_unreachable"] = np.minimum(unreach, out[f"beyond_{total_col}"].to_numpy())
    beyond_total = out[f"beyond_{total_col}"].to_numpy()
    if "share_beyond" in out:
        out["share_beyond"] = _div(beyond_total, out[total_col].to_numpy())
    for g in groups:
        if f"beyond_share_{g}" in out:
            out[f"beyond_share_{g}"] = _div(out[f"beyond_{g}"].to_numpy(), beyond_total)
    return out


def _round_partition(parts: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Round each row of non-negative `parts` to integers summing to `target` (largest remainders)."""
    n, k = parts.shape
    low = np.floor(parts)
    rem = parts - low
    need = np.clip(target - low.sum(axis=1), 0, k).astype(np.intp)
    order = np.argsort(-rem, axis=1, kind="stable")
    place = np.empty_like(order)
    np.put_along_axis(place, order, np.broadcast_to(np.arange(k), (n, k)), axis=1)
    return (low + (place < need[:, None])).astype(np.int64)


def protection_spec(targets: pd.DataFrame, *, total_col: str = "T") -> dict[str, object]:
    """Return the keyword arguments of ``equimap.protect.suppression.suppress_counts`` for an exported targets table.

    The groups add up to the total and the unserved groups to the unserved
    total; each unserved count (and ``pop_unreachable``) is part of its
    group's count; shares, ``mean_excess_min`` and ``score`` are computed
    from counts (the score from the chosen group's unserved count when
    ``targets.attrs["group"]`` is set) and are hidden with them.
    """
    groups = _group_columns(targets, total_col)
    bt = f"beyond_{total_col}"
    chosen = targets.attrs.get("group")
    share_cols: dict[str, list[str]] = {"share_beyond": [bt, total_col], "mean_excess_min": [bt]}
    share_cols.update({f"beyond_share_{g}": [f"beyond_{g}", bt] for g in groups})
    share_cols["score"] = [bt, f"beyond_{chosen}"] if chosen else [bt]
    if not groups:  # a total-only region: residents and unserved residents, nothing to add up
        return {
            "count_groups": {"residents": [total_col], "beyond": [bt]},
            "total_col": None,
            "parents": {bt: total_col, "pop_unreachable": bt},
            "share_cols": {k: v for k, v in share_cols.items() if k in targets.columns},
        }
    return {
        "count_groups": {"residents": groups, "beyond": [f"beyond_{g}" for g in groups]},
        "total_col": total_col,
        "group_totals": {"beyond": bt},
        "parents": {bt: total_col, "pop_unreachable": bt, **{f"beyond_{g}": g for g in groups}},
        "share_cols": {k: v for k, v in share_cols.items() if k in targets.columns},
    }


def protected_targets(targets: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD, total_col: str = "T"):
    """Return the targets as exported and shown: :func:`export_table` with small counts hidden (NaN).

    Every surface that shows targets (the files of :func:`write_targets`, the
    CLI's top 10) reads this one table, so no output shows a value another hides.
    """
    return suppress_counts(
        export_table(targets, total_col=total_col),
        threshold=int(threshold),
        **protection_spec(targets, total_col=total_col),
    )


def write_targets(
    targets: gpd.GeoDataFrame,
    path: str | Path,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    total_col: str = "T",
    lang: str = "en",
) -> Path:
    """Write outreach targets to CSV (no geometry) or GeoPackage (layer ``outreach_targets``, region CRS).

    The table written is :func:`export_table` (whole residents) with small counts
    hidden by :func:`equimap.protect.suppression.suppress_counts` (see :func:`protection_spec`);
    hidden values are written empty. The protection notice opens the file: the
    first line of the CSV, the ``README`` table and layer description of the
    GeoPackage (see :mod:`equimap.report.formats`).

    Parameters
    ----------
    targets
        Output of :func:`outreach_targets`: polygons with a CRS.
    path
        Output file ending in ``.csv`` or ``.gpkg``; an existing file is replaced.
    threshold
        Counts below it are hidden; ``0`` turns protection off and the notice says so.
    total_col
        The region's total column.
    lang
        Language of the notice (one of :func:`equimap.i18n.languages`).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    problems = []
    if suffix not in (".csv", ".gpkg"):
        problems.append(f"output `{path.name}` must end in .csv or .gpkg")
    if not isinstance(targets, gpd.GeoDataFrame) or targets.crs is None:
        problems.append("`targets` must be a GeoDataFrame with a CRS; pass the output of `outreach_targets`")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 0:
        problems.append(f"`threshold` is {threshold!r}; give 0 (protection off) or a positive whole number")
    _fail(problems)
    res = protected_targets(targets, threshold=int(threshold), total_col=total_col)
    notice = str(protection_header(res, lang=lang)["text"])
    if not res.protected:
        log.warning("writing %s WITHOUT small-count protection; do not publish it", path.name)
    if suffix == ".csv":
        return to_csv(res.table, path, notice=notice)
    layer = gpd.GeoDataFrame(res.table, geometry=targets.geometry.to_numpy(), crs=targets.crs)
    return to_gpkg({LAYER: layer}, path, notice=notice)
