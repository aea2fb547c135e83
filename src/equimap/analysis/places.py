"""Places that gather origins, and the bivariate classes of places.

A *place* is a polygon that gathers origins: the census cell an origin was placed
in, or the council whose polygon holds the origin's point (:func:`origin_places`,
the one rule for points on a border). The figures of each place are computed once,
in :mod:`equimap.analysis.tables`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from equimap._validate import _fail
from equimap.analysis.claims import underserved
from equimap.indicators.diversity import bivariate_classes


def origin_places(origins: pd.DataFrame, places: gpd.GeoDataFrame) -> pd.Series:
    """Return the place (index of `places`) whose polygon holds each origin's point.

    Parameters
    ----------
    origins
        Index ``origin``; ``x`` and ``y`` in the CRS of `places`.
    places
        Polygons with a unique index. An origin on a shared border goes to the
        first of its places in `places`' order.

    Returns
    -------
    pandas.Series
        Indexed like `origins`: the place id, or ``<NA>``/NaN for an origin outside every place.
    """
    missing = [c for c in ("x", "y") if c not in origins.columns]
    if missing:
        _fail([f"`origins` has no column {missing}; pass the origins table (point coordinates `x`, `y`)"])
    pts = shapely.points(origins["x"].to_numpy(float), origins["y"].to_numpy(float))
    i_pt, i_place = places.sindex.query(pts, predicate="intersects")
    pos = np.full(len(origins), -1, dtype=np.intp)
    order = np.lexsort((i_place, i_pt))
    first_pt, first = np.unique(i_pt[order], return_index=True)
    pos[first_pt] = i_place[order][first]
    ids = pd.Series(places.index.to_numpy(), dtype=places.index.dtype)
    out = ids.reindex(np.where(pos >= 0, pos, -1)).set_axis(origins.index)
    return out.rename(places.index.name or "place")


def diverse_underserved(figures: pd.DataFrame, *, n: int = 3, total_col: str = "T") -> pd.DataFrame:
    """Return the bivariate classes of places by Simpson diversity and travel time to the nearest service.

    Both are cut at population-weighted quantiles (terciles for ``n=3``: each
    class holds about a third of the residents), see
    `equimap.indicators.diversity.bivariate_classes`. A place with residents but no reachable
    service counts as the longest time. The access class is relative: class `n` holds the
    places with the least access *of the region's places*, however short their times.
    A place is called diverse and underserved only when it is in the most diverse class,
    in the least-access class **and** underserved in absolute terms: at least
    :data:`~equimap.analysis.claims.UNDERSERVED_MIN_SHARE` of its residents live beyond the
    threshold (:func:`equimap.analysis.claims.underserved`). When nobody is beyond the
    threshold, no place is flagged.

    Parameters
    ----------
    figures
        Figures per place (:meth:`equimap.analysis.core.Analysis.cells`): ``simpson``, ``time_nearest_min``,
        ``share_beyond`` (0..1; NaN when hidden or without residents) and `total_col`.
    n
        Number of classes per variable.
    total_col
        Column of residents used as weights.

    Returns
    -------
    pandas.DataFrame
        Indexed like `figures`: ``diversity_class``, ``access_class`` (1..n,
        ``<NA>`` without residents) and ``diverse_underserved`` (most diverse
        class, least-access class and underserved).
    """
    missing = [c for c in ("simpson", "time_nearest_min", "share_beyond", total_col) if c not in figures.columns]
    if missing:
        _fail([f"`figures` has no column {missing}; pass the cells of an analysis (`Analysis.cells`)"])
    pop = figures[total_col].astype(float)
    time_min = figures["time_nearest_min"].astype(float)
    time_s = (time_min * 60).where(time_min.notna() | (pop <= 0), np.inf)
    out = bivariate_classes(figures["simpson"].astype(float), time_s, n=n, pop=pop)
    absolute = underserved(figures["share_beyond"], out["access_class"], n=n)
    out["diverse_underserved"] = out["diverse_underserved"].to_numpy(bool) & absolute.to_numpy(bool)
    return out
