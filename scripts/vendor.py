"""Copy the map assets installed by npm into static/vendor/ for Streamlit to serve.

Run by `make vendor` after `npm ci`. Nothing here is committed: static/vendor is
rebuilt from node_modules/ on every fresh machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "node_modules"
DST = ROOT / "static" / "vendor"

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
        out = DST / dest
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, out, dirs_exist_ok=True)
        else:
            shutil.copy2(src, out)
    print(f"map assets copied to {DST.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
