"""A legend box on the map: one titled list of colour swatches per layer."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from branca.element import MacroElement
from jinja2 import Template


@dataclass(frozen=True)
class LegendSection:
    """One layer's legend: a title with its unit, and (colour, label) rows."""

    title: str
    rows: tuple[tuple[str, str], ...]


def legend_html(sections: Sequence[LegendSection]) -> str:
    """Return the legend as HTML (also used by the app beside the map)."""
    parts = []
    for s in sections:
        rows = "".join(
            f'<div class="eq-row"><span class="eq-swatch" style="background:{html.escape(c)}"></span>'
            f"{html.escape(label)}</div>"
            for c, label in s.rows
        )
        parts.append(f'<div class="eq-section"><b>{html.escape(s.title)}</b>{rows}</div>')
    return "".join(parts)


class Legend(MacroElement):
    """A Leaflet control at the bottom left holding the legend sections."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function() {
                var div = L.DomUtil.create("div", "eq-legend");
                div.innerHTML = {{ this.html|tojson }};
                div.style.cssText = "background:rgba(255,255,255,0.92);padding:6px 8px;font:12px sans-serif;" +
                    "max-height:320px;overflow-y:auto;border-radius:4px;box-shadow:0 0 4px #888;";
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
            var st = document.createElement("style");
            st.textContent = ".eq-section{margin-bottom:4px}.eq-row{line-height:16px}" +
                ".eq-swatch{display:inline-block;width:14px;height:10px;margin-right:5px;border:1px solid #666}";
            document.head.appendChild(st);
        })();
        {% endmacro %}"""
    )

    def __init__(self, sections: Sequence[LegendSection]) -> None:
        super().__init__()
        self._name = "Legend"
        self.html = legend_html(sections)
