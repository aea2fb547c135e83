"""Synthetic street-like networks for benchmarks and scale tests.

`street_grid` builds a perturbed square grid: blocks of about `block_m` metres,
nodes jittered, a share of the grid's streets removed, a few diagonals added,
every street two-way, and travel times in seconds from a length and a speed
drawn per street (urban 30/50 km/h mostly, some 80 km/h roads). With the
defaults it has about 2.9 directed arcs per node, like Malta's walking network
(2.56) and a city's driving network. Node indices are shuffled (``shuffle=True``)
as OSM ids are: they follow no spatial order.

`category_sources` places sites of ~22 service categories on it at Malta's
densities (sites per node of its walking network), so the nearest pass of a
region can be simulated at any size.

Run ``python -m bench.synthetic --nodes 100000`` to print a graph's figures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from equimap.network.graph import Network

#: Sites per category on Malta's walking network of 34,199 nodes (prepared cache, December 2026):
#: the densities `category_sources` reproduces on a graph of any size.
MALTA_WALK_NODES = 34_199
MALTA_SITES = {
    "health": 125,
    "education": 170,
    "social": 7,
    "civic": 75,
    "library": 12,
    "employment": 1,
    "transport": 2097,
    "hospital": 19,
    "clinic": 7,
    "doctors": 3,
    "pharmacy": 96,
    "kindergarten": 3,
    "school": 167,
    "social_facility": 1,
    "community_centre": 6,
    "townhall": 11,
    "public_office": 21,
    "post_office": 43,
    "employment_office": 1,
    "bus_stop": 2074,
    "ferry_terminal": 23,
    "hospital_official": 9,
}
#: Street speeds (km/h) and how often each is drawn.
SPEEDS_KMH = np.array([30.0, 50.0, 80.0])
SPEED_SHARES = np.array([0.6, 0.3, 0.1])


def street_grid(
    n_nodes: int,
    *,
    block_m: float = 100.0,
    removed_share: float = 0.28,
    diagonal_share: float = 0.05,
    jitter: float = 0.25,
    shuffle: bool = True,
    seed: int = 0,
    mode: str = "drive",
) -> Network:
    """Return a street-like directed network of about `n_nodes` nodes.

    Parameters
    ----------
    n_nodes
        Target node count; the grid is ``side × side`` with ``side = round(sqrt(n_nodes))``.
    block_m
        Grid spacing (m).
    removed_share
        Share of the grid's streets removed (dead ends, blocks merged).
    diagonal_share
        Diagonal streets added, as a share of the nodes.
    jitter
        Node displacement, as a share of `block_m` (uniform in each axis).
    shuffle
        Number the nodes in a random order (as OSM ids), not row by row.
    seed
        Random seed: the same arguments give the same network.
    mode
        The `Network.mode` label.

    Returns
    -------
    Network
        Two-way streets as pairs of arcs; ``time_s = length_m / speed``; CRS EPSG:3035 (metres).
    """
    rng = np.random.default_rng(seed)
    side = max(2, round(float(np.sqrt(n_nodes))))
    n = side * side
    ij = np.arange(n, dtype=np.int64)
    row, col = ij // side, ij % side
    x = (col + rng.uniform(-jitter, jitter, n)) * block_m
    y = (row + rng.uniform(-jitter, jitter, n)) * block_m
    right = ij[col < side - 1]
    down = ij[row < side - 1]
    u = np.concatenate([right, down])
    v = np.concatenate([right + 1, down + side])
    keep = rng.random(len(u)) >= removed_share
    u, v = u[keep], v[keep]
    n_diag = int(diagonal_share * n)
    d0 = rng.integers(0, n, n_diag)
    ok = (d0 % side < side - 1) & (d0 // side < side - 1)
    d0 = d0[ok]
    u = np.concatenate([u, d0])
    v = np.concatenate([v, d0 + side + 1])
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.15, len(u))  # streets bend a little
    speed_ms = rng.choice(SPEEDS_KMH, len(u), p=SPEED_SHARES) / 3.6
    time_s = length / speed_ms
    if shuffle:
        perm = rng.permutation(n)  # old index -> new index
        inv = np.empty(n, dtype=np.int64)
        inv[perm] = np.arange(n)
        x, y = x[inv], y[inv]
        u, v = perm[u], perm[v]
    return Network(
        mode=mode,
        crs="EPSG:3035",
        osmid=np.arange(n, dtype=np.int64),
        x=x,
        y=y,
        edge_u=np.concatenate([u, v]),
        edge_v=np.concatenate([v, u]),
        time_s=np.concatenate([time_s, time_s]),
        length_m=np.concatenate([length, length]),
    )


def category_sources(n_nodes: int, *, seed: int = 1, scale: float = 1.0) -> dict[str, np.ndarray]:
    """Return, per category of `MALTA_SITES`, the nodes of its sites on a graph of `n_nodes` nodes.

    Each category gets ``max(1, round(scale × Malta's sites per node × n_nodes))`` distinct
    random nodes (sites of a category do not share a node; categories may).
    """
    rng = np.random.default_rng(seed)
    out = {}
    for key, count in MALTA_SITES.items():
        m = min(n_nodes, max(1, round(scale * count / MALTA_WALK_NODES * n_nodes)))
        out[key] = np.sort(rng.choice(n_nodes, m, replace=False)).astype(np.int64)
    return out


def main(argv: list[str] | None = None) -> None:
    """Build one grid and print its size, degree and build time."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=100_000)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    net = street_grid(args.nodes)
    dt = time.perf_counter() - t0
    print(
        f"street grid: {net.n_nodes:,} nodes, {net.n_edges:,} arcs ({net.n_edges / net.n_nodes:.2f} per node), "
        f"built in {dt:.2f} s; largest strongly connected component {np.mean(net.component == 0):.1%} of nodes"
    )


if __name__ == "__main__":
    main()
