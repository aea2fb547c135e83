"""Public services: a TOML taxonomy over OSM tags, and official facility lists.

Every service ends up in one GeoDataFrame with the columns `service_id`,
`category`, `theme`, `name`, `source` and `capacity`, as points in the
region's metric CRS.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from equimap import settings
from equimap._errors import CategoryError, DataError
from equimap._validate import require_columns
from equimap.region.manifest import LayerSpec
from equimap.region.osm import OsmExtract
from equimap.region.userfile import check_extent, read_user_layer

#: `service_id` names the site (``osm/node/123`` or ``<list>/<row>``); a site in two
#: categories has two rows with the same id.
SERVICE_COLUMNS = ["service_id", "category", "theme", "name", "source", "capacity"]


@dataclass(frozen=True)
class Category:
    """One service category of the taxonomy."""

    key: str
    label: str
    theme: str
    match: tuple[dict[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Taxonomy:
    """The service taxonomy: themes (broad groups) and categories (what OSM tags map to)."""

    themes: dict[str, str]
    categories: dict[str, Category]

    def keys_for(self, key: str) -> list[str]:
        """Return the category keys a selection names: a category itself, or every category of a theme."""
        if key in self.categories:
            return [key]
        if key in self.themes:
            return [c.key for c in self.categories.values() if c.theme == key]
        msg = f"Unknown service category `{key}`; choose one of {sorted(self.themes) + sorted(self.categories)}."
        raise CategoryError(msg)

    def digest(self) -> str:
        """Return a sha256 of the taxonomy's content: themes, and each category's label, theme and match rules, in order.

        Two taxonomies with the same content have the same digest wherever they
        come from (a file, or built in code); comments and layout of the TOML file play no part.
        """
        text = json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def load_taxonomy(path: Path = settings.TAXONOMY_PATH) -> Taxonomy:
    """Read and check a taxonomy TOML file (see ``data/taxonomy.toml`` for the format)."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"Taxonomy file `{path}` does not exist; restore data/taxonomy.toml or pass another file."
        raise DataError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"Taxonomy file `{Path(path).name}` is not valid TOML ({exc}); fix the line it names."
        raise DataError(msg) from None
    themes = dict(raw.get("themes", {}))
    cats: dict[str, Category] = {}
    problems = []
    for key, c in raw.get("categories", {}).items():
        theme = c.get("theme")
        if theme not in themes:
            problems.append(f"category `{key}` has theme `{theme}`, which is not under [themes]")
        match = []
        for m in c.get("match", []):
            match.append({k: (tuple(v) if isinstance(v, list) else (str(v),)) for k, v in m.items()})
        if not match:
            problems.append(f"category `{key}` has no `match` tags")
        cats[key] = Category(key=key, label=c.get("label", key), theme=theme, match=tuple(match))
    if problems:
        msg = f"Taxonomy `{Path(path).name}`: " + "; ".join(problems) + "."
        raise DataError(msg)
    return Taxonomy(themes=themes, categories=cats)


def _tag_matches(tags: Mapping[str, str], rule: Mapping[str, tuple[str, ...]]) -> bool:
    for k, values in rule.items():
        v = tags.get(k)
        if v is None or (values != ("*",) and v not in values):
            return False
    return True


def categories_of(tags: Mapping[str, str], taxonomy: Taxonomy) -> list[str]:
    """Return the keys of every category whose match rules these OSM tags satisfy."""
    return [c.key for c in taxonomy.categories.values() if any(_tag_matches(tags, r) for r in c.match)]


def tag_matcher(taxonomy: Taxonomy) -> Callable[[Mapping[str, str]], bool]:
    """Return a fast predicate: do these tags match any category? (used while reading OSM)."""
    keys = {k for c in taxonomy.categories.values() for r in c.match for k in r}

    def match(tags: Mapping[str, str]) -> bool:
        if not any(k in tags for k in keys):
            return False
        return bool(categories_of(tags, taxonomy))

    return match


def osm_services(extract: OsmExtract, taxonomy: Taxonomy, *, crs: str) -> gpd.GeoDataFrame:
    """Return one row per (OSM feature, category) for the features of an extract.

    Names come from `name`, else `name:en`, else `operator`; capacity is 1 per site.
    """
    rows = []
    for rec in extract.pois.itertuples(index=False):
        name = rec.tags.get("name") or rec.tags.get("name:en") or rec.tags.get("operator") or ""
        for key in categories_of(rec.tags, taxonomy):
            cat = taxonomy.categories[key]
            rows.append((f"osm/{rec.osm_type}/{rec.osm_id}", key, cat.theme, name, "osm", 1.0, rec.lon, rec.lat))
    df = pd.DataFrame(rows, columns=[*SERVICE_COLUMNS, "lon", "lat"])
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326"
    )
    return gdf.to_crs(crs)


def official_services(spec: LayerSpec, *, crs: str) -> gpd.GeoDataFrame:
    """Read an official facility list named in a region manifest (see `load_service_file`)."""
    return load_service_file(
        spec.path,
        category=spec.key,
        theme=spec.parent or spec.key,
        name_col=spec.name,
        capacity_col=spec.capacity,
        crs=crs,
    )


def load_service_file(
    path: Path,
    *,
    category: str,
    theme: str | None = None,
    name_col: str | None = None,
    capacity_col: str | None = None,
    crs: str,
    bbox: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Read a list of facilities (GeoJSON, GeoPackage, or CSV with lon/lat columns).

    Parameters
    ----------
    path
        Points (polygons are reduced to a point inside them). A CSV needs
        `lon`/`lat` (or `longitude`/`latitude`, `x`/`y`) columns in degrees.
    category
        Category key the facilities get (e.g. ``"hospital_official"``).
    name_col, capacity_col
        Columns holding each facility's name and capacity (e.g. beds); capacity
        defaults to 1 per site where the column is absent or a value is missing.
    crs
        Metric CRS to project to.
    bbox
        The region's extent (west, south, east, north in degrees): every site must lie
        within it, plus a margin (see `equimap.region.userfile`, which checks the file first).
    """
    gdf = read_user_layer(Path(path), metric_crs=crs)
    check_extent(gdf, bbox=bbox, where=Path(path).name)
    problems = []
    cols = [c for c in (name_col, capacity_col) if c]
    missing = [c for c in cols if c not in gdf.columns]
    if missing:
        require_columns(gdf, cols, where=Path(path).name)
    cap = pd.Series(1.0, index=gdf.index)
    if capacity_col:
        raw = gdf[capacity_col]
        num = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & num.isna()
        if bad.any():
            problems.append(f"column `{capacity_col}` has non-numeric values such as {raw[bad].iloc[0]!r}")
        if (num < 0).any():
            problems.append(f"column `{capacity_col}` has negative capacities")
        cap = num.fillna(1.0).astype(float)
    if problems:
        msg = f"`{Path(path).name}`: " + "; ".join(problems) + "; fix those values or leave them empty (1 per site)."
        raise DataError(msg)
    pts = gdf.geometry  # one Point per site (see `equimap.region.userfile` for polygons and multipoints)
    names = gdf[name_col].astype(str) if name_col else pd.Series([f"{category} {i + 1}" for i in range(len(gdf))])
    out = gpd.GeoDataFrame(
        {
            "service_id": [f"{category}/{i}" for i in range(len(gdf))],
            "category": category,
            "theme": theme or category,
            "name": names.to_numpy(),
            "source": Path(path).name,
            "capacity": cap.to_numpy(),
        },
        geometry=pts.to_numpy(),
        crs=gdf.crs,
    )
    return out.to_crs(crs)


def select_services(services: gpd.GeoDataFrame, keys: list[str]) -> gpd.GeoDataFrame:
    """Return the services of the given category keys, one row per distinct site.

    A site matching two categories of a theme (say, a clinic tagged as both
    `amenity=clinic` and `healthcare=centre`) counts once.
    """
    sel = services[services["category"].isin(keys)]
    return sel[~sel["service_id"].duplicated()].copy()


def read_service_layer(path: Path) -> gpd.GeoDataFrame:
    """Read a service file as it is (any supported vector format, CSV with lon/lat), checked but not selected.

    For a user interface that shows the file's columns before the sites are loaded with
    :func:`load_service_file`. Bad files raise :class:`~equimap.DataError` with one sentence.
    """
    return read_user_layer(Path(path))
