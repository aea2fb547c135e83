"""The rows of the kernels benchmark: a network, its sites per category, and what to compute.

`Row` is one pass; `malta_rows` reads Malta's prepared drive network and snaps each
category's services to it; `grid_rows` draws sites on street-like grids of 1M and 5M
nodes (`bench.synthetic.street_grid`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bench.synthetic import street_grid
from equimap.network.graph import Network

#: Under ``--quick``, Malta's counts row keeps the categories with fewer sites than this (not the bus stops).
QUICK_MAX_SITES = 500


@dataclass
class Row:
    """One pass: a network, its sites per category, and what to compute (``nearest``, ``count`` or ``k``)."""

    title: str
    net: Network
    sources: dict[str, np.ndarray]
    kind: str
    threshold_s: float = 900.0
    k: int = 1
    skip: dict[str, str] = field(default_factory=dict)


def total_sites(row: Row) -> int:
    return int(sum(len(s) for s in row.sources.values()))


def malta_rows(quick: bool) -> list[Row]:
    from equimap.network.prepare import prepare_region
    from equimap.network.routing import snap_points

    prep = prepare_region("malta")
    net = prep.networks["drive"]
    sources = {}
    for c in prep.category_keys():
        svc = prep.services_for(c)
        node, _ = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
        if (node >= 0).any():
            sources[c] = np.unique(node[node >= 0])
    n = len(sources)
    rows = [Row(f"nearest, Malta drive, {n} categories, every node", net, sources, "nearest")]
    title = f"counts within 15 min, Malta drive, {n} categories, every node"
    if quick:  # a check that the row runs: the dense categories (bus stops, transport) take minutes
        sources = {c: s for c, s in sources.items() if len(s) < QUICK_MAX_SITES}
        title += f" (--quick: the {len(sources)} with under {QUICK_MAX_SITES} sites)"
    rows.append(Row(title, net, sources, "count"))
    return rows


def grid_rows(quick: bool, big: bool) -> list[Row]:
    n1 = 100_000 if quick else 1_000_000
    g1 = street_grid(n1)
    rng = np.random.default_rng(16)
    s2000 = {"sites": np.sort(rng.choice(g1.n_nodes, 2000, replace=False)).astype(np.int64)}
    s200 = {"sites": np.sort(rng.choice(g1.n_nodes, 200, replace=False)).astype(np.int64)}
    label = f"{g1.n_nodes / 1e6:.1f}M-node" if not quick else f"{g1.n_nodes:,}-node"
    rows = [Row(f"nearest, {label} street-like grid, 2,000 sources", g1, s2000, "nearest")]
    rows.append(Row(f"mean of 3 nearest (k = 3), {label} grid, 2,000 sources", g1, s2000, "k", k=3))
    rows.append(Row(f"counts within 15 min, {label} grid, 200 sources", g1, s200, "count"))
    if big:  # last: the longest row
        g5 = street_grid(5_000_000, seed=5)
        s5 = {"sites": np.sort(rng.choice(g5.n_nodes, 2000, replace=False)).astype(np.int64)}
        rows.append(Row("nearest, 5M-node street-like grid, 2,000 sources", g5, s5, "nearest"))
    return rows
