"""The Matrix adapter against a real Synapse (one per test session, see conftest.py).

Every test registers its own users, so tests do not see each other's rooms. Humans are plain
matrix-nio clients; the adapter is the code under test.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import stat
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import nio
import pytest

from bot.adapters.base import AdapterError, ModAction, ModerationKind, NotPermitted
from bot.adapters.matrix import MatrixAdapter, MemorySyncState
from bot.adapters.matrix_session import Credentials
from bot.config import MatrixSettings
from bot.message import Message, MessageKind, Outgoing, Platform, Role, Room, User
from bot.personas import SYSTEM_PERSONA, Persona, PersonaRegistry

from .synapse import Synapse, SynapseError, free_port, start_synapse

_ids = itertools.count(1)
WAIT_S = 20.0  # generous: a deadline for a condition, never a timing assertion


def unique(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


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


class Inbox:
    """The adapter's sink: every delivered Message, in order."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)

    async def wait_for(self, predicate: Callable[[Message], bool], what: str) -> Message:
        def found() -> Message | None:
            return next((m for m in self.messages if predicate(m)), None)

        return await eventually(found, f"{what}; got {[m.text for m in self.messages]}")

    def texts_from(self, user_id: str) -> list[str]:
        return [m.text for m in self.messages if m.author.id == user_id]


class World:
    """Users, adapters and clients of one test, all closed at its end."""

    def __init__(self, synapse: Synapse, tmp_path: Path) -> None:
        self.synapse = synapse
        self.tmp_path = tmp_path
        self.clients: list[nio.AsyncClient] = []
        self.adapters: list[MatrixAdapter] = []

    async def human(self, prefix: str, display: str | None = None) -> nio.AsyncClient:
        localpart = unique(prefix)
        reply = self.synapse.register(localpart, "human-password")
        client = nio.AsyncClient(self.synapse.base_url, reply["user_id"])
        client.restore_login(reply["user_id"], reply["device_id"], reply["access_token"])
        self.clients.append(client)
        if display:
            await client.set_displayname(display)
        return client

    def bot_account(self) -> tuple[str, str]:
        localpart = unique("bot")
        self.synapse.register(localpart, "bot-password")
        return self.synapse.user_id(localpart), "bot-password"

    def settings(self, user_id: str, password: str, **extra: Any) -> MatrixSettings:
        values: dict[str, Any] = {
            "homeserver": self.synapse.base_url,
            "user_id": user_id,
            "password": password,
            "allowed_inviters": ["*"],
        }
        values.update(extra)
        return MatrixSettings(**values)

    async def start(
        self,
        settings: MatrixSettings,
        data_dir: Path | None = None,
        store: MemorySyncState | None = None,
        wait: bool = True,
        **kwargs: Any,
    ) -> tuple[MatrixAdapter, Inbox]:
        adapter = MatrixAdapter(
            settings,
            data_dir or self.tmp_path / unique("data"),
            store or MemorySyncState(),
            **kwargs,
        )
        inbox = Inbox()
        self.adapters.append(adapter)
        await adapter.start(inbox)
        if wait:
            await eventually(lambda: adapter.connected, f"adapter connected ({adapter.state})")
        return adapter, inbox

    async def bot(
        self, personas: PersonaRegistry | None = None, **extra: Any
    ) -> tuple[MatrixAdapter, Inbox]:
        user_id, password = self.bot_account()
        return await self.start(self.settings(user_id, password, **extra), personas=personas)

    async def room_with(self, owner: nio.AsyncClient, adapter: MatrixAdapter, **create: Any) -> str:
        """A room ``owner`` creates and invites the adapter's account to; waits for the join."""
        assert adapter.main is not None
        invite = [adapter.main.user_id, *create.pop("also_invite", [])]
        resp = await owner.room_create(invite=invite, **create)
        assert isinstance(resp, nio.RoomCreateResponse), resp
        main = adapter.main
        await eventually(
            lambda: resp.room_id in main.joined and resp.room_id in main.client.rooms,
            "the adapter to join the room",
        )
        return resp.room_id

    async def close(self) -> None:
        for adapter in self.adapters:
            await adapter.stop()
        for client in self.clients:
            await client.close()


@pytest.fixture
async def world(synapse: Synapse, tmp_path: Path) -> AsyncIterator[World]:
    w = World(synapse, tmp_path)
    try:
        yield w
    finally:
        await w.close()


def text(body: str, **extra: Any) -> dict[str, Any]:
    return {"msgtype": "m.text", "body": body, **extra}


# -- receiving ---------------------------------------------------------------------------------


async def test_receives_group_and_direct_messages_with_room_user_and_mentions(
    world: World,
) -> None:
    alice = await world.human("alice", "Alice Liddell")
    bob = await world.human("bob")
    bot, inbox = await world.bot()
    assert bot.main is not None
    me = bot.main.user_id
    room_id = await world.room_with(alice, bot, name="Lobby", also_invite=[bob.user_id])
    await bob.join(room_id)
    pill = f'<a href="https://matrix.to/#/{me}">Bot</a>: hello'
    await alice.room_send(
        room_id,
        "m.room.message",
        text("Bot: hello", format="org.matrix.custom.html", formatted_body=pill),
    )
    msg = await inbox.wait_for(lambda m: m.text == "Bot: hello", "the group message")
    assert msg.room.platform is Platform.MATRIX and msg.room.id == room_id
    assert msg.room.name == "Lobby"
    assert msg.room.member_count == 3 and not msg.room.is_private
    assert msg.author == User(
        Platform.MATRIX, alice.user_id, name=alice.user_id[1:].split(":")[0],
        display="Alice Liddell", role=Role.OWNER,
    )  # fmt: skip
    assert msg.mentions == (me,)
    assert msg.kind is MessageKind.TEXT and msg.id.startswith("$")

    dm = await world.room_with(
        alice, bot, is_direct=True, preset=nio.RoomPreset.trusted_private_chat
    )
    await alice.room_send(dm, "m.room.message", text("psst"))
    msg = await inbox.wait_for(lambda m: m.text == "psst", "the direct message")
    assert msg.room.id == dm and msg.room.is_direct and msg.room.is_private
    assert msg.room.member_count == 2

    await bob.room_send(room_id, "m.room.message", {"msgtype": "m.notice", "body": "beep"})
    msg = await inbox.wait_for(lambda m: m.text == "beep", "a notice")
    assert msg.kind is MessageKind.NOTICE and msg.author.role is Role.EVERYONE
    assert {r.id for r in bot.rooms()} == {room_id, dm}


async def test_member_count_comes_from_the_summary_not_the_member_list(
    world: World, tmp_path: Path
) -> None:
    alice = await world.human("alice")
    user_id, password = world.bot_account()
    settings = world.settings(user_id, password)
    store, data_dir = MemorySyncState(), tmp_path / "crowd-bot"
    bot, _ = await world.start(settings, data_dir, store)
    room_id = await world.room_with(alice, bot, name="Crowd")
    for _ in range(5):
        member = await world.human("crowd")
        await alice.room_invite(room_id, member.user_id)
        await member.join(room_id)
    await bot.stop()

    # Restarted, the bot loads members lazily: only those whose events it sees.
    bot, inbox = await world.start(settings, data_dir, store)
    await alice.room_send(room_id, "m.room.message", text("how many are we?"))
    msg = await inbox.wait_for(lambda m: m.text == "how many are we?", "the message")
    assert msg.room.member_count == 7
    assert bot.main is not None
    assert len(bot.main.client.rooms[room_id].users) < 7


async def test_malformed_and_unknown_events_are_skipped(world: World, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.adapters.matrix")
    alice = await world.human("alice")
    bot, inbox = await world.bot()
    room_id = await world.room_with(alice, bot)
    bad_html = {"msgtype": "m.text", "body": "x", "format": "org.matrix.custom.html"}
    await alice.room_send(room_id, "m.room.message", {**bad_html, "formatted_body": 5})
    await alice.room_send(room_id, "org.example.custom", {"whatever": [1, 2]})
    await alice.room_send(
        room_id,
        "m.room.message",
        {"msgtype": "m.text", "body": "* x", "m.relates_to": {"rel_type": "m.replace"}},
    )
    await alice.room_send(room_id, "m.room.message", text("still here"))
    await inbox.wait_for(lambda m: m.text == "still here", "the good message")
    assert inbox.texts_from(alice.user_id) == ["still here"]
    assert "malformed" in caplog.text and "has no m.new_content" in caplog.text
    assert "of unknown type org.example.custom" in caplog.text
    assert bot.connected


async def test_invites_from_strangers_are_declined(world: World) -> None:
    alice = await world.human("alice")
    carol = await world.human("carol")
    bot, _ = await world.bot(allowed_inviters=[carol.user_id])
    assert bot.main is not None
    me = bot.main.user_id
    created = await alice.room_create(invite=[me])

    async def membership() -> str:
        resp = await alice.room_get_state_event(created.room_id, "m.room.member", me)
        return resp.content.get("membership", "") if hasattr(resp, "content") else ""

    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while await membership() != "leave":
        assert loop.time() < deadline, "the invite was never declined"
        await asyncio.sleep(0.05)
    assert created.room_id not in bot.main.joined
    await world.room_with(carol, bot)  # an allowed inviter is accepted


# -- sending -----------------------------------------------------------------------------------


async def test_sends_notices_with_markdown_and_threaded_replies(world: World) -> None:
    alice = await world.human("alice")
    luna = Persona(id="luna", name="Luna", system_prompt="You are Luna.")
    bot, inbox = await world.bot(personas=PersonaRegistry([luna], default="luna"))
    assert bot.main is not None
    room_id = await world.room_with(alice, bot)
    await alice.room_send(room_id, "m.room.message", text("question?"))
    asked = await inbox.wait_for(lambda m: m.text == "question?", "the question")
    assert asked.room.personas == ("luna",)  # the bot's account speaks for the default persona

    sent = await bot.send(
        Outgoing(asked.room, "**Answer** <b>raw</b> for @room", reply_to=asked.id)
    )
    assert sent.id.startswith("$") and sent.reply_to == asked.id
    assert sent.author.id == bot.main.user_id and sent.author.is_bot
    assert sent.author.persona == SYSTEM_PERSONA  # no persona: the bot's own voice
    assert sent.kind is MessageKind.NOTICE and sent.room.id == room_id
    got = await alice.room_get_event(room_id, sent.id)
    content = got.event.source["content"]
    assert content["msgtype"] == "m.notice"
    assert "<strong>Answer</strong>" in content["formatted_body"]
    assert "&lt;b&gt;raw&lt;/b&gt;" in content["formatted_body"]
    assert "@room" not in content["body"]
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": asked.id}}
    assert content["m.mentions"] == {"user_ids": [alice.user_id]}

    emote = await bot.send(Outgoing(asked.room, "waves", persona="luna", kind=MessageKind.EMOTE))
    assert emote.author.persona == "luna" and emote.author.id == bot.main.user_id
    got = await alice.room_get_event(room_id, emote.id)
    assert got.event.source["content"]["msgtype"] == "m.emote"
    echo = await inbox.wait_for(lambda m: m.id == emote.id, "the echo of our own emote")
    assert echo.author.persona == "luna" and echo.author.is_bot and echo.kind is MessageKind.EMOTE


async def test_message_type_text_sends_m_text(world: World) -> None:
    alice = await world.human("alice")
    bot, _ = await world.bot(message_type="text")
    room_id = await world.room_with(alice, bot)
    sent = await bot.send(Outgoing(Room(Platform.MATRIX, room_id), "plain words"))
    assert sent.kind is MessageKind.TEXT
    got = await alice.room_get_event(room_id, sent.id)
    assert got.event.source["content"]["msgtype"] == "m.text"
    notice = await bot.send(
        Outgoing(Room(Platform.MATRIX, room_id), "beep", kind=MessageKind.NOTICE)
    )
    got = await alice.room_get_event(room_id, notice.id)
    assert got.event.source["content"]["msgtype"] == "m.notice"


async def test_rate_limited_sends_are_retried(world: World, caplog) -> None:
    caplog.set_level(logging.INFO, logger="bot.adapters.matrix_session")
    alice = await world.human("alice")
    bot, _ = await world.bot()
    assert bot.main is not None
    room_id = await world.room_with(alice, bot)
    path = f"/_synapse/admin/v1/users/{bot.main.user_id}/override_ratelimit"
    status, _ = world.synapse.request(
        "POST", path, {"messages_per_second": 5, "burst_count": 1}, world.synapse.admin_token
    )
    assert status == 200
    room = Room(Platform.MATRIX, room_id)
    sent = [await bot.send(Outgoing(room, f"burst {i}")) for i in range(2)]
    assert len({m.id for m in sent}) == 2
    assert "rate limited" in caplog.text


# -- history and rooms -------------------------------------------------------------------------


async def test_history_pages_newest_first_and_resumes(world: World, synapse: Synapse) -> None:
    alice = await world.human("alice")
    created = await alice.room_create(name="Archive")
    room_id = created.room_id
    for i in range(25):
        await alice.room_send(room_id, "m.room.message", text(f"h{i}"))
    user_id, password = world.bot_account()
    bot, _ = await world.start(world.settings(user_id, password), history_page_size=10)
    await alice.room_invite(room_id, user_id)
    await eventually(lambda: room_id in bot.main.joined, "the join")  # type: ignore[union-attr]

    pages = [page async for page in bot.history(room_id)]
    texts = [m.text for page in pages for m in page.messages if m.text.startswith("h")]
    assert texts == [f"h{i}" for i in reversed(range(25))]
    assert len(pages) >= 3
    assert all(p.next_token for p in pages[:-1]) and pages[-1].next_token is None
    assert all(m.room.id == room_id and m.author.id == alice.user_id for m in pages[0].messages)

    rest = [page async for page in bot.history(room_id, since_token=pages[0].next_token)]
    rest_ids = [m.id for page in rest for m in page.messages]
    assert rest_ids == [m.id for page in pages[1:] for m in page.messages]


async def test_create_invite_join_and_leave_rooms(world: World, synapse: Synapse) -> None:
    alice = await world.human("alice")
    bot, _ = await world.bot()
    assert bot.main is not None
    name = unique("Hall ")
    room = await bot.create_room(name)
    assert room.name == name and room.platform is Platform.MATRIX
    alias = f"#{name.lower().replace(' ', '-')}:{synapse.server_name}"
    resolved = await alice.room_resolve_alias(alias)
    assert resolved.room_id == room.id
    main = bot.main
    await eventually(lambda: room.id in main.client.rooms, "the new room in the bot's sync")
    assert bot.bot_is_moderator(room)  # its creator outranks every power level (room v12)

    await bot.invite(room.id, alice.user_id)
    joined = await alice.join(room.id)
    assert isinstance(joined, nio.JoinResponse), joined
    await bot.leave(room.id)
    members = await alice.joined_members(room.id)
    assert bot.main.user_id not in {m.user_id for m in members.members}
    assert room.id not in bot.main.joined

    public_alias = unique("square")
    await alice.room_create(alias=public_alias, visibility=nio.RoomVisibility.public,
                            preset=nio.RoomPreset.public_chat)  # fmt: skip
    square = await bot.join(f"#{public_alias}:{synapse.server_name}")
    assert square.id.startswith("!") and square.id in bot.main.joined

    with pytest.raises(AdapterError):
        await bot.join("#nowhere-to-be-found:" + synapse.server_name)


# -- restarts and resilience -------------------------------------------------------------------


async def test_restart_delivers_nothing_twice_and_nothing_from_before_start(
    world: World, tmp_path: Path
) -> None:
    alice = await world.human("alice")
    user_id, password = world.bot_account()
    store = MemorySyncState()
    data_dir = tmp_path / "bot-data"
    settings = world.settings(user_id, password)

    first, inbox1 = await world.start(settings, data_dir, store)
    room_id = await world.room_with(alice, first)
    await alice.room_send(room_id, "m.room.message", text("one"))
    await inbox1.wait_for(lambda m: m.text == "one", "the first message")
    device = Credentials.load(data_dir / "matrix" / "credentials.json")
    assert device is not None
    mode = stat.S_IMODE((data_dir / "matrix" / "credentials.json").stat().st_mode)
    assert mode == 0o600
    await first.stop()

    await alice.room_send(room_id, "m.room.message", text("two"))  # sent while the bot is down
    second, inbox2 = await world.start(settings, data_dir, store)
    await alice.room_send(room_id, "m.room.message", text("three"))
    await inbox2.wait_for(lambda m: m.text == "three", "the message after the restart")
    assert inbox2.texts_from(alice.user_id) == ["three"]
    again = Credentials.load(data_dir / "matrix" / "credentials.json")
    assert again is not None and again.access_token == device.access_token  # no new login
    assert device.device_id and again.device_id == device.device_id
    assert not again.password  # the bot's own password is never written down
    await second.stop()

    # With a catch-up window, what was missed while down arrives; what was delivered does not.
    await alice.room_send(room_id, "m.room.message", text("four"))
    catchup = world.settings(user_id, password, catchup_window_s=3600)
    _third, inbox3 = await world.start(catchup, data_dir, store)
    await alice.room_send(room_id, "m.room.message", text("five"))
    await inbox3.wait_for(lambda m: m.text == "five", "the live message")
    assert inbox3.texts_from(alice.user_id) == ["four", "five"]


async def test_homeserver_down_at_start_retries_in_the_background(
    world: World, synapse: Synapse
) -> None:
    port = free_port()
    user_id, password = world.bot_account()
    settings = world.settings(user_id, password, homeserver=f"http://127.0.0.1:{port}")
    bot, inbox = await world.start(settings, wait=False, retry_initial_s=0.1, retry_max_s=0.3)
    assert not bot.connected
    await eventually(lambda: bot.state.startswith("retrying"), "the retrying state")
    assert "cannot reach" in bot.status()["state"]

    proxy = await start_proxy(port, synapse.port)  # the homeserver "comes back"
    try:
        await eventually(lambda: bot.connected, "the adapter to connect")
        alice = await world.human("alice")
        room_id = await world.room_with(alice, bot)
        await alice.room_send(room_id, "m.room.message", text("you are back"))
        await inbox.wait_for(lambda m: m.text == "you are back", "a message after recovery")
    finally:
        proxy.close()
        await proxy.wait_closed()


async def test_a_refused_token_logs_in_again(world: World, synapse: Synapse) -> None:
    alice = await world.human("alice")
    bot, inbox = await world.bot()
    room_id = await world.room_with(alice, bot)
    path = bot.credentials_path
    old = Credentials.load(path)
    assert old is not None
    status, _ = synapse.request("POST", "/_matrix/client/v3/logout", {}, token=old.access_token)
    assert status == 200
    for word in ("after", "logout"):
        await alice.room_send(room_id, "m.room.message", text(word))
        await inbox.wait_for(lambda m, w=word: m.text == w, f"{word!r} after the logout")
    new = Credentials.load(path)
    assert new is not None and new.access_token != old.access_token
    assert new.device_id == old.device_id  # the same device logged in again


# -- moderation --------------------------------------------------------------------------------


async def test_moderation_redacts_mutes_and_kicks(world: World) -> None:
    alice = await world.human("alice")
    bob = await world.human("bob")
    bot, inbox = await world.bot()
    assert bot.main is not None
    me = bot.main.user_id
    levels = {"users": {me: 100}}  # alice created the room: she outranks every level
    room_id = await world.room_with(
        alice, bot, also_invite=[bob.user_id], power_level_override=levels
    )
    await bob.join(room_id)
    await bob.room_send(room_id, "m.room.message", text("buy cheap coins"))
    spam = await inbox.wait_for(lambda m: m.text == "buy cheap coins", "the spam")
    assert bot.bot_is_moderator(spam.room)

    await bot.moderate(
        ModAction(ModerationKind.DELETE, spam.room, spam.author, spam.id, reason="spam")
    )
    got = await alice.room_get_event(room_id, spam.id)
    assert isinstance(got.event, nio.RedactedEvent)

    await bot.moderate(ModAction(ModerationKind.TIMEOUT, spam.room, spam.author, seconds=1))
    state = await alice.room_get_state_event(room_id, "m.room.power_levels")
    assert state.content["users"][bob.user_id] == -1
    refused = await bob.room_send(room_id, "m.room.message", text("let me talk"))
    assert isinstance(refused, nio.RoomSendError) and refused.status_code == "M_FORBIDDEN"

    async def lifted() -> bool:
        state = await alice.room_get_state_event(room_id, "m.room.power_levels")
        return bob.user_id not in state.content["users"]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not await lifted():
        assert loop.time() < deadline, "the mute was never lifted"
        await asyncio.sleep(0.1)
    allowed = await bob.room_send(room_id, "m.room.message", text("thanks"))
    assert isinstance(allowed, nio.RoomSendResponse)

    await bot.moderate(ModAction(ModerationKind.KICK, spam.room, spam.author, reason="bye"))
    rooms = await bob.joined_rooms()
    assert room_id not in rooms.rooms


async def test_a_timeout_without_power_over_levels_bans_and_unbans_after_a_restart(
    world: World, tmp_path: Path
) -> None:
    alice = await world.human("alice")
    bob = await world.human("bob")
    user_id, password = world.bot_account()
    settings = world.settings(user_id, password)
    store, data_dir = MemorySyncState(), tmp_path / "warden-bot"
    bot, inbox = await world.start(settings, data_dir, store)
    # The bot may ban (50) but not edit power levels (100): a timeout is a ban, then an unban.
    levels = {"users": {user_id: 50}, "events": {"m.room.power_levels": 100}}
    room_id = await world.room_with(
        alice, bot, also_invite=[bob.user_id], power_level_override=levels
    )
    await bob.join(room_id)
    await bob.room_send(room_id, "m.room.message", text("shouting"))
    msg = await inbox.wait_for(lambda m: m.text == "shouting", "bob's message")
    await bot.moderate(ModAction(ModerationKind.TIMEOUT, msg.room, msg.author, seconds=1))

    async def membership() -> str:
        resp = await alice.room_get_state_event(room_id, "m.room.member", bob.user_id)
        return resp.content.get("membership", "")

    assert await membership() == "ban"
    state = await alice.room_get_state_event(room_id, "m.room.power_levels")
    assert bob.user_id not in state.content["users"]  # no mute was attempted
    await bot.stop()  # before the timer fires: the next start must still lift the ban

    await world.start(settings, data_dir, store)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while await membership() != "invite":  # unbanned, then invited back in
        assert loop.time() < deadline, "the ban was never lifted"
        await asyncio.sleep(0.1)
    await eventually(lambda: store.values.get("matrix:timers") == "[]", "the timer dropped")
    assert isinstance(await bob.join(room_id), nio.JoinResponse)


async def test_moderation_without_power_is_not_permitted(world: World) -> None:
    alice = await world.human("alice")
    bob = await world.human("bob")
    bot, inbox = await world.bot()
    assert bot.main is not None
    room_id = await world.room_with(alice, bot, also_invite=[bob.user_id])
    await bob.join(room_id)
    await bob.room_send(room_id, "m.room.message", text("hello"))
    msg = await inbox.wait_for(lambda m: m.text == "hello", "bob's message")
    assert not bot.bot_is_moderator(msg.room)
    for kind in (ModerationKind.KICK, ModerationKind.BAN, ModerationKind.TIMEOUT):
        with pytest.raises(NotPermitted, match="power level 0"):
            await bot.moderate(ModAction(kind, msg.room, msg.author, seconds=60))
    with pytest.raises(NotPermitted, match="redacting needs 50"):
        await bot.moderate(ModAction(ModerationKind.DELETE, msg.room, msg.author, msg.id))
    members = await alice.joined_members(room_id)
    assert bob.user_id in {m.user_id for m in members.members}


# -- persona accounts --------------------------------------------------------------------------


def persona(prefix: str) -> Persona:
    return Persona(id=unique(prefix), name="Nova Star", system_prompt="You are Nova.")


async def test_spawn_runs_a_persona_session_and_despawn_removes_the_account(
    world: World, synapse: Synapse
) -> None:
    alice = await world.human("alice")
    bot, inbox = await world.bot(registration_shared_secret=synapse.secret)
    room_id = await world.room_with(alice, bot, name="Commons")
    nova = persona("nova")

    stored = await bot.spawn_persona(nova, [room_id])
    user_id = stored["user_id"]
    assert user_id == synapse.user_id(nova.id)
    assert stored["access_token"] and stored["device_id"]
    path = bot.persona_credentials_path(nova.id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    creds = Credentials.load(path)
    assert creds is not None and creds.password and creds.persona == nova.id
    name = await alice.get_displayname(user_id)
    assert name.displayname == "Nova Star"
    assert bot.persona_accounts() == {nova.id: user_id}
    await eventually(lambda: bot.sessions[nova.id].connected, "the persona's own session")
    room = next(r for r in bot.rooms() if r.id == room_id)
    assert nova.id in room.personas

    said = await bot.send(Outgoing(room, "hello from Nova", persona=nova.id))
    assert said.author.id == user_id and said.author.persona == nova.id and said.author.is_bot
    got = await alice.room_get_event(room_id, said.id)
    assert got.event.sender == user_id

    # A DM to the persona reaches the sink through the persona's own session.
    dm = await alice.room_create(
        is_direct=True, invite=[user_id], preset=nio.RoomPreset.trusted_private_chat
    )
    await eventually(lambda: dm.room_id in bot.sessions[nova.id].joined, "the persona to join")
    await alice.room_send(dm.room_id, "m.room.message", text("hi Nova"))
    msg = await inbox.wait_for(lambda m: m.text == "hi Nova", "the DM to the persona")
    assert msg.room.personas == (nova.id,) and msg.room.is_direct

    # After a restart the persona's session comes back from its stored credentials.
    await bot.stop()
    bot, inbox = await world.start(bot.settings, bot.dir.parent, bot.sync_state)
    await eventually(lambda: bot.sessions[nova.id].connected, "the persona after a restart")
    assert bot.persona_accounts() == {nova.id: user_id}
    await alice.room_send(dm.room_id, "m.room.message", text("still there, Nova?"))
    msg = await inbox.wait_for(lambda m: m.text == "still there, Nova?", "a DM after restart")
    assert msg.room.personas == (nova.id,) and msg.room.is_direct  # m.direct was stored

    await bot.despawn_persona(nova)
    status, reply = synapse.login(user_id, creds.password)
    assert status == 403 and reply["errcode"] in ("M_FORBIDDEN", "M_USER_DEACTIVATED")
    status, info = synapse.request(
        "GET", f"/_synapse/admin/v2/users/{user_id}", token=synapse.admin_token
    )
    assert status == 200 and info["deactivated"] is True
    assert not path.exists() and nova.id not in bot.sessions
    members = await alice.joined_members(room_id)
    assert user_id not in {m.user_id for m in members.members}


async def test_spawn_and_despawn_with_an_admin_token(world: World, synapse: Synapse) -> None:
    alice = await world.human("alice")
    bot, _ = await world.bot(admin_token=synapse.admin_token, persona_prefix="p_")
    room_id = await world.room_with(alice, bot)
    vega = persona("vega")
    stored = await bot.spawn_persona(vega, [room_id])
    assert stored["user_id"] == synapse.user_id(f"p_{vega.id}")
    creds = Credentials.load(bot.persona_credentials_path(vega.id))
    assert creds is not None and creds.password
    await bot.despawn_persona(vega)
    status, _ = synapse.login(stored["user_id"], creds.password)
    assert status == 403


async def test_a_spawn_that_fails_half_way_leaves_nothing_behind(
    world: World, synapse: Synapse
) -> None:
    bot, _ = await world.bot(registration_shared_secret=synapse.secret)
    lyra = persona("lyra")
    with pytest.raises(AdapterError, match="join"):
        await bot.spawn_persona(lyra, [f"!no-such-room:{synapse.server_name}"])
    user_id = synapse.user_id(lyra.id)
    status, info = synapse.request(
        "GET", f"/_synapse/admin/v2/users/{user_id}", token=synapse.admin_token
    )
    assert status == 200 and info["deactivated"] is True
    assert not bot.persona_credentials_path(lyra.id).exists()
    assert lyra.id not in bot.sessions


async def test_a_despawn_bound_to_fail_changes_nothing(world: World, synapse: Synapse) -> None:
    alice = await world.human("alice")
    # Accounts are made with the shared secret; the admin token to remove them is wrong.
    bot, _ = await world.bot(
        registration_shared_secret=synapse.secret, admin_token="syt_not_an_admin_token"
    )
    room_id = await world.room_with(alice, bot)
    orla = persona("orla")
    stored = await bot.spawn_persona(orla, [room_id])
    with pytest.raises(NotPermitted, match="admin token was refused"):
        await bot.despawn_persona(orla)
    members = await alice.joined_members(room_id)
    assert stored["user_id"] in {m.user_id for m in members.members}
    assert orla.id in bot.sessions and bot.persona_credentials_path(orla.id).exists()
    status, info = synapse.request(
        "GET", f"/_synapse/admin/v2/users/{stored['user_id']}", token=synapse.admin_token
    )
    assert status == 200 and info["deactivated"] is False


async def test_a_despawn_that_fails_half_way_puts_the_persona_back(
    world: World, synapse: Synapse
) -> None:
    alice = await world.human("alice")
    bot, _ = await world.bot(registration_shared_secret=synapse.secret)
    room_id = await world.room_with(alice, bot)
    mira = persona("mira")
    stored = await bot.spawn_persona(mira, [room_id])
    user_id = stored["user_id"]
    creds = Credentials.load(bot.persona_credentials_path(mira.id))
    assert creds is not None and creds.password
    path = f"/_synapse/admin/v2/users/{user_id}"

    def set_password(password: str) -> None:
        body = {"password": password, "logout_devices": False}
        status, reply = synapse.request("PUT", path, body, token=synapse.admin_token)
        assert status == 200, reply

    # Someone changed the persona's password on the server: it leaves its room, then the
    # deactivation (which needs that password) is refused, and it goes back where it was.
    set_password("changed-behind-our-back")
    with pytest.raises(AdapterError, match="deactivate"):
        await bot.despawn_persona(mira)
    members = await alice.joined_members(room_id)
    assert user_id in {m.user_id for m in members.members}
    session = bot.sessions[mira.id]
    assert room_id in session.joined
    await eventually(lambda: session.connected, "the persona's session to run again")
    room = Room(Platform.MATRIX, room_id)
    said = await bot.send(Outgoing(room, "still here", persona=mira.id))
    assert said.author.id == user_id
    status, info = synapse.request("GET", path, token=synapse.admin_token)
    assert status == 200 and info["deactivated"] is False

    set_password(creds.password)
    await bot.despawn_persona(mira)
    _, info = synapse.request("GET", path, token=synapse.admin_token)
    assert info["deactivated"] is True and mira.id not in bot.sessions


async def test_spawn_without_a_secret_or_token_is_unsupported(world: World) -> None:
    bot, _ = await world.bot()
    with pytest.raises(AdapterError, match="registration_shared_secret"):
        await bot.spawn_persona(persona("orphan"), [])


def test_a_synapse_that_cannot_start_fails_with_its_log(tmp_path: Path) -> None:
    with pytest.raises(SynapseError, match="Unsupported database type"):
        start_synapse(tmp_path / "broken", extra_config="\ndatabase:\n  name: nosuchengine\n")


# -- helpers -----------------------------------------------------------------------------------


async def start_proxy(listen_port: int, target_port: int) -> asyncio.Server:
    """A TCP relay to Synapse: the homeserver appears on ``listen_port`` when this starts."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    return await asyncio.start_server(handle, "127.0.0.1", listen_port)
