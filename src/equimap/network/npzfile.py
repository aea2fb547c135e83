"""Arrays of an .npz file as read-only memory maps, so a process reads only the pages it uses.

`equimap.network.graph.Network.save` writes its arrays uncompressed (``np.savez``); each stored
member is a ``.npy`` file at a known offset in the archive, which `mapped_npz` maps in place.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from equimap._errors import DataError


def mapped_npz(path: Path) -> dict[str, np.ndarray]:
    """Return the arrays of an .npz file: read-only memory maps for stored members, else read (small, or compressed)."""
    try:
        return _read_npz(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        msg = f"The network file {path.name} is damaged ({exc}); delete its cache folder ({path.parent}) to rebuild it."
        raise DataError(msg) from None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        for info in zf.infolist():
            name = info.filename.removesuffix(".npy")
            if info.compress_type != zipfile.ZIP_STORED or info.file_size < 4096:
                with zf.open(info) as f:
                    out[name] = np.lib.format.read_array(f, allow_pickle=False)
                continue
            fh.seek(info.header_offset)
            local = fh.read(30)  # the local file header: its name and extra field lengths are at 26 and 28
            start = (
                info.header_offset
                + 30
                + int.from_bytes(local[26:28], "little")
                + int.from_bytes(local[28:30], "little")
            )
            fh.seek(start)
            version = np.lib.format.read_magic(fh)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(fh)
            if dtype.hasobject:
                msg = f"The network file {path.name} holds Python objects; delete the cache folder to rebuild it."
                raise DataError(msg)
            out[name] = np.memmap(
                path, dtype=dtype, mode="r", offset=fh.tell(), shape=shape, order="F" if fortran else "C"
            )
    return out
