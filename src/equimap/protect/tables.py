"""Round and protect the tables of a bundle: whole residents, then small-count suppression.

Residents are spread over network nodes, so a cell's or a council's count of a group
is fractional. :func:`round_counts` first rounds every count to whole residents
while keeping each group adding up to its total and each "beyond the threshold"
count within its group (controlled rounding). The protect functions then call
:func:`equimap.protect.suppression.suppress_counts` with the additive relations of each table.

Column names: an area table holds the count columns (``T``, ``NAT``, ...) and, for
each analysis with column prefix ``p`` (``"walk_health_15min_"``, or ``""`` for a
table of one analysis), ``{p}beyond_<col>``, ``{p}share_beyond`` and optional
derived columns. The functions here take those prefixes, not analyses, so that
`equimap.report.access_file` protects the ``access`` command's cells the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from equimap.protect.suppression import SuppressionResult, suppress_counts

#: The urbanisation tables' counts are rounded to this many residents when protected.
CLASS_ROUNDING = 100
#: The groups table's counts (region totals) are rounded to this many residents when protected.
GROUP_ROUNDING = 10
#: Area-table columns derived from the birth counts (see `equimap.indicators.diversity`), hidden with them.
DIVERSITY_COLUMNS = ("eu_share", "non_eu_share", "foreign_share", "simpson")


def round_to(values: np.ndarray, base: int) -> np.ndarray:
    """Return `values` rounded to the nearest multiple of `base`."""
    return np.round(values / base) * base


def controlled_round(values: np.ndarray, total: np.ndarray, caps: np.ndarray | None = None) -> np.ndarray:
    """Round each row of `values` (n, k) to whole numbers adding up to `total` (whole), each at most `caps`.

    Largest remainders go up first (Hamilton's method), so every value moves by less
    than 1 when the row's values add up to its total before rounding.
    """
    fl = np.floor(values + 1e-9)
    if caps is not None:
        fl = np.minimum(fl, caps)
    out = fl.copy()
    rem = values - fl
    need = np.round(total - fl.sum(axis=1)).astype(np.int64)
    for i in np.flatnonzero(need != 0):
        room = np.ones(values.shape[1], dtype=bool) if caps is None else out[i] < caps[i]
        if need[i] > 0:
            order = [j for j in np.argsort(-rem[i], kind="stable") if room[j]]
            for j in order[: need[i]]:
                out[i, j] += 1
        else:
            order = [j for j in np.argsort(rem[i], kind="stable") if out[i, j] > 0]
            for j in order[: -need[i]]:
                out[i, j] -= 1
    return out


def round_counts(
    table: pd.DataFrame, total: str, sets: Mapping[str, Sequence[str]], prefixes: Sequence[str]
) -> pd.DataFrame:
    """Return `table` with counts rounded to whole residents, keeping every group and subset relation.

    Parameters
    ----------
    table
        Area table with the `total` column, every column of `sets` and, per prefix
        ``p``, ``{p}beyond_<col>`` for the total and every member of `sets`.
    total
        The total count column (``"T"``).
    sets
        Group dimension -> its additive count columns (groups and unknown column).
    prefixes
        Column prefix of each analysis.
    """
    out = table.copy()
    t = np.round(table[total].to_numpy(float))
    out[total] = t
    for members in sets.values():
        out[list(members)] = controlled_round(table[list(members)].to_numpy(float), t)
    for p in prefixes:
        bt = np.minimum(np.round(table[f"{p}beyond_{total}"].to_numpy(float)), t)
        out[f"{p}beyond_{total}"] = bt
        for members in sets.values():
            sub = [f"{p}beyond_{m}" for m in members]
            out[sub] = controlled_round(table[sub].to_numpy(float), bt, caps=out[list(members)].to_numpy(float))
    return out


def protect_areas(
    table: pd.DataFrame,
    *,
    total: str,
    sets: Mapping[str, Sequence[str]],
    prefixes: Sequence[str],
    threshold: int,
    totals_row: str | None = None,
    birth: Sequence[str] = (),
) -> SuppressionResult:
    """Protect a cells or councils table (with its totals row, if it has one).

    Every dimension of `sets` adds up to `total`, and for each prefix ``p`` its
    ``{p}beyond_<col>`` counts add up to ``{p}beyond_<total>``, each a subset of its
    ``<col>``. Shares (``{p}share_beyond``, the diversity columns computed from the
    `birth` counts, ``density_km2``) are hidden with the counts they come from.
    """
    counts = [total, *[m for members in sets.values() for m in members]]
    groups: dict[str, list[str]] = {k: list(v) for k, v in sets.items()}
    group_totals: dict[str, str] = {}
    parents: dict[str, str] = {}
    shares: dict[str, list[str]] = {}
    for p in prefixes:
        for k, members in sets.items():
            groups[f"{p}:{k}"] = [f"{p}beyond_{m}" for m in members]
            group_totals[f"{p}:{k}"] = f"{p}beyond_{total}"
        for c in counts:
            parents[f"{p}beyond_{c}"] = c
        if f"{p}share_beyond" in table.columns:
            shares[f"{p}share_beyond"] = [f"{p}beyond_{total}", total]
    for c in DIVERSITY_COLUMNS:
        if c in table.columns:
            shares[c] = [total, *birth]
    if "density_km2" in table.columns:
        shares["density_km2"] = [total]
    total_col: str | None = total
    if not groups:  # a total-only region: the total is its own (one-column) set, with no sum to check
        groups, total_col = {"all": [total]}, None
    return suppress_counts(
        table,
        count_groups=groups,
        total_col=total_col,
        threshold=threshold,
        share_cols=shares,
        group_totals=group_totals,
        parents=parents,
        totals_row=totals_row,
    )


def protect_groups(groups: pd.DataFrame, threshold: int, *, stat_columns: Sequence[str]) -> SuppressionResult:
    """Protect the groups table: ``pop_beyond`` and ``pop_unreachable`` are parts of ``pop``.

    Each statistic of `stat_columns` (times, gaps, intervals) describes a group and is
    hidden with its ``pop``.
    """
    shares = {c: ["pop"] for c in stat_columns}
    shares["share_beyond"] = ["pop_beyond", "pop"]
    shares["share_unreachable"] = ["pop_unreachable", "pop"]
    return suppress_counts(
        groups,
        count_groups={"pop": ["pop"]},
        total_col=None,
        threshold=threshold,
        share_cols=shares,
        parents={"pop_beyond": "pop", "pop_unreachable": "pop"},
    )


def round_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """Return the protected groups table with counts to the nearest :data:`GROUP_ROUNDING` and shares to 4 decimals.

    The groups' counts are the column totals of the cells table; rounded, a reader
    cannot subtract the visible cells from them to recover hidden ones.
    """
    out = groups.copy()
    for c in ("pop", "pop_beyond", "pop_unreachable"):
        out[c] = round_to(out[c].to_numpy(float), GROUP_ROUNDING)
    for c in out.columns:
        if c.startswith("share_beyond_diff_pp"):  # percentage points: as precise as a share to 4 decimals
            out[c] = out[c].round(2)
        elif c.startswith(("share_", "representation_ratio", "mean_rel", "median_rel")):
            out[c] = out[c].round(4)
    return out


def protect_classes(table: pd.DataFrame, *, total: str, prefixes: Sequence[str], threshold: int) -> SuppressionResult:
    """Protect an urbanisation table (already rounded; its rounded total is not an exact sum, so no totals row)."""
    shares = {f"{p}share_beyond": [f"{p}beyond_{total}", total] for p in prefixes}
    shares["pop_share"] = [total]
    return suppress_counts(
        table,
        count_groups={"pop": [total]},
        total_col=None,
        threshold=threshold,
        share_cols=shares,
        parents={f"{p}beyond_{total}": total for p in prefixes},
    )


def protect_like(
    table: pd.DataFrame,
    source: SuppressionResult,
    *,
    rows: pd.Index,
    columns: Mapping[str, str],
    derived: Mapping[str, Sequence[str]],
) -> SuppressionResult:
    """Hide in `table` exactly what `source` hid, for rows and columns taken from `source`'s table.

    Used for tables that repeat figures of a protected table (the outreach targets
    repeat the cells'): a value is hidden where its source is, for the same reason,
    so the two tables agree and together reveal no more than the source alone.

    Parameters
    ----------
    table
        Table whose count columns hold the unprotected values of `source`'s table.
    source
        The protection of the table the counts come from.
    rows
        For each row of `table`, the index label of its source row.
    columns
        Count column of `table` -> its source column.
    derived
        Derived column of `table` -> the count columns of `table` it is computed
        from; hidden when any of them is.
    """
    out = table.copy()
    reason = pd.DataFrame("", index=table.index, columns=table.columns, dtype=object)
    for col, src in columns.items():
        why = source.reason[src].reindex(rows).fillna("").to_numpy()
        vals = out[col].to_numpy(dtype="float64", na_value=np.nan).copy()
        vals[why != ""] = np.nan
        out[col] = vals
        reason[col] = why
    n_derived = 0
    for col, deps in derived.items():
        vals = out[col].to_numpy(dtype="float64", na_value=np.nan).copy()
        hide = (reason[list(deps)] != "").any(axis=1).to_numpy() & ~np.isnan(vals)
        vals[hide] = np.nan
        out[col] = vals
        reason[col] = np.where(hide, "derived", "")
        n_derived += int(hide.sum())
    counted = reason[list(columns)]
    return SuppressionResult(
        table=out,
        mask=reason != "",
        reason=reason,
        primary=int((counted == "primary").sum().sum()),
        secondary=int((counted == "secondary").sum().sum()),
        derived=n_derived,
        threshold=source.threshold,
    )


def concat_results(results: Sequence[SuppressionResult]) -> SuppressionResult:
    """Return the results of tables with the same columns stacked into one (rows renumbered from 0)."""
    return SuppressionResult(
        table=pd.concat([r.table for r in results], ignore_index=True),
        mask=pd.concat([r.mask for r in results], ignore_index=True),
        reason=pd.concat([r.reason for r in results], ignore_index=True),
        primary=sum(r.primary for r in results),
        secondary=sum(r.secondary for r in results),
        derived=sum(r.derived for r in results),
        threshold=results[0].threshold,
    )
