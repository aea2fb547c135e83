"""The Map page's isochrone click: which click is new, the residents rows, the map's isochrone mode and layer."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from equimap.maps.isochrone import ClickToStart, isochrone_layer
from ui.isoclick import new_click, residents_rows

A = {"lat": 35.8989123456, "lng": 14.5146987654}
B = {"lat": 35.9, "lng": 14.5}


def test_new_click__a_map_click_is_new_once() -> None:
    point, seen = new_click({"last_clicked": A, "last_object_clicked": None}, (None, None))
    assert point == (14.514699, 35.898912)  # (lon, lat), 6 decimals
    assert new_click({"last_clicked": A, "last_object_clicked": None}, seen) == (None, seen)  # the same value again


def test_new_click__a_click_on_a_place_counts_too() -> None:
    seen = (A, None)
    point, seen = new_click({"last_clicked": A, "last_object_clicked": B}, seen)
    assert point == (14.5, 35.9)
    assert seen == (A, B)


def test_new_click__nothing_yet_or_a_fresh_map() -> None:
    assert new_click(None, (None, None)) == (None, (None, None))
    # the map drawn anew sends none again: nothing is new, and the values are remembered as seen
    assert new_click({"last_clicked": None, "last_object_clicked": None}, (A, None)) == (None, (None, None))
    assert new_click({"last_clicked": {"lat": "x"}}, (None, None))[0] is None  # not a point


@pytest.mark.malta
def test_residents_rows__hidden_counts_say_so(malta) -> None:
    region = malta.region
    pop = pd.Series(np.nan, index=pd.Index(malta.count_columns, name="column"))
    pop[region.total_col] = 1234.4
    pop["NAT"] = 1200.0
    rows = residents_rows(pd.DataFrame({"pop": pop}), region, dimension="birth", lang="en")
    assert rows == [
        ("All residents", "1,234"),
        ("Born in Malta", "1,200"),
        ("Born in another EU country", "hidden (small count)"),
        ("Born outside the EU", "hidden (small count)"),
    ]


def test_isochrone_mode_and_layer_in_the_map_script() -> None:
    m = folium.Map()
    ClickToStart().add_to(m)
    area = gpd.GeoDataFrame(geometry=[shapely.box(14.5, 35.89, 14.52, 35.91)], crs=4326)
    isochrone_layer(area, (14.51, 35.9), name="Reachable").add_to(m)
    html = m.get_root().render()
    assert "eqm-isochrone-mode" in html and "pointer-events: none" in html  # clicks reach the map, not the places
    assert '"pane": "eqm-lines"' in html  # above the cells
    assert "eqm-isochrone-start" in html
