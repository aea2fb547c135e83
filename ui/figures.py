"""The figures of a cell or council for its popup: a translated layout and formatted values (no streamlit)."""

from __future__ import annotations

import math

import pandas as pd

from geo.i18n import fmt_num, fmt_pct, t
from geo.population import unknown_column
from geo.prepare import Prepared
from ui.labels import degurba_labels, dimension_label, group_label, mode_by, reach_phrase

Layout = list[tuple[str, list[tuple[str, str]]]]


def popup_layout(
    prep: Prepared,
    columns: pd.Index,
    *,
    lang: str,
    mode: str,
    category: str,
    threshold_min: int,
    dimension: str,
) -> Layout:
    """Return the popup sections of a kind of place: titles and ``(label, key)`` rows.

    The keys are the columns of `geo.places.place_figures` the rows show
    (``T``, ``NAT``..., ``density_km2``, ``time_nearest_min``, ``beyond_T``...).
    """
    region = prep.region
    total = region.total_col
    residents = [(group_label(region, total, lang), total)]
    for dim in region.groups:
        residents += [(group_label(region, c, lang), c) for c in dim.columns]
        unknown = unknown_column(dim.key)
        if unknown in columns:
            residents.append((group_label(region, unknown, lang), unknown))
    place = [(t("popup.density", lang), "density_km2")]
    place += [(t("popup.foreign", lang), "foreign_share")] if "foreign_share" in columns else []
    place += [(t("popup.diversity", lang), "simpson")] if "simpson" in columns else []
    place += [(t("popup.urbanisation", lang), "degurba_l2")] if "degurba_l2" in columns else []
    travel = [(t("popup.nearest", lang), "time_nearest_min"), (t("popup.mean3", lang), "time_mean3_min")]
    within = f"n_within_{threshold_min}min"
    travel += [(t("popup.within", lang, n=threshold_min), within)] if within in columns else []
    beyond = [(group_label(region, c, lang), f"beyond_{c}") for c in [total, *region.group(dimension).columns]]
    beyond_title = t("popup.beyond", lang, threshold=threshold_min) + f" ({dimension_label(region, dimension, lang)})"
    return [
        (t("popup.residents", lang), residents),
        (t("popup.context", lang), place),
        (
            t(
                "popup.travel",
                lang,
                mode_by=mode_by(mode, lang),
                reach_to=reach_phrase(prep, category, lang, form="reach_to"),
            ),
            travel,
        ),
        (beyond_title, beyond),
    ]


def format_figure(row: pd.Series, key: str, *, lang: str) -> str:
    """Return one figure of a place as shown in its popup.

    Residents and densities are whole numbers; times have one decimal (or
    "none reachable"); residents beyond the threshold are followed by their
    share of the group.
    """
    v = row.get(key)
    if key.startswith("beyond_"):
        base = row[key.removeprefix("beyond_")]
        share = v / base if base > 0 else float("nan")
        return f"{fmt_num(float(v), lang)} ({fmt_pct(share, lang)})"
    if key in ("time_nearest_min", "time_mean3_min"):
        return t("popup.unreachable", lang) if pd.isna(v) else fmt_num(float(v), lang, digits=1)
    if key.startswith("n_within_"):
        return fmt_num(float(v), lang, digits=1)
    if key == "foreign_share":
        return fmt_pct(float(v), lang)
    if key == "simpson":
        return fmt_num(float(v), lang, digits=2)
    if key == "degurba_l2":
        if pd.isna(v):
            return "–"
        return f"{int(v)} {degurba_labels(lang).get(int(v), '')}"
    return fmt_num(float(v), lang) if v is not None and not (isinstance(v, float) and math.isnan(v)) else "–"


def popup_values(figures: pd.DataFrame, layout: Layout, *, kind: str, lang: str) -> dict[str, list[str]]:
    """Return, per place, its popup title and formatted values in the order of `layout`.

    Parameters
    ----------
    figures
        Output of `geo.places.place_figures` (with ``name`` for councils).
    kind
        ``"cell"`` (title: the census cell id) or ``"council"`` (title: the name).
    """
    keys = [key for _, rows in layout for _, key in rows]
    out = {}
    for pid, row in figures.iterrows():
        title = t("popup.cell", lang, id=pid) if kind == "cell" else t("popup.council", lang, name=row["name"])
        out[str(pid)] = [title, *[format_figure(row, k, lang=lang) for k in keys]]
    return out
