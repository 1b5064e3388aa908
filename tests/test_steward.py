"""The Steward against a real OpenAI-protocol endpoint on 127.0.0.1: what it sends, and how
it behaves when the endpoint is down."""

from __future__ import annotations

import pytest

from bot.app import Sanctum
from bot.config import LLMSettings
from bot.message import Platform, User
from tests.conftest import make_settings
from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
async def server():
    async with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
async def live(tmp_path, clock, server):
    settings = make_settings(
        tmp_path,
        llm=LLMSettings(
            base_url=server.base_url,
            model="fake-chat",
            max_retries=0,
            timeout_s=5,
            breaker_failures=2,
            breaker_reset_s=30,
            outage_notice_every_s=600,
        ),
    )
    bot = Sanctum(settings, clock=clock)
    await bot.start(connect_platforms=False)
    yield bot
    await bot.stop()


def ann() -> User:
    return User(Platform.LOCAL, "ann", "ann", "Ann")


async def test_prompt_has_the_persona_and_the_recent_messages(live, server):
    server.reply("Hi Ann! Nice to see you.")
    await live.dispatcher.handle(
        live.local.make_message("lobby", "the stream starts at 8", author=ann())
    )
    turn = await live.dispatcher.handle(
        live.local.make_message("lobby", "luna, when again?", author=ann())
    )
    assert [m.text for m in turn.sent] == ["Hi Ann! Nice to see you."]
    (request,) = server.chat_requests
    system = request.messages[0]
    assert system["role"] == "system" and "You are Luna" in system["content"]
    user_turns = [m["content"] for m in request.messages if m["role"] == "user"]
    assert user_turns[-2:] == ["Ann: the stream starts at 8", "Ann: luna, when again?"]
    assert request.model == "fake-chat"


async def test_outage_gives_each_room_one_notice(live, server, clock):
    server.fail("status", status=500, times=1000)
    texts = []
    for i in range(4):
        turn = await live.dispatcher.handle(
            live.local.make_message("lobby", f"luna? {i}", author=ann())
        )
        texts += [m.text for m in turn.sent]
        assert any(d.step == "steward" and d.outcome == "error" for d in turn.decisions)
    assert len(texts) == 1 and "can't think right now" in texts[0]
    live.local.ensure_room("other")
    turn = await live.dispatcher.handle(live.local.make_message("other", "luna?", author=ann()))
    assert len(turn.sent) == 1  # another room hears its own notice
    clock.advance(601)
    turn = await live.dispatcher.handle(live.local.make_message("lobby", "luna??", author=ann()))
    assert len(turn.sent) == 1  # a new window
    # Every message was still recorded.
    assert await live.store.messages.count(live.local.room("lobby")) >= 5


async def test_what_luna_remembers_about_the_speaker_is_in_the_prompt(live, server):
    from bot.memory.memories import memories

    await memories(live.store).add(
        "luna",
        "Ann's cat is called Biscuit",
        subject_key="local:ann",
        subject_name="Ann",
        room_key="local:lobby",
        importance=0.9,
    )
    server.reply("How is Biscuit?")
    await live.dispatcher.handle(
        live.local.make_message("lobby", "luna, guess what my cat did", author=ann())
    )
    (request,) = server.chat_requests
    assert "Biscuit" in request.messages[0]["content"]


async def test_the_room_summary_is_in_the_prompt_and_never_recalled_as_a_memory(live, server):
    from bot.memory.memories import memories

    repo = memories(live.store)
    await repo.put_summaries(["luna"], "local:lobby", "The lobby is planning a Friday raid.")
    await repo.put_summaries(["luna"], "local:other", "The other room talks about cake.")
    server.reply("Friday it is!")
    await live.dispatcher.handle(
        live.local.make_message("lobby", "luna, what is the raid plan?", author=ann())
    )
    (request,) = server.chat_requests
    system = request.messages[0]["content"]
    assert "What happened in this room so far: The lobby is planning a Friday raid." in system
    assert "cake" not in system  # another room's summary stays there
    assert "What you remember" not in system  # the summary is not recalled as a memory


async def test_a_persona_model_override_reaches_the_endpoint(live, server):
    luna = live.personas.get("luna")
    live.personas.add(luna.model_copy(update={"model": "luna-special", "temperature": 0.3}))
    server.reply("hello from the special model")
    await live.dispatcher.handle(live.local.make_message("lobby", "luna, hi", author=ann()))
    (request,) = server.chat_requests
    assert request.model == "luna-special" and request.body["temperature"] == 0.3


async def test_status_shows_tokens_latency_the_endpoint_and_the_circuit(live, server):
    from console.app import capture_console

    await live.llm.probe()  # what start() does when it connects the platforms
    server.reply("one two three")
    await live.dispatcher.handle(live.local.make_message("lobby", "luna, count", author=ann()))
    stats = live.llm.stats
    assert stats.calls == 1 and stats.prompt_tokens > 0 and stats.completion_tokens == 3
    console, out = capture_console(live)
    assert await console.execute("status")
    text = " ".join(out.getvalue().split())
    assert "1 call, 0 failed, p50 " in text
    assert f"tokens {stats.prompt_tokens} in / 3 out" in text
    assert "reachable" in text and "closed (0/2 failures)" in text
    assert "FTS5 only" in text  # no embeddings model configured: recall says so

    server.fail("status", status=503, times=10)
    for i in range(2):
        await live.dispatcher.handle(live.local.make_message("lobby", f"luna {i}", author=ann()))
    console, out = capture_console(live)
    assert await console.execute("status")
    assert "open, trial in 30s" in " ".join(out.getvalue().split())
