"""Repositories for the dispatch rules and the moderation cog (migration 0002).

- :class:`RoomSettings`: per-room rule settings (JSON values keyed by name), loaded at start.
- :class:`CustomCommands`: moderators' text commands per room, with an atomic use counter.
- :class:`Timers`: periodic room messages, restored at start.

Reach them through the store: ``store.extension("room_settings", RoomSettings)`` and so on
(:func:`room_settings`, :func:`custom_commands`, :func:`timers` do exactly that).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.memory.store import Store


class RoomSettings:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def all(self) -> dict[str, dict[str, Any]]:
        """Every stored setting: room key -> {name: value}."""
        rows = await self.store.fetchall(
            "SELECT room_key, key, value FROM room_settings ORDER BY room_key, key"
        )
        found: dict[str, dict[str, Any]] = {}
        for room_key, key, value in rows:
            found.setdefault(room_key, {})[key] = json.loads(value)
        return found

    async def set(self, room_key: str, key: str, value: Any) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO room_settings (room_key, key, value, updated) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (room_key, key) DO UPDATE SET value = excluded.value,"
                " updated = excluded.updated",
                (room_key, key, json.dumps(value, ensure_ascii=False), self.store.clock.now()),
            )

    async def delete(self, room_key: str, key: str) -> bool:
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM room_settings WHERE room_key = ? AND key = ?", (room_key, key)
            )
            return cursor.rowcount > 0


@dataclass(frozen=True, slots=True)
class CustomCommand:
    room_key: str
    name: str
    text: str
    uses: int
    created_by: str


class CustomCommands:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, room_key: str, name: str) -> CustomCommand | None:
        row = await self.store.fetchone(
            "SELECT room_key, name, text, uses, created_by FROM custom_commands"
            " WHERE room_key = ? AND name = ?",
            (room_key, name),
        )
        return CustomCommand(*row) if row else None

    async def names(self) -> dict[str, set[str]]:
        """Every room's command names (kept in memory: most unknown commands are other bots')."""
        rows = await self.store.fetchall("SELECT room_key, name FROM custom_commands")
        found: dict[str, set[str]] = {}
        for room_key, name in rows:
            found.setdefault(room_key, set()).add(name)
        return found

    async def list(self, room_key: str) -> list[CustomCommand]:
        rows = await self.store.fetchall(
            "SELECT room_key, name, text, uses, created_by FROM custom_commands"
            " WHERE room_key = ? ORDER BY name",
            (room_key,),
        )
        return [CustomCommand(*row) for row in rows]

    async def add(self, room_key: str, name: str, text: str, created_by: str) -> bool:
        """False when the room already has a command of that name."""
        now = self.store.clock.now()
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO custom_commands (room_key, name, text, created_by, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (room_key, name) DO NOTHING",
                (room_key, name, text, created_by, now, now),
            )
            return cursor.rowcount > 0

    async def edit(self, room_key: str, name: str, text: str) -> bool:
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "UPDATE custom_commands SET text = ?, updated = ? WHERE room_key = ? AND name = ?",
                (text, self.store.clock.now(), room_key, name),
            )
            return cursor.rowcount > 0

    async def delete(self, room_key: str, name: str) -> bool:
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM custom_commands WHERE room_key = ? AND name = ?", (room_key, name)
            )
            return cursor.rowcount > 0

    async def use(self, room_key: str, name: str) -> CustomCommand | None:
        """Count one use and return the command with its new count (None if it is gone).

        One statement, so two people using it at once both count.
        """
        async with self.store.transaction() as db:
            async with db.execute(
                "UPDATE custom_commands SET uses = uses + 1 WHERE room_key = ? AND name = ?"
                " RETURNING room_key, name, text, uses, created_by",
                (room_key, name),
            ) as cursor:
                row = await cursor.fetchone()
        return CustomCommand(*row) if row else None


@dataclass(frozen=True, slots=True)
class TimerRow:
    room_key: str
    name: str
    every_s: float
    min_lines: int
    text: str
    created_by: str
    posts: int = 0
    last_post: float | None = None


class Timers:
    def __init__(self, store: Store) -> None:
        self.store = store

    _COLUMNS = "room_key, name, every_s, min_lines, text, created_by, posts, last_post"

    async def all(self) -> list[TimerRow]:
        rows = await self.store.fetchall(
            f"SELECT {self._COLUMNS} FROM timers ORDER BY room_key, name"
        )
        return [TimerRow(*row) for row in rows]

    async def list(self, room_key: str) -> list[TimerRow]:
        rows = await self.store.fetchall(
            f"SELECT {self._COLUMNS} FROM timers WHERE room_key = ? ORDER BY name", (room_key,)
        )
        return [TimerRow(*row) for row in rows]

    async def add(self, timer: TimerRow) -> bool:
        """False when the room already has a timer of that name."""
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO timers (room_key, name, every_s, min_lines, text, created_by,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_key, name) DO NOTHING",
                (
                    timer.room_key,
                    timer.name,
                    timer.every_s,
                    timer.min_lines,
                    timer.text,
                    timer.created_by,
                    self.store.clock.now(),
                ),
            )
            return cursor.rowcount > 0

    async def delete(self, room_key: str, name: str) -> bool:
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM timers WHERE room_key = ? AND name = ?", (room_key, name)
            )
            return cursor.rowcount > 0

    async def posted(self, room_key: str, name: str, ts: float) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE timers SET posts = posts + 1, last_post = ?"
                " WHERE room_key = ? AND name = ?",
                (ts, room_key, name),
            )


def room_settings(store: Store) -> RoomSettings:
    return store.extension("room_settings", RoomSettings)


def custom_commands(store: Store) -> CustomCommands:
    return store.extension("custom_commands", CustomCommands)


def timers(store: Store) -> Timers:
    return store.extension("timers", Timers)
