"""Check equimap's driving and walking times against OSRM built on the same OSM extract.

On Malta, draws 1,000 random origin-destination pairs (fixed seed) among the
nodes of each network's main component, routes each pair with equimap (Dijkstra
on ``Prepared.networks[mode]``, `equimap.network.od.pair_times`) and with OSRM
(profiles ``car`` and ``foot``, from the same PBF, through ``bench.osrm_engine``),
and prints, per mode:

- the ratio equimap / OSRM of the times (median, 10th and 90th percentiles) and
  of the route lengths (which no speed model touches);
- the median absolute difference (s) and how often each engine is faster;
- equimap's time on OSRM's own route, when that route exists in equimap's graph:
  it splits a difference into route choice and speed model;
- the 10 largest differences, each with what explains it (snapping, a ferry, a
  street or direction equimap lacks, or the speed model on the same route).

OSRM's data build is timed (it is built once per PBF and engine version under
the cache folder; ``--rebuild`` times a fresh build in a temporary folder).

Run: ``python -m bench.engines`` (``--pairs N``, ``--seed S``); part of ``python -m bench``.
Needs the engine: ``make engine``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import osmium
import pandas as pd
import pyproj

from bench import osrm_engine
from equimap.network.graph import Network
from equimap.network.od import pair_times, path_nodes, path_time_s

#: Relative length difference under which two routes count as the same route.
SAME_ROUTE_TOL = 0.02
#: OSRM placing an end further than this (m) from the node it was given means it snapped to another street.
SNAP_FLAG_M = 25.0


def draw_pairs(net: Network, *, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return `n` random (origin, destination) node pairs, origin != destination, in the main component."""
    rng = np.random.default_rng(seed)
    main = np.flatnonzero(net.component == 0)
    o = rng.choice(main, n)
    d = rng.choice(main, n)
    while (same := o == d).any():
        d[same] = rng.choice(main, int(same.sum()))
    return o, d


def _lonlat(net: Network) -> tuple[np.ndarray, np.ndarray]:
    to_wgs = pyproj.Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    return to_wgs.transform(net.x, net.y)


def _replay(net: Network, index: dict[int, int], osm_nodes: list[int], o: int, d: int) -> tuple[float, float, str]:
    """Return equimap's time and length along OSRM's route, and the first step equimap's graph lacks ('' if none)."""
    seq = [index[n] for n in osm_nodes if n in index]
    seq = [v for i, v in enumerate(seq) if i == 0 or v != seq[i - 1]]
    if o in seq:
        seq = seq[seq.index(o) :]
    if d in seq:
        seq = seq[: len(seq) - seq[::-1].index(d)]
    seq = ([o] if not seq or seq[0] != o else []) + seq + ([d] if not seq or seq[-1] != d else [])
    t, length = path_time_s(net, np.array(seq))
    if np.isfinite(t):
        return t, length, ""
    for a, b in zip(seq[:-1], seq[1:], strict=True):
        if not np.isfinite(path_time_s(net, np.array([a, b]))[0]):
            back = np.isfinite(path_time_s(net, np.array([b, a]))[0])
            what = "the one-way direction equimap forbids" if back else "a link equimap's graph lacks"
            return t, length, f"{what} between OSM nodes {net.osmid[a]} and {net.osmid[b]}"
    return t, length, "a link equimap's graph lacks"


def compare(net: Network, router: osrm_engine.Router, origin: np.ndarray, dest: np.ndarray) -> pd.DataFrame:
    """Route every (origin, dest) node pair with equimap and with OSRM; one row per pair.

    Columns: ``origin``, ``dest`` (node indices), ``eq_time_s``, ``eq_length_m``,
    ``osrm_time_s``, ``osrm_length_m`` (NaN if OSRM finds no route), ``osrm_turn_s``
    (the part of OSRM's time spent on turn and signal costs), ``snap_m`` (the larger
    of OSRM's two snapping distances), ``ferry``, ``eq_on_osrm_s`` / ``eq_on_osrm_m``
    (equimap's time and length along OSRM's route; inf if equimap's graph lacks a
    link of it), ``lacks`` (that link), ``names`` (OSRM's street names) and
    ``segments`` (OSRM's (node, node, m, s) steps).
    """
    ours = pair_times(net, origin, dest)
    lon, lat = _lonlat(net)
    index = {int(k): i for i, k in enumerate(net.osmid.tolist())}
    rows = []
    for o, d in zip(origin.tolist(), dest.tolist(), strict=True):
        r = router.route((lon[o], lat[o]), (lon[d], lat[d]))
        if r is None:
            rows.append({"osrm_time_s": np.nan, "osrm_length_m": np.nan, "snap_m": np.nan, "ferry": False})
            continue
        t, length, lacks = _replay(net, index, r["nodes"], o, d)
        rows.append(
            {
                "osrm_time_s": r["duration_s"],
                "osrm_turn_s": r["turn_s"],
                "osrm_length_m": r["distance_m"],
                "snap_m": max(r["snap_m"]),
                "ferry": r["ferry"],
                "eq_on_osrm_s": t,
                "eq_on_osrm_m": length,
                "lacks": lacks,
                "names": ", ".join(dict.fromkeys(r["names"]))[:120],
                "segments": list(zip(r["nodes"][:-1], r["nodes"][1:], r["seg_m"], r["seg_s"], strict=True)),
            }
        )
    out = pd.DataFrame({"origin": origin, "dest": dest, "eq_time_s": ours["time_s"], "eq_length_m": ours["length_m"]})
    return pd.concat([out, pd.DataFrame(rows)], axis=1)


def summarise(df: pd.DataFrame) -> dict[str, float]:
    """Return the distribution figures of one mode's comparison (pairs both engines routed)."""
    ok = df[np.isfinite(df["eq_time_s"]) & df["osrm_time_s"].notna() & (df["osrm_time_s"] > 0)]
    ratio = ok["eq_time_s"] / ok["osrm_time_s"]
    lratio = ok["eq_length_m"] / ok["osrm_length_m"]
    replay = ok[np.isfinite(ok["eq_on_osrm_s"])]
    same = replay[(replay["eq_length_m"] / replay["osrm_length_m"] - 1).abs() <= SAME_ROUTE_TOL]
    return {
        "n_pairs": float(len(df)),
        "n_routed": float(len(ok)),
        "ratio_p10": float(ratio.quantile(0.1)),
        "ratio_median": float(ratio.median()),
        "ratio_p90": float(ratio.quantile(0.9)),
        "abs_diff_median_s": float((ok["eq_time_s"] - ok["osrm_time_s"]).abs().median()),
        "share_equimap_faster": float((ratio < 1).mean()),
        "length_ratio_p10": float(lratio.quantile(0.1)),
        "length_ratio_median": float(lratio.median()),
        "length_ratio_p90": float(lratio.quantile(0.9)),
        "share_replayable": float(len(replay) / max(len(ok), 1)),
        "replay_ratio_median": float((replay["eq_on_osrm_s"] / replay["osrm_time_s"]).median()),
        "share_same_route": float(len(same) / max(len(ok), 1)),
        "ferry_routes": float(ok["ferry"].sum()),
        "osrm_turn_share_median": float((ok["osrm_turn_s"] / ok["osrm_time_s"]).median()),
        "snapped_away": float((ok["snap_m"] > SNAP_FLAG_M).sum()),
    }


class _WayClasses(osmium.SimpleHandler):
    """The highway class of every OSM way, and the ways through each node."""

    def __init__(self) -> None:
        super().__init__()
        self.node_ways: dict[int, list[int]] = {}
        self.highway: dict[int, str] = {}
        self.maxspeed: dict[int, str] = {}

    def way(self, w: osmium.osm.Way) -> None:
        hw = w.tags.get("highway")
        if hw is None:
            return
        self.highway[w.id] = hw + (" (area)" if w.tags.get("area") == "yes" else "")
        if "maxspeed" in w.tags:
            self.maxspeed[w.id] = w.tags["maxspeed"]
        for n in w.nodes:
            self.node_ways.setdefault(n.ref, []).append(w.id)


def way_classes(pbf: Path) -> _WayClasses:
    """Read the highway class of every way of `pbf` (for explaining routes)."""
    h = _WayClasses()
    h.apply_file(str(pbf))
    return h


def route_classes(net: Network, classes: _WayClasses, o: int, d: int) -> dict[str, float]:
    """Return the metres of equimap's fastest route from `o` to `d` per highway class, longest first."""
    nodes = path_nodes(net, o, d)
    by: dict[str, float] = {}
    for a, b in zip(nodes[:-1], nodes[1:], strict=True):
        ways = set(classes.node_ways.get(int(net.osmid[a]), ())) & set(classes.node_ways.get(int(net.osmid[b]), ()))
        hw = "/".join(sorted({classes.highway[w] for w in ways})) or "several ways"
        by[hw] = by.get(hw, 0.0) + path_time_s(net, np.array([a, b]))[1]
    return dict(sorted(by.items(), key=lambda kv: -kv[1]))


def osrm_speeds(df: pd.DataFrame, classes: _WayClasses, *, min_share: float = 0.01) -> pd.DataFrame:
    """Return OSRM's mean speed per highway class (tagged ``maxspeed`` or not) over its routes in `df`.

    Columns: ``class``, ``maxspeed`` (tagged / untagged), ``share_of_length``,
    ``osrm_kmh`` (length / time over OSRM's segments, turn costs excluded),
    ``osrm_time_s``; classes under `min_share` of the length are left out.
    """
    way_of: dict[tuple[int, int], int] = {}
    for segs in df["segments"].dropna():
        for a, b, _, _ in segs:
            if (a, b) not in way_of:
                common = set(classes.node_ways.get(a, ())) & set(classes.node_ways.get(b, ()))
                way_of[(a, b)] = min(common) if common else -1
    agg: dict[tuple[str, str], list[float]] = {}
    for segs in df["segments"].dropna():
        for a, b, m, t in segs:
            w = way_of[(a, b)]
            if w < 0:
                continue
            key = (classes.highway[w], "tagged" if w in classes.maxspeed else "untagged")
            acc = agg.setdefault(key, [0.0, 0.0])
            acc[0] += m
            acc[1] += t
    total = sum(v[0] for v in agg.values())
    rows = [
        {"class": k[0], "maxspeed": k[1], "share_of_length": m / total, "osrm_kmh": 3.6 * m / t, "osrm_time_s": t}
        for k, (m, t) in agg.items()
        if t > 0 and m / total >= min_share
    ]
    return pd.DataFrame(rows).sort_values("share_of_length", ascending=False, ignore_index=True)


def explain(row: pd.Series) -> str:
    """Say in words what explains one pair's difference between the engines."""
    if pd.isna(row["osrm_time_s"]):
        return "OSRM found no route between these points"
    parts = []
    if row["snap_m"] > SNAP_FLAG_M:
        parts.append(f"OSRM placed an end {row['snap_m']:.0f} m from the node (on a street its profile allows)")
    if row["ferry"]:
        parts.append("OSRM's route takes a ferry, which equimap's graph does not have")
    if row["lacks"]:
        parts.append(f"OSRM's route uses {row['lacks']}")
    elif np.isfinite(row["eq_on_osrm_s"]):
        choice = row["eq_on_osrm_s"] - row["eq_time_s"]
        speed = row["osrm_time_s"] - row["eq_on_osrm_s"]
        lr = row["eq_length_m"] / row["osrm_length_m"]
        route = "a route of the same length" if abs(lr - 1) <= SAME_ROUTE_TOL else f"another route (length x{lr:.2f})"
        parts.append(
            f"equimap takes {route}; on OSRM's route equimap needs {row['eq_on_osrm_s']:.0f} s, so "
            f"{speed:+.0f} s is OSRM's speed model (of which {row['osrm_turn_s']:.0f} s turn and signal costs) "
            f"and {choice:+.0f} s route choice"
        )
    return "; ".join(parts)


def _print_summary(mode: str, s: dict[str, float]) -> None:
    faster = "equimap" if s["ratio_median"] < 1 else "OSRM"
    print(
        f"{mode:5s} n={s['n_routed']:.0f}/{s['n_pairs']:.0f}  time ratio equimap/OSRM: median {s['ratio_median']:.3f} "
        f"(p10 {s['ratio_p10']:.3f}, p90 {s['ratio_p90']:.3f}); median |diff| {s['abs_diff_median_s']:.0f} s; "
        f"equimap faster on {100 * s['share_equimap_faster']:.0f} % of pairs (median: {faster} faster)"
    )
    print(
        f"      length ratio: median {s['length_ratio_median']:.3f} (p10 {s['length_ratio_p10']:.3f}, "
        f"p90 {s['length_ratio_p90']:.3f}); same route on {100 * s['share_same_route']:.0f} %; OSRM's route "
        f"exists in equimap's graph on {100 * s['share_replayable']:.0f} %, where equimap's time on it / OSRM's "
        f"= {s['replay_ratio_median']:.3f}; ferry routes {s['ferry_routes']:.0f}; ends snapped > {SNAP_FLAG_M:.0f} m "
        f"{s['snapped_away']:.0f}; OSRM's turn and signal costs: median {100 * s['osrm_turn_share_median']:.0f} % of its time"
    )


def _walk_without_trunk(df: pd.DataFrame, net: Network, classes: _WayClasses) -> dict[str, float]:
    """Print and return the walk comparison on the pairs whose equimap route uses no trunk road."""
    no_trunk = np.array(
        [
            not any("trunk" in k for k in route_classes(net, classes, int(o), int(d)))
            for o, d in zip(df["origin"], df["dest"], strict=True)
        ]
    )
    sub = df[no_trunk & df["osrm_time_s"].notna()]
    out = {
        "no_trunk_pairs": float(len(sub)),
        "no_trunk_length_ratio_median": float((sub["eq_length_m"] / sub["osrm_length_m"]).median()),
        "no_trunk_length_ratio_p10": float((sub["eq_length_m"] / sub["osrm_length_m"]).quantile(0.1)),
        "no_trunk_ratio_median": float((sub["eq_time_s"] / sub["osrm_time_s"]).median()),
    }
    print(
        f"      pairs whose equimap walk uses no trunk road: {len(sub)}; length ratio median "
        f"{out['no_trunk_length_ratio_median']:.3f} (p10 {out['no_trunk_length_ratio_p10']:.3f}), "
        f"time ratio median {out['no_trunk_ratio_median']:.3f} (5 / 4.8 = 1.042 on equal lengths)"
    )
    return out


def _print_largest(mode: str, df: pd.DataFrame, net: Network, classes: _WayClasses, k: int = 10) -> None:
    ok = df[df["osrm_time_s"].notna()].copy()
    ok["diff_s"] = ok["eq_time_s"] - ok["osrm_time_s"]
    top = ok.reindex(ok["diff_s"].abs().sort_values(ascending=False).index[:k])
    print(f"\n{mode}: the {k} largest differences (equimap - OSRM)")
    for i, row in top.iterrows():
        by = route_classes(net, classes, int(row["origin"]), int(row["dest"]))
        shown = ", ".join(f"{k} {v / 1000:.1f} km" for k, v in list(by.items())[:4])
        trunk_m = sum(v for k, v in by.items() if "trunk" in k)
        if mode == "walk" and trunk_m > 0:
            shown += f"; {trunk_m / 1000:.1f} km on trunk roads, which OSRM's foot profile does not walk"
        who = "equimap faster" if row["diff_s"] < 0 else "OSRM faster"
        print(
            f"  #{i:4d} equimap {row['eq_time_s']:6.0f} s {row['eq_length_m']:6.0f} m | OSRM {row['osrm_time_s']:6.0f} s "
            f"{row['osrm_length_m']:6.0f} m | {row['diff_s']:+6.0f} s ({who})\n        {explain(row)}"
            f"\n        equimap's route: {shown}"
            f"\n        OSRM's route via {row.get('names', '')}"
        )


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Run the comparison on Malta, print the tables and return the figures per mode."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--rebuild", action="store_true", help="time a fresh OSRM build in a temporary folder")
    args = ap.parse_args(argv)
    try:
        osrm_engine.find_osrm()
    except osrm_engine.EngineMissingError as exc:
        print(f"engines: skipped: {exc}")
        return {}
    from equimap.network.prepare import prepare_region

    prep = prepare_region("malta")
    pbf = Path(prep.region.osm_path)
    print(f"OSRM {osrm_engine.engine_version()} ({osrm_engine.OSRM_PACKAGE} from PyPI) on {pbf.name}")
    classes = way_classes(pbf)
    results: dict[str, dict[str, float]] = {}
    for mode, profile in osrm_engine.PROFILES.items():
        if args.rebuild:
            with tempfile.TemporaryDirectory() as tmp:
                fresh = osrm_engine.build(pbf, profile=profile, root=Path(tmp))
            print(f"{profile}: fresh OSRM build (extract + contract) {fresh.build_s:.1f} s")
        data = osrm_engine.build(pbf, profile=profile)
        print(f"{profile}: OSRM build {data.build_s:.1f} s ({'built now' if data.built_now else 'cached'})")
        net = prep.networks[mode]
        o, d = draw_pairs(net, n=args.pairs, seed=args.seed)
        t0 = time.perf_counter()
        with osrm_engine.serve(data) as router:
            df = compare(net, router, o, d)
        print(f"{mode}: {args.pairs} pairs routed by both engines in {time.perf_counter() - t0:.1f} s")
        results[mode] = summarise(df) | {"osrm_build_s": data.build_s}
        _print_summary(mode, results[mode])
        if mode == "drive":
            sp = osrm_speeds(df, classes)
            prof = prep.travel.profile
            urban_kmh, rural_kmh = prof.drive_speeds(urban=True), prof.drive_speeds(urban=False)
            fb_urban, fb_rural = prof.drive_fallback_kmh
            print(
                "      OSRM's own speeds on its routes (turn costs aside), by class; equimap's speed profile "
                f"`{prof.name}` (urban / rural km/h) where untagged, the tag x {prof.maxspeed_factor:g} where tagged:"
            )
            for r in sp.itertuples():
                u_kmh, r_kmh = urban_kmh.get(r[1], fb_urban), rural_kmh.get(r[1], fb_rural)
                eq = f"{u_kmh:.0f} / {r_kmh:.0f}" if r.maxspeed == "untagged" else "the tag"
                print(
                    f"        {r[1]:15s} {r.maxspeed:8s} {100 * r.share_of_length:5.1f} % of length: "
                    f"OSRM {r.osrm_kmh:5.1f} km/h, equimap {eq}"
                )
        if mode == "walk":
            results[mode] |= _walk_without_trunk(df, net, classes)
        _print_largest(mode, df, net, classes)
        print()
    return results


if __name__ == "__main__":
    main()
