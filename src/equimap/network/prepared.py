"""A prepared region: its networks, services and residents, and their access indicators, cached on disk.

`Prepared` is what `equimap.network.prepare.prepare_region` returns. `Prepared.access` gives,
per origin, the access indicators for one mode and key (a theme, a category or an official
list), cached under the region's folder; a theme's are derived from its categories', never
searched again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from equimap._errors import CategoryError, DataError
from equimap.network.cache import (
    TravelSettings,
    json_digest,
    write_atomic,
)
from equimap.network.graph import Network
from equimap.network.indicators import access_parts, access_table, count_within_min, merge_parts, parts_table
from equimap.network.routing import count_column, nearest_times, snap_points
from equimap.network.snapping import join_points, point_positions, snap_to_edges
from equimap.region.census import population_columns
from equimap.region.manifest import Region
from equimap.region.services import (
    Taxonomy,
    select_services,
)
from equimap.settings import Mode

log = logging.getLogger(__name__)

#: How many access tables of given (not the region's) services `Prepared` keeps in memory.
HELD_ACCESS = 8


@dataclass(frozen=True, eq=False)
class Prepared:
    """A region ready for analysis; read-only and safe to share between app sessions.

    Attributes
    ----------
    region
        The region manifest.
    networks
        One `Network` per mode.
    services
        Every service (OSM categories and official lists), points in the region CRS;
        columns as in `equimap.region.services.SERVICE_COLUMNS`.
    origins
        Residents placed on the walking network (see `equimap.network.residents.place_residents`).
    population
        The population layer (index ``cell_id``), in the region CRS.
    taxonomy
        The service taxonomy used.
    folder
        The cache folder (`equimap.network.cache` says what its name is keyed on).
    travel
        The travel settings everything here was built with, and that `access` uses.
    networks_folder
        The folder of the networks (keyed only on what shapes them, `equimap.network.cache.network_key`).
    summary
        What preparation found (`preparation_summary`): residents, cells and services left
        out by the study area, census groups reconciled, residents outside the network's coverage.
    """

    region: Region
    networks: dict[str, Network]
    services: gpd.GeoDataFrame
    origins: pd.DataFrame
    population: gpd.GeoDataFrame
    taxonomy: Taxonomy
    folder: Path
    travel: TravelSettings = field(default_factory=TravelSettings.from_settings)
    summary: dict = field(default_factory=dict)
    networks_folder: Path | None = None
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def count_columns(self) -> list[str]:
        """Population columns carried by every origin (total, groups, unknown)."""
        return population_columns(self.region)

    def category_keys(self) -> list[str]:
        """Return every selectable service key: themes, categories, then official lists."""
        return [*self.taxonomy.themes, *self.taxonomy.categories, *[s.key for s in self.region.services]]

    def category_label(self, key: str) -> str:
        """Return the English label of a theme, category or official list."""
        if key in self.taxonomy.themes:
            return self.taxonomy.themes[key]
        if key in self.taxonomy.categories:
            return self.taxonomy.categories[key].label
        for s in self.region.services:
            if s.key == key:
                return s.label
        return key

    def services_for(self, category: str) -> gpd.GeoDataFrame:
        """Return the services of a theme, category or official list (one row per site)."""
        key = ("services_for", category)
        if key not in self._memo:  # selected once per key; each caller gets its own copy
            official = {s.key for s in self.region.services}
            keys = [category] if category in official else self.taxonomy.keys_for(category)
            self._memo[key] = select_services(self.services, keys)
        return self._memo[key].copy()

    def snap(self, mode: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each point's nearest node on the `mode` network and its walking time to it (s), with `travel`'s limits.

        This is the nearest-node rule whatever `travel.snap` says; `routing_inputs` applies `travel.snap`.
        """
        return snap_points(
            self.networks[mode],
            x,
            y,
            max_snap_m=self.travel.max_snap_m,
            min_component_nodes=self.travel.min_component_nodes,
            walk_speed_kmh=self.travel.walk_speed_kmh,
        )

    def origin_nodes(self, mode: str) -> tuple[np.ndarray, np.ndarray]:
        """Return each origin's node on the `mode` network and its walking time to it (s)."""
        key = ("origin_nodes", mode)
        if key not in self._memo:
            o = self.origins
            if mode == "walk":
                node = o["node"].to_numpy()
                self._memo[key] = (node, np.where(node >= 0, 0.0, np.inf))
            else:
                node, t = self.snap(mode, o["x"].to_numpy(), o["y"].to_numpy())
                off = o["node"].to_numpy() < 0
                self._memo[key] = (np.where(off, -1, node), np.where(off, np.inf, t))
        return self._memo[key]

    def routing_inputs(
        self, mode: str, services: gpd.GeoDataFrame
    ) -> tuple[Network, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return the network to search and the origins' and `services`' nodes and connector times (s) on it.

        With ``travel.snap == "node"`` that is the `mode` network, `origin_nodes` and `snap`.
        With ``"edge"`` (`equimap.network.snapping`) the services (and, except on the walking
        network where residents stand on nodes, the origins) are inserted as nodes on their
        nearest edges, and the network returned is that split copy.
        """
        if self.travel.snap == "node":
            s_node, s_t = self.snap(mode, services.geometry.x.to_numpy(), services.geometry.y.to_numpy())
            return (self.networks[mode], *self.origin_nodes(mode), s_node, s_t)
        net = self.networks[mode]
        key = ("origin_edges", mode)
        if key not in self._memo:
            o = self.origins
            if mode == "walk":
                self._memo[key] = None
            else:
                edge, frac, dist = snap_to_edges(
                    net,
                    o["x"].to_numpy(),
                    o["y"].to_numpy(),
                    max_snap_m=self.travel.max_snap_m,
                    min_component_nodes=self.travel.min_component_nodes,
                )
                off = o["node"].to_numpy() < 0
                edge = np.where(off, -1, edge)
                # with their positions on the edges: the origins are inserted again for every category
                self._memo[key] = (edge, frac, np.where(off, np.inf, dist), *point_positions(net, edge, frac))
        s_snap = snap_to_edges(
            net,
            services.geometry.x.to_numpy(),
            services.geometry.y.to_numpy(),
            max_snap_m=self.travel.max_snap_m,
            min_component_nodes=self.travel.min_component_nodes,
        )
        if self._memo[key] is None:  # walking: residents stand on network nodes
            split, [(s_node, s_t)] = join_points(net, [s_snap], walk_speed_kmh=self.travel.walk_speed_kmh)
            return (split, *self.origin_nodes(mode), s_node, s_t)
        split, [(s_node, s_t), (o_node, o_t)] = join_points(
            net, [s_snap, self._memo[key]], walk_speed_kmh=self.travel.walk_speed_kmh
        )
        return split, o_node, o_t, s_node, s_t

    def access_file(self, mode: Mode, category: str, *, services: gpd.GeoDataFrame | None = None) -> Path:
        """Return the cache file of `access`: under `folder`, keyed on the services and `TravelSettings.ACCESS_FIELDS`.

        The services enter by their ids and coordinates (sha256 of both); their
        digest is memoised per category of the region, so a repeated call hashes nothing.
        """
        memo = ("services_digest", category)
        if services is None and memo in self._memo:
            svc_digest = self._memo[memo]
        else:
            svc = self.services_for(category) if services is None else services
            frame = pd.DataFrame({"id": svc["service_id"].astype(str), "x": svc.geometry.x, "y": svc.geometry.y})
            svc_digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()
            if services is None:
                self._memo[memo] = svc_digest
        if "access_settings" not in self._memo:
            self._memo["access_settings"] = json_digest(self.travel.access_part())
        digest = json_digest([svc_digest, self._memo["access_settings"]])[:16]
        return self.folder / "access" / f"{mode}__{category}__{digest}.parquet"

    def times_at(
        self, mode: Mode, category: str, *, speed_factor: float, services: gpd.GeoDataFrame | None = None
    ) -> pd.DataFrame:
        """Return each origin's ``time_nearest_s`` and ``time_mean3_s`` with every speed times `speed_factor`.

        The rule: every moving part of a trip (the network edges and the walk between a point
        and its node) takes ``1 / speed_factor`` times as long; the node delays of the profile
        (signals, crossings, junctions) stay as they are. This is the same as building the
        network again with every speed of the profile times the factor (`Profile.scaled`;
        tested on a hand graph), without doing so. Used for the walking times of age groups
        (`equimap.analysis.speeds`) and for the report's sensitivity to speeds. Computed in
        memory (memoised per mode, category and factor when `services` is None).
        """
        f = float(speed_factor)
        if f == 1.0:
            return self.access(mode, category, services=services)[["time_nearest_s", "time_mean3_s"]]
        key = ("times_at", mode, category, f)
        if services is None and key in self._memo:
            return self._memo[key]
        svc = self.services_for(category) if services is None else services
        # points join the network by the same rule as `access` (`travel.snap`); the split network of the
        # region's own sites is kept, since every speed factor (age groups, sensitivity) searches it
        ikey = ("routing_inputs", mode, category)
        if services is None and ikey in self._memo:
            inputs = self._memo[ikey]
        else:
            inputs = self.routing_inputs(mode, svc)
            if services is None:
                self._memo[ikey] = inputs
        split, o_node, o_t, s_node, s_t = inputs
        net = split.scaled(f)
        times, _ = nearest_times(
            net, o_node, s_node, origin_time_s=o_t / f, service_time_s=s_t / f, k=self.travel.n_nearest
        )
        fin = np.isfinite(times)
        n_k = fin.sum(axis=1)
        mean_k = np.where(n_k > 0, np.where(fin, times, 0.0).sum(axis=1) / np.maximum(n_k, 1), np.inf)
        out = pd.DataFrame({"time_nearest_s": times[:, 0], "time_mean3_s": mean_k}, index=self.origins.index)
        if services is None:
            self._memo[key] = out
        return out

    def access(self, mode: Mode, category: str, *, services: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
        """Return the access indicators of every origin for `category` by `mode` (cached on disk).

        The cache file (`access_file`) is keyed on the services' ids and
        coordinates and on `travel`'s `n_nearest` and `count_thresholds_min`;
        everything else it depends on keys the folder it sits in.

        No work is done twice: a theme of two or more categories is derived from its
        categories' results (`theme_parts`, `equimap.network.indicators.merge_parts`: the
        nearest is the minimum over them, the k nearest are merged with a site in two
        categories kept once, the counts added less those sites), equal to one search
        over the theme's sites; and a key with the same sites as one already cached (a
        theme of one category) reads that key's table. Each key's k nearest times and
        sites are kept beside its table in ``<mode>__<digest>.near.npz`` (uncompressed),
        so a theme asked for later is derived from the cache.

        Parameters
        ----------
        mode
            ``"walk"``, ``"bike"`` or ``"drive"``.
        category
            A theme, category or official list key; ignored for the cache key when
            `services` is given.
        services
            Services to use instead of the region's (e.g. an uploaded list), points in the region CRS.
            Their times are computed in memory and never written to (or read from) the disk
            cache: the prepared folder is shared by every user and must not keep one user's list.
            The last :data:`HELD_ACCESS` such tables are kept in memory, keyed like the disk cache.

        Returns
        -------
        DataFrame
            Indexed like `origins`; see `equimap.network.indicators.access_table` for the columns.
        """
        self.check_mode(mode)
        if services is None:
            return self._table(mode, category, {})
        path = self.access_file(mode, category, services=services)
        if ("held_access", path) in self._memo:
            return self._memo[("held_access", path)]
        net, o_node, o_t, s_node, s_t = self.routing_inputs(mode, services)
        out = access_table(
            net,
            o_node,
            s_node,
            origin_time_s=o_t,
            service_time_s=s_t,
            service_ids=services["service_id"].to_numpy(),
            k=self.travel.n_nearest,
            thresholds_min=self.travel.count_thresholds_min,
            index=self.origins.index,
        )
        self.keep_access(mode, category, services=services, table=out)
        return out

    def check_mode(self, mode: str) -> None:
        """Raise `CategoryError`, saying which modes there are, when `mode` is not one of the region's."""
        if mode not in self.networks:
            msg = f"Unknown travel mode `{mode}`; choose one of {list(self.networks)}."
            raise CategoryError(msg)

    def _table(self, mode: Mode, category: str, held: dict) -> pd.DataFrame:
        """Return `access` of a key of the region (no `services`), from the cache or computed and written.

        `held` (access file -> (`_access_parts`, table)) keeps what is read or computed here and
        is looked in first: a theme's categories are then not read back from the disk, and a
        pass over many keys (`equimap.network.access_pass.access_many`) shares one. `mode` is checked by the caller.
        """
        path = self.access_file(mode, category)
        if path in held:
            return held[path][1]
        if path.exists():
            return pd.read_parquet(path)
        same = _same_content(path)
        if same is not None:  # another key with the same sites (a theme of one category, say): computed once
            out = pd.read_parquet(same)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, out.to_parquet)
            return out
        self._access_parts(mode, category, held)
        return held[path][1]

    def theme_parts(self, category: str) -> list[str]:
        """Return the categories whose results give `category`'s (a theme of two or more), else an empty list.

        A theme's sites are exactly the union of its categories' (`services_for`), so its
        access table is derived from theirs (`equimap.network.indicators.merge_parts`), not searched again.
        """
        if category in self.taxonomy.categories or category in {s.key for s in self.region.services}:
            return []
        if category not in self.taxonomy.themes:
            return []
        cats = self.taxonomy.keys_for(category)
        return cats if len(cats) > 1 else []

    def _access_parts(self, mode: Mode, category: str, held: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return `equimap.network.indicators.access_parts` of a key of the region, cached with its access table.

        Read from the cache when both the table (of this key or of another with the same
        sites) and the nearest-sites file (keyed on the sites alone) are there; otherwise
        computed, a theme from its categories (`theme_parts`), and the table written (and
        the nearest-sites file, for a category a theme is derived from).
        """
        path = self.access_file(mode, category)
        if path in held:
            return held[path][0]
        near = _near_file(path)
        svc = self.services_for(category)
        svc_ids = svc["service_id"].to_numpy()
        table_path = path if path.exists() else _same_content(path)
        thresholds = sorted(self.travel.count_thresholds_min)
        if table_path is not None and near.exists():
            with np.load(near) as f:
                times, pos = f["times"], f["pos"]
            ids = np.full(pos.shape, None, dtype=object)
            ids[pos >= 0] = svc_ids[pos[pos >= 0]]
            table = pd.read_parquet(table_path)
            counts = table[[count_column(t) for t in thresholds]].to_numpy()
            held[path] = ((times, ids, counts), table)
            return times, ids, counts
        cats = self.theme_parts(category)
        if cats:
            parts = merge_parts(
                [self._access_parts(mode, c, held) for c in cats], repeated_counts=self._repeated_counts(mode, cats)
            )
        else:  # searched here, or its routing inputs and nearest times already (`access_pass.access_many`)
            inputs, nearest, counts = self._memo.pop(("searched", mode, category), (None, None, None))
            net, o_node, o_t, s_node, s_t = inputs or self.routing_inputs(mode, svc)
            parts = access_parts(
                net,
                o_node,
                s_node,
                origin_time_s=o_t,
                service_time_s=s_t,
                service_ids=svc_ids,
                k=self.travel.n_nearest,
                thresholds_min=self.travel.count_thresholds_min,
                nearest=nearest,
                counts=counts,
            )
        times, ids, _ = parts
        path.parent.mkdir(parents=True, exist_ok=True)
        table = parts_table(*parts, thresholds_min=self.travel.count_thresholds_min, index=self.origins.index)
        cat = self.taxonomy.categories.get(category)
        if cat is not None and self.theme_parts(cat.theme):  # kept only where a theme is derived from it
            pos = pd.Index(svc_ids).get_indexer(pd.Series(ids.ravel(), dtype=object)).reshape(ids.shape)
            write_atomic(near, lambda p: np.savez(p, times=times, pos=pos.astype(np.int32)))
        write_atomic(path, table.to_parquet)
        held[path] = (parts, table)
        return parts

    def _repeated_counts(self, mode: Mode, categories: list[str]) -> np.ndarray | None:
        """Return, per origin and threshold, how many sites in several of `categories` are counted more than once.

        A site (a `service_id`) in m of them is counted m - 1 times too many when the
        categories' counts are added; a search from those sites alone counts them. None
        when no site is in two categories.
        """
        rows = self.services[self.services["category"].isin(categories)]
        ids = rows["service_id"]
        times = ids.map(ids.value_counts()) - 1
        first = rows[~ids.duplicated() & (times > 0)]
        if first.empty:
            return None
        rep = first.loc[first.index.repeat(times[first.index])]
        net, o_node, o_t, s_node, s_t = self.routing_inputs(mode, rep)
        return count_within_min(
            net, o_node, s_node, thresholds_min=self.travel.count_thresholds_min, origin_time_s=o_t, service_time_s=s_t
        ).astype(np.int64)

    def keep_access(self, mode: Mode, category: str, *, services: gpd.GeoDataFrame, table: pd.DataFrame) -> None:
        """Keep `table` in memory as the access of `services` (what `access` returns for them, computed elsewhere).

        For a table already known to equal ``access(mode, category, services=services)``,
        such as :func:`equimap.scenario.fast.access_after`'s update; only the last
        :data:`HELD_ACCESS` tables are kept.
        """
        if not table.index.equals(self.origins.index):
            msg = "The access table to keep is not indexed like the origins; compute it with `Prepared.access`."
            raise DataError(msg)
        key = ("held_access", self.access_file(mode, category, services=services))
        held = [k for k in list(self._memo) if isinstance(k, tuple) and k and k[0] == "held_access" and k != key]
        for old in held[: max(0, len(held) - HELD_ACCESS + 1)]:
            self._memo.pop(old, None)
        self._memo[key] = table


def _near_file(path: Path) -> Path:
    """Return the nearest-sites file of an access table: keyed on the mode and the sites' digest, not the key."""
    mode, digest = path.stem.partition("__")[0], path.stem.rsplit("__", 1)[1]
    return path.parent / f"{mode}__{digest}.near.npz"


def _same_content(path: Path) -> Path | None:
    """Return the access table of another key with the same sites and settings as `path`, if one is cached."""
    if path.exists():
        return path
    mode, digest = path.stem.partition("__")[0], path.stem.rsplit("__", 1)[1]
    found = sorted(path.parent.glob(f"{mode}__*__{digest}.parquet")) if path.parent.exists() else []
    return found[0] if found else None
