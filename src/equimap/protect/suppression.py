"""Small-count protection for every table and map layer that leaves equimap.

A count of a small group in a small area (three people born outside the EU in one
1 km cell) can identify people. Every export first passes through
:func:`suppress_counts`, which hides such counts and everything that would let a
reader work them out again, and then states what it did on the file's first line
(:func:`protection_header`).

Rules
-----
Primary suppression
    A count ``v`` with ``0 < v < threshold`` is hidden. Zeros are shown: a zero names
    nobody, and hiding zeros would hide most of a sparse table. (The one exception is
    a last-resort secondary suppression, below.) Totals are counts too: a cell with
    fewer than ``threshold`` residents has its total hidden as well.
Secondary suppression
    Counts are linked by additive relations: each group's members add up to its total
    (``NAT + EU_OTH + OTH = T``); a subset count and its unpublished complement add up
    to its parent (``beyond_NAT + within_NAT = NAT``); with a totals row, each column
    adds up to that row. A hidden value must not be recoverable from them.
    :func:`suppress_counts` checks this exactly, as a reader would attack it: the
    unknowns are the hidden values, the equations are the relations with the visible
    values filled in, and the reader also knows that every hidden count is at least 1
    (zeros are shown), so two hidden counts adding up to 2 are both 1. Linear
    programming finds the bounds every solution sits on, and linear algebra then tells
    which hidden values take a single value. While a hidden small count (or a value
    hidden to protect one, across rows) is so determined, one more value is hidden:
    the smallest non-zero member of a relation through it, else a non-zero total, and
    as a last resort a zero member. When ``total_col`` is None the group total is
    taken to be known to the reader anyway (census totals are public) and is protected
    against just the same.
Derived values
    A share or mean computed from a hidden count is hidden too (``share_cols``).

What this does not do: it gives no minimum width to what a reader can still learn
(that two hidden counts add up to 12, so each is at most 11), it does not use upper
bounds a reader might guess (that a particular hidden value is below the threshold),
and it does not look across separate files. Protect the tables of one file in one
call, and do not export the same counts with different thresholds.

NaN counts in the input are treated as already hidden by the data's publisher
(Eurostat's confidential cells): they stay NaN, are not counted as suppressed, and
a reader is assumed not to know them.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from equimap import i18n
from equimap._errors import DataError
from equimap.protect._suppression import _Context, _protect_columns, _protect_row, _Relation

log = logging.getLogger(__name__)

#: Default threshold: counts of 1 to 9 people are hidden (a common census rule).
DEFAULT_THRESHOLD = 10

PRIMARY = "primary"
SECONDARY = "secondary"
DERIVED = "derived"
#: Why a value was hidden, in plain words (English), keyed by the reason code in
#: :attr:`SuppressionResult.reason`.
REASONS: dict[str, str] = {
    PRIMARY: "a count above 0 and below the threshold",
    SECONDARY: "hidden so that a small count cannot be worked out from a total",
    DERIVED: "a share or mean computed from a hidden count",
}

#: Message keys of the first-line notice of an exported file (``[export.notice]`` of
#: the catalogues in ``locales/``; ``{threshold}`` and ``{suppressed}`` are filled in).
PROTECTED_NOTICE_KEY = "export.notice.protected"
UNPROTECTED_NOTICE_KEY = "export.notice.unprotected"
#: The English notice that must open every file exported without protection.
UNPROTECTED_NOTICE = i18n.t(UNPROTECTED_NOTICE_KEY, i18n.FALLBACK, folder=i18n.LOCALES_DIR)

_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class SuppressionResult:
    """A protected table and a record of what was hidden and why.

    Attributes
    ----------
    table
        A new table indexed like the input; count and derived columns are float64 with
        hidden values as NaN, other columns unchanged.
    mask
        Boolean frame shaped like `table`: True where this call hid a value.
    reason
        String frame shaped like `table`: ``"primary"``, ``"secondary"``, ``"derived"``
        where hidden, ``""`` elsewhere.
    primary, secondary, derived
        Number of values hidden for each reason.
    threshold
        The threshold used; 0 means protection was turned off.
    """

    table: pd.DataFrame
    mask: pd.DataFrame
    reason: pd.DataFrame
    primary: int
    secondary: int
    derived: int
    threshold: int

    @property
    def protected(self) -> bool:
        """Return whether small-count protection was applied (``threshold > 0``)."""
        return self.threshold > 0

    @property
    def suppressed(self) -> int:
        """Return the number of values hidden for any reason."""
        return self.primary + self.secondary + self.derived

    def notes(self) -> dict[str, object]:
        """Return plain data about the protection for a report or a README.

        Returns
        -------
        dict
            ``protected``, ``threshold``, ``zeros_shown``, ``suppressed``, ``primary``,
            ``secondary``, ``derived``, ``columns`` (one dict per column with any hidden
            value: ``column``, ``primary``, ``secondary``, ``derived``) and ``reasons``
            (reason code -> plain-words explanation). JSON-serialisable.
        """
        columns = []
        for col in self.reason.columns:
            counts = {r: int((self.reason[col] == r).sum()) for r in (PRIMARY, SECONDARY, DERIVED)}
            if any(counts.values()):
                columns.append({"column": str(col), **counts})
        return {
            "protected": self.protected,
            "threshold": self.threshold,
            "zeros_shown": True,
            "suppressed": self.suppressed,
            "primary": self.primary,
            "secondary": self.secondary,
            "derived": self.derived,
            "columns": columns,
            "reasons": dict(REASONS),
        }


def suppress_counts(
    table: pd.DataFrame,
    *,
    count_groups: Mapping[str, Sequence[str]] | Sequence[Sequence[str]],
    total_col: str | None,
    threshold: int = DEFAULT_THRESHOLD,
    share_cols: Mapping[str, Sequence[str]] | None = None,
    group_totals: Mapping[str, str] | None = None,
    parents: Mapping[str, str] | None = None,
    totals_row: Hashable | None = None,
) -> SuppressionResult:
    """Hide small counts, every value that would reveal them, and values derived from them.

    Parameters
    ----------
    table
        One row per area (census cell, council), any index; a GeoDataFrame stays one.
        Count columns hold non-negative numbers of people (NaN: unknown, left as is).
        The input is not changed.
    count_groups
        Additive sets of count columns: ``{"birth": ["NAT", "EU_OTH", "OTH"], "sex": ["M", "F"]}``,
        or a list of such lists. The members of each set add up to its total.
    total_col
        Column every group adds up to (``"T"``), or None when the table has no total
        column (the total is then taken to be known to the reader from elsewhere).
    threshold
        Counts ``0 < v < threshold`` are hidden. ``0`` turns protection off: nothing is
        hidden and :func:`protection_header` marks the file as unprotected.
    share_cols
        Derived column -> the count columns it is computed from
        (``{"share_beyond_NAT": ["beyond_NAT", "NAT"]}``); hidden when any of them is.
    group_totals
        Group name -> its own total column, overriding `total_col` for that group
        (``{"beyond": "beyond_T"}`` for ``{"beyond": ["beyond_NAT", "beyond_EU_OTH", "beyond_OTH"]}``).
        Needs `count_groups` as a mapping.
    parents
        Subset count -> the count it is part of (``{"beyond_NAT": "NAT"}``). The complement
        (``NAT - beyond_NAT``) is not in the table but a reader can compute it, so it is
        protected like a count.
    totals_row
        Index label of a row holding the column totals of all other rows, if the table
        has one; every column is then also protected against subtraction from it.

    Returns
    -------
    SuppressionResult
        The protected table, the mask of hidden values, and counts by reason.

    Raises
    ------
    DataError
        When a named column or the totals row is missing, a count column is not numeric
        or has negative values, a subset count exceeds its parent, or an option is malformed.
    """
    groups = _group_items(count_groups)
    share_cols = {k: [v] if isinstance(v, str) else list(v) for k, v in (share_cols or {}).items()}
    group_totals = dict(group_totals or {})
    parents = dict(parents or {})
    count_cols = _validate(table, groups, total_col, threshold, share_cols, group_totals, parents, totals_row)

    n_rows, n_real = len(table), len(count_cols)
    col_pos = {c: i for i, c in enumerate(count_cols)}
    real = np.column_stack([_as_float(table[c]) for c in count_cols]) if n_real else np.empty((n_rows, 0))
    child_parent = list(parents.items())
    virtual = np.column_stack([real[:, col_pos[p]] - real[:, col_pos[c]] for c, p in child_parent]) if parents else None
    values = real if virtual is None else np.hstack([real, virtual])
    n_cols = values.shape[1]

    templates: list[_Relation] = []
    for name, members in groups:
        tot = group_totals.get(name, total_col)
        if tot is None and len(members) < 2:
            continue  # a lone column with no total cannot leak by subtraction
        templates.append(_Relation(None if tot is None else col_pos[tot], tuple(col_pos[m] for m in members)))
    for k, (child, parent) in enumerate(child_parent):
        templates.append(_Relation(col_pos[parent], (col_pos[child], n_real + k)))

    with np.errstate(invalid="ignore"):
        unknown = np.isnan(values)
        primary = (
            (~unknown) & (values > _TOL) & (values < threshold - _TOL) if threshold > 0 else np.zeros_like(unknown)
        )
    is_real = np.zeros(n_cols, dtype=bool)
    is_real[:n_real] = True
    hidden = primary | unknown
    hidden[:, ~is_real] = True  # complements are never published
    sensitive = primary.copy()  # real small counts and small complements
    integer = bool(np.all(np.isclose(real[~np.isnan(real)], np.round(real[~np.isnan(real)]))))

    if threshold > 0 and n_rows:
        ctx = _Context(values.ravel(), is_real, n_cols, integer)
        for r in np.flatnonzero(sensitive.any(axis=1)):
            _protect_row(ctx, r, templates, hidden, sensitive)
        if totals_row is not None:
            t = int(np.flatnonzero(table.index == totals_row)[0])
            _protect_columns(ctx, t, templates, hidden, sensitive, primary | (hidden & ~unknown & is_real))

    ours = hidden & ~unknown & is_real
    secondary = ours & ~primary
    return _build_result(table, count_cols, share_cols, primary[:, :n_real], secondary[:, :n_real], threshold)


def _build_result(
    table: pd.DataFrame,
    count_cols: list[str],
    share_cols: dict[str, list[str]],
    primary: np.ndarray,
    secondary: np.ndarray,
    threshold: int,
) -> SuppressionResult:
    out = table.copy()
    reason = pd.DataFrame("", index=table.index, columns=table.columns, dtype=object)
    for j, col in enumerate(count_cols):
        vals = _as_float(table[col])
        hide = primary[:, j] | secondary[:, j]
        vals[hide] = np.nan
        out[col] = vals
        reason[col] = np.where(primary[:, j], PRIMARY, np.where(secondary[:, j], SECONDARY, ""))
    pos = {c: j for j, c in enumerate(count_cols)}
    hidden_counts = primary | secondary
    n_derived = 0
    for col, deps in share_cols.items():
        vals = _as_float(table[col])
        hide = hidden_counts[:, [pos[d] for d in deps]].any(axis=1) & ~np.isnan(vals)
        vals[hide] = np.nan
        out[col] = vals
        reason[col] = np.where(hide, DERIVED, "")
        n_derived += int(hide.sum())
    mask = reason != ""
    return SuppressionResult(
        table=out,
        mask=mask,
        reason=reason,
        primary=int(primary.sum()),
        secondary=int(secondary.sum()),
        derived=n_derived,
        threshold=int(threshold),
    )


def _as_float(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="float64", na_value=np.nan).copy()


def _group_items(count_groups: object) -> list[tuple[str, list[str]]]:
    if isinstance(count_groups, Mapping):
        items = list(count_groups.items())
    elif isinstance(count_groups, Sequence) and not isinstance(count_groups, str):
        items = [("+".join(map(str, g)) if _is_seq(g) else str(g), g) for g in count_groups]
    else:
        msg = "`count_groups` must be a mapping of group name to column names or a list of column lists."
        raise DataError(msg)
    bad = [str(name) for name, g in items if not _is_seq(g) or len(g) == 0]
    if bad or not items:
        msg = (
            f"`count_groups` must hold non-empty lists of column names (bad: {bad}); "
            'write `[["NAT", "EU_OTH", "OTH"]]`, not `["NAT", "EU_OTH", "OTH"]`.'
        )
        raise DataError(msg)
    return [(str(name), list(g)) for name, g in items]


def _is_seq(x: object) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)


def _validate(
    table: pd.DataFrame,
    groups: list[tuple[str, list[str]]],
    total_col: str | None,
    threshold: int,
    share_cols: dict[str, list[str]],
    group_totals: dict[str, str],
    parents: dict[str, str],
    totals_row: Hashable | None,
) -> list[str]:
    """Check every option against `table`, raise once for all problems; return the count columns in table order."""
    if not isinstance(table, pd.DataFrame):
        msg = f"`table` must be a pandas DataFrame, not {type(table).__name__}."
        raise DataError(msg)
    problems: list[str] = []
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 0:
        problems.append(f"`threshold` must be a whole number >= 0 (0 turns protection off), got {threshold!r}")
    if table.columns.has_duplicates:
        dupes = sorted(map(str, table.columns[table.columns.duplicated()]))
        problems.append(f"`table` has duplicate column names {dupes}")
    unknown_groups = sorted(set(group_totals) - {name for name, _ in groups})
    if unknown_groups:
        problems.append(f"`group_totals` names groups not in `count_groups`: {unknown_groups}")
    if totals_row is not None and int((table.index == totals_row).sum()) != 1:
        problems.append(f"`totals_row` {totals_row!r} must be exactly one label of the table's index")
    named = [m for _, g in groups for m in g]
    named += [c for c in [total_col, *group_totals.values(), *parents, *parents.values()] if c is not None]
    count_cols = [c for c in table.columns if c in set(named)]
    problems += _check_columns(table, named, share_cols)
    if not problems:
        for child, parent in parents.items():
            over = int((_as_float(table[child]) - _as_float(table[parent]) > _TOL).sum())
            if over:
                problems.append(f"`{child}` exceeds its parent `{parent}` in {over} rows")
    if problems:
        msg = "; ".join(problems) + "."
        raise DataError(msg[0].upper() + msg[1:])
    return count_cols


def _check_columns(table: pd.DataFrame, named: list[str], share_cols: dict[str, list[str]]) -> list[str]:
    """Return problems with the count and derived columns named by the options."""
    problems = []
    count_set = set(named)
    missing = sorted({str(c) for c in named if c not in table.columns})
    missing += sorted({str(c) for c in share_cols if c not in table.columns} - set(missing))
    missing += sorted({str(d) for deps in share_cols.values() for d in deps if d not in count_set} - set(missing))
    if missing:
        problems.append(
            f"columns {missing} are not count columns of `table` (check `count_groups`, totals, `share_cols`)"
        )
    overlap = sorted(str(c) for c in share_cols if c in count_set)
    if overlap:
        problems.append(f"`share_cols` names count columns {overlap}; list only derived columns there")
    for c in [c for c in table.columns if c in count_set]:
        s = table[c]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            problems.append(f"count column `{c}` is not numeric ({s.dtype})")
        elif (s.to_numpy(dtype="float64", na_value=np.nan) < 0).any():
            problems.append(f"count column `{c}` has negative values")
    for c in share_cols:
        if c in table.columns and not pd.api.types.is_numeric_dtype(table[c]):
            problems.append(f"derived column `{c}` is not numeric ({table[c].dtype})")
    return problems


def protection_header(
    results: SuppressionResult | Sequence[SuppressionResult],
    *,
    lang: str = "en",
    texts: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """Return the first-line notice of an exported file, as data and as text.

    Parameters
    ----------
    results
        The result of :func:`suppress_counts` for each table in the file.
    lang
        Language of the notice: one of :func:`equimap.i18n.languages`.
    texts
        Optional templates keyed by :data:`PROTECTED_NOTICE_KEY` and
        :data:`UNPROTECTED_NOTICE_KEY`, replacing the catalogue's;
        ``{threshold}`` and ``{suppressed}`` are filled in.

    Returns
    -------
    dict
        ``protected`` (False if any table is unprotected), ``threshold``, ``suppressed``,
        ``primary``, ``secondary``, ``derived``, ``key`` (text key of the notice) and
        ``text`` (the notice). An unprotected file's text is the warning that must open it.
    """
    items = [results] if isinstance(results, SuppressionResult) else list(results)
    problems = []
    if not items or not all(isinstance(r, SuppressionResult) for r in items):
        problems.append("`results` must be one or more results of `suppress_counts`")
    if texts is None and lang not in i18n.languages():
        problems.append(f"`lang` {lang!r} has no catalogue; use one of {i18n.languages()} or pass `texts`")
    if problems:
        raise DataError("; ".join(problems) + ".")
    protected = all(r.protected for r in items)
    thresholds = sorted({r.threshold for r in items if r.protected})
    if protected and len(thresholds) > 1:
        msg = (
            f"`results` use different thresholds {thresholds}; protect every table of one file with the same threshold."
        )
        raise DataError(msg)
    key = PROTECTED_NOTICE_KEY if protected else UNPROTECTED_NOTICE_KEY
    data: dict[str, object] = {
        "protected": protected,
        "threshold": thresholds[0] if protected else 0,
        "suppressed": sum(r.suppressed for r in items),
        "primary": sum(r.primary for r in items),
        "secondary": sum(r.secondary for r in items),
        "derived": sum(r.derived for r in items),
        "key": key,
    }
    if not texts:
        texts = {k: i18n.t(k, lang) for k in (PROTECTED_NOTICE_KEY, UNPROTECTED_NOTICE_KEY)}
    template = texts.get(key)
    if template is None:
        msg = f"`texts` has no template for `{key}`; add it."
        raise DataError(msg)
    data["text"] = template.format(threshold=data["threshold"], suppressed=data["suppressed"])
    return data
