"""Small repositories: per-cog storage, platform sync state and the audit log.

Per-cog storage follows Red's Config: a cog gets its own namespace, values are JSON, and a
scope says what a value belongs to (``global``, ``room:<room key>``, ``user:<user key>``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.memory.store import Store

GLOBAL = "global"


def room_scope(room_key: str) -> str:
    return f"room:{room_key}"


def user_scope(user_key: str) -> str:
    return f"user:{user_key}"


class CogStorage:
    def __init__(self, store: Store, cog: str) -> None:
        self.store = store
        self.cog = cog

    async def get(self, key: str, default: Any = None, *, scope: str = GLOBAL) -> Any:
        row = await self.store.fetchone(
            "SELECT value FROM cog_data WHERE cog = ? AND scope = ? AND key = ?",
            (self.cog, scope, key),
        )
        return json.loads(row[0]) if row else default

    async def set(self, key: str, value: Any, *, scope: str = GLOBAL) -> None:
        encoded = json.dumps(value, ensure_ascii=False)
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO cog_data (cog, scope, key, value) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (cog, scope, key) DO UPDATE SET value = excluded.value",
                (self.cog, scope, key, encoded),
            )

    async def delete(self, key: str, *, scope: str = GLOBAL) -> bool:
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM cog_data WHERE cog = ? AND scope = ? AND key = ?",
                (self.cog, scope, key),
            )
            return cursor.rowcount > 0

    async def all(self, *, scope: str = GLOBAL) -> dict[str, Any]:
        rows = await self.store.fetchall(
            "SELECT key, value FROM cog_data WHERE cog = ? AND scope = ? ORDER BY key",
            (self.cog, scope),
        )
        return {row[0]: json.loads(row[1]) for row in rows}

    async def scopes(self, prefix: str = "") -> list[str]:
        rows = await self.store.fetchall(
            "SELECT DISTINCT scope FROM cog_data WHERE cog = ? AND scope LIKE ? ORDER BY scope",
            (self.cog, prefix.replace("%", r"\%") + "%"),
        )
        return [row[0] for row in rows]

    async def clear(self, *, scope: str | None = None) -> None:
        async with self.store.transaction() as db:
            if scope is None:
                await db.execute("DELETE FROM cog_data WHERE cog = ?", (self.cog,))
            else:
                await db.execute(
                    "DELETE FROM cog_data WHERE cog = ? AND scope = ?", (self.cog, scope)
                )


class SyncState:
    """Where a platform's sync stopped (Matrix ``next_batch``), so a restart resumes there."""

    def __init__(self, store: Store, platform: str) -> None:
        self.store = store
        self.platform = platform

    async def get(self, key: str) -> str | None:
        row = await self.store.fetchone(
            "SELECT value FROM sync_state WHERE platform = ? AND key = ?", (self.platform, key)
        )
        return row[0] if row else None

    async def set(self, key: str, value: str) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO sync_state (platform, key, value, updated) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (platform, key) DO UPDATE SET value = excluded.value,"
                " updated = excluded.updated",
                (self.platform, key, value, self.store.clock.now()),
            )


class AuditLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, actor: str, action: str, detail: str = "") -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO audit_log (ts, actor, action, detail) VALUES (?, ?, ?, ?)",
                (self.store.clock.now(), actor, action, detail),
            )

    async def recent(self, limit: int = 50) -> list[tuple[float, str, str, str]]:
        rows = await self.store.fetchall(
            "SELECT ts, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]
