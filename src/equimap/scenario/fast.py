"""The access table after a change of sites, updated from today's instead of recomputed.

Adding a site only improves the origins within its reach: one bounded search from the
new site (no further than the slowest of today's `k`-th nearest times) and a merge with
today's `k` nearest; the counts within each threshold gain 1 where the new site is in reach.
Removing a site only touches the origins for which it was one of the nearest: the base
keeps each origin's :data:`DEPTH` nearest sites, so the next ones move up; an origin that
runs out of known sites (more than ``DEPTH - k`` of its nearest removed) is recomputed
with one search. The counts lose 1 where the removed site was within the threshold. A
move is a removal and an addition.

Sites and origins join the network by the region's rule (`TravelSettings.snap`, through
:meth:`~equimap.network.prepare.Prepared.routing_inputs`): with edge snapping the base
keeps today's network split at today's sites, and new sites are searched from on the
network split at them alone (a split at other points changes no time between two points).

The result equals :meth:`equimap.network.prepare.Prepared.access` with the changed list
of sites (same kernels, same arithmetic: a time is the site's walk to its node, plus the
edges from the site towards the origin, plus the origin's walk; with edge snapping, to
the last bits of a float, as an edge cut in two steps sums its parts in another order);
the tests check this on a hand graph and on Malta. Which of two sites at exactly the
same time is named ``nearest_service`` may differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap.analysis import tables as tb
from equimap.network.graph import Network
from equimap.network.prepare import Prepared
from equimap.network.routing import count_column, count_within, nearest_times, od_pairs
from equimap.settings import Mode

__all__ = ["DEPTH_EXTRA", "BaseAccess", "access_after", "base_access"]

#: How many nearest sites beyond the `k` of the indicators the base keeps per origin.
DEPTH_EXTRA = 3


@dataclass(frozen=True, eq=False)
class BaseAccess:
    """Today's access of one (mode, category), with what an update needs (read-only, shared).

    Attributes
    ----------
    mode, category
        The question's mode and service key.
    services
        Today's sites (``Prepared.services_for(category)``).
    table
        Today's access table (``Prepared.access(mode, category)``).
    times_s, sites
        Each origin's ``k + DEPTH_EXTRA`` nearest times (sorted) and sites (positions in
        `services`; -1 where fewer are in reach).
    site_node, site_time_s
        Each site's network node and walking time to it.
    net, origin_node, origin_time_s
        The network the base was searched on (split at the sites and, off the walking
        network, the origins, with edge snapping) and each origin's node and walk on it.
    """

    mode: Mode
    category: str
    services: gpd.GeoDataFrame
    table: pd.DataFrame
    times_s: np.ndarray
    sites: np.ndarray
    site_node: np.ndarray
    site_time_s: np.ndarray
    net: Network
    origin_node: np.ndarray
    origin_time_s: np.ndarray


def base_access(prep: Prepared, mode: Mode, category: str) -> BaseAccess:
    """Return today's access of `category` by `mode` with each origin's deeper list of nearest sites (kept on `prep`)."""

    def build() -> BaseAccess:
        svc = prep.services_for(category).reset_index(drop=True)
        table = prep.access(mode, category)
        net, o_node, o_t, s_node, s_t = prep.routing_inputs(mode, svc)
        times, sites = nearest_times(
            net,
            o_node,
            s_node,
            origin_time_s=o_t,
            service_time_s=s_t,
            k=prep.travel.n_nearest + DEPTH_EXTRA,
        )
        return BaseAccess(mode, category, svc, table, times, sites, s_node, s_t, net, o_node, o_t)

    return tb.memo(prep, ("scenario_base", mode, category), build)


def _diff(base: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (removed positions in base, added positions in after, after position of each base site or -1)."""
    b_key = pd.MultiIndex.from_arrays([base["service_id"].astype(str), base.geometry.x, base.geometry.y])
    a_key = pd.MultiIndex.from_arrays([after["service_id"].astype(str), after.geometry.x, after.geometry.y])
    where = a_key.get_indexer(b_key)
    if a_key.has_duplicates or b_key.has_duplicates:  # the same site twice: no reliable diff
        return np.arange(len(base)), np.arange(len(after)), np.full(len(base), -1)
    kept_in_after = np.zeros(len(after), bool)
    kept_in_after[where[where >= 0]] = True
    return np.flatnonzero(where < 0), np.flatnonzero(~kept_in_after), where


def access_after(prep: Prepared, base: BaseAccess, services: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the access table with `services` instead of today's sites, updated from `base`.

    Parameters
    ----------
    prep
        The prepared region `base` was built on.
    base
        Today's access (:func:`base_access`).
    services
        The sites after the change (e.g. :func:`equimap.scenario.changes.apply_changes`),
        points in the region CRS with ``service_id``; a site counts as kept when its id and
        point are unchanged.

    Returns
    -------
    pandas.DataFrame
        Equal to ``prep.access(base.mode, base.category, services=services)``: indexed like
        the origins, columns of `equimap.network.indicators.access_table`.
    """
    services = services.reset_index(drop=True)
    removed, added, where = _diff(base.services, services)
    if len(removed) + len(added) > max(16, len(base.services) // 3):
        return prep.access(base.mode, base.category, services=services)  # most sites change: search them all
    k = prep.travel.n_nearest
    o_node, o_t = base.origin_node, base.origin_time_s
    # the new sites are searched from on the network split at them alone (with the origins off
    # the walking network): the split at today's sites changes no time between other points
    a_net, ao_node, ao_t, a_node, a_t = prep.routing_inputs(base.mode, services.iloc[added])
    thresholds = sorted(prep.travel.count_thresholds_min)
    cols = [count_column(t) for t in thresholds]
    thr_s = np.array(thresholds, float) * 60
    counts = base.table[cols].to_numpy(np.int64, copy=True)
    if len(removed):
        counts -= count_within(
            base.net,
            o_node,
            base.site_node[removed],
            thresholds_s=thr_s,
            origin_time_s=o_t,
            service_time_s=base.site_time_s[removed],
        )
    if len(added):
        counts += count_within(a_net, ao_node, a_node, thresholds_s=thr_s, origin_time_s=ao_t, service_time_s=a_t)
    times, sites = _nearest_after(a_net, base, removed, added, where, (ao_node, ao_t), (a_node, a_t), k)
    need = np.isnan(times[:, 0])
    if need.any():  # too many of their nearest sites went: one search over every site after the change
        net, n_node, n_t, s_node, s_t = prep.routing_inputs(base.mode, services)
        times[need], sites[need] = nearest_times(
            net, n_node[need], s_node, origin_time_s=n_t[need], service_time_s=s_t, k=k
        )
    fin = np.isfinite(times)
    n_k = fin.sum(axis=1)
    with np.errstate(invalid="ignore"):
        mean_k = np.where(n_k > 0, np.where(fin, times, 0.0).sum(axis=1) / np.maximum(n_k, 1), np.inf)
    labels = services["service_id"].to_numpy().astype(object)
    nearest = np.full(len(times), None, dtype=object)
    hit = sites[:, 0] >= 0
    nearest[hit] = labels[sites[hit, 0]]
    out = pd.DataFrame(
        {"time_nearest_s": times[:, 0], "time_mean3_s": mean_k, "n_reached_k": n_k, "nearest_service": nearest},
        index=base.table.index,
    )
    for j, c in enumerate(cols):
        out[c] = counts[:, j].astype(base.table[c].dtype)
    return out


def _nearest_after(
    net,
    base: BaseAccess,
    removed: np.ndarray,
    added: np.ndarray,
    where: np.ndarray,
    origins: tuple[np.ndarray, np.ndarray],
    new: tuple[np.ndarray, np.ndarray],
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return each origin's `k` nearest times and sites (positions after the change); NaN rows must be recomputed."""
    times, sites = base.times_s, base.sites
    complete = ~np.isfinite(times[:, -1])  # fewer sites in reach than kept: the list holds all of them
    if len(removed):
        gone = np.isin(sites, removed)
        times = np.where(gone, np.inf, times)
        order = np.argsort(times, axis=1, kind="stable")
        times = np.take_along_axis(times, order, axis=1)
        sites = np.take_along_axis(np.where(gone, -1, sites), order, axis=1)
    left = np.isfinite(times).sum(axis=1)
    need = ~complete & (left < k)
    sites = np.where(sites >= 0, where[np.maximum(sites, 0)], -1)  # positions after the change
    times, sites = times[:, :k], sites[:, :k]
    if len(added):
        o_node, o_t = origins
        a_node, a_t = new
        reach = (o_node >= 0) & ~need
        kth = times[reach, k - 1]
        cutoff = float(kth.max()) if len(kth) else np.inf
        pairs = od_pairs(net, o_node, a_node, cutoff_s=cutoff, origin_time_s=o_t, service_time_s=a_t)
        extra_t = np.full((len(times), len(added)), np.inf)
        extra_t[pairs["origin"].to_numpy(), pairs["service"].to_numpy()] = pairs["time_s"].to_numpy()
        extra_s = np.where(np.isfinite(extra_t), added[None, :], -1)
        times = np.concatenate([times, extra_t], axis=1)
        sites = np.concatenate([sites, extra_s], axis=1)
        order = np.argsort(times, axis=1, kind="stable")[:, :k]
        times = np.take_along_axis(times, order, axis=1)
        sites = np.take_along_axis(sites, order, axis=1)
    times = np.ascontiguousarray(times, dtype=float)
    times[need] = np.nan
    return times, np.ascontiguousarray(sites)
