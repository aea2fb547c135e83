"""The prepared-region cache cannot serve stale numbers: it is keyed on what the files depend on.

Each test builds the tiny hand-made region (`tests/tiny_region.py`) in its own
folder, changes one input (a census count, a boundary, the taxonomy, a speed),
and checks that the key changes and that the prepared numbers follow the new
input, against values worked out by hand.
"""

from __future__ import annotations

import dataclasses
import json
import os

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from equimap import settings
from equimap.network.cache import TravelSettings, cache_folder, cache_key
from equimap.network.prepare import prepare_region
from equimap.network.profile import PROFILES_DIR, load_profile
from equimap.region.add import add_region
from equimap.region.manifest import load_region
from equimap.region.services import load_taxonomy
from tests import tiny_region

#: Residents of the tiny region (its four cells hold 100, 40, 0 and 20).
TINY_T = 160


def _tiny(tmp_path, *, boundary_suffix=".geojson"):
    """Write the tiny region, with one boundary layer (the whole 2 km square), and return it."""
    src = tiny_region.write_region(tmp_path / "src")
    folder = tmp_path / "data" / "tiny"
    folder.mkdir(parents=True)
    outline = gpd.GeoDataFrame(
        {"name": ["Tiny"], "code": ["T1"]},
        geometry=[box(tiny_region.X0, tiny_region.Y0, tiny_region.X0 + 2000, tiny_region.Y0 + 2000)],
        crs="EPSG:3035",
    )
    bnd = folder / f"outline{boundary_suffix}"
    outline.to_file(bnd)
    return add_region(
        "tiny",
        osm=src["osm"],
        population=src["population"],
        services=src["services"],
        boundaries=bnd,
        data_dir=tmp_path / "data",
    )


def _cell_ij(prep, mode):
    """Return the lattice (row, column) of each origin's node on the `mode` network."""
    node, snap_s = prep.origin_nodes(mode)
    net = prep.networks[mode]
    ij = {tiny_region.node_id(i, j): (i, j) for i in range(tiny_region.N) for j in range(tiny_region.N)}
    return [ij[int(net.osmid[n])] for n in node], snap_s


def _files_mtime(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}


def test_unchanged_region_reuses_the_cache(tmp_path):
    region = _tiny(tmp_path)
    first = prepare_region(region, cache_root=tmp_path / "cache")
    built = _files_mtime(first.folder) | _files_mtime(first.networks_folder)
    assert {"network_walk.npz", "network_bike.npz", "network_drive.npz"} <= set(_files_mtime(first.networks_folder))
    assert {"services.parquet", "origins.parquet", "found.json"} <= set(_files_mtime(first.folder))
    steps: list[str] = []
    again = prepare_region(
        load_region(region.folder), cache_root=tmp_path / "cache", progress=lambda m, _f: steps.append(m)
    )
    assert again.folder == first.folder
    assert steps == ["Ready"]  # nothing read from OSM, nothing built
    assert _files_mtime(again.folder) | _files_mtime(again.networks_folder) == built
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted([first.folder.name, "networks"])
    # key.json says what the folder is keyed on: the data files, and the manifest without its labels
    key = json.loads((first.folder / "key.json").read_text(encoding="utf-8"))
    assert set(key["files"]) == {"tiny.osm", "grid.gpkg", "clinics.csv", "outline.geojson"}
    assert "name" not in key["manifest"] and "label" not in key["manifest"]["boundaries"][0]
    assert key["travel"]["profile"] == load_profile("default").network_content()
    assert key == json.loads(json.dumps(cache_key(region)))


def test_census_count_corrected_in_place__new_key_and_new_totals(tmp_path):
    region = _tiny(tmp_path)
    cache = tmp_path / "cache"
    before = prepare_region(region, cache_root=cache)
    assert before.origins["T"].sum() == pytest.approx(TINY_T)
    gpkg = region.population_path
    stat = gpkg.stat()
    fp = region.fingerprint()
    # correct the first cell's total from 100 to 150 and write the layer again, as an analyst would in QGIS
    grid = gpd.read_file(gpkg, layer="grid")
    assert grid.loc[0, "T"] == 100
    grid.loc[0, "T"] = 150
    grid.to_file(gpkg, layer="grid", driver="GPKG")
    os.utime(gpkg, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time too: only the content differs
    assert gpkg.stat().st_size == stat.st_size
    assert gpkg.stat().st_mtime_ns == stat.st_mtime_ns
    assert region.fingerprint() != fp
    after = prepare_region(load_region(region.folder), cache_root=cache)
    assert after.folder != before.folder
    assert after.origins["T"].sum() == pytest.approx(TINY_T - 100 + 150)
    # the 50 new residents have no known country of birth
    assert after.origins["UNKNOWN_BIRTH"].sum() == pytest.approx(before.origins["UNKNOWN_BIRTH"].sum() + 50)
    assert after.origins["NAT"].sum() == pytest.approx(before.origins["NAT"].sum())


def test_profile_speed_edit_changes_the_key_and_the_drive_times(tmp_path):
    """Edit one speed in a profile file and prepare again: new folder, new times (no stale cache)."""
    region = _tiny(tmp_path)
    cache = tmp_path / "cache"
    ew_m = tiny_region.block_length_m(east_west=True)
    ns_m = tiny_region.block_length_m(east_west=False)
    profile_file = tmp_path / "mine.toml"
    shipped = (PROFILES_DIR / "freeflow.toml").read_text(encoding="utf-8")
    line30 = "residential = { urban = 30.0, rural = 30.0 }"
    assert line30 in shipped
    profile_file.write_text(shipped, encoding="utf-8")

    def by_hand(prep, speed_kmh):
        # the pharmacy is at lattice node (1, 1); origins and the pharmacy sit on network nodes (no walk to add)
        ij, snap_s = _cell_ij(prep, "drive")
        assert np.allclose(snap_s, 0, atol=1e-6)
        return np.array([(abs(i - 1) * ns_m + abs(j - 1) * ew_m) / (speed_kmh / 3.6) for i, j in ij])

    at30 = prepare_region(region, cache_root=cache, travel=TravelSettings.from_settings(profile=profile_file))
    t30 = at30.access("drive", "pharmacy")["time_nearest_s"].to_numpy()
    assert t30 == pytest.approx(by_hand(at30, 30.0), rel=3e-3)

    # the user edits one number of the file; the next run reads it again
    profile_file.write_text(shipped.replace(line30, "residential = { urban = 15.0, rural = 15.0 }"), encoding="utf-8")
    again = TravelSettings.from_settings(profile=profile_file)
    assert again.profile.digest != at30.travel.profile.digest
    assert cache_key(region, travel=again)["travel"] != cache_key(region, travel=at30.travel)["travel"]
    at15 = prepare_region(region, cache_root=cache, travel=again)
    assert at15.folder != at30.folder
    t15 = at15.access("drive", "pharmacy")["time_nearest_s"].to_numpy()
    assert t15 == pytest.approx(by_hand(at15, 15.0), rel=3e-3)
    assert t15 == pytest.approx(2 * t30, rel=1e-9)
    # every street is residential: each drive edge takes twice as long; walking is untouched
    d30, d15 = at30.networks["drive"], at15.networks["drive"]
    assert np.array_equal(d30.edge_u, d15.edge_u) and np.array_equal(d30.edge_v, d15.edge_v)
    assert d15.time_s == pytest.approx(2 * d30.time_s, rel=1e-9)
    assert np.array_equal(at15.networks["walk"].time_s, at30.networks["walk"].time_s)

    # back to 30 km/h: the first folder is found again
    profile_file.write_text(shipped, encoding="utf-8")
    back = prepare_region(region, cache_root=cache, travel=TravelSettings.from_settings(profile=profile_file))
    assert back.folder == at30.folder


def test_default_profile_on_the_tiny_region__by_hand(tmp_path):
    """The shipped default profile: rural residential 25 km/h plus 2 s per junction entered, by hand."""
    region = _tiny(tmp_path)
    prep = prepare_region(region, cache_root=tmp_path / "cache")
    assert prep.travel.profile.name == "default"
    ew_m = tiny_region.block_length_m(east_west=True)
    ns_m = tiny_region.block_length_m(east_west=False)
    ij, _ = _cell_ij(prep, "drive")
    # every cell has < 300 residents per km2: rural. Every node a shortest path to (1, 1) enters is a
    # junction (the corners, with two neighbours, are on no such path), the pharmacy's node included.
    blocks = np.array([abs(i - 1) + abs(j - 1) for i, j in ij])
    move = np.array([(abs(i - 1) * ns_m + abs(j - 1) * ew_m) / (25 / 3.6) for i, j in ij])
    t = prep.access("drive", "pharmacy")["time_nearest_s"].to_numpy()
    assert t == pytest.approx(move + 2.0 * blocks, rel=3e-3)


def test_access_only_settings_key_the_access_file_not_the_folder(tmp_path, monkeypatch):
    region = _tiny(tmp_path)
    cache = tmp_path / "cache"
    prep = prepare_region(region, cache_root=cache)
    assert "n_within_15min" in prep.access("walk", "pharmacy")
    monkeypatch.setattr(settings, "COUNT_THRESHOLDS_MIN", (7,))
    monkeypatch.setattr(settings, "N_NEAREST", 1)
    other = prepare_region(region, cache_root=cache)
    assert other.folder == prep.folder  # networks and residents are reused
    assert other.access_file("walk", "pharmacy") != prep.access_file("walk", "pharmacy")
    acc = other.access("walk", "pharmacy")
    assert [c for c in acc if c.startswith("n_within_")] == ["n_within_7min"]
    # one pharmacy: it is within 7 minutes (420 s) exactly where the nearest time is at most 420 s
    assert (acc["n_within_7min"] == (acc["time_nearest_s"] <= 420)).all()
    # the first Prepared still reads its own file
    assert "n_within_15min" in prep.access("walk", "pharmacy")


def test_boundary_file_changes_the_key(tmp_path):
    region = _tiny(tmp_path)
    key, fp = cache_folder(region, root=tmp_path), region.fingerprint()
    bnd = region.boundaries[0].path
    text = bnd.read_text(encoding="utf-8")
    assert text.count('"Tiny"') == 1
    bnd.write_text(text.replace('"Tiny"', '"Tinz"'), encoding="utf-8")  # a unit renamed, same size
    changed = load_region(region.folder)
    assert changed.fingerprint() != fp
    assert cache_folder(changed, root=tmp_path) != key


def test_shapefile_sidecar_changes_the_key(tmp_path):
    # a shapefile keeps its attributes in the .dbf: a renamed unit changes the key though the .shp is the same
    region = _tiny(tmp_path, boundary_suffix=".shp")
    shp = region.boundaries[0].path
    names = {p.name for p in region.input_files()}
    assert {"outline.shp", "outline.dbf", "outline.shx", "outline.prj"} <= names
    fp, shp_bytes = region.fingerprint(), shp.read_bytes()
    gdf = gpd.read_file(shp)
    gdf["name"] = "Tinz"
    gdf.to_file(shp)
    assert shp.read_bytes() == shp_bytes
    assert load_region(region.folder).fingerprint() != fp


def test_taxonomy_content_changes_the_key_and_the_services(tmp_path):
    region = _tiny(tmp_path)
    cache = tmp_path / "cache"
    text = settings.TAXONOMY_PATH.read_text(encoding="utf-8")
    # a comment is not content: same key
    (tmp_path / "commented.toml").write_text("# a note\n" + text, encoding="utf-8")
    assert cache_folder(region, root=cache, taxonomy=load_taxonomy(tmp_path / "commented.toml")) == cache_folder(
        region, root=cache
    )
    # pharmacies tagged amenity=pharmacy no longer count
    old = 'match = [{ amenity = "pharmacy" }, { healthcare = "pharmacy" }]'
    assert old in text
    (tmp_path / "edited.toml").write_text(text.replace(old, 'match = [{ healthcare = "pharmacy" }]'), encoding="utf-8")
    edited = load_taxonomy(tmp_path / "edited.toml")
    assert edited.digest() != load_taxonomy().digest()
    assert cache_folder(region, root=cache, taxonomy=edited) != cache_folder(region, root=cache)
    shipped = prepare_region(region, cache_root=cache)
    assert list(shipped.services_for("pharmacy")["name"]) == ["Test Pharmacy"]
    assert len(prepare_region(region, cache_root=cache, taxonomy=edited).services_for("pharmacy")) == 0


def test_travel_settings_snapshot_follows_settings(monkeypatch):
    now = TravelSettings.from_settings()
    assert now.profile == load_profile("default")
    assert now.n_nearest == settings.N_NEAREST and now.max_snap_m == settings.MAX_SNAP_M
    monkeypatch.setattr(settings, "N_NEAREST", 5)
    later = TravelSettings.from_settings()
    assert later == dataclasses.replace(now, n_nearest=5)
    assert later.prepare_part() == now.prepare_part() and later.access_part() != now.access_part()
    free = TravelSettings.from_settings(profile="freeflow")
    assert free.prepare_part() != now.prepare_part()


def test_freeflow_profile_is_equimap_settings():
    """The shipped freeflow profile holds exactly the constants equimap used before profiles."""
    free = load_profile("freeflow")
    assert free.walk_speed_kmh == settings.WALK_SPEED_KMH and free.bike_speed_kmh == settings.BIKE_SPEED_KMH
    assert free.drive_speeds(urban=True) == settings.DRIVE_SPEEDS_KMH == free.drive_speeds(urban=False)
    assert free.drive_fallback_kmh == (settings.DRIVE_FALLBACK_KMH, settings.DRIVE_FALLBACK_KMH)
    assert free.maxspeed_factor == 1.0 and not free.has_delays() and not free.age_speeds
    assert not free.ferry_enabled


def test_malta_fingerprint_covers_every_file():
    r = load_region("malta")
    assert {p.name for p in r.input_files()} == {
        "malta-2018-08-27.osm.pbf",
        "census2021_grid_1km_malta.gpkg",
        "mt_local_councils_osm2018.geojson",
        "eurostat_healthcare_services_MT.geojson",
    }
    assert set(r.file_digests()) == {"region.toml", *(p.name for p in r.input_files())}


def test_label_edit_keeps_the_networks__osm_path_edit_builds_new_ones(tmp_path):
    """Editing a manifest's labels rebuilds nothing; naming another OSM file gives new network and cache folders."""
    region = _tiny(tmp_path)
    cache = tmp_path / "cache"
    first = prepare_region(region, cache_root=cache, modes=("walk",))
    manifest = region.folder / "region.toml"
    text = manifest.read_text(encoding="utf-8")
    relabelled = text.replace('name = "tiny"', 'name = "Tiny town"').replace('label = "Local units"', 'label = "Wards"')
    relabelled = relabelled.replace('"Born in the country"', '"Born here"')
    assert relabelled.count("Wards") == 1 and "Born here" in relabelled and "Tiny town" in relabelled
    manifest.write_text(relabelled.replace("crs =", 'country_name = "Tinyland"\ncrs ='), encoding="utf-8")
    steps: list[str] = []
    again = prepare_region(
        load_region(region.folder), cache_root=cache, modes=("walk",), progress=lambda m, _f: steps.append(m)
    )
    assert again.region.name == "Tiny town" and again.region.boundaries[0].label == "Wards"
    assert again.networks_folder == first.networks_folder and again.folder == first.folder
    assert steps == ["Ready"]
    # the same streets under another file name: a new network folder (the key names the file it read)
    (region.folder / "copy.osm").write_bytes(region.osm_path.read_bytes())
    manifest.write_text(relabelled.replace(f'path = "{region.osm_path.name}"', 'path = "copy.osm"'), encoding="utf-8")
    moved = prepare_region(load_region(region.folder), cache_root=cache, modes=("walk",))
    assert moved.region.osm_path.name == "copy.osm"
    assert moved.networks_folder != first.networks_folder and moved.folder != first.folder
    assert moved.networks["walk"].n_nodes == first.networks["walk"].n_nodes
