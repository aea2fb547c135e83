"""A standalone HTML map of a bundle that opens offline from a file.

The page inlines Leaflet's JavaScript and CSS (read from ``static/vendor/leaflet``
when the map is made, with the CSS's images as ``data:`` URIs) and the bundle's
layers as GeoJSON, so opening it makes no network request: no tiles, no CDN, no
fonts. It shows one thematic layer at a time (the maps of :mod:`equimap.report.staticmap`,
with the same classes and colours), the councils and the services, a legend, the
data credits, and the protection notice in the first line and at the top.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from equimap import settings
from equimap._errors import DataError
from equimap.analysis.bundle import Bundle
from equimap.i18n import number_style, t
from equimap.report.labels import analysis_title, attribution_lines, category_label, region_name
from equimap.report.staticmap import land_cells, map_specs

#: Where ``make vendor`` puts Leaflet.
LEAFLET_DIR = settings.VENDOR_DIR / "leaflet"
#: Coordinates are written with this many decimals of a degree (about 1 m).
DECIMALS = 5
_SIMPLIFY_M = 10.0


def html_map(bundle: Bundle, *, lang: str = "en", leaflet_dir: Path | None = None) -> str:
    """Return the standalone HTML page of `bundle`'s map in `lang`."""
    js, css = _leaflet(leaflet_dir or LEAFLET_DIR)
    specs = map_specs(bundle, lang=lang)
    cells = land_cells(bundle)
    table = bundle.tables["cells"]
    total = bundle.count_columns[0]
    props = pd.DataFrame({"id": table.index.astype(str), "T": table[total]}, index=table.index)
    for i, spec in enumerate(specs):
        props[f"c{i}"] = spec.classes.reindex(table.index).fillna(-1).astype(int)
    for j, a in enumerate(bundle.analyses):
        props[f"t{j}"] = table[a.col("time_nearest_min")].round(1)
        props[f"b{j}"] = table[a.col(f"beyond_{total}")]
        props[f"s{j}"] = table[a.col("share_beyond")].round(3)
    data = {
        "cells": _features(cells, props),
        "land": _features(bundle.land.geometry, None, simplify=True) if bundle.land is not None else None,
        "councils": _council_features(bundle),
        "services": _service_features(bundle),
        "outreach": _outreach_features(bundle, cells),
    }
    layers = [
        {
            "title": html.escape(s.title),
            "legend": html.escape(s.legend_title),
            "prop": f"c{i}",
            "styles": [{"label": html.escape(st.label), "colour": st.colour} for st in s.styles],
        }
        for i, s in enumerate(specs)
    ]
    words = {
        k: t(f"html.{k}", lang)
        for k in ("layers", "overlays", "residents", "time", "beyond", "share", "cell", "council")
    }
    words["hidden"] = t("html.hidden", lang)
    words["councils"] = t("map.councils", lang)
    words["analyses"] = [analysis_title(bundle, a, lang) for a in bundle.analyses]
    words["services"] = {
        cat: t("layer.services", lang, category=category_label(bundle, cat, lang))
        for cat in dict.fromkeys(a.category for a in bundle.analyses)
    }
    words["outreach"] = [html.escape(t("html.outreach", lang, analysis=title)) for title in words["analyses"]]
    words["rank"] = t("html.rank", lang)
    words["number"] = number_style(lang)
    notice = bundle.notice(lang)
    title = t("html.title", lang, region=region_name(bundle, lang))
    config = {
        "data": data,
        "layers": layers,
        "words": words,
        "attribution": [html.escape(line) for line in attribution_lines(bundle, lang)],
        "protected": bundle.protected,
    }
    return _PAGE.format(
        comment=notice.replace("--", "\u2010\u2010"),
        lang=lang,
        title=html.escape(title),
        notice=html.escape(notice),
        notice_class="notice" if bundle.protected else "notice warning",
        css=css,
        js=js,
        config=_script_json(config),
        app=_APP_JS,
    )


def write_html(bundle: Bundle, path: str | os.PathLike[str], *, lang: str = "en") -> Path:
    """Write :func:`html_map` to `path` (UTF-8) and return it."""
    path = Path(path)
    path.write_text(html_map(bundle, lang=lang), encoding="utf-8")
    return path


# --- pieces ------------------------------------------------------------------------------------


def _leaflet(folder: Path) -> tuple[str, str]:
    """Return Leaflet's JS and CSS, with the CSS's images inlined as data URIs."""
    js_path, css_path = folder / "leaflet.js", folder / "leaflet.css"
    if not (js_path.exists() and css_path.exists()):
        msg = f"Leaflet is missing from `{folder}`; run `make vendor` to fetch the map assets."
        raise DataError(msg)
    css = css_path.read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        img = folder / match.group(1)
        if not img.exists():
            return "url(data:,)"
        return f"url(data:image/png;base64,{base64.b64encode(img.read_bytes()).decode('ascii')})"

    css = re.sub(r"url\((images/[^)]+)\)", inline, css)
    return js_path.read_text(encoding="utf-8"), css


def _features(geoms: gpd.GeoSeries, props: pd.DataFrame | None, *, simplify: bool = False) -> dict:
    """Return a GeoJSON FeatureCollection in EPSG:4326 with rounded coordinates."""
    g = geoms.simplify(_SIMPLIFY_M) if simplify else geoms
    g = g.to_crs("EPSG:4326")
    arr = shapely.set_precision(shapely.transform(np.asarray(g.array), lambda c: np.round(c, DECIMALS)), 0)
    feats = []
    records = _records(props) if props is not None else [{}] * len(arr)
    for geom, rec in zip(arr, records, strict=True):
        if geom is None or geom.is_empty:
            continue
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": rec})
    return {"type": "FeatureCollection", "features": feats}


def _records(frame: pd.DataFrame) -> list[dict]:
    """Return plain JSON records: NaN becomes null, numpy numbers become Python numbers."""
    out = []
    for row in frame.itertuples(index=False, name=None):
        rec = {}
        for k, v in zip(frame.columns, row, strict=True):
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and not np.isfinite(v):
                v = None
            rec[k] = v
        out.append(rec)
    return out


def _council_features(bundle: Bundle) -> dict | None:
    councils = bundle.layers.get("councils")
    if councils is None:
        return None
    total = bundle.count_columns[0]
    props = pd.DataFrame(
        {"name": councils["name"].astype(str).map(html.escape), "T": councils[total]}, index=councils.index
    )
    for j, a in enumerate(bundle.analyses):
        props[f"t{j}"] = councils[a.col("time_nearest_min")].round(1)
        props[f"b{j}"] = councils[a.col(f"beyond_{total}")]
        props[f"s{j}"] = councils[a.col("share_beyond")].round(3)
    return _features(councils.geometry, props, simplify=True)


def _service_features(bundle: Bundle) -> dict | None:
    svc = bundle.layers.get("services")
    if svc is None:
        return None
    names = svc["name"].fillna("").astype(str).map(html.escape)
    props = pd.DataFrame({"name": names, "sel": svc["selection"].astype(str)}, index=svc.index)
    return _features(svc.geometry, props)


def _outreach_features(bundle: Bundle, cells: gpd.GeoSeries) -> dict | None:
    """Return the outreach targets (cells clipped to land) with analysis position ``j``, rank and residents beyond."""
    t = bundle.tables.get("outreach")
    if t is None or t.empty:
        return None
    total = bundle.count_columns[0]
    position = {a.key: j for j, a in enumerate(bundle.analyses)}
    props = pd.DataFrame(
        {
            "j": t["analysis"].map(position).to_numpy(),
            "rank": t["rank"].to_numpy(),
            "id": t["cell_id"].astype(str).to_numpy(),
            "b": t[f"beyond_{total}"].to_numpy(float),
        }
    )
    geoms = gpd.GeoSeries(cells.reindex(t["cell_id"]).to_numpy(), crs=cells.crs)
    return _features(geoms, props)


def _script_json(value: object) -> str:
    """Return JSON safe inside a ``<script>`` element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


_PAGE = """<!-- {comment} -->
<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
</style>
<style>
html, body {{ margin: 0; height: 100%; font-family: "DejaVu Sans", Verdana, sans-serif; }}
body {{ display: flex; flex-direction: column; }}
header {{ padding: 6px 10px; border-bottom: 1px solid #999; }}
header h1 {{ font-size: 16px; margin: 0 0 3px 0; }}
.notice {{ font-size: 12px; margin: 0; }}
.warning {{ color: #a50f15; font-weight: bold; }}
#map {{ flex: 1; background: #dbe6ee; }}
.legend {{ background: #fff; padding: 6px 8px; font-size: 12px; line-height: 18px; border: 1px solid #999; max-width: 240px; }}
.legend b {{ display: block; margin-bottom: 4px; }}
.legend i {{ display: inline-block; width: 16px; height: 12px; margin-right: 6px; vertical-align: middle; border: 1px solid #555; }}
</style>
</head>
<body>
<header><h1>{title}</h1><p class="{notice_class}">{notice}</p></header>
<div id="map"></div>
<script>
{js}
</script>
<script>
const EQUIMAP = {config};
</script>
<script>
{app}
</script>
</body>
</html>
"""

_APP_JS = r"""
(function () {
  const cfg = EQUIMAP, W = cfg.words, D = cfg.data;
  const map = L.map("map", { zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet");
  cfg.attribution.forEach(function (line) { map.attributionControl.addAttribution(line); });
  function fmt(v, digits) {
    if (v === null || v === undefined) return W.hidden;
    const s = Number(v).toLocaleString("en-GB", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return s.replace(/[.,]/g, function (c) { return c === "." ? W.number.decimal : W.number.group; });
  }
  function pct(v) { return v === null || v === undefined ? W.hidden : W.number.percent.replace("{value}", fmt(100 * v, 1)); }
  function rows(p, head) {
    let h = "<b>" + head + "</b><br>" + W.residents + ": " + fmt(p.T, 0);
    W.analyses.forEach(function (title, j) {
      h += "<br><u>" + title + "</u><br>" + W.time + ": " + fmt(p["t" + j], 1) +
        "<br>" + W.beyond + ": " + fmt(p["b" + j], 0) + " (" + pct(p["s" + j]) + ")";
    });
    return h;
  }
  if (D.land) {
    L.geoJSON(D.land, { interactive: false, style: { color: "#666", weight: 1, fillColor: "#ffffff", fillOpacity: 1 } }).addTo(map);
  }
  const bases = {};
  let first = null;
  cfg.layers.forEach(function (def) {
    const layer = L.geoJSON(D.cells, {
      filter: function (f) { return f.properties[def.prop] >= 0; },
      style: function (f) {
        return { color: "#555", weight: 0.3, fillOpacity: 0.85, fillColor: def.styles[f.properties[def.prop]].colour };
      },
      onEachFeature: function (f, l) { l.bindPopup(rows(f.properties, W.cell + " " + f.properties.id)); }
    });
    layer.equimap = def;
    bases[def.title] = layer;
    if (!first) first = layer;
  });
  const overlays = {};
  if (D.councils) {
    const councils = L.geoJSON(D.councils, {
      style: { color: "#111", weight: 1.2, fill: true, fillOpacity: 0 },
      onEachFeature: function (f, l) { l.bindPopup(rows(f.properties, W.council + ": " + f.properties.name)); }
    });
    overlays[W.councils] = councils;
  }
  if (D.services) {
    Object.keys(W.services).forEach(function (sel) {
      const group = L.geoJSON(D.services, {
        filter: function (f) { return f.properties.sel === sel; },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 4, color: "#000", weight: 1, fillColor: "#fff", fillOpacity: 1 });
        },
        onEachFeature: function (f, l) { l.bindPopup(f.properties.name || ""); }
      });
      overlays[W.services[sel]] = group;
    });
  }
  first.addTo(map);
  Object.values(overlays).forEach(function (o) { o.addTo(map); });
  if (D.outreach) {  // listed, not shown until ticked
    W.outreach.forEach(function (title, j) {
      overlays[title] = L.geoJSON(D.outreach, {
        filter: function (f) { return f.properties.j === j; },
        style: { color: "#000", weight: 2.5, dashArray: "5 3", fill: false },
        onEachFeature: function (f, l) {
          l.bindPopup("<b>" + W.rank + " " + f.properties.rank + "</b><br>" + W.cell + " " + f.properties.id +
            "<br>" + W.beyond + ": " + fmt(f.properties.b, 0));
        }
      });
    });
  }
  L.control.layers(bases, overlays, { collapsed: false }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () { this._div = L.DomUtil.create("div", "legend"); return this._div; };
  legend.show = function (def) {
    this._div.innerHTML = "<b>" + def.legend + "</b>" + def.styles.map(function (s) {
      return '<i style="background:' + s.colour + '"></i>' + s.label;
    }).join("<br>");
  };
  legend.addTo(map);
  legend.show(first.equimap);
  map.on("baselayerchange", function (e) { legend.show(e.layer.equimap); });
  map.fitBounds((D.land ? L.geoJSON(D.land) : first).getBounds(), { padding: [10, 10] });
})();
"""
