"""The figures of a cell or council for its popup: a translated layout and formatted values (no streamlit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from equimap.i18n import fmt_num, fmt_pct, t
from equimap.network.prepare import Prepared
from equimap.region.census import unknown_column
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
    dimension: str | None,
) -> Layout:
    """Return the popup sections of a kind of place: titles and ``(label, key)`` rows.

    The first lines answer "how far, for whom": the travel times, then the
    residents beyond the threshold by group of `dimension`; the residents by
    group and the place (its urbanisation class in words, density, diversity) follow.

    The keys are the columns of `equimap.analysis.core.Analysis.cells` the rows show
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
    place = [(t("popup.urbanisation", lang), "degurba_l2")] if "degurba_l2" in columns else []
    place += [(t("popup.density", lang), "density_km2")]
    place += [(t("popup.foreign", lang), "foreign_share")] if "foreign_share" in columns else []
    place += [(t("popup.diversity", lang), "simpson")] if "simpson" in columns else []
    travel = [(t("popup.nearest", lang), "time_nearest_min"), (t("popup.mean3", lang), "time_mean3_min")]
    within = f"n_within_{threshold_min}min"
    # a mean over the place's residents (of the count each can reach), not a count of sites: labelled as such
    travel += [(t("popup.within_mean", lang, n=threshold_min), within)] if within in columns else []
    beyond_title = t("popup.beyond", lang, threshold=threshold_min)
    groups: list[str] = []
    if dimension is not None:  # a region without groups: the total alone
        groups = list(region.group(dimension).columns)
        beyond_title += f" ({dimension_label(region, dimension, lang)})"
    beyond = [(group_label(region, c, lang), f"beyond_{c}") for c in [total, *groups]]
    travel_title = t(
        "popup.travel", lang, mode_by=mode_by(mode, lang), reach_to=reach_phrase(prep, category, lang, form="reach_to")
    )
    # how far, then for whom: the answer first, the context after
    return [
        (travel_title, travel),
        (beyond_title, beyond),
        (t("popup.residents", lang), residents),
        (t("popup.context", lang), place),
    ]


def format_column(figures: pd.DataFrame, key: str, *, lang: str) -> list[str]:
    """Return one figure of every place, as shown in the popups.

    Residents and densities are whole numbers; times have one decimal (or
    "none reachable"); residents beyond the threshold are followed by their
    share of the group (``beyond_T`` -> ``"120 (10%)"``).
    """
    v = figures[key].to_numpy(dtype=float, na_value=np.nan)
    if key.startswith("beyond_"):
        base = figures[key.removeprefix("beyond_")].to_numpy(dtype=float)
        share = np.divide(v, base, out=np.full(v.shape, np.nan), where=base > 0)
        return [f"{fmt_num(a, lang)} ({fmt_pct(b, lang)})" for a, b in zip(v, share, strict=True)]
    if key in ("time_nearest_min", "time_mean3_min"):
        none = t("popup.unreachable", lang)
        return [none if np.isnan(x) else fmt_num(x, lang, digits=1) for x in v]
    if key.startswith("n_within_") or key == "mean_excess_min":
        return [fmt_num(x, lang, digits=1) for x in v]
    if key == "foreign_share":
        return [fmt_pct(x, lang) for x in v]
    if key == "simpson":
        return [fmt_num(x, lang, digits=2) for x in v]
    if key == "rank":
        return [str(int(x)) for x in v]
    if key == "degurba_l2":
        labels = degurba_labels(lang)
        return ["–" if np.isnan(x) else labels.get(int(x), str(int(x))) for x in v]
    return [fmt_num(x, lang) for x in v]


def popup_values(figures: pd.DataFrame, layout: Layout, *, kind: str, lang: str) -> dict[str, list[str]]:
    """Return, per place, its popup title and formatted values in the order of `layout`.

    Parameters
    ----------
    figures
        Output of `equimap.analysis.core.Analysis.cells` (with ``name`` for councils and outreach councils).
    kind
        ``"cell"`` (title: the council it lies in, from the ``council`` column, never the raw
        census cell id) or ``"council"`` (title: the ``name`` column).
    """
    keys = [key for _, rows in layout for _, key in rows]
    columns = [format_column(figures, k, lang=lang) for k in keys]
    if kind == "council":
        titles = [t("popup.council", lang, name=n) for n in figures["name"]]
    elif "council" in figures.columns:
        plain = t("popup.cell_plain", lang)
        names = figures["council"].fillna("").astype(str)
        titles = [t("popup.cell_in", lang, council=n) if n else plain for n in names]
    else:
        titles = [t("popup.cell_plain", lang)] * len(figures)
    return {str(pid): [title, *vals] for pid, title, *vals in zip(figures.index, titles, *columns, strict=True)}
