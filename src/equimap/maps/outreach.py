"""Outreach targets: the ranked peri-urban and rural places, darker for the places to visit first."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np

from equimap.maps._choropleth import class_layer
from equimap.maps.breaks import classify
from equimap.maps.legend import legend_html

#: Upper ranks of the classes: 1–5, 6–10, 11–25, 26 and beyond.
RANK_BREAKS: tuple[int, ...] = (5, 10, 25)
RANK_COLOURS: tuple[str, ...] = ("#54278f", "#8c6bb1", "#bcbddc", "#efedf5")


def rank_classes(rank: Sequence[int] | np.ndarray) -> np.ndarray:
    """Return the class of each rank: 0 for ranks 1–5, 1 for 6–10, 2 for 11–25, 3 beyond."""
    return classify(np.asarray(rank, dtype=float), RANK_BREAKS)


def rank_ranges(n: int) -> list[tuple[int, int]]:
    """Return the (first, last) rank of each class for `n` ranked places (classes beyond `n` left out)."""
    out, lo = [], 1
    for hi in (*RANK_BREAKS, n):
        if lo > n:
            break
        out.append((lo, min(hi, n)))
        lo = hi + 1
    return out


def targets_layer(
    targets: gpd.GeoDataFrame,
    *,
    name: str,
    title: str,
    class_labels: Sequence[str],
    show: bool = True,
    popup_store: str | None = "target",
) -> folium.FeatureGroup:
    """Return the ranked places coloured by rank class.

    Parameters
    ----------
    targets
        Output of `equimap.analysis.outreach.outreach_targets` (``rank`` and polygons).
    name, title
        Overlay name and legend title, translated.
    class_labels
        One label per class present (see `rank_ranges`), e.g. "Rank 1–5".
    show, popup_store
        Initial visibility and popup store of the places.
    """
    cls = rank_classes(targets["rank"].to_numpy())
    n_classes = len(rank_ranges(len(targets)))
    if len(class_labels) != n_classes:
        msg = f"`class_labels` needs {n_classes} labels for {len(targets)} ranked places, got {len(class_labels)}."
        raise ValueError(msg)
    entries = list(zip(RANK_COLOURS[:n_classes], class_labels, strict=True))
    return class_layer(
        targets,
        cls,
        RANK_COLOURS,
        name=name,
        legend=legend_html(title, entries),
        show=show,
        popup_store=popup_store,
        fill_opacity=0.85,
        line_colour="#3f007d",
        line_weight=0.8,
    )
