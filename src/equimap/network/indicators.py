"""The access indicators of one set of services, and of a union of sets from its parts.

`access_parts` runs the two searches of `equimap.network.routing` (the `k` nearest and the
counts within each threshold) and keeps what a table is made of; `parts_table` turns that into
the access table; `merge_parts` gives a union of sets (a theme) from its sets' parts, exactly,
without searching again; `access_table` is the first two in one call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from equimap import settings
from equimap.network.graph import Network
from equimap.network.routing import count_column, count_within, nearest_times


def count_within_min(
    net: Network,
    origin_node: np.ndarray,
    service_node: np.ndarray,
    *,
    thresholds_min: tuple[float, ...],
    origin_time_s: np.ndarray | None = None,
    service_time_s: np.ndarray | None = None,
) -> np.ndarray:
    """Return `count_within` at thresholds in minutes: the counts of an access table, thresholds in increasing order."""
    thresholds_s = np.array(sorted(thresholds_min), float) * 60
    return count_within(
        net,
        origin_node,
        service_node,
        thresholds_s=thresholds_s,
        origin_time_s=origin_time_s,
        service_time_s=service_time_s,
    )


def access_parts(
    net: Network,
    origin_node: np.ndarray,
    service_node: np.ndarray,
    *,
    origin_time_s: np.ndarray | None = None,
    service_time_s: np.ndarray | None = None,
    service_ids: np.ndarray | None = None,
    k: int = settings.N_NEAREST,
    thresholds_min: tuple[float, ...] = settings.COUNT_THRESHOLDS_MIN,
    nearest: tuple[np.ndarray, np.ndarray] | None = None,
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return what `access_table` is made of: the `k` nearest times, their sites and the counts.

    `nearest` and `counts`, when given, are `nearest_times` and `count_within` of the same
    inputs, already computed (on another thread, say: `equimap.network.access_pass`); they are
    used as they are.

    Returns
    -------
    (times, ids, counts)
        `times` (n_origins × k, sorted, inf where fewer are in reach), `ids` (the same
        shape, object: the `service_ids` of those sites, None where not reached) and
        `counts` (n_origins × n_thresholds, thresholds in increasing order). Kept per
        category, they give a theme's table exactly (`merge_parts`).
    """
    if nearest is None:
        nearest = nearest_times(
            net, origin_node, service_node, origin_time_s=origin_time_s, service_time_s=service_time_s, k=k
        )
    times, pos = nearest
    if counts is None:
        counts = count_within_min(
            net,
            origin_node,
            service_node,
            thresholds_min=thresholds_min,
            origin_time_s=origin_time_s,
            service_time_s=service_time_s,
        )
    labels = np.asarray(service_ids if service_ids is not None else np.arange(len(service_node)), dtype=object)
    ids = np.full(pos.shape, None, dtype=object)
    hit = pos >= 0
    ids[hit] = labels[pos[hit]]
    return times, ids, counts


def merge_parts(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], *, repeated_counts: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the `access_parts` of a union of service sets from the parts of each set.

    The nearest times are merged and the `k` smallest kept, a site (an id) that is in two
    sets kept once at its smallest time; ties keep the order of `parts`. The counts are
    added, less `repeated_counts`: for each threshold, how many sites of the union are
    counted more than once (a site in m sets counted m - 1 times), which a search from those
    sites alone gives. With `repeated_counts` of the sites in several sets, the result
    equals `access_parts` of the union (tested on a hand fixture and on Malta's themes).
    """
    k = parts[0][0].shape[1]
    times = np.concatenate([p[0] for p in parts], axis=1)
    ids = np.concatenate([p[1] for p in parts], axis=1)
    counts = np.sum([p[2].astype(np.int64) for p in parts], axis=0)
    if repeated_counts is not None:
        counts = counts - repeated_counts
    order = np.argsort(times, axis=1, kind="stable")
    times = np.take_along_axis(times, order, axis=1)
    ids = np.take_along_axis(ids, order, axis=1)
    if ids.shape[1] > 1:
        codes, _ = pd.factorize(ids.ravel(), use_na_sentinel=True)
        codes = codes.reshape(ids.shape)
        seen = np.zeros(ids.shape, dtype=bool)
        for j in range(1, ids.shape[1]):
            seen[:, j] = (codes[:, j] >= 0) & (codes[:, :j] == codes[:, j : j + 1]).any(axis=1)
        if seen.any():  # a site in two sets: drop its later copy, move the rest up
            times = np.where(seen, np.inf, times)
            ids = np.where(seen, None, ids)
            order = np.argsort(times, axis=1, kind="stable")
            times = np.take_along_axis(times, order, axis=1)
            ids = np.take_along_axis(ids, order, axis=1)
    return times[:, :k], ids[:, :k], counts.astype(parts[0][2].dtype)


def parts_table(
    times: np.ndarray,
    ids: np.ndarray,
    counts: np.ndarray,
    *,
    thresholds_min: tuple[float, ...] = settings.COUNT_THRESHOLDS_MIN,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """Return the `access_table` of `access_parts` (or of `merge_parts`)."""
    fin = np.isfinite(times)
    n_k = fin.sum(axis=1)
    with np.errstate(invalid="ignore"):
        mean_k = np.where(n_k > 0, np.where(fin, times, 0.0).sum(axis=1) / np.maximum(n_k, 1), np.inf)
    columns = {"time_nearest_s": times[:, 0], "time_mean3_s": mean_k, "n_reached_k": n_k, "nearest_service": ids[:, 0]}
    columns.update({count_column(t): counts[:, j] for j, t in enumerate(sorted(thresholds_min))})
    return pd.DataFrame(columns, index=index)


def access_table(
    net: Network,
    origin_node: np.ndarray,
    service_node: np.ndarray,
    *,
    origin_time_s: np.ndarray | None = None,
    service_time_s: np.ndarray | None = None,
    service_ids: np.ndarray | None = None,
    k: int = settings.N_NEAREST,
    thresholds_min: tuple[float, ...] = settings.COUNT_THRESHOLDS_MIN,
    index: pd.Index | None = None,
) -> pd.DataFrame:
    """Return the access indicators of every origin for one set of services.

    Columns: ``time_nearest_s`` (inf if none in reach), ``time_mean3_s`` (mean
    over the `k` nearest; over those in reach when fewer exist, inf if none),
    ``n_reached_k`` (how many of the k were in reach), ``nearest_service``
    (id from `service_ids`, or position), and ``n_within_<T>min`` per threshold.
    """
    parts = access_parts(
        net,
        origin_node,
        service_node,
        origin_time_s=origin_time_s,
        service_time_s=service_time_s,
        service_ids=service_ids,
        k=k,
        thresholds_min=thresholds_min,
    )
    return parts_table(*parts, thresholds_min=thresholds_min, index=index)
