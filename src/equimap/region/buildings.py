"""Residents modelled from buildings: one total spread over the OSM buildings, counted in grid cells.

For a region with no population table at all (``[population] kind = "buildings"``),
the manifest gives one total (``residents``) and says what it is (``residents_note``).
Each building of the OSM extract gets a weight, its footprint area times its number
of floors (``building:levels``, 1 when absent), and residential buildings are preferred:
buildings whose ``building`` tag names a use where nobody lives (:data:`NON_RESIDENTIAL`)
weigh nothing, unless no other building exists. The total is shared out in proportion to
the weights and counted in square cells of ``cell_size_m`` (1 km by default) on the
region CRS's lattice, in whole residents that add up exactly to the total (largest
remainders). The cells then behave as a census grid everywhere else.

Limits (see ``docs/regions.md``): the figures are a model, not a count. They are only as
good as the extract's buildings (missing buildings get nobody, a floor count missing
counts one floor), they know nothing of vacancy, household size or second homes, and
they have no groups. This is the idea of GHSL's population grid (residents in
proportion to built-up volume), done on OSM footprints.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from shapely import wkb

from equimap._errors import DataError

log = logging.getLogger(__name__)

#: ``building=*`` values of buildings where nobody lives; they weigh 0 unless the extract has no other building.
NON_RESIDENTIAL = frozenset(
    {
        "commercial", "office", "industrial", "retail", "warehouse", "supermarket", "kiosk", "church",
        "cathedral", "chapel", "mosque", "synagogue", "temple", "religious", "school", "university",
        "college", "kindergarten", "hospital", "public", "civic", "government", "train_station",
        "transportation", "garage", "garages", "carport", "parking", "shed", "hut", "roof", "service",
        "barn", "farm_auxiliary", "greenhouse", "stable", "sports_hall", "sports_centre", "stadium",
        "grandstand", "toilets", "bunker", "construction", "ruins", "hangar", "factory", "boathouse",
        "tower", "water_tower", "transformer_tower", "bridge", "hotel", "museum", "fire_station",
    }
)  # fmt: skip


class _Buildings(osmium.SimpleHandler):
    """Collect building footprints with their ``building`` and ``building:levels`` tags (pyosmium needs a class)."""

    def __init__(self, bbox: tuple[float, float, float, float] | None) -> None:
        super().__init__()
        self.bbox = bbox
        self.rows: list[tuple[shapely.Geometry, str, str | None]] = []
        self._wkb = osmium.geom.WKBFactory()

    def area(self, a: osmium.osm.Area) -> None:
        kind = a.tags.get("building")
        if kind is None or kind == "no":
            return
        try:
            geom = wkb.loads(self._wkb.create_multipolygon(a), hex=True)
        except RuntimeError:  # a broken ring in the extract: skip the building
            return
        c = geom.centroid
        b = self.bbox
        if b is None or (b[0] <= c.x <= b[2] and b[1] <= c.y <= b[3]):
            self.rows.append((geom, kind, a.tags.get("building:levels")))


def read_buildings(path: Path, *, bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """Return the building footprints of an OSM extract (EPSG:4326): ``building``, ``levels`` (float, NaN if untagged)."""
    reader = _Buildings(bbox)
    try:
        reader.apply_file(str(path), locations=True)
    except RuntimeError as exc:
        msg = f"`{Path(path).name}` could not be read as OpenStreetMap data ({exc}); check the file is a complete extract."
        raise DataError(msg) from None
    levels = pd.to_numeric(pd.Series([r[2] for r in reader.rows], dtype=object), errors="coerce")
    return gpd.GeoDataFrame(
        {"building": [r[1] for r in reader.rows], "levels": levels.to_numpy(float)},
        geometry=[r[0] for r in reader.rows],
        crs="EPSG:4326",
    )


def building_weights(buildings: gpd.GeoDataFrame) -> pd.Series:
    """Return each building's weight: footprint area (m²) × floors, 0 for non-residential uses.

    `buildings` is in a metric CRS with ``building`` and ``levels`` (NaN or below 1: one
    floor). When every building is non-residential, every building keeps its area × floors.
    """
    floors = buildings["levels"].where(buildings["levels"] >= 1, 1.0).fillna(1.0)
    volume = buildings.geometry.area * floors
    home = ~buildings["building"].isin(NON_RESIDENTIAL)
    if not (volume[home] > 0).any():
        log.info("no residential building in the extract: every building counts")
        return volume.astype(float)
    return volume.where(home, 0.0).astype(float)


def whole_shares(weights: np.ndarray, total: int) -> np.ndarray:
    """Return whole numbers proportional to `weights` that add up exactly to `total` (largest remainders).

    Ties in the remainders go to the earlier position.
    """
    w = np.asarray(weights, dtype=float)
    if total < 0 or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        msg = (
            "Residents can only be shared out over non-negative weights with a positive sum, and a total of 0 or more."
        )
        raise DataError(msg)
    exact = total * w / w.sum()
    low = np.floor(exact)
    left = int(total - low.sum())
    order = np.argsort(-(exact - low), kind="stable")
    low[order[:left]] += 1
    return low.astype(np.int64)


def spread_over_buildings(
    buildings: gpd.GeoDataFrame, *, total: int, cell_size_m: float, total_col: str = "T"
) -> gpd.GeoDataFrame:
    """Share `total` residents over `buildings` by weight and count them in square cells.

    Parameters
    ----------
    buildings
        Footprints in a metric CRS with ``building`` and ``levels`` (see `read_buildings`).
    total
        Residents to share out, kept exactly.
    cell_size_m
        Side of the cells; their corners lie on multiples of it in the CRS.

    Returns
    -------
    GeoDataFrame
        One row per cell holding a building of weight above 0: ``cell_id``
        (``"<size>mN<y>E<x>"``, the lower-left corner), `total_col` (whole residents),
        ``n_buildings``, square polygons in the buildings' CRS. Residents go to a
        building's cell by its centroid.
    """
    if buildings.crs is None or buildings.crs.is_geographic:
        msg = "Buildings must be in a metric CRS to weigh them by area; project them to the region CRS first."
        raise DataError(msg)
    weight = building_weights(buildings)
    keep = weight > 0
    if not keep.any():
        msg = 'The OSM extract has no building with an area; `kind = "buildings"` needs building footprints.'
        raise DataError(msg)
    cent = buildings.geometry[keep].centroid
    x0 = np.floor(cent.x.to_numpy() / cell_size_m) * cell_size_m
    y0 = np.floor(cent.y.to_numpy() / cell_size_m) * cell_size_m
    size = f"{cell_size_m:g}m"
    ids = [f"{size}N{int(y)}E{int(x)}" for x, y in zip(x0, y0, strict=True)]
    per = pd.DataFrame({"cell_id": ids, "x0": x0, "y0": y0, "w": weight[keep].to_numpy()})
    cells = per.groupby("cell_id", sort=True).agg(x0=("x0", "first"), y0=("y0", "first"), w=("w", "sum"))
    cells["n_buildings"] = per.groupby("cell_id").size()
    cells[total_col] = whole_shares(cells["w"].to_numpy(), int(total)).astype(float)
    x, y = cells["x0"].to_numpy(float), cells["y0"].to_numpy(float)
    squares = shapely.box(x, y, x + cell_size_m, y + cell_size_m)
    out = gpd.GeoDataFrame(
        cells[[total_col, "n_buildings"]].reset_index(), geometry=squares, crs=buildings.crs
    ).set_index("cell_id")
    log.info("%d residents spread over %d buildings in %d cells", total, int(keep.sum()), len(out))
    return out
