"""Build a tiny but real region in a folder: an OSM XML extract, a census-style grid and a facility list.

The streets form a 5 × 5 lattice with 250 m blocks laid out in EPSG:3035 over
four 1 km census cells, so times can be worked out by hand: on foot at 4.8 km/h
a block takes 250 / (4.8 / 3.6) = 187.5 s. osmnx's simplification drops the
four corner nodes (two neighbours each), so services sit on inner nodes.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
from shapely.geometry import box

X0, Y0 = 4_700_000.0, 1_440_000.0  # lower-left corner of the 2 × 2 km grid (EPSG:3035)
BLOCK_M = 250.0
N = 5  # nodes per row: x = X0 + 250 + j·250 for j = 0..4, likewise y


def node_xy(i: int, j: int) -> tuple[float, float]:
    """Return the EPSG:3035 coordinates of lattice node (row i, column j)."""
    return X0 + BLOCK_M * (j + 1), Y0 + BLOCK_M * (i + 1)


def block_length_m(*, east_west: bool) -> float:
    """Return the true (geodesic) length of one block, east-west or north-south.

    EPSG:3035 is equal-area, not conformal: here its metres are ~1% long one way and short the other.
    """
    to_ll = pyproj.Transformer.from_crs(3035, 4326, always_xy=True)
    b = (2, 3) if east_west else (3, 2)
    (lon1, lat1), (lon2, lat2) = to_ll.transform(*node_xy(2, 2)), to_ll.transform(*node_xy(*b))
    return float(pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2])


def node_id(i: int, j: int) -> int:
    """Return the OSM id of lattice node (row i, column j)."""
    return 1000 + i * N + j


def write_osm(path: Path, *, pharmacy_at: tuple[int, int] = (1, 1), extra_ways: str = "") -> Path:
    """Write the lattice as OSM XML: residential streets, a pharmacy node and a building."""
    to_ll = pyproj.Transformer.from_crs(3035, 4326, always_xy=True)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for i in range(N):
        for j in range(N):
            lon, lat = to_ll.transform(*node_xy(i, j))
            tags = ""
            if (i, j) == pharmacy_at:
                tags = '<tag k="amenity" v="pharmacy"/><tag k="name" v="Test Pharmacy"/>'
            lines.append(f'<node id="{node_id(i, j)}" lat="{lat:.9f}" lon="{lon:.9f}">{tags}</node>')
    # a building near node (3, 3)
    bx, by = node_xy(3, 3)
    corners = [(bx + 10, by + 10), (bx + 30, by + 10), (bx + 30, by + 30), (bx + 10, by + 30)]
    for k, (x, y) in enumerate(corners):
        lon, lat = to_ll.transform(x, y)
        lines.append(f'<node id="{9000 + k}" lat="{lat:.9f}" lon="{lon:.9f}"/>')
    way = 1
    for i in range(N):
        refs = "".join(f'<nd ref="{node_id(i, j)}"/>' for j in range(N))
        lines.append(f'<way id="{way}">{refs}<tag k="highway" v="residential"/></way>')
        way += 1
    for j in range(N):
        refs = "".join(f'<nd ref="{node_id(i, j)}"/>' for i in range(N))
        lines.append(f'<way id="{way}">{refs}<tag k="highway" v="residential"/></way>')
        way += 1
    ring = "".join(f'<nd ref="{9000 + k}"/>' for k in (0, 1, 2, 3, 0))
    lines.append(f'<way id="{way}">{ring}<tag k="building" v="yes"/></way>')
    lines.append(extra_ways)
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def grid_frame() -> gpd.GeoDataFrame:
    """Return four 1 km cells in EPSG:3035 with Census-2021-style columns."""
    rows = []
    pops = [(100, 60, 30, 10), (40, 20, 10, 10), (0, 0, 0, 0), (20, 5, 5, 10)]
    for k, (t, nat, eu, oth) in enumerate(pops):
        x = X0 + 1000 * (k % 2)
        y = Y0 + 1000 * (k // 2)
        rows.append(
            {
                "GRD_ID": f"CRS3035RES1000mN{int(y)}E{int(x)}",
                "T": t,
                "NAT": nat,
                "EU_OTH": eu,
                "OTH": oth,
                "M": t // 2,
                "F": t - t // 2,
                "LAND_SURFACE": 1.0,
                "geometry": box(x, y, x + 1000, y + 1000),
            }
        )
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:3035")
    return gdf[gdf["T"] > 0].reset_index(drop=True)


def write_region(folder: Path) -> dict[str, Path]:
    """Write the tiny region's source files (not its manifest) and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    osm = write_osm(folder / "tiny.osm")
    grid = folder / "grid.gpkg"
    grid_frame().to_file(grid, layer="grid", driver="GPKG")
    to_ll = pyproj.Transformer.from_crs(3035, 4326, always_xy=True)
    lon, lat = to_ll.transform(*node_xy(4, 4))
    services = folder / "clinics.csv"
    pd.DataFrame({"name": ["Far Clinic"], "beds": [12], "lon": [lon], "lat": [lat]}).to_csv(services, index=False)
    return {"osm": osm, "population": grid, "services": services}
