"""The map's view keeper, legend panel and print button, as rendered into the page (their behaviour: test_browser)."""

from __future__ import annotations

import re

import folium
import pytest

from equimap.maps.base import base_map
from equimap.maps.legend import Legend
from equimap.maps.printing import PrintControl
from equimap.maps.view import ViewKeeper


def _map() -> tuple[folium.Map, dict[str, folium.FeatureGroup], folium.LayerControl]:
    m = base_map((14.3, 35.8, 14.6, 36.1), attribution=[], legend_title="Légende")
    layers = {k: folium.FeatureGroup(name=k.title(), show=k == "access").add_to(m) for k in ("access", "gaps")}
    control = folium.LayerControl(collapsed=False).add_to(m)
    return m, layers, control


def test_view_keeper__names_every_overlay_by_its_key() -> None:
    m, layers, control = _map()
    ViewKeeper(layers, control=control, scope="malta", group="Y_GE65", group_layer="gaps", base_layer="access").add_to(
        m
    )
    page = m.get_root().render()
    a, g = layers["access"].get_name(), layers["gaps"].get_name()
    assert re.search(rf'var layers = \{{ "access": {a},\s*"gaps": {g} \}};', page)
    assert f"var control = {control.get_name()};" in page
    assert 'var scope = "malta", group = "Y_GE65";' in page
    assert 'var groupLayer = "gaps", baseLayer = "access";' in page
    assert "url.searchParams.set('view'" in page and "url.searchParams.set('layers'" in page
    assert 'map.eqmLegendTitle = "Légende";' in page


def test_view_keeper__unknown_layer_key_is_refused() -> None:
    _, layers, control = _map()
    with pytest.raises(ValueError, match=r"Layers \['bogus'\] are not overlays"):
        ViewKeeper(layers, control=control, scope="malta", group="T", group_layer="bogus")


def test_legend__goes_into_the_one_panel() -> None:
    m, layers, _ = _map()
    for fg in layers.values():
        fg.add_child(Legend("<b>x</b>", layer_name=fg.layer_name))
    page = m.get_root().render()
    assert page.count("if (!map._eqmLegends) {") == 2  # each legend joins the panel the first one made
    assert page.count("L.control({position:") == 2


def test_print_control__escaped_label_and_print_style() -> None:
    m, _, _ = _map()
    PrintControl("Imprimer <la> carte").add_to(m)
    page = m.get_root().render()
    assert '"Imprimer \\u003cla\\u003e carte"' in page
    assert "@media print" in page and "window.print()" in page
