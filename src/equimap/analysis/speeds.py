"""Walking speeds by age group, and how firm the headline figures are when speeds change.

**Age groups.** With a speed profile's ``age_speeds = true``, the residents of an age group
(a group dimension whose columns the region manifest gives ``ages``, e.g.
``ages = { Y_GE65 = [65, 120] }``) walk at the profile's speed for their age band. Their
walking time is computed with every moving part of the trip (network edges and the walk
between a point and its node) slowed by the factor ``group speed / reference speed`` and the
node delays (signals, crossings) unchanged (`equimap.network.prepare.Prepared.times_at`).
Without delays this is exactly the reference time × (reference speed / group speed). The
groups table (each age group's times, residents beyond and gap with the reference group)
uses each age group's own times; every other figure (all residents, the other dimensions,
the cells, councils, maps and outreach) uses the reference speed, so that their counts
keep adding up and are protected as the small-count rules expect. Only walking uses them: the walk to and from a car is short and is left
at the reference speed.

**Sensitivity.** `sensitivity_table` gives each question's share of residents beyond the
threshold with every speed of the profile times 0.8 and 1.2 (delays unchanged), by the
same rule, so a reader knows how firm each figure is.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap.analysis.question import Question
from equimap.network.prepare import Prepared
from equimap.settings import Mode

#: Speed factors of the report's sensitivity: every speed -20 % and +20 %.
SENSITIVITY_FACTORS: tuple[float, ...] = (0.8, 1.2)


def age_speed_factors(prep: Prepared, mode: Mode) -> dict[str, float]:
    """Return, per population column with an age band, its walking speed / the reference speed.

    Empty unless `mode` is ``"walk"`` and the profile's ``age_speeds`` is on.
    """
    profile = prep.travel.profile
    if mode != "walk" or not profile.age_speeds:
        return {}
    out = {}
    for dim in prep.region.groups:
        for col, (lo, hi) in dim.ages.items():
            out[col] = profile.age_speed_kmh(lo, hi) / profile.walk_speed_kmh
    return out


def group_times(
    prep: Prepared,
    mode: Mode,
    category: str,
    *,
    columns: Sequence[str] | None = None,
    services: gpd.GeoDataFrame | None = None,
) -> dict[str, pd.Series]:
    """Return the own ``time_nearest_s`` of each age group walking slower or faster than the reference.

    Keys are population columns (of `columns` when given); a group at the reference speed is
    left out (it uses the ordinary times). Empty when age speeds do not apply.
    """
    out = {}
    for col, f in age_speed_factors(prep, mode).items():
        if (columns is not None and col not in columns) or f == 1.0:
            continue
        out[col] = prep.times_at(mode, category, speed_factor=f, services=services)["time_nearest_s"]
    return out


#: Prefix of the access-table columns holding an age group's own time to the nearest service.
OWN_TIME_PREFIX = "time_nearest_s@"


def with_group_times(
    prep: Prepared, mode: Mode, category: str, access: pd.DataFrame, *, services: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Return `access` with a column ``time_nearest_s@<col>`` per age group walking at its own speed.

    The analysis layer adds them once per question (`Analysis`, `build_bundle`), so the groups
    table, its gaps and the cells read the same times. `access` itself is not changed.
    """
    own = group_times(prep, mode, category, services=services)
    if not own:
        return access
    return access.assign(**{f"{OWN_TIME_PREFIX}{c}": t.to_numpy() for c, t in own.items()})


def own_times(access: pd.DataFrame, columns: Sequence[str] | None = None) -> dict[str, pd.Series]:
    """Return the age groups' own times held by an access table (`with_group_times`), by population column."""
    out = {}
    for c in access.columns:
        if isinstance(c, str) and c.startswith(OWN_TIME_PREFIX):
            col = c[len(OWN_TIME_PREFIX) :]
            if columns is None or col in columns:
                out[col] = access[c]
    return out


def speeds_used(prep: Prepared, mode: Mode) -> dict[str, float]:
    """Return the walking speed (km/h) of every group with an age band, when age speeds apply (else empty)."""
    profile = prep.travel.profile
    return {col: f * profile.walk_speed_kmh for col, f in age_speed_factors(prep, mode).items()}


def sensitivity_table(
    prep: Prepared,
    questions: Sequence[Question],
    *,
    factors: Sequence[float] = SENSITIVITY_FACTORS,
    services: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Return each question's share of all residents beyond its threshold at the base speeds and at each factor.

    Columns: ``analysis``, ``mode``, ``category``, ``threshold_min``, ``share_beyond`` (base),
    then ``share_beyond_x<100 x factor>`` per factor (``share_beyond_x80``) and ``change_pp_x<100 x factor>`` (percentage points
    against the base). Shares are of all residents (the census total), unreachable residents
    counting as beyond, as in the groups table's first row.
    """
    total = prep.origins[prep.region.total_col].to_numpy(float)
    pop = total.sum()
    rows = []
    for q in questions:
        row: dict[str, object] = {
            "analysis": q.key,
            "mode": q.mode,
            "category": q.category,
            "threshold_min": q.threshold_min,
        }
        base = prep.access(q.mode, q.category, services=services)["time_nearest_s"].to_numpy(float)
        row["share_beyond"] = float(total[~(base <= q.threshold_s)].sum() / pop) if pop > 0 else np.nan
        for f in factors:
            t = prep.times_at(q.mode, q.category, speed_factor=f, services=services)["time_nearest_s"].to_numpy(float)
            share = float(total[~(t <= q.threshold_s)].sum() / pop) if pop > 0 else np.nan
            row[f"share_beyond_x{round(f * 100)}"] = share
            row[f"change_pp_x{round(f * 100)}"] = 100.0 * (share - row["share_beyond"])  # type: ignore[operator]
        rows.append(row)
    return pd.DataFrame(rows)
