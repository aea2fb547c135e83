"""The parsed TOML of a manifest turned into a `Region`, every problem of its values noted.

`parse_manifest` reads each table (``[osm]``, ``[population]`` and its groups, the
``[[boundaries]]`` and ``[[services]]`` layers, ``[travel]``, ``[area]``, ``bbox``),
checks what the schema (`equimap.region.manifest_schema`) cannot (files that exist, a
projected CRS, age ranges, the keys a population kind needs) and raises once with every
problem; `crs_problem` is the one check of a region's CRS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from equimap import settings
from equimap._errors import RegionError
from equimap.region.manifest.model import AreaSpec, GroupDimension, LayerSpec, Region
from equimap.region.manifest_schema import is_file, is_there, shorten


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


def _req(d: dict[str, Any], key: str, where: str, problems: list[str]) -> Any:
    if key not in d:
        problems.append(f"`{where}.{key}` is missing" if where else f"`{key}` is missing")
        return None
    return d[key]


def parse_manifest(raw: dict[str, Any], folder: Path, manifest: Path) -> Region:
    """Return the `Region` of the parsed TOML `raw` of `manifest` in `folder`; raise once with every problem."""
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
