"""The shortest-path passes of issue 16, equimap against every installed peer, checked for agreement.

Rows (the table of issue 16):

1. nearest service of every node, Malta drive network, its 22 categories;
2. services within 15 min of every node, Malta drive, 22 categories;
3. nearest of 2,000 sources, 1M-node street-like grid (`bench.synthetic.street_grid`);
4. the same on 5M nodes (``--big``; on by default, off under ``--quick``);
5. mean of the 3 nearest (k = 3), 1M nodes, 2,000 sources;
6. sources within 15 min of every node, 1M nodes, 200 sources.

Engines, each only when importable ("not installed" otherwise): equimap's public routing
functions (`equimap.network.routing.nearest_times` and `count_within`, so a faster kernel
behind them is measured as it lands), scipy's ``csgraph.dijkstra`` (``min_only=True`` for the
nearest; ``limit=`` for counts), networkx (``multi_source_dijkstra_path_length``; bounded
searches for counts; only on graphs where it ends in reasonable time), igraph and networkit
(one single-source search from a super-source joined to every site by zero-time arcs; neither
has a bounded search, so counts take a full search per site and run only when that is small),
pandana (contraction hierarchies: ``nearest_pois``, ``aggregate(type="count")``).

Every engine's figure is the median over ``--runs`` runs of the pass alone (graph building is
timed apart and printed); settled nodes per second are the (node, category) labels found
(counts: the (site, node) pairs within the bound) over the time. Each peer's result is compared
with equimap's: the largest absolute difference of times (counts: of counts) is printed and must
be 0 within 1e-6 s (counts: exactly equal); a disagreement ends the run with an error. pandana
stores times in 32-bit floats, so it is held to 0.01 s + 1e-4 × the time, and its counts to lie between
equimap's counts at the threshold minus and plus that (0.1 s at 15 min); this is printed with its row.

Run: ``python -m bench.kernels`` (``--quick``: small graphs and one run; ``--no-big``: skip the
5M-node row). Malta's rows read the prepared networks (``make prepare``; ``EQUIMAP_CACHE_DIR``).

Modules: `rows` (what each row computes, on which graph), `peers` (each engine's pass),
`agreement` (how far a peer may be from equimap) and `runner` (`run_row` and `main`).
"""

from bench.kernels.agreement import disagreement
from bench.kernels.peers import PEERS
from bench.kernels.rows import Row
from bench.kernels.runner import main, run_row

__all__ = ["PEERS", "Row", "disagreement", "main", "run_row"]
