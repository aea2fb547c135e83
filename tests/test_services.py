"""The service taxonomy, OSM features and official lists."""

from __future__ import annotations

import geopandas as gpd
import osmium
import pandas as pd
import pytest
from shapely.geometry import Point

from equimap._errors import CategoryError, DataError
from equimap.region.services import categories_of, load_service_file, load_taxonomy, select_services


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def test_taxonomy__themes_cover_the_brief(tax):
    assert set(tax.themes) >= {"health", "education", "social", "civic", "library", "employment", "transport"}
    assert tax.keys_for("health") == ["hospital", "clinic", "doctors", "pharmacy"]
    assert tax.keys_for("pharmacy") == ["pharmacy"]


def test_taxonomy__unknown_key(tax):
    with pytest.raises(CategoryError, match="Unknown service category `spa`; choose one of"):
        tax.keys_for("spa")


def test_categories_of__rules(tax):
    assert categories_of({"amenity": "hospital"}, tax) == ["hospital"]
    assert categories_of({"healthcare": "centre"}, tax) == ["clinic"]
    assert categories_of({"public_transport": "platform", "bus": "yes"}, tax) == ["bus_stop"]
    assert categories_of({"public_transport": "platform"}, tax) == []  # all tags of a set must match
    assert categories_of({"social_facility": "group_home"}, tax) == ["social_facility"]  # "*" matches any value
    assert categories_of({"amenity": "bench"}, tax) == []


def test_taxonomy__bad_file(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text('[themes]\nhealth = "Health"\n[categories.x]\ntheme = "nope"\n', encoding="utf-8")
    with pytest.raises(DataError, match="category `x` has theme `nope`.*category `x` has no `match` tags"):
        load_taxonomy(p)


def test_malta_osm_counts_match_an_independent_read(malta):
    """Counts per category equal a direct pyosmium count of the same tags (inside the islands' box)."""
    w, s, e, n = malta.region.bbox
    counts = {"hospital": 0, "pharmacy": 0, "townhall": 0, "library": 0}

    class Count(osmium.SimpleHandler):
        def node(self, o):
            a = o.tags.get("amenity")
            if a in counts and w <= o.location.lon <= e and s <= o.location.lat <= n:
                counts[a] += 1

        def area(self, o):
            a = o.tags.get("amenity")
            if a in counts:
                counts[a] += 1

    Count().apply_file(str(malta.region.osm_path), locations=True)
    got = malta.services[malta.services["source"] == "osm"]["category"].value_counts()
    for k, v in counts.items():
        assert got[k] == v, k
    # and the README's figures for the whole file
    assert counts["hospital"] == 19 and counts["pharmacy"] == 96 and counts["townhall"] == 11


def test_official_hospitals_with_capacity(malta):
    h = malta.services_for("hospital_official")
    assert len(h) == 9
    mater = h[h["name"] == "Mater Dei Hospital"]
    assert mater["capacity"].iloc[0] == 1046
    assert h.crs.to_epsg() == 3035


def test_select_services__site_in_two_categories_counts_once():
    svc = gpd.GeoDataFrame(
        {"service_id": ["osm/node/1", "osm/node/1", "osm/node/2"], "category": ["clinic", "doctors", "clinic"]},
        geometry=[Point(0, 0)] * 3,
        crs="EPSG:3035",
    )
    assert select_services(svc, ["clinic", "doctors"])["service_id"].tolist() == ["osm/node/1", "osm/node/2"]


def test_load_service_file__csv_with_bad_capacity(tmp_path):
    p = tmp_path / "list.csv"
    pd.DataFrame({"name": ["a", "b"], "beds": ["10", "many"], "lon": [14.5, 14.4], "lat": [35.9, 35.8]}).to_csv(
        p, index=False
    )
    with pytest.raises(DataError, match=r"`list.csv`: column `beds` has non-numeric values such as 'many'"):
        load_service_file(p, category="x", name_col="name", capacity_col="beds", crs="EPSG:3035")


def test_load_service_file__csv_without_coordinates(tmp_path):
    p = tmp_path / "list.csv"
    pd.DataFrame({"name": ["a"]}).to_csv(p, index=False)
    with pytest.raises(DataError, match="no coordinate columns; add `lon` and `lat`"):
        load_service_file(p, category="x", crs="EPSG:3035")


def test_load_service_file__missing_name_column(tmp_path):
    p = tmp_path / "list.geojson"
    gpd.GeoDataFrame({"title": ["a"]}, geometry=[Point(14.5, 35.9)], crs=4326).to_file(p)
    with pytest.raises(DataError, match=r"column `name` missing; the file has \['title'\]"):
        load_service_file(p, category="x", name_col="name", crs="EPSG:3035")


def test_load_service_file__malformed_zip(tmp_path):
    p = tmp_path / "list.zip"
    p.write_bytes(b"PK not really")
    with pytest.raises(DataError, match="not a valid zip archive"):
        load_service_file(p, category="x", crs="EPSG:3035")


def test_load_service_file__too_large(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUIMAP_MAX_FILE_MB", "2")
    p = tmp_path / "list.csv"
    p.write_text("name,lon,lat\n" + "a,14.5,35.9\n" * 200_000, encoding="utf-8")
    with pytest.raises(
        DataError, match=r"is 2.4 MB, over the 2 MB limit \(EQUIMAP_MAX_FILE_MB\); clip it to the region first"
    ):
        load_service_file(p, category="x", crs="EPSG:3035")
