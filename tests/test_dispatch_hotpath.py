"""What the dispatcher's fast paths must keep: decisions in the order they were made, the
duplicate window, and caches that follow persona changes at once."""

from __future__ import annotations

from pathlib import Path

from bot.app import Sanctum
from bot.config import DispatchSettings, Settings
from bot.dispatcher import SendContext, Turn
from bot.llm.offline import OfflineProvider
from bot.message import Message, Outgoing, Platform, Role, User
from bot.personas import parse_persona

from .conftest import PERSONAS


def guest(name: str = "ann") -> User:
    return User(Platform.LOCAL, name, name, name)


async def say(app, text: str, room: str = "lobby", author: User | None = None, **kw) -> Turn:
    message = app.local.make_message(room, text, author=author or guest(), **kw)
    return await app.dispatcher.handle(message)


async def test_a_plain_line_records_one_skip_per_persona(duo):
    turn = await say(duo, "just chatting about the weather")
    skips = [(d.step, d.outcome, d.persona) for d in turn.decisions]
    assert sorted(skips) == [
        ("addressing", "skipped", "luna"),
        ("addressing", "skipped", "nova"),
    ]
    assert all(d.reason == "not mentioned in a group room" for d in turn.decisions)
    assert all(d.ts == turn.now for d in turn.decisions)
    assert turn.decisions is turn.decisions  # made once, then the same list


async def test_skips_keep_their_place_before_later_decisions(duo):
    turn = await say(duo, "nova, what is that star?")
    steps = [(d.step, d.outcome, d.persona) for d in turn.decisions]
    assert steps.index(("addressing", "skipped", "luna")) < steps.index(("send", "sent", "nova"))
    # A send that holds the turn's list from earlier (a queued reply) decides later: the
    # skip decided in between comes first.
    message = duo.local.make_message("lobby", "nobody named", author=guest())
    late = Turn(message, Role.EVERYONE, now=5.0)
    send = SendContext(late, late.decisions, 6.0, None)
    late.skip_unmentioned("luna")
    send.decide("ratelimit", "dropped", "waited too long", "luna")
    assert [(d.step, d.outcome, d.ts) for d in late.decisions] == [
        ("addressing", "skipped", 5.0),
        ("ratelimit", "dropped", 6.0),
    ]


async def test_an_echo_and_a_command_reply_record_no_skip(app):
    turn = await say(app, "!help")
    for each in turn.walk():
        assert not any(d.reason == "not mentioned in a group room" for d in each.decisions)


async def test_duplicates_are_dropped_within_the_window_and_forgotten_after(tmp_path, clock):
    settings = Settings(
        data_dir=tmp_path / "data",
        personas_dir=PERSONAS,
        dispatch=DispatchSettings(dedupe_window=3),
    )
    app = Sanctum(settings, clock=clock, llm=OfflineProvider())
    await app.start(connect_platforms=False)
    try:
        first = app.local.make_message("lobby", "hello", author=guest(), message_id="m0")
        assert (await app.dispatcher.handle(first)).stopped != "echo"

        async def others(ids: range) -> None:
            for i in ids:  # one line each from different people, at a person's pace
                clock.advance(30)
                msg = app.local.make_message(
                    "lobby", f"line {i}", author=guest(f"u{i}"), message_id=f"m{i}"
                )
                assert (await app.dispatcher.handle(msg)).stopped != "echo"

        await others(range(1, 3))  # the window (3) still holds m0
        assert (await app.dispatcher.handle(first)).stopped == "echo"
        assert app.dispatcher.echo.seen(first)
        await others(range(3, 9))  # more than twice the window later, m0 is forgotten
        assert not app.dispatcher.echo.seen(first)
        assert (await app.dispatcher.handle(first)).stopped != "echo"
    finally:
        await app.stop()


async def test_a_persona_added_at_runtime_is_addressed_and_its_account_known(app):
    turn = await say(app, "hey orion, you there?")
    assert turn.addressed == {}
    orion = parse_persona(
        {"name": "Orion", "system_prompt": "You are Orion.", "accounts": {"local": "orion-acct"}},
        source=Path("orion.toml"),
    )
    app.personas.add(orion)
    turn = await say(app, "hey orion, you there?")
    assert "orion" in turn.addressed
    own = Message("o1", app.local.ensure_room("lobby"), guest("orion-acct"), "hi all", 1.0)
    echo = await app.dispatcher.handle(own)
    assert echo.echo_of == "orion"
    app.personas.remove("orion")
    turn = await say(app, "hey orion, you there?")
    assert "orion" not in turn.addressed


async def test_the_bots_own_reply_goes_out_once(app):
    out = Outgoing(app.local.ensure_room("lobby"), "hello from the bot")
    sent = await app.dispatcher.send(out)
    assert sent is not None
    assert (await app.dispatcher.handle(sent)).stopped == "echo"  # the platform's copy
