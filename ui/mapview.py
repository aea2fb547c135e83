"""The map of the Map page, built from cached tables and translated labels (no streamlit here).

`build_map` returns a folium map with every overlay, its legend and the data
credits; the page hands it to ``st_folium``. Keeping it free of streamlit lets
the benchmark and the tests build the very same map.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
import geopandas as gpd

from equimap.i18n import fmt_num, t
from equimap.maps import GeometryStore
from equimap.maps.access import ACCESS_BREAKS_MIN, access_layer
from equimap.maps.base import base_map, land_layer, layer_control
from equimap.maps.bivariate import bivariate_layer
from equimap.maps.boundaries import boundaries_layer
from equimap.maps.gaps import GAP_BREAKS, gaps_layer, reference_gap_layer
from equimap.maps.isochrone import ClickToStart, isochrone_layer
from equimap.maps.legend import range_labels
from equimap.maps.outreach import rank_ranges, targets_layer
from equimap.maps.popups import PopupStore
from equimap.maps.printing import PrintControl
from equimap.maps.residents import density_layer, diversity_layer, share_layer
from equimap.maps.services import services_layer
from equimap.maps.urbanisation import urbanisation_layer
from equimap.maps.view import ViewKeeper
from equimap.network.prepare import Prepared
from ui.figures import popup_layout, popup_values
from ui.labels import category_label, degurba_labels, group_label, mode_by, reach_phrase

#: OpenStreetMap's standard tiles, used only when the planner turns the basemap on.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@dataclass(frozen=True)
class MapData:
    """The tables a map is drawn from (all in the region CRS)."""

    cells: (
        gpd.GeoDataFrame
    )  # equimap.analysis.core.Analysis.cells of the cells, with bivariate and urbanisation classes
    councils: gpd.GeoDataFrame | None  # equimap.analysis.core.Analysis.cells of the councils (name), or None
    units: gpd.GeoDataFrame | None  # every council polygon (name), or None
    services: gpd.GeoDataFrame  # services of the chosen category
    land: gpd.GeoDataFrame | None  # land masses, or None
    popups: dict[str, Popups] | None = None  # "cell"/"council" -> place_popups(...), computed when None
    isochrone: tuple[gpd.GeoDataFrame, tuple[float, float]] | None = None  # (area, clicked lon/lat), or None
    council_gaps: gpd.GeoDataFrame | None = None  # Analysis.council_gaps of the chosen group, or None


Popups = tuple[list[tuple[str, list[tuple[str, str]]]], dict[str, list[str]]]


def place_popups(
    prep: Prepared,
    figures: gpd.GeoDataFrame,
    *,
    kind: str,
    lang: str,
    mode: str,
    category: str,
    threshold_min: int,
    dimension: str | None,
) -> Popups:
    """Return the popup layout and the per-place values of cells (``kind="cell"``) or councils."""
    opts = {"lang": lang, "mode": mode, "category": category, "threshold_min": threshold_min, "dimension": dimension}
    layout = popup_layout(prep, figures.columns, **opts)
    return layout, popup_values(figures, layout, kind=kind, lang=lang)


#: The map's overlays by stable key (the URL's ``layers=`` and `equimap.maps.view.ViewKeeper` use these keys).
OVERLAY_KEYS: tuple[str, ...] = (
    "access", "gaps", "density", "eu_share", "non_eu_share", "diversity", "bivariate", "urbanisation",
    "councils", "services", "gap_ref",
)  # fmt: skip
#: The overlay that shows all residents, and the one that shows the chosen group (switched on with a new group).
BASE_LAYER, GROUP_LAYER = "access", "gaps"


def build_map(
    prep: Prepared,
    data: MapData,
    *,
    lang: str,
    mode: str,
    category: str,
    threshold_min: int,
    dimension: str | None,
    group: str,
    basemap: bool = False,
    click_to_start: bool = False,
) -> folium.Map:
    """Return the map with every layer: services, residents, access, gaps, councils, urbanisation, bivariate.

    The chosen `group` drives the map: for all residents the travel-time layer
    is on; for a group, the layer of that group's residents beyond the
    threshold is on instead, with the group's name in its title and legend. A
    `equimap.maps.view.ViewKeeper` keeps the reader's view and layer choices
    when the map is drawn again (see `OVERLAY_KEYS`). With `click_to_start` a
    click chooses the start point of an isochrone (`equimap.maps.isochrone.ClickToStart`).
    """
    region = prep.region
    fmt0 = lambda v: fmt_num(v, lang)  # noqa: E731
    cat = category_label(prep, category, lang)
    reach_to = reach_phrase(prep, category, lang, form="reach_to")
    reach_from = reach_phrase(prep, category, lang, form="reach_from")
    by = mode_by(mode, lang)
    for_group = group != region.total_col
    bounds = data.cells.to_crs(4326).total_bounds if len(data.cells) else prep.population.to_crs(4326).total_bounds
    m = base_map(
        bounds,
        attribution=[t(f"attribution.{line}", lang, default=line) for line in region.attribution],
        tiles_url=OSM_TILES if basemap else None,
        tiles_attribution=t("map.basemap_credit", lang),
        legend_title=t("legend.panel", lang),
    )
    if data.land is not None:
        land_layer(data.land).add_to(m)
    opts = {"lang": lang, "mode": mode, "category": category, "threshold_min": threshold_min, "dimension": dimension}
    for kind, figures in (("cell", data.cells), ("council", data.councils)):
        if figures is None:
            continue
        popups = (data.popups or {}).get(kind) or place_popups(prep, figures, kind=kind, **opts)
        PopupStore(kind, *popups).add_to(m)
    cells = data.cells
    store = GeometryStore("cell", cells)
    store.add_to(m)
    shared = {"popup_store": "cell", "geometry_store": store}
    empty = t("legend.empty_note", lang)
    overlays: dict[str, folium.FeatureGroup] = {}
    overlays["access"] = access_layer(
        cells,
        name=t("layer.access", lang),
        title=t("legend.access", lang, mode_by=by, reach_to=reach_to),
        class_labels=range_labels(ACCESS_BREAKS_MIN, fmt0, unit=t("unit.min", lang)),
        unreachable_label=t("legend.unreachable", lang),
        note=empty,
        show=not for_group,
        total_col=region.total_col,
        **shared,
    )
    glabel = group_label(region, group, lang)
    overlays["gaps"] = gaps_layer(
        cells,
        f"beyond_{group}",
        name=t("layer.gaps_group", lang, threshold=threshold_min, group=glabel)
        if for_group
        else t("layer.gaps", lang, threshold=threshold_min),
        title=t("legend.gaps", lang, group=glabel, threshold=threshold_min, mode_by=by, reach_from=reach_from),
        class_labels=range_labels(GAP_BREAKS, fmt0),
        note=t("legend.gaps_note", lang),
        show=for_group,
        **shared,
    )
    if for_group and data.council_gaps is not None:
        ref = group_label(region, next(d.reference for d in region.groups if group in d.columns), lang)
        pts = lambda v: fmt_num(v, lang, sign=True)  # noqa: E731
        overlays["gap_ref"] = reference_gap_layer(
            data.council_gaps,
            name=t("layer.gap_ref", lang, group=glabel, reference=ref),
            title=t("legend.gap_ref", lang, group=glabel, reference=ref, threshold=threshold_min, mode_by=by),
            class_labels=[
                t("legend.gap_ref_below", lang, value=pts(-10)),
                t("legend.gap_ref_range", lang, lo=pts(-10), hi=pts(-1)),
                t("legend.gap_ref_within", lang, value=fmt_num(1, lang)),
                t("legend.gap_ref_range", lang, lo=pts(1), hi=pts(10)),
                t("legend.gap_ref_above", lang, value=pts(10)),
            ],
            note=t("legend.gap_ref_note", lang, group=glabel, reference=ref),
        )
    overlays["density"] = density_layer(
        cells, name=t("layer.density", lang), title=t("legend.density", lang), fmt=fmt0, note=empty, **shared
    )
    if "eu_share" in cells.columns:
        for col in ("eu_share", "non_eu_share"):
            overlays[col] = share_layer(
                cells,
                col,
                name=t(f"layer.{col}", lang),
                title=t(f"legend.{col}", lang),
                fmt=fmt0,
                note=empty,
                **shared,
            )
    if "simpson" in cells.columns:
        overlays["diversity"] = diversity_layer(
            cells,
            name=t("layer.diversity", lang),
            title=t("legend.diversity", lang),
            fmt=lambda v: fmt_num(v, lang, digits=2),
            note=empty,
            **shared,
        )
        overlays["bivariate"] = bivariate_layer(
            cells,
            name=t("layer.bivariate", lang),
            title=t("legend.bivariate", lang),
            diversity_axis=t("legend.bivariate_diversity", lang),
            access_axis=t("legend.bivariate_access", lang),
            flagged=t("legend.bivariate_flag", lang),
            **shared,
        )
    if "degurba_l2" in cells.columns:
        overlays["urbanisation"] = urbanisation_layer(
            cells,
            name=t("layer.urbanisation", lang),
            title=t("legend.urbanisation", lang),
            class_labels=degurba_labels(lang),
            note=empty,
            **shared,
        )
    if data.units is not None:
        overlays["councils"] = boundaries_layer(
            data.units,
            name=t("layer.boundaries", lang),
            title=t("legend.boundaries", lang),
            note=t("legend.boundaries_note", lang),
            popup_store="council" if data.councils is not None else None,
        )
    svc = data.services
    type_labels = {c: category_label(prep, c, lang) for c in svc["category"].astype(str).unique()}
    overlays["services"] = services_layer(
        svc,
        name=t("layer.services", lang, category=cat),
        type_labels=type_labels,
        title=t("legend.services", lang, category=cat, n=fmt_num(len(svc), lang)),
        type_heading=t("legend.service_type", lang),
        unnamed=t("legend.unnamed", lang),
    )
    for layer in overlays.values():
        layer.add_to(m)
    if data.isochrone is not None:
        isochrone_layer(
            data.isochrone[0], data.isochrone[1], name=t("layer.isochrone", lang, threshold=threshold_min, mode_by=by)
        ).add_to(m)
    control = layer_control(m)
    PrintControl(t("map.print", lang)).add_to(m)
    if click_to_start:
        ClickToStart().add_to(m)
    ViewKeeper(
        overlays, control=control, scope=region.key, group=group, group_layer=GROUP_LAYER, base_layer=BASE_LAYER
    ).add_to(m)
    return m


def build_targets_map(
    prep: Prepared,
    targets: gpd.GeoDataFrame,
    *,
    units: gpd.GeoDataFrame | None,
    land: gpd.GeoDataFrame | None,
    lang: str,
    dimension: str | None,
) -> folium.Map:
    """Return the map of the Outreach page: the ranked places (with their figures) over the councils."""
    region = prep.region
    bounds = prep.population.to_crs(4326).total_bounds
    m = base_map(bounds, attribution=[t(f"attribution.{line}", lang, default=line) for line in region.attribution])
    if land is not None:
        land_layer(land).add_to(m)
    layout = target_layout(prep, lang=lang, dimension=dimension)
    PopupStore("target", layout, target_values(targets, layout, lang=lang)).add_to(m)
    labels = [t("legend.rank_top", lang, lo=lo, hi=hi) for lo, hi in rank_ranges(len(targets))]
    if len(targets):
        targets_layer(
            targets, name=t("layer.targets", lang), title=t("legend.targets", lang), class_labels=labels
        ).add_to(m)
    if units is not None:
        boundaries_layer(
            units, name=t("layer.boundaries", lang), title=t("legend.boundaries", lang), popup_store=None
        ).add_to(m)
    layer_control(m)
    return m


def target_layout(prep: Prepared, *, lang: str, dimension: str | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the popup layout of an outreach target (the total alone for a region without groups)."""
    region = prep.region
    total = region.total_col
    groups = list(region.group(dimension).columns) if dimension is not None else []
    return [
        (
            "",
            [
                (t("outreach.col_rank", lang), "rank"),
                (t("outreach.col_class", lang), "degurba_l2"),
                (t("outreach.col_residents", lang), total),
                (t("outreach.col_beyond", lang), f"beyond_{total}"),
                *[(group_label(region, g, lang), f"beyond_{g}") for g in groups],
                (t("outreach.col_excess", lang), "mean_excess_min"),
                (t("outreach.col_score", lang), "score"),
            ],
        )
    ]


def target_values(targets: gpd.GeoDataFrame, layout: list, *, lang: str) -> dict[str, list[str]]:
    """Return each target's popup title (its name or cell id) and formatted figures."""
    return popup_values(targets, layout, kind="council" if "name" in targets.columns else "cell", lang=lang)
