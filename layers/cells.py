"""Choropleth layers of census cells or zones, with a popup of each place's figures."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import shapely


def css_class(place_id: object) -> str:
    """Return the CSS class given to a place's shape (``place-<id>``, safe characters only)."""
    return "place-" + re.sub(r"[^A-Za-z0-9_-]", "_", str(place_id))


def choropleth(
    places: gpd.GeoDataFrame,
    *,
    name: str,
    colours: Sequence[str],
    popup: Mapping[str, Sequence[str]] | None = None,
    show: bool = True,
    opacity: float = 0.7,
    outline: str = "#444444",
) -> folium.FeatureGroup:
    """Return a switchable layer of `places` filled with one colour each.

    Parameters
    ----------
    places
        Polygons with a CRS; the index identifies each place (it becomes the CSS
        class ``place-<id>`` of its shape, see :func:`css_class`).
    name
        Layer name in the layer control (already translated).
    colours
        Fill colour of each place, in the order of `places`.
    popup
        Row label -> one text per place, in the order of `places` (already
        formatted and translated); shown when a place is clicked.
    show
        Whether the layer is on when the map opens.
    opacity
        Fill opacity.
    outline
        Colour of the places' outlines.
    """
    gdf = places[["geometry"]].to_crs("EPSG:4326")
    gdf = gdf.set_geometry(shapely.set_precision(gdf.geometry.to_numpy(), 1e-6))  # ~10 cm: a lighter page
    if len(colours) != len(gdf):
        msg = f"`colours` has {len(colours)} values for {len(gdf)} places; give one colour per place."
        raise ValueError(msg)
    gdf["_fill"] = list(colours)
    gdf["_class"] = [css_class(i) for i in places.index]
    fields, aliases = [], []
    for k, (label, texts) in enumerate((popup or {}).items()):
        col = f"f{k}"
        gdf[col] = [str(x) for x in np.asarray(texts, dtype=object)]
        fields.append(col)
        aliases.append(label)
    group = folium.FeatureGroup(name=name, show=show)
    folium.GeoJson(
        gdf.reset_index(drop=True).to_json(drop_id=True),
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": outline,
            "weight": 0.6,
            "fillOpacity": opacity,
            "className": f["properties"]["_class"],
        },
        highlight_function=lambda _f: {"weight": 2.5, "color": "#000000"},
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False, labels=True) if fields else None,
        name=name,
        control=False,
    ).add_to(group)
    return group
