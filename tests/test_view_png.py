"""The PNG of the Map page follows the map's view: the extent of a view, and the static map drawn to it."""

from __future__ import annotations

import io
import math

import geopandas as gpd
import pytest
import shapely
from PIL import Image

from equimap.analysis.question import Question
from equimap.api import Analysis
from equimap.report.staticmap import map_figure, to_png
from ui.urlstate import view_bounds


def test_view_bounds__by_hand() -> None:
    lon0, lat0, lon1, lat1 = view_bounds((35.9, 14.5, 14), size_px=(1000, 640))
    m_per_px = 156543.03392 * math.cos(math.radians(35.9)) / 2**14  # ≈ 7.74 m at zoom 14
    # metres on the ground across the view, back from degrees on the sphere of Web Mercator
    width_m = math.radians(lon1 - lon0) * 6378137.0 * math.cos(math.radians(35.9))
    height_m = math.radians(lat1 - lat0) * 6378137.0
    assert width_m == pytest.approx(1000 * m_per_px, rel=1e-9)
    assert height_m == pytest.approx(640 * m_per_px, rel=1e-9)
    assert (lon0 + lon1) / 2 == pytest.approx(14.5) and (lat0 + lat1) / 2 == pytest.approx(35.9)


@pytest.mark.malta
def test_static_map_of_a_view_is_a_png_of_that_extent(malta) -> None:
    bundle = Analysis(malta, Question("walk", "pharmacy", 15.0), n_boot=19).bundle()
    key = "access:" + Question("walk", "pharmacy", 15.0).key
    box = gpd.GeoSeries([shapely.box(*view_bounds((35.8989, 14.5146, 14)))], crs="EPSG:4326")
    extent = tuple(box.to_crs(malta.region.crs).total_bounds)
    fig = map_figure(bundle, key, extent=extent)
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    # the axes show the view (equal aspect may widen one side, never narrow it)
    assert x0 <= extent[0] + 1 and x1 >= extent[2] - 1 and y0 <= extent[1] + 1 and y1 >= extent[3] - 1
    assert (x1 - x0) < 20_000  # a few km, not the whole island (about 45 km across)
    view_png = to_png(fig)
    whole_png = to_png(map_figure(bundle, key))
    assert view_png[:8] == b"\x89PNG\r\n\x1a\n"
    a, b = Image.open(io.BytesIO(view_png)).convert("RGB"), Image.open(io.BytesIO(whole_png)).convert("RGB")
    assert a.size == b.size and a.tobytes() != b.tobytes()
