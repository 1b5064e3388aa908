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
