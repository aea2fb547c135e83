"""bench/prepare.py runs on the small Helsinki example (``--quick``) and checks equimap's simplification against osmnx."""

import pytest

from bench.prepare import main, same_graph


def test_quick_run_gives_every_figure():
    res = main(["--quick"])
    assert set(res["simplify"]) == {"walk", "bike", "drive"}
    assert all(r["equimap_s"] > 0 and r["osmnx_s"] > 0 for r in res["simplify"].values())
    assert res["cold_prepare_s"] > 0 and res["warm_load_s"] > 0 and res["layout_build_s"] > 0


def test_a_different_graph_is_caught():
    import networkx as nx

    a, b = nx.MultiDiGraph(), nx.MultiDiGraph()
    a.add_edge(1, 2, length=1.0)
    b.add_edge(1, 2, length=1.5)
    with pytest.raises(AssertionError, match="length"):
        same_graph(a, b)
