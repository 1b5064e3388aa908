"""The Librarian's extraction: batched conversation to validated facts, against a local server
speaking the OpenAI chat-completions protocol (replies scripted as the model's JSON)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.clock import VirtualClock
from bot.config import LLMSettings
from bot.llm.offline import OfflineProvider
from bot.llm.openai_client import OpenAIClient
from bot.memory.extract import MAX_FACT_CHARS, MAX_SUMMARY_CHARS, Extractor
from bot.memory.memories import memories
from bot.memory.store import Store
from bot.message import Message, Platform, Room, User
from tests.fakes.openai_server import FakeOpenAIServer

NOW = 1_700_000_000.0
ROOM = Room(Platform.DISCORD, "900", "general", False, 12)
ANN = User(Platform.DISCORD, "1", "ann", "Ann")
BOB = User(Platform.DISCORD, "2", "bob", "Bob")
OTHER_BOT = User(Platform.DISCORD, "3", "mee6", "MEE6", is_bot=True)
LUNA = User(Platform.DISCORD, "4", "luna", "Luna", is_bot=True, persona="luna")


def facts(*items: dict) -> str:
    return json.dumps({"facts": list(items)})


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
    settings = LLMSettings(
        base_url=server.base_url,
        api_key=SecretStr("sk-test-000000000"),
        model="fake-chat",
        timeout_s=5.0,
        max_retries=0,
    )
    client = OpenAIClient(settings)
    try:
        yield client
    finally:
        await client.aclose()


class Chat:
    """Feeds messages the way the Librarian cog does."""

    def __init__(self, extractor: Extractor, witnesses=("luna", "nova")) -> None:
        self.extractor = extractor
        self.witnesses = witnesses
        self.sent: list[Message] = []

    def say(self, author: User, text: str) -> Message:
        message = Message(f"m{len(self.sent) + 1}", ROOM, author, text, NOW + len(self.sent))
        self.sent.append(message)
        is_bot = author.is_bot or author.persona is not None
        self.extractor.feed(message, is_bot=is_bot, witnesses=self.witnesses)
        return message


def extractor_for(store: Store, llm, **options) -> Extractor:
    return Extractor(store, llm, clock=store.clock, **options)


def user_prompt(server: FakeOpenAIServer, n: int = 0) -> str:
    return server.chat_requests[n].messages[-1]["content"]


async def test_facts_from_people_are_stored_for_each_witness_with_their_sources(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    chat = Chat(extractor_for(store, llm))
    first = chat.say(ANN, "I just adopted two kittens, Pip and Mo!")
    chat.say(LUNA, "Aww, congratulations Ann!")
    third = chat.say(BOB, "nice. I weld ships for a living btw")
    server.reply(
        facts(
            {
                "about": "Ann",
                "kind": "fact",
                "text": "Ann adopted two kittens named Pip and Mo.",
                "importance": 0.7,
                "lines": [1],
            },
            {
                "about": "Bob",
                "kind": "Occupation",
                "text": "Bob welds ships for a living.",
                "importance": 8,
                "lines": [3],
            },
        )
    )
    [report] = await chat.extractor.flush()
    assert report.error is None and report.facts == 2 and len(report.stored) == 4
    repo = memories(store)
    for persona in ("luna", "nova"):
        [ann] = await repo.list(persona, subject_key=ANN.key)
        assert ann.text == "Ann adopted two kittens named Pip and Mo."
        assert (ann.sources, ann.room_key, ann.subject_name) == ((first.id,), ROOM.key, "Ann")
        [bob] = await repo.list(persona, subject_key=BOB.key)
        assert (bob.kind, bob.importance, bob.sources) == ("fact", 0.8, (third.id,))
    prompt = user_prompt(server)
    assert "[1] Ann: I just adopted two kittens" in prompt
    assert "[2] Luna [bot]: Aww" in prompt
    request = server.chat_requests[0]
    assert request.response_format is not None  # structured output where supported
    assert "never turn their words into facts" in request.messages[0]["content"]


async def test_a_contradicting_fact_supersedes_the_old_one_for_the_same_person_only(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    repo = memories(store)
    olds = {
        p: await repo.add(p, "Ann lives in Berlin", subject_key=ANN.key, room_key=ROOM.key)
        for p in ("luna", "nova")
    }
    bob_old = await repo.add("luna", "Bob lives in Oslo", subject_key=BOB.key)
    chat = Chat(extractor_for(store, llm))
    chat.say(ANN, "big news: I moved to Madrid last month")
    chat.say(BOB, "congrats!")
    server.reply(
        facts(
            {
                "about": "Ann",
                "text": "Ann lives in Madrid.",
                "lines": [1],
                "supersedes": ["m1", "m2"],
                "importance": 0.6,
            }
        )
    )
    [report] = await chat.extractor.flush()
    prompt = user_prompt(server)
    assert "[m1] (about Ann) Ann lives in Berlin" in prompt  # shared by both personas: once
    assert "[m2] (about Bob) Bob lives in Oslo" in prompt
    assert report.superseded == 2
    for persona, old in olds.items():
        [new] = await repo.list(persona, subject_key=ANN.key)
        assert new.text == "Ann lives in Madrid."
        kept = await repo.get(old.id)
        assert kept is not None and kept.superseded_by == new.id  # kept, marked
    # "m2" is about Bob: a fact about Ann cannot supersede it.
    assert (await repo.get(bob_old.id)).active
    # Saying it again stores nothing new.
    chat.say(ANN, "yep, Madrid")
    server.reply(facts({"about": "Ann", "text": "Ann lives in Madrid.", "lines": [1]}))
    [again] = await chat.extractor.flush()
    assert again.stored == [] and again.dropped == {"already known": 2}


async def test_another_bots_words_are_never_stored_as_facts(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer, caplog
):
    chat = Chat(extractor_for(store, llm, is_persona_name=lambda n: n in {"luna", "nova"}))
    chat.say(OTHER_BOT, "Fact of the day: Ann lives in Rome")
    chat.say(LUNA, "I am three hundred years old")
    chat.say(ANN, "lol ok")
    server.reply(
        facts(
            {"about": "Ann", "text": "Ann lives in Rome.", "lines": [1]},  # a bot said it
            {"about": "Luna", "text": "Luna is 300 years old.", "lines": [2, 3]},  # about a bot
            {"about": "Ann", "text": "Ann laughs a lot.", "lines": []},  # cites nothing
            {"about": "MEE6", "text": "MEE6 posts trivia.", "lines": [3]},  # about a bot
            {"about": "Nova", "text": "Nova is shy.", "lines": [3]},  # a persona, silent here
        )
    )
    with caplog.at_level(logging.INFO, logger="bot.memory.extract"):
        [report] = await chat.extractor.flush()
    assert report.stored == [] and await memories(store).count() == 0
    assert report.dropped == {"from a bot's words": 1, "about a bot": 3, "no human line cited": 1}
    assert "dropped" in caplog.text
    # A batch of bot lines only never reaches the model.
    chat.say(OTHER_BOT, "Reminder: Bob's birthday is on May 3")
    chat.say(LUNA, "Happy early birthday Bob!")
    requests = len(server.chat_requests)
    [report] = await chat.extractor.flush()
    assert report.facts == 0 and len(server.chat_requests) == requests


async def test_secrets_are_redacted_before_the_model_sees_them_and_before_storage(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    chat = Chat(extractor_for(store, llm))
    chat.say(ANN, "mail me at ann.k@example.com, password: swordfish9, call 020 7946 0958")
    server.reply(
        facts(
            {
                "about": "Ann",
                "text": "Ann's email is ann.k@example.com and her phone is 020 7946 0958.",
                "lines": [1],
            }
        )
    )
    [report] = await chat.extractor.flush()
    prompt = json.dumps(server.chat_requests[0].body)
    for secret in ("ann.k@example.com", "swordfish9", "7946"):
        assert secret not in prompt
    assert "[email]" in prompt and "[secret]" in prompt
    [stored, _] = report.stored
    assert stored.text == "Ann's email is [email] and her phone is [phone]."


async def test_invalid_json_gets_one_retry_then_the_batch_is_skipped_and_logged(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer, caplog
):
    chat = Chat(extractor_for(store, llm))
    chat.say(ANN, "I play the oboe")
    server.reply("Sure! Ann plays the oboe.", '{"facts": [{"about": "Ann"}]}')
    with caplog.at_level(logging.WARNING, logger="bot.memory.extract"):
        [report] = await chat.extractor.flush()
    assert report.error and "after a retry" in report.error
    assert len(server.chat_requests) == 2 and report.stored == []
    assert chat.extractor.skipped_batches == 1
    assert "skipped a batch of 1 lines" in caplog.text
    # One bad reply then a good one: stored.
    chat.say(ANN, "and the piano")
    server.reply(
        "```\nnope",
        "```json\n"
        + facts({"about": "Ann", "text": "Ann plays the oboe and the piano.", "lines": [1]})
        + "\n```",
    )
    [report] = await chat.extractor.flush()
    assert report.error is None and len(report.stored) == 2
    assert len(server.chat_requests) == 4
    # The endpoint failing outright is skipped too, never raised.
    chat.say(ANN, "also drums")
    server.fail("status", status=400, message="bad request")
    [report] = await chat.extractor.flush()
    assert report.error and chat.extractor.skipped_batches == 2


async def test_a_megabyte_message_or_fact_is_cut_with_a_log_line(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer, caplog
):
    chat = Chat(extractor_for(store, llm))
    chat.say(ANN, "I love " + "very " * 210_000 + "long walks")
    server.reply(
        facts({"about": "Ann", "text": "Ann loves " + "very " * 210_000 + "walks.", "lines": [1]})
    )
    with caplog.at_level(logging.INFO, logger="bot.memory.extract"):
        [report] = await chat.extractor.flush()
    assert len(user_prompt(server)) < 3000
    stored = report.stored[0]
    assert len(stored.text) <= MAX_FACT_CHARS and stored.text.endswith("…")
    assert "fact was cut to 300" in caplog.text


async def test_batches_wait_for_enough_lines_or_a_quiet_room(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    extractor = extractor_for(store, llm, batch_lines=3, idle_s=30.0)
    chat = Chat(extractor)
    chat.say(ANN, "I run marathons")
    chat.say(LUNA, "wow")
    assert await extractor.flush(force=False) == []  # 1 human line of 3, not quiet yet
    assert extractor.pending == 2 and server.chat_requests == []
    store.clock.advance(31)  # type: ignore[attr-defined]
    server.reply(facts({"about": "Ann", "text": "Ann runs marathons.", "lines": [1]}))
    [report] = await extractor.flush(force=False)
    assert len(report.stored) == 2 and extractor.pending == 0
    for text in ("one", "two", "three"):
        chat.say(BOB, f"line {text}")
    server.reply(facts())
    assert len(await extractor.flush(force=False)) == 1  # enough lines: goes at once
    # The previous batch is shown as context, not to be extracted again.
    assert "Earlier (context only" in user_prompt(server, 1)


async def test_no_model_or_memory_turned_off_means_nothing_is_stored(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    offline = extractor_for(store, OfflineProvider())
    Chat(offline).say(ANN, "I knit scarves")
    [report] = await offline.flush()
    assert report.error == "no language model configured" and report.stored == []
    only_luna = extractor_for(store, llm, enabled_for=lambda persona: persona == "luna")
    Chat(only_luna).say(ANN, "I knit scarves")
    server.reply(facts({"about": "Ann", "text": "Ann knits scarves.", "lines": [1]}))
    [report] = await only_luna.flush()
    assert [m.persona for m in report.stored] == ["luna"]


async def test_room_lore_is_stored_once(store: Store, llm: OpenAIClient, server: FakeOpenAIServer):
    chat = Chat(extractor_for(store, llm), witnesses=("luna",))
    lore = {
        "about": "room",
        "kind": "joke",
        "text": "The kettle in #general is cursed.",
        "lines": [1],
    }
    for _ in range(2):
        chat.say(ANN, "the kettle is cursed, again")
        server.reply(facts(lore))
        await chat.extractor.flush()
    [memory] = await memories(store).list("luna")
    assert (memory.kind, memory.subject_key, memory.room_key) == ("joke", None, ROOM.key)


async def test_the_room_summary_is_kept_one_row_per_persona_and_shown_next_time(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    repo = memories(store)
    chat = Chat(extractor_for(store, llm))
    first = chat.say(ANN, "planning the raid for friday, mail ann@example.com to join")
    chat.say(OTHER_BOT, "Reminder: raids are cancelled forever")
    server.reply(
        json.dumps(
            {
                "facts": [],
                "summary": "Ann is planning a raid for Friday; contact ann@example.com.",
            }
        )
    )
    [report] = await chat.extractor.flush()
    assert report.stored == [] and report.summary is not None
    for persona in ("luna", "nova"):
        summary = await repo.room_summary(persona, ROOM.key)
        assert summary is not None and summary.kind == "summary"
        assert summary.text == "Ann is planning a raid for Friday; contact [email]."
        assert summary.sources == (first.id,)  # people's lines only, never the bot's
        assert summary.subject_key is None
    assert "summary" in server.chat_requests[0].messages[0]["content"]

    # The next batch sees it and rewrites it in place: no pile of old summaries.
    second = chat.say(BOB, "I'll bring snacks for the raid")
    server.reply(
        json.dumps({"facts": [], "summary": "Ann plans a Friday raid; Bob brings snacks."})
    )
    await chat.extractor.flush()
    assert "Room summary so far: Ann is planning a raid for Friday" in user_prompt(server, 1)
    [row] = await repo.list("luna", kinds=["summary"], include_superseded=True)
    assert row.text == "Ann plans a Friday raid; Bob brings snacks."
    assert row.sources == (first.id, second.id)
    # A reply without a summary (or with a broken one) keeps it and still stores the facts.
    chat.say(ANN, "I main a healer")
    server.reply(
        json.dumps(
            {
                "facts": [{"about": "Ann", "text": "Ann plays a healer.", "lines": [1]}],
                "summary": ["not", "text"],
            }
        )
    )
    [report] = await chat.extractor.flush()
    assert len(report.stored) == 2 and report.summary is None
    assert (await repo.room_summary("luna", ROOM.key)).text.endswith("Bob brings snacks.")
    # Summaries are read by room, never embedded.
    assert [i for i, _, _ in await repo.needing_embedding("x:384:0")] == [
        m.id for m in report.stored
    ]


async def test_a_huge_summary_is_cut(store: Store, llm: OpenAIClient, server: FakeOpenAIServer):
    chat = Chat(extractor_for(store, llm), witnesses=("luna",))
    chat.say(ANN, "so much happened")
    server.reply(json.dumps({"facts": [], "summary": "Ann talked " + "and talked " * 100_000}))
    await chat.extractor.flush()
    summary = await memories(store).room_summary("luna", ROOM.key)
    assert summary is not None and len(summary.text) <= MAX_SUMMARY_CHARS
    assert summary.text.endswith("…")
