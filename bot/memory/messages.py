"""The message log: every message seen or sent, written in batches off the dispatch path.

``record()`` only appends to a buffer, so the dispatcher never waits on the disk. A writer task
flushes the buffer every ``flush_interval_s`` (or at ``flush_batch`` messages) in one
transaction. A failed flush (a locked database) keeps the batch and retries: an acknowledged
message is never dropped. Reads flush first, so they always see what was recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.memory import driver
from bot.message import Message, MessageKind, Platform, Role, Room, User

if TYPE_CHECKING:
    from bot.memory.store import Store

log = logging.getLogger(__name__)

_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str, *, any_term: bool = True) -> str | None:
    """Turn free text into a safe FTS5 query: bare words, quoted; None if nothing is left.

    User text never reaches FTS5 syntax: every token is quoted, so punctuation, ``NEAR``,
    ``*`` or unbalanced quotes cannot become operators or errors.
    """
    words = [w for w in _FTS_TOKEN.findall(text.lower()) if w][:32]
    if not words:
        return None
    joiner = " OR " if any_term else " "
    return joiner.join(f'"{w}"' for w in dict.fromkeys(words))


@dataclass(frozen=True, slots=True)
class SearchHit:
    message: Message
    score: float


_SELECT = """
SELECT m.id, m.platform_id, m.ts, m.text, m.kind, m.reply_to, m.edit_of, m.mentions,
       r.platform, r.room_id, r.name AS room_name, r.is_direct, r.member_count,
       u.user_id, u.name AS user_name, u.display, u.is_bot, u.role, u.persona
FROM messages m JOIN rooms r ON r.id = m.room JOIN users u ON u.id = m.author
"""


def _row_to_message(row) -> Message:
    platform = Platform(row["platform"])
    room = Room(
        platform, row["room_id"], row["room_name"], bool(row["is_direct"]), row["member_count"]
    )
    author = User(
        platform,
        row["user_id"],
        row["user_name"],
        row["display"],
        bool(row["is_bot"]),
        Role.from_level(row["role"]),
        row["persona"],
    )
    mentions = tuple(json.loads(row["mentions"])) if row["mentions"] else ()
    return Message(
        row["platform_id"],
        room,
        author,
        row["text"],
        row["ts"],
        mentions,
        row["reply_to"],
        MessageKind(row["kind"]),
        row["edit_of"],
    )


class MessageLog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[Message] = []
        self._wake = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._writer: asyncio.Task | None = None
        self._room_ids: dict[str, tuple[int, tuple]] = {}
        self._conn = None  # the writer's own connection, opened on first write
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._user_ids: dict[str, tuple[int, tuple]] = {}
        self.written = 0
        self.failures = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    # -- writing ---------------------------------------------------------------------------

    def record(self, message: Message) -> None:
        """Queue ``message`` for the store. Never blocks, never raises."""
        self._pending.append(message)
        if len(self._pending) >= self.store.settings.flush_batch:
            self._wake.set()

    def start(self) -> None:
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._run(), name="store-writer")

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        # A clean shutdown flushes everything; a failing flush is retried a few times.
        for attempt in range(5):
            try:
                await self.flush()
                return
            except Exception as error:
                log.error("flush on shutdown failed (attempt %d): %s", attempt + 1, error)
                await asyncio.sleep(0.2 * (attempt + 1))
        if self._pending:
            log.error("%d messages could not be written at shutdown", len(self._pending))
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close_writer)

    async def _run(self) -> None:
        interval = self.store.settings.flush_interval_s
        backoff = interval
        while True:
            # asyncio.timeout, not wait_for: a cancelled wait_for could leave this task stuck.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
                backoff = interval
            except Exception as error:
                self.failures += 1
                log.error("message log flush failed, will retry: %s", error)
                backoff = min(backoff * 2 or 0.05, 5.0)
                await asyncio.sleep(backoff)

    async def flush(self) -> None:
        async with self._flush_lock:
            while self._pending:
                batch = self._pending[: self.store.settings.flush_batch]
                try:
                    await self._write(batch)
                except BaseException:
                    # Caches may name rows the rollback removed.
                    self._room_ids.clear()
                    self._user_ids.clear()
                    raise
                del self._pending[: len(batch)]
                self.written += len(batch)

    async def record_now(self, messages: list[Message]) -> int:
        """Write ``messages`` at once (history backfill); return how many were new."""
        before = await self.count()
        self._pending.extend(messages)
        await self.flush()
        return await self.count() - before

    def _truncate(self, text: str) -> tuple[str, int]:
        limit = self.store.settings.max_message_chars
        if len(text) <= limit:
            return text, 0
        return text[:limit], 1

    # The writer has its own connection on its own thread: a whole batch (room and user
    # upserts, the inserts, the FTS index) is one hop to that thread instead of one per row,
    # and SQLite releases the GIL while it works, so dispatch goes on meanwhile.

    def _open_writer(self) -> None:
        if self._conn is None:
            self._conn = driver.connect_sync(self.store.path)

    def _close_writer(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long the writer waits on a lock held elsewhere (tests shorten it)."""
        self._open_writer()
        self._conn.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")

    def _room_rowid(self, conn, room: Room, ts: float) -> int:
        fields = (room.name, int(room.is_direct), room.member_count)
        cached = self._room_ids.get(room.key)
        if cached is not None and cached[1] == fields:
            return cached[0]
        rowid = conn.execute(
            "INSERT INTO rooms (platform, room_id, name, is_direct, member_count, first_seen,"
            " last_seen) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, room_id) DO UPDATE"
            " SET name = CASE WHEN excluded.name != '' THEN excluded.name ELSE name END,"
            " is_direct = excluded.is_direct, member_count = excluded.member_count,"
            " last_seen = max(last_seen, excluded.last_seen) RETURNING id",
            (room.platform.value, room.id, *fields, ts, ts),
        ).fetchone()[0]
        self._room_ids[room.key] = (rowid, fields)
        return rowid

    def _user_rowid(self, conn, user: User, ts: float) -> int:
        fields = (user.name, user.display, int(user.is_bot), int(user.role), user.persona)
        cached = self._user_ids.get(user.key)
        if cached is not None and cached[1] == fields:
            return cached[0]
        rowid = conn.execute(
            "INSERT INTO users (platform, user_id, name, display, is_bot, role, persona,"
            " first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, user_id) DO UPDATE SET name = excluded.name,"
            " display = excluded.display, is_bot = excluded.is_bot, role = excluded.role,"
            " persona = excluded.persona, last_seen = max(last_seen, excluded.last_seen)"
            " RETURNING id",
            (user.platform.value, user.id, *fields, ts, ts),
        ).fetchone()[0]
        self._user_ids[user.key] = (rowid, fields)
        return rowid

    def _write_sync(self, batch: list[Message]) -> None:
        self._open_writer()
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            last_id = conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
            rows = []
            limit = self.store.settings.max_message_chars
            for message in batch:
                text = message.text
                truncated = 0
                if len(text) > limit:
                    text, truncated = text[:limit], 1
                rows.append((
                    self._room_rowid(conn, message.room, message.ts),
                    self._user_rowid(conn, message.author, message.ts),
                    message.id,
                    message.ts,
                    text,
                    message.kind.value,
                    message.reply_to,
                    message.edit_of,
                    json.dumps(list(message.mentions)) if message.mentions else None,
                    truncated,
                ))
            conn.executemany(
                "INSERT INTO messages (room, author, platform_id, ts, text, kind, reply_to,"
                " edit_of, mentions, truncated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (room, platform_id) DO NOTHING",
                rows,
            )
            conn.execute(
                "INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE id > ?",
                (last_id,),
            )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                conn.execute("ROLLBACK")
            raise

    async def _write(self, batch: list[Message]) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._write_sync, batch)

    # -- reading ---------------------------------------------------------------------------

    async def recent(
        self, room: Room, limit: int = 20, *, before_ts: float | None = None
    ) -> list[Message]:
        """The last ``limit`` messages of ``room``, oldest first."""
        await self.flush()
        sql = _SELECT + " WHERE r.platform = ? AND r.room_id = ?"
        params: list = [room.platform.value, room.id]
        if before_ts is not None:
            sql += " AND m.ts < ?"
            params.append(before_ts)
        sql += " ORDER BY m.ts DESC, m.id DESC LIMIT ?"
        params.append(limit)
        rows = await self.store.fetchall(sql, tuple(params))
        return [_row_to_message(row) for row in reversed(rows)]

    async def count(self, room: Room | None = None) -> int:
        await self.flush()
        if room is None:
            row = await self.store.fetchone("SELECT count(*) FROM messages")
        else:
            row = await self.store.fetchone(
                "SELECT count(*) FROM messages m JOIN rooms r ON r.id = m.room"
                " WHERE r.platform = ? AND r.room_id = ?",
                (room.platform.value, room.id),
            )
        return int(row[0])

    async def contains(self, platform: Platform, room_id: str, platform_id: str) -> bool:
        await self.flush()
        row = await self.store.fetchone(
            "SELECT 1 FROM messages m JOIN rooms r ON r.id = m.room"
            " WHERE r.platform = ? AND r.room_id = ? AND m.platform_id = ?",
            (platform.value, room_id, platform_id),
        )
        return row is not None

    async def newest(self, room: Room) -> Message | None:
        found = await self.recent(room, 1)
        return found[-1] if found else None

    async def search(
        self, text: str, *, room: Room | None = None, limit: int = 20
    ) -> list[SearchHit]:
        """Full-text search (BM25); free text is made safe by :func:`fts_query`."""
        query = fts_query(text)
        if query is None:
            return []
        await self.flush()
        sql = (
            _SELECT.replace("SELECT ", "SELECT bm25(messages_fts) AS score, ", 1)
            + " JOIN messages_fts f ON f.rowid = m.id WHERE messages_fts MATCH ?"
        )
        params: list = [query]
        if room is not None:
            sql += " AND r.platform = ? AND r.room_id = ?"
            params += [room.platform.value, room.id]
        sql += " ORDER BY score LIMIT ?"
        params.append(limit)
        rows = await self.store.fetchall(sql, tuple(params))
        return [SearchHit(_row_to_message(row), -float(row["score"])) for row in rows]

    async def rooms(self) -> list[Room]:
        rows = await self.store.fetchall(
            "SELECT platform, room_id, name, is_direct, member_count FROM rooms ORDER BY last_seen"
            " DESC"
        )
        return [Room(Platform(r[0]), r[1], r[2], bool(r[3]), r[4]) for r in rows]
