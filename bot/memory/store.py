"""The store: one SQLite file (WAL, foreign keys, busy timeout, sqlite-vec) behind repositories.

Cogs and adapters reach it only through repositories (``store.messages``, ``store.cog_data()``,
``store.sync_state()``, ``store.audit``), never through raw SQL, so another backend can serve
them later. Writes on the hot path (the message log) are batched off the dispatch path by a
writer task; every other write runs in its own short transaction under one lock, because one
aiosqlite connection is shared by every coroutine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite

from bot.clock import Clock, SystemClock
from bot.config import StoreSettings
from bot.memory import driver
from bot.memory.migrations import SchemaTooNew, current_version, migrate

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The store cannot be used; the text says why in one line."""


class Store:
    def __init__(
        self,
        path: str | Path,
        settings: StoreSettings | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.path = Path(path)
        self.settings = settings or StoreSettings()
        self.clock = clock or SystemClock()
        self._db: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self.vec_version = ""
        self.schema_version = 0
        # Imported here so repositories can import Store for typing without a cycle.
        from bot.memory.cogdata import AuditLog, CogStorage, SyncState
        from bot.memory.messages import MessageLog

        self.messages = MessageLog(self)
        self._cog_storage_cls = CogStorage
        self._sync_state_cls = SyncState
        self.audit = AuditLog(self)
        self._extensions: dict[str, Any] = {}

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        if self._db is not None:
            return
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create {self.path.parent}: {error.strerror}") from None
        try:
            self._db = await driver.connect(self.path)
            async with self._db.execute("SELECT vec_version()") as cursor:
                self.vec_version = (await cursor.fetchone())[0]
            await migrate(self._db, where=str(self.path))
            self.schema_version = await current_version(self._db)
        except SchemaTooNew as error:
            await self._close_quietly()
            raise StoreError(str(error)) from None
        except driver.OperationalError as error:
            await self._close_quietly()
            if "locked" in str(error):
                raise StoreError(
                    f"{self.path} is locked by another process (is another sanctum running?)"
                ) from None
            raise StoreError(f"cannot open {self.path}: {error}") from None
        except driver.ExtensionUnavailable as error:
            await self._close_quietly()
            raise StoreError(str(error)) from None
        self.messages.start()
        log.info(
            "store open: %s (schema %s, sqlite-vec %s)",
            self.path,
            self.schema_version,
            self.vec_version,
        )

    async def close(self) -> None:
        if self._db is None:
            return
        await self.messages.stop()  # flushes what is pending
        await self._close_quietly()

    async def _close_quietly(self) -> None:
        if self._db is not None:
            with contextlib.suppress(Exception):
                await self._db.close()
        self._db = None

    @property
    def is_open(self) -> bool:
        return self._db is not None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the store is not open")
        return self._db

    async def flush(self) -> None:
        await self.messages.flush()

    # -- transactions ----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time on the shared connection; rolled back on error."""
        async with self._write_lock:
            db = self.db
            try:
                # Inside the try: a task cancelled while BEGIN runs in aiosqlite's thread
                # (the writer at shutdown) must still roll back, or the connection is left
                # inside a transaction and every later BEGIN fails.
                await db.execute("BEGIN IMMEDIATE")
                yield db
            except BaseException:
                with contextlib.suppress(Exception):
                    await db.execute("ROLLBACK")
                raise
            else:
                await db.execute("COMMIT")

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[driver.Row]:
        """Read helper for repositories."""
        async with self.db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> driver.Row | None:
        async with self.db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    # -- repositories ----------------------------------------------------------------------

    def cog_data(self, cog: str) -> Any:
        """Per-cog storage, scoped like Red's Config (global, room, user)."""
        return self._cog_storage_cls(self, cog)

    def sync_state(self, platform: str) -> Any:
        return self._sync_state_cls(self, platform)

    def extension(self, name: str, factory: Any) -> Any:
        """A repository added by another module (memories, moderation...), made once."""
        if name not in self._extensions:
            self._extensions[name] = factory(self)
        return self._extensions[name]

    # -- status and maintenance ------------------------------------------------------------

    def size_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal", "-shm"):
            candidate = Path(f"{self.path}{suffix}")
            if candidate.exists():
                total += candidate.stat().st_size
        return total

    async def status(self) -> dict[str, Any]:
        row = await self.fetchone("SELECT count(*) FROM messages")
        return {
            "path": str(self.path),
            "size_bytes": self.size_bytes(),
            "schema_version": self.schema_version,
            "sqlite_version": driver.sqlite_version(),
            "sqlite_vec": self.vec_version,
            "messages": int(row[0]) if row else 0,
            "pending_writes": self.messages.pending,
        }

    async def backup(self, destination: str | Path) -> Path:
        """An online backup (SQLite's backup API) that readers and writers need not stop for."""
        await self.flush()
        target = Path(destination)
        if await asyncio.to_thread(target.exists):
            raise StoreError(f"{target} already exists")
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)

        def copy() -> None:
            # A second connection: WAL lets it read a consistent snapshot while we keep writing.
            source = driver.connect_sync(self.path, readonly=True)
            dest = driver.sqlite.connect(str(target))
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()

        await asyncio.to_thread(copy)
        return target

    async def purge(self) -> int:
        """Delete every row of every table (the schema stays); how many tables were emptied.

        One transaction on the open connection, so nothing else has to stop and a failure
        changes nothing. Full-text indexes are emptied with FTS5's own commands and read-only
        views (fts5vocab) are left alone. Repositories with caches of row ids may define
        ``on_purge()``, which is called afterwards. `purge_and_seed` takes a backup first.
        """
        await self.flush()
        emptied = 0
        async with self.transaction() as db:
            async with db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ) as cursor:
                tables = [(row[0], row[1] or "") for row in await cursor.fetchall()]
            virtual = {n: sql for n, sql in tables if sql.upper().startswith("CREATE VIRTUAL")}
            # A virtual table's shadow tables (its storage) are emptied through it, not directly.
            plain = [
                n
                for n, _ in tables
                if n not in virtual and not any(n.startswith(v + "_") for v in virtual)
            ]
            await db.execute("PRAGMA defer_foreign_keys = ON")
            for name in plain:
                await db.execute(f'DELETE FROM "{name}"')
                emptied += 1
            for name, sql in virtual.items():
                found = re.search(r"\bUSING\s+(\w+)", sql, re.IGNORECASE)
                module = found.group(1).lower() if found else ""
                if module == "fts5vocab":
                    continue
                if module == "fts5" and re.search(r"\bcontent\s*=", sql, re.IGNORECASE):
                    # External-content and contentless indexes: the content rows are gone.
                    await db.execute(f'INSERT INTO "{name}" ("{name}") VALUES (\'delete-all\')')
                else:
                    await db.execute(f'DELETE FROM "{name}"')
                emptied += 1
        self.messages._room_ids.clear()  # cached row ids of rooms and users now deleted
        self.messages._user_ids.clear()
        for repository in list(self._extensions.values()):
            hook = getattr(repository, "on_purge", None)
            if hook is not None:
                result = hook()
                if asyncio.iscoroutine(result):
                    await result
        log.info("store purged: %d tables emptied", emptied)
        return emptied
