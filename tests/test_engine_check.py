"""equimap's driving and walking times against OSRM, an independent engine, on a small real extract.

A box of about 7 km² around Valletta and Floriana is cut out of the bundled
Malta PBF at test time (complete ways, pyosmium), both routers are built on
that same file, and 150 random node pairs per mode are routed by both. OSRM
comes from PyPI's ``osrm-bindings`` wheel (``make engine``, see
``bench/osrm_engine.py``); the test skips, saying so, when it is not installed.
Nothing touches the network: ``osrm-routed`` is bound to 127.0.0.1.

Why the engines differ, and so the tolerances (measured on this box, see
``docs/engine_check.md`` for Malta as a whole):

- Route lengths do not depend on any speed model. Where both engines may use
  the same streets they pick routes of nearly the same length.
- Walking: equimap walks at 4.8 km/h, OSRM's ``foot`` profile at 5 km/h. On
  OSRM's own route, equimap's time must be 5 / 4.8 = 1.0417 times OSRM's
  (OSRM's 2 s at traffic signals and slower gravel are the only other terms).
  OSRM's foot profile forbids ``highway=trunk`` (and so detours around it) and
  takes the Valletta ferries at 5 km/h, which makes its walks longer; only squares
  mapped as areas (which equimap leaves out) can make them a little shorter.
- Driving: OSRM multiplies a tagged ``maxspeed`` by 0.8, uses lower defaults on
  minor roads (25 km/h against equimap's 30) and adds turn costs (up to 7.5 s a
  turn, 20 s a U-turn) and 2 s per traffic signal; equimap uses the legal limit
  and nothing at junctions. equimap's drive times are therefore shorter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import pytest

from bench import engines, osrm_engine
from equimap import settings
from equimap.network.graph import build_network
from equimap.network.od import pair_times, path_time_s
from equimap.region.osm import read_osm

MALTA_PBF = settings.BUNDLED_DATA_DIR / "malta" / "malta-2018-08-27.osm.pbf"
#: Valletta, Floriana and the edge of Pietà/Marsa (west, south, east, north).
BOX = (14.490, 35.880, 14.522, 35.903)
N_PAIRS = 150
CRS = "EPSG:3035"

pytestmark = pytest.mark.slow


def cut_box(src: Path, dst: Path, box: tuple[float, float, float, float]) -> None:
    """Write every way with a node inside `box` (with all its nodes) to `dst`; relations are left out."""
    west, south, east, north = box

    class Ways(osmium.SimpleHandler):
        def __init__(self) -> None:
            super().__init__()
            self.ways: set[int] = set()
            self.nodes: set[int] = set()

        def way(self, w: osmium.osm.Way) -> None:
            refs = list(w.nodes)
            if any(n.location.valid() and west <= n.lon <= east and south <= n.lat <= north for n in refs):
                self.ways.add(w.id)
                self.nodes.update(n.ref for n in refs)

    keep = Ways()
    keep.apply_file(str(src), locations=True)
    writer = osmium.SimpleWriter(str(dst))

    class Copy(osmium.SimpleHandler):
        def node(self, n: osmium.osm.Node) -> None:
            if n.id in keep.nodes:
                writer.add_node(n)

        def way(self, w: osmium.osm.Way) -> None:
            if w.id in keep.ways:
                writer.add_way(w)

    try:
        Copy().apply_file(str(src))
    finally:
        writer.close()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The cut extract, equimap's drive and walk networks on it, and OSRM's data for both profiles."""
    try:
        osrm_engine.find_osrm()
    except osrm_engine.EngineMissingError as exc:
        pytest.skip(str(exc))
    tmp = tmp_path_factory.mktemp("engine")
    pbf = tmp / "valletta.osm.pbf"
    cut_box(MALTA_PBF, pbf, BOX)
    extract = read_osm(pbf)
    # the free-flow profile: class speeds and no delays, the same kind of model as OSRM's; the default
    # profile's urban speeds and delays differ from OSRM's on purpose (docs/engine_check.md)
    nets = {m: build_network(extract, mode=m, crs=CRS, profile="freeflow") for m in ("drive", "walk")}
    data = {m: osrm_engine.build(pbf, profile=osrm_engine.PROFILES[m], root=tmp, threads=1) for m in nets}
    return pbf, nets, data


@pytest.fixture(scope="module")
def compared(small):
    """Both engines' times and lengths for N_PAIRS random pairs per mode."""
    _, nets, data = small
    out = {}
    for mode, net in nets.items():
        o, d = engines.draw_pairs(net, n=N_PAIRS, seed=7)
        with osrm_engine.serve(data[mode]) as router:
            out[mode] = engines.compare(net, router, o, d)
    return out


def test_osrm_data_is_built_once_per_pbf_and_version(small):
    pbf, _, data = small
    again = osrm_engine.build(pbf, profile="car", root=data["drive"].base.parents[3])
    assert not again.built_now
    assert again.base == data["drive"].base
    assert data["drive"].base.parent.name == f"{osrm_engine.file_sha256(pbf)}-car"
    assert data["drive"].base.parents[1].name == f"osrm-{osrm_engine.engine_version()}"


def test_pair_times_equal_networkx(small):
    """`pair_times` (the equimap side of the check) against networkx on the same network."""
    import networkx as nx

    net = small[1]["drive"]
    o, d = engines.draw_pairs(net, n=40, seed=3)
    ours = pair_times(net, o, d)
    g = nx.DiGraph()
    for u, v, t, length in zip(net.edge_u, net.edge_v, net.time_s, net.length_m, strict=True):
        if not g.has_edge(u, v) or t < g[u][v]["t"]:
            g.add_edge(int(u), int(v), t=float(t), m=float(length))
    for i, (a, b) in enumerate(zip(o.tolist(), d.tolist(), strict=True)):
        path = nx.shortest_path(g, a, b, weight="t")
        t_ref = sum(g[x][y]["t"] for x, y in zip(path[:-1], path[1:], strict=True))
        assert ours["time_s"][i] == pytest.approx(t_ref, abs=1e-6)
        # the length is that of a fastest path; ties aside, networkx's path has it
        assert path_time_s(net, np.array(path)) == pytest.approx((t_ref, ours["length_m"][i]), abs=1e-6)


def test_every_pair_routed_by_both(compared):
    for mode, df in compared.items():
        assert np.isfinite(df["eq_time_s"]).all(), mode
        assert df["osrm_time_s"].notna().all(), mode
        # OSRM places each end on the node it was given (within a few metres)
        assert (df["snap_m"] < 5).mean() >= 0.95, mode


def test_walk_lengths_agree_and_speeds_are_the_profiles(compared):
    df = compared["walk"]
    s = engines.summarise(df)
    # same streets, same lengths: OSRM's detours around trunk roads only make its walks longer
    assert 0.97 <= s["length_ratio_median"] <= 1.001
    assert s["length_ratio_p90"] <= 1.01
    # on OSRM's own route equimap (4.8 km/h) needs 5 / 4.8 times OSRM's (5 km/h) time
    replay = df[np.isfinite(df["eq_on_osrm_s"])]
    # (OSRM also walks along squares mapped as areas, which equimap leaves out: those routes cannot be replayed)
    assert len(replay) >= 0.7 * len(df)
    assert np.median(replay["eq_on_osrm_s"] / replay["osrm_time_s"]) == pytest.approx(5 / 4.8, rel=0.01)
    assert np.median(replay["eq_on_osrm_m"] / replay["osrm_length_m"]) == pytest.approx(1.0, abs=0.01)


def test_drive_times_agree_within_the_speed_models(compared):
    df = compared["drive"]
    s = engines.summarise(df)
    assert 0.97 <= s["length_ratio_median"] <= 1.03
    # equimap's legal-limit speeds with free junctions are faster than OSRM's 0.8 x maxspeed plus turn costs
    assert 0.75 <= s["ratio_median"] <= 0.95
    assert s["share_equimap_faster"] >= 0.85
    assert 0.6 <= s["ratio_p10"] <= s["ratio_p90"] <= 1.05
    # every OSRM drive route exists in equimap's graph: the same streets and one-way rules
    assert s["share_replayable"] >= 0.95
