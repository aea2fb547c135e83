"""bench/prepare.py runs on the small Helsinki example (``--quick``), checking equimap's graph build and simplification against osmnx."""

import pytest

from bench.prepare import main, same_graph


def test_quick_run_gives_every_figure():
    res = main(["--quick"])
    assert set(res["simplify"]) == set(res["build"]) == {"walk", "bike", "drive"}
    assert all(r["equimap_s"] > 0 and r["osmnx_s"] > 0 for r in res["build"].values())
    assert all(r["equimap_s"] > 0 and r["osmnx_s"] > 0 for r in res["simplify"].values())
    assert res["cold_prepare_s"] > 0 and res["warm_load_s"] > 0 and res["layout_build_s"] > 0


def test_a_different_graph_is_caught():
    import networkx as nx

    a, b = nx.MultiDiGraph(), nx.MultiDiGraph()
    a.add_edge(1, 2, length=1.0)
    b.add_edge(1, 2, length=1.5)
    with pytest.raises(AssertionError, match="length"):
        same_graph(a, b)


def test_only_the_creation_time_may_differ():
    import networkx as nx

    a, b = nx.MultiDiGraph(created_date="2026-12-03 13:00:00", crs="epsg:4326"), nx.MultiDiGraph(crs="epsg:4326")
    b.graph["created_date"] = "2026-12-03 13:00:01"
    same_graph(a, b, created_apart=True)
    with pytest.raises(AssertionError, match="graph attributes"):
        same_graph(a, b)
    b.graph["crs"] = "epsg:3035"
    with pytest.raises(AssertionError, match="graph attributes"):
        same_graph(a, b, created_apart=True)
    del a.graph["created_date"]
    with pytest.raises(AssertionError, match="created_date"):
        same_graph(a, b, created_apart=True)
