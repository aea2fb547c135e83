"""Copy the map assets installed by npm where they are used.

* ``static/vendor/``: served by Streamlit to the app's map;
* ``src/equimap/static/vendor/``: a package resource, inlined in the standalone HTML map.

Run by `make vendor` after `npm ci`. Nothing here is committed: both folders are
rebuilt from node_modules/ on every fresh machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "node_modules"
DESTINATIONS = (ROOT / "static" / "vendor", ROOT / "src" / "equimap" / "static" / "vendor")

#: (package folder, path inside it, destination name)
ASSETS = [
    ("leaflet", "dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet", "dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet", "dist/images", "leaflet/images"),
    ("leaflet.markercluster", "dist/leaflet.markercluster.js", "markercluster/leaflet.markercluster.js"),
    ("leaflet.markercluster", "dist/MarkerCluster.css", "markercluster/MarkerCluster.css"),
    ("leaflet.markercluster", "dist/MarkerCluster.Default.css", "markercluster/MarkerCluster.Default.css"),
]


def main() -> None:
    """Copy every asset, failing with a clear message if npm did not install it."""
    for pkg, rel, dest in ASSETS:
        src = SRC / pkg / rel
        if not src.exists():
            raise SystemExit(f"{src} is missing: run `npm ci` first (make vendor does).")
        for dst in DESTINATIONS:
            out = dst / dest
            out.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, out, dirs_exist_ok=True)
            else:
                shutil.copy2(src, out)
    print("map assets copied to " + ", ".join(str(d.relative_to(ROOT)) for d in DESTINATIONS))


if __name__ == "__main__":
    main()
