"""What preparing a region found, in sentences: the study area, reconciled census groups, network coverage.

The report's methods (`equimap.report.sections.methods`) and ``equimap prepare`` print
these sentences, from `equimap.network.prepare.Prepared.summary` (the bundle's
``preparation``): one computation, every surface.
"""

from __future__ import annotations

from equimap.i18n import fmt_num, fmt_pct, has, t
from equimap.region.manifest import Region


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
                out=fmt_num(round(area.get("residents_out", 0.0)), lang),
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
                    residents=fmt_num(round(moved["residents"]), lang),
                )
            )
    cov = summary.get("coverage", {})
    if cov.get("cells_no_street", 0) > 0:
        out.append(
            t(
                "report.methods.coverage",
                lang,
                residents=fmt_num(round(cov["residents_no_street"]), lang),
                share=fmt_pct(cov["share_no_street"], lang, digits=1),
                cells=fmt_num(cov["cells_no_street"], lang),
                unplaced=fmt_num(round(cov.get("residents_not_placed", 0.0)), lang),
            )
        )
        if cov.get("warn"):
            out.append(t("report.methods.coverage_warn", lang, limit=fmt_pct(cov["warn_share"], lang)))
    return out


def found_lines(summary: dict, region: Region) -> list[str]:
    """Return what ``equimap prepare`` prints of what it found (English, without ``-v``)."""
    cov = summary.get("coverage", {})
    out = []
    if cov:
        out.append(
            f"coverage: {cov.get('cells_no_street', 0)} of {cov.get('cells', 0)} populated cells had no street inside "
            f"({round(cov.get('residents_no_street', 0.0)):,} residents, {100 * cov.get('share_no_street', 0.0):.1f} % "
            f"outside the network's coverage); {cov.get('cells_not_placed', 0)} of them could not be placed on the "
            f"network ({round(cov.get('residents_not_placed', 0.0)):,} residents, counted as unreachable)"
        )
    out += preparation_lines(summary, region, "en")
    return out
