"""equimap's analysis library: regions, networks, services, residents and travel times.

This package never imports streamlit; the app in ``app.py`` is a thin frame over it.
"""

from equimap._errors import CategoryError, DataError, EquimapError, RegionError
from equimap.region.manifest import Region, list_regions, load_region

__all__ = ["CategoryError", "DataError", "EquimapError", "Region", "RegionError", "list_regions", "load_region"]
