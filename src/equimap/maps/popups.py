"""Popups of places: the figures of a cell or council, stored once and shared by every layer.

Several layers draw the same cells (access, gaps, residents...). Instead of
repeating each cell's popup in every layer, a `PopupStore` publishes, once,
the layout of the popups of one kind of place (section titles and row labels)
and each place's title and formatted values, in ``window.eqmPopups[<store>]``;
each layer binds a popup that builds the table of its feature from there
(`bind_popups`), with text nodes only (nothing is parsed as HTML). The
feature's path also gets the CSS classes ``eqm-place eqm-<store>-<id>``, the
popup a ``data-id`` attribute with the place id, and each row a ``data-k``
attribute with its figure's key, so a browser test can find a place and read a
figure whatever the language (the reader sees names, not ids).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template

from equimap.maps.base import script_json


class PopupStore(MacroElement):
    """Publish the popup layout of a kind of place and the title and values of each place.

    Parameters
    ----------
    store
        Name of the kind of place (``"cell"``, ``"council"``).
    layout
        Sections in order: ``(title, [(label, key), ...])``; an empty title has no heading row.
    values
        Place id -> ``[title, value, value, ...]``: one formatted value per row of `layout`, in order.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.eqmPopups = window.eqmPopups || {};
        window.eqmPopups[{{ this.store|tojson }}] = {layout: {{ this.layout_json }}, values: {{ this.values_json }}};
        window.eqmBuildPopup = window.eqmBuildPopup || function(store, id) {
            var s = (window.eqmPopups || {})[store];
            var v = s && s.values[id];
            if (!v) { return ''; }
            var root = document.createElement('div');
            root.className = 'eqm-popup';
            root.setAttribute('data-id', id);
            var head = document.createElement('div');
            head.className = 'eqm-head';
            head.textContent = v[0];
            root.appendChild(head);
            var table = document.createElement('table');
            var k = 1;
            s.layout.forEach(function(section) {
                if (section[0]) {
                    var tr = table.insertRow();
                    var td = tr.insertCell();
                    td.colSpan = 2;
                    td.className = 'eqm-section';
                    td.textContent = section[0];
                }
                section[1].forEach(function(row) {
                    var tr = table.insertRow();
                    tr.setAttribute('data-k', row[1]);
                    var th = document.createElement('th');
                    th.textContent = row[0];
                    tr.appendChild(th);
                    tr.insertCell().textContent = v[k];
                    k += 1;
                });
            });
            root.appendChild(table);
            return root;
        };
        {% endmacro %}
        """
    )

    def __init__(
        self,
        store: str,
        layout: Sequence[tuple[str, Sequence[tuple[str, str]]]],
        values: Mapping[object, Sequence[str]],
    ):
        super().__init__()
        n_rows = sum(len(rows) for _, rows in layout)
        bad = [k for k, v in values.items() if len(v) != n_rows + 1]
        if bad:
            msg = f"Places {bad[:3]} do not have a title and {n_rows} values; give one value per row of `layout`."
            raise ValueError(msg)
        self._name = "PopupStore"
        self.store = store
        self.layout = [[head, [list(r) for r in rows]] for head, rows in layout]
        self.values = {str(k): [str(x) for x in v] for k, v in values.items()}
        self.layout_json = script_json(self.layout)
        self.values_json = script_json(self.values)


def css_id(value: object) -> str:
    """Return `value` as a string safe in a CSS class name (letters, digits, ``-`` and ``_``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(value))


def bind_popups(store: str, *, id_property: str = "id", max_width: int = 340, max_height: int = 380) -> JsCode:
    """Return the ``on_each_feature`` code that tags each path and binds the popup of its place.

    Parameters
    ----------
    store
        Name of the `PopupStore` of the places.
    id_property
        Feature property holding the place id (the store's key).
    max_width, max_height
        Largest popup, in pixels (taller popups scroll). Popups pan the map
        to stay clear of the layer control at the top right.
    """
    return JsCode(
        f"""function(feature, layer) {{
            var id = String(feature.properties[{json.dumps(id_property)}]);
            layer.options.className = 'eqm-place eqm-{store}-' + id.replace(/[^A-Za-z0-9_-]/g, '_');
            layer.bindPopup(function() {{ return window.eqmBuildPopup({json.dumps(store)}, id); }},
                            {{maxWidth: {int(max_width)}, maxHeight: {int(max_height)},
                              autoPanPaddingTopLeft: [20, 20], autoPanPaddingBottomRight: [280, 20]}});
        }}"""
    )
