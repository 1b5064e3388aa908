"""Hybrid recall against the real store and a local server speaking the embeddings protocol."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.clock import VirtualClock
from bot.config import LLMSettings
from bot.llm.offline import OfflineProvider
from bot.llm.openai_client import OpenAIClient
from bot.memory.embedder import Embedder
from bot.memory.memories import memories
from bot.memory.recall import RRF_K, mode_line, recall, recall_for_prompt
from bot.memory.store import Store
from bot.memory.vectors import unit
from bot.message import Message, Platform, Room, User
from bot.personas import Persona
from tests.fakes.openai_server import EMBEDDINGS, FakeOpenAIServer

NOW = 1_700_000_000.0
LOBBY = "local:lobby"

FACTS = {
    "local:ann": "Ann adores her two kittens",
    "local:bob": "Bob drives a huge red automobile to work",
    "local:cy": "Cy is allergic to peanuts",
    "local:dee": "Dee hates loud music at parties",
    "local:eve": "Eve's brother lives in a tiny apartment in Oslo",
    "local:fay": "Fay started a new career as a nurse",
}


def llm_settings(server: FakeOpenAIServer, **overrides) -> LLMSettings:
    values = {
        "base_url": server.base_url,
        "api_key": SecretStr("sk-test-key-000000"),
        "model": "fake-chat",
        "embeddings_model": "fake-embed",
        "embeddings_dim": 384,
        "timeout_s": 5.0,
        "max_retries": 0,
    }
    return LLMSettings.model_validate(values | overrides)


@pytest.fixture
async def server():
    async with FakeOpenAIServer() as srv:
        yield srv


@pytest.fixture
async def store(tmp_path: Path):
    s = Store(tmp_path / "sanctum.db", clock=VirtualClock(NOW))
    await s.open()
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def llm(server: FakeOpenAIServer):
    client = OpenAIClient(llm_settings(server))
    try:
        yield client
    finally:
        await client.aclose()


async def seed(
    store: Store, embedder: Embedder | None, persona: str = "luna", room: str = LOBBY
) -> dict[str, int]:
    repo = memories(store)
    repo.embedder = embedder
    ids = {}
    for subject, text in FACTS.items():
        memory = await repo.add(persona, text, subject_key=subject, room_key=room)
        ids[subject] = memory.id
    if embedder is not None:
        await embedder.drain()
    repo.note_witness([persona], room, NOW)
    return ids


@pytest.mark.parametrize(
    ("query", "subject"),
    [
        ("who has a kitty cat?", "local:ann"),
        ("does anyone own a big car", "local:bob"),
        ("which person has an allergy", "local:cy"),
        ("someone who dislikes songs", "local:dee"),
        ("whose sibling resides in a flat", "local:eve"),
        ("who began working at a new job", "local:fay"),
    ],
)
async def test_paraphrased_queries_rank_the_right_memory_first(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer, query: str, subject: str
):
    embedder = Embedder(store, llm)
    ids = await seed(store, embedder)
    assert await memories(store).vectors.count("luna") == len(FACTS)
    result = await recall(store, "luna", query, room=LOBBY, limit=3)
    assert result.mode == "hybrid" and result.mode_line == "hybrid (FTS5 + vectors)"
    top = result.hits[0]
    assert top.memory.id == ids[subject], [h.memory.text for h in result.hits]
    assert top.vec_rank == 1 and top.similarity is not None and top.similarity > 0.3
    # The paraphrase shares no word with the memory: the vector side found it alone.
    assert all(w not in top.memory.text.lower() for w in ("kitty", "sibling", "dislikes"))


async def test_reciprocal_rank_fusion_rewards_agreement(store: Store, llm: OpenAIClient):
    embedder = Embedder(store, llm)
    ids = await seed(store, embedder)
    result = await recall(store, "luna", "kittens", room=LOBBY)
    top = result.hits[0]
    assert top.memory.id == ids["local:ann"] and top.fts_rank == 1 and top.vec_rank == 1
    expected = 2 / (RRF_K + 1)
    assert expected < top.score < expected * 1.5 * 1.25 + 1e-9  # importance/recency boosts


async def test_recall_is_scoped_to_one_persona(store: Store, llm: OpenAIClient):
    embedder = Embedder(store, llm)
    await seed(store, embedder, persona="luna")
    repo = memories(store)
    nova_only = await repo.add(
        "nova", "Gus adores his kittens too", subject_key="local:gus", room_key=LOBBY
    )
    await embedder.drain()
    repo.note_witness(["nova"], LOBBY, NOW)
    luna = await recall(store, "luna", "kittens", room=LOBBY)
    nova = await recall(store, "nova", "kittens", room=LOBBY)
    assert luna.hits and all(h.memory.persona == "luna" for h in luna.hits)
    assert nova_only.id not in {h.memory.id for h in luna.hits}
    assert [h.memory.id for h in nova.hits] == [nova_only.id]
    assert (await recall(store, "ghost", "kittens")).hits == []


async def test_a_persona_only_recalls_rooms_it_was_in(store: Store, llm: OpenAIClient):
    embedder = Embedder(store, llm)
    repo = memories(store)
    repo.embedder = embedder
    seen = await repo.add(
        "luna", "Hana adores kittens", subject_key="local:hana", room_key="discord:1"
    )
    unseen = await repo.add(
        "luna", "Ira adores kittens", subject_key="local:ira", room_key="discord:2"
    )
    roomless = await repo.add("luna", "Kittens are the lobby's mascots", kind="lore")
    await embedder.drain()
    repo.note_witness(["luna"], "discord:1", NOW)
    got = {h.memory.id for h in (await recall(store, "luna", "kittens")).hits}
    assert got == {seen.id, roomless.id}
    # Being in the room now counts as having been there.
    here = {h.memory.id for h in (await recall(store, "luna", "kittens", room="discord:2")).hits}
    assert here == {seen.id, unseen.id, roomless.id}
    # The owner's console search sees everything.
    assert len((await recall(store, "luna", "kittens", witness=False)).hits) == 3
    # recall_for_prompt tops up with the speaker's memories, still witness-aware.
    speaker = await recall_for_prompt(store, "luna", "local:ira", "hello", "discord:1")
    assert unseen.id not in {m.id for m in speaker}


async def test_without_an_embeddings_endpoint_recall_is_fts5_only_and_says_so(
    store: Store, server: FakeOpenAIServer
):
    client = OpenAIClient(llm_settings(server, embeddings_model=None))
    try:
        embedder = Embedder(store, client)
        assert not embedder.available
        ids = await seed(store, embedder)
        assert await memories(store).vectors.count() == 0
        result = await recall(store, "luna", "who has kittens?", room=LOBBY)
        assert result.mode == "fts"
        assert mode_line(embedder) == "FTS5 only (no embeddings endpoint)"
        assert result.mode_line == "FTS5 only (no embeddings endpoint)"
        assert [h.memory.id for h in result.hits] == [ids["local:ann"]]
        assert result.hits[0].vec_rank is None
        assert server.embedding_requests == []
    finally:
        await client.aclose()
    offline = Embedder(store, OfflineProvider())
    assert not offline.available and await offline.embed_query("kittens") is None
    assert mode_line(None) == "FTS5 only (no embeddings endpoint)"


async def test_a_failing_embeddings_endpoint_falls_back_to_fts5(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    embedder = Embedder(store, llm)
    ids = await seed(store, embedder)
    server.fail("html", status=502, path=EMBEDDINGS)
    result = await recall(store, "luna", "kittens", room=LOBBY)
    assert result.mode == "fts-fallback"
    assert [h.memory.id for h in result.hits] == [ids["local:ann"]]
    assert embedder.last_error and "fts" not in embedder.last_error.lower()
    assert "last embeddings error" in embedder.mode_line()
    # The next query works again (and a repeated one is served from the cache).
    assert (await recall(store, "luna", "kittens", room=LOBBY)).mode == "hybrid"


@pytest.mark.parametrize(
    "query",
    ["", "   ", "!!!", "?!...", '"', "NEAR(", "* OR AND -", "')(;--", "\u200b", "🙂🙂"],
)
async def test_punctuation_or_fts_syntax_queries_are_safe(
    store: Store, llm: OpenAIClient, query: str
):
    embedder = Embedder(store, llm)
    await seed(store, embedder)
    result = await recall(store, "luna", query, room=LOBBY)
    assert result.hits == []
    assert await memories(store).search("luna", query) == []
    assert await recall_for_prompt(store, "luna", None, query, LOBBY) == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=60))
async def test_any_text_is_a_safe_query(store: Store, query: str):
    repo = memories(store)
    if not await repo.count():
        await repo.add("luna", 'Jo likes "quoted" words AND operators', room_key=LOBBY)
    result = await recall(store, "luna", query, room=LOBBY)
    assert result.mode == "fts"


async def test_importance_recency_and_the_speaker_break_ties(store: Store):
    repo = memories(store)
    clock = store.clock
    old = await repo.add("luna", "Kai plays chess", subject_key="local:kai", importance=0.5)
    clock.advance(90 * 86400)  # type: ignore[attr-defined]
    new = await repo.add("luna", "Lea plays chess", subject_key="local:lea", importance=0.5)
    result = await recall(store, "luna", "chess")
    assert [h.memory.id for h in result.hits] == [new.id, old.id]  # recency
    important = await repo.add("luna", "Mo plays chess", subject_key="local:mo", importance=1.0)
    result = await recall(store, "luna", "chess")
    assert result.hits[0].memory.id == important.id  # importance
    oz = await repo.add("luna", "Oz plays go", subject_key="local:oz")
    pia = await repo.add("luna", "Pia plays go", subject_key="local:pia")
    for speaker, first in (("local:oz", oz.id), ("local:pia", pia.id)):
        result = await recall(store, "luna", "go", speaker=speaker)
        assert result.hits[0].memory.id == first  # what the speaker said comes first


async def test_superseded_memories_are_not_recalled(store: Store, llm: OpenAIClient):
    embedder = Embedder(store, llm)
    repo = memories(store)
    repo.embedder = embedder
    old = await repo.add("luna", "Ned lives in Berlin", subject_key="local:ned")
    await embedder.drain()
    new = await repo.add(
        "luna", "Ned lives in Madrid", subject_key="local:ned", supersedes=[old.id]
    )
    await embedder.drain()
    result = await recall(store, "luna", "where does Ned live? Berlin?")
    assert [h.memory.id for h in result.hits] == [new.id]


async def test_recall_for_prompt_honours_the_persona_settings(store: Store, llm: OpenAIClient):
    embedder = Embedder(store, llm)
    await seed(store, embedder)
    luna = Persona(
        id="luna",
        name="Luna",
        system_prompt="You are Luna.",
        memory={"enabled": True, "recall_limit": 2},
    )
    got = await recall_for_prompt(store, luna, "local:ann", "hi there!", LOBBY)
    assert got and got[0].subject_key == "local:ann"  # topped up with the speaker's memories
    assert len(got) <= 2
    got = await recall_for_prompt(store, luna, "local:bob", "any kittens around?", LOBBY)
    assert [m.subject_key for m in got] == ["local:ann", "local:bob"]
    forgetful = luna.model_copy(
        update={"memory": luna.memory.model_copy(update={"enabled": False})}
    )
    assert await recall_for_prompt(store, forgetful, "local:ann", "kittens", LOBBY) == []


async def test_a_precomputed_vector_is_used_as_is(store: Store):
    repo = memories(store)
    a = await repo.add("luna", "alpha memory")
    b = await repo.add("luna", "beta memory")
    va = unit(np.eye(384, dtype=np.float32)[0] + 0.1)
    vb = unit(np.eye(384, dtype=np.float32)[1] + 0.1)
    await repo.store_vectors([(a.id, "luna", va), (b.id, "luna", vb)], "test:384:0")
    result = await recall(store, "luna", "zzz nothing matches", vector=vb, witness=False)
    assert result.mode == "hybrid" and result.hits[0].memory.id == b.id
    bad = await recall(store, "luna", "memory", vector=[0.0] * 384, witness=False)
    assert bad.mode == "fts" and len(bad.hits) == 2


async def test_a_group_room_never_hears_what_was_said_in_a_direct_room(store: Store):
    dm = Room(Platform.LOCAL, "dm-ann", is_direct=True)
    lobby = Room(Platform.LOCAL, "lobby", member_count=5)
    ann = User(Platform.LOCAL, "ann", "ann")
    await store.messages.record_now(
        [Message("d1", dm, ann, "psst", NOW), Message("g1", lobby, ann, "hi all", NOW)]
    )
    repo = memories(store)
    secret = await repo.add(
        "luna", "Ann is job hunting quietly", subject_key="local:ann", room_key=dm.key
    )
    public = await repo.add(
        "luna", "Ann is a job coach", subject_key="local:ann", room_key=lobby.key
    )
    repo.note_witness(["luna"], dm.key, NOW)
    repo.note_witness(["luna"], lobby.key, NOW)
    for here in (lobby, lobby.key):
        got = {h.memory.id for h in (await recall(store, "luna", "job", room=here)).hits}
        assert got == {public.id}
        prompt = await recall_for_prompt(store, "luna", "local:ann", "hello", here)
        assert [m.id for m in prompt] == [public.id]
    for here in (dm, dm.key):
        got = {h.memory.id for h in (await recall(store, "luna", "job", room=here)).hits}
        assert got == {public.id, secret.id}
