"""The SQLite driver: one that can load extensions, so sqlite-vec works.

This CPython's ``sqlite3`` has no ``enable_load_extension``; ``pysqlite3`` (pysqlite3-binary)
does, and aiosqlite accepts any DB-API connector. Everything that opens the database goes
through :func:`connect_sync` so the pragmas and the extension are the same everywhere.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiosqlite
import sqlite_vec

try:  # pragma: no cover - which branch runs depends on the platform
    from pysqlite3 import dbapi2 as sqlite
except ImportError:  # pragma: no cover
    import sqlite3 as sqlite  # type: ignore[no-redef]

BUSY_TIMEOUT_MS = 5000

Error = sqlite.Error
OperationalError = sqlite.OperationalError
IntegrityError = sqlite.IntegrityError
Row = sqlite.Row


class ExtensionUnavailable(RuntimeError):
    pass


def load_vec(conn: Any) -> None:
    if not hasattr(conn, "enable_load_extension"):
        raise ExtensionUnavailable(
            "this SQLite driver cannot load extensions; install pysqlite3-binary"
        )
    conn.enable_load_extension(True)
    try:
        sqlite_vec.load(conn)
    finally:
        conn.enable_load_extension(False)


def connect_sync(path: str | Path, *, readonly: bool = False) -> Any:
    """Open a connection with WAL, foreign keys, a busy timeout and sqlite-vec loaded."""
    target = str(path)
    if readonly and target != ":memory:":
        conn = sqlite.connect(
            f"file:{target}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
    else:
        conn = sqlite.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.row_factory = sqlite.Row
    conn.isolation_level = None  # explicit BEGIN/COMMIT: every write in a transaction we name
    load_vec(conn)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if not readonly and target != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


async def connect(path: str | Path, *, readonly: bool = False) -> aiosqlite.Connection:
    """An aiosqlite connection over :func:`connect_sync`.

    The raw connection is opened first, on a worker thread: if that fails (a locked database),
    aiosqlite's own thread is never started, so nothing of it outlives the error.
    """
    raw = await asyncio.to_thread(connect_sync, path, readonly=readonly)
    conn = aiosqlite.Connection(lambda: raw, iter_chunk_size=256)
    return await conn


def sqlite_version() -> str:
    return sqlite.sqlite_version
