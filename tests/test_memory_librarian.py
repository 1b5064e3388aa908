"""The Librarian cog in a real app: learning from chat, !whatdoyouknow, !forget me, console."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import Sanctum
from bot.clock import VirtualClock
from bot.config import LLMSettings
from bot.llm.offline import OfflineProvider
from bot.llm.openai_client import OpenAIClient
from bot.memory.memories import memories
from bot.memory.recall import recall_for_prompt
from bot.message import Platform, User
from console.app import capture_console
from tests.conftest import make_settings
from tests.fakes.openai_server import FakeOpenAIServer, RecordedRequest

COGS = ["cogs.admin", "cogs.steward", "cogs.librarian"]
ANN = User(Platform.LOCAL, "ann", "ann", "Ann")
BOB = User(Platform.LOCAL, "bob", "bob", "Bob")


class Model:
    """The fake endpoint's replies: extraction JSON for the Librarian, chat for the rest."""

    def __init__(self) -> None:
        self.extractions: deque[str] = deque()

    def __call__(self, request: RecordedRequest) -> str:
        system = request.messages[0].get("content", "") if request.messages else ""
        if "Librarian" in system:
            return self.extractions.popleft() if self.extractions else '{"facts": []}'
        return "ok!"


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer(reply_fn=Model()) as srv:
        yield srv


def model(server: FakeOpenAIServer) -> Model:
    return server.reply_fn  # type: ignore[return-value]


async def start_app(
    tmp_path: Path, personas_dir: Path, clock: VirtualClock, server: FakeOpenAIServer | None
) -> Sanctum:
    if server is None:
        llm = OfflineProvider()
    else:
        llm = OpenAIClient(
            LLMSettings(
                base_url=server.base_url,
                api_key=SecretStr("sk-test-key-000000"),
                embeddings_model="fake-embed",
                embeddings_dim=384,
                timeout_s=5.0,
                max_retries=0,
            )
        )
    bot = Sanctum(make_settings(tmp_path, personas_dir, cogs=COGS), clock=clock, llm=llm)
    await bot.start(connect_platforms=False)
    assert "librarian" in bot.cogs.cogs, bot.cog_errors
    return bot


@pytest.fixture
async def app(
    tmp_path: Path, personas_dir: Path, clock: VirtualClock, server: FakeOpenAIServer
) -> AsyncIterator[Sanctum]:
    bot = await start_app(tmp_path, personas_dir, clock, server)
    try:
        yield bot
    finally:
        await bot.stop()


async def say(bot: Sanctum, author: User, text: str, room: str = "lobby"):
    message = bot.local.make_message(room, text, author=author)
    return await bot.dispatcher.handle(message)


def last_reply(bot: Sanctum, room: str = "lobby") -> str:
    return bot.local.log(room)[-1].text


async def test_conversation_becomes_memories_off_the_reply_path(
    app: Sanctum, server: FakeOpenAIServer
):
    librarian = app.cogs.get("librarian")
    first = await say(app, ANN, "I finally adopted two kittens!")
    await say(app, BOB, "congrats ann")
    await say(app, ANN, "!whatdoyouknow")  # commands and their replies are not conversation
    assert librarian.extractor.pending == 2  # buffered, nothing asked yet
    assert not [r for r in server.chat_requests if "Librarian" in json.dumps(r.body)]
    repo = memories(app.store)
    assert await repo.witnessed_rooms("luna") == {"local:lobby"}

    # The model is slow: dispatch goes on while the batch waits for it.
    model(server).extractions.append(
        json.dumps(
            {
                "facts": [
                    {
                        "about": "Ann",
                        "text": "Ann adopted two kittens.",
                        "lines": [1],
                        "importance": 0.7,
                    }
                ]
            }
        )
    )
    server.hold()
    batch = asyncio.create_task(librarian.extractor.flush())
    async with asyncio.timeout(5):
        await server.wait_in_flight(1)
    turn = await asyncio.wait_for(say(app, BOB, "what a day"), timeout=5)
    assert turn.stopped is None and not batch.done()
    server.release()
    [report] = await batch
    assert len(report.stored) == 2  # luna and nova were both in the lobby
    for persona in ("luna", "nova"):
        [memory] = await repo.list(persona, subject_key=ANN.key)
        assert memory.sources == (first.message.id,) and memory.room_key == "local:lobby"
    await librarian.embedder.drain()
    recalled = await recall_for_prompt(
        app.store, app.personas.get("luna"), BOB.key, "does anyone have a kitten?", "local:lobby"
    )
    assert [m.text for m in recalled] == ["Ann adopted two kittens."]


async def test_whatdoyouknow_is_short_and_tells_only_me(app: Sanctum, clock: VirtualClock):
    repo = memories(app.store)
    for n in range(8):
        await repo.add(
            "luna",
            f"Ann has hobby number {n} @everyone <@1234>",
            subject_key=ANN.key,
            room_key="local:lobby",
            importance=n / 10,
        )
    await repo.add(
        "luna",
        "Ann told me a secret in private",
        subject_key=ANN.key,
        room_key="local:dm-ann",
        importance=1.0,
    )
    await repo.add("luna", "Bob hates mondays", subject_key=BOB.key, room_key="local:lobby")
    await say(app, ANN, "!whatdoyouknow luna")
    reply = last_reply(app)
    assert reply.startswith("Luna remembers: Ann has hobby number 7")
    assert "(+3 more)" in reply and "!forget me luna erases it." in reply
    assert "Bob" not in reply and "secret" not in reply  # not mine; said elsewhere
    assert "\n" not in reply and len(reply) <= 450
    assert "@everyone" not in reply and "<@1234>" not in reply

    app.local.ensure_room("dm-ann", direct=True, personas=("luna",), members=[ANN])
    clock.advance(11)  # the per-user cooldown
    await say(app, ANN, "!whatdoyouknow", room="dm-ann")
    assert "secret in private" in last_reply(app, "dm-ann")  # a direct room tells all

    await say(app, BOB, "!whatdoyouknow nova")
    assert last_reply(app) == "Nova doesn't remember anything about you here."
    clock.advance(11)
    await say(app, BOB, "!whatdoyouknow zed")
    assert last_reply(app) == "No persona named 'zed'."


async def test_forget_me_needs_a_confirmation_within_a_minute_from_the_same_person(
    app: Sanctum, clock: VirtualClock
):
    repo = memories(app.store)
    for persona in ("luna", "nova"):
        await repo.add(persona, "Ann plays darts", subject_key=ANN.key)
        await repo.add(persona, "Ann lives in Leeds", subject_key=ANN.key)
    await repo.add("luna", "Bob plays darts", subject_key=BOB.key)

    await say(app, ANN, "!forget me luna")
    assert last_reply(app) == (
        "This deletes 2 memories Luna keeps about you, for good. "
        "Type !forget confirm within 60 s to go ahead."
    )
    await say(app, BOB, "!forget confirm")  # someone else cannot confirm it
    assert last_reply(app).startswith("Nothing to confirm")
    assert await repo.count("luna", subject_key=ANN.key) == 2
    clock.advance(61)
    await say(app, ANN, "!forget confirm")  # too late
    assert last_reply(app).startswith("Nothing to confirm")
    assert await repo.count("luna", subject_key=ANN.key) == 2

    await say(app, ANN, "!forget me luna")
    clock.advance(30)
    await say(app, ANN, "!forget confirm")
    assert last_reply(app) == "Done: Luna forgot 2 memories about you."
    assert await repo.count("luna", subject_key=ANN.key) == 0
    assert await repo.count("nova", subject_key=ANN.key) == 2
    assert await repo.count("luna", subject_key=BOB.key) == 1

    await say(app, ANN, "!forget me")
    assert "2 memories every persona keeps" in last_reply(app)
    await say(app, ANN, "!forget confirm")
    assert last_reply(app) == "Done: every persona forgot 2 memories about you."
    assert await repo.count(subject_key=ANN.key, include_superseded=True) == 0
    clock.advance(6)  # the per-user cooldown of !forget me
    await say(app, ANN, "!forget me")
    assert last_reply(app) == "No persona remembers anything about you; nothing to forget."
    actions = [
        (actor, action)
        for _, actor, action, _ in await app.store.audit.recent()
        if action == "memory.forget"
    ]
    assert actions == [(ANN.key, "memory.forget")] * 2
    await say(app, ANN, "!forget")
    assert last_reply(app).startswith("Usage: !forget")


async def test_console_memory_commands(app: Sanctum, tmp_path: Path):
    repo = memories(app.store)
    librarian = app.cogs.get("librarian")
    old = await repo.add(
        "luna",
        "Ann lives in Leeds",
        subject_key=ANN.key,
        subject_name="Ann",
        room_key="local:lobby",
    )
    await repo.add(
        "luna",
        "Ann lives in York now",
        subject_key=ANN.key,
        subject_name="Ann",
        room_key="local:dm-ann",
        supersedes=[old.id],
    )
    await repo.add("luna", "Bob keeps bees", subject_key=BOB.key, subject_name="Bob")
    await librarian.embedder.drain()
    console, out = capture_console(app)

    async def run(line: str) -> tuple[bool, str]:
        before = len(out.getvalue())
        ok = await console.execute(line)
        return ok, out.getvalue()[before:]

    ok, text = await run("memory search luna where does ann live")
    assert ok and "Ann lives in York now" in text and "hybrid" in text  # every room
    ok, text = await run("memory show luna ann")
    assert ok and "1 memories, 1 superseded" in text and "Bob keeps bees" not in text
    ok, text = await run("memory status")
    assert ok and "hybrid (FTS5 + vectors, fake-embed)" in text

    ok, text = await run("memory export luna ann-and-bob")
    exported = app.settings.data_dir / "exports" / "ann-and-bob.json"
    assert ok and str(exported) in text
    data = json.loads(exported.read_text())
    assert data["persona"] == "luna" and data["count"] == 3
    ok, text = await run("memory export luna ../escape")
    assert not ok and "plain file name" in text
    ok, text = await run("memory export luna ann-and-bob")
    assert not ok and "already exists" in text  # never overwritten

    ok, text = await run("memory forget luna Ann")
    assert ok and "luna forgot 2 memories about Ann" in text
    assert await repo.count("luna", subject_key=ANN.key, include_superseded=True) == 0
    ok, text = await run("memory forget luna nobody")
    assert not ok and "no memories about 'nobody'" in text
    ok, text = await run("memory show ghost")
    assert not ok and "no persona 'ghost'" in text
    ok, text = await run("memory reembed")
    assert ok and "background" in text

    ok, text = await run("status")
    assert ok and "recall" in text and "hybrid" in text
    # Chat never reaches console-only commands, whatever the role.
    owner = app.local.owner
    turn = await say(app, owner, "!memory show luna")
    assert turn.decisions[-1].reason.startswith("unknown command")


async def test_status_says_recall_is_fts5_only_without_embeddings(
    tmp_path: Path, personas_dir: Path, clock: VirtualClock
):
    bot = await start_app(tmp_path, personas_dir, clock, None)
    try:
        console, out = capture_console(bot)
        assert await console.execute("status")
        assert "FTS5 only (no embeddings endpoint)" in out.getvalue()
        # With the offline model nothing is buffered for extraction, and nothing breaks.
        await say(bot, ANN, "I keep bees")
        assert bot.cogs.get("librarian").extractor.pending == 0
        assert await memories(bot.store).witnessed_rooms("luna") == {"local:lobby"}
    finally:
        await bot.stop()


async def test_a_restart_keeps_memories_and_witness_records(
    tmp_path: Path, personas_dir: Path, clock: VirtualClock, server: FakeOpenAIServer
):
    bot = await start_app(tmp_path, personas_dir, clock, server)
    await say(bot, ANN, "I adopted a puppy")
    model(server).extractions.append(
        json.dumps({"facts": [{"about": "Ann", "text": "Ann adopted a puppy.", "lines": [1]}]})
    )
    await bot.cogs.get("librarian").extractor.flush()
    await bot.stop()  # flushes witness records and stops the workers

    again = await start_app(tmp_path, personas_dir, clock, server)
    try:
        repo = memories(again.store)
        assert await repo.witnessed_rooms("nova") == {"local:lobby"}
        got = await recall_for_prompt(again.store, "nova", ANN.key, "any dogs?", None)
        assert [m.text for m in got] == ["Ann adopted a puppy."]
        await say(again, ANN, "!whatdoyouknow nova")
        assert "Ann adopted a puppy" in last_reply(again)
    finally:
        await again.stop()


async def test_forget_me_also_drops_room_memories_drawn_from_my_own_lines(app: Sanctum):
    repo = memories(app.store)
    mine = await say(app, ANN, "the kettle here is cursed, I swear")
    theirs = await say(app, BOB, "the plant in the corner is called Gerald")
    await repo.add("luna", "Ann likes tea", subject_key=ANN.key)
    lore = await repo.add(
        "luna", "The lobby kettle is cursed.", kind="joke", room_key="local:lobby",
        sources=[mine.message.id],
    )  # fmt: skip
    await repo.put_summaries(
        ["luna", "nova"], "local:lobby", "Ann and Bob talked.",
        [mine.message.id, theirs.message.id],
    )  # fmt: skip
    gerald = await repo.add(
        "luna", "The lobby plant is Gerald.", kind="lore", room_key="local:lobby",
        sources=[theirs.message.id],
    )  # fmt: skip

    await say(app, ANN, "!forget me luna")
    assert "This deletes 3 memories Luna keeps about you" in last_reply(app)
    await say(app, ANN, "!forget confirm")
    assert last_reply(app) == "Done: Luna forgot 3 memories about you."
    assert await repo.get(lore.id) is None
    assert await repo.room_summary("luna", "local:lobby") is None
    assert await repo.room_summary("nova", "local:lobby") is not None  # another persona's
    assert await repo.get(gerald.id) is not None  # Bob's words, not Ann's
