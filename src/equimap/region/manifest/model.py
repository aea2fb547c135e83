"""What a region manifest describes: `Region` and its group dimensions, layers and study area.

The frozen dataclasses `equimap.region.manifest.load_region` returns, resolved to absolute
paths and checked, with what they answer without reading any data (the main boundary
layer, a group's label) and the content hash of the files they name (`Region.fingerprint`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from equimap import settings
from equimap._errors import RegionError

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
