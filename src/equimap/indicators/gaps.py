"""Travel-time gaps between groups of residents, with cluster-bootstrap intervals.

The currency is the origins table of one region, mode and service category:
a DataFrame indexed by origin with a cluster column (``cell_id``, the census
cell an origin belongs to) and one population column per group (residents,
possibly fractional), plus a Series ``time_s`` of travel times on the same
index (seconds; ``inf`` = no service reachable).

Every statistic is population-weighted: an origin counts as many times as it
has residents of the group. Unreachable residents (``time_s`` is ``inf``) are
kept apart rather than given an arbitrary time:

* mean and median time are over *reachable* residents only, and
  ``pop_unreachable`` / ``share_unreachable`` say how many were left out;
* the share beyond the threshold counts unreachable residents as beyond it
  (a resident who cannot reach the service at all is certainly not served
  within the threshold).

Intervals come from a cluster bootstrap: cells are drawn with replacement (as
many draws as there are cells), every origin of a drawn cell enters with its
cell's multiplicity, and all statistics are recomputed. Residents of one cell
share a road network and a census count, so resampling cells rather than
origins keeps their dependence. The interval is the percentile interval of the
replicates (order statistics, no interpolation).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from equimap._errors import DataError
from equimap._validate import _div, _fail, _group_problems, _population_problems, _time_problems

logger = logging.getLogger(__name__)

#: Statistics of `group_gaps` that get a bootstrap interval, in column order.
CI_STATS: tuple[str, ...] = (
    "mean_time_s",
    "median_time_s",
    "share_beyond",
    "mean_diff_s",
    "mean_rel_diff",
    "median_diff_s",
    "median_rel_diff",
    "share_beyond_diff_pp",
    "representation_ratio",
)

# Replicates per chunk when computing bootstrap medians (bounds memory to about
# _CHUNK_CELLS float64 values per array).
_CHUNK_CELLS = 4_000_000


# --------------------------------------------------------------------------- group gaps


@dataclass(frozen=True)
class _Prepared:
    """Per-cluster sums and sorted times that every bootstrap replicate reuses."""

    n_clusters: int
    cell_pop: np.ndarray  # (C, G) residents per cluster and group
    cell_reach: np.ndarray  # (C, G) reachable residents
    cell_time: np.ndarray  # (C, G) sum of residents * time over reachable origins
    cell_beyond: np.ndarray  # (C, G) residents beyond the threshold (unreachable included)
    cell_unreach: np.ndarray  # (C, G) unreachable residents
    cell_total: np.ndarray  # (C,) all residents
    cell_total_beyond: np.ndarray  # (C,) all residents beyond the threshold
    sorted_cells: tuple[np.ndarray, ...]  # per group (R_g,): cluster code of reachable origins sorted by time
    sorted_time: tuple[np.ndarray, ...]  # per group (R_g,): their times
    sorted_pop: tuple[np.ndarray, ...]  # per group (R_g,): their residents of the group


def _prepare(
    pop: np.ndarray, total: np.ndarray, time: np.ndarray, codes: np.ndarray, n_clusters: int, threshold_s: float
) -> _Prepared:
    """Sum per cluster; `time` is (N,) for everyone or (N, G + 1): each group's own times, then everyone's."""
    if time.ndim == 1:
        time = np.repeat(time[:, None], pop.shape[1] + 1, axis=1)
    own, everyone = time[:, :-1], time[:, -1]
    reach = np.isfinite(own)
    beyond = ~(own <= threshold_s)  # inf is beyond
    beyond_all = ~(everyone <= threshold_s)

    def per_cell(values: np.ndarray) -> np.ndarray:
        out = np.zeros((n_clusters, *values.shape[1:]))
        np.add.at(out, codes, values)
        return out

    t0 = np.where(reach, own, 0.0)
    # all residents beyond: everyone's time, except that each group's residents count by their own times
    diff = beyond.astype(float) - beyond_all[:, None].astype(float)
    total_beyond = total * beyond_all + (pop * diff).sum(axis=1)
    cells, times, pops = [], [], []
    for g in range(pop.shape[1]):
        order = np.argsort(np.where(reach[:, g], own[:, g], np.inf), kind="stable")[: int(reach[:, g].sum())]
        cells.append(codes[order])
        times.append(own[order, g])
        pops.append(pop[order, g])
    return _Prepared(
        n_clusters=n_clusters,
        cell_pop=per_cell(pop),
        cell_reach=per_cell(pop * reach),
        cell_time=per_cell(pop * t0),
        cell_beyond=per_cell(pop * beyond),
        cell_unreach=per_cell(pop * ~reach),
        cell_total=per_cell(total),
        cell_total_beyond=per_cell(total_beyond),
        sorted_cells=tuple(cells),
        sorted_time=tuple(times),
        sorted_pop=tuple(pops),
    )


def _medians(mult: np.ndarray, prep: _Prepared, q: float = 0.5) -> np.ndarray:
    """Return the weighted q-quantile of reachable times per replicate and group, shape (B, G)."""
    n_rep, n_groups = mult.shape[0], len(prep.sorted_pop)
    out = np.full((n_rep, n_groups), np.nan)
    for g in range(n_groups):
        n = prep.sorted_time[g].size
        if n == 0:
            continue
        step = max(1, _CHUNK_CELLS // n)
        for start in range(0, n_rep, step):
            m = mult[start : start + step][:, prep.sorted_cells[g]]  # (b, R) multiplicity of each origin
            cdf = np.cumsum(m * prep.sorted_pop[g], axis=1)
            tot = cdf[:, -1]
            ok = tot > 0
            if not ok.any():
                continue
            cdf = cdf[ok] / tot[ok, None]
            idx = np.minimum((cdf < q).sum(axis=1), n - 1)  # first position with cdf >= q
            out[start : start + step][ok, g] = prep.sorted_time[g][idx]
    return out


def _replicate_stats(mult: np.ndarray, prep: _Prepared, ref: int) -> dict[str, np.ndarray]:
    """Return every statistic for each replicate (rows) and group (columns) given cluster multiplicities."""
    pop = mult @ prep.cell_pop
    reach = mult @ prep.cell_reach
    mean = _div(mult @ prep.cell_time, reach)
    median = _medians(mult, prep)
    share_beyond = _div(mult @ prep.cell_beyond, pop)
    share_beyond_all = _div(mult @ prep.cell_total_beyond, mult @ prep.cell_total)
    unreach = mult @ prep.cell_unreach
    return {
        "pop": pop,
        "pop_unreachable": unreach,
        "share_unreachable": _div(unreach, pop),
        "mean_time_s": mean,
        "median_time_s": median,
        "share_beyond": share_beyond,
        "mean_diff_s": mean - mean[:, [ref]],
        "mean_rel_diff": _div(mean, mean[:, [ref]]) - 1.0,
        "median_diff_s": median - median[:, [ref]],
        "median_rel_diff": _div(median, median[:, [ref]]) - 1.0,
        "share_beyond_diff_pp": 100.0 * (share_beyond - share_beyond[:, [ref]]),
        "representation_ratio": _div(share_beyond, share_beyond_all[:, None]),
    }


def _percentile_interval(reps: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the lower and upper percentile bounds per column, ignoring undefined (NaN) replicates."""
    alpha = 1.0 - ci
    lo = np.full(reps.shape[1], np.nan)
    hi = np.full(reps.shape[1], np.nan)
    for g in range(reps.shape[1]):
        v = reps[:, g]
        v = v[~np.isnan(v)]
        if v.size:
            lo[g] = np.quantile(v, alpha / 2, method="lower")
            hi[g] = np.quantile(v, 1 - alpha / 2, method="higher")
    return lo, hi


def _check_gap_args(
    origins: pd.DataFrame,
    time_s: pd.Series,
    groups: Mapping[str, str],
    reference: str | None,
    total: str | None,
    cluster_col: str | None,
    threshold_s: float,
    n_boot: int,
    ci: float,
) -> None:
    if not isinstance(origins, pd.DataFrame):
        _fail(["`origins` must be a pandas DataFrame with one row per origin"])
    problems = _group_problems(groups, reference)
    cols = list(groups) + ([total] if total is not None and total not in groups else [])
    problems += _population_problems(origins, cols, "origins")
    if origins.index.has_duplicates:
        problems.append("`origins` has duplicate index values; give every origin its own id")
    if cluster_col is not None:
        if cluster_col not in origins.columns:
            problems.append(
                f"`origins` has no cluster column `{cluster_col}`; pass `cluster_col=None` to resample origins"
            )
        elif origins[cluster_col].isna().any():
            problems.append(f"`origins` column `{cluster_col}` has missing values; every origin needs a cell")
    problems += _time_problems(time_s, origins.index)
    if not (isinstance(threshold_s, Real) and math.isfinite(threshold_s) and threshold_s >= 0):
        problems.append("`threshold_s` must be a finite number of seconds, 0 or more")
    if not (isinstance(n_boot, Integral) and n_boot >= 0):
        problems.append("`n_boot` must be a whole number, 0 or more (0 skips the intervals)")
    if not (isinstance(ci, Real) and 0 < ci < 1):
        problems.append("`ci` must lie strictly between 0 and 1 (0.95 for a 95% interval)")
    _fail(problems)


def group_gaps(
    origins: pd.DataFrame,
    time_s: pd.Series,
    *,
    groups: Mapping[str, str],
    reference: str | None = None,
    threshold_s: float,
    total: str | None = None,
    cluster_col: str | None = "cell_id",
    n_boot: int = 999,
    seed: int = 0,
    ci: float = 0.95,
    group_time_s: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Compare travel times of groups of residents with a reference group.

    For each group ``g`` with residents :math:`p_{ig}` at origin ``i`` and
    time :math:`t_i`, over reachable origins :math:`R` (finite time):

    * ``mean_time_s`` :math:`= \\sum_{i \\in R} p_{ig} t_i / \\sum_{i \\in R} p_{ig}`;
    * ``median_time_s``: weighted median of :math:`t_i, i \\in R`, with weights
      :math:`p_{ig}` (inverted-CDF definition, see `weighted_quantile`);
    * ``share_beyond`` :math:`= \\sum_i p_{ig} [t_i > \\text{threshold}] / \\sum_i p_{ig}`,
      where unreachable origins (``inf``) count as beyond; a time equal to the
      threshold is within it;
    * ``mean_diff_s`` = mean(g) - mean(ref) and ``mean_rel_diff`` = mean(g) / mean(ref) - 1
      (0.25 means 25% longer); likewise ``median_diff_s``, ``median_rel_diff``;
    * ``share_beyond_diff_pp`` = 100 * (share_beyond(g) - share_beyond(ref)), percentage points;
    * ``representation_ratio`` = (g's share of all residents beyond the
      threshold) / (g's share of all residents) = share_beyond(g) / share_beyond(all).
      Above 1, the group is over-represented among the underserved.

    Every statistic except ``pop``, ``pop_unreachable`` and ``share_unreachable``
    has a bootstrap interval ``<stat>_lo``, ``<stat>_hi`` (see the module
    docstring). Undefined values are NaN: every time statistic of a group with no
    (reachable) residents, relative differences when the reference value is 0,
    and the representation ratio when nobody is beyond the threshold. Replicates
    in which a statistic is undefined are left out of its interval. The reference
    row's differences are 0 with a [0, 0] interval.

    Parameters
    ----------
    origins
        One row per origin (unique index), with the population columns named in
        `groups` (and `total`), residents as non-negative floats, and the
        `cluster_col` column (the census cell of each origin).
    time_s
        Travel time to the service in seconds, indexed exactly like `origins`;
        ``inf`` where no service can be reached. NaN is refused.
    groups
        Population column -> human label, e.g. ``{"NAT": "Born in Malta",
        "EU_OTH": "Born in another EU country", "OTH": "Born outside the EU"}``.
    reference
        Column of the reference group; default the first of `groups`.
    threshold_s
        Travel time (seconds) that counts as served, e.g. 900 for 15 minutes.
    total
        Column of all residents, for the representation ratio's denominators.
        Default: the sum of the `groups` columns (right when they partition the
        population, as country of birth, age bands or sex do).
    cluster_col
        Column whose values are resampled by the bootstrap; None resamples origins.
    n_boot
        Bootstrap replicates; 0 skips the intervals (their columns are NaN).
    seed
        Seed of the ``numpy.random.Generator``; the same seed gives the same intervals.
    ci
        Coverage of the intervals, e.g. 0.95.
    group_time_s
        Own travel times of some groups (column -> Series indexed like `origins`), e.g. the
        walking times of older residents at their own speed; the other groups use `time_s`.
        The representation ratio's "all residents beyond" then counts each such group's
        residents by their own times and everyone else by `time_s`.

    Returns
    -------
    pandas.DataFrame
        Indexed by group column (index name ``group``), in the order of
        `groups`, with columns ``label``, ``is_reference``, ``threshold_s``,
        ``pop``, ``pop_unreachable``, ``share_unreachable`` and then each
        statistic of `CI_STATS` followed by its ``_lo`` and ``_hi`` bounds.
    """
    if reference is None and len(groups) > 0:
        reference = next(iter(groups))
    _check_gap_args(origins, time_s, groups, reference, total, cluster_col, threshold_s, n_boot, ci)
    cols = list(groups)
    ref = cols.index(reference)
    pop = origins[cols].to_numpy(dtype=float)
    tot = origins[total].to_numpy(dtype=float) if total is not None else pop.sum(axis=1)
    time = time_s.to_numpy(dtype=float)
    if group_time_s:
        own = []
        for c in cols:
            t = group_time_s.get(c)
            if t is not None:
                _fail(_time_problems(t, origins.index))
            own.append(time if t is None else t.to_numpy(dtype=float))
        time = np.column_stack([*own, time])
    if cluster_col is None:
        codes, n_clusters = np.arange(len(origins)), len(origins)
    else:
        codes_arr, uniques = pd.factorize(origins[cluster_col])
        codes, n_clusters = codes_arr, len(uniques)
    prep = _prepare(pop, tot, time, codes, n_clusters, float(threshold_s))

    point = _replicate_stats(np.ones((1, n_clusters)), prep, ref)
    out = pd.DataFrame(index=pd.Index(cols, name="group"))
    out["label"] = [groups[c] for c in cols]
    out["is_reference"] = [c == reference for c in cols]
    out["threshold_s"] = float(threshold_s)
    for name in ("pop", "pop_unreachable", "share_unreachable"):
        out[name] = point[name][0]

    reps = None
    if n_boot > 0 and n_clusters > 0:
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, n_clusters, size=(n_boot, n_clusters))
        mult = np.zeros((n_boot, n_clusters))
        np.add.at(mult, (np.arange(n_boot)[:, None], draws), 1.0)
        reps = _replicate_stats(mult, prep, ref)
    for name in CI_STATS:
        out[name] = point[name][0]
        if reps is None:
            lo = hi = np.full(len(cols), np.nan)
        else:
            lo, hi = _percentile_interval(reps[name], ci)
        out[f"{name}_lo"] = lo
        out[f"{name}_hi"] = hi
    logger.debug("group_gaps: %d origins, %d clusters, %d replicates", len(origins), n_clusters, n_boot)
    return out


def gap_sentence(
    row: pd.Series,
    *,
    reference_label: str,
    category_label: str,
    mode_label: str,
    template: str | None = None,
) -> dict[str, Any]:
    """Return the numbers for a plain-language sentence about one group's gap.

    The library returns values, not English: the UI picks and translates the
    words. A template such as ``"{group_label} wait on average {mean_diff_abs_min:.1f}
    min {direction} than {reference_label} to reach {category_label} by {mode_label}."``
    can be passed to get the filled-in text as well (key ``text``).

    Parameters
    ----------
    row
        One row of `group_gaps` (a Series with its columns; ``row.name`` is the group column).
    reference_label, category_label, mode_label
        Human labels of the reference group, the service category and the travel mode.
    template
        Optional `str.format` template using the keys below.

    Returns
    -------
    dict
        ``group``, ``group_label``, ``reference_label``, ``category_label``,
        ``mode_label``; ``direction`` (``"longer"``, ``"shorter"``, ``"same"``,
        or ``"unknown"`` when undefined) of the mean difference;
        ``mean_diff_min`` (signed) and ``mean_diff_abs_min``, with
        ``mean_diff_lo_min`` / ``mean_diff_hi_min``; ``ci_excludes_zero``
        (True when the interval lies wholly on one side of 0, None without an
        interval); ``mean_time_min`` and ``ref_mean_time_min``;
        ``median_diff_min``; ``threshold_min``; ``share_beyond_pct``,
        ``ref_share_beyond_pct`` and ``share_beyond_diff_pp``;
        ``representation_ratio``; ``pop``; and ``text`` if `template` was given.
    """
    need = ["label", "threshold_s", "pop", "mean_time_s", "mean_diff_s", "mean_diff_s_lo", "mean_diff_s_hi"]
    need += ["median_diff_s", "share_beyond", "share_beyond_diff_pp", "representation_ratio"]
    missing = [c for c in need if c not in row.index]
    if missing:
        _fail([f"`row` has no {', '.join(f'`{c}`' for c in missing)}; pass a row of `group_gaps`"])
    diff = float(row["mean_diff_s"])
    lo, hi = float(row["mean_diff_s_lo"]), float(row["mean_diff_s_hi"])
    if math.isnan(diff):
        direction = "unknown"
    elif diff > 0:
        direction = "longer"
    elif diff < 0:
        direction = "shorter"
    else:
        direction = "same"
    excludes = None if math.isnan(lo) or math.isnan(hi) else bool(lo > 0 or hi < 0)
    values: dict[str, Any] = {
        "group": row.name,
        "group_label": row["label"],
        "reference_label": reference_label,
        "category_label": category_label,
        "mode_label": mode_label,
        "direction": direction,
        "mean_diff_min": diff / 60.0,
        "mean_diff_abs_min": abs(diff) / 60.0,
        "mean_diff_lo_min": lo / 60.0,
        "mean_diff_hi_min": hi / 60.0,
        "ci_excludes_zero": excludes,
        "mean_time_min": float(row["mean_time_s"]) / 60.0,
        "ref_mean_time_min": (float(row["mean_time_s"]) - diff) / 60.0,
        "median_diff_min": float(row["median_diff_s"]) / 60.0,
        "threshold_min": float(row["threshold_s"]) / 60.0,
        "share_beyond_pct": 100.0 * float(row["share_beyond"]),
        "ref_share_beyond_pct": 100.0 * float(row["share_beyond"]) - float(row["share_beyond_diff_pp"]),
        "share_beyond_diff_pp": float(row["share_beyond_diff_pp"]),
        "representation_ratio": float(row["representation_ratio"]),
        "pop": float(row["pop"]),
    }
    if template is not None:
        try:
            values["text"] = template.format(**values)
        except (KeyError, IndexError, ValueError) as err:
            msg = f"`template` cannot be filled ({err!r}); use only the keys {sorted(values)}."
            raise DataError(msg) from err
    return values
