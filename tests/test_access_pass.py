"""The whole indicator pass on worker threads (`access_many`) equals `Prepared.access` key by key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import networkx as nx
import numba
import numpy as np
import pandas as pd
import pytest

from equimap.network import access_pass
from equimap.network.access_pass import access_many, categories_to_search, counts_on_workers
from tests.test_reuse import _hand


def test_hand_pass_equals_one_key_at_a_time_and_networkx(tmp_path: Path) -> None:
    a = _hand(tmp_path / "a", "edge")
    b = _hand(tmp_path / "b", "edge")
    keys = a.category_keys()
    # the theme `civic` has the sites of `post_office`: searched once
    assert categories_to_search(a, "walk", keys)[:4] == ["pharmacy", "clinic", "doctors", "civic"]
    got = access_many(a, "walk", threads=2)
    assert list(got) == keys
    for key in keys:
        pd.testing.assert_frame_equal(got[key], b.access("walk", key), check_exact=True, obj=key)
    # nothing left to search, nothing held in memory
    assert categories_to_search(a, "walk", keys) == []
    assert not [k for k in a._memo if isinstance(k, tuple) and k[0] == "searched"]
    # the post office by hand: node o's time is its walk on the 100 s grid to the site's node (snap 0 there)
    net = a.networks["walk"]
    g = net.to_networkx()
    site = a.services_for("post_office")
    s_node, s_t = a.snap("walk", site.geometry.x.to_numpy(), site.geometry.y.to_numpy())
    d = nx.single_source_dijkstra_path_length(g.reverse(copy=False), int(s_node[0]), weight="time_s")
    want = np.array([d.get(int(v), np.inf) + s_t[0] for v in a.origins["node"]])
    np.testing.assert_allclose(got["post_office"]["time_nearest_s"].to_numpy(), want, atol=1e-6)


def test_one_thread_and_a_warm_cache_give_the_same(tmp_path: Path) -> None:
    a = _hand(tmp_path / "a", "node")
    one = access_many(a, "walk", threads=1)
    again = access_many(dataclasses.replace(a, _memo={}), "walk", threads=2)  # read back from the cache
    two = access_many(_hand(tmp_path / "b", "node"), "walk", threads=2)
    for key in one:
        pd.testing.assert_frame_equal(one[key], again[key], check_exact=True)
        pd.testing.assert_frame_equal(one[key], two[key], check_exact=True)


@pytest.mark.malta
def test_malta_pass_equals_one_key_at_a_time(malta, tmp_path: Path) -> None:
    keys = ["health", "pharmacy", "hospital", "transport", "library", *[s.key for s in malta.region.services]]
    for mode in ("walk", "drive"):
        many = dataclasses.replace(malta, folder=tmp_path / f"many-{mode}", _memo={})
        one = dataclasses.replace(malta, folder=tmp_path / f"one-{mode}", _memo={})
        got = access_many(many, mode, keys)
        for key in keys:
            pd.testing.assert_frame_equal(got[key], one.access(mode, key), check_exact=True, obj=f"{mode} {key}")


@pytest.mark.parametrize("on_workers", [True, False])
def test_counts_on_the_workers_or_the_calling_thread_give_the_same(tmp_path: Path, monkeypatch, on_workers) -> None:
    """Both homes of the counts (the workers with OpenMP or TBB, the calling thread with workqueue) give one result."""
    assert counts_on_workers() is (numba.threading_layer() != "workqueue")
    monkeypatch.setattr(access_pass, "counts_on_workers", lambda: on_workers)
    got = access_many(_hand(tmp_path / "a", "edge"), "walk", threads=2)
    one = _hand(tmp_path / "b", "edge")
    for key, table in got.items():
        pd.testing.assert_frame_equal(table, one.access("walk", key), check_exact=True, obj=key)


def test_services_are_selected_once_and_each_caller_gets_its_own_copy(tmp_path: Path) -> None:
    a = _hand(tmp_path / "a", "edge")
    first = a.services_for("health")
    want = first.copy()
    first["name"] = "changed by a caller"
    pd.testing.assert_frame_equal(a.services_for("health"), want)
    assert a.services_for("health") is not a.services_for("health")


def test_an_unknown_mode_is_refused_in_one_sentence(tmp_path: Path) -> None:
    from equimap._errors import CategoryError

    a = _hand(tmp_path / "a", "edge")
    for call in (lambda: access_many(a, "boat"), lambda: a.access("boat", "pharmacy")):
        with pytest.raises(CategoryError, match="Unknown travel mode `boat`; choose one of"):
            call()
