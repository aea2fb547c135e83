"""A print button on the map: the current view, its overlays and its legend, printed by the browser.

The button (a Leaflet control at the top left, under the zoom buttons) calls
the browser's print dialog for the map's own page (the app's map frame), where
"Save as PDF" is also offered. The print style hides the map's buttons and the
layer list and keeps the legend panel unfolded, so the paper shows what the
reader sees. No library: it is the browser's own printing.
"""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template

from equimap.maps.base import script_json

_PRINT_CSS = """
@media print {
  .leaflet-control-zoom, .leaflet-control-layers, .eqm-print, .eqm-legends-toggle { display: none !important; }
  .eqm-legends.eqm-folded .eqm-legends-body { display: block !important; }
  .eqm-legends-body { max-height: none !important; overflow: visible !important; }
  @page { margin: 10mm; }
}
.eqm-print a { display: flex; align-items: center; justify-content: center; cursor: pointer; }
"""
#: A printer drawn in SVG (no icon font: fonts would be fetched from a CDN or missing).
_ICON_SVG = (
    '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="#333" stroke-width="1.4">'
    '<path d="M4.5 6V1.5h7V6"/><rect x="1.5" y="6" width="13" height="6" rx="1"/><path d="M4.5 10h7v4.5h-7z"/></svg>'
)


class PrintControl(MacroElement):
    """Add a print button to the map (see the module docstring).

    Parameters
    ----------
    label
        The button's tooltip and accessible name, translated ("Print the map").
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var control = L.control({position: 'topleft'});
            control.onAdd = function() {
                var box = L.DomUtil.create('div', 'leaflet-bar eqm-print');
                var a = L.DomUtil.create('a', '', box);
                a.href = '#';
                a.setAttribute('role', 'button');
                a.title = {{ this.label_json }};
                a.setAttribute('aria-label', {{ this.label_json }});
                a.innerHTML = {{ this.icon_json }};
                L.DomEvent.disableClickPropagation(box);
                L.DomEvent.on(a, 'click', function(e) { L.DomEvent.preventDefault(e); window.print(); });
                return box;
            };
            control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, label: str):
        super().__init__()
        self._name = "PrintControl"
        self.label_json = script_json(label)
        self.css = _PRINT_CSS
        self.icon_json = script_json(_ICON_SVG)
