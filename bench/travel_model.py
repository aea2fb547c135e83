"""What ferries and edge snapping change on Malta (issue 10, items 3 and 4), and what edge snapping costs.

Measures, in one run on the prepared Malta region (default settings: ferries on):
1. edge snapping against node snapping (the rule before issue 10), for drive to
   ``hospital_official`` and walk to ``health``: median and 90th percentile of the
   change in the time to the nearest service over resident locations (weighted by
   residents), and the share of residents beyond 5 and 15 minutes under each rule;
   also the time of one `Prepared.access` computation under each rule (the ratio
   edge / node is the cost of splitting the edges);
2. ferries: for Gozo's residents, how many reach 3 hospitals and their mean time to
   the 3 nearest, with the ferry edges and with them removed (removing them from the
   prepared network is what ``--no-ferries`` builds: berth nodes are appended and
   touch nothing else).

Run: ``python -m bench.travel_model``.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd
import shapely

from equimap.network.ferries import without_ferries
from equimap.network.indicators import access_table
from equimap.network.prepare import Prepared, land_layer, prepare_region


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, q * cum[-1])])


def _fresh_access(prep: Prepared, mode: str, category: str) -> tuple[pd.DataFrame, float]:
    """Compute the access table without reading or writing the cache; return it and the seconds it took."""
    svc = prep.services_for(category)
    t0 = time.perf_counter()
    net, o_node, o_t, s_node, s_t = prep.routing_inputs(mode, svc)
    out = access_table(
        net,
        o_node,
        s_node,
        origin_time_s=o_t,
        service_time_s=s_t,
        service_ids=svc["service_id"].to_numpy(),
        index=prep.origins.index,
    )
    return out, time.perf_counter() - t0


def snapping(prep: Prepared) -> pd.DataFrame:
    """Return the edge-versus-node comparison table (one row per mode and category)."""
    node_prep = dataclasses.replace(prep, travel=dataclasses.replace(prep.travel, snap="node"), _memo={})
    edge_prep = dataclasses.replace(prep, travel=dataclasses.replace(prep.travel, snap="edge"), _memo={})
    pop = prep.origins["T"].to_numpy(float)
    rows = []
    for mode, category in (("drive", "hospital_official"), ("walk", "health")):
        _fresh_access(node_prep, mode, category)  # compile the kernels once
        before, t_node = _fresh_access(node_prep, mode, category)
        after, t_edge = _fresh_access(edge_prep, mode, category)
        b, a = before["time_nearest_s"].to_numpy(), after["time_nearest_s"].to_numpy()
        both = np.isfinite(a) & np.isfinite(b) & (pop > 0)
        d = (a[both] - b[both]) / 60
        row = {
            "mode": mode,
            "category": category,
            "median_change_min": _weighted_quantile(d, pop[both], 0.5),
            "p90_change_min": _weighted_quantile(d, pop[both], 0.9),
            "p10_change_min": _weighted_quantile(d, pop[both], 0.1),
            "s_node": t_node,
            "s_edge": t_edge,
            "ratio_edge_node": t_edge / t_node,
        }
        for minutes in (5, 15):
            row[f"beyond_{minutes}_node"] = pop[~(b <= minutes * 60)].sum() / pop.sum()
            row[f"beyond_{minutes}_edge"] = pop[~(a <= minutes * 60)].sum() / pop.sum()
        rows.append(row)
    return pd.DataFrame(rows)


def ferries(prep: Prepared) -> pd.DataFrame:
    """Return Gozo's hospital AN3 (drive) with and without the ferry edges."""
    land = land_layer(prep.region)
    gozo = land.iloc[int(np.argsort(-land.area.to_numpy())[1])]
    o = prep.origins
    on_gozo = shapely.contains_xy(gozo, o["x"].to_numpy(), o["y"].to_numpy()) & (o["node"] >= 0)
    pop = o["T"].to_numpy(float)
    rows = []
    for label, p in (
        ("ferries", prep),
        (
            "no ferries",
            dataclasses.replace(
                prep, networks={**prep.networks, "drive": without_ferries(prep.networks["drive"])}, _memo={}
            ),
        ),
    ):
        acc, _ = _fresh_access(p, "drive", "hospital_official")
        g = acc[on_gozo]
        w = pop[on_gozo]
        rows.append(
            {
                "networks": label,
                "gozo_residents": w.sum(),
                "share_reaching_3": w[(g["n_reached_k"] == 3).to_numpy()].sum() / w.sum(),
                "mean_an3_min": float(np.average(g["time_mean3_s"], weights=w) / 60),
                "mean_nearest_min": float(np.average(g["time_nearest_s"], weights=w) / 60),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    """Print both tables."""
    prep = prepare_region("malta")
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.precision", 3):
        print(snapping(prep).to_string(index=False))
        print()
        print(ferries(prep).to_string(index=False))


if __name__ == "__main__":
    main()
