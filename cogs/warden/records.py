"""The Warden's repository: verdicts and per-room settings (tables of migration 0003).

Reach it through the store: ``records(store)`` registers it once as the ``warden`` extension.
Cogs never write SQL elsewhere; another backend only has to provide this class.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.memory.store import Store

log = logging.getLogger(__name__)

WARDEN = "warden"  # the actor of the Warden's own verdicts
_COLUMNS = (
    "ts, room_key, message_id, user_id, user_name, action, checks, score, actor, reason, "
    "seconds, outcome, excerpt"
)
EXCERPT = 200  # characters of the message kept with its verdict, for review


@dataclass(frozen=True, slots=True)
class Record:
    """One verdict, or one moderator's pardon or permit."""

    ts: float
    room_key: str
    message_id: str | None
    user_id: str
    user_name: str
    action: str  # flag, delete, timeout, ban, pardon, permit
    checks: tuple[str, ...] = ()
    score: float = 0.0
    actor: str = WARDEN
    reason: str = ""
    seconds: int | None = None
    outcome: str = ""  # what the platform said (bot.moderation_actions.carry_out)
    excerpt: str = ""
    id: int = 0

    def row(self) -> tuple[Any, ...]:
        return (
            self.ts,
            self.room_key,
            self.message_id,
            self.user_id,
            self.user_name,
            self.action,
            ",".join(self.checks),
            self.score,
            self.actor,
            self.reason,
            self.seconds,
            self.outcome,
            self.excerpt[:EXCERPT],
        )

    @classmethod
    def from_row(cls, row: Any) -> Record:
        (rid, ts, room_key, message_id, user_id, user_name, action, checks, score, actor,
         reason, seconds, outcome, excerpt) = row  # fmt: skip
        return cls(
            ts,
            room_key,
            message_id,
            user_id,
            user_name,
            action,
            tuple(c for c in checks.split(",") if c),
            score,
            actor,
            reason,
            seconds,
            outcome,
            excerpt,
            rid,
        )


class WardenRecords:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def ensure(self) -> None:
        """Create the tables if a database skipped migration 0003.

        Migration numbers were reserved per issue, so a database made by a build that had
        0004/0005 but not yet 0003 is past version 3 without these tables.
        """
        row = await self.store.fetchone(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)",
            ("warden_verdicts", "warden_rooms"),
        )
        if row is not None and row[0] == 2:
            return
        sql = (
            resources.files("bot.memory")
            .joinpath("migrations/0003_warden.sql")
            .read_text("utf-8")
            .replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ")
            .replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ")
        )
        async with self.store.transaction() as db:
            for statement in _statements(sql):
                await db.execute(statement)
        log.warning("warden tables were missing (migration 0003 skipped); created them")

    # -- verdicts --------------------------------------------------------------------------

    async def add(self, record: Record) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                f"INSERT INTO warden_verdicts ({_COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                record.row(),
            )

    async def recent(
        self,
        room_key: str | None = None,
        limit: int = 10,
        *,
        actions: tuple[str, ...] = (),
        user_id: str | None = None,
    ) -> list[Record]:
        """The newest records first, in one room (or all), of some actions (or all)."""
        where, params = [], []
        if room_key is not None:
            where.append("room_key = ?")
            params.append(room_key)
        if actions:
            where.append(f"action IN ({', '.join('?' * len(actions))})")
            params.extend(actions)
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        sql = f"SELECT id, {_COLUMNS} FROM warden_verdicts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = await self.store.fetchall(f"{sql} ORDER BY id DESC LIMIT ?", (*params, limit))
        return [Record.from_row(row) for row in rows]

    async def counts(self, room_key: str, since: float) -> dict[str, int]:
        """Verdicts per action in ``room_key`` since ``since``."""
        rows = await self.store.fetchall(
            "SELECT action, count(*) FROM warden_verdicts WHERE room_key = ? AND ts >= ?"
            " GROUP BY action",
            (room_key, since),
        )
        return {action: count for action, count in rows}

    # -- per-room settings -----------------------------------------------------------------

    async def rooms(self) -> dict[str, dict[str, Any]]:
        """Every room's stored changes: room key -> {field: value}."""
        rows = await self.store.fetchall("SELECT room_key, config FROM warden_rooms")
        found: dict[str, dict[str, Any]] = {}
        for room_key, config in rows:
            try:
                value = json.loads(config)
            except json.JSONDecodeError:
                log.warning("warden settings of %s are not JSON; ignored", room_key)
                continue
            if isinstance(value, dict):
                found[room_key] = value
        return found

    async def save_room(self, room_key: str, changes: dict[str, Any], by: str) -> None:
        async with self.store.transaction() as db:
            if not changes:
                await db.execute("DELETE FROM warden_rooms WHERE room_key = ?", (room_key,))
                return
            await db.execute(
                "INSERT INTO warden_rooms (room_key, config, updated, updated_by)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (room_key) DO UPDATE SET"
                " config = excluded.config, updated = excluded.updated,"
                " updated_by = excluded.updated_by",
                (
                    room_key,
                    json.dumps(changes, ensure_ascii=False, sort_keys=True),
                    self.store.clock.now(),
                    by,
                ),
            )


def _statements(sql: str) -> list[str]:
    """The statements of a migration file without its comments (none contain a ';')."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def records(store: Store) -> WardenRecords:
    return store.extension("warden", WardenRecords)
