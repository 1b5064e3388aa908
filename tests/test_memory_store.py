"""Persona memories in the real store: schema, repository, supersede, forget, export, limits."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from bot.clock import VirtualClock
from bot.memory import driver
from bot.memory.memories import MAX_TEXT_CHARS, MemoryRejected, memories
from bot.memory.migrations import latest_version
from bot.memory.store import Store
from bot.memory.vectors import unit

NOW = 1_700_000_000.0


@pytest.fixture
async def store(tmp_path: Path):
    s = Store(tmp_path / "sanctum.db", clock=VirtualClock(NOW))
    await s.open()
    try:
        yield s
    finally:
        await s.close()


def core_only_database(path: Path) -> None:
    """A database as the first release left it: only 0001 applied, with a message in it."""
    sql = (resources.files("bot.memory") / "migrations" / "0001_core.sql").read_text("utf-8")
    conn = driver.connect_sync(path)
    try:
        conn.executescript(f"BEGIN;\n{sql}\n;PRAGMA user_version = 1;\nCOMMIT;")
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO rooms (platform, room_id, first_seen, last_seen)"
            " VALUES ('local', 'lobby', 1, 1)"
        )
        conn.execute(
            "INSERT INTO users (platform, user_id, first_seen, last_seen)"
            " VALUES ('local', 'ann', 1, 1)"
        )
        conn.execute(
            "INSERT INTO messages (room, author, platform_id, ts, text)"
            " VALUES (1, 1, 'm1', 1, 'hello from before memories existed')"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


async def test_migrations_apply_on_top_of_0001_and_a_restart_keeps_memories(tmp_path: Path):
    path = tmp_path / "old.db"
    core_only_database(path)
    first = Store(path, clock=VirtualClock(NOW))
    await first.open()
    assert first.schema_version == latest_version() >= 4
    assert await first.messages.count() == 1  # the old data survived the upgrade
    repo = memories(first)
    ann = await repo.add(
        "luna",
        "Ann keeps bees on her roof",
        subject_key="local:ann",
        room_key="local:lobby",
        kind="fact",
        importance=0.7,
        sources=["m1"],
    )
    await repo.add("luna", "Ann moved to Lyon", subject_key="local:ann")
    vector = unit(np.arange(1, 385, dtype=np.float32))
    await repo.store_vectors([(ann.id, "luna", vector)], "test:384:0")
    repo.note_witness(["luna"], "local:lobby", NOW)
    await repo.flush_witness()
    await first.close()

    second = Store(path, clock=VirtualClock(NOW + 60))
    await second.open()
    try:
        again = memories(second)
        kept = await again.get(ann.id)
        assert kept is not None and kept.text == "Ann keeps bees on her roof"
        assert kept.sources == ("m1",) and kept.embedded and kept.importance == 0.7
        assert await again.count("luna") == 2
        assert await again.vectors.count("luna") == 1
        assert await again.witnessed_rooms("luna") == {"local:lobby"}
        hits = await again.search("luna", "bees")
        assert [m.id for m, _ in hits] == [ann.id]
    finally:
        await second.close()


async def test_add_get_list_count_and_personas(store: Store):
    repo = memories(store)
    a = await repo.add(
        "luna",
        "Bo likes  jazz\n records",
        subject_key="local:bo",
        subject_name="Bo",
        kind="preference",
        importance=0.9,
    )
    b = await repo.add("luna", "The lobby's running joke is the broken kettle", kind="joke")
    c = await repo.add("nova", "Bo is learning the cello", subject_key="local:bo")
    assert a.text == "Bo likes jazz records"  # whitespace normalised
    assert (a.kind, a.subject_name, a.active, a.embedded) == ("preference", "Bo", True, False)
    assert await repo.get(a.id) == a
    assert await repo.get(99_999) is None
    assert [m.id for m in await repo.list("luna", order="important")] == [a.id, b.id]
    assert [m.id for m in await repo.list("luna", subject_key="local:bo")] == [a.id]
    assert [m.id for m in await repo.list(kinds=["joke"])] == [b.id]
    assert await repo.count() == 3 and await repo.count("nova") == 1
    assert await repo.personas() == {"luna": 2, "nova": 1}
    assert await repo.subjects("luna", "bo") == [("local:bo", "Bo")]
    assert await repo.subjects("luna", "local:bo") == [("local:bo", "Bo")]
    assert c.persona == "nova"


async def test_supersede_keeps_the_old_memory_marked_and_out_of_search(store: Store):
    repo = memories(store)
    old = await repo.add("luna", "Cy lives in Berlin", subject_key="local:cy")
    vector = unit(np.ones(384, dtype=np.float32))
    await repo.store_vectors([(old.id, "luna", vector)], "test:384:0")
    new = await repo.add(
        "luna", "Cy lives in Madrid now", subject_key="local:cy", supersedes=[old.id]
    )
    kept = await repo.get(old.id)
    assert kept is not None and kept.superseded_by == new.id and not kept.active
    assert not kept.embedded and await repo.vectors.count() == 0  # no stale vector
    assert [m.id for m in await repo.list("luna")] == [new.id]
    assert {m.id for m in await repo.list("luna", include_superseded=True)} == {old.id, new.id}
    assert [m.text for m, _ in await repo.search("luna", "lives")] == ["Cy lives in Madrid now"]
    # Only the same persona's memories can be superseded, and only once.
    other = await repo.add("nova", "Cy lives in Berlin", subject_key="local:cy")
    assert not await repo.supersede(other.id, new.id)
    assert not await repo.supersede(old.id, new.id)
    # Forgetting the newer memory does not bring the old one back to life.
    assert await repo.delete(new.id)
    assert await repo.list("luna") == []


async def test_a_one_megabyte_memory_is_refused_with_a_clear_message(store: Store):
    repo = memories(store)
    with pytest.raises(MemoryRejected) as caught:
        await repo.add("luna", "x" * 1_048_576)
    message = str(caught.value)
    assert "1,048,576 characters" in message and f"{MAX_TEXT_CHARS:,}" in message
    assert "\n" not in message
    with pytest.raises(MemoryRejected, match="characters; the limit"):
        await repo.add("luna", "word " * (MAX_TEXT_CHARS // 4))
    assert await repo.count(include_superseded=True) == 0  # nothing half-stored


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"text": "   "}, "empty"),
        ({"kind": "gossip"}, "unknown memory kind"),
        ({"importance": 1.5}, "between 0 and 1"),
        ({"importance": float("nan")}, "between 0 and 1"),
        ({"persona": "../etc"}, "invalid persona"),
    ],
)
async def test_bad_memories_are_refused(store: Store, fields: dict, error: str):
    values = {"persona": "luna", "text": "Dee bakes bread"} | fields
    persona, text = values.pop("persona"), values.pop("text")
    with pytest.raises(MemoryRejected, match=error):
        await memories(store).add(persona, text, **values)


async def test_secrets_are_redacted_before_they_are_stored(store: Store):
    repo = memories(store)
    memory = await repo.add(
        "luna",
        "Eve's email is eve.k@example.org, phone +44 20 7946 0958, api key "
        "sk-proj-AbCdEfGhIjKlMnOpQrSt1234 and card 4111 1111 1111 1111",
        subject_key="local:eve",
    )
    assert "example.org" not in memory.text and "7946" not in memory.text
    assert "sk-proj" not in memory.text and "4111" not in memory.text
    assert memory.text == (
        "Eve's email is [email], phone [phone], api key [secret] and card [card number]"
    )
    raw = await store.fetchone("SELECT text FROM memories WHERE id = ?", (memory.id,))
    assert raw[0] == memory.text
    hits = await repo.search("luna", "example.org")
    assert all("example" not in m.text for m, _ in hits)


async def test_forget_removes_one_persons_memories_for_one_persona_or_all(store: Store):
    repo = memories(store)
    for persona in ("luna", "nova"):
        await repo.add(persona, "Fay plays the drums", subject_key="local:fay")
        await repo.add(persona, "Gus collects stamps", subject_key="local:gus")
    first = await repo.add("luna", "Fay has a dog", subject_key="local:fay")
    await repo.store_vectors([(first.id, "luna", unit(np.ones(384)))], "test:384:0")
    assert await repo.forget("local:fay", "luna") == 2
    assert await repo.vectors.count() == 0
    assert [m.text for m in await repo.list("luna")] == ["Gus collects stamps"]
    assert await repo.count("nova", subject_key="local:fay") == 1
    assert await repo.forget("local:fay") == 1
    assert await repo.forget("local:nobody") == 0
    assert await repo.count() == 2


async def test_export_is_json_with_superseded_memories_marked(store: Store):
    repo = memories(store)
    old = await repo.add("luna", "Hal works nights", subject_key="local:hal", sources=["a1"])
    new = await repo.add(
        "luna",
        "Hal works days now",
        subject_key="local:hal",
        supersedes=[old.id],
        sources=["a2", "a3"],
    )
    await repo.add("nova", "Not Luna's", subject_key="local:hal")
    data = json.loads(await repo.export_json("luna"))
    assert data["format"] == "sanctum.memories" and data["persona"] == "luna"
    assert data["count"] == 2
    by_id = {m["id"]: m for m in data["memories"]}
    assert by_id[old.id]["superseded_by"] == new.id
    assert by_id[new.id]["sources"] == ["a2", "a3"] and by_id[new.id]["subject"] == "local:hal"
    only_live = await repo.export("luna", include_superseded=False)
    assert [m["id"] for m in only_live["memories"]] == [new.id]


async def test_fts_index_follows_updates_and_deletes(store: Store):
    repo = memories(store)
    memory = await repo.add("luna", "Ivy grows orchids")
    async with store.transaction() as db:
        await db.execute(
            "UPDATE memories SET text = 'Ivy grows tomatoes' WHERE id = ?", (memory.id,)
        )
    assert await repo.search("luna", "orchids") == []
    assert [m.id for m, _ in await repo.search("luna", "tomatoes")] == [memory.id]
    await repo.delete(memory.id)
    assert await repo.search("luna", "tomatoes") == []


async def test_witness_records_are_kept_per_persona(store: Store):
    repo = memories(store)
    repo.note_witness(["luna", "nova"], "local:lobby", NOW)
    repo.note_witness(["luna"], "discord:42", NOW + 5)
    assert await repo.witnessed_rooms("luna") == {"local:lobby", "discord:42"}
    assert await repo.flush_witness() == 3
    rows = await store.fetchall("SELECT persona, room_key FROM memory_witness ORDER BY 1, 2")
    assert [tuple(r) for r in rows] == [
        ("luna", "discord:42"),
        ("luna", "local:lobby"),
        ("nova", "local:lobby"),
    ]
    assert await repo.flush_witness() == 0


async def test_an_online_backup_carries_memories_vectors_and_the_index(
    store: Store, tmp_path: Path
):
    repo = memories(store)
    memory = await repo.add("luna", "Jun sails on weekends", subject_key="local:jun")
    await repo.store_vectors([(memory.id, "luna", unit(np.ones(384)))], "test:384:0")
    target = await store.backup(tmp_path / "backup" / "copy.db")
    copy = Store(target, clock=VirtualClock(NOW))
    await copy.open()
    try:
        restored = memories(copy)
        assert [m.text for m, _ in await restored.search("luna", "sails")] == [memory.text]
        near = await restored.vectors.knn("luna", unit(np.ones(384)), 5)
        assert [i for i, _ in near] == [memory.id]
    finally:
        await copy.close()


async def test_another_embedding_size_gets_its_own_vector_table(store: Store):
    repo = memories(store)
    memory = await repo.add("luna", "Kim hikes", subject_key="local:kim")
    small = unit(np.arange(1, 9, dtype=np.float32))
    await repo.store_vectors([(memory.id, "luna", small)], "tiny:8:0")
    assert await repo.vectors.dims() == {8, 384}
    assert [i for i, _ in await repo.vectors.knn("luna", small, 3)] == [memory.id]
    assert await repo.vectors.knn("luna", unit(np.ones(16)), 3) == []  # no such size
    big = unit(np.ones(384, dtype=np.float32))
    await repo.store_vectors([(memory.id, "luna", big)], "big:384:0")  # moved, not doubled
    assert await repo.vectors.count() == 1
    assert await repo.vectors.knn("luna", small, 3) == []
