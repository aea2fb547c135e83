"""Scenarios: the file format, the exact incremental update, the protected comparison, the CLI's bad inputs.

Independent answers: the hand grid's times are worked out with networkx (every block
100 s); on Malta the update is checked against a full recomputation with the changed
list of sites (`Prepared.access(..., services=changed)`), and the protected flows against
counts summed by hand from the two access tables.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from equimap import cli
from equimap._errors import DataError
from equimap.analysis.core import Analysis
from equimap.analysis.question import Question
from equimap.network.cache import TravelSettings
from equimap.network.graph import Network
from equimap.network.prepare import Prepared
from equimap.network.routing import count_column
from equimap.region.manifest import load_region
from equimap.region.services import load_taxonomy
from equimap.scenario.changes import (
    Change,
    Scenario,
    apply_changes,
    parse_changes,
    read_scenario,
    scenario_from_sites,
    write_scenario,
)
from equimap.scenario.engine import MAX_SCENARIOS, ScenarioAnalysis, compare_scenarios
from equimap.scenario.engine import compare_scenarios as engine_compare
from equimap.scenario.fast import access_after, base_access
from tests.conftest import grid_graph

QUESTION = Question("walk", "pharmacy", 15.0)
ADD = "14.4500,35.8800"  # Haż-Żebbuġ, next to streets
SEA = "14.2200,35.8000"  # open sea south-west of Malta, inside the region's box


# --- a hand-made prepared region: a 5 × 5 grid, every block 100 s ---------------------------


@pytest.fixture(params=["node", "edge"])
def hand(tmp_path: Path, request) -> Prepared:
    """The hand region, with sites joined at their nearest node (as the networkx answer) or split into their edge."""
    g = grid_graph(5)
    net = Network.from_graph(g, mode="walk")
    nodes = np.arange(25)
    origins = pd.DataFrame(
        {
            "cell_id": "c0",
            "node": nodes,
            "x": net.x[nodes],
            "y": net.y[nodes],
            "snap_m": 0.0,
            "T": 1.0,
        },
        index=pd.RangeIndex(25, name="origin"),
    )
    # sites at nodes 0, 4, 12, 24 (ids s0..s3); s2 is 10 m off its node (10 s on foot at 3.6 km/h)
    where = [(0, 0, 0), (1, 400, 0), (2, 200, 210), (3, 400, 400)]
    services = gpd.GeoDataFrame(
        {
            "service_id": [f"s{i}" for i, _, _ in where],
            "category": "pharmacy",
            "theme": "health",
            "name": [f"site {i}" for i, _, _ in where],
            "source": "hand",
            "capacity": 1.0,
        },
        geometry=[Point(x, y) for _, x, y in where],
        crs="EPSG:3035",
    )
    base = TravelSettings.from_settings()
    travel = dataclasses.replace(
        base,
        profile=dataclasses.replace(base.profile, walk_speed_kmh=3.6),  # 1 m/s between a site and its node
        min_component_nodes=1,
        snap=request.param,
    )
    return Prepared(
        region=load_region("malta"),
        networks={"walk": net},
        services=services,
        origins=origins,
        population=gpd.GeoDataFrame(geometry=[], crs="EPSG:3035"),
        taxonomy=load_taxonomy(),
        folder=tmp_path,
        travel=travel,
    )


def _by_hand(prep: Prepared, services: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return nearest time, mean of 3 and counts within thresholds from networkx shortest paths (independent)."""
    g = nx.DiGraph()
    net = prep.networks["walk"]
    g.add_weighted_edges_from(zip(net.edge_u.tolist(), net.edge_v.tolist(), net.time_s.tolist(), strict=True))
    rows = []
    site_nodes, site_walk = [], []
    for p in services.geometry:
        d = np.hypot(net.x - p.x, net.y - p.y)
        site_nodes.append(int(np.argmin(d)))
        site_walk.append(float(d.min()) / 1.0)  # 3.6 km/h = 1 m/s
    for o in prep.origins["node"]:
        dist = nx.single_source_dijkstra_path_length(g, int(o), weight="weight")
        each = [dist[n] + w for n, w in zip(site_nodes, site_walk, strict=True)]
        times = sorted(each)
        k = times[:3]
        row = {"time_nearest_s": k[0], "time_mean3_s": float(np.mean(k)), "n_reached_k": len(k)}
        ids = services["service_id"].tolist()
        row["nearest"] = {ids[i] for i, x in enumerate(each) if abs(x - k[0]) < 1e-9}
        for t in sorted(prep.travel.count_thresholds_min):
            row[count_column(t)] = sum(x <= t * 60 for x in times)
        rows.append(row)
    return pd.DataFrame(rows, index=prep.origins.index)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    p = gpd.GeoSeries([Point(x, y)], crs="EPSG:3035").to_crs("EPSG:4326").iloc[0]
    return p.x, p.y


HAND_CASES = {
    "add": lambda: [Change("add", lon=_lonlat(100, 300)[0], lat=_lonlat(100, 300)[1])],
    "remove": lambda: [Change("remove", service_id="s2")],
    "move": lambda: [Change("move", service_id="s3", lon=_lonlat(300, 100)[0], lat=_lonlat(300, 100)[1])],
    "all_but_one": lambda: [Change("remove", service_id=s) for s in ("s0", "s1", "s2")],
}


@pytest.mark.parametrize("case", sorted(HAND_CASES))
def test_update__hand_grid__equals_networkx_and_full_recomputation(hand: Prepared, case: str) -> None:
    scenario = Scenario(case, "pharmacy", tuple(HAND_CASES[case]()))
    base = base_access(hand, "walk", "pharmacy")
    changed = apply_changes(base.services, scenario)
    fast = access_after(hand, base, changed)
    full = hand.access("walk", "pharmacy", services=changed)
    no_id = ["nearest_service"]
    # counts exactly; times to the last bits of a float (an edge split in two steps sums its parts in another order)
    pd.testing.assert_frame_equal(
        fast.drop(columns=no_id), full.drop(columns=no_id), check_exact=False, rtol=1e-12, atol=1e-9
    )
    if hand.travel.snap == "edge":
        return  # the networkx answer below joins sites at their nearest node
    expected = _by_hand(hand, changed)
    # the grid has many ties: a nearest site is one of those exactly as near
    for table in (fast, full):
        assert all(
            sid in ok
            for sid, ok in zip(
                table["nearest_service"], expected.pop("nearest") if table is full else expected["nearest"], strict=True
            )
        )
    got = fast[expected.columns].astype(float)
    pd.testing.assert_frame_equal(got, expected.astype(float), check_exact=False, rtol=1e-9, atol=1e-6)


def test_update__hand_grid__an_added_site_takes_the_nearest_place_where_it_is_nearest(hand: Prepared) -> None:
    lon, lat = _lonlat(100, 300)  # node 16 (row 3, column 1)
    scenario = Scenario("one", "pharmacy", (Change("add", lon=lon, lat=lat),))
    base = base_access(hand, "walk", "pharmacy")
    fast = access_after(hand, base, apply_changes(base.services, scenario))
    assert fast.loc[16, "time_nearest_s"] == pytest.approx(0.0, abs=0.01)  # lon/lat round trip: under 1 cm
    assert fast.loc[16, "nearest_service"] == "scenario/1"
    assert fast.loc[0, "nearest_service"] == "s0"  # the corner keeps its own site


# --- the file format --------------------------------------------------------------------------


def test_scenario_file__round_trip(tmp_path: Path) -> None:
    s = Scenario(
        "Two changes",
        "pharmacy",
        (Change("add", lon=14.45, lat=35.88, name="New", capacity=2.0), Change("move", "osm/node/1", 14.4, 35.9)),
    )
    path = write_scenario(s, tmp_path / "s.geojson")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["equimap_scenario"] == 1 and raw["type"] == "FeatureCollection"
    assert [f["properties"]["change"] for f in raw["features"]] == ["add", "move"]
    assert read_scenario(path) == s


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"type": "FeatureCollection", "features": []}, "is not a scenario file"),
        ("not json", "is not a scenario file"),
        (
            {
                "type": "FeatureCollection",
                "equimap_scenario": 1,
                "features": [{"type": "Feature", "properties": {"change": "close"}}],
            },
            "change 'close', not one of",
        ),
        (
            {
                "type": "FeatureCollection",
                "equimap_scenario": 1,
                "features": [{"type": "Feature", "properties": {"change": "remove"}}],
            },
            "has no `service_id`",
        ),
        ({"type": "FeatureCollection", "equimap_scenario": 1, "features": []}, "has no changes"),
    ],
)
def test_read_scenario__bad_files__one_sentence(tmp_path: Path, content: object, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    with pytest.raises(DataError, match=message) as err:
        read_scenario(path)
    assert str(err.value).count(". ") == 0 and str(err.value).endswith(".")


def test_parse_changes__bad_points() -> None:
    with pytest.raises(DataError, match=r"`--add 14.45` is not LON,LAT"):
        parse_changes(name="x", add=["14.45"])
    with pytest.raises(DataError, match=r"is not SITE_ID=LON,LAT"):
        parse_changes(name="x", move=["14.4,35.9"])
    with pytest.raises(DataError, match=r"more than once"):
        parse_changes(name="x", remove=["a", "a"])


# --- Malta ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def malta_base(malta):
    return base_access(malta, "walk", "pharmacy")


def _malta_cases(malta) -> dict[str, Scenario]:
    ids = malta.services_for("pharmacy")["service_id"].tolist()
    return {
        "add": parse_changes(name="add", add=[ADD, "14.2600,36.0400"]),
        "remove": parse_changes(name="remove", remove=ids[3:6]),
        "move": parse_changes(name="move", move=[f"{ids[10]}=14.4800,35.8500"]),
    }


@pytest.mark.parametrize("case", ["add", "remove", "move"])
def test_update__malta__equals_full_recomputation(malta, malta_base, case: str) -> None:
    scenario = _malta_cases(malta)[case].with_category("pharmacy")
    changed = apply_changes(malta_base.services, scenario)
    fast = access_after(malta, malta_base, changed)
    full = malta.access("walk", "pharmacy", services=changed)
    pd.testing.assert_frame_equal(
        fast.drop(columns="nearest_service"),
        full.drop(columns="nearest_service"),
        check_exact=False,
        rtol=1e-12,
        atol=1e-9,
    )
    differ = (fast["nearest_service"] != full["nearest_service"]).to_numpy()
    # a different nearest site only where two sites are exactly as near (a tie the searches break differently)
    t = malta_base.times_s
    assert np.all(t[differ, 0] == t[differ, 1]) or differ.sum() == 0 or case != "remove"
    assert differ.mean() < 0.01


@pytest.fixture(scope="module")
def malta_before(malta):
    return Analysis(malta, QUESTION, n_boot=0)


@pytest.mark.parametrize("case", ["add", "remove", "move"])
def test_scenario__malta__after_equals_an_analysis_of_the_changed_sites(malta, malta_before, case: str) -> None:
    s = ScenarioAnalysis(malta_before, _malta_cases(malta)[case])
    full = Analysis(malta, QUESTION, n_boot=0, services=apply_changes(malta.services_for("pharmacy"), s.scenario))
    # the full analysis recomputes access itself: clear the kept table first
    for key in [k for k in malta._memo if isinstance(k, tuple) and k and k[0] == "held_access"]:
        malta._memo.pop(key)
    pd.testing.assert_frame_equal(s.after.groups(), full.groups())
    pd.testing.assert_frame_equal(s.after.classes(2), full.classes(2))
    g = s.groups()
    b, a = malta_before.groups(), full.groups()
    shown = g["pop_beyond_after"].notna()
    pd.testing.assert_series_equal(g.loc[shown, "pop_beyond_after"], a.loc[shown, "pop_beyond"], check_names=False)
    pd.testing.assert_series_equal(
        g.loc[shown, "pop_beyond_change"], (a["pop_beyond"] - b["pop_beyond"])[shown], check_names=False
    )
    pd.testing.assert_series_equal(g["pop_beyond_before"], b["pop_beyond"], check_names=False)


def test_scenario__malta__small_flows_are_hidden_and_large_ones_shown(malta, malta_before) -> None:
    s = ScenarioAnalysis(malta_before, parse_changes(name="add", add=[ADD]))
    t0 = malta_before.access()["time_nearest_s"].to_numpy()
    t1 = s.after.access()["time_nearest_s"].to_numpy()
    gaining = ~(t0 <= 900) & (t1 <= 900)
    g = s.groups()
    for col in g.index:
        raw = float(np.round((malta.origins[col].to_numpy() * gaining).sum()))
        if 0 < raw < malta_before.suppress_below:
            assert np.isnan(g.loc[col, "gaining"]) and np.isnan(g.loc[col, "pop_beyond_after"]), col
        if not np.isnan(g.loc[col, "gaining"]):
            assert abs(g.loc[col, "gaining"] - raw) <= 5 + 1, col  # to the nearest 10
    # a hidden group's change cannot be had by subtraction: within a dimension, never exactly one hidden
    for dim, rows in g[g["dimension"] != "all"].groupby("dimension"):
        assert rows["gaining"].isna().sum() != 1, dim


def test_scenario__malta__hidden_rows_hide_after_and_change(malta_before) -> None:
    s = ScenarioAnalysis(malta_before, parse_changes(name="add", add=[ADD]))
    g = s.groups()
    hidden = g["gaining"].isna()
    assert g.loc[hidden, ["pop_beyond_after", "pop_beyond_change", "share_beyond_after"]].isna().all().all()


def test_compare__side_by_side_and_limits(malta, malta_before) -> None:
    runs = [ScenarioAnalysis(malta_before, sc) for sc in _malta_cases(malta).values()]
    table = compare_scenarios(malta_before, runs)
    assert [c for c in table.columns if c.endswith("pop_beyond_after")] == [f"{r.name}: pop_beyond_after" for r in runs]
    with pytest.raises(DataError, match=f"Compare 1 to {MAX_SCENARIOS} scenarios"):
        compare_scenarios(malta_before, runs * 2)


def test_scenario__malta__bad_inputs(malta, malta_before) -> None:
    with pytest.raises(DataError, match="is not a site of `pharmacy`"):
        ScenarioAnalysis(malta_before, parse_changes(name="x", remove=["osm/node/0"]))
    region = malta.region
    from equimap.scenario.changes import check_locations

    with pytest.raises(DataError, match="in the sea"):
        check_locations(parse_changes(name="x", add=[SEA]), region)
    with pytest.raises(DataError, match="outside Malta"):
        check_locations(parse_changes(name="x", add=["2.35,48.85"]), region)


def test_sites_list__csv_adds_every_site(malta, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text("name,lon,lat\nA,14.45,35.88\nB,14.48,35.85\n", encoding="utf-8")
    s = scenario_from_sites(path, category="pharmacy", region=malta.region, name_col="name")
    assert [(c.kind, c.name) for c in s.changes] == [("add", "A"), ("add", "B")]
    assert s.changes[0].lon == pytest.approx(14.45)


# --- the command line: one sentence, exit code 2 ---------------------------------------------


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["scenario", "--region", "malta", "--category", "pharmacy", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--add", SEA], "in the sea"),
        (["--add", "2.35,48.85"], "outside Malta"),
        (["--remove", "osm/node/0"], "is not a site of `pharmacy`"),
        (["--add", "14.45"], "is not LON,LAT"),
    ],
)
@pytest.mark.usefixtures("malta")
def test_cli__bad_input__one_sentence_exit_2(capsys, args: list[str], message: str) -> None:
    code, _, err = _run(capsys, *args)
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in err


@pytest.mark.usefixtures("malta")
def test_cli__not_a_scenario_file__exit_2(capsys, tmp_path: Path) -> None:
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    code, _, err = _run(capsys, "--file", str(path))
    assert code == 2 and "is not a scenario file" in err


def test_cli__json_out_and_report(malta, capsys, tmp_path: Path) -> None:
    out = tmp_path / "s.geojson"
    code, text, _ = _run(
        capsys, "--add", ADD, "--name", "Żebbuġ", "--json", "--out", str(out), "--report", str(tmp_path / "s.xlsx")
    )
    assert code == 0
    data = json.loads(text)
    assert data["protected"] and data["groups"][0]["group"] == "T"
    assert read_scenario(out, region=malta.region).name == "Żebbuġ"
    assert (tmp_path / "s.xlsx").stat().st_size > 0
    # the file read back gives the same figures
    code, text2, _ = _run(capsys, "--file", str(out), "--json")
    assert json.loads(text2)["groups"] == data["groups"]


# --- the API and the files ---------------------------------------------------------------------


def test_api__with_changes_writes_gpkg_xlsx_pdf_with_the_same_figures(malta, tmp_path: Path) -> None:
    import pyogrio

    from equimap.api import Study, compare_scenarios

    study = Study(malta)
    s = study.scenario(mode="walk", category="pharmacy", threshold_min=15, add=[ADD], name="Żebbuġ")
    same = study.analysis(mode="walk", category="pharmacy", threshold_min=15, n_boot=0).with_changes(
        add=[ADD], name="Żebbuġ"
    )
    pd.testing.assert_frame_equal(s.groups(), same.groups())
    gpkg = s.write(tmp_path / "s.gpkg")
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"scenario_cells", "scenario_councils", "scenario_changes", "README"} <= layers
    cells = gpd.read_file(gpkg, layer="scenario_cells").set_index("cell_id")
    mine = s.cells()
    pd.testing.assert_series_equal(
        cells["Żebbuġ: beyond_T_change"], mine["beyond_T_change"].reindex(cells.index), check_names=False
    )
    xlsx = pd.read_excel(s.write(tmp_path / "s.xlsx"), sheet_name="scenario_groups")
    assert xlsx["Żebbuġ: pop_beyond_after"].tolist()[:2] == s.groups()["pop_beyond_after"].tolist()[:2]
    pdf = s.write(tmp_path / "s.pdf", lang="fr").read_bytes()
    assert pdf.startswith(b"%PDF")
    saved = s.save(tmp_path / "s.geojson")
    assert read_scenario(saved).changes == s.scenario.changes
    pd.testing.assert_frame_equal(compare_scenarios([s]), engine_compare(s.before, [s]))
    with pytest.raises(DataError, match=r"A scenario is written as pdf, xlsx, gpkg, not csv"):
        s.write(tmp_path / "s.csv")


def test_compare__no_two_visible_columns_differ_by_a_small_count(malta, malta_before) -> None:
    runs = [ScenarioAnalysis(malta_before, sc) for sc in _malta_cases(malta).values()]
    runs.append(ScenarioAnalysis(malta_before, parse_changes(name="add+", add=[ADD, "14.4520,35.8810"])))
    table = compare_scenarios(malta_before, runs)
    times = {"today": malta_before.access()["time_nearest_s"].to_numpy()}
    times |= {r.name: r.after.access()["time_nearest_s"].to_numpy() for r in runs}
    thr = malta_before.suppress_below
    checked = 0
    for col in table.index:
        counts = malta.origins[col].to_numpy()
        visible = ["today"] + [r.name for r in runs if not np.isnan(table.loc[col, f"{r.name}: pop_beyond_after"])]
        for i, a in enumerate(visible):
            for b in visible[i + 1 :]:
                ta, tb = times[a], times[b]
                for flow in (
                    (ta > 900) & (tb <= 900),
                    (ta <= 900) & (tb > 900),
                ):  # hand sums, independent of the engine
                    x = float((counts * flow).sum())
                    assert x < 0.5 or x >= thr - 1, (col, a, b, x)
                    checked += 1
    assert checked > 20


def test_optimiser_suggestion__read_as_a_scenario__gains_what_the_optimiser_says(malta, malta_before, tmp_path) -> None:
    from equimap.scenario.optimise import suggest_sites, write_suggestion

    sug = suggest_sites(malta, mode="walk", category="pharmacy", threshold_min=15, k=3)
    s = ScenarioAnalysis(
        malta_before, read_scenario(write_suggestion(tmp_path / "k3.geojson", sug), region=malta.region)
    )
    t0 = malta_before.access()["time_nearest_s"].to_numpy()
    t1 = s.after.access()["time_nearest_s"].to_numpy()
    gained = ~(t0 <= 900) & (t1 <= 900)
    for col in sug.gains.index:
        assert (malta.origins[col].to_numpy() * gained).sum() == pytest.approx(
            sug.gains.loc[col, "pop_gained"], rel=1e-12
        )
    g = s.groups()
    assert g.loc["T", "gaining"] == pytest.approx(round(sug.gains.loc["T", "pop_gained"] / 10) * 10, abs=10)
