"""The whole bot on Matrix: a real Sanctum app (offline provider, its own data dir) against the
session's real Synapse (see conftest.py).

Each test starts an app whose Matrix adapter comes from the app's own factory, registers its
own bot account and humans (plain matrix-nio clients), and waits on conditions, never on time.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import nio
import pytest

from bot.adapters.base import ModAction, ModerationKind
from bot.adapters.matrix import MatrixAdapter
from bot.adapters.matrix_session import Credentials
from bot.app import Sanctum
from bot.commands import Scope
from bot.config import MatrixSettings, Settings
from bot.dispatcher import Turn
from bot.llm.offline import OfflineProvider
from bot.message import Message, MessageKind, Outgoing, Platform, Room
from bot.moderation_actions import carry_out
from console.app import capture_console

from .synapse import Synapse, free_port

PERSONAS = Path(__file__).resolve().parents[2] / "personas"
WAIT_S = 20.0  # a deadline for a condition, never a timing assertion
_ids = itertools.count(1)


def unique(prefix: str) -> str:
    """A fresh name on the shared homeserver ("w": apart from the adapter tests' names)."""
    return f"{prefix}w{next(_ids)}"


def text(body: str, **extra: Any) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": body, **extra}


async def eventually(predicate: Callable[[], Any], what: str, limit_s: float = WAIT_S) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def matrix(bot: Sanctum) -> MatrixAdapter:
    adapter = bot.adapters.get(Platform.MATRIX)
    assert isinstance(adapter, MatrixAdapter), f"no Matrix adapter in {list(bot.adapters)}"
    return adapter


def main_user(bot: Sanctum) -> str:
    main = matrix(bot).main
    assert main is not None
    return main.user_id


def human_turns(bot: Sanctum) -> list[Turn]:
    """Turns of people's Matrix messages that went past the duplicate check."""
    return [t for t in bot.dispatcher.recent if t.message.platform is Platform.MATRIX
            and t.message.author.is_human and t.stopped != "echo"]  # fmt: skip


def handled(bot: Sanctum, event_id: str) -> Turn | None:
    """The turn that handled ``event_id`` (not a later copy dropped as a duplicate)."""
    return next(
        (t for t in bot.dispatcher.recent if t.message.id == event_id and t.stopped != "echo"),
        None,
    )


async def turn_for(bot: Sanctum, event_id: str) -> Turn:
    """The finished turn of ``event_id`` (a turn is listed once every step, replies included,
    is done)."""
    return await eventually(lambda: handled(bot, event_id), f"the bot to handle {event_id}")


class Console:
    """Runs console commands as the owner types them; a command that fails fails the test."""

    def __init__(self, bot: Sanctum) -> None:
        self.bot = bot
        self.console, self.out = capture_console(bot)

    async def run(self, line: str) -> str:
        name = line.split()[0]
        assert self.bot.commands.get(name, Scope.CONSOLE) is not None, f"no console {name}"
        start = len(self.out.getvalue())
        assert await self.console.execute(line), self.out.getvalue()[start:]
        return self.out.getvalue()[start:]


class World:
    """Apps, humans and temp dirs of one test, all closed at its end."""

    def __init__(self, synapse: Synapse, tmp_path: Path) -> None:
        self.synapse = synapse
        self.tmp_path = tmp_path
        self.clients: list[nio.AsyncClient] = []
        self.apps: list[Sanctum] = []
        self.personas_dir = tmp_path / "personas"
        self.personas_dir.mkdir()
        shutil.copy(PERSONAS / "luna.toml", self.personas_dir / "luna.toml")

    async def human(self, prefix: str, display: str | None = None) -> nio.AsyncClient:
        reply = self.synapse.register(unique(prefix), "human-password")
        client = nio.AsyncClient(self.synapse.base_url, reply["user_id"])
        client.restore_login(reply["user_id"], reply["device_id"], reply["access_token"])
        self.clients.append(client)
        if display:
            await client.set_displayname(display)
        return client

    def bot_account(self) -> tuple[str, str]:
        localpart = unique("sanctum")
        self.synapse.register(localpart, "bot-password")
        return self.synapse.user_id(localpart), "bot-password"

    def settings(self, data_dir: Path | None = None, **matrix: Any) -> Settings:
        if "user_id" not in matrix:
            matrix["user_id"], matrix["password"] = self.bot_account()
        values: dict[str, Any] = {"homeserver": self.synapse.base_url, "allowed_inviters": ["*"]}
        values.update(matrix)
        return Settings(
            data_dir=data_dir or self.tmp_path / unique("data"),
            personas_dir=self.personas_dir,
            matrix=MatrixSettings(**values),
        )

    async def start(self, settings: Settings, *, wait: bool = True) -> Sanctum:
        bot = Sanctum(settings, llm=OfflineProvider())
        self.apps.append(bot)
        await bot.start()
        if wait:
            adapter = matrix(bot)
            await eventually(lambda: adapter.connected, f"Matrix to connect ({adapter.state})")
        return bot

    async def stop(self, bot: Sanctum) -> None:
        await bot.stop()
        self.apps.remove(bot)

    async def room_with(self, owner: nio.AsyncClient, bot: Sanctum, **create: Any) -> str:
        """A room ``owner`` creates, inviting the bot; returns once the bot is in it."""
        main = matrix(bot).main
        assert main is not None
        invite = [main.user_id, *create.pop("also_invite", [])]
        resp = await owner.room_create(invite=invite, **create)
        assert isinstance(resp, nio.RoomCreateResponse), resp
        await eventually(
            lambda: resp.room_id in main.joined and resp.room_id in main.client.rooms,
            "the bot to join the room",
        )
        return resp.room_id

    async def close(self) -> None:
        for bot in reversed(self.apps):
            await bot.stop()
        for client in self.clients:
            await client.close()


@pytest.fixture
async def world(synapse: Synapse, tmp_path: Path) -> AsyncIterator[World]:
    w = World(synapse, tmp_path)
    try:
        yield w
    finally:
        await w.close()


async def replies_in(client: nio.AsyncClient, room_id: str) -> dict[str, list[dict]]:
    """Every event in the room answering another, by the event it answers (whole history)."""
    found: dict[str, list[dict]] = {}
    token: str | None = None
    while True:
        resp = await client.room_messages(room_id, start=token or "", limit=100)
        assert isinstance(resp, nio.RoomMessagesResponse), resp
        for event in resp.chunk:
            content = event.source.get("content", {})
            target = content.get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            if target:
                found.setdefault(target, []).append(event.source)
        if not resp.chunk or not resp.end or resp.end == token:
            return found
        token = resp.end


# -- answering ---------------------------------------------------------------------------------


async def test_settings_from_the_environment_answer_a_dm_as_luna(
    world: World, synapse: Synapse, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.adapters.matrix")
    user_id, password = world.bot_account()
    monkeypatch.chdir(world.tmp_path)  # no sanctum.toml or .env from the checkout
    for key, value in {
        "HOMESERVER": synapse.base_url,
        "USER_ID": user_id,
        "PASSWORD": password,
        "REGISTRATION_SHARED_SECRET": synapse.secret,
        "ALLOWED_INVITERS": '["*"]',
    }.items():
        monkeypatch.setenv(f"SANCTUM_MATRIX__{key}", value)
    settings = Settings(data_dir=world.tmp_path / "env-data", personas_dir=world.personas_dir)
    assert password not in repr(settings)
    bot = await world.start(settings)
    adapter = matrix(bot)
    assert adapter.homeserver == synapse.base_url and adapter.registry is bot.personas
    assert adapter.admin.can_create  # the shared secret came through too

    alice = await world.human("alice", "Alice")
    dm = await world.room_with(
        alice, bot, is_direct=True, preset=nio.RoomPreset.trusted_private_chat
    )
    bad_html = {"msgtype": "m.text", "body": "x", "format": "org.matrix.custom.html"}
    await alice.room_send(dm, "m.room.message", {**bad_html, "formatted_body": 5})  # malformed
    asked = await alice.room_send(dm, "m.room.message", text("hello, anyone there?"))
    turn = await turn_for(bot, asked.event_id)

    assert turn.message.room.is_private and turn.addressed == {"luna": "direct room"}
    [reply] = turn.sent
    assert reply.author.persona == "luna" and reply.author.id == user_id
    assert reply.kind is MessageKind.NOTICE and reply.reply_to == asked.event_id
    got = await alice.room_get_event(dm, reply.id)
    assert got.event.sender == user_id
    content = got.event.source["content"]
    assert content["msgtype"] == "m.notice" and "Luna" in content["body"]
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": asked.event_id}}
    assert [t.message.text for t in human_turns(bot)] == ["hello, anyone there?"]
    assert "malformed" in caplog.text
    # Even in a DM, which is always answered, a notice (another bot's voice) is not.
    beep = {"msgtype": "m.notice", "body": "luna, are you a bot too?"}
    notice = await alice.room_send(dm, "m.room.message", beep)
    turn = await turn_for(bot, notice.event_id)
    assert turn.message.kind is MessageKind.NOTICE and not turn.sent and not turn.addressed

    # The store holds the chat and, through the adapter, the sync position.
    assert await bot.store.messages.contains(Platform.MATRIX, dm, asked.event_id)
    assert await bot.store.messages.contains(Platform.MATRIX, dm, reply.id)
    assert await bot.store.sync_state("matrix").get(f"matrix:next_batch:{user_id}")


async def test_a_group_room_is_answered_only_on_mention(world: World) -> None:
    alice = await world.human("alice", "Alice")
    bob = await world.human("bob", "Bob")
    bot = await world.start(world.settings())
    me = main_user(bot)
    room_id = await world.room_with(alice, bot, name="Commons", also_invite=[bob.user_id])
    await bob.join(room_id)

    async def say(client: nio.AsyncClient, content: dict[str, Any]) -> Turn:
        resp = await client.room_send(room_id, "m.room.message", content)
        assert isinstance(resp, nio.RoomSendResponse), resp
        return await turn_for(bot, resp.event_id)

    quiet = await say(alice, text("what a lovely evening"))
    assert quiet.message.room.member_count == 3 and not quiet.message.room.is_private
    assert not quiet.addressed and not quiet.sent
    assert any(d.reason == "not mentioned in a group room" and d.persona == "luna"
               for d in quiet.decisions)  # fmt: skip

    named = await say(bob, text("luna?"))
    assert named.addressed == {"luna": "named as 'luna'"}
    [reply] = named.sent
    assert reply.author.persona == "luna" and reply.reply_to == named.message.id

    pill = f'<a href="https://matrix.to/#/{me}">hey you</a>, a question'
    pilled = await say(
        alice,
        text("hey you, a question", format="org.matrix.custom.html", formatted_body=pill,
             **{"m.mentions": {"user_ids": [me]}}),
    )  # fmt: skip
    assert pilled.addressed == {"luna": "platform mention"}
    [reply] = pilled.sent
    assert reply.reply_to == pilled.message.id

    notice = await say(bob, {"msgtype": "m.notice", "body": "luna, beep"})  # a bot's notice
    assert not notice.sent and not notice.addressed
    await bot.dispatcher.drain()
    assert [len(t.sent) for t in human_turns(bot)] == [0, 1, 1, 0]


async def test_two_spawned_personas_stop_at_the_ping_pong_limit(
    world: World, synapse: Synapse
) -> None:
    alice = await world.human("alice")
    bob = await world.human("bob")
    prefix = unique("pp") + "_"
    bot = await world.start(
        world.settings(registration_shared_secret=synapse.secret, persona_prefix=prefix)
    )
    adapter = matrix(bot)
    room_id = await world.room_with(alice, bot, name="Observatory", also_invite=[bob.user_id])
    await bob.join(room_id)
    nova = await bot.persona_service.spawn(
        "Nova", platform=Platform.MATRIX, rooms=[room_id], adapter=adapter
    )
    vega = await bot.persona_service.spawn(
        "Vega", platform=Platform.MATRIX, rooms=[room_id], adapter=adapter
    )
    users = {p.id: p.accounts[Platform.MATRIX] for p in (nova, vega)}
    assert users == {"nova": synapse.user_id(f"{prefix}nova"),
                     "vega": synapse.user_id(f"{prefix}vega")}  # fmt: skip
    assert adapter.persona_accounts() == users
    room = next(r for r in adapter.rooms() if r.id == room_id)
    assert {"luna", "nova", "vega"} <= set(room.personas)

    # Nova addresses Vega; each offline answer quotes the other by name, so they would go on.
    first = await bot.dispatcher.send(
        Outgoing(room, "Vega, what do you make of the sky tonight?", persona="nova")
    )
    assert first is not None
    await bot.dispatcher.drain()
    echo = handled(bot, first.id)
    assert echo is not None and echo.echo_of == "nova"
    chain = [first] + [m for t in echo.walk() for m in t.sent]
    assert [m.author.persona for m in chain] == ["nova", "vega"] * 5
    held = [d for t in echo.walk() for d in t.decisions if d.step == "pingpong"]
    assert [(d.outcome, d.persona) for d in held] == [("suppressed", "nova")]
    assert "(Nova, Vega) repeated 5 times" in held[0].reason

    # On the homeserver: five notices from each persona's own account, nothing more.
    resp = await alice.room_messages(room_id, start="", limit=100)
    senders = [e.sender for e in resp.chunk if isinstance(e, nio.RoomMessageNotice)]
    assert sorted(senders) == sorted([users["nova"]] * 5 + [users["vega"]] * 5)


# -- restarts ------------------------------------------------------------------------------------


async def test_a_restart_answers_nothing_twice_and_nothing_from_the_backlog(
    world: World, synapse: Synapse
) -> None:
    alice = await world.human("alice")
    settings = world.settings(world.tmp_path / "kept")
    bot = await world.start(settings)
    dm = await world.room_with(
        alice, bot, is_direct=True, preset=nio.RoomPreset.trusted_private_chat
    )
    one = await alice.room_send(dm, "m.room.message", text("one"))
    assert len((await turn_for(bot, one.event_id)).sent) == 1
    await world.stop(bot)

    # While the bot is down: its token expires (logged out) and a message is left unanswered.
    path = world.tmp_path / "kept" / "matrix" / "credentials.json"
    old = Credentials.load(path)
    assert old is not None
    status, _ = synapse.request("POST", "/_matrix/client/v3/logout", {}, token=old.access_token)
    assert status == 200
    await alice.room_send(dm, "m.room.message", text("two"))

    bot = await world.start(settings)
    three = await alice.room_send(dm, "m.room.message", text("three"))
    assert len((await turn_for(bot, three.event_id)).sent) == 1
    await bot.dispatcher.drain()
    assert [t.message.text for t in human_turns(bot)] == ["three"]
    new = Credentials.load(path)
    assert new is not None and new.access_token != old.access_token  # logged in again

    answered = await replies_in(alice, dm)
    texts = {}
    for resp in (one, three):
        texts[resp.event_id] = len(answered.get(resp.event_id, []))
    assert texts == {one.event_id: 1, three.event_id: 1}
    assert sum(len(v) for v in answered.values()) == 2  # "two" was never answered


# -- personas as Matrix users ----------------------------------------------------------------


async def test_spawn_answers_for_itself_and_despawn_leaves_a_dead_account(
    world: World, synapse: Synapse
) -> None:
    alice = await world.human("alice")
    prefix = unique("sd") + "_"
    bot = await world.start(
        world.settings(registration_shared_secret=synapse.secret, persona_prefix=prefix)
    )
    adapter = matrix(bot)
    room_id = await world.room_with(alice, bot, name="Nursery")

    run = Console(bot).run

    said = await run(f"spawn Lyra --platform matrix --room matrix:{room_id}")
    user_id = synapse.user_id(f"{prefix}lyra")
    assert said.strip() == f"spawned lyra (Lyra) on matrix as {user_id}"
    lyra = bot.personas.require("lyra")
    assert lyra.accounts == {Platform.MATRIX: user_id}
    assert bot.personas.by_account(Platform.MATRIX, user_id) == lyra
    assert bot.persona_service.source_of("lyra") == "spawned"
    creds = Credentials.load(adapter.persona_credentials_path("lyra"))
    assert creds is not None and creds.password
    status, _ = synapse.login(user_id, creds.password)
    assert status == 200

    # A DM with Lyra is answered by Lyra, from her own account.
    session = adapter.sessions["lyra"]
    dm = await alice.room_create(
        is_direct=True, invite=[user_id], preset=nio.RoomPreset.trusted_private_chat
    )
    await eventually(lambda: dm.room_id in session.joined, "Lyra to accept the DM")
    asked = await alice.room_send(dm.room_id, "m.room.message", text("hi, who is this?"))
    turn = await turn_for(bot, asked.event_id)
    assert turn.addressed == {"lyra": "direct room"}
    [reply] = turn.sent
    assert reply.author.id == user_id and reply.author.persona == "lyra"

    said = await run("despawn lyra")
    assert "lyra" in said
    status, reply_json = synapse.login(user_id, creds.password)
    assert status == 403 and reply_json["errcode"] in ("M_FORBIDDEN", "M_USER_DEACTIVATED")
    assert "lyra" not in bot.personas and "lyra" not in adapter.sessions
    assert not adapter.persona_credentials_path("lyra").exists()
    assert not (world.personas_dir / "lyra.toml").exists()
    members = await alice.joined_members(room_id)
    assert user_id not in {m.user_id for m in members.members}


# -- the console on Matrix ---------------------------------------------------------------------


async def test_console_rooms_invites_and_fetch_all_and_fetch_new(
    world: World, synapse: Synapse
) -> None:
    alice = await world.human("alice")
    bot = await world.start(world.settings())
    adapter = matrix(bot)
    run = Console(bot).run

    # create_channel: a room with an alias; add_participant: an invite (the room by its alias).
    name = unique("hall")
    alias = f"#{name}:{synapse.server_name}"
    said = await run(f"create_channel matrix {name}")
    created = await alice.room_resolve_alias(alias)
    assert isinstance(created, nio.RoomResolveAliasResponse), created
    hall = created.room_id
    assert said.strip() == f"created matrix:{hall} ({name})"
    said = await run(f"add_participant matrix:{alias} {alice.user_id}")
    assert said.strip() == f"invited {alice.user_id} to matrix:{hall}"
    assert isinstance(await alice.join(hall), nio.JoinResponse)

    # join: a public room with history from before the bot was there; fetch_all stores it.
    square = unique("square")
    resp = await alice.room_create(alias=square, name="Square", preset=nio.RoomPreset.public_chat,
                                   visibility=nio.RoomVisibility.public)  # fmt: skip
    room_id = resp.room_id
    for i in range(30):
        await alice.room_send(room_id, "m.room.message", text(f"old news {i}"))
    said = await run(f"join matrix #{square}:{synapse.server_name}")
    assert said.strip() == f"joined matrix:{room_id} (Square)"
    assert room_id in adapter.main.joined  # type: ignore[union-attr]
    room = Room(Platform.MATRIX, room_id)
    assert await bot.store.messages.count(room) == 0  # the backlog is not chat to answer

    said = await run(f"fetch_all matrix:{room_id}")
    assert f"matrix:{room_id}: 30 messages fetched, 30 new in the store" in said
    assert f"fetching matrix:{room_id}" in said and "30 messages" in said  # the progress bar
    stored = await bot.store.messages.recent(room, 100)
    assert [m.text for m in stored] == [f"old news {i}" for i in range(30)]
    assert all(m.author.id == alice.user_id for m in stored)
    said = await run(f"fetch_all matrix:#{square}:{synapse.server_name}")  # again, by alias
    assert "30 messages fetched, 0 new in the store" in said

    # fetch_new: what was said while the bot was away, back to the newest stored message.
    said = await run(f"leave matrix {room_id}")
    assert said.strip() == f"left matrix:{room_id}"
    members = await alice.joined_members(room_id)
    assert main_user(bot) not in {m.user_id for m in members.members}
    for i in range(4):
        await alice.room_send(room_id, "m.room.message", text(f"fresh news {i}"))
    await run(f"join matrix {room_id}")
    said = await run(f"fetch_new matrix:{room_id}")
    assert "4 messages fetched, up to what was stored, 4 new in the store" in said
    stored = await bot.store.messages.recent(room, 100)
    assert [m.text for m in stored][-5:] == ["old news 29"] + [f"fresh news {i}" for i in range(4)]
    said = await run(f"fetch_new matrix:{room_id}")
    assert "0 messages fetched, up to what was stored, 0 new in the store" in said
    assert await bot.store.messages.count(room) == 34
    await bot.dispatcher.drain()
    assert not [t for t in human_turns(bot) if t.sent]  # history is stored, never answered

    await run(f"leave matrix {room_id}")


# -- moderation --------------------------------------------------------------------------------


async def test_moderation_is_carried_out_or_reported_in_one_line(world: World, caplog) -> None:
    caplog.set_level(logging.INFO, logger="bot.moderation_actions")
    alice = await world.human("alice")
    bob = await world.human("bob", "Bob")
    bot = await world.start(world.settings())
    me = main_user(bot)

    async def spam_in(room_id: str, body: str) -> Message:
        resp = await bob.room_send(room_id, "m.room.message", text(body))
        return (await turn_for(bot, resp.event_id)).message

    levels = {"users": {me: 100}}
    modded = await world.room_with(alice, bot, name="Moderated", also_invite=[bob.user_id],
                                   power_level_override=levels)  # fmt: skip
    await bob.join(modded)
    spam = await spam_in(modded, "cheap coins here")
    line = await carry_out(bot, ModAction(ModerationKind.DELETE, spam.room, spam.author, spam.id,
                                          reason="spam"))  # fmt: skip
    assert line == "matrix: deleted a message of Bob in Moderated (spam)"
    got = await alice.room_get_event(modded, spam.id)
    assert isinstance(got.event, nio.RedactedEvent)
    line = await carry_out(bot, ModAction(ModerationKind.TIMEOUT, spam.room, spam.author,
                                          seconds=600))  # fmt: skip
    assert line == "matrix: timed out Bob in Moderated for 600 s"
    state = await alice.room_get_state_event(modded, "m.room.power_levels")
    assert state.content["users"][bob.user_id] < 0
    line = await carry_out(bot, ModAction(ModerationKind.BAN, spam.room, spam.author))
    assert line == "matrix: banned Bob in Moderated"
    member = await alice.room_get_state_event(modded, "m.room.member", bob.user_id)
    assert member.content["membership"] == "ban"

    # Without power the bot touches nothing and says why, in one warning line.
    plain = await world.room_with(alice, bot, name="Backroom", also_invite=[bob.user_id])
    await bob.join(plain)
    spam = await spam_in(plain, "more coins")
    caplog.clear()
    kick = await carry_out(bot, ModAction(ModerationKind.KICK, spam.room, spam.author))
    redact = await carry_out(bot, ModAction(ModerationKind.DELETE, spam.room, spam.author, spam.id))
    assert kick == (
        "matrix: cannot kick Bob in Backroom: the bot lacks the power to do that (the bot has "
        "power level 0, kick needs 50 and more than the user's 0)"
    )
    assert redact == (
        "matrix: cannot redact in Backroom: the bot lacks the power to do that (the bot has "
        "power level 0, redacting needs 50)"
    )
    assert "\n" not in kick + redact
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [kick, redact]
    members = await alice.joined_members(plain)
    assert bob.user_id in {m.user_id for m in members.members}
    elsewhere = Room(Platform.DISCORD, "123", name="general")
    line = await carry_out(bot, ModAction(ModerationKind.BAN, elsewhere, spam.author))
    assert line == "discord: cannot ban Bob in general: discord is not connected"


# -- a homeserver that is down --------------------------------------------------------------------


async def test_a_homeserver_down_at_start_leaves_the_bot_and_console_running(
    tmp_path: Path,
) -> None:
    personas = tmp_path / "personas"
    personas.mkdir()
    shutil.copy(PERSONAS / "luna.toml", personas / "luna.toml")
    settings = Settings(
        data_dir=tmp_path / "data",
        personas_dir=personas,
        matrix=MatrixSettings(
            homeserver=f"http://127.0.0.1:{free_port()}",
            user_id="@ghost:sanctum.test",
            password="nobody-home",
        ),
    )
    bot = Sanctum(settings, llm=OfflineProvider())
    await bot.start()
    try:
        adapter = matrix(bot)
        await eventually(lambda: adapter.state.startswith("retrying"), "the retrying state")
        assert not adapter.connected
        console, out = capture_console(bot)
        assert await console.execute("status")
        line = next(x for x in out.getvalue().splitlines() if "platform matrix" in x)
        assert "retrying" in line and "cannot reach" in line
        assert "nobody-home" not in out.getvalue()
        assert await console.execute("rooms")
        # The rest of the bot answers as usual.
        message = bot.local.make_message("lobby", "luna, are you there?")
        turn = await bot.dispatcher.handle(message)
        assert [m.author.persona for m in turn.sent] == ["luna"]
    finally:
        await bot.stop()
