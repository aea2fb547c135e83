"""The engine on the real Malta networks, against networkx on the same graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from equimap.network.indicators import access_table
from equimap.network.routing import snap_points

pytestmark = pytest.mark.malta


def _nx_times_to_services(net, service_node, service_time_s):
    """Time from every node to its nearest service, by networkx on the reversed graph with a super-source."""
    g = net.to_networkx().reverse(copy=True)
    for s, (node, t) in enumerate(zip(service_node, service_time_s, strict=True)):
        if node >= 0:
            g.add_edge(("svc", s), int(node), time_s=float(t))
            g.add_edge("super", ("svc", s), time_s=0.0)
    return nx.single_source_dijkstra_path_length(g, "super", weight="time_s")


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_nearest_time__equals_networkx_for_200_random_origins(malta, mode):
    net = malta.networks[mode]
    svc = malta.services_for("health")
    s_node, s_t = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
    o_node, o_t = malta.origin_nodes(mode)
    rng = np.random.default_rng(2021)
    pick = rng.choice(np.flatnonzero(o_node >= 0), size=200, replace=False)
    got = access_table(net, o_node[pick], s_node, origin_time_s=o_t[pick], service_time_s=s_t)
    d = _nx_times_to_services(net, s_node, s_t)
    expected = np.array([d.get(int(n), np.inf) for n in o_node[pick]]) + o_t[pick]
    np.testing.assert_allclose(got["time_nearest_s"].to_numpy(), expected, rtol=0, atol=1e-6)


def test_mean3_and_counts__equal_networkx_for_30_origins(malta):
    net = malta.networks["drive"]
    svc = malta.services_for("pharmacy")
    s_node, s_t = snap_points(net, svc.geometry.x.to_numpy(), svc.geometry.y.to_numpy())
    o_node, o_t = malta.origin_nodes("drive")
    rng = np.random.default_rng(7)
    pick = rng.choice(np.flatnonzero(o_node >= 0), size=30, replace=False)
    got = access_table(net, o_node[pick], s_node, origin_time_s=o_t[pick], service_time_s=s_t)
    g = net.to_networkx()
    for row, o in enumerate(pick):
        d = nx.single_source_dijkstra_path_length(g, int(o_node[o]), weight="time_s")
        per_service = np.sort(
            [d[int(n)] + t + o_t[o] for n, t in zip(s_node, s_t, strict=True) if n >= 0 and int(n) in d]
        )
        assert got["time_mean3_s"].iloc[row] == pytest.approx(per_service[:3].mean(), abs=1e-6)
        for minutes in (5, 10, 15, 30):
            assert got[f"n_within_{minutes}min"].iloc[row] == (per_service <= minutes * 60).sum()


def test_population_totals_conserved(malta):
    sums = malta.origins[malta.count_columns].sum()
    assert sums["T"] == pytest.approx(519_562, abs=1e-6)
    expected = {"NAT": 386_280, "EU_OTH": 38_216, "OTH": 95_066, "M": 270_021, "F": 249_541}
    expected |= {"Y_LT15": 67_816, "Y_1564": 354_104, "Y_GE65": 97_642}
    for col, total in expected.items():
        assert sums[col] == pytest.approx(total, abs=1e-6), col
    # and per cell, the origins add up to the census cell
    per_cell = malta.origins.groupby("cell_id")["T"].sum()
    np.testing.assert_allclose(per_cell.reindex(malta.population.index).to_numpy(), malta.population["T"].to_numpy())


def test_unreachable_residents_are_reported_not_dropped(malta):
    import dataclasses

    from equimap.network.ferries import without_ferries

    # Comino (Kemmuna) has residents but no hospital: they cross by the Comino ferry (walk) ...
    acc = malta.access("walk", "hospital")
    assert np.isfinite(acc["time_nearest_s"]).all() and len(acc) == len(malta.origins)
    # ... and without ferries they are reported unreachable, not dropped
    streets = dataclasses.replace(malta, networks={"walk": without_ferries(malta.networks["walk"])}, _memo={})
    svc = malta.services_for("hospital")
    net, o_node, o_t, s_node, s_t = streets.routing_inputs("walk", svc)
    cut = access_table(net, o_node, s_node, origin_time_s=o_t, service_time_s=s_t)
    unreachable = malta.origins.loc[~np.isfinite(cut["time_nearest_s"].to_numpy()), "T"].sum()
    assert 0 < unreachable < 50
    assert len(cut) == len(malta.origins)


def test_gozo_residents_use_gozo_services(malta):
    """No distance across the sea: Gozo's residents reach the Gozo General Hospital, not Mater Dei."""
    acc = malta.access("drive", "hospital_official")
    svc = malta.services_for("hospital_official").set_index("service_id")
    gozo_cells = malta.origins["y"] > 1_447_000  # Gozo lies north-west of the North Comino Channel
    gozo_cells &= malta.origins["x"] < 4_712_000
    nearest = acc.loc[gozo_cells, "nearest_service"].dropna().unique()
    names = set(svc.loc[nearest, "name"])
    assert names == {"Gozo General Hospital"}


def test_most_of_malta_within_20_min_drive_of_a_hospital(malta):
    acc = malta.access("drive", "hospital_official")
    t = acc["time_nearest_s"].to_numpy()
    share = malta.origins["T"].to_numpy()[t <= 20 * 60].sum() / 519_562
    assert share > 0.95
