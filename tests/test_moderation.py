"""cogs/moderation.py through chat: persona mutes, room quiet, custom commands, timers on
virtual time, room rules, and `!help` listing only what the caller may run."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.local import LocalAdapter
from bot.app import Sanctum
from bot.clock import VirtualClock
from bot.dispatcher import Turn
from bot.llm.offline import OfflineProvider
from bot.message import Outgoing, Platform, Role, User
from cogs.moderation import defuse
from tests.conftest import make_settings

LOBBY = "local:lobby"


def person(name: str, role: Role = Role.EVERYONE) -> User:
    return User(Platform.LOCAL, name, name, name.title(), role=role)


ANN = person("ann")
MOD = person("mia", Role.MODERATOR)
ADMIN = person("ada", Role.ADMIN)


@contextlib.asynccontextmanager
async def running(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Sanctum]:
    bot = Sanctum(make_settings(tmp_path), clock=clock, llm=OfflineProvider())
    await bot.start(connect_platforms=False)
    try:
        yield bot
    finally:
        await bot.stop()


async def say(app: Sanctum, text: str, author: User = ANN, room: str = "lobby") -> Turn:
    app.clock.advance(1)
    return await app.dispatcher.handle(app.local.make_message(room, text, author=author))


async def answer(app: Sanctum, text: str, author: User = MOD, room: str = "lobby") -> str | None:
    """The bot's one reply to a command (None when it said nothing)."""
    turn = await say(app, text, author, room)
    sent = [m.text for t in turn.walk() for m in t.sent]
    assert len(sent) <= 1, sent
    if sent:
        assert "\n" not in sent[0] and len(sent[0]) < 400
    return sent[0] if sent else None


def persona_replies(turn: Turn) -> list[str]:
    return [m.author.persona for t in turn.walk() for m in t.sent if m.author.persona != "sanctum"]


# -- personas and quiet ----------------------------------------------------------------------


async def test_persona_list_mute_unmute(app):
    assert await answer(app, "!persona list") == "Personas: Luna (luna)."
    assert await answer(app, "!persona mute LunaBot") == "Luna is muted here."
    assert await answer(app, "!persona mute luna") == "Luna is already muted here."
    assert persona_replies(await say(app, "luna, hello?")) == []
    assert await answer(app, "!persona list") == "Personas: Luna (luna: muted)."
    assert "No persona named 'zed'" in await answer(app, "!persona mute zed")
    assert await answer(app, "!persona unmute luna") == "Luna may speak here again."
    assert persona_replies(await say(app, "luna, hello?")) == ["luna"]
    assert (await answer(app, "!persona")).startswith("Usage: !persona list|mute|unmute")
    assert await answer(app, "!persona mute luna", author=ANN) is None  # not a moderator


async def test_quiet_on_and_off(app):
    assert (await answer(app, "!quiet on")).startswith("Quiet on")
    assert persona_replies(await say(app, "luna?")) == []
    assert "Room is quiet" in await answer(app, "!persona list")
    assert (await answer(app, "!quiet off")).startswith("Quiet off")
    assert persona_replies(await say(app, "luna?")) == ["luna"]
    assert "Usage: !quiet on|off" in await answer(app, "!quiet maybe")


# -- custom commands ---------------------------------------------------------------------------


async def test_custom_command_variables_and_count(tmp_path, clock):
    async with running(tmp_path, clock) as app:
        text = "!addcom hug {user} hugs {args}! Hug number {count}. {random:yay|woo}"
        assert await answer(app, text) == "Added !hug."
        reply = await answer(app, "!hug   the   whole chat", author=ANN)
        assert reply.startswith("Ann hugs the whole chat! Hug number 1. ")
        assert reply.rsplit(" ", 1)[1] in {"yay", "woo"}
        clock.advance(11)
        assert "Hug number 2." in await answer(app, "!HUG", author=person("bob"))
        assert await answer(app, "!editcom !hug {user}: hug {count}") == "Changed !hug."
        clock.advance(11)
        assert await answer(app, "!hug", author=ANN) == "Ann: hug 3"
    async with running(tmp_path, clock) as app:  # stored, count included
        assert await answer(app, "!hug", author=ANN) == "Ann: hug 4"
        assert await answer(app, "!hug", room="den") is None  # per room
        assert await answer(app, "!delcom hug") == "Deleted !hug."
        clock.advance(11)
        assert await answer(app, "!hug", author=ANN) is None


async def test_custom_commands_have_a_cooldown(app, clock):
    await answer(app, "!addcom discord Join us at example.org/discord")
    assert await answer(app, "!discord", author=ANN) is not None
    assert await answer(app, "!discord", author=ANN) is None  # cooled down, not answered
    assert await answer(app, "!discord", author=person("bob")) is None  # room cooldown 5 s
    clock.advance(5)
    assert await answer(app, "!discord", author=person("bob")) is not None


@pytest.mark.parametrize(
    ("definition", "why"),
    [
        ("!addcom evil !ban ann", "start with a command prefix"),
        ("!addcom evil /timeout ann 600", "start with a command prefix"),
        ("!addcom evil   ~mod ann", "start with a command prefix"),
        ("!addcom evil {random:!ban ann|hi}", "start with a command prefix"),
        ("!addcom evil look @everyone", "cannot mention everyone"),
        ("!addcom evil hey @HERE", "cannot mention everyone"),
        ("!addcom evil ping <@&123456>", "cannot mention everyone"),
        ("!addcom help my own help", "is a built-in command"),
        ("!addcom commands alias of help", "is a built-in command"),
        ("!addcom b@d text", "NAME: 1 to 32"),
        ("!addcom long " + "x" * 401, "at most 400"),
    ],
)
async def test_dangerous_definitions_are_refused(app, definition, why):
    reply = await answer(app, definition)
    assert why in reply
    assert await answer(app, "!evil", author=ANN) is None


async def test_expansion_never_runs_a_command_nor_pings_the_room(app):
    await answer(app, "!addcom echo you said: {args}")
    await answer(app, "!addcom parrot {args}")
    reply = await answer(app, "!echo @everyone look", author=ANN)
    assert "@everyone" not in reply and "@\u200beveryone" in reply
    turn = await say(app, "!parrot !quiet on", author=person("bob"))
    sent = [m.text for t in turn.walk() for m in t.sent]
    assert sent == ["\u200b!quiet on"]
    assert LOBBY not in app.rules.silenced  # the echo ran nothing
    assert all(t.command is None for t in turn.followups)


async def test_expansion_is_defused_for_the_room_prefix_and_roles(app):
    owner = app.local.owner
    await answer(app, "!prefix %", author=owner)
    await answer(app, "%addcom parrot {args}")
    # "%" is no common prefix, but it is this room's: the reply must not be a command here.
    turn = await say(app, "%parrot %quiet on", author=person("bob"))
    assert [m.text for t in turn.walk() for m in t.sent] == ["\u200b%quiet on"]
    app.clock.advance(11)
    reply = await answer(app, "%parrot hi @Here and <@&42>", author=ANN)
    assert reply == "hi @\u200bHere and @role"
    assert LOBBY not in app.rules.silenced


def test_defuse_on_its_own():
    assert defuse("!ban ann", "?") == "\u200b!ban ann"
    assert defuse("?ban ann", "?") == "\u200b?ban ann"
    assert defuse("hello @everyone", "!") == "hello @\u200beveryone"
    assert defuse("plain words", "!") == "plain words"


async def test_duplicate_and_missing(app):
    await answer(app, "!addcom so Go follow them")
    assert await answer(app, "!addcom so again") == "There is a !so here already; use !editcom."
    assert await answer(app, "!editcom nope text") == "No !nope here; use !addcom."
    assert await answer(app, "!delcom nope") == "No !nope here."
    assert (await answer(app, "!addcom")).startswith("Usage: !addcom NAME TEXT")


# -- timers ---------------------------------------------------------------------------------


async def tick(app: Sanctum, seconds: float) -> list[str]:
    """Move the clock and run what is due; the texts the bot posted meanwhile."""
    before = len(app.local.log("lobby"))
    app.clock.advance(seconds)
    await app.scheduler.run_due()
    return [m.text for m in app.local.log("lobby")[before:] if m.author.persona == "sanctum"]


async def test_timer_posts_every_n_minutes_after_m_lines(app):
    reply = await answer(app, "!timer add news 10 2 Follow the stream!")
    assert reply == "Timer news: every 10 min if 2+ chat lines passed."
    assert await tick(app, 600) == []  # no chat since: nothing
    await say(app, "first line", person("u1"))
    await say(app, "second line", person("u2"))
    assert await tick(app, 600) == ["Follow the stream!"]
    assert await tick(app, 600) == []  # the count starts again after a post
    assert "news (every 10 min, 2 lines)" in await answer(app, "!timer list")


async def test_timer_is_ambient_quiet_holds_it(app, clock):
    await answer(app, "!timer add tip 1 0 Drink water")
    clock.advance(50)
    for i in range(5):
        await say(app, f"busy {i}", person(f"u{i}"))
    assert await tick(app, 5) == []  # humans are busy
    held = app.dispatcher.loose_decisions[-1]
    assert held.step == "quiet" and "humans are busy" in held.reason
    assert await tick(app, 60) == ["Drink water"]  # calm again at the next tick
    await answer(app, "!quiet on")
    assert await tick(app, 60) == []
    await answer(app, "!quiet off")
    assert await tick(app, 60) == ["Drink water"]


async def test_a_timer_after_a_long_pause_posts_once(app):
    await answer(app, "!timer add news 10 0 Follow the stream!")
    assert await tick(app, 3 * 3600) == ["Follow the stream!"]  # nobody ran the scheduler
    assert await tick(app, 1) == []  # no catch-up post a second later
    assert await tick(app, 600) == ["Follow the stream!"]


async def test_a_timer_held_by_the_rate_limit_counts_as_its_post(app, clock):
    twitch = LocalAdapter(app.personas, clock=clock, platform=Platform.TWITCH, create_lobby=False)
    await app.add_adapter(twitch)
    twitch.ensure_room("chan", member_count=50)
    mod = User(Platform.TWITCH, "mia", "mia", role=Role.MODERATOR)

    async def chat(text: str, author: User) -> None:
        clock.advance(1)
        await app.dispatcher.handle(twitch.make_message("chan", text, author=author))

    def posts() -> list[str]:
        return [m.text for m in twitch.log("chan") if m.text == "Clip it!"]

    await chat("!timer add clip 1 1 Clip it!", mod)
    await chat("a line", User(Platform.TWITCH, "v0", "v0"))
    clock.advance(57)
    for i in range(20):  # the account's 20 messages per 30 s, used up just before the tick
        await app.dispatcher.send(Outgoing(twitch.room("chan"), f"answer {i}"))
    clock.advance(2)
    await app.scheduler.run_due()  # the timer's first tick: queued behind the limit
    assert posts() == []
    assert app.dispatcher.loose_decisions[-1].outcome == "queued"
    for _ in range(30):  # the pump sends it when a slot frees
        clock.advance(1)
        await app.scheduler.run_due()
    assert posts() == ["Clip it!"]
    for _ in range(3):  # no chat since that post: the next ticks post nothing
        clock.advance(60)
        await app.scheduler.run_due()
    assert posts() == ["Clip it!"]


@pytest.mark.parametrize("minutes", ["0", "-5", "0.0", "nan"])
async def test_zero_or_negative_interval_is_refused(app, minutes):
    reply = await answer(app, f"!timer add bad {minutes} 1 text")
    assert "MINUTES must be more than 0" in reply
    assert not [j for j in app.scheduler.jobs() if ":timer:" in j.key]


async def test_bad_timer_arguments(app):
    assert "MINUTES must be a number" in await answer(app, "!timer add t soon 1 text")
    assert "MIN_LINES must be 0 or more" in await answer(app, "!timer add t 5 -1 text")
    assert "command prefix" in await answer(app, "!timer add t 5 1 !so bob")
    assert "Usage: !timer add" in await answer(app, "!timer add t 5")
    assert await answer(app, "!timer list") == "No timers here."
    assert await answer(app, "!timer del ghost") == "No timer ghost here."


async def test_timers_are_restored_at_start_and_deleted(tmp_path, clock):
    async with running(tmp_path, clock) as app:
        await answer(app, "!timer add rules 5 0 Be kind")
    async with running(tmp_path, clock) as app:
        assert await tick(app, 300) == ["Be kind"]
        assert await answer(app, "!timer del rules") == "Timer rules deleted."
        assert await tick(app, 300) == []
    async with running(tmp_path, clock) as app:
        assert await tick(app, 300) == []


# -- rules and help -----------------------------------------------------------------------------


async def test_rules_show_set_reset(app):
    assert "pingpong.threshold=5" in await answer(app, "!rules")
    assert await answer(app, "!rules set pingpong.threshold 3") is None  # admins only
    assert await answer(app, "!rules set pingpong.threshold 3", ADMIN) == (
        "pingpong.threshold is now 3 here."
    )
    assert "must be at least 1" in await answer(app, "!rules set quiet.threshold 0", ADMIN)
    assert "No setting 'prefix'" in await answer(app, "!rules set prefix ?", ADMIN)
    assert await answer(app, "!rules set quiet.window 30", ADMIN) == "quiet.window is now 30 here."
    assert app.rules.quiet.config_for(LOBBY).window_s == 30
    assert await answer(app, "!rules reset quiet.window", ADMIN) == (
        "quiet.window is back to 60 here."
    )


async def test_help_lists_only_what_the_caller_may_run(app, clock):
    everyone = await answer(app, "!help", author=ANN)
    assert everyone.startswith("Commands: ") and "!help" in everyone
    for name in ("!addcom", "!persona", "!quiet", "!rules", "!timer", "!prefix", "!say"):
        assert name not in everyone  # moderator and console commands stay out of sight
    clock.advance(5)  # !help has a room cooldown
    moderator = await answer(app, "!help", author=MOD)
    for name in ("!addcom", "!delcom", "!editcom", "!persona", "!quiet", "!rules", "!timer"):
        assert name in moderator
    assert "!prefix" not in moderator and "!say" not in moderator and "!status" not in moderator
    clock.advance(5)
    assert "!prefix" in await answer(app, "!help", author=ADMIN)
    clock.advance(10)
    assert await answer(app, "!help prefix", author=MOD) == ("No command !prefix that you can run.")
    clock.advance(10)
    assert "!timer add NAME MINUTES MIN_LINES TEXT" in await answer(app, "!help timer", MOD)
