"""Issue 3's rules through the real dispatcher of a real app (real store, offline provider,
virtual clock): ping-pong, quiet for ambient speech, mutes, rate limits, commands' role,
cooldown, flood guard and per-room prefix."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.local import LocalAdapter
from bot.app import Sanctum
from bot.clock import VirtualClock
from bot.cog import Cog
from bot.commands import command
from bot.dispatcher import Decision, Turn
from bot.llm.offline import OfflineProvider
from bot.message import Outgoing, Platform, Role, Room, User
from tests.conftest import make_settings


def guest(name: str = "ann", **kw) -> User:
    return User(Platform.LOCAL, name, name, name, **kw)


def other_bot(name: str) -> User:
    return guest(name, is_bot=True)


async def say(
    app: Sanctum,
    text: str,
    room: str = "lobby",
    author: User | None = None,
    adapter: LocalAdapter | None = None,
    **kw,
) -> Turn:
    app.clock.advance(1)
    adapter = adapter or app.local
    message = adapter.make_message(room, text, author=author or guest(), **kw)
    return await app.dispatcher.handle(message)


def replies(turn: Turn) -> list[str]:
    return [m.author.persona for t in turn.walk() for m in t.sent]


def decided(turn: Turn, step: str, outcome: str | None = None) -> list[Decision]:
    return [
        d
        for t in turn.walk()
        for d in t.decisions
        if d.step == step and (outcome is None or d.outcome == outcome)
    ]


class Pinger(Cog, name="pinger"):
    """A command with no cooldown of its own, to see the flood guard."""

    @command("ping")
    async def ping(self, ctx) -> str:
        return "pong"


@contextlib.asynccontextmanager
async def running(tmp_path: Path, clock: VirtualClock, **extra) -> AsyncIterator[Sanctum]:
    bot = Sanctum(make_settings(tmp_path, **extra), clock=clock, llm=OfflineProvider())
    await bot.start(connect_platforms=False)
    try:
        yield bot
    finally:
        await bot.stop()


class ModeratedTwitch(LocalAdapter):
    def bot_is_moderator(self, room: Room) -> bool:
        return True


async def platform(
    app: Sanctum, which: Platform, cls: type[LocalAdapter] = LocalAdapter
) -> LocalAdapter:
    adapter = cls(app.personas, clock=app.clock, platform=which, create_lobby=False)
    await app.add_adapter(adapter)
    return adapter


# -- ping-pong ---------------------------------------------------------------------------------


async def test_two_cycle_with_another_bot_is_held_at_the_sixth(app):
    chatter = other_bot("chatterbot")
    for i in range(5):
        assert replies(await say(app, f"luna, round {i}?", author=chatter)) == ["luna"]
    for _ in range(3):  # held, and so is every further one
        turn = await say(app, "luna, again?", author=chatter)
        assert replies(turn) == []
        (held,) = decided(turn, "pingpong", "suppressed")
        assert held.persona == "luna"
        assert "cycle (chatterbot, Luna)" in held.reason and "limit 5" in held.reason


async def test_three_party_cycle_is_held(app):
    asker, echo = other_bot("asker"), other_bot("echo")
    for i in range(5):
        assert replies(await say(app, f"luna, {i}?", author=asker)) == ["luna"]
        assert replies(await say(app, "indeed", author=echo)) == []
    turn = await say(app, "luna, and now?", author=asker)
    assert replies(turn) == []
    (held,) = decided(turn, "pingpong", "suppressed")
    assert "cycle (asker, Luna, echo)" in held.reason


async def test_two_of_our_personas_stop_talking_in_circles(duo):
    """Nova names Luna, Luna's answer names Nova, and so on: five rounds each, then held."""
    room = duo.local.room("lobby")
    await duo.dispatcher.send(Outgoing(room, "Luna, your turn", persona="nova"))
    said = [m.author.persona for m in duo.local.log("lobby")]
    assert said == ["nova", "luna"] * 5
    held = [d for t in duo.dispatcher.recent for d in t.decisions if d.step == "pingpong"]
    assert [d.persona for d in held] == ["nova"]
    assert "cycle (Nova, Luna) repeated 5 times" in held[0].reason


async def trip(app: Sanctum, room: str = "lobby") -> User:
    chatter = other_bot("chatterbot")
    for i in range(5):
        await say(app, f"luna {i}", room=room, author=chatter)
    assert replies(await say(app, "luna?", room=room, author=chatter)) == []
    return chatter


async def test_a_newcomer_resets_the_chain(app):
    chatter = await trip(app)
    await say(app, "hi all", author=guest("ann"))
    assert replies(await say(app, "luna, still there?", author=chatter)) == ["luna"]


async def test_the_cooldown_resets_the_chain(app, clock):
    chatter = await trip(app)
    clock.advance(598)
    assert replies(await say(app, "luna?", author=chatter)) == []  # 598 + 1 s: not yet
    clock.advance(600)
    assert replies(await say(app, "luna, hello again", author=chatter)) == ["luna"]


async def test_a_human_in_the_cycle_never_trips_it(app, clock):
    ann = guest("ann")
    for i in range(15):
        clock.advance(20)  # a person's pace, so the Warden's flood check stays out of it
        turn = await say(app, f"luna, tell me more ({i})", author=ann)
        assert replies(turn) == ["luna"]
        assert decided(turn, "pingpong") == []


async def test_per_room_threshold_set_by_an_admin_and_kept(tmp_path, clock):
    async with running(tmp_path, clock) as app:
        owner = app.local.owner
        turn = await say(app, "!rules set pingpong.threshold 2", author=owner)
        assert "pingpong.threshold is now 2" in app.local.log("lobby")[-1].text
        assert turn.command == "rules set"
        chatter = other_bot("chatterbot")
        assert replies(await say(app, "luna 1", author=chatter)) == ["luna"]
        assert replies(await say(app, "luna 2", author=chatter)) == ["luna"]
        assert replies(await say(app, "luna 3", author=chatter)) == []
        # Another room keeps the default.
        for i in range(5):
            assert replies(await say(app, f"luna {i}", room="den", author=chatter)) == ["luna"]
    async with running(tmp_path, clock) as app:  # stored, and loaded at start
        assert app.rules.pingpong.config_for("local:lobby").threshold == 2
        assert app.rules.pingpong.config_for("local:den").threshold == 5


async def test_other_bots_are_answered_only_when_the_setting_allows(tmp_path, clock):
    settings = {"dispatch": {"answer_bots": False}}
    async with running(tmp_path, clock, **settings) as app:
        turn = await say(app, "luna?", author=other_bot("chatterbot"))
        assert replies(turn) == [] and decided(turn, "addressing", "skipped")


# -- quiet, mute ----------------------------------------------------------------------------


async def test_ambient_speech_waits_while_humans_are_busy(app, clock):
    room = app.local.room("lobby")
    for i in range(5):
        await say(app, f"busy line {i}", author=guest(f"u{i}"))
    held = await app.dispatcher.send(Outgoing(room, "did you know?", persona="luna", ambient=True))
    assert held is None
    assert app.dispatcher.loose_decisions[-1].step == "quiet"
    assert "humans are busy" in app.dispatcher.loose_decisions[-1].reason
    # Someone asking is still answered.
    assert replies(await say(app, "luna, quick question")) == ["luna"]
    clock.advance(60)
    assert (
        await app.dispatcher.send(Outgoing(room, "did you know?", persona="luna", ambient=True))
        is not None
    )


async def test_ambient_speech_queued_by_a_limit_still_waits_for_a_busy_room(app, clock):
    discord = await platform(app, Platform.DISCORD)
    room = discord.ensure_room("general", member_count=50)
    for i in range(5):  # the channel's 5 per 5 s, used up
        assert await app.dispatcher.send(Outgoing(room, f"reply {i}")) is not None
    assert await app.dispatcher.send(Outgoing(room, "did you know?", ambient=True)) is None
    assert app.dispatcher.loose_decisions[-1].outcome == "queued"
    for i in range(5):  # meanwhile people got busy
        message = discord.make_message(
            "general", f"busy {i}", author=User(Platform.DISCORD, f"u{i}", f"u{i}")
        )
        await app.dispatcher.handle(message)
    clock.advance(5)
    await app.scheduler.run_due()
    assert [m.text for m in discord.log("general") if m.text == "did you know?"] == []
    held = app.dispatcher.loose_decisions[-1]
    assert (held.step, held.outcome) == ("quiet", "dropped") and "busy" in held.reason


async def test_a_muted_persona_is_silent_but_commands_still_answer(app):
    await app.rules.mute("local:lobby", "luna")
    turn = await say(app, "luna?")
    assert replies(turn) == []
    assert "muted" in decided(turn, "mute", "suppressed")[0].reason
    room = app.local.room("lobby")
    assert await app.dispatcher.send(Outgoing(room, "psst", persona="luna")) is None
    assert replies(await say(app, "!help")) == ["sanctum"]
    await app.rules.mute("local:lobby", "luna", False)
    assert replies(await say(app, "luna?")) == ["luna"]


async def test_room_wide_quiet_holds_personas_and_ambient_speech(app):
    await app.rules.set("local:lobby", "quiet", True)
    assert replies(await say(app, "luna?")) == []
    room = app.local.room("lobby")
    assert await app.dispatcher.send(Outgoing(room, "timer text", ambient=True)) is None
    assert await app.dispatcher.send(Outgoing(room, "a command reply")) is not None
    await app.rules.set("local:lobby", "quiet", False)
    assert replies(await say(app, "luna?")) == ["luna"]


# -- rate limits ----------------------------------------------------------------------------


def windows_respected(times: list[float], count: int, per: float) -> bool:
    return all(sum(1 for t in times if start <= t < start + per) <= count for start in times)


async def test_twitch_gets_at_most_20_in_30_seconds_and_the_rest_follows(app, clock):
    twitch = await platform(app, Platform.TWITCH)
    twitch.ensure_room("chan", member_count=50)
    turns = [
        await say(
            app,
            f"@luna question {i}",
            room="chan",
            adapter=twitch,
            author=User(Platform.TWITCH, f"v{i}", f"v{i}"),
        )
        for i in range(30)
    ]
    assert sum(len(replies(t)) for t in turns) == 20
    queued = [d for t in turns for d in decided(t, "ratelimit", "queued")]
    assert len(queued) == 10 and all(d.persona == "luna" for d in queued)
    for _ in range(40):  # the pump sends the rest when slots free, on virtual time
        clock.advance(1)
        await app.scheduler.run_due()
    sent = [m for m in twitch.log("chan") if m.author.persona == "luna"]
    assert len(sent) == 30
    assert windows_respected([m.ts for m in sent], 20, 30.0)
    assert all(replies(t) for t in turns)  # each late reply is on its own turn


async def test_twitch_allows_100_when_the_bot_moderates(app):
    twitch = await platform(app, Platform.TWITCH, ModeratedTwitch)
    twitch.ensure_room("chan", member_count=50)
    turns = [
        await say(
            app,
            f"@luna q{i}",
            room="chan",
            adapter=twitch,
            author=User(Platform.TWITCH, f"v{i}", f"v{i}"),
        )
        for i in range(30)
    ]
    assert sum(len(replies(t)) for t in turns) == 30


async def test_discord_limits_each_channel_on_its_own(app):
    discord = await platform(app, Platform.DISCORD)
    for channel in ("a", "b"):
        discord.ensure_room(channel, member_count=50)
    got = {}
    for channel in ("a", "b"):
        turns = []
        for i in range(7):
            message = discord.make_message(
                channel, f"luna {i}", author=User(Platform.DISCORD, f"u{i}", f"u{i}")
            )
            turns.append(await app.dispatcher.handle(message))  # all in the same second
        got[channel] = sum(len(replies(t)) for t in turns)
    assert got == {"a": 5, "b": 5}


async def test_a_full_queue_drops_the_oldest_with_a_decision(app, clock):
    twitch = await platform(app, Platform.TWITCH)
    twitch.ensure_room("chan", member_count=50)
    turns = []
    for i in range(45):  # all at once: 20 go, 20 wait, 5 of the waiting are pushed out
        message = twitch.make_message(
            "chan", f"@luna q{i}", author=User(Platform.TWITCH, f"v{i}", f"v{i}")
        )
        turns.append(await app.dispatcher.handle(message))
    clock.advance(1)
    await app.scheduler.run_due()
    dropped = [d for t in turns for d in decided(t, "ratelimit", "dropped")]
    assert len(dropped) == 5 and "oldest dropped" in dropped[0].reason
    assert [d.step for d in app.dispatcher.loose_decisions].count("ratelimit") == 5
    clock.advance(31)
    await app.scheduler.run_due()
    assert len([m for m in twitch.log("chan") if m.author.persona == "luna"]) == 40


# -- commands -------------------------------------------------------------------------------


async def test_a_command_needs_its_role_and_never_reaches_the_persona(app):
    turn = await say(app, "!quiet on luna", author=guest("ann"))
    assert turn.stopped == "commands" and replies(turn) == []
    assert "needs moderator" in turn.decisions[-1].reason
    assert "local:lobby" not in app.rules.silenced
    turn = await say(app, "!help luna")
    assert turn.addressed == {} and replies(turn) == ["sanctum"]


async def test_command_cooldown_per_user(app, clock):
    ann = guest("ann")
    assert replies(await say(app, "!help", author=ann)) == ["sanctum"]
    turn = await say(app, "!help", author=ann)
    assert replies(turn) == [] and "cooldown" in turn.decisions[-1].reason
    clock.advance(5)
    assert replies(await say(app, "!help", author=ann)) == ["sanctum"]


async def test_a_command_flood_is_cooled_down_not_answered(app, clock):
    await app.cogs.add(Pinger(app), __name__)
    ann, mod = guest("ann"), guest("mia", role=Role.MODERATOR)
    answered = [replies(await say(app, "!ping", author=ann)) for _ in range(8)]
    assert answered.count(["sanctum"]) == 5
    clock.advance(10)
    assert replies(await say(app, "!ping", author=ann)) == ["sanctum"]
    assert all([replies(await say(app, "!ping", author=mod)) for _ in range(8)])


async def test_prefix_per_room_is_stored(tmp_path, clock):
    async with running(tmp_path, clock) as app:
        await app.cogs.add(Pinger(app), __name__)
        turn = await say(app, "!prefix ?", author=app.local.owner)
        assert "now start with ?" in app.local.log("lobby")[-1].text and turn.command
        assert replies(await say(app, "?ping")) == ["sanctum"]
        assert (await say(app, "!ping")).command is None
        assert replies(await say(app, "!ping", room="den")) == ["sanctum"]
        await say(app, "?prefix abc", author=app.local.owner)
        assert "Prefix refused" in app.local.log("lobby")[-1].text
    async with running(tmp_path, clock) as app:
        assert app.dispatcher.prefix_for(app.local.room("lobby")) == "?"


@pytest.mark.parametrize("text", ["!nightbot-thing", "!followage", "!!!"])
async def test_unknown_commands_are_silent(app, text):
    turn = await say(app, text)
    assert replies(turn) == []
