"""The message log: every message seen or sent, written in batches off the dispatch path.

``record()`` only appends to a buffer, so the dispatcher never waits on the disk. A writer task
flushes the buffer every ``flush_interval_s`` (or at ``flush_batch`` messages) in one
transaction (under load, up to ``BURST_BATCHES`` batches at once), on its own connection and
thread. A failed flush (a locked database) keeps the batch and retries: an acknowledged
message is never dropped. Reads flush first, so they always see what was recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
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


# One statement per table and batch; ``WHERE true`` keeps "SELECT ... ON CONFLICT" unambiguous.
# (``->>`` and ORDER BY inside an aggregate need SQLite 3.44; pysqlite3-binary bundles 3.51.)
_UPSERT_ROOMS = (
    "INSERT INTO rooms (platform, room_id, name, is_direct, member_count, first_seen, last_seen)"
    " SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>5"
    " FROM json_each(?) WHERE true ON CONFLICT (platform, room_id) DO UPDATE"
    " SET name = CASE WHEN excluded.name != '' THEN excluded.name ELSE name END,"
    " is_direct = excluded.is_direct, member_count = excluded.member_count,"
    " last_seen = max(last_seen, excluded.last_seen)"
)
_UPSERT_USERS = (
    "INSERT INTO users (platform, user_id, name, display, is_bot, role, persona, first_seen,"
    " last_seen) SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5,"
    " value->>6, value->>7, value->>7 FROM json_each(?) WHERE true"
    " ON CONFLICT (platform, user_id) DO UPDATE SET name = excluded.name,"
    " display = excluded.display, is_bot = excluded.is_bot, role = excluded.role,"
    " persona = excluded.persona, last_seen = max(last_seen, excluded.last_seen)"
)
_INSERT_MESSAGES = (
    "INSERT INTO messages (room, author, platform_id, ts, text, kind, reply_to, edit_of,"
    " mentions, truncated)"
    " SELECT value->>0, value->>1, value->>2, value->>3, value->>4,"
    " coalesce(value->>5, 'text'), value->>6, value->>7, value->>8, coalesce(value->>9, 0)"
    " FROM json_each(?) WHERE true"
    " ON CONFLICT (room, platform_id) DO NOTHING"
)
# Row ids for a JSON array of [platform, id] keys, in its order, as one JSON array (one row).
_ROOM_IDS = (
    "SELECT json_group_array(r.id ORDER BY j.key) FROM json_each(?) j JOIN rooms r"
    " ON r.platform = j.value->>0 AND r.room_id = j.value->>1"
)
_USER_IDS = (
    "SELECT json_group_array(u.id ORDER BY j.key) FROM json_each(?) j JOIN users u"
    " ON u.platform = j.value->>0 AND u.user_id = j.value->>1"
)
# The writer checkpoints the WAL itself when it goes idle; during a burst SQLite's own
# checkpoint (every 1000 pages by default) would copy the same hot pages again and again.
WAL_AUTOCHECKPOINT_PAGES = 10_000
BURST_BATCHES = 5  # a flush takes up to this many flush_batch at once when they are waiting


def _json(rows: list) -> str | None:
    """``rows`` as one JSON array for ``json_each`` (None when empty); raises
    UnicodeEncodeError for text SQLite could not store."""
    if not rows:
        return None
    text = json.dumps(rows, ensure_ascii=False)
    text.encode("utf-8")
    return text


_TEXT = MessageKind.TEXT
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """``text`` as SQLite can store it (lone surrogates become U+FFFD)."""
    return _SURROGATE.sub("\ufffd", text)


def _cleaned(message: Message) -> Message:
    room, author = message.room, message.author
    return replace(
        message,
        text=_clean(message.text),
        room=replace(room, id=_clean(room.id), name=_clean(room.name)),
        author=replace(
            author, id=_clean(author.id), name=_clean(author.name), display=_clean(author.display)
        ),
    )


class MessageLog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: list[Message] = []
        self._flush_at = store.settings.flush_batch  # read on every record()
        self._wake = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._writer: asyncio.Task | None = None
        self._room_ids: dict[str, tuple[Room, int]] = {}  # key -> (Room last written, row id)
        self._conn = None  # the writer's own connection, opened on first write
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._user_ids: dict[str, tuple[User, int]] = {}  # key -> (User last written, row id)
        self.since_checkpoint = 0  # messages written since the writer last checkpointed
        self.written = 0
        self.failures = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    # -- writing ---------------------------------------------------------------------------

    def record(self, message: Message) -> None:
        """Queue ``message`` for the store. Never blocks, never raises."""
        pending = self._pending
        pending.append(message)
        if len(pending) >= self._flush_at:
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
                if self._pending:
                    await self.flush()
                elif self.since_checkpoint:  # idle after a burst: fold the WAL back in now
                    await asyncio.get_running_loop().run_in_executor(
                        self._executor, self._checkpoint_sync
                    )
                backoff = interval
            except Exception as error:
                self.failures += 1
                log.error("message log flush failed, will retry: %s", error)
                backoff = min(backoff * 2 or 0.05, 5.0)
                await asyncio.sleep(backoff)

    async def flush(self) -> None:
        async with self._flush_lock:
            while self._pending:
                # Under load, bigger batches: one transaction, JSON array and FTS pass each.
                size = self.store.settings.flush_batch
                if len(self._pending) > size:
                    size = min(len(self._pending), size * BURST_BATCHES)
                batch = self._pending[:size]
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
    #
    # Each statement gets the whole batch as one JSON array (``json_each``), so SQLite runs it
    # in one step: the sqlite3 module releases and retakes the GIL around every step, and with
    # the dispatch thread busy, retaking it waits for the interpreter's switch interval, so an
    # ``executemany`` of 2000 rows crawled at a few hundred rows a second under load.

    def _open_writer(self) -> None:
        if self._conn is None:
            self._conn = driver.connect_sync(self.store.path)
            self._conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")

    def _close_writer(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long the writer waits on a lock held elsewhere (tests shorten it)."""
        self._open_writer()
        self._conn.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")

    def _write_sync(self, batch: list[Message]) -> None:
        try:
            self._write_batch(batch)
        except UnicodeEncodeError:
            # A lone surrogate (from a broken payload) cannot be stored: write the batch again
            # with it replaced, rather than retrying a batch that can never succeed.
            self._room_ids.clear()
            self._user_ids.clear()
            self._write_batch([_cleaned(message) for message in batch])

    def _write_batch(self, batch: list[Message]) -> None:
        self._open_writer()
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            rooms, users = self._resolve(conn, batch)
            rows = []
            append = rows.append
            limit = self.store.settings.max_message_chars
            for message in batch:
                text = message.text
                mentions = message.mentions
                row = (
                    rooms[message.room.key][1],
                    users[message.author.key][1],
                    message.id,
                    message.ts,
                    text,
                )
                if (
                    len(text) > limit
                    or mentions
                    or message.kind is not _TEXT
                    or message.reply_to is not None
                    or message.edit_of is not None
                ):
                    # The rest only when it is not the default (most chat lines): a shorter
                    # JSON array to build and for SQLite to read.
                    truncated = 0
                    if len(text) > limit:
                        text, truncated = text[:limit], 1
                    row = (
                        *row[:4],
                        text,
                        message.kind._value_,
                        message.reply_to,
                        message.edit_of,
                        json.dumps(list(mentions)) if mentions else None,
                        truncated,
                    )
                append(row)
            last_id = conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
            conn.execute(_INSERT_MESSAGES, (_json(rows),))
            conn.execute(
                "INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE id > ?",
                (last_id,),
            )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                conn.execute("ROLLBACK")
            raise
        self.since_checkpoint += len(batch)

    def _resolve(self, conn, batch: list[Message]) -> tuple[dict, dict]:
        """Upsert the batch's new or changed rooms and users (one statement each) and learn
        their row ids (one more each); return the caches, which now hold every key.

        ``_room_ids`` / ``_user_ids`` map a key to (the Room or User last written, its row id).
        Rooms and Users are immutable and shared, so most rows pass on an identity test.
        """
        room_ids, user_ids = self._room_ids, self._user_ids
        new_rooms: dict[str, Room] = {}
        new_users: dict[str, User] = {}
        room_rows: list = []
        user_rows: list = []
        for message in batch:
            # The common case, inline: the very object last written. The rest is rare.
            room = message.room
            cached = room_ids.get(room.key)
            if cached is None or cached[0] is not room or room.key in new_rooms:
                self._note(room_ids, new_rooms, room_rows, room, cached, message.ts)
            author = message.author
            cached = user_ids.get(author.key)
            if cached is None or cached[0] is not author or author.key in new_users:
                self._note(user_ids, new_users, user_rows, author, cached, message.ts)
        if room_rows:
            conn.execute(_UPSERT_ROOMS, (_json(room_rows),))
            keys = [(r.platform._value_, r.id) for r in new_rooms.values()]
            ids = conn.execute(_ROOM_IDS, (_json(keys),)).fetchone()[0]
            for room, rowid in zip(new_rooms.values(), json.loads(ids), strict=True):
                room_ids[room.key] = (room, rowid)
        if user_rows:
            conn.execute(_UPSERT_USERS, (_json(user_rows),))
            keys = [(u.platform._value_, u.id) for u in new_users.values()]
            ids = conn.execute(_USER_IDS, (_json(keys),)).fetchone()[0]
            for user, rowid in zip(new_users.values(), json.loads(ids), strict=True):
                user_ids[user.key] = (user, rowid)
        return room_ids, user_ids

    @staticmethod
    def _note(ids: dict, new: dict, rows: list, item: Room | User, cached, ts: float) -> None:
        """Queue a row for ``item`` (a Room or a User) unless the table holds it already: what
        it holds by now is this batch's last write, else the cached one; only a difference is
        written (in order: the last one wins)."""
        key = item.key
        held = new.get(key) or (cached[0] if cached is not None else None)
        if held is None or (held is not item and held != item):
            new[key] = item
            if isinstance(item, Room):
                row = (
                    item.platform._value_,
                    item.id,
                    item.name,
                    int(item.is_direct),
                    item.member_count,
                    ts,
                )
            else:
                row = (
                    item.platform._value_,
                    item.id,
                    item.name,
                    item.display,
                    int(item.is_bot),
                    int(item.role),
                    item.persona,
                    ts,
                )
            rows.append(row)
        elif key not in new:
            ids[key] = (item, cached[1])  # an equal object: cache this one

    def _checkpoint_sync(self) -> None:
        if self._conn is not None:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.since_checkpoint = 0

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
