"""The pipeline of issue 2: echoes and duplicates, the DM rule, the mention rule, the outbound
gate. Each through the real dispatcher of a real app (offline provider, real store)."""

from __future__ import annotations

import pytest

from bot.dispatcher import Turn
from bot.message import Message, MessageKind, Outgoing, Platform, Role, User
from bot.personas import Persona
from bot.rules.addressing import alias_pattern


def guest(name: str = "ann", **kw) -> User:
    return User(Platform.LOCAL, name, name, name, **kw)


async def say(app, text: str, room: str = "lobby", author: User | None = None, **kw) -> Turn:
    message = app.local.make_message(room, text, author=author or guest(), **kw)
    return await app.dispatcher.handle(message)


def replies(turn: Turn) -> list[tuple[str, str]]:
    return [(m.author.persona, m.text) for t in turn.walk() for m in t.sent]


@pytest.mark.parametrize(
    "text",
    ["@Luna!!!", "LUNABOT are you awake", "hey luna", "luna?", "good night, Luna.", "@lunabot"],
)
async def test_aliases_address_luna(app, text):
    turn = await say(app, text)
    assert "luna" in turn.addressed
    assert replies(turn) and replies(turn)[0][0] == "luna"


@pytest.mark.parametrize(
    "text",
    ["lunar eclipse", "@lunatic123", "lunabots unite", "mail me@luna.example", "hello everyone"],
)
async def test_other_words_do_not_address_luna(app, text):
    turn = await say(app, text)
    assert turn.addressed == {}
    assert replies(turn) == []
    assert any(
        d.reason == "not mentioned in a group room" and d.persona == "luna" for d in turn.decisions
    )


def test_alias_pattern_multiword_and_escaping():
    pattern = alias_pattern(("night owl", "c++"))
    assert pattern.search("hey night   owl!")
    assert pattern.search("@c++ help")
    assert not pattern.search("nightowl")


async def test_platform_mention_addresses(app):
    turn = await say(app, "look at this", mentions=("luna",))
    assert turn.addressed == {"luna": "platform mention"}


async def test_direct_room_addresses_the_persona_in_it(duo):
    duo.local.ensure_room("dm-nova", direct=True, personas=("nova",))
    turn = await say(duo, "no names here", room="dm-nova")
    assert turn.addressed == {"nova": "direct room"}
    assert [p for p, _ in replies(turn)] == ["nova"]


async def test_two_member_room_is_a_dm(duo):
    duo.local.ensure_room("pair", member_count=2, personas=("luna",))
    turn = await say(duo, "just us", room="pair")
    assert list(turn.addressed) == ["luna"]


async def test_group_room_with_two_personas_answers_only_the_named_one(duo):
    turn = await say(duo, "nova, what is that star?")
    assert list(turn.addressed) == ["nova"]
    assert [p for p, _ in replies(turn)] == ["nova"]


async def test_duplicate_platform_ids_are_dropped(app):
    first = await say(app, "hi luna", message_id="dup-1")
    second = await say(app, "hi luna", message_id="dup-1")
    assert first.stopped is None and replies(first)
    assert second.stopped == "echo" and replies(second) == []
    assert second.decisions[0].outcome == "dropped"


async def test_own_echo_is_recorded_and_never_answers_itself(app):
    turn = await say(app, "hello luna")
    (echo,) = turn.followups
    assert echo.echo_of == "luna"
    assert echo.addressed == {} and echo.sent == []
    # The echo is in the store: Luna's reply is part of the room's history.
    history = await app.store.messages.recent(app.local.room("lobby"), 5)
    assert [m.author.persona for m in history][-2:] == [None, "luna"]


async def test_echo_of_persona_addresses_another_persona(duo):
    # Luna's words naming Nova reach Nova (later rules decide whether she may answer).
    luna = duo.local.persona_user("luna")
    turn = await say(duo, "what do you think, nova?", author=luna)
    assert turn.echo_of == "luna"
    assert list(turn.addressed) == ["nova"]


async def test_a_persona_text_never_runs_a_command(app):
    luna = app.local.persona_user("luna")
    turn = await say(app, "!help", author=luna)
    assert turn.command is None and turn.stopped is None


async def test_unknown_command_is_ignored_silently(app):
    turn = await say(app, "!followage")
    assert turn.stopped == "commands"
    assert replies(turn) == []


async def test_exclamations_are_not_commands(app):
    turn = await say(app, "!!! luna that was amazing")
    assert "luna" in turn.addressed


async def test_notices_from_others_are_never_answered(app):
    bot = guest("otherbot", is_bot=True)
    turn = await say(app, "luna, status?", author=bot, kind=MessageKind.NOTICE)
    assert turn.addressed == {}


async def test_an_edit_is_checked_but_not_answered_again(app):
    first = await say(app, "luna, are you there?", message_id="orig")
    assert replies(first)
    base = app.local.make_message("lobby", "luna, are you there??", author=guest())
    edit = Message("edit-1", base.room, base.author, base.text, base.ts, edit_of="orig")
    turn = await app.dispatcher.handle(edit)
    assert replies(turn) == []
    assert any(d.reason == "edits are not answered again" for d in turn.decisions)


async def test_outbound_length_limit_and_safety(app):
    room = app.local.room("lobby")
    long = "word " * 400
    sent = await app.dispatcher.send(Outgoing(room, long, persona="luna"))
    assert sent is not None
    assert len(sent.text) <= app.personas.require("luna").style.max_length
    assert sent.text.endswith("…")
    pinged = await app.dispatcher.send(Outgoing(room, "@everyone look! !ban ann", persona="luna"))
    assert "@everyone" not in pinged.text and "@\u200beveryone" in pinged.text
    command = await app.dispatcher.send(Outgoing(room, "!ban ann", persona="luna"))
    assert not command.text.startswith("!")


async def test_outbound_refuses_empty_text(app):
    room = app.local.room("lobby")
    assert await app.dispatcher.send(Outgoing(room, "   ", persona="luna")) is None


async def test_one_line_platform_collapses_lines(app):
    from bot.adapters.local import LocalAdapter

    twitch = LocalAdapter(
        app.personas, clock=app.clock, platform=Platform.TWITCH, create_lobby=False
    )
    await app.add_adapter(twitch)
    room = twitch.ensure_room("chan")
    sent = await app.dispatcher.send(Outgoing(room, "line one\nline two", persona="luna"))
    assert sent.text == "line one line two"


async def test_every_message_is_recorded_even_when_a_listener_fails(app):
    async def broken(turn):
        raise RuntimeError("boom")

    app.dispatcher.add_listener("message", broken, owner="test")
    turn = await say(app, "luna are you there", message_id="keep-me")
    assert any(d.outcome == "error" and "boom" in d.reason for d in turn.decisions)
    assert await app.store.messages.contains(Platform.LOCAL, "lobby", "keep-me")


async def test_empty_and_huge_messages(app):
    empty = await say(app, "", message_id="empty")
    assert empty.addressed == {}
    # From the owner (never moderated) it is answered; from a guest the Warden removes it as
    # a very long message. Either way it is stored, and nothing crashes.
    huge = await say(app, "luna " + "x" * 100_000, message_id="huge", author=app.local.owner)
    assert "luna" in huge.addressed
    spam = await say(app, "luna " + "y" * 100_000, message_id="huge-guest")
    assert spam.stopped == "checks" and spam.verdicts[0].check
    for message_id in ("huge", "huge-guest"):
        assert await app.store.messages.contains(Platform.LOCAL, "lobby", message_id)


async def test_disabled_persona_is_not_addressed(app):
    luna = app.personas.require("luna")
    app.personas.add(Persona.model_validate({**luna.model_dump(), "enabled": False}))
    turn = await say(app, "luna?")
    assert turn.addressed == {}


async def test_decisions_name_the_step_and_reason(app):
    turn = await say(app, "hi luna")
    assert str(turn.decisions[0]).startswith("addressing [luna]: addressed")


async def test_role_of_the_owner_comes_through(app):
    turn = await say(app, "luna hi", author=app.local.owner)
    assert turn.role is Role.OWNER


async def test_message_model_round_trips_through_handle(app):
    message = app.local.make_message("lobby", "plain words", author=guest())
    assert isinstance(message, Message)
    turn = await app.dispatcher.handle(message)
    assert turn.message is message
