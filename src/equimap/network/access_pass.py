"""The whole indicator pass of a prepared region: every key's access table, on every core.

`Prepared.access` computes one key at a time: its category's routing inputs (services
inserted into the network's edges), the `k` nearest (one search, on one core) and the counts
within each threshold (searches shared among the cores). `access_many` runs the same steps for
many keys: the searches of the categories still to be computed run on worker threads (the
kernels release the GIL), a few categories ahead of the calling thread, which turns their
results into tables and writes them. With numba's OpenMP or TBB threading layer the counts
run on the workers too (two of their parallel kernels may then run at once); with its
workqueue layer, which allows one at a time, they run in the calling thread. Each table is the
one `Prepared.access` gives alone, written to the same cache file; a theme is still derived
from its categories.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import numba
import pandas as pd

from equimap.network.indicators import count_within_min
from equimap.network.prepared import Prepared, _near_file, _same_content
from equimap.network.routing import nearest_times
from equimap.settings import Mode


def categories_to_search(prep: Prepared, mode: Mode, keys: Iterable[str]) -> list[str]:
    """Return the keys whose own search `Prepared.access` of `keys` would run (in order, once each).

    A key whose table is cached (or another key's with the same sites) needs none; a theme
    needs those of its categories that are not cached with their nearest sites.
    """
    out: list[str] = []
    sites: set[str] = set()  # keys with the same sites share one search (`Prepared.access`)
    for key in keys:
        if _same_content(prep.access_file(mode, key)) is not None:
            continue
        parts = prep.theme_parts(key)
        for c in parts or [key]:
            path = prep.access_file(mode, c)
            digest = path.stem.rsplit("__", 1)[1]
            cached = _same_content(path) is not None and (not parts or _near_file(path).exists())
            if not cached and digest not in sites:
                out.append(c)
                sites.add(digest)
    return out


def _search(prep: Prepared, mode: Mode, category: str, counts: bool) -> tuple:
    """Return a category's routing inputs, its `k` nearest (times, positions) and its counts (or None)."""
    inputs = prep.routing_inputs(mode, prep.services_for(category))
    net, o_node, o_t, s_node, s_t = inputs
    nearest = nearest_times(net, o_node, s_node, origin_time_s=o_t, service_time_s=s_t, k=prep.travel.n_nearest)
    within = None
    if counts:
        within = count_within_min(
            net, o_node, s_node, thresholds_min=prep.travel.count_thresholds_min, origin_time_s=o_t, service_time_s=s_t
        )
    return inputs, nearest, within


@numba.njit(parallel=True, cache=True)
def _parallel_probe(n: int) -> int:  # pragma: no cover (compiled)
    total = 0
    for i in numba.prange(n):
        total += i
    return total


def counts_on_workers() -> bool:
    """Return whether numba's threading layer lets two threads run parallel kernels at once (OpenMP, TBB)."""
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet: the layer is chosen on the first
        _parallel_probe(2)
        layer = numba.threading_layer()
    return layer != "workqueue"


def access_many(
    prep: Prepared, mode: Mode, keys: Iterable[str] | None = None, *, threads: int | None = None
) -> dict[str, pd.DataFrame]:
    """Return ``{key: prep.access(mode, key)}`` for `keys` (default: every key of the region).

    Parameters
    ----------
    prep
        The prepared region.
    mode
        ``"walk"``, ``"bike"`` or ``"drive"``.
    keys
        Themes, categories or official list keys; default `Prepared.category_keys`.
    threads
        Worker threads for the categories' searches (default: numba's thread count); 1 runs
        everything in the calling thread, as `Prepared.access` does.

    Returns
    -------
    dict
        Each key's access table, equal to `Prepared.access` of that key alone.
    """
    prep.check_mode(mode)
    keys = list(prep.category_keys() if keys is None else keys)
    todo = categories_to_search(prep, mode, keys)
    threads = numba.get_num_threads() if threads is None else max(1, int(threads))
    held: dict = {}  # every table and its parts, kept for the themes and the return, not read back
    if threads > 1 and len(todo) > 1:
        with ThreadPoolExecutor(threads) as pool:
            pending = iter(todo)
            counts = counts_on_workers()
            window: deque[tuple[str, Future]] = deque()

            def submit() -> None:
                c = next(pending, None)
                if c is not None:
                    window.append((c, pool.submit(_search, prep, mode, c, counts)))

            for _ in range(threads + 1):  # a few ahead: the next ones' searches overlap this one's table
                submit()
            while window:
                c, fut = window.popleft()
                submit()
                prep._memo[("searched", mode, c)] = fut.result()
                try:
                    prep._table(mode, c, held)
                finally:
                    prep._memo.pop(("searched", mode, c), None)
    return {key: prep._table(mode, key, held) for key in keys}
