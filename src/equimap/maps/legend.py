"""Legends that follow their layer, and the class breaks that colour the choropleths.

A `Legend` is added as a child of a layer (a ``folium.FeatureGroup``): it is
shown, in the map's one foldable legend panel, while the layer is on the map
and taken out when the layer is switched off in the layer control. The HTML is
built here from already-translated text.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from branca.element import MacroElement
from jinja2 import Template

from equimap.maps.base import script_json

#: Below this map width (px) the legend panel starts folded (phones).
NARROW_PX = 600


class Legend(MacroElement):
    """A legend holding `html`, shown in the map's one legend panel while its parent layer is on the map.

    Every legend of a map goes into the same panel (a Leaflet control at
    `position`, made by the first legend shown): a button with the panel's
    title (``map.eqmLegendTitle``, set by `equimap.maps.base.base_map`) folds
    and unfolds it, and its body scrolls rather than running past the map. On a
    narrow map (a phone) the panel starts folded.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var layer = {{ this._parent.get_name() }};
            var div = L.DomUtil.create('div', 'eqm-legend');
            div.setAttribute('data-layer', {{ this.layer_name|tojson }});
            div.innerHTML = {{ this.html_json }};
            function panel(map) {
                if (!map._eqmLegends) {
                    var control = L.control({position: {{ this.position|tojson }}});
                    control.onAdd = function() {
                        var box = L.DomUtil.create('div', 'eqm-legends');
                        var head = L.DomUtil.create('button', 'eqm-legends-toggle', box);
                        head.type = 'button';
                        head.textContent = map.eqmLegendTitle || 'Legend';
                        var body = L.DomUtil.create('div', 'eqm-legends-body', box);
                        L.DomEvent.disableClickPropagation(box);
                        L.DomEvent.disableScrollPropagation(box);
                        function fold(folded) {
                            box.classList.toggle('eqm-folded', folded);
                            head.setAttribute('aria-expanded', String(!folded));
                        }
                        L.DomEvent.on(head, 'click', function() { fold(!box.classList.contains('eqm-folded')); });
                        fold(map.getContainer().clientWidth < {{ this.narrow_px }});
                        control.body = body;
                        control.box = box;
                        return box;
                    };
                    control.addTo(map);
                    map._eqmLegends = control;
                }
                return map._eqmLegends;
            }
            function refresh(p) { p.box.classList.toggle('eqm-empty', p.body.children.length === 0); }
            function show() {
                if (!layer._map) { return; }
                var p = panel(layer._map);
                p.body.appendChild(div);
                refresh(p);
            }
            var owner = null;
            layer.on('add', function() { owner = layer._map; show(); });
            layer.on('remove', function() {
                if (div.parentNode) { div.parentNode.removeChild(div); }
                if (owner && owner._eqmLegends) { refresh(owner._eqmLegends); }
            });
            if (layer._map) { owner = layer._map; show(); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, *, layer_name: str = "", position: str = "bottomleft"):
        super().__init__()
        self._name = "Legend"
        self.html = html_text
        self.html_json = script_json(html_text)
        self.layer_name = layer_name
        self.position = position
        self.narrow_px = NARROW_PX


def legend_html(
    title: str,
    entries: Sequence[tuple[str, str]],
    *,
    note: str | None = None,
    shape: str = "box",
) -> str:
    """Return the HTML of a legend: a title, one swatch and label per entry, an optional note.

    Parameters
    ----------
    title
        Title with the unit, e.g. ``"Travel time to the nearest pharmacy (min)"``.
    entries
        ``(colour, label)`` pairs, in order.
    note
        A last line in small print (e.g. what is not drawn).
    shape
        ``"box"`` (areas), ``"circle"`` (points) or ``"line"`` (boundaries).
    """
    cls = {"box": "eqm-swatch", "circle": "eqm-swatch eqm-circle", "line": "eqm-swatch eqm-line"}[shape]
    rows = []
    for colour, label in entries:
        style = f"border-top-color:{colour}" if shape == "line" else f"background:{colour}"
        rows.append(
            f'<div class="eqm-row"><span class="{cls}" style="{html.escape(style)}"></span>'
            f"<span>{html.escape(label)}</span></div>"
        )
    parts = [f'<div class="eqm-title">{html.escape(title)}</div>', *rows]
    if note:
        parts.append(f'<div class="eqm-note">{html.escape(note)}</div>')
    return "".join(parts)


def range_labels(
    breaks: Sequence[float],
    fmt: Callable[[float], str],
    *,
    unit: str = "",
    low: float | None = 0,
    more: str = "{lo}+",
) -> list[str]:
    """Return one label per class of `classify`: ``"0–5"``, ``"5–10"``, ..., ``"30+"``, with the unit.

    Parameters
    ----------
    breaks
        The class breaks.
    fmt
        Formats a number in the reader's language (e.g. ``lambda v: fmt_num(v, "fr")``).
    unit
        Appended after a space (``"min"``); empty for none.
    low
        Lower end of the first class; None writes the first class as ``"≤ b0"``.
    more
        Template of the last class, with ``{lo}`` the last break.
    """
    suffix = f" {unit}" if unit else ""
    labels = []
    lo = low
    for b in breaks:
        labels.append(f"≤ {fmt(b)}{suffix}" if lo is None else f"{fmt(lo)}–{fmt(b)}{suffix}")
        lo = b
    labels.append(more.format(lo=fmt(breaks[-1])) + suffix)
    return labels
