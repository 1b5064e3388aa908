"""Console room commands through the real PromptSession: rooms, join, leave, create_channel,
add_participant, say, as, fetch_all and fetch_new, each with its happy and its error path."""

from __future__ import annotations

from bot.adapters.local import LOBBY
from bot.message import Platform, User
from console.testing import run_piped


async def audit_actions(app) -> list[str]:
    return [action for _ts, _actor, action, _detail in await app.store.audit.recent(100)]


async def test_rooms_lists_and_refuses_unknown_or_unconnected_platforms(app):
    run = await run_piped(app, "rooms", "rooms local", "rooms matrix", "rooms smoke-signals")
    assert run.ok("rooms") and run.ok("rooms local")
    assert "lobby" in run.output and "luna" in run.output  # Luna is present in the lobby
    assert not run.ok("rooms matrix")
    assert "matrix is not connected" in run.output
    assert not run.ok("rooms smoke-signals")
    assert "no platform 'smoke-signals'" in run.output


async def test_join_leave_and_create_channel(app):
    run = await run_piped(
        app,
        "join local den",
        "create_channel local game night",
        "create_channel local game night",
        "leave local den",
        "leave local den",
        "join matrix !room:example.org",
        "create_channel discord plans",
    )
    assert run.ok("join local den") and "joined local:den" in run.output
    assert run.results[1] == ("create_channel local game night", True)
    assert run.results[2] == ("create_channel local game night", False)
    assert "exists already" in run.output
    assert run.results[3] == ("leave local den", True)
    assert run.results[4] == ("leave local den", False)
    assert "no local room 'den'" in run.output
    assert not run.ok("join matrix !room:example.org")
    assert "matrix is not connected" in run.output
    assert "discord is not connected" in run.output
    ids = {room.id for room in app.local.rooms()}
    assert "game night" in ids and "den" not in ids
    actions = await audit_actions(app)
    assert {"room.join", "room.leave", "room.create"} <= set(actions)


async def test_add_participant(app):
    run = await run_piped(
        app,
        "add_participant lobby bob",
        "add_participant nowhere bob",
        "add_participant matrix:!room:example.org luna",
    )
    assert run.ok("add_participant lobby bob") and "invited bob to local:lobby" in run.output
    assert "bob" in {user.id for user in app.local.members(LOBBY)}
    assert not run.ok("add_participant nowhere bob")
    assert "no room 'nowhere' on local" in run.output
    assert not run.ok("add_participant matrix:!room:example.org luna")
    assert "matrix is not connected" in run.output
    assert "room.invite" in await audit_actions(app)


async def test_say_and_as_persona_through_the_outbound_gate(app):
    run = await run_piped(
        app,
        "say lobby hello luna",
        "as luna say lobby good evening, everyone",
        "as ghost say lobby boo",
        "as luna shout lobby hi",
        "say matrix:!room:example.org hi",
    )
    assert run.ok("say lobby hello luna")
    assert "[lobby] Luna: [offline] Luna here" in run.output
    assert run.ok("as luna say lobby good evening, everyone")
    assert "[lobby] Luna: good evening, everyone" in run.output
    said = [m for m in app.local.log(LOBBY) if m.text == "good evening, everyone"]
    assert said and said[0].author.persona == "luna"
    assert "no persona 'ghost'" in run.output
    assert "Usage: as PERSONA say ROOM TEXT (VERB must be a choice" in run.output
    assert "matrix is not connected" in run.output
    assert [ok for _, ok in run.results] == [True, True, False, False, False]
    assert {"say", "as.say"} <= set(await audit_actions(app))


async def test_as_persona_refused_by_the_gate_says_why(app):
    await app.rules.mute(f"local:{LOBBY}", "luna", True)  # a moderator muted her here
    run = await run_piped(app, "as luna say lobby I should not be heard")
    assert not run.ok("as luna say lobby I should not be heard")
    assert "not sent to local:lobby (mute:" in run.output
    assert not [m for m in app.local.log(LOBBY) if m.author.persona == "luna"]


async def test_fetch_all_then_fetch_new_backfill_the_store(app):
    guest = User(Platform.LOCAL, "guest", "guest", "Guest")
    app.local.ensure_room("archive")
    # History the bot never saw (written to the room, not handed to the dispatcher).
    for n in range(150):
        app.local.make_message("archive", f"old line {n}", author=guest)
    room = app.local.room("archive")
    run = await run_piped(app, "fetch_all archive")
    assert run.ok("fetch_all archive")
    assert "fetching local:archive" in run.output  # the progress bar
    assert "local:archive: 150 messages fetched, 150 new in the store" in run.output
    assert await app.store.messages.count(room) == 150

    for n in range(3):
        app.local.make_message("archive", f"new line {n}", author=guest)
    run = await run_piped(app, "fetch_new archive", "fetch_all archive")
    assert "3 messages fetched, up to what was stored, 3 new in the store" in run.output
    assert "153 messages fetched, 0 new in the store" in run.output  # all known already
    assert await app.store.messages.count(room) == 153
    hits = await app.store.messages.search("line 2", room=room)
    assert any(hit.message.text == "new line 2" for hit in hits)
    assert {"history.fetch_all", "history.fetch_new"} <= set(await audit_actions(app))


async def test_fetch_errors(app):
    run = await run_piped(app, "fetch_all matrix:!room:example.org", "fetch_new nowhere")
    assert "matrix is not connected" in run.output
    assert "no room 'nowhere' on local" in run.output
    assert [ok for _, ok in run.results] == [False, False]


async def test_ctrl_c_stops_a_backfill_and_keeps_what_it_fetched(app, monkeypatch):
    import asyncio

    from tests.test_console import SAFETY_S, sigint_self

    guest = User(Platform.LOCAL, "guest", "guest", "Guest")
    app.local.ensure_room("archive")
    for n in range(250):
        app.local.make_message("archive", f"old line {n}", author=guest)
    real_history = app.local.history

    async def history(room_id, since_token=None):
        async for page in real_history(room_id, since_token):
            yield page
            sigint_self()  # Ctrl-C after the first page of 100
            await asyncio.wait_for(asyncio.Event().wait(), SAFETY_S)

    monkeypatch.setattr(app.local, "history", history)
    run = await run_piped(app, "fetch_all archive", "rooms")
    assert run.results == [("fetch_all archive", False), ("rooms", True)]
    assert "local:archive: stopped after 100 messages, 100 new stored" in run.output
    assert "interrupted: fetch_all archive" in run.output
    assert await app.store.messages.count(app.local.room("archive")) == 100
    assert not app.stop_requested.is_set()
