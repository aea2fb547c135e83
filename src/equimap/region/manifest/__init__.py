"""Regions as data: a folder with files and a small `region.toml` manifest.

A region is found by its folder name under the data folder (`regions_folder`:
``--data-dir``, ``EQUIMAP_DATA_DIR`` or the bundled regions), or as any folder
passed as a path. Nothing in the library is specific to one region.

`model` holds what a manifest describes (`Region` and its parts), `parse` turns the
parsed TOML into a `Region` noting every problem, and `load` finds and loads regions;
every public name is importable from here.
"""

from equimap.region.manifest.load import list_regions, load_region, regions_folder
from equimap.region.manifest.model import (
    CENSUS_VOCABULARY,
    MAIN_BOUNDARY,
    MANIFEST,
    AreaSpec,
    GroupDimension,
    LayerSpec,
    Region,
)
from equimap.region.manifest.parse import crs_problem

__all__ = [
    "CENSUS_VOCABULARY",
    "MAIN_BOUNDARY",
    "MANIFEST",
    "AreaSpec",
    "GroupDimension",
    "LayerSpec",
    "Region",
    "crs_problem",
    "list_regions",
    "load_region",
    "regions_folder",
]
