"""Read a vector file in a child process with a wall-clock and a memory limit.

A file within the size limits can still make GDAL (or pandas, for a CSV) run for
minutes or take gigabytes (a GeoJSON of one huge nested array, a GeoPackage with a
corrupt index...). :func:`bounded_read` runs the read in a child process whose
address space is capped with ``resource.setrlimit(RLIMIT_AS)`` and which is killed
after a timeout; a breach is one sentence (:class:`~equimap.DataError`).

Settings (environment, read at each call):

- ``EQUIMAP_READ_TIMEOUT_S``: seconds a read may take, default :data:`READ_TIMEOUT_S` (120).
- ``EQUIMAP_READ_MEMORY_MB``: memory (MB) a read may add to the process it starts
  from, default :data:`READ_MEMORY_MB` (4096).

The child is forked from this process when it runs a single Python thread (the
CLI, scripts, tests: no import is repeated, a few milliseconds), and otherwise
from a ``forkserver`` (a Streamlit server runs many threads, where a plain fork
is unsafe): the fork server is started once per process (about a second, to
import geopandas) and each read then costs a few tens of milliseconds.

What this does not do: it does not bound the CPU time of the child apart from
the wall clock, and on a system without ``RLIMIT_AS`` (not Linux) only the
timeout holds.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import warnings
from pathlib import Path
from typing import Any

from equimap._errors import DataError

#: Seconds a read may take unless ``EQUIMAP_READ_TIMEOUT_S`` says otherwise.
READ_TIMEOUT_S = 120.0
#: Memory (MB) a read may add to its process unless ``EQUIMAP_READ_MEMORY_MB`` says otherwise.
READ_MEMORY_MB = 4096.0


def _setting(env: str, default: float, unit: str) -> float:
    raw = os.environ.get(env)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        msg = f"{env} is {raw!r}; set it to a number of {unit} greater than 0 (default {default:g})."
        raise DataError(msg)
    return value


def read_limits() -> tuple[float, float]:
    """Return the time (s) and memory (MB) limits of a read, from the environment or the defaults."""
    return (
        _setting("EQUIMAP_READ_TIMEOUT_S", READ_TIMEOUT_S, "seconds"),
        _setting("EQUIMAP_READ_MEMORY_MB", READ_MEMORY_MB, "MB"),
    )


def _vm_bytes() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _cap_memory(extra_mb: float) -> None:
    try:
        import resource
    except ImportError:  # not a POSIX system: only the timeout holds
        return
    now = _vm_bytes()
    if now is None:
        return
    limit = now + int(extra_mb * 1024 * 1024)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child(conn: Any, func: Any, args: tuple, kwargs: dict, extra_mb: float) -> None:
    """Run ``func(*args, **kwargs)`` under the memory cap; send ("ok", result, warnings) or ("error", ...)."""
    try:
        _cap_memory(extra_mb)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = func(*args, **kwargs)
        seen = [(str(w.message), w.category) for w in caught]
        conn.send(("ok", result, seen))
    except MemoryError:
        conn.send(("memory", None, []))
    except BaseException as exc:  # noqa: BLE001 - the parent turns every failure into one sentence
        try:
            conn.send(("error", exc, []))
        except Exception:  # noqa: BLE001 - an exception that does not pickle goes by its name and text
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), []))
    finally:
        conn.close()


def _context() -> multiprocessing.context.BaseContext:
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    # "__main__" first: the server imports the main script once (guarded by `if __name__ == "__main__"`, as
    # multiprocessing requires), so that each child does not run it again before its read
    ctx.set_forkserver_preload(["__main__", "equimap.region.userfile", "geopandas", "pyogrio"])
    return ctx


def bounded_call(func: Any, *args: Any, name: str, **kwargs: Any) -> tuple[Any, list[tuple[str, type]]]:
    """Return ``func(*args, **kwargs)`` run in a child process within the read limits, and the warnings it gave.

    `func` must be a module-level function (it is pickled for a forkserver child);
    its exceptions are raised again here as they were. `name` is the file name the
    sentences show. A read over the time or memory limit raises DataError.
    """
    timeout_s, memory_mb = read_limits()
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, func, args, kwargs, memory_mb), daemon=True)
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout_s):
            proc.kill()
            msg = (
                f"`{name}` took more than {timeout_s:g} s to read and was stopped (EQUIMAP_READ_TIMEOUT_S); "
                "check that it is a valid file, or clip it to the region."
            )
            raise DataError(msg)
        try:
            status, value, seen = recv.recv()
        except EOFError:  # the child died without an answer (the memory cap inside C code, or a crash)
            status, value, seen = "died", None, []
    finally:
        recv.close()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if status == "memory":
        msg = (
            f"`{name}` needed more than {memory_mb:g} MB to read and was stopped (EQUIMAP_READ_MEMORY_MB); "
            "check that it is a valid file, or clip it to the region."
        )
        raise DataError(msg)
    if status == "died":
        msg = (
            f"`{name}` stopped the reader (exit code {proc.exitcode}): it needed more than {memory_mb:g} MB "
            "(EQUIMAP_READ_MEMORY_MB) or is damaged; check that it is a valid file, or clip it to the region."
        )
        raise DataError(msg)
    if status == "error":
        if isinstance(value, MemoryError) or "out of memory" in str(value).lower():
            msg = (
                f"`{name}` needed more than {memory_mb:g} MB to read and was stopped (EQUIMAP_READ_MEMORY_MB); "
                "check that it is a valid file, or clip it to the region."
            )
            raise DataError(msg) from None
        raise value
    return value, seen
