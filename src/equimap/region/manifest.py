"""Regions as data: a folder with files and a small `region.toml` manifest.

A region is found by its folder name under the data folder (`regions_folder`:
``--data-dir``, ``EQUIMAP_DATA_DIR`` or the bundled regions), or as any folder
passed as a path. Nothing in the library is specific to one region.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from equimap import settings
from equimap._errors import RegionError
from equimap.region.manifest_schema import is_file, is_there, shorten

MANIFEST = "region.toml"
#: Stands for a region's main boundary layer (`Region.main_boundary`) wherever a boundary layer key is asked for.
MAIN_BOUNDARY = "(main)"

#: Columns of the Eurostat Census 2021 grid whose labels the message catalogues translate
#: (``group.<col>``, ``people.<col>``), by the dimension they belong to. A column of the same
#: name in another dimension (``NAT`` among nationalities, say) keeps its manifest label.
CENSUS_VOCABULARY: dict[str, tuple[str, ...]] = {
    "birth": ("NAT", "EU_OTH", "OTH"),
    "age": ("Y_LT15", "Y_1564", "Y_GE65"),
    "sex": ("M", "F"),
}


@dataclass(frozen=True)
class GroupDimension:
    """One way of splitting residents into groups (country of birth, age, sex)."""

    key: str
    label: str
    columns: dict[str, str]  # population column -> human label
    reference: str  # column of the reference group for gaps
    ages: dict[str, tuple[int, int]] = field(default_factory=dict)  # column -> (min age, max age), inclusive


@dataclass(frozen=True)
class LayerSpec:
    """A boundary layer or an official service list named in the manifest."""

    key: str
    label: str
    path: Path
    name: str | None = None
    filter: dict[str, str] = field(default_factory=dict)
    land: bool = False
    parent: str | None = None
    capacity: str | None = None
    attribution: str | None = None


@dataclass(frozen=True)
class AreaSpec:
    """The study area (`[area]`): a boundary layer with an optional filter, or a polygon file."""

    boundary: str | None = None  # key of a `[[boundaries]]` layer
    filter: dict[str, str] = field(default_factory=dict)  # column -> value on that layer's file
    path: Path | None = None  # a polygon file instead of a boundary layer


@dataclass(frozen=True)
class Region:
    """A region manifest, resolved to absolute paths and checked."""

    key: str
    name: str
    folder: Path
    crs: str
    osm_path: Path
    population_path: Path
    population_layer: str | None
    population_kind: str
    cell_size_m: float | None
    id_col: str
    total_col: str
    land_share_col: str | None
    confidential_suffix: str | None
    groups: tuple[GroupDimension, ...]
    boundaries: tuple[LayerSpec, ...]
    services: tuple[LayerSpec, ...]
    attribution: tuple[str, ...]
    bbox: tuple[float, float, float, float] | None = None
    country_name: str | None = None
    osm_date: str | None = None
    profile: str | None = None  # `[travel] profile`: a shipped speed profile name or a file relative to `folder`
    area: AreaSpec | None = None  # `[area]`: the study area; residents, cells and services outside it are left out
    main_boundary_key: str | None = None  # `main_boundary`: the boundary layer of the unit tables ("councils")
    analyses: tuple[str, ...] = ()  # `default_analyses`: MODE:CATEGORY:MIN of the report's questions
    coverage_warn_share: float = settings.COVERAGE_WARN_SHARE  # `[coverage] warn_share`
    languages: tuple[str, ...] = ()  # `languages`: the region's languages, first one for names made up (unnamed units)

    @property
    def main_boundary(self) -> str | None:
        """Return the key of the boundary layer the unit tables use (councils, municipalities), or None.

        The manifest's ``main_boundary``; else a layer keyed ``councils``; else the first
        layer that is not a land layer; else the first layer; None without boundary layers.
        """
        keys = [b.key for b in self.boundaries]
        if self.main_boundary_key:
            return self.main_boundary_key
        if "councils" in keys:
            return "councils"
        return next((b.key for b in self.boundaries if not b.land), keys[0] if keys else None)

    def boundary(self, key: str | None) -> LayerSpec | None:
        """Return the boundary layer `key` (`MAIN_BOUNDARY`: the main one), or None."""
        if key == MAIN_BOUNDARY:
            key = self.main_boundary
        return next((b for b in self.boundaries if b.key == key), None)

    #: ``kind = "buildings"``: the one total spread over the extract's buildings, and what that figure is
    population_residents: float | None = None
    population_note: str | None = None

    @property
    def is_grid(self) -> bool:
        """Return whether residents are counted in square cells (a census grid, or cells modelled from buildings)."""
        return self.population_kind in ("grid", "buildings")

    @property
    def modelled_population(self) -> bool:
        """Return whether residents are modelled from buildings (one total spread), not counted per cell or zone."""
        return self.population_kind == "buildings"

    @property
    def group_columns(self) -> list[str]:
        """Return every population column named by a group dimension, in order."""
        return [c for g in self.groups for c in g.columns]

    @property
    def default_dimension(self) -> str | None:
        """Return the key of the first group dimension the manifest names, or None for a total-only region."""
        return self.groups[0].key if self.groups else None

    def dimension_or_default(self, key: str | None) -> str | None:
        """Return `key` checked against the region's dimensions, or the first dimension when `key` is None.

        None comes back only for a region without groups (a total-only population).
        """
        if key is None:
            return self.default_dimension
        return self.group(key).key

    def translated(self, col: str) -> bool:
        """Return whether the catalogues' label of population column `col` applies in this region.

        True for the total, the ``UNKNOWN_<DIM>`` columns and the census columns in the
        dimension the catalogue knows them in (:data:`CENSUS_VOCABULARY`); False for any
        other column, whose label is the manifest's.
        """
        if col == self.total_col or col.startswith("UNKNOWN_"):
            return True
        return any(col in g.columns and col in CENSUS_VOCABULARY.get(g.key, ()) for g in self.groups)

    def label(self, col: str) -> str:
        """Return the manifest's label of population column `col` (the column itself if none)."""
        for g in self.groups:
            if col in g.columns:
                return g.columns[col]
        return col

    def group(self, key: str) -> GroupDimension:
        """Return the group dimension `key` (e.g. ``"birth"``)."""
        for g in self.groups:
            if g.key == key:
                return g
        if not self.groups:
            msg = f"Region `{self.key}` has no population groups (its manifest names only a total), so `{key}` cannot be used; leave the group option out."
        else:
            msg = f"Region `{self.key}` has no group dimension `{key}`; choose one of {[g.key for g in self.groups]}."
        raise RegionError(msg)

    def input_files(self) -> list[Path]:
        """Return every data file the region reads, sorted, each once.

        The OSM extract, the population layer, every boundary layer and every
        official service list; a shapefile comes with its sidecar files
        (``.dbf``, ``.shx``, ``.prj``...), where its attributes live.
        """
        files = {self.osm_path, self.population_path, *[b.path for b in self.boundaries]}
        files |= {s.path for s in self.services}
        if self.area is not None and self.area.path is not None:
            files.add(self.area.path)
        for p in list(files):
            if p.suffix.lower() == ".shp" and p.parent.is_dir():
                files |= {q for q in p.parent.iterdir() if q.is_file() and q.name.startswith(f"{p.stem}.")}
        return sorted(files)

    def file_digests(self) -> dict[str, str]:
        """Return the sha256 of the manifest and of every file in `input_files`, by path relative to the folder."""
        out = {MANIFEST: _sha256(self.folder / MANIFEST)}
        for p in self.input_files():
            out[_relative(p, self.folder)] = _sha256(p)
        return out

    def fingerprint(self) -> str:
        """Return a short hash of the content of the manifest and of every data file it names.

        It covers the bytes of ``region.toml``, the OSM extract, the population
        layer, the boundary layers and the official service lists (see
        `input_files`), each hashed in full with sha256 (about 10 ms for Malta's
        5 MB). Sizes and modification times play no part: a corrected census
        count that keeps the file size changes the fingerprint, and copying the
        folder elsewhere does not.
        """
        h = hashlib.sha256()
        for name, digest in self.file_digests().items():
            h.update(f"{name}\0{digest}\n".encode())
        return h.hexdigest()[:16]


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix()


def crs_problem(crs: object, *, where: str = "crs") -> str | None:
    """Return why `crs` cannot be a region's CRS (it must be a known, projected CRS in metres), or None.

    The one check of a region's CRS: the manifest loader and `add-region --crs` both call it.
    """
    import pyproj

    if not isinstance(crs, str) or not crs.strip():
        return f'`{where}` must name a projected CRS in metres, e.g. "EPSG:3035"'
    try:
        c = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        return f'`{where}` = "{crs}" is not a CRS pyproj knows; give a projected CRS in metres such as "EPSG:3035" or the UTM zone of the region'
    units = {a.unit_name.lower() for a in c.axis_info}
    if not c.is_projected or not units or not units <= {"metre", "meter", "m"}:
        what = "in degrees" if c.is_geographic else "not a projected CRS in metres"
        return f'`{where}` = "{crs}" is {what}; give a projected CRS in metres such as "EPSG:3035" or the UTM zone of the region'
    return None


def regions_folder(data_dir: Path | None = None) -> Path:
    """Return the folder where regions are looked up by key, checking that it exists.

    Parameters
    ----------
    data_dir
        A folder of region folders; by default `settings.data_dir()` (``EQUIMAP_DATA_DIR``,
        else the regions bundled with equimap).
    """
    folder = Path(data_dir).expanduser() if data_dir is not None else settings.data_dir()
    if not folder.is_dir():
        origin = "" if data_dir is not None or "EQUIMAP_DATA_DIR" not in os.environ else " (from EQUIMAP_DATA_DIR)"
        msg = (
            f"Data folder `{folder}`{origin} does not exist or is not a folder; "
            "give a folder that holds region folders (each with a region.toml)."
        )
        raise RegionError(msg)
    return folder


def list_regions(data_dir: Path | None = None) -> list[str]:
    """Return the keys of the regions under `data_dir` (see `regions_folder` for the default)."""
    return sorted(p.parent.name for p in regions_folder(data_dir).glob(f"*/{MANIFEST}"))


def load_region(name_or_path: str | Path = settings.DEFAULT_REGION, *, data_dir: Path | None = None) -> Region:
    """Load and check a region manifest.

    Parameters
    ----------
    name_or_path
        A region key under `data_dir` (``"malta"``), or a folder holding a
        ``region.toml``, or the manifest file itself. A folder of the current
        directory without a manifest does not hide the region of that key.
    data_dir
        Where region folders live; by default ``EQUIMAP_DATA_DIR``, else the
        regions bundled with equimap (see `regions_folder`).
    """
    p = Path(name_or_path)
    if p.suffix == ".toml":
        folder = p.parent
    elif (p / MANIFEST).is_file():
        folder = p
    else:
        folder = regions_folder(data_dir) / str(name_or_path)
    manifest = folder / MANIFEST
    if not manifest.exists():
        known = list_regions(data_dir)
        msg = f"Region `{name_or_path}` not found: no {manifest}; known regions are {known}, or run `python -m equimap add-region`."
        raise RegionError(msg)
    from equimap.region.manifest_schema import read_manifest_text, schema_problems

    text = None
    try:
        text = read_manifest_text(manifest)
        raw = tomllib.loads(text)
    except ValueError as exc:  # not UTF-8 (TOMLDecodeError is a ValueError too)
        raise RegionError(_toml_problem(manifest, exc, text)) from None
    problems = schema_problems(raw, folder)
    if problems:
        msg = f"`{manifest}`: " + "; ".join(problems) + "."
        raise RegionError(msg)
    return _parse(raw, folder, manifest)


def _toml_problem(manifest: Path, exc: ValueError, text: str | None) -> str:
    """Return the sentence of a manifest that cannot be decoded or parsed, quoting the line TOML stopped at."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if first.startswith("`"):
        return first
    if text is None:  # a UTF-16 file cut in the middle of a character
        return f"`{manifest}` cannot be decoded ({first}); save the manifest as UTF-8."
    where = ""
    if (m := re.search(r"at line (\d+)", first)) and 0 < int(m[1]) <= len(lines := text.splitlines()):
        line = lines[int(m[1]) - 1].strip()
        shown = line if len(line) <= 80 else line[:60] + "…"
        where = f"; line {m[1]} reads `{shown}`" if shown else ""
    return (
        f"`{manifest}` is not valid TOML ({first}{where}); "
        "fix the manifest or write it again with `python -m equimap add-region`."
    )


def _req(d: dict[str, Any], key: str, where: str, problems: list[str]) -> Any:
    if key not in d:
        problems.append(f"`{where}.{key}` is missing" if where else f"`{key}` is missing")
        return None
    return d[key]


def _parse(raw: dict[str, Any], folder: Path, manifest: Path) -> Region:
    problems: list[str] = []
    name = _req(raw, "name", "", problems)
    crs = _req(raw, "crs", "", problems)
    osm = raw.get("osm", {})
    pop = raw.get("population", {})
    osm_rel = _req(osm, "path", "osm", problems)
    kind, pop_rel, id_col, total = _population_keys(pop, osm_rel, problems)
    groups = []
    for key, g in pop.get("groups", {}).items():
        cols = g.get("columns", {})
        if not cols:
            problems.append(f"`population.groups.{key}.columns` is empty")
            continue
        ref = g.get("reference", next(iter(cols)))
        if ref not in cols:
            problems.append(f"`population.groups.{key}.reference` = `{ref}` is not one of its columns")
        ages = _ages(g.get("ages"), cols, f"population.groups.{key}.ages", problems)
        groups.append(GroupDimension(key=key, label=g.get("label", key), columns=dict(cols), reference=ref, ages=ages))
    profile = _profile(raw.get("travel", {}), folder, problems)

    def layer(d: dict[str, Any], kind: str, i: int) -> LayerSpec | None:
        if "path" not in d or "key" not in d:
            problems.append(f"each `[[{kind}]]` needs `key` and `path` (`{kind}[{i}]` lacks one)")
            return None
        path = folder / d["path"]
        if not is_there(path):
            problems.append(f"`{kind}[{i}].path` = `{shorten(d['path'])}` does not exist in {folder}")
        return LayerSpec(
            key=d["key"],
            label=d.get("label", d["key"]),
            path=path,
            name=d.get("name"),
            filter={k: str(v) for k, v in d.get("filter", {}).items()},
            land=bool(d.get("land", False)),
            parent=d.get("parent"),
            capacity=d.get("capacity"),
            attribution=d.get("attribution"),
        )

    boundaries = [layer(b, "boundaries", i) for i, b in enumerate(raw.get("boundaries", []))]
    services = [layer(s, "services", i) for i, s in enumerate(raw.get("services", []))]
    if osm_rel is not None and not is_file(folder / osm_rel):  # an extract is one file
        problems.append(f"`osm.path` = `{shorten(osm_rel)}` is not a file of {folder}")
    if pop_rel is not None and not is_there(folder / pop_rel):  # a layer may be a folder (a FileGDB)
        problems.append(f"`population.path` = `{shorten(pop_rel)}` does not exist in {folder}")
    if crs is not None and (bad := crs_problem(crs)):
        problems.append(bad)
    area = _area(raw.get("area"), folder, [b.key for b in boundaries if b], problems)
    main = raw.get("main_boundary")
    if main is not None and main not in [b.key for b in boundaries if b]:
        problems.append(f"`main_boundary` = `{main}` is not the key of a `[[boundaries]]` layer")
    bbox = raw.get("bbox")
    _check_bbox(bbox, problems)
    if problems:
        msg = f"`{manifest}`: " + "; ".join(problems) + "."
        raise RegionError(msg)
    return Region(
        key=folder.name,
        name=name,
        folder=folder,
        crs=crs,
        osm_path=folder / osm_rel,
        population_path=folder / pop_rel,
        population_layer=pop.get("layer"),
        population_kind=kind,
        cell_size_m=pop.get("cell_size_m"),
        id_col=id_col,
        total_col=total,
        land_share_col=pop.get("land_share"),
        confidential_suffix=pop.get("confidential_suffix"),
        groups=tuple(groups),
        boundaries=tuple(b for b in boundaries if b),
        services=tuple(s for s in services if s),
        attribution=tuple(raw.get("attribution", {}).get("lines", [])),
        bbox=tuple(bbox) if bbox else None,
        country_name=raw.get("country_name"),
        osm_date=osm.get("date"),
        profile=profile,
        area=area,
        main_boundary_key=main,
        analyses=tuple(raw.get("default_analyses", [])),
        languages=tuple(raw.get("languages", [])),
        coverage_warn_share=float(raw.get("coverage", {}).get("warn_share", settings.COVERAGE_WARN_SHARE)),
        population_residents=float(pop["residents"]) if kind == "buildings" else None,
        population_note=pop.get("residents_note"),
    )


def _profile(travel: object, folder: Path, problems: list[str]) -> str | None:
    """Return `[travel] profile` (a shipped profile name or a file of `folder`), or None, noting every problem."""
    profile = travel.get("profile") if isinstance(travel, dict) else None
    if profile is not None and not (isinstance(profile, str) and profile.strip()):
        problems.append('`travel.profile` must be a shipped profile name or a file, e.g. `profile = "default"`')
        return None
    if profile is not None:
        from equimap.network.profile import shipped_profiles

        if profile not in shipped_profiles() and not is_file(folder / profile):
            problems.append(
                f"`travel.profile` = `{shorten(profile)}` is neither a shipped profile {shipped_profiles()} "
                f"nor a file of {folder}"
            )
    return profile


def _check_bbox(bbox: list[float] | None, problems: list[str]) -> None:
    """Note a `bbox` that is not [west, south, east, north] in degrees, west below east and south below north."""
    if bbox is None:
        return
    ok = len(bbox) == 4 and -180 <= bbox[0] < bbox[2] <= 180 and -90 <= bbox[1] < bbox[3] <= 90
    if not ok:
        problems.append(
            f"`bbox` = {list(bbox)} must be [west, south, east, north] in degrees, west below east and south below north"
        )


def _area(raw: object, folder: Path, boundary_keys: list[str], problems: list[str]) -> AreaSpec | None:
    """Return the `[area]` table as an `AreaSpec`, noting every problem."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or ("boundary" in raw) == ("path" in raw):
        problems.append(
            "`[area]` needs either `boundary` (a boundary layer key, with an optional `filter`) or `path` (a polygon file)"
        )
        return None
    if "path" in raw:
        path = folder / raw["path"]
        if not is_there(path):
            problems.append(f"`area.path` = `{shorten(raw['path'])}` does not exist in {folder}")
        return AreaSpec(path=path)
    if raw["boundary"] not in boundary_keys:
        problems.append(
            f"`area.boundary` = `{raw['boundary']}` is not the key of a `[[boundaries]]` layer {boundary_keys}"
        )
    return AreaSpec(boundary=raw["boundary"], filter={k: str(v) for k, v in raw.get("filter", {}).items()})


def _population_keys(pop: dict[str, Any], osm_rel: str | None, problems: list[str]) -> tuple[str, Any, Any, Any]:
    """Return ``(kind, path, id column, total column)`` of `[population]`, noting every problem.

    ``kind = "buildings"`` has no file of its own (the OSM extract's buildings), and needs
    ``residents`` (the total) and ``residents_note`` (where that figure comes from).
    """
    kind = pop.get("kind", "grid")
    if kind != "buildings":
        return (
            kind,
            _req(pop, "path", "population", problems),
            _req(pop, "id", "population", problems),
            _req(pop, "total", "population", problems),
        )
    residents = _req(pop, "residents", "population", problems)
    if residents is not None and not (isinstance(residents, int | float) and residents > 0):
        problems.append("`population.residents` must be a number of residents above 0, e.g. `residents = 20000`")
    if not pop.get("residents_note"):
        problems.append(
            "`population.residents_note` is missing; say where the total comes from, "
            'e.g. `residents_note = "Illustrative total, not an official figure"`'
        )
    if pop.get("groups"):
        problems.append('`population.groups` cannot be used with `kind = "buildings"`: a single total has no groups')
    unused = [k for k in ("path", "layer", "id", "land_share", "confidential_suffix") if k in pop]
    if unused:  # they would be dropped without a word
        problems.append(
            f'`population.{unused[0]}` cannot be used with `kind = "buildings"`: residents are modelled from the '
            f"OSM extract's buildings, which have no population file; leave out {', '.join(f'`{k}`' for k in unused)}"
        )
    return kind, osm_rel, "cell_id", pop.get("total", "T")


def _ages(raw: object, cols: dict[str, str], where: str, problems: list[str]) -> dict[str, tuple[int, int]]:
    """Return a group dimension's ``ages`` (column -> inclusive age range), noting every problem."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"`{where}` must map each column to [min age, max age], e.g. `{{ Y_GE65 = [65, 120] }}`")
        return {}
    out: dict[str, tuple[int, int]] = {}
    for col, rng in raw.items():
        if col not in cols:
            problems.append(f"`{where}` names `{col}`, which is not one of the dimension's columns {list(cols)}")
            continue
        ok = (
            isinstance(rng, list) and len(rng) == 2 and all(isinstance(a, int) and not isinstance(a, bool) for a in rng)
        )
        if not ok or not 0 <= rng[0] <= rng[1]:
            problems.append(f"`{where}.{col}` must be [min age, max age] in whole years, e.g. [65, 120]")
            continue
        out[col] = (int(rng[0]), int(rng[1]))
    missing = [c for c in cols if c not in out]
    if out and missing:
        problems.append(f"`{where}` gives no age range for {missing}; give every column of the dimension one")
    return out
