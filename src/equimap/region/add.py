"""Write a new region folder and manifest from local files (`python -m equimap add-region`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from equimap import settings
from equimap._errors import RegionError
from equimap._validate import read_vector, require_columns, require_counts
from equimap.region.manifest import MANIFEST, Region, load_region
from equimap.region.osm import check_osm_path

#: Group presets for the Eurostat Census 2021 grid column names.
CENSUS_GROUPS = {
    "birth": (
        "Country of birth",
        {"NAT": "Born in the country", "EU_OTH": "Born in another EU country", "OTH": "Born outside the EU"},
    ),
    "age": ("Age", {"Y_LT15": "Under 15", "Y_1564": "15 to 64", "Y_GE65": "65 and over"}),
    "sex": ("Sex", {"M": "Men", "F": "Women"}),
}


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
    boundaries: Path | None = None,
    boundary_name_col: str = "name",
    services: Path | None = None,
    services_name_col: str | None = None,
    services_capacity_col: str | None = None,
    data_dir: Path | None = None,
    overwrite: bool = False,
) -> Region:
    """Copy a region's files into ``data/<key>/``, write its manifest and check it loads.

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
        that the population layer has.
    crs
        Metric CRS for analysis; by default the population layer's if metric,
        else its UTM zone.
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
    group_cols = [c for cols in groups.values() for c in cols]
    require_columns(pop, [id_col, total_col, *group_cols], where=Path(population).name)
    require_counts(pop, [total_col, *group_cols], where=Path(population).name)
    if crs is None:
        crs = pop.crs.to_string() if not pop.crs.is_geographic else pop.estimate_utm_crs().to_string()
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for label, src in (("osm", osm), ("population", population), ("boundaries", boundaries), ("services", services)):
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
        groups=groups,
        boundary_name_col=boundary_name_col,
        services_name_col=services_name_col,
        services_capacity_col=services_capacity_col,
    )
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    return load_region(folder)


def _manifest(
    name: str,
    *,
    crs: str,
    files: dict[str, str],
    kind: str,
    id_col: str,
    total_col: str,
    land_share_col: str | None,
    groups: dict[str, dict[str, str]],
    boundary_name_col: str,
    services_name_col: str | None,
    services_capacity_col: str | None,
) -> str:
    """Return the text of a region manifest."""
    lines = [
        "# equimap region manifest, written by `python -m equimap add-region`. Paths are relative to this folder.",
        f"name = {_q(name)}",
        f"crs = {_q(crs)}",
        "",
        "[osm]",
        f"path = {_q(files['osm'])}",
        "",
        "[population]",
        f"path = {_q(files['population'])}",
        f"kind = {_q(kind)}",
        f"id = {_q(id_col)}",
        f"total = {_q(total_col)}",
    ]
    if land_share_col:
        lines.append(f"land_share = {_q(land_share_col)}")
    for dim, cols in groups.items():
        label = CENSUS_GROUPS.get(dim, (dim, {}))[0]
        body = ", ".join(f"{c} = {_q(lab)}" for c, lab in cols.items())
        lines += [
            "",
            f"[population.groups.{dim}]",
            f"label = {_q(label)}",
            f"reference = {_q(next(iter(cols)))}",
            f"columns = {{ {body} }}",
        ]
    if "boundaries" in files:
        lines += [
            "",
            "[[boundaries]]",
            'key = "units"',
            'label = "Local units"',
            f"path = {_q(files['boundaries'])}",
            f"name = {_q(boundary_name_col)}",
        ]
    if "services" in files:
        lines += ["", "[[services]]", 'key = "official"', 'label = "Official list"', f"path = {_q(files['services'])}"]
        if services_name_col:
            lines.append(f"name = {_q(services_name_col)}")
        if services_capacity_col:
            lines.append(f"capacity = {_q(services_capacity_col)}")
    lines += [
        "",
        "[attribution]",
        'lines = ["Streets and services © OpenStreetMap contributors, ODbL 1.0", "Population: see the data provider\'s licence"]',
        "",
    ]
    return "\n".join(lines)
