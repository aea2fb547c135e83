"""What preparing a region found, in sentences: the study area, reconciled census groups, network coverage.

The report's methods (`equimap.report.sections.methods`) and ``equimap prepare`` print
these sentences, from `equimap.network.prepare.Prepared.summary` (the bundle's
``preparation``): one computation, every surface.
"""

from __future__ import annotations

from equimap.i18n import fmt_num, fmt_pct, has, t
from equimap.protect.policy import min_count
from equimap.protect.tables import GROUP_ROUNDING
from equimap.region.manifest import Region


def _residents(value: float, region: Region, lang: str) -> str:
    """Return a count of residents as a published sentence may show it.

    Protected like the tables: a count of 1 to (minimum - 1) is "fewer than <minimum>", and
    larger counts are rounded to the nearest 10 like the region totals.
    """
    n = round(float(value))
    floor = min_count(region.folder)
    if n == 0:
        return fmt_num(0, lang)
    if n < floor:
        return t("report.methods.fewer_than", lang, n=fmt_num(floor, lang))
    return fmt_num(int(GROUP_ROUNDING * round(n / GROUP_ROUNDING)), lang)


def area_name(region: Region) -> str:
    """Return how the study area is named in a sentence: the layer's label and filter values, or the file name."""
    spec = region.area
    if spec is None:
        return ""
    if spec.path is not None:
        return f"`{spec.path.name}`"
    layer = region.boundary(spec.boundary or "")
    label = layer.label if layer else str(spec.boundary)
    return f"{label} ({', '.join(spec.filter.values())})" if spec.filter else label


def preparation_lines(summary: dict, region: Region, lang: str) -> list[str]:
    """Return the sentences of what preparation found, in `lang` (none when there is nothing to say)."""
    out = []
    area = summary.get("study_area", {})
    if area.get("active"):
        out.append(
            t(
                "report.methods.study_area",
                lang,
                area=area_name(region),
                out=_residents(area.get("residents_out", 0.0), region, lang),
                cells=fmt_num(area.get("cells_out", 0), lang),
                cut=fmt_num(area.get("cells_cut", 0), lang),
                services=fmt_num(area.get("services_out", 0), lang),
            )
        )
    for key, moved in summary.get("reconciled", {}).items():
        if moved.get("cells", 0) > 0:
            dim = next((g for g in region.groups if g.key == key), None)
            label = t(f"dimension.{key}", lang) if has(f"dimension.{key}", lang) else (dim.label if dim else key)
            out.append(
                t(
                    "report.methods.reconciled",
                    lang,
                    cells=fmt_num(moved["cells"], lang),
                    dimension=label,
                    residents=_residents(moved["residents"], region, lang),
                )
            )
    cov = summary.get("coverage", {})
    if cov.get("cells_no_street", 0) > 0:
        out.append(
            t(
                "report.methods.coverage",
                lang,
                residents=_residents(cov["residents_no_street"], region, lang),
                share=fmt_pct(cov["share_no_street"], lang, digits=1),
                cells=fmt_num(cov["cells_no_street"], lang),
                unplaced=_residents(cov.get("residents_not_placed", 0.0), region, lang),
            )
        )
        if cov.get("warn"):
            out.append(t("report.methods.coverage_warn", lang, limit=fmt_pct(cov["warn_share"], lang)))
    return [line[:1].upper() + line[1:] for line in out]  # a sentence may open on "fewer than 10"


def found_lines(summary: dict, region: Region) -> list[str]:
    """Return what ``equimap prepare`` prints of what it found (English, without ``-v``)."""
    cov = summary.get("coverage", {})
    out = []
    if cov:
        out.append(
            f"coverage: {cov.get('cells_no_street', 0)} of {cov.get('cells', 0)} populated cells had no street inside "
            f"({_residents(cov.get('residents_no_street', 0.0), region, 'en')} residents, {100 * cov.get('share_no_street', 0.0):.1f} % "
            f"outside the network's coverage); {cov.get('cells_not_placed', 0)} of them could not be placed on the "
            f"network ({_residents(cov.get('residents_not_placed', 0.0), region, 'en')} residents, counted as unreachable)"
        )
    out += preparation_lines(summary, region, "en")
    return out
