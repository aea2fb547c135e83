"""Keep a map's place across redraws: its centre, zoom and overlays, in the page and in the page's URL.

An app that redraws its map after every change of a choice (a threshold, a
group) would open it again over the whole region with its default layers. A
`ViewKeeper` added to the map, after its overlays and layer control, makes the
map remember where the reader was, entirely in the browser (panning, zooming
or switching a layer sends nothing to the server and reruns nothing):

* after every move and every layer switch it writes the view and the overlays
  that are on to the embedding page (``window.parent.eqmMapState[scope]``,
  which lives as long as the page), and to that page's URL as
  ``view=lat,lon,zoom`` and ``layers=key,key`` (``history.replaceState``, so a
  copied link or a reload gives the same map);
* when a map is drawn it restores them: from the page's memory if this page
  drew a map of the same `scope` before, else from the URL, else it keeps the
  map's own defaults;
* when the map is drawn for another population group than the remembered one,
  the group's layer (`group_layer`) is switched on and `base_layer` off, so
  choosing a group shows that group.

On a narrow screen (a phone) the layer list starts folded behind its button.
A map opened as a file of its own (no embedding page) keeps its place in its
own URL.
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
from branca.element import MacroElement
from jinja2 import Template

from equimap.maps.base import script_json

#: Below this map width (px) the layer list starts folded (phones).
NARROW_PX = 600


class ViewKeeper(MacroElement):
    """Remember and restore the view and overlays of a map (see the module docstring).

    Parameters
    ----------
    overlays
        Stable key (``"access"``, ``"gaps"``...) -> the overlay on the map; the keys are what the URL holds.
    control
        The map's layer control (folded on narrow screens), or None.
    scope
        What the remembered state belongs to (e.g. the region key): another scope starts afresh.
    group
        The population group the map is drawn for.
    group_layer, base_layer
        Keys of the overlay that shows the group and of the one it replaces when the group changes; None for none.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var layers = { {% for key, name in this.layer_vars %}{{ key|tojson }}: {{ name }}{{ "," if not loop.last }}{% endfor %} };
            var keys = Object.keys(layers);
            var scope = {{ this.scope_json }}, group = {{ this.group_json }};
            var groupLayer = {{ this.group_layer_json }}, baseLayer = {{ this.base_layer_json }};
            var host = window;
            try { if (window.parent && window.parent.location.href) { host = window.parent; } } catch (e) { host = window; }
            var memory = host.eqmMapState = host.eqmMapState || {};
            function fromUrl() {
                var out = {};
                var q = new URLSearchParams(host.location.search);
                var v = (q.get('view') || '').split(',').map(Number);
                if (v.length === 3 && v.every(isFinite) && Math.abs(v[0]) <= 90 && Math.abs(v[1]) <= 180) {
                    out.view = v;
                }
                if (q.has('layers')) {
                    out.layers = q.get('layers').split(',').filter(function(k) { return layers.hasOwnProperty(k); });
                }
                return out;
            }
            var saved = memory[scope] || fromUrl();
            if (saved.view) {
                var z = Math.min(Math.max(Math.round(saved.view[2]), map.getMinZoom()), map.getMaxZoom());
                map.setView([saved.view[0], saved.view[1]], z, {animate: false});
            }
            var on = saved.layers;
            if (on && saved.group !== undefined && saved.group !== group && groupLayer) {
                on = on.filter(function(k) { return k !== baseLayer; });
                if (on.indexOf(groupLayer) < 0) { on.push(groupLayer); }
            }
            if (on) {
                keys.forEach(function(k) {
                    var want = on.indexOf(k) >= 0, has = map.hasLayer(layers[k]);
                    if (want && !has) { map.addLayer(layers[k]); }
                    if (!want && has) { map.removeLayer(layers[k]); }
                });
            }
            function save() {
                var c = map.getCenter();
                var view = [+c.lat.toFixed(5), +c.lng.toFixed(5), map.getZoom()];
                var onNow = keys.filter(function(k) { return map.hasLayer(layers[k]); });
                memory[scope] = {view: view, layers: onNow, group: group};
                try {
                    var url = new URL(host.location.href);
                    url.searchParams.set('view', view.join(','));
                    url.searchParams.set('layers', onNow.join(','));
                    host.history.replaceState(host.history.state, '', url.toString());
                } catch (e) { /* a page that forbids it keeps the state in memory only */ }
            }
            map.on('moveend zoomend overlayadd overlayremove', save);
            save();
            {% if this.control_name %}
            var control = {{ this.control_name }};
            if (map.getContainer().clientWidth < {{ this.narrow_px }}) {
                control.collapse();
                L.DomUtil.addClass(map.getContainer(), 'eqm-narrow');
                map.on('click', function() { control.collapse(); });
            }
            {% endif %}
            map.eqmKeeper = {layers: layers, save: save};
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        overlays: Mapping[str, folium.FeatureGroup],
        *,
        control: folium.LayerControl | None,
        scope: str,
        group: str,
        group_layer: str | None = None,
        base_layer: str | None = None,
    ):
        super().__init__()
        self._name = "ViewKeeper"
        bad = [k for k in (group_layer, base_layer) if k is not None and k not in overlays]
        if bad:
            msg = f"Layers {bad} are not overlays of the map; pass keys of `overlays` ({sorted(overlays)})."
            raise ValueError(msg)
        self.layer_vars = [(k, fg.get_name()) for k, fg in overlays.items()]
        self.control_name = control.get_name() if control is not None else ""
        self.scope_json = script_json(scope)
        self.group_json = script_json(group)
        self.group_layer_json = script_json(group_layer)
        self.base_layer_json = script_json(base_layer)
        self.narrow_px = NARROW_PX
