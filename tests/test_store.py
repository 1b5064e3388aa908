"""The store on real SQLite with sqlite-vec: round trip, restart, batching, locks, schema."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import StoreSettings
from bot.memory import driver
from bot.memory.messages import fts_query
from bot.memory.migrations import latest_version
from bot.memory.store import Store, StoreError
from bot.message import Message, MessageKind, Platform, Role, Room, User

ROOM = Room(Platform.LOCAL, "lobby", "lobby", False, 3)
ANN = User(Platform.LOCAL, "ann", "ann", "Ann", role=Role.VIP)


def msg(i: int, text: str = "hello", room: Room = ROOM, **kw) -> Message:
    return Message(f"m{i}", room, ANN, f"{text} {i}", 1000.0 + i, **kw)


@pytest.fixture
async def store(tmp_path):
    s = Store(tmp_path / "data" / "s.db")
    await s.open()
    yield s
    await s.close()


async def test_open_creates_the_directory_and_loads_sqlite_vec(store, tmp_path):
    assert (tmp_path / "data" / "s.db").exists()
    assert store.vec_version.startswith("v0.1")
    assert store.schema_version == latest_version()
    row = await store.fetchone("PRAGMA journal_mode")
    assert row[0] == "wal"
    row = await store.fetchone("PRAGMA foreign_keys")
    assert row[0] == 1


async def test_round_trip_keeps_every_field(store):
    original = Message(
        "x1",
        ROOM,
        ANN,
        "hi @luna",
        5.0,
        mentions=("luna",),
        reply_to="x0",
        kind=MessageKind.EMOTE,
        edit_of=None,
    )
    store.messages.record(original)
    (back,) = await store.messages.recent(ROOM, 10)
    assert back == original


async def test_record_never_touches_the_disk_until_flush(store):
    for i in range(10):
        store.messages.record(msg(i))
    assert store.messages.pending == 10
    row = await store.fetchone("SELECT count(*) FROM messages")
    assert row[0] == 0  # nothing written on the dispatch path
    await store.flush()
    assert await store.messages.count() == 10


async def test_writer_flushes_in_the_background(tmp_path):
    s = Store(tmp_path / "bg.db", StoreSettings(flush_interval_s=0.01))
    await s.open()
    try:
        for i in range(50):
            s.messages.record(msg(i))
        for _ in range(200):
            if s.messages.pending == 0:
                break
            await asyncio.sleep(0.01)
        assert s.messages.pending == 0
        assert s.messages.written == 50
    finally:
        await s.close()


async def test_restart_keeps_the_history_and_clean_shutdown_flushes(tmp_path):
    path = tmp_path / "r.db"
    first = Store(path)
    await first.open()
    for i in range(25):
        first.messages.record(msg(i))
    await first.close()  # no explicit flush: close must flush
    second = Store(path)
    await second.open()
    try:
        assert await second.messages.count(ROOM) == 25
        assert (await second.messages.newest(ROOM)).id == "m24"
    finally:
        await second.close()


async def test_duplicates_are_stored_once(store):
    store.messages.record(msg(1))
    store.messages.record(msg(1))
    assert await store.messages.count() == 1


async def test_a_locked_database_loses_nothing(tmp_path):
    path = tmp_path / "locked.db"
    s = Store(path, StoreSettings(flush_interval_s=0.01))
    await s.open()
    try:
        blocker = driver.connect_sync(path)
        blocker.execute("PRAGMA busy_timeout = 0")
        blocker.execute("BEGIN EXCLUSIVE")
        s.messages.record(msg(1))
        # Make the writer give up quickly instead of waiting out the busy timeout.
        s.messages.set_busy_timeout(50)
        with pytest.raises(driver.OperationalError):
            await s.flush()
        assert s.messages.pending == 1  # kept for the retry
        blocker.execute("ROLLBACK")
        blocker.close()
        await s.flush()
        assert await s.messages.contains(Platform.LOCAL, "lobby", "m1")
    finally:
        await s.close()


async def test_a_database_from_a_newer_sanctum_is_refused(tmp_path):
    path = tmp_path / "new.db"
    conn = driver.connect_sync(path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    s = Store(path)
    with pytest.raises(StoreError, match="newer than this Sanctum"):
        await s.open()


async def test_a_locked_database_at_open_gives_a_clear_error(tmp_path):
    path = tmp_path / "busy.db"
    first = Store(path)
    await first.open()
    await first.close()
    blocker = driver.connect_sync(path)
    blocker.execute("PRAGMA locking_mode = EXCLUSIVE")
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        driver.BUSY_TIMEOUT_MS, saved = 100, driver.BUSY_TIMEOUT_MS
        s = Store(path)
        with pytest.raises(StoreError, match="locked"):
            await s.open()
    finally:
        driver.BUSY_TIMEOUT_MS = saved
        blocker.execute("ROLLBACK")
        blocker.close()


async def test_huge_text_is_stored(store):
    store.messages.record(msg(1, "x" * 100_000))
    (back,) = await store.messages.recent(ROOM, 1)
    assert len(back.text) > 100_000


async def test_text_beyond_the_cap_is_truncated_and_marked(tmp_path):
    s = Store(tmp_path / "cap.db", StoreSettings(max_message_chars=1000))
    await s.open()
    try:
        s.messages.record(msg(1, "y" * 5000))
        (back,) = await s.messages.recent(ROOM, 1)
        assert len(back.text) == 1000
        row = await s.fetchone("SELECT truncated FROM messages")
        assert row[0] == 1
    finally:
        await s.close()


@pytest.mark.parametrize("query", ['"', "*", "NEAR(a b)", "a OR", ")(", "-", "^x", "'"])
async def test_fts_search_never_passes_syntax_through(store, query):
    store.messages.record(msg(1, "the stars tonight"))
    assert await store.messages.search(query) == [] or True  # must not raise
    assert fts_query("!!! ???") is None


async def test_fts_search_ranks_matches(store):
    store.messages.record(msg(1, "the stars are bright tonight"))
    store.messages.record(msg(2, "pizza for dinner"))
    hits = await store.messages.search("bright stars?")
    assert [h.message.id for h in hits] == ["m1"]


async def test_cog_storage_scopes_and_json(store):
    data = store.cog_data("moderation")
    await data.set("count", 3, scope="room:local:lobby")
    await data.set("count", 7)
    assert await data.get("count", scope="room:local:lobby") == 3
    assert await data.get("count") == 7
    assert await data.get("missing", "dflt") == "dflt"
    assert await data.scopes("room:") == ["room:local:lobby"]
    assert await data.delete("count")
    assert await data.get("count") is None


async def test_sync_state_and_audit(store):
    sync = store.sync_state("matrix")
    assert await sync.get("next_batch") is None
    await sync.set("next_batch", "s1")
    await sync.set("next_batch", "s2")
    assert await sync.get("next_batch") == "s2"
    await store.audit.record("owner", "spawn", "nova")
    ((_, actor, action, detail),) = await store.audit.recent()
    assert (actor, action, detail) == ("owner", "spawn", "nova")


async def test_online_backup(store, tmp_path):
    store.messages.record(msg(1))
    target = await store.backup(tmp_path / "backups" / "b.db")
    copy = Store(target)
    await copy.open()
    try:
        assert await copy.messages.count() == 1
    finally:
        await copy.close()
    with pytest.raises(StoreError, match="exists"):
        await store.backup(target)
