"""A theme's access table derived from its categories', and keys with the same sites computed once.

Independent answers: on a hand grid (every block 100 s) the theme's table is worked out
with networkx shortest paths, a site in two categories counted once; on the hand grid and
on Malta the derived table equals `access_table` run on the theme's own sites (the direct
search it replaces).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from equimap.network.cache import TravelSettings
from equimap.network.graph import Network
from equimap.network.indicators import access_table, merge_parts
from equimap.network.prepare import Prepared
from equimap.network.routing import count_column
from equimap.region.manifest import load_region
from equimap.region.services import Category, Taxonomy
from tests.conftest import grid_graph

#: A theme of three categories and a theme of one: the second has the same sites as its category.
TAXONOMY = Taxonomy(
    themes={"health": "Health", "civic": "Civic"},
    categories={
        "pharmacy": Category("pharmacy", "Pharmacy", "health", ({"amenity": ("pharmacy",)},)),
        "clinic": Category("clinic", "Clinic", "health", ({"amenity": ("clinic",)},)),
        "doctors": Category("doctors", "Doctors", "health", ({"amenity": ("doctors",)},)),
        "post_office": Category("post_office", "Post office", "civic", ({"amenity": ("post_office",)},)),
    },
)

#: (service_id, category, x, y): s1 is a pharmacy and a clinic (one site, two rows), s4 a clinic and doctors.
SITES = [
    ("s0", "pharmacy", 0, 0),
    ("s1", "pharmacy", 200, 210),
    ("s1", "clinic", 200, 210),
    ("s2", "clinic", 400, 0),
    ("s3", "pharmacy", 400, 400),
    ("s4", "clinic", 0, 390),
    ("s4", "doctors", 0, 390),
    ("s5", "doctors", 100, 300),
    ("p0", "post_office", 300, 100),
]


def _hand(tmp_path: Path, snap: str) -> Prepared:
    net = Network.from_graph(grid_graph(5), mode="walk")
    nodes = np.arange(25)
    origins = pd.DataFrame(
        {"cell_id": "c0", "node": nodes, "x": net.x[nodes], "y": net.y[nodes], "snap_m": 0.0, "T": 1.0},
        index=pd.RangeIndex(25, name="origin"),
    )
    services = gpd.GeoDataFrame(
        {
            "service_id": [s[0] for s in SITES],
            "category": [s[1] for s in SITES],
            "theme": [TAXONOMY.categories[s[1]].theme for s in SITES],
            "name": [s[0] for s in SITES],
            "source": "hand",
            "capacity": 1.0,
        },
        geometry=[Point(x, y) for _, _, x, y in SITES],
        crs="EPSG:3035",
    )
    base = TravelSettings.from_settings()
    travel = dataclasses.replace(
        base,
        profile=dataclasses.replace(base.profile, walk_speed_kmh=3.6),  # 1 m/s between a site and its node
        min_component_nodes=1,
        snap=snap,
        count_thresholds_min=(1.0, 3.0, 5.0, 10.0),
    )
    return Prepared(
        region=load_region("malta"),
        networks={"walk": net},
        services=services,
        origins=origins,
        population=gpd.GeoDataFrame(geometry=[], crs="EPSG:3035"),
        taxonomy=TAXONOMY,
        folder=tmp_path,
        travel=travel,
    )


def _direct(prep: Prepared, mode: str, key: str) -> pd.DataFrame:
    """Return the access table of `key` by one search over its own sites (what a theme cost before)."""
    return _direct_sites(prep, mode, prep.services_for(key))


def _direct_sites(prep: Prepared, mode: str, svc: gpd.GeoDataFrame) -> pd.DataFrame:
    net, o_node, o_t, s_node, s_t = prep.routing_inputs(mode, svc)
    return access_table(
        net,
        o_node,
        s_node,
        origin_time_s=o_t,
        service_time_s=s_t,
        service_ids=svc["service_id"].to_numpy(),
        k=prep.travel.n_nearest,
        thresholds_min=prep.travel.count_thresholds_min,
        index=prep.origins.index,
    )


def test_theme_by_hand_counts_a_site_in_two_categories_once(tmp_path: Path) -> None:
    """The derived theme table equals networkx over the theme's distinct sites (node snapping, 1 m/s walks)."""
    prep = _hand(tmp_path, "node")
    assert prep.theme_parts("health") == ["pharmacy", "clinic", "doctors"]
    got = prep.access("walk", "health")
    net = prep.networks["walk"]
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(net.edge_u.tolist(), net.edge_v.tolist(), net.time_s.tolist(), strict=True))
    sites = {s[0]: (s[2], s[3]) for s in SITES if s[1] != "post_office"}  # one entry per distinct site
    assert len(sites) == 6
    for o in prep.origins["node"]:
        dist = nx.single_source_dijkstra_path_length(g, int(o), weight="weight")
        each = {}
        for sid, (x, y) in sites.items():
            d = np.hypot(net.x - x, net.y - y)
            each[sid] = dist[int(np.argmin(d))] + float(d.min())
        times = sorted(each.values())
        row = got.loc[o]
        assert row["time_nearest_s"] == pytest.approx(times[0], abs=1e-9)
        assert row["time_mean3_s"] == pytest.approx(np.mean(times[:3]), abs=1e-9)
        assert row["nearest_service"] in {s for s, t in each.items() if abs(t - times[0]) < 1e-9}
        for t in prep.travel.count_thresholds_min:
            assert row[count_column(t)] == sum(x <= t * 60 + 1e-9 for x in times), (o, t)
    # the sum of the categories' counts counts s1 and s4 twice: the derived table does not
    cats = sum(prep.access("walk", c)[count_column(10.0)] for c in ("pharmacy", "clinic", "doctors"))
    assert (cats - got[count_column(10.0)]).max() == 2


def _assert_same_or_tied(prep: Prepared, got: pd.DataFrame, want: pd.DataFrame, key: str) -> None:
    """Assert two access tables are equal, but for `nearest_service` where two sites are equally near.

    Which of two equally near sites a search names depends on its heap order, not on a
    rule; where the names differ, the derived one must be as near (its own search, 1e-9 s).
    """
    pd.testing.assert_frame_equal(
        got.drop(columns="nearest_service"), want.drop(columns="nearest_service"), rtol=1e-12, atol=1e-9
    )
    differ = got.index[(got["nearest_service"] != want["nearest_service"]).to_numpy()]
    svc = prep.services_for(key)
    for o in differ:
        site = svc[svc["service_id"] == got.loc[o, "nearest_service"]]
        alone = _direct_sites(prep, "walk", site).loc[o, "time_nearest_s"]
        assert alone == pytest.approx(want.loc[o, "time_nearest_s"], abs=1e-9), o


@pytest.mark.parametrize("snap", ["node", "edge"])
def test_theme_derived_equals_direct_search_by_hand(tmp_path: Path, snap: str) -> None:
    """With sites in two categories, the theme derived from its categories equals one search over its sites."""
    prep = _hand(tmp_path, snap)
    got = prep.access("walk", "health")
    _assert_same_or_tied(prep, got, _direct(prep, "walk", "health"), "health")
    # read back from the cache, and again derived in a fresh session from the categories' cached files
    pd.testing.assert_frame_equal(prep.access("walk", "health"), got)
    prep.access_file("walk", "health").unlink()
    fresh = dataclasses.replace(prep, _memo={})
    pd.testing.assert_frame_equal(fresh.access("walk", "health"), got)


def test_same_sites_are_computed_once(tmp_path: Path) -> None:
    """A theme of one category and that category share one search: the second reads the first's table."""
    prep = _hand(tmp_path, "edge")
    assert prep.theme_parts("civic") == []
    a, b = prep.access_file("walk", "civic"), prep.access_file("walk", "post_office")
    assert a.name.rsplit("__", 1)[1] == b.name.rsplit("__", 1)[1]  # keyed on the sites, not the name
    theme = prep.access("walk", "civic")
    assert not b.exists()
    # the same folder with every street twice as slow: a search would double the times, a read does not
    slow = dataclasses.replace(prep, networks={"walk": prep.networks["walk"].scaled(0.5)}, _memo={})
    cat = slow.access("walk", "post_office")
    pd.testing.assert_frame_equal(cat, theme)
    pd.testing.assert_frame_equal(cat, _direct(prep, "walk", "post_office"))
    assert b.exists()


def test_merge_parts_keeps_a_site_once() -> None:
    """Two sets sharing site "b": the 2 nearest of the union are a then c, b once, and counts less the repeat."""
    inf = np.inf
    p1 = (np.array([[1.0, 2.0], [5.0, inf]]), np.array([["a", "b"], ["b", None]], dtype=object), np.array([[2], [1]]))
    p2 = (np.array([[2.0, 3.0], [inf, inf]]), np.array([["b", "c"], [None, None]], dtype=object), np.array([[2], [0]]))
    times, ids, counts = merge_parts([p1, p2], repeated_counts=np.array([[1], [0]]))
    np.testing.assert_array_equal(times, [[1.0, 2.0], [5.0, inf]])
    assert ids.tolist() == [["a", "b"], ["b", None]]
    assert counts.tolist() == [[3], [1]]
    times, ids, _ = merge_parts([p1, p2])
    assert ids.tolist()[0] == ["a", "b"]  # b at 2.0 from both sets is kept once


def test_malta_themes_derived_equal_direct(malta, tmp_path: Path) -> None:
    """On Malta every theme of two or more categories, by every mode, equals one search over its sites."""
    prep = dataclasses.replace(malta, folder=tmp_path, _memo={})
    themes = [t for t in prep.taxonomy.themes if prep.theme_parts(t)]
    assert themes == ["health", "education", "social", "civic", "transport"]
    for mode in ("walk", "drive"):
        for theme in themes:
            pd.testing.assert_frame_equal(
                prep.access(mode, theme), _direct(prep, mode, theme), rtol=1e-12, atol=1e-9, obj=f"{mode} {theme}"
            )


def test_malta_duplicate_keys_share_one_computation(malta) -> None:
    """Malta's theme `employment` has the sites of category `employment_office`; theme and category `library` are one."""
    for a, b in (("employment", "employment_office"), ("library", "library")):
        assert (
            malta.access_file("walk", a).name.rsplit("__", 1)[1] == malta.access_file("walk", b).name.rsplit("__", 1)[1]
        )
    assert malta.category_keys().count("library") == 2
