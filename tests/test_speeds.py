"""Walking speeds by age group and the sensitivity of the headline figures to speeds, on the tiny region by hand.

The tiny region (`tests/tiny_region.py`) gets an age split (``Y_LT65`` / ``Y_GE65``) and a
profile whose walkers lose 10 s at every junction they enter and whose residents aged 65+
walk at 2.4 km/h, half the reference 4.8 km/h. Every origin and the pharmacy (lattice node
(1, 1)) sit on walking nodes, so a walk of b blocks takes ``length / speed + 10 s × b`` (every
node a shortest path enters is a junction; the corners, with two neighbours, are on no such path).
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from equimap.analysis.core import Analysis
from equimap.analysis.question import Question
from equimap.analysis.speeds import age_speed_factors, sensitivity_table, speeds_used
from equimap.network.cache import TravelSettings
from equimap.network.prepare import prepare_region
from equimap.network.profile import PROFILES_DIR, load_profile
from equimap.region.manifest import load_region
from tests import tiny_region
from tests.test_cache import _cell_ij, _tiny

#: Residents aged 65+ of the tiny region's populated cells (of 100, 40 and 20 residents).
OLD = [30, 20, 5]
AGE_TOML = """
[population.groups.age]
label = "Age"
reference = "Y_LT65"
columns = { Y_LT65 = "Under 65", Y_GE65 = "65 and over" }
ages = { Y_LT65 = [0, 64], Y_GE65 = [65, 120] }
"""


def _aged(tmp_path):
    region = _tiny(tmp_path)
    layer = region.population_layer
    grid = gpd.read_file(region.population_path, layer=layer)
    assert list(grid["T"]) == [100, 40, 20]  # the grid lists populated cells only
    grid["Y_GE65"] = OLD
    grid["Y_LT65"] = grid["T"] - grid["Y_GE65"]
    grid.to_file(region.population_path, layer=layer, driver="GPKG")
    manifest = region.folder / "region.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + AGE_TOML, encoding="utf-8")
    return load_region(region.folder)


def _profile(tmp_path):
    text = (PROFILES_DIR / "default.toml").read_text(encoding="utf-8")
    text = text.replace("junction_delay_s = 0.0\n# Age groups", "junction_delay_s = 10.0\n# Age groups")
    start, end = text.index("[[walk.ages]]"), text.index("[bike]")
    bands = (
        "[[walk.ages]]\nmin_age = 0\nmax_age = 64\nspeed_kmh = 4.8\n\n"
        "[[walk.ages]]\nmin_age = 65\nmax_age = 120\nspeed_kmh = 2.4\n\n"
    )
    path = tmp_path / "aged.toml"
    path.write_text(text[:start] + bands + text[end:], encoding="utf-8")
    profile = load_profile(path)
    assert profile.delays("walk") == (20.0, 0.0, 10.0) and profile.age_speeds
    return profile


def _by_hand(prep, speed_kmh, *, junction_s=10.0):
    ew_m = tiny_region.block_length_m(east_west=True)
    ns_m = tiny_region.block_length_m(east_west=False)
    ij, _ = _cell_ij(prep, "walk")
    move = np.array([(abs(i - 1) * ns_m + abs(j - 1) * ew_m) / (speed_kmh / 3.6) for i, j in ij])
    blocks = np.array([abs(i - 1) + abs(j - 1) for i, j in ij])
    return move + junction_s * blocks


@pytest.fixture(scope="module")
def aged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("aged")
    region = _aged(tmp)
    profile = _profile(tmp)
    prep = prepare_region(region, cache_root=tmp / "cache", travel=TravelSettings.from_settings(profile=profile))
    return prep


def test_age_walking_times__own_speed_delays_fixed_by_hand(aged):
    prep = aged
    assert age_speed_factors(prep, "walk") == {"Y_LT65": 1.0, "Y_GE65": 0.5}
    assert age_speed_factors(prep, "drive") == {}
    assert speeds_used(prep, "walk") == {"Y_LT65": 4.8, "Y_GE65": 2.4}
    ref = prep.access("walk", "pharmacy")["time_nearest_s"].to_numpy()
    assert ref == pytest.approx(_by_hand(prep, 4.8), rel=3e-3)
    old = prep.times_at("walk", "pharmacy", speed_factor=0.5)["time_nearest_s"].to_numpy()
    # twice the moving time, the same 10 s per junction: not simply twice the reference time
    assert old == pytest.approx(_by_hand(prep, 2.4), rel=3e-3)
    far = ref > 0
    assert (old[far] < 2 * ref[far]).all()


def test_age_group_table__own_times_and_residents_beyond_by_hand(aged):
    prep = aged
    threshold_min = 8.0
    a = Analysis(prep, Question("walk", "pharmacy", threshold_min), n_boot=0, suppress_below=0)
    g = a.groups("age")
    o = prep.origins
    ref = _by_hand(prep, 4.8)
    own = _by_hand(prep, 2.4)
    t_s = threshold_min * 60
    young_beyond = o["Y_LT65"].to_numpy()[ref > t_s].sum()
    old_beyond = o["Y_GE65"].to_numpy()[own > t_s].sum()
    assert g.loc["Y_LT65", "pop_beyond"] == pytest.approx(round(young_beyond))
    assert g.loc["Y_GE65", "pop_beyond"] == pytest.approx(round(old_beyond))
    w = o["Y_GE65"].to_numpy()
    assert g.loc["Y_GE65", "mean_min"] == pytest.approx(np.dot(w, own) / w.sum() / 60, rel=3e-3)
    # the gap against the reference uses each group's own times
    share_old, share_young = old_beyond / w.sum(), young_beyond / o["Y_LT65"].sum()
    assert g.loc["Y_GE65", "share_beyond_diff_pp"] == pytest.approx(100 * (share_old - share_young), abs=1e-6)
    # the cells and maps keep the reference speed for everyone: their counts add up and are protected as such
    cells = a.cells(protect=False)
    assert cells["beyond_Y_GE65"].sum() == pytest.approx(w[ref > t_s].sum(), abs=len(cells))
    # all residents (and the other dimensions) keep the reference speed
    assert g.loc["T", "pop_beyond"] == pytest.approx(round(o["T"].to_numpy()[ref > t_s].sum()))

    # with the age speeds off, everyone walks at 4.8 km/h
    off = dataclasses.replace(
        prep, travel=dataclasses.replace(prep.travel, profile=prep.travel.profile.with_age_speeds(False))
    )
    assert off.folder == prep.folder  # no new network: the speeds by age shape no cached file
    g_off = Analysis(off, Question("walk", "pharmacy", threshold_min), n_boot=0, suppress_below=0).groups("age")
    assert g_off.loc["Y_GE65", "pop_beyond"] == pytest.approx(round(w[ref > t_s].sum()))
    assert g_off.loc["Y_GE65", "mean_min"] == pytest.approx(np.dot(w, ref) / w.sum() / 60, rel=3e-3)


def test_sensitivity__against_networks_built_with_scaled_speeds(aged, tmp_path):
    """±20 % on every speed (delays fixed) = preparing again with a profile whose speeds are x 0.8 / x 1.2."""
    prep = aged
    questions = [Question("walk", "pharmacy", 8.0), Question("drive", "pharmacy", 2.0)]
    table = sensitivity_table(prep, questions).set_index("analysis")
    total = prep.origins["T"].to_numpy()
    for f in (0.8, 1.2):
        again = prepare_region(
            prep.region,
            cache_root=tmp_path / "cache",
            travel=dataclasses.replace(prep.travel, profile=prep.travel.profile.scaled(f)),
        )
        for q in questions:
            t = again.access(q.mode, q.category)["time_nearest_s"].to_numpy()
            share = total[~(t <= q.threshold_s)].sum() / total.sum()
            assert table.loc[q.key, f"share_beyond_x{round(f * 100)}"] == pytest.approx(share, abs=1e-12)
            if q.mode == "walk":  # and by hand: moving time / f, 10 s per junction
                hand = _by_hand(prep, 4.8 * f)
                assert table.loc[q.key, f"share_beyond_x{round(f * 100)}"] == pytest.approx(
                    total[hand > q.threshold_s].sum() / total.sum()
                )
    base = table["share_beyond"]
    assert (table["share_beyond_x80"] >= base).all() and (table["share_beyond_x120"] <= base).all()
    assert table["change_pp_x80"].to_numpy() == pytest.approx(100 * (table["share_beyond_x80"] - base).to_numpy())
    assert isinstance(table, pd.DataFrame)


def test_profile_choice__manifest_cli_and_api(tmp_path, capsys, monkeypatch):
    """`[travel] profile` (relative to the region folder), `--profile`/`--age-speeds` and `open_region(profile=)`."""
    import json

    from equimap import cli
    from equimap.api import open_region

    region = _aged(tmp_path)
    profile = _profile(tmp_path)
    (region.folder / "aged.toml").write_text((tmp_path / "aged.toml").read_text(encoding="utf-8"), encoding="utf-8")
    manifest = region.folder / "region.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + '\n[travel]\nprofile = "aged.toml"\n', encoding="utf-8")
    region = load_region(region.folder)
    assert region.profile == "aged.toml"
    cache = tmp_path / "cache"
    prep = prepare_region(region, cache_root=cache)
    assert prep.travel.profile == profile  # the manifest's file, read from the region folder

    data_dir = str(region.folder.parent)
    args = ["--data-dir", data_dir, "summary", "--region", "tiny", "--mode", "walk", "--category", "pharmacy"]
    args += ["--threshold-min", "8", "--group", "age", "--suppress-below", "0", "--json"]
    monkeypatch.setenv("EQUIMAP_CACHE_DIR", str(cache))
    monkeypatch.setenv("EQUIMAP_MIN_COUNT", "0")  # this installation allows unprotected output (a hand region)
    assert cli.main([*args, "--age-speeds", "off"]) == 0
    off = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    assert cli.main(args) == 0
    on = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    assert cli.main([*args, "--profile", "freeflow"]) == 0
    free = {r["group"]: r for r in json.loads(capsys.readouterr().out)}
    assert cli.main([*args, "--profile", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Speed profile `nope` is neither a shipped profile") and err.count("\n") == 1
    study = open_region(region.folder, age_speeds=False)
    ref = _by_hand(prep, 4.8)
    w = prep.origins["Y_GE65"].to_numpy()
    assert on["Y_GE65"]["pop_beyond"] == pytest.approx(round(w[_by_hand(prep, 2.4) > 480].sum()))
    assert off["Y_GE65"]["pop_beyond"] == pytest.approx(round(w[ref > 480].sum()))
    # freeflow: no junction delays, one speed: 1 block 187.5 s
    assert free["Y_GE65"]["mean_min"] == pytest.approx(
        np.dot(w, _by_hand(prep, 4.8, junction_s=0)) / w.sum() / 60, rel=3e-3
    )
    assert study.prepared.travel.profile == profile.with_age_speeds(False)
    assert study.prepared.folder == prep.folder


def test_malta_age_walking_times__scipy_on_the_scaled_network(malta):
    """Malta, walk to health services at the 65+ speed: equimap's times equal scipy's Dijkstra, written independently."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    prep = malta
    profile = prep.travel.profile
    assert profile.name == "default" and profile.age_speeds
    f = age_speed_factors(prep, "walk")["Y_GE65"]
    assert f == pytest.approx(3.06 / 4.8)
    own = prep.times_at("walk", "health", speed_factor=f)["time_nearest_s"].to_numpy()
    svc = prep.services_for("health")
    # the network the services join by the region's snapping rule (split at them, with edge snapping)
    net, o_node, o_t, s_node, s_t = prep.routing_inputs("walk", svc)
    ok = s_node >= 0
    # reversed graph (time to the services) with moving times / f and delays as they are, plus one super source
    w = (net.time_s - net.edge_delay_s) / f + net.edge_delay_s
    n = net.n_nodes
    rows = np.concatenate([net.edge_v, np.full(ok.sum(), n)])
    cols = np.concatenate([net.edge_u, s_node[ok]])
    vals = np.concatenate([w, s_t[ok] / f + 1e-9])  # scipy drops explicit zeros: a tiny weight keeps the link
    # parallel links (two services on one node): keep the shortest
    pairs = pd.DataFrame({"r": rows, "c": cols, "v": vals}).groupby(["r", "c"], as_index=False)["v"].min()
    g = sp.csr_matrix((pairs["v"], (pairs["r"], pairs["c"])), shape=(n + 1, n + 1))
    dist = dijkstra(g, directed=True, indices=n)
    has = o_node >= 0
    expect = np.full(len(o_node), np.inf)
    expect[has] = dist[o_node[has]] + o_t[has] / f
    fin = np.isfinite(expect)
    assert np.isfinite(own[fin]).all() and not np.isfinite(own[~fin]).any()
    np.testing.assert_allclose(own[fin], expect[fin], rtol=1e-7, atol=1e-6)
    ref = prep.access("walk", "health")["time_nearest_s"].to_numpy()
    assert (own[fin] >= ref[fin] - 1e-9).all()  # slower walkers never arrive earlier
