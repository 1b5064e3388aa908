"""The message log's batch writer on real SQLite: one JSON array per statement must store
exactly what row-by-row inserts stored (types, floats, changes within a batch), survive text
SQLite cannot hold, and recover when the rows it cached are purged."""

from __future__ import annotations

import random

import pytest

from bot.memory.store import Store
from bot.message import Message, MessageKind, Platform, Role, Room, User

ROOM = Room(Platform.DISCORD, "910000000000000001", "general", False, 42)
ANN = User(Platform.DISCORD, "920000000000000001", "ann", "Ann", role=Role.VIP)
BOT = User(Platform.DISCORD, "920000000000000002", "luna", "Luna", True, Role.ADMIN, "luna")


@pytest.fixture
async def store(tmp_path):
    s = Store(tmp_path / "s.db")
    await s.open()
    yield s
    await s.close()


async def test_every_field_and_type_round_trips(store):
    rng = random.Random(3)
    sent = [
        Message(
            str(1000 + i),
            ROOM,
            [ANN, BOT][i % 2],
            f"line {i} with 'quotes', \"double\", back\\slash, emoji 😀, nul \x00 and é",
            1_700_000_000 + rng.random() * 1e6,  # floats must come back bit for bit
            mentions=("920000000000000002",) if i % 3 == 0 else (),
            reply_to=str(999 + i) if i % 4 == 0 else None,
            kind=[MessageKind.TEXT, MessageKind.EMOTE, MessageKind.NOTICE][i % 3],
            edit_of=str(998 + i) if i % 5 == 0 else None,
        )
        for i in range(300)
    ]
    for message in sent:
        store.messages.record(message)
    back = await store.messages.recent(ROOM, 1000)
    assert sorted(back, key=lambda m: m.id) == sorted(sent, key=lambda m: m.id)
    assert [m.ts for m in sorted(back, key=lambda m: m.id)] == [
        m.ts for m in sorted(sent, key=lambda m: m.id)
    ]


async def test_many_new_rooms_and_users_in_one_batch_keep_their_rows(store):
    rooms = [Room(Platform.TWITCH, f"chan{i}", f"Channel {i}", False, i) for i in range(40)]
    users = [User(Platform.TWITCH, f"{9000 + i}", f"user{i}", f"User {i}") for i in range(300)]
    for i in range(900):
        store.messages.record(Message(f"t{i}", rooms[i * 7 % 40], users[i * 13 % 300], "x", i))
    for room in rooms:
        for back in await store.messages.recent(room, 1000):
            i = int(back.id[1:])
            assert back.room == rooms[i * 7 % 40]
            assert back.author == users[i * 13 % 300]


async def test_changes_within_one_batch_end_as_the_last_one(store):
    renamed = Room(ROOM.platform, ROOM.id, "lounge", False, 43)
    nick = User(ANN.platform, ANN.id, "ann", "Annie", role=Role.MODERATOR)
    store.messages.record(Message("1", ROOM, ANN, "before", 1.0))
    store.messages.record(Message("2", renamed, nick, "after", 2.0))
    store.messages.record(Message("3", ROOM, nick, "old room object again", 3.0))
    store.messages.record(Message("4", renamed, ANN, "old user object again", 4.0))
    await store.flush()
    assert await store.messages.count() == 4
    rooms = await store.fetchall("SELECT name, member_count FROM rooms")
    assert [tuple(r) for r in rooms] == [("lounge", 43)]  # a name is never blanked
    users = await store.fetchall("SELECT display, role FROM users")
    assert [tuple(r) for r in users] == [("Ann", int(Role.VIP))]  # the last one written wins
    texts = [m.text for m in await store.messages.recent(ROOM, 10)]
    assert texts == ["before", "after", "old room object again", "old user object again"]


async def test_a_change_and_back_within_a_later_batch_ends_as_the_last_one(store):
    store.messages.record(Message("1", ROOM, ANN, "first batch", 1.0))
    await store.flush()  # ROOM and ANN are now cached as written
    nick = User(ANN.platform, ANN.id, "ann", "Annie", role=Role.MODERATOR)
    renamed = Room(ROOM.platform, ROOM.id, "lounge", False, 43)
    store.messages.record(Message("2", renamed, nick, "changed", 2.0))
    store.messages.record(Message("3", ROOM, ANN, "and back, same objects as cached", 3.0))
    await store.flush()
    room = await store.fetchone("SELECT name, member_count FROM rooms")
    user = await store.fetchone("SELECT display, role FROM users")
    assert (tuple(room), tuple(user)) == (("general", 42), ("Ann", int(Role.VIP)))
    store.messages.record(Message("4", renamed, nick, "changed again", 4.0))
    await store.flush()  # the cache knows the table holds ROOM/ANN, not renamed/nick
    room = await store.fetchone("SELECT name, member_count FROM rooms")
    user = await store.fetchone("SELECT display, role FROM users")
    assert (tuple(room), tuple(user)) == (("lounge", 43), ("Annie", int(Role.MODERATOR)))


async def test_duplicates_in_and_across_batches_are_stored_once(store):
    for _ in range(3):
        store.messages.record(Message("7", ROOM, ANN, "same id", 7.0))
    await store.flush()
    store.messages.record(Message("7", ROOM, ANN, "same id", 7.0))
    assert await store.messages.count() == 1


async def test_text_sqlite_cannot_hold_is_replaced_not_retried_forever(store):
    broken = User(Platform.DISCORD, "920000000000000003", "bad\udc80name", "\ud800")
    store.messages.record(Message("8", ROOM, ANN, "fine", 8.0))
    store.messages.record(Message("9", ROOM, broken, "lone \udc80 surrogate", 9.0))
    await store.flush()
    assert store.messages.pending == 0
    texts = sorted(m.text for m in await store.messages.recent(ROOM, 10))
    assert texts == ["fine", "lone \ufffd surrogate"]
    hits = await store.messages.search("surrogate")
    assert [h.message.author.name for h in hits] == ["bad\ufffdname"]


async def test_long_text_is_truncated_and_marked(tmp_path):
    from bot.config import StoreSettings

    s = Store(tmp_path / "t.db", StoreSettings(max_message_chars=10))
    await s.open()
    try:
        s.messages.record(Message("1", ROOM, ANN, "0123456789abcdef", 1.0))
        (back,) = await s.messages.recent(ROOM, 1)
        assert back.text == "0123456789"
        row = await s.fetchone("SELECT truncated FROM messages")
        assert row[0] == 1
    finally:
        await s.close()


async def test_a_purge_between_batches_loses_nothing_after_it(store):
    store.messages.record(Message("1", ROOM, ANN, "before the purge", 1.0))
    await store.flush()
    await store.purge()
    store.messages.record(Message("2", ROOM, ANN, "after the purge", 2.0))
    await store.flush()
    assert [m.text for m in await store.messages.recent(ROOM, 10)] == ["after the purge"]


async def test_a_burst_is_written_in_big_batches_and_searchable(store):
    for i in range(12_000):
        store.messages.record(Message(str(i), ROOM, ANN, f"burst word{i % 7} {i}", float(i)))
    await store.flush()
    assert await store.messages.count() == 12_000
    expected = sum(1 for i in range(12_000) if i % 7 == 3)
    assert len(await store.messages.search("word3", limit=5000)) == expected
