"""The thresholds of the Degree of Urbanisation (Eurostat/OECD manual, 2021 edition)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from equimap._errors import DataError


@dataclass(frozen=True)
class DegurbaParams:
    """Thresholds of the Degree of Urbanisation; the defaults are the 2021 manual's.

    Densities are residents per km² of permanent land, populations are
    residents, contiguity is 4 (rook: shared edges) or 8 (queen: corners too).

    The R package flexurba defaults differ for semi-dense urban clusters
    (at least 900 inh/km², 2,500 residents, 4-connectivity) and by default adds
    a built-up criterion and the GHSL R2023A smoothing variant; this module
    has neither (the census grid has no built-up layer). To reproduce
    flexurba's semi-dense rule pass ``semi_dense_min_density_km2=900,
    semi_dense_min_pop=2500, semi_dense_connectivity=4``.

    Attributes
    ----------
    centre_min_density_km2, centre_min_pop, centre_connectivity
        Urban centre: cells of at least 1,500 inh/km², grouped with
        4-connectivity, with at least 50,000 residents in the group. The
        population test is made on the dense cells, before gaps are filled.
    smoothing_min_neighbours
        Majority rule: a cell joins an urban centre when at least 5 of its 8
        neighbours belong to that centre; repeated until no cell is added.
    centre_max_gap_km2
        After smoothing, holes in an urban centre smaller than 15 km² are
        filled.
    cluster_min_density_km2, cluster_min_pop, cluster_connectivity
        Urban cluster: cells of at least 300 inh/km², grouped with
        8-connectivity, with at least 5,000 residents. Urban centre cells take
        part in the grouping and the population (an urban centre is also an
        urban cluster) but keep their own class.
    dense_min_density_km2, dense_min_pop, dense_connectivity
        Dense urban cluster (level 2): cells of an urban cluster of at least
        1,500 inh/km², 4-connected, with 5,000 to 49,999 residents.
    semi_dense_min_density_km2, semi_dense_min_pop, semi_dense_connectivity
        Semi-dense urban cluster (level 2): the other urban cluster cells of at
        least 300 inh/km², 8-connected, with at least 5,000 residents ...
    semi_dense_buffer_cells
        ... and at least 2 km from any urban centre or dense urban cluster,
        "measured as outside a buffer of three grid cells" (diagonals
        included). A cluster with any cell in that buffer (or touching) is
        suburban or peri-urban instead.
    rural_cluster_min_density_km2, rural_cluster_min_pop, rural_cluster_connectivity
        Rural cluster (level 2): rural cells of at least 300 inh/km²,
        8-connected, with 500 to 4,999 residents.
    low_density_min_density_km2
        Low density rural cell (level 2): any other rural cell of at least 50
        inh/km²; below that it is very low density.
    water_max_land_share
        A rural cell with no residents and a land share below 0.5 is water
        (level 2 code 10; level 1 keeps it rural). Cells of unknown land share
        are never water.
    """

    centre_min_density_km2: float = 1500.0
    centre_min_pop: float = 50_000
    centre_connectivity: int = 4
    smoothing_min_neighbours: int = 5
    centre_max_gap_km2: float = 15.0
    cluster_min_density_km2: float = 300.0
    cluster_min_pop: float = 5_000
    cluster_connectivity: int = 8
    dense_min_density_km2: float = 1500.0
    dense_min_pop: float = 5_000
    dense_connectivity: int = 4
    semi_dense_min_density_km2: float = 300.0
    semi_dense_min_pop: float = 5_000
    semi_dense_connectivity: int = 8
    semi_dense_buffer_cells: int = 3
    rural_cluster_min_density_km2: float = 300.0
    rural_cluster_min_pop: float = 500
    rural_cluster_connectivity: int = 8
    low_density_min_density_km2: float = 50.0
    water_max_land_share: float = 0.5

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name.endswith("_connectivity"):
                if v not in (4, 8):
                    problems.append(f"`{f.name}` is {v!r} but must be 4 or 8")
            elif not (isinstance(v, int | float) and np.isfinite(v) and v >= 0):
                problems.append(f"`{f.name}` is {v!r} but must be a finite number >= 0")
        if not 1 <= self.smoothing_min_neighbours <= 8:
            problems.append(f"`smoothing_min_neighbours` is {self.smoothing_min_neighbours} but must be 1 to 8")
        if problems:
            msg = "DegurbaParams: " + "; ".join(problems) + "."
            raise DataError(msg)
