"""Write a new region folder and manifest from local files (`python -m equimap add-region`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyogrio

from equimap import settings
from equimap._errors import RegionError
from equimap._validate import read_vector, require_columns, require_counts
from equimap.region.manifest import MANIFEST, Region, crs_problem, load_region
from equimap.region.osm import check_osm_path

#: Group presets for the Eurostat Census 2021 grid column names.
#: The reference of each dimension is its first column, except age: the working-age band (15 to 64).
CENSUS_GROUPS = {
    "birth": (
        "Country of birth",
        {"NAT": "Born in the country", "EU_OTH": "Born in another EU country", "OTH": "Born outside the EU"},
    ),
    "age": ("Age", {"Y_LT15": "Under 15", "Y_1564": "15 to 64", "Y_GE65": "65 and over"}),
    "sex": ("Sex", {"M": "Men", "F": "Women"}),
}
#: The reference group of each preset dimension, and the age band of each age column (inclusive).
CENSUS_REFERENCE = {"birth": "NAT", "age": "Y_1564", "sex": "M"}
CENSUS_AGES = {"Y_LT15": (0, 14), "Y_1564": (15, 64), "Y_GE65": (65, 120)}
#: Columns of the Eurostat grid: the land share of each cell, and the suffix of the confidentiality flags.
LAND_SURFACE = "LAND_SURFACE"
CONFIDENTIAL_SUFFIX = "_CI"


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_region(
    key: str,
    *,
    osm: Path,
    population: Path,
    name: str | None = None,
    id_col: str = "GRD_ID",
    total_col: str = "T",
    groups: dict[str, dict[str, str]] | None = None,
    crs: str | None = None,
    land_share_col: str | None = None,
    confidential_suffix: str | None = None,
    boundaries: Path | None = None,
    boundary_name_col: str = "name",
    boundary_key: str = "units",
    boundary_label: str = "Local units",
    boundary_filter: dict[str, str] | None = None,
    area: str | Path | None = None,
    country_name: str | None = None,
    services: Path | None = None,
    services_name_col: str | None = None,
    services_capacity_col: str | None = None,
    data_dir: Path | None = None,
    overwrite: bool = False,
) -> Region:
    """Copy a region's files into ``data/<key>/``, write its manifest and check it loads.

    The manifest needs no hand edits in the common cases: the boundary layer is the
    region's main one (``main_boundary``), and when it comes from OpenStreetMap (an
    ``osm_type`` column) only its relations are kept; the study area, the OSM date
    (from the extract's header, else its newest node), the country's name, and the
    Eurostat grid's land share and confidentiality flags (flagged zeros are unknown)
    are written when found.

    Parameters
    ----------
    key
        Folder name of the new region (letters, digits, ``-`` and ``_``).
    osm
        An .osm.pbf, .osm or .osm.bz2 extract covering the region.
    population
        A population grid or zones layer with a CRS, an id column, a total column
        and the group columns.
    groups
        Dimension -> {column: label}; by default the Census 2021 grid columns
        that the population layer has (the age reference is the working-age band).
    crs
        Projected CRS in metres for analysis; by default the population layer's if
        projected, else its UTM zone. A CRS in degrees or unknown is refused.
    land_share_col, confidential_suffix
        The land share column and the confidentiality flags' suffix; by default
        ``LAND_SURFACE`` and ``_CI`` when the layer has them.
    boundary_key, boundary_label, boundary_filter
        Key, label and ``filter`` of the boundary layer (by default ``osm_type = "relation"``
        when the file has OSM ways and relations both).
    area
        The study area: a polygon file, or the name of one feature of `boundaries`
        (its `boundary_name_col`); residents, cells and services outside are left out.
    country_name
        The country's name in sentences ("born in ...").
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        msg = f"Region key `{key}` may only hold letters, digits, `-` and `_`; choose another."
        raise RegionError(msg)
    data_dir = data_dir or settings.data_dir()
    folder = data_dir / key
    if (folder / MANIFEST).exists() and not overwrite:
        msg = f"Region `{key}` already exists in {data_dir}; choose another key or pass --overwrite."
        raise RegionError(msg)
    check_osm_path(osm)
    pop = read_vector(population)
    if groups is None:
        groups = {k: {c: lab for c, lab in cols.items() if c in pop.columns} for k, (_, cols) in CENSUS_GROUPS.items()}
        groups = {k: v for k, v in groups.items() if v}
        if country_name and "NAT" in groups.get("birth", {}):
            groups["birth"]["NAT"] = f"Born in {country_name}"
    group_cols = [c for cols in groups.values() for c in cols]
    require_columns(pop, [id_col, total_col, *group_cols], where=Path(population).name)
    require_counts(pop, [total_col, *group_cols], where=Path(population).name)
    if crs is None:
        crs = pop.crs.to_string() if not pop.crs.is_geographic else pop.estimate_utm_crs().to_string()
    if bad := crs_problem(crs, where="--crs"):
        raise RegionError(bad[0].upper() + bad[1:] + ".")
    land_share_col, confidential_suffix = _grid_columns(
        pop.columns, [total_col, *group_cols], land_share_col=land_share_col, confidential_suffix=confidential_suffix
    )
    area_path = Path(area) if area is not None and Path(area).is_file() else None
    if area is not None and area_path is None and boundaries is None:
        msg = f"--area `{area}` is neither a file nor, without --boundaries, the name of a boundary; give a polygon file or --boundaries too."
        raise RegionError(msg)
    if boundaries is not None and boundary_filter is None:
        boundary_filter = _relations_only(Path(boundaries))
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    sources = (
        ("osm", osm),
        ("population", population),
        ("boundaries", boundaries),
        ("services", services),
        ("area", area_path),
    )
    for label, src in sources:
        if src is not None:
            dst = folder / Path(src).name
            if Path(src).resolve() != dst.resolve():
                shutil.copy2(src, dst)
            files[label] = dst.name
    if "services" in files and services_name_col is None and "name" in read_vector(folder / files["services"]).columns:
        services_name_col = "name"
    text = _manifest(
        name or key,
        crs=crs,
        files=files,
        kind="grid" if not pop.crs.is_geographic else "zones",
        id_col=id_col,
        total_col=total_col,
        land_share_col=land_share_col,
        confidential_suffix=confidential_suffix,
        groups=groups,
        boundary=(boundary_key, boundary_label, boundary_name_col, boundary_filter or {}),
        area=None if area is None else (files.get("area"), None if area_path else str(area)),
        country_name=country_name,
        osm_date=osm_date(Path(osm)),
        services_name_col=services_name_col,
        services_capacity_col=services_capacity_col,
    )
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    region = load_region(folder)
    if region.area is not None:
        from equimap.region.studyarea import load_study_area

        shape = load_study_area(region)  # a name that matches no boundary is said now, not at the first run
        box = _bbox_around(shape, crs=region.crs, margin_m=2 * settings.MAX_SNAP_M)
        text = text.replace(
            "\n\n[osm]", f"\nbbox = {box}  # area read from the OSM extract: the study area and 2 km\n\n[osm]", 1
        )
        (folder / MANIFEST).write_text(text, encoding="utf-8")
        region = load_region(folder)
    return region


def _bbox_around(shape: object, *, crs: str, margin_m: float) -> list[float]:
    """Return [west, south, east, north] in degrees of `shape` (in `crs`) grown by `margin_m`."""
    import geopandas as gpd

    grown = gpd.GeoSeries([shape], crs=crs).buffer(margin_m).to_crs(4326)
    return [round(float(v), 5) for v in grown.total_bounds]


def _grid_columns(
    columns: object, counts: list[str], *, land_share_col: str | None, confidential_suffix: str | None
) -> tuple[str | None, str | None]:
    """Return the land share column and the confidentiality suffix: as given, else the Eurostat grid's if present."""
    cols = set(columns)  # type: ignore[call-overload]
    if land_share_col is None and LAND_SURFACE in cols:
        land_share_col = LAND_SURFACE
    if confidential_suffix is None and any(f"{c}{CONFIDENTIAL_SUFFIX}" in cols for c in counts):
        confidential_suffix = CONFIDENTIAL_SUFFIX
    return land_share_col, confidential_suffix


def _relations_only(path: Path) -> dict[str, str]:
    """Return ``{"osm_type": "relation"}`` for a boundary file from OSM with ways and relations both, else {}."""
    try:
        table = pyogrio.read_dataframe(path, read_geometry=False)
    except Exception:  # noqa: BLE001 - the manifest check reports an unreadable file
        return {}
    if "osm_type" in table.columns:
        kinds = set(table["osm_type"].dropna().astype(str))
        if "relation" in kinds and len(kinds) > 1:
            return {"osm_type": "relation"}
    return {}


def osm_date(path: Path) -> str | None:
    """Return the date of an OSM extract (``YYYY-MM-DD``): its header's timestamp, else its newest node's; or None."""
    import osmium

    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        try:
            stamp = reader.header().get("osmosis_replication_timestamp") or reader.header().get("timestamp")
        finally:
            reader.close()
        if stamp:
            return str(stamp)[:10]

        class _Newest(osmium.SimpleHandler):
            def __init__(self) -> None:
                super().__init__()
                self.newest = None

            def node(self, n: osmium.osm.Node) -> None:
                if n.timestamp and (self.newest is None or n.timestamp > self.newest):
                    self.newest = n.timestamp

        h = _Newest()
        h.apply_file(str(path))
        return h.newest.strftime("%Y-%m-%d") if h.newest and h.newest.year > 1970 else None
    except RuntimeError:
        return None


def _group_lines(groups: dict[str, dict[str, str]]) -> list[str]:
    """Return the manifest lines of the group dimensions (the presets' labels, references and age bands)."""
    lines: list[str] = []
    for dim, cols in groups.items():
        label = CENSUS_GROUPS.get(dim, (dim, {}))[0]
        body = ", ".join(f"{c} = {_q(lab)}" for c, lab in cols.items())
        ref = CENSUS_REFERENCE.get(dim)
        ref = ref if ref in cols else next(iter(cols))
        lines += [
            "",
            f"[population.groups.{dim}]",
            f"label = {_q(label)}",
            f"reference = {_q(ref)}",
            f"columns = {{ {body} }}",
        ]
        if all(c in CENSUS_AGES for c in cols):
            ages = ", ".join(f"{c} = [{CENSUS_AGES[c][0]}, {CENSUS_AGES[c][1]}]" for c in cols)
            lines.append(f"ages = {{ {ages} }}")
    return lines


def _manifest(
    name: str,
    *,
    crs: str,
    files: dict[str, str],
    kind: str,
    id_col: str,
    total_col: str,
    land_share_col: str | None,
    confidential_suffix: str | None,
    groups: dict[str, dict[str, str]],
    boundary: tuple[str, str, str, dict[str, str]],
    area: tuple[str | None, str | None] | None,
    country_name: str | None,
    osm_date: str | None,
    services_name_col: str | None,
    services_capacity_col: str | None,
) -> str:
    """Return the text of a region manifest."""
    b_key, b_label, b_name, b_filter = boundary
    lines = [
        "# equimap region manifest, written by `python -m equimap add-region`. Paths are relative to this folder.",
        "# See docs/regions.md for every key.",
        f"name = {_q(name)}",
        f"crs = {_q(crs)}",
    ]
    if country_name:
        lines.append(f'country_name = {_q(country_name)}  # used in sentences: "people born in ..."')
    if "boundaries" in files:
        lines.append(f"main_boundary = {_q(b_key)}  # the boundary layer of the unit tables")
    lines += ["", "[osm]", f"path = {_q(files['osm'])}"]
    if osm_date:
        lines.append(f"date = {_q(osm_date)}")
    lines += [
        "",
        "[population]",
        f"path = {_q(files['population'])}",
        f"kind = {_q(kind)}",
        f"id = {_q(id_col)}",
        f"total = {_q(total_col)}",
    ]
    if land_share_col:
        lines.append(f"land_share = {_q(land_share_col)}  # share of each cell that is land, 0..1")
    if confidential_suffix:
        lines.append(f"confidential_suffix = {_q(confidential_suffix)}  # flag columns: 1 marks a confidential value")
    lines += _group_lines(groups)
    if "boundaries" in files:
        lines += [
            "",
            "[[boundaries]]",
            f"key = {_q(b_key)}",
            f"label = {_q(b_label)}",
            f"path = {_q(files['boundaries'])}",
            f"name = {_q(b_name)}",
        ]
        if b_filter:
            lines.append("filter = { " + ", ".join(f"{k} = {_q(v)}" for k, v in b_filter.items()) + " }")
    if area is not None:
        area_file, area_name = area
        lines += ["", "[area]  # the study area: residents, cells and services outside it are left out"]
        if area_file:
            lines.append(f"path = {_q(area_file)}")
        else:
            lines += [f"boundary = {_q(b_key)}", f"filter = {{ {b_name} = {_q(area_name or '')} }}"]
    if "services" in files:
        lines += ["", "[[services]]", 'key = "official"', 'label = "Official list"', f"path = {_q(files['services'])}"]
        if services_name_col:
            lines.append(f"name = {_q(services_name_col)}")
        if services_capacity_col:
            lines.append(f"capacity = {_q(services_capacity_col)}")
    extract = f" (extract of {osm_date})" if osm_date else ""
    lines += [
        "",
        "[attribution]",
        f'lines = ["Streets and services © OpenStreetMap contributors, ODbL 1.0{extract}", '
        '"Population: see the data provider\'s licence"]',
        "",
    ]
    return "\n".join(lines)
