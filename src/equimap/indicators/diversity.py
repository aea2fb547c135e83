"""How mixed the residents of a place are, and where diverse places are badly served.

A *place* is one row of any table of group counts: a census cell, a local
council, a whole region. Counts are residents (possibly fractional). A place
with no residents has no defined share or diversity: its values are NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equimap._validate import _fail, _population_problems
from equimap.indicators.groups import weighted_quantile


def _counts_problems(counts: pd.DataFrame, name: str = "counts") -> list[str]:
    if not isinstance(counts, pd.DataFrame):
        return [f"`{name}` must be a pandas DataFrame with one column of residents per group"]
    if counts.shape[1] == 0:
        return [f"`{name}` has no columns; pass one column of residents per group"]
    return _population_problems(counts, list(counts.columns), name)


def _shares(counts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return each place's group shares (NaN rows where a place has no residents) and whether it has any."""
    values = counts.to_numpy(dtype=float)
    total = values.sum(axis=1)
    has = total > 0
    shares = np.full(values.shape, np.nan)
    shares[has] = values[has] / total[has, None]
    return shares, has


def foreign_born_shares(df: pd.DataFrame, *, native: str, eu: str, non_eu: str) -> pd.DataFrame:
    """Return each place's shares of residents born in another EU country, outside the EU, and abroad.

    With ``N``, ``E``, ``O`` the residents born in the country, in another EU
    country and outside the EU, and ``P = N + E + O``: ``eu_share = E / P``,
    ``non_eu_share = O / P`` and ``foreign_share = (E + O) / P``. All are NaN
    where ``P`` is 0.

    Parameters
    ----------
    df
        One row per place with the three population columns (residents, 0 or more).
    native, eu, non_eu
        Names of the columns of residents born in the country, in another EU country, and outside the EU.

    Returns
    -------
    pandas.DataFrame
        Indexed like `df`, with columns ``eu_share``, ``non_eu_share`` and ``foreign_share`` (0..1).
    """
    if not isinstance(df, pd.DataFrame):
        _fail(["`df` must be a pandas DataFrame with one row per place"])
    _fail(_population_problems(df, [native, eu, non_eu], "df"))
    shares, _ = _shares(df[[native, eu, non_eu]])
    return pd.DataFrame(
        {"eu_share": shares[:, 1], "non_eu_share": shares[:, 2], "foreign_share": shares[:, 1] + shares[:, 2]},
        index=df.index,
    )


def simpson_index(counts: pd.DataFrame, *, normalised: bool = False) -> pd.Series:
    """Return the Gini-Simpson diversity of each place.

    .. math:: D = 1 - \\sum_{k=1}^{K} p_k^2

    the probability that two residents drawn at random *with replacement* from
    the place belong to different groups (:math:`p_k` the share of group
    ``k``). It runs from 0 (everyone in one group) to :math:`1 - 1/K` (equal
    shares); ``normalised=True`` divides by :math:`1 - 1/K` so that equal
    shares give 1. ``K`` is the number of columns of `counts` (the groups that
    could be present), not the number present in the place.

    Parameters
    ----------
    counts
        One row per place and one column of residents (0 or more) per group.
    normalised
        Divide by :math:`1 - 1/K` (needs at least two columns).

    Returns
    -------
    pandas.Series
        Indexed like `counts`, named ``simpson``; NaN for places with no residents.
    """
    problems = _counts_problems(counts)
    if not problems and normalised and counts.shape[1] < 2:
        problems.append("`counts` needs at least two group columns for a normalised index")
    _fail(problems)
    shares, has = _shares(counts)
    d = np.full(len(counts), np.nan)
    d[has] = 1.0 - (shares[has] ** 2).sum(axis=1)
    if normalised:
        d = d / (1.0 - 1.0 / counts.shape[1])
    return pd.Series(d, index=counts.index, name="simpson")


def shannon_index(counts: pd.DataFrame, *, normalised: bool = True) -> pd.Series:
    """Return the Shannon entropy of each place's group shares.

    .. math:: H = -\\sum_{k=1}^{K} p_k \\ln p_k, \\qquad 0 \\ln 0 = 0

    ``normalised=True`` (the default) divides by :math:`\\ln K`, the entropy of
    equal shares, giving 0 (one group) to 1 (equal shares); ``K`` is the number
    of columns of `counts`.

    Parameters
    ----------
    counts
        One row per place and one column of residents (0 or more) per group.
    normalised
        Divide by :math:`\\ln K` (needs at least two columns).

    Returns
    -------
    pandas.Series
        Indexed like `counts`, named ``shannon``; NaN for places with no residents.
    """
    problems = _counts_problems(counts)
    if not problems and normalised and counts.shape[1] < 2:
        problems.append("`counts` needs at least two group columns for a normalised index")
    _fail(problems)
    shares, has = _shares(counts)
    p = shares[has]
    terms = np.zeros_like(p)
    np.multiply(p, np.log(p, where=p > 0, out=np.zeros_like(p)), out=terms, where=p > 0)
    h = np.full(len(counts), np.nan)
    h[has] = -terms.sum(axis=1)
    if normalised:
        h = h / np.log(counts.shape[1])
    return pd.Series(h, index=counts.index, name="shannon")


def _classes(values: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Return 1..n by weighted inverted-CDF quantile breaks of the defined values (0 where undefined)."""
    defined = ~np.isnan(values)
    out = np.zeros(values.size, dtype=int)
    if not (defined & (weights > 0)).any():
        return out
    breaks = weighted_quantile(values[defined], weights[defined], np.arange(1, n) / n)
    out[defined] = 1 + (values[defined][:, None] > np.atleast_1d(breaks)[None, :]).sum(axis=1)
    return out


def bivariate_classes(
    diversity: pd.Series, access_time: pd.Series, *, n: int = 3, pop: pd.Series | None = None
) -> pd.DataFrame:
    """Classify places by diversity quantile and access-time quantile, and flag diverse, underserved places.

    Each variable is cut at its ``k/n`` quantiles (``k = 1 .. n-1``, the
    inverted-CDF definition of `equimap.indicators.gaps.weighted_quantile`). Class ``c`` holds
    values above break ``c-1`` and at or below break ``c``, so tied values share
    a class. Without `pop` the quantiles are over places (each class holds about
    ``1/n`` of the places, e.g. terciles for ``n=3``); with `pop` they are
    population-weighted (each class holds about ``1/n`` of the residents, and
    places with no residents do not move the breaks).

    Class 1 is the least diverse / shortest time, class ``n`` the most diverse /
    longest time. An unreachable place (``access_time`` ``inf``) falls in the
    worst access class. A place whose diversity or access time is NaN (e.g. no
    residents) gets no class (``<NA>``) and is not flagged.

    Parameters
    ----------
    diversity
        Diversity per place (e.g. `simpson_index` or the foreign-born share), NaN allowed.
    access_time
        Travel time per place in seconds (e.g. its population-weighted mean), indexed like `diversity`.
    n
        Number of classes per variable, 2 or more.
    pop
        Residents per place, indexed like `diversity`, for population-weighted quantiles.

    Returns
    -------
    pandas.DataFrame
        Indexed like `diversity`, with ``diversity_class`` and ``access_class``
        (nullable integers 1..n) and ``diverse_underserved`` (bool: most diverse
        class and worst access class).
    """
    problems: list[str] = []
    if not isinstance(diversity, pd.Series):
        _fail(["`diversity` must be a pandas Series with one value per place"])
    index = diversity.index
    named = {"access_time": access_time} | ({"pop": pop} if pop is not None else {})
    for name, s in named.items():
        if not isinstance(s, pd.Series):
            problems.append(f"`{name}` must be a pandas Series indexed like `diversity`")
        elif not s.index.equals(index):
            problems.append(
                f"`{name}` is not indexed like `diversity`; align it with `{name}.reindex(diversity.index)`"
            )
    if not (isinstance(n, int) and n >= 2):
        problems.append("`n` must be a whole number of classes, 2 or more")
    _fail(problems)
    div = diversity.to_numpy(dtype=float)
    time = access_time.to_numpy(dtype=float)
    if np.isinf(div).any():
        problems.append("`diversity` has infinite values; pass shares or indices")
    if (time[~np.isnan(time)] < 0).any():
        problems.append("`access_time` has negative times; times must be 0 or more seconds")
    if pop is not None:
        problems += _population_problems(pop.to_frame("pop"), ["pop"], "pop")
    _fail(problems)
    weights = np.ones(len(index)) if pop is None else pop.to_numpy(dtype=float)
    d_class = _classes(div, weights, n)
    a_class = _classes(time, weights, n)
    out = pd.DataFrame(
        {
            "diversity_class": pd.Series(np.where(d_class > 0, d_class, np.nan), index=index).astype("Int64"),
            "access_class": pd.Series(np.where(a_class > 0, a_class, np.nan), index=index).astype("Int64"),
        },
        index=index,
    )
    out["diverse_underserved"] = (d_class == n) & (a_class == n)
    return out
