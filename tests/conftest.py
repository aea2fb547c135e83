"""Shared fixtures: tiny hand-built networks and the real Malta region (prepared once per session)."""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from equimap.network.graph import Network

#: Prepared networks of the checkout are kept in its `.cache/` (as `make` does), unless told otherwise.
os.environ.setdefault("EQUIMAP_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".cache"))


#: Fixtures that prepare (or read) the real Malta region: a test using one, even through another fixture, is `malta`.
MALTA_FIXTURES = frozenset({"malta", "malta_bundle", "malta_part_extract"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a Malta fixture `malta`, so ``-m "not malta"`` leaves it out."""
    for item in items:
        if MALTA_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.malta)


@pytest.fixture(scope="session")
def malta():
    """The real bundled Malta region, prepared (networks, services, residents) once and cached on disk."""
    from equimap.network.prepare import prepare_region

    return prepare_region("malta")


@pytest.fixture(scope="session")
def malta_part_extract():
    """The OSM extract of a real part of Malta, Valletta to Birkirkara, read once per session from the bundled PBF."""
    from equimap.region.manifest import load_region
    from equimap.region.osm import read_osm

    return read_osm(load_region("malta").osm_path, bbox=(14.44, 35.86, 14.53, 35.92))


@pytest.fixture(scope="session")
def malta_bundle(malta):
    """The Malta report bundle (default analyses, threshold 10, 99 bootstrap replicates), built once per session."""
    from equimap.analysis.bundle import DEFAULT_ANALYSES, build_bundle

    return build_bundle(malta, DEFAULT_ANALYSES, threshold=10, n_boot=99, seed=0)


def grid_graph(n: int = 4, *, block_m: float = 100.0, speed_ms: float = 1.0) -> nx.MultiDiGraph:
    """Return an n × n osmnx-style street grid, both directions, with `length` and `travel_time`.

    Node ``(i, j)`` has id ``i * n + j`` at x = j·block, y = i·block; with speed 1 m/s a
    block takes 100 s, so a time is 100 × the Manhattan distance in blocks.
    """
    g = nx.MultiDiGraph(crs="EPSG:3035")
    for i in range(n):
        for j in range(n):
            g.add_node(i * n + j, x=j * block_m, y=i * block_m)
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0)):
                a, b = i + di, j + dj
                if a < n and b < n:
                    for u, v in ((i * n + j, a * n + b), (a * n + b, i * n + j)):
                        g.add_edge(u, v, length=block_m, travel_time=block_m / speed_ms)
    return g


def hand_network(edges: list[tuple[int, int, float]], n: int, seed: int = 0) -> Network:
    """Return a walking network of `n` nodes from (u, v, time_s) arcs, nodes at random places (by `seed`)."""
    u, v, t = (np.array(c) for c in zip(*edges, strict=True))
    rng = np.random.default_rng(seed)
    return Network(
        mode="walk",
        crs="EPSG:3035",
        osmid=np.arange(n, dtype=np.int64),
        x=rng.uniform(0, 1000, n),
        y=rng.uniform(0, 1000, n),
        edge_u=u.astype(np.int64),
        edge_v=v.astype(np.int64),
        time_s=t.astype(float),
        length_m=t.astype(float),
    )


@pytest.fixture
def grid_net() -> Network:
    """A 4 × 4 grid network where every block takes 100 s."""
    return Network.from_graph(grid_graph(4), mode="walk")


#: The arrays that make a `Network`: two networks built two ways are the same when all are equal.
NETWORK_ARRAYS = (
    "osmid",
    "x",
    "y",
    "edge_u",
    "edge_v",
    "time_s",
    "length_m",
    "delay_s",
    "geom_ptr",
    "geom_x",
    "geom_y",
)


def assert_same_network(new: Network, old: Network) -> None:
    """Assert that two networks have equal arrays, each named in the failure."""
    for name in NETWORK_ARRAYS:
        np.testing.assert_array_equal(getattr(new, name), getattr(old, name), err_msg=name)
