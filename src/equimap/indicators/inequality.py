"""Population-weighted inequality of travel times: Gini, Theil T and the concentration index.

Each function takes values ``x`` (e.g. travel time in seconds per origin) and
weights ``w`` (residents per origin) as Series on the same index, so every
resident counts once. Observations are treated as follows:

* zero weight: left out (a place with nobody living there says nothing about
  inequality between residents);
* ``x`` infinite (no service reachable): left out, and the number of such
  origins and their residents is logged at INFO level; `equimap.indicators.gaps.group_gaps`
  reports unreachable residents per group, so read the two together;
* ``x`` of 0 (a service at the origin): kept; Theil T uses the limit
  :math:`0 \\ln 0 = 0`, so zeros need no special handling;
* ``x`` negative or NaN, ``w`` negative, infinite or NaN: `DataError`;
* nothing left, or a weighted mean of 0 (every kept value is 0): `DataError`,
  because the indices divide by the mean and are undefined.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from equimap._validate import _fail, _population_problems, _time_problems

logger = logging.getLogger(__name__)


def _series_problems(s: pd.Series, name: str, index: pd.Index | None, index_of: str) -> list[str]:
    if not isinstance(s, pd.Series):
        return [f"`{name}` must be a pandas Series"]
    problems = []
    if index is not None and not s.index.equals(index):
        problems.append(f"`{name}` is not indexed like `{index_of}`; align it with `{name}.reindex({index_of}.index)`")
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        problems.append(f"`{name}` is not numeric")
    return problems


def _clean(x: pd.Series, w: pd.Series, *, extra: Mapping[str, pd.Series] | None = None) -> tuple[np.ndarray, ...]:
    """Validate x and w (and aligned extras), drop zero-weight and infinite-x rows, and return arrays.

    Returns x, w and then each extra as numpy arrays restricted to the kept rows.
    """
    extra = dict(extra or {})
    problems = _series_problems(x, "x", None, "x") + _series_problems(w, "w", getattr(x, "index", None), "x")
    for name, s in extra.items():
        if not isinstance(s, pd.Series):
            problems.append(f"`{name}` must be a pandas Series indexed like `x`")
        elif isinstance(x, pd.Series) and not s.index.equals(x.index):
            problems.append(f"`{name}` is not indexed like `x`; align it with `{name}.reindex(x.index)`")
    _fail(problems)
    xa = x.to_numpy(dtype=float)
    wa = w.to_numpy(dtype=float)
    if np.isnan(wa).any() or np.isinf(wa).any() or (wa < 0).any():
        problems.append("`w` has negative, infinite or missing weights; residents must be finite and 0 or more")
    keep = wa > 0
    if np.isnan(xa[keep]).any() or (xa[keep] < 0).any():
        problems.append(
            "`x` has negative or missing values where `w` > 0; pass times of 0 or more (inf if unreachable)"
        )
    _fail(problems)
    infinite = keep & np.isinf(xa)
    if infinite.any():
        logger.info(
            "left out %d unreachable origins (%.1f residents) with infinite x", infinite.sum(), wa[infinite].sum()
        )
    keep &= ~infinite
    if not keep.any():
        _fail(["no origin has both a positive weight `w` and a finite value `x`; the index is undefined"])
    if not (xa[keep] > 0).any():
        _fail(["every value of `x` with a positive weight is 0; the index divides by the mean and is undefined"])
    return (xa[keep], wa[keep], *(s.to_numpy()[keep] for s in extra.values()))


def gini(x: pd.Series, w: pd.Series) -> float:
    """Return the population-weighted Gini coefficient of `x`.

    .. math:: G = \\frac{\\sum_i \\sum_j w_i w_j |x_i - x_j|}{2 W^2 \\mu},
              \\quad W = \\sum_i w_i, \\quad \\mu = \\sum_i w_i x_i / W

    computed in O(n log n) from the sorted values: with :math:`S_k` the
    running sum of weights in ascending order of ``x``, the double sum equals
    :math:`2 \\sum_k w_k x_k (2 S_k - w_k - W)`. 0 = everyone has the same
    value; it approaches 1 when one resident has everything. See the module
    docstring for zeros, unreachable origins and errors.

    Parameters
    ----------
    x
        Non-negative values per observation (``inf`` is left out).
    w
        Non-negative weights (residents), indexed like `x`.
    """
    xa, wa = _clean(x, w)
    order = np.argsort(xa, kind="stable")
    xs, ws = xa[order], wa[order]
    cum = np.cumsum(ws)
    total = cum[-1]
    mu = np.dot(ws, xs) / total
    pair_sum = 2.0 * np.dot(ws * xs, 2.0 * cum - ws - total)
    return float(pair_sum / (2.0 * total**2 * mu))


def _theil(xa: np.ndarray, wa: np.ndarray) -> float:
    mu = np.dot(wa, xa) / wa.sum()
    r = xa / mu
    pos = r > 0
    return float(np.dot(wa[pos], r[pos] * np.log(r[pos])) / wa.sum())


def theil_t(x: pd.Series, w: pd.Series) -> float:
    """Return the population-weighted Theil T index of `x`.

    .. math:: T = \\frac{1}{W} \\sum_i w_i \\frac{x_i}{\\mu} \\ln \\frac{x_i}{\\mu}

    with :math:`W = \\sum_i w_i`, :math:`\\mu = \\sum_i w_i x_i / W` and
    :math:`0 \\ln 0 = 0`. 0 = perfect equality; the maximum, :math:`\\ln n` for
    ``n`` equally weighted observations, is reached when one holds everything.
    See the module docstring for zeros, unreachable origins and errors.

    Parameters
    ----------
    x
        Non-negative values per observation (``inf`` is left out).
    w
        Non-negative weights (residents), indexed like `x`.
    """
    xa, wa = _clean(x, w)
    return _theil(xa, wa)


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil T split into inequality between groups and within them.

    ``total == between + within`` (up to floating-point rounding), and
    ``between`` and ``within`` are the sums of the columns of the same name in
    ``groups``.

    Attributes
    ----------
    total, between, within
        Theil T of all observations, of the group means, and the weighted sum of within-group indices.
    groups
        One row per group (index: group label) with ``pop`` (weight),
        ``mean`` (weighted mean of x), ``x_share`` (the group's share of the
        total of x, :math:`s_g`), ``theil`` (:math:`T_g`, the group's own
        index), ``within`` (:math:`s_g T_g`) and ``between``
        (:math:`s_g \\ln(\\mu_g/\\mu)`).
    """

    total: float
    between: float
    within: float
    groups: pd.DataFrame


def theil_decomposition(x: pd.Series, w: pd.Series, groups: pd.Series) -> TheilDecomposition:
    """Decompose the Theil T index of `x` into between- and within-group parts.

    With :math:`s_g = W_g \\mu_g / (W \\mu)` the share of all of ``x`` held by
    group ``g`` (weight :math:`W_g`, mean :math:`\\mu_g`, own index :math:`T_g`):

    .. math:: T = \\underbrace{\\sum_g s_g \\ln \\frac{\\mu_g}{\\mu}}_{\\text{between}}
              + \\underbrace{\\sum_g s_g T_g}_{\\text{within}}

    The identity is exact; ``total`` is computed directly from all
    observations, not as the sum of the parts. A group whose values are all 0
    has :math:`s_g = 0` and contributes nothing. Observations are filtered as
    in `theil_t`.

    To decompose travel times by population group when each origin holds
    residents of several groups, stack the origins table first with
    `stack_groups` (each (origin, group) pair becomes one observation).

    Parameters
    ----------
    x
        Non-negative values per observation (``inf`` is left out).
    w
        Non-negative weights, indexed like `x`.
    groups
        Group label of each observation, indexed like `x` (no missing labels).
    """
    if isinstance(groups, pd.Series) and groups.isna().any():
        _fail(["`groups` has missing labels; give every observation a group"])
    xa, wa, ga = _clean(x, w, extra={"groups": groups})
    total = _theil(xa, wa)
    big_w = wa.sum()
    mu = np.dot(wa, xa) / big_w
    codes, labels = pd.factorize(ga, sort=True)
    rows = []
    for k in range(len(labels)):
        m = codes == k
        wg, xg = wa[m], xa[m]
        pop = wg.sum()
        mean = np.dot(wg, xg) / pop
        share = pop * mean / (big_w * mu)
        theil_g = _theil(xg, wg) if mean > 0 else 0.0
        between = share * np.log(mean / mu) if share > 0 else 0.0
        rows.append((pop, mean, share, theil_g, share * theil_g, between))
    table = pd.DataFrame(
        rows,
        index=pd.Index(labels, name="group"),
        columns=["pop", "mean", "x_share", "theil", "within", "between"],
    )
    return TheilDecomposition(
        total=total, between=float(table["between"].sum()), within=float(table["within"].sum()), groups=table
    )


def concentration_index(x: pd.Series, w: pd.Series, rank_by: pd.Series) -> float:
    """Return the population-weighted concentration index of `x` against `rank_by`.

    Observations are ranked by `rank_by` (e.g. a place's foreign-born share,
    lowest first); :math:`R_i` is the weighted fractional rank, the share of
    weight ranked below ``i`` plus half the weight tied with ``i`` (``i``
    included). Then

    .. math:: C = \\frac{2\\,\\mathrm{cov}_w(x, R)}{\\mu}
              = \\frac{\\sum_i \\sum_j w_i w_j (x_i - x_j)\\,\\mathrm{sign}(r_i - r_j)}{2 W^2 \\mu}

    It lies in [-1, 1]; for `x` = travel time and `rank_by` = foreign-born
    share, C > 0 means long travel times are concentrated in places with many
    foreign-born residents, C < 0 in places with few, 0 no gradient. Ranking by
    `x` itself gives the Gini coefficient. Tied ranks share their mean rank, so
    the result does not depend on the order of ties.

    Parameters
    ----------
    x
        Non-negative values (``inf`` is left out, see the module docstring).
    w
        Non-negative weights (residents), indexed like `x`.
    rank_by
        Ranking variable, indexed like `x`; it may be NaN only where `w` is 0.
    """
    xa, wa, ra = _clean(x, w, extra={"rank_by": rank_by})
    ra = np.asarray(ra, dtype=float)
    if np.isnan(ra).any():
        _fail(["`rank_by` is missing where `w` > 0; every observation with residents needs a rank"])
    big_w = wa.sum()
    mu = np.dot(wa, xa) / big_w
    uniq, inv = np.unique(ra, return_inverse=True)
    tie_w = np.bincount(inv, weights=wa, minlength=uniq.size)
    below = np.concatenate([[0.0], np.cumsum(tie_w)[:-1]])
    frac_rank = (below + tie_w / 2.0)[inv] / big_w
    cov = np.dot(wa, (xa - mu) * (frac_rank - 0.5)) / big_w
    return float(2.0 * cov / mu)


def stack_groups(origins: pd.DataFrame, time_s: pd.Series, *, groups: Mapping[str, str]) -> pd.DataFrame:
    """Return one row per (origin, group) with its time and residents, for group decompositions.

    Parameters
    ----------
    origins
        Origins table with the population columns named in `groups` (non-negative floats).
    time_s
        Travel time in seconds indexed like `origins` (``inf`` = unreachable).
    groups
        Population column -> label.

    Returns
    -------
    pandas.DataFrame
        Indexed by (origin, group column), with columns ``time_s``, ``pop`` and
        ``group`` (the group's label); feed it to
        ``theil_decomposition(df["time_s"], df["pop"], df["group"])``.
    """
    problems = [] if len(groups) else ["`groups` is empty; pass a mapping column -> label"]
    if not isinstance(origins, pd.DataFrame):
        _fail(["`origins` must be a pandas DataFrame"])
    problems += _population_problems(origins, list(groups), "origins")
    problems += _time_problems(time_s, origins.index)
    _fail(problems)
    parts: dict[Hashable, pd.DataFrame] = {}
    for col, label in groups.items():
        parts[col] = pd.DataFrame(
            {"time_s": time_s.astype(float), "pop": origins[col].astype(float), "group": label}, index=origins.index
        )
    out = pd.concat(parts, names=["group_col", *origins.index.names]).swaplevel(0, 1)
    return out
