"""Supply-side access: capacity per resident with floating catchments (2SFCA, E2SFCA, gravity).

Inputs, all in the house currency:

* ``costs``: long-form cost table with columns ``origin``, ``service`` and
  ``time_s`` (seconds), one row per (origin, service) pair that may be in a
  catchment (pairs absent from the table are out of reach);
* ``demand``: residents per origin (Series indexed by origin);
* ``supply``: capacity per service (Series indexed by service), e.g. hospital
  beds, or 1 per site when capacity is unknown.

Every measure weighs each pair by a distance-decay weight :math:`f(t_{ij})`
and, except the uncontested potential, works in two steps (Luo & Wang 2003;
Luo & Qi 2009 for the enhanced version):

.. math:: R_j = \\frac{S_j}{\\sum_i f(t_{ij}) P_i}, \\qquad A_i = \\sum_j f(t_{ij}) R_j

``R_j`` is service ``j``'s capacity per resident in its catchment and ``A_i``
the capacity available per resident of origin ``i`` (e.g. beds per resident;
multiply by 1000 for beds per 1,000 residents). These are the definitions of
PySAL ``access`` (``two_stage_fca``, ``enhanced_two_stage_fca``, and
``weighted_catchment`` for the uncontested potential :math:`\\sum_j f(t_{ij}) S_j`),
un-normalised (``normalize=False``); the tests compare against it.

Two choices differ from ``access`` and are deliberate:

* an origin with no service in reach (no pair with a positive weight) has
  access **0**, not NaN: it has no capacity available, and a population-weighted
  mean over groups (`access_by_group`) must count those residents;
* a service whose catchment holds no residents (:math:`\\sum_i f P_i = 0`)
  serves nobody and contributes 0 (``access`` would divide by zero).

Pairs with zero weight are outside the catchment. Every origin of `demand`
gets a value; the result is indexed like `demand`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from equimap._validate import _div, _fail, _group_problems, _population_problems

COST_COLUMNS = ("origin", "service", "time_s")


def _check_inputs(costs: pd.DataFrame, demand: pd.Series, supply: pd.Series) -> None:
    problems: list[str] = []
    if not isinstance(costs, pd.DataFrame):
        problems.append("`costs` must be a pandas DataFrame with columns `origin`, `service`, `time_s`")
    if not isinstance(demand, pd.Series):
        problems.append("`demand` must be a pandas Series of residents indexed by origin")
    if not isinstance(supply, pd.Series):
        problems.append("`supply` must be a pandas Series of capacity indexed by service")
    _fail(problems)
    missing = [c for c in COST_COLUMNS if c not in costs.columns]
    if missing:
        problems.append(f"`costs` has no column {', '.join(f'`{c}`' for c in missing)}; expected {list(COST_COLUMNS)}")
    else:
        t = costs["time_s"]
        if not pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) or t.isna().any() or (t < 0).any():
            problems.append("`costs` column `time_s` must be seconds, 0 or more, with no missing values")
        if costs.duplicated(["origin", "service"]).any():
            problems.append("`costs` has repeated (origin, service) pairs; keep one time per pair (e.g. the minimum)")
        if not costs["origin"].isin(demand.index).all():
            problems.append(
                "`costs` has origins that are not in the index of `demand`; give every origin its residents"
            )
        if not costs["service"].isin(supply.index).all():
            problems.append("`costs` has services that are not in the index of `supply`; give every service a capacity")
    for name, s in (("demand", demand), ("supply", supply)):
        if s.index.has_duplicates:
            problems.append(f"`{name}` has duplicate index values; give one value per id")
        problems += _population_problems(s.to_frame(name), [name], name)
    _fail(problems)


def _catchment_access(
    costs: pd.DataFrame, demand: pd.Series, supply: pd.Series, weight: np.ndarray, *, competition: bool = True
) -> pd.Series:
    """Return A_i for pair weights `weight` (aligned with the rows of `costs`)."""
    keep = weight > 0
    rows = demand.index.get_indexer(costs["origin"])[keep]
    cols = supply.index.get_indexer(costs["service"])[keep]
    w = sp.csr_array((weight[keep], (rows, cols)), shape=(len(demand), len(supply)))
    s = supply.to_numpy(dtype=float)
    if competition:
        weighted_demand = w.T @ demand.to_numpy(dtype=float)
        ratio = np.nan_to_num(_div(s, weighted_demand), nan=0.0)
    else:
        ratio = s
    return pd.Series(w @ ratio, index=demand.index, name="access")


def _times(costs: pd.DataFrame) -> np.ndarray:
    return costs["time_s"].to_numpy(dtype=float)


def two_step_fca(costs: pd.DataFrame, demand: pd.Series, supply: pd.Series, *, max_cost_s: float) -> pd.Series:
    """Return two-step floating catchment access: capacity per resident within `max_cost_s`.

    :math:`f(t) = 1` if :math:`t \\le` `max_cost_s`, else 0, in the formulas of
    the module docstring. Equals PySAL ``access``'s
    ``two_stage_fca(max_cost=max_cost_s)`` where that is defined.

    Parameters
    ----------
    costs
        Columns ``origin``, ``service``, ``time_s`` (seconds, 0 or more; ``inf`` = out of reach).
    demand
        Residents per origin (0 or more), indexed by origin; every origin of `costs` must be present.
    supply
        Capacity per service (0 or more), indexed by service; every service of `costs` must be present.
    max_cost_s
        Catchment size in seconds.

    Returns
    -------
    pandas.Series
        Capacity per resident, indexed like `demand`, named ``access``; 0 where no service is in reach.
    """
    _check_inputs(costs, demand, supply)
    if not (isinstance(max_cost_s, Real) and max_cost_s >= 0 and not math.isnan(max_cost_s)):
        _fail(["`max_cost_s` must be a number of seconds, 0 or more"])
    weight = (_times(costs) <= max_cost_s).astype(float)
    return _catchment_access(costs, demand, supply, weight)


def step_weights(time_s: np.ndarray, weights: Sequence[tuple[float, float]]) -> np.ndarray:
    """Return the step weight of each time: the weight of the smallest upper bound at or above it, else 0.

    Parameters
    ----------
    time_s
        Times in seconds.
    weights
        ``(upper_bound_s, weight)`` pairs in any order, e.g. the original
        E2SFCA steps ``[(600, 1.0), (1200, 0.68), (1800, 0.22)]``; a time equal
        to a bound takes that bound's weight, a time beyond the largest bound
        weighs 0.
    """
    problems = []
    if len(weights) == 0:
        problems.append("`weights` is empty; pass (upper_bound_s, weight) pairs such as [(600, 1.0), (1200, 0.68)]")
    else:
        try:
            table = np.asarray(weights, dtype=float).reshape(len(weights), 2)
        except (TypeError, ValueError):
            _fail(["`weights` must be a sequence of (upper_bound_s, weight) pairs of numbers"])
        if np.isnan(table).any() or (table[:, 0] < 0).any() or (table[:, 1] < 0).any():
            problems.append("`weights` bounds and weights must be numbers, 0 or more")
        if np.unique(table[:, 0]).size != len(table):
            problems.append("`weights` repeats an upper bound; give each bound once")
    _fail(problems)
    table = table[np.argsort(table[:, 0])]
    t = np.asarray(time_s, dtype=float)
    idx = np.searchsorted(table[:, 0], t, side="left")  # first bound >= t
    padded = np.append(table[:, 1], 0.0)
    return padded[idx]


def enhanced_two_step_fca(
    costs: pd.DataFrame,
    demand: pd.Series,
    supply: pd.Series,
    *,
    weights: Sequence[tuple[float, float]] = ((600.0, 1.0), (1200.0, 0.68), (1800.0, 0.22)),
) -> pd.Series:
    """Return enhanced two-step floating catchment access with stepwise distance decay.

    :math:`f` is the step function of `step_weights`; the default is Luo & Qi's
    (2009) steps of 10, 20 and 30 minutes with weights 1, 0.68 and 0.22. Equals
    PySAL ``access``'s ``enhanced_two_stage_fca(weight_fn=weights.step_fn(...))``
    with the same steps.

    Parameters
    ----------
    costs, demand, supply
        As in `two_step_fca`.
    weights
        ``(upper_bound_s, weight)`` pairs; times beyond the largest bound are out of the catchment.

    Returns
    -------
    pandas.Series
        Capacity per resident, indexed like `demand`, named ``access``; 0 where no service is in reach.
    """
    _check_inputs(costs, demand, supply)
    return _catchment_access(costs, demand, supply, step_weights(_times(costs), weights))


def gravity_access(
    costs: pd.DataFrame,
    demand: pd.Series,
    supply: pd.Series,
    *,
    decay: Literal["gaussian", "exponential"] = "gaussian",
    scale_s: float,
    max_cost_s: float | None = None,
    competition: bool = True,
) -> pd.Series:
    """Return gravity-type access with continuous distance decay.

    Decay functions, with :math:`f(0) = 1` (no normalising constant):

    * ``"gaussian"``: :math:`f(t) = \\exp(-t^2 / (2 \\sigma^2))`, :math:`\\sigma` = `scale_s`
      (PySAL ``access.weights.gaussian(sigma)``);
    * ``"exponential"``: :math:`f(t) = \\exp(-t / \\text{scale\\_s})`.

    With ``competition=True`` (default) capacity is shared among the residents
    who can reach it, as in the two-step formulas of the module docstring
    (``access``'s ``two_stage_fca(weight_fn=gaussian(sigma))``); with
    ``competition=False`` it is the uncontested potential
    :math:`A_i = \\sum_j f(t_{ij}) S_j` (``access``'s ``weighted_catchment``),
    and `demand` only fixes the index of the result.

    Parameters
    ----------
    costs, demand, supply
        As in `two_step_fca`.
    decay
        ``"gaussian"`` or ``"exponential"``.
    scale_s
        Decay scale in seconds (:math:`\\sigma` of the Gaussian), positive.
    max_cost_s
        Optional hard cut-off: pairs with a larger time are out of reach.
    competition
        Share capacity among residents in reach (True) or not (False).

    Returns
    -------
    pandas.Series
        Access per origin, indexed like `demand`, named ``access``; 0 where no service is in reach.
    """
    _check_inputs(costs, demand, supply)
    problems = []
    if decay not in ("gaussian", "exponential"):
        problems.append(f"`decay` `{decay}` is unknown; use 'gaussian' or 'exponential'")
    if not (isinstance(scale_s, Real) and math.isfinite(scale_s) and scale_s > 0):
        problems.append("`scale_s` must be a positive, finite number of seconds")
    if max_cost_s is not None and not (isinstance(max_cost_s, Real) and max_cost_s >= 0):
        problems.append("`max_cost_s` must be None or a number of seconds, 0 or more")
    _fail(problems)
    t = _times(costs)
    weight = np.exp(-t * t / (2.0 * scale_s**2)) if decay == "gaussian" else np.exp(-t / scale_s)
    if max_cost_s is not None:
        weight = np.where(t <= max_cost_s, weight, 0.0)
    return _catchment_access(costs, demand, supply, weight, competition=competition)


def access_by_group(
    access: pd.Series, origins: pd.DataFrame, *, groups: Mapping[str, str], reference: str | None = None
) -> pd.DataFrame:
    """Return the capacity available to the average member of each group.

    For group ``g`` with residents :math:`p_{ig}`:
    :math:`\\bar A_g = \\sum_i p_{ig} A_i / \\sum_i p_{ig}`, the population-weighted
    mean of the per-origin access (origins with no service in reach count with 0).

    Parameters
    ----------
    access
        Access per origin (e.g. from `two_step_fca`), indexed like `origins`, finite.
    origins
        Origins table with the population columns named in `groups`.
    groups
        Population column -> label.
    reference
        Group the ratio is taken against; default the first of `groups`.

    Returns
    -------
    pandas.DataFrame
        Indexed by group column (name ``group``), with ``label``, ``pop``,
        ``access`` (NaN for a group with no residents) and
        ``ratio_to_reference`` (access / the reference group's access; below 1
        means less capacity per member than the reference group).
    """
    if reference is None and len(groups) > 0:
        reference = next(iter(groups))
    problems = _group_problems(groups, reference)
    if not isinstance(origins, pd.DataFrame):
        _fail(["`origins` must be a pandas DataFrame with one row per origin"])
    problems += _population_problems(origins, list(groups), "origins")
    if not isinstance(access, pd.Series):
        problems.append("`access` must be a pandas Series indexed like `origins`")
    else:
        if not access.index.equals(origins.index):
            problems.append("`access` is not indexed like `origins`; align it with `access.reindex(origins.index)`")
        if not np.isfinite(access.to_numpy(dtype=float)).all():
            problems.append("`access` has missing or infinite values; origins with no service in reach have access 0")
    _fail(problems)
    cols = list(groups)
    pop = origins[cols].to_numpy(dtype=float)
    a = access.to_numpy(dtype=float)
    total = pop.sum(axis=0)
    mean = _div(a @ pop, total)
    out = pd.DataFrame(
        {"label": [groups[c] for c in cols], "pop": total, "access": mean},
        index=pd.Index(cols, name="group"),
    )
    out["ratio_to_reference"] = _div(mean, mean[cols.index(reference)])
    return out
