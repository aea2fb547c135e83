"""Write the per-cell access table of one analysis (the ``access`` command), protected against small counts.

The table is :func:`equimap.indicators.groups.cell_summary` with its counts rounded to whole
residents and protected exactly like the cells of a report bundle
(:func:`equimap.protect.tables.round_counts` and :func:`equimap.protect.tables.protect_areas`,
with the region's group dimensions as additive groups and each ``beyond_<col>`` as a
subset of ``<col>``). The protection notice opens every file: the first line of a
CSV, the ``README`` table and layer description of a GeoPackage, and the
``equimap_notice`` item of a Parquet file's metadata (Parquet has no first line).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from equimap._errors import DataError
from equimap.indicators.groups import cell_summary
from equimap.network.prepare import Prepared
from equimap.protect.suppression import DEFAULT_THRESHOLD, SuppressionResult, protection_header
from equimap.protect.tables import protect_areas, round_counts
from equimap.region.census import unknown_column
from equimap.report.formats import to_csv, to_gpkg

log = logging.getLogger(__name__)

#: Output suffixes :func:`write_access` knows.
SUFFIXES = (".csv", ".gpkg", ".parquet")
#: Layer name of the GeoPackage, and key of the notice in a Parquet file's metadata.
LAYER = "access"
PARQUET_NOTICE_KEY = "equimap_notice"


def protected_cells(
    prep: Prepared, access: pd.DataFrame, *, threshold_s: float, threshold: int = DEFAULT_THRESHOLD
) -> SuppressionResult:
    """Return the per-cell access table of one analysis, in whole residents, with small counts hidden.

    Parameters
    ----------
    prep
        The prepared region: ``origins`` (with ``cell_id`` and the count columns) and
        the region's group dimensions.
    access
        ``Prepared.access`` of the analysis, indexed like ``prep.origins``.
    threshold_s
        Time beyond which residents are counted in ``beyond_<col>`` (seconds).
    threshold
        Counts ``0 < v < threshold`` are hidden with every value that would reveal
        them; 0 turns protection off.

    Returns
    -------
    SuppressionResult
        Its ``table`` is indexed by ``cell_id`` with the columns of
        :func:`equimap.indicators.groups.cell_summary`; ``share_beyond`` is recomputed from the
        rounded counts.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 0:
        msg = f"`threshold` is {threshold!r}; give 0 (protection off) or a positive whole number."
        raise DataError(msg)
    region = prep.region
    total = region.total_col
    sets = {g.key: [*g.columns, unknown_column(g.key)] for g in region.groups}
    cells = cell_summary(prep.origins, access, count_columns=prep.count_columns, threshold_s=threshold_s)
    cells = round_counts(cells, total, sets, [""])
    cells["share_beyond"] = (cells[f"beyond_{total}"] / cells[total]).where(cells[total] > 0)
    return protect_areas(cells, total=total, sets=sets, prefixes=[""], threshold=int(threshold))


def write_access(
    prep: Prepared,
    access: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    threshold_s: float,
    threshold: int = DEFAULT_THRESHOLD,
    lang: str = "en",
) -> tuple[Path, SuppressionResult]:
    """Write :func:`protected_cells` to a CSV, GeoPackage (cell squares, region CRS) or Parquet file.

    Returns
    -------
    (pathlib.Path, SuppressionResult)
        The file written and what was hidden.

    Raises
    ------
    DataError
        When `path` has another suffix than those of :data:`SUFFIXES`, its folder does
        not exist, or `threshold` is not a whole number 0 or more.
    """
    path = Path(path)
    problems = []
    if path.suffix.lower() not in SUFFIXES:
        problems.append(f"output `{path.name}` must end in {', '.join(SUFFIXES[:-1])} or {SUFFIXES[-1]}")
    if not path.parent.is_dir():
        problems.append(f"folder `{path.parent}` does not exist; create it or write elsewhere")
    if problems:
        msg = "; ".join(problems) + "."
        raise DataError(msg[0].upper() + msg[1:])
    result = protected_cells(prep, access, threshold_s=threshold_s, threshold=threshold)
    notice = str(protection_header(result, lang=lang)["text"])
    if not result.protected:
        log.warning("writing %s WITHOUT small-count protection; do not publish it", path.name)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return to_csv(result.table, path, notice=notice), result
    if suffix == ".gpkg":
        squares = prep.population[["geometry"]]
        layer = gpd.GeoDataFrame(result.table.join(squares), geometry="geometry", crs=prep.population.crs)
        return to_gpkg({LAYER: layer}, path, notice=notice), result
    table = pa.Table.from_pandas(result.table.reset_index(), preserve_index=False)
    meta = {**(table.schema.metadata or {}), PARQUET_NOTICE_KEY.encode(): notice.encode("utf-8")}
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path, result
