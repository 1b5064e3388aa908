"""Matrix in the app without a homeserver: the factory, settings from the environment, the
shielded sync-state writes, and a room of thousands handled without walking its members.

The whole bot against a real Synapse is in tests/integration/test_matrix_bot.py.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from nio import Event, MatrixRoom, SyncResponse
from nio.responses import RoomSummary

from bot.adapters.matrix import MatrixAdapter
from bot.adapters.matrix_factory import make_matrix_adapter, missing_settings
from bot.adapters.matrix_session import ShieldedSyncState
from bot.adapters.registry import FACTORIES
from bot.app import Sanctum
from bot.config import MatrixSettings, Settings
from bot.dispatcher import Turn
from bot.llm.offline import OfflineProvider
from bot.memory.cogdata import SyncState
from bot.message import Platform

from .conftest import PERSONAS

BOT = "@sanctum:example.org"


def app_with(tmp_path: Path, **matrix: Any) -> Sanctum:
    settings = Settings(
        data_dir=tmp_path / "data", personas_dir=PERSONAS, matrix=MatrixSettings(**matrix)
    )
    return Sanctum(settings, llm=OfflineProvider())


def test_the_matrix_factory_is_registered() -> None:
    assert make_matrix_adapter in FACTORIES


@pytest.mark.parametrize(
    ("matrix", "missing"),
    [
        ({}, None),  # nothing set: Matrix is simply not used, and nothing is said
        ({"homeserver": "http://hs"}, "matrix.user_id, matrix.password or matrix.access_token"),
        ({"homeserver": "http://hs", "user_id": BOT}, "matrix.password or matrix.access_token"),
        ({"user_id": BOT, "password": "pw"}, "matrix.homeserver"),
    ],
)
def test_no_adapter_until_matrix_is_configured(
    tmp_path: Path, caplog, matrix: dict[str, str], missing: str | None
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.adapters.matrix_factory")
    assert make_matrix_adapter(app_with(tmp_path, **matrix)) is None
    if missing is None:
        assert not caplog.records
    else:
        assert [r.getMessage() for r in caplog.records] == [f"Matrix stays off: {missing} not set"]


def test_settings_from_the_environment_build_the_adapter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no sanctum.toml or .env from the checkout
    monkeypatch.setenv("SANCTUM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SANCTUM_PERSONAS_DIR", str(PERSONAS))
    monkeypatch.setenv("SANCTUM_MATRIX__HOMESERVER", "http://127.0.0.1:8008/")
    monkeypatch.setenv("SANCTUM_MATRIX__USER_ID", BOT)
    monkeypatch.setenv("SANCTUM_MATRIX__ACCESS_TOKEN", "syt_secret_token")
    monkeypatch.setenv("SANCTUM_MATRIX__ADMIN_TOKEN", "syt_admin_token")
    settings = Settings()
    assert not missing_settings(settings.matrix)
    bot = Sanctum(settings, llm=OfflineProvider())
    adapter = make_matrix_adapter(bot)
    assert isinstance(adapter, MatrixAdapter)
    assert adapter.homeserver == "http://127.0.0.1:8008"
    assert adapter.dir == tmp_path / "data" / "matrix"
    assert adapter.registry is bot.personas and adapter.clock is bot.clock
    assert isinstance(adapter.sync_state, ShieldedSyncState)
    assert isinstance(adapter.sync_state.inner, SyncState)  # the store keeps next_batch
    assert adapter.admin.can_create and adapter.admin.can_deactivate
    assert "syt_" not in repr(adapter) + repr(adapter.admin) + repr(settings)


async def test_a_cancelled_sync_state_write_still_completes(tmp_path: Path) -> None:
    bot = app_with(tmp_path)
    await bot.store.open()
    try:
        state = ShieldedSyncState(bot.store.sync_state("matrix"))
        writer = asyncio.ensure_future(state.set("matrix:next_batch:@a:b", "s42"))
        await asyncio.sleep(0)  # the write is under way
        writer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await writer
        await state.settle()
        assert await state.get("matrix:next_batch:@a:b") == "s42"
        # The connection was not left inside a transaction: the next write goes through.
        await state.set("matrix:next_batch:@a:b", "s43")
        assert await state.get("matrix:next_batch:@a:b") == "s43"
    finally:
        await bot.store.close()


class CountingUsers(dict):
    """nio's member dict, counting every walk over it (lookups by id and len() are free)."""

    walks = 0

    def _walk(self) -> None:
        CountingUsers.walks += 1

    def __iter__(self):
        self._walk()
        return super().__iter__()

    def values(self):
        self._walk()
        return super().values()

    def items(self):
        self._walk()
        return super().items()

    def keys(self):
        self._walk()
        return super().keys()


def message_event(n: int, sender: str, body: str) -> Event:
    return Event.parse_event(
        {
            "type": "m.room.message",
            "event_id": f"$e{n}",
            "sender": sender,
            "origin_server_ts": 1_700_000_000_000 + n,
            "content": {"msgtype": "m.text", "body": body},
        }
    )


async def test_a_room_of_thousands_is_handled_without_walking_its_members(
    app: Sanctum, tmp_path: Path
) -> None:
    settings = MatrixSettings(homeserver="http://127.0.0.1:9", user_id=BOT, password="x")
    adapter = MatrixAdapter(settings, tmp_path, personas=app.personas, clock=app.clock)
    adapter.main = adapter._new_session(adapter.credentials_path, user_id=BOT)  # never started
    turns: list[Turn] = []

    async def sink(message: Any) -> None:
        turns.append(await app.dispatcher.handle(message))

    adapter._sink = sink
    app.dispatcher.add_adapter(adapter)

    room_id = "!crowd:example.org"
    mroom = MatrixRoom(room_id, BOT)
    for i in range(5000):
        mroom.add_member(f"@u{i}:example.org", f"User {i}", None)
    mroom.add_member(BOT, "Sanctum", None)
    mroom.update_summary(RoomSummary(0, 5001, [f"@u{i}:example.org" for i in range(5)]))
    mroom.users = CountingUsers(mroom.users)
    adapter.main.client.rooms[room_id] = mroom
    adapter.main.joined.add(room_id)

    CountingUsers.walks = 0
    accounts = adapter.accounts()
    room = adapter._room(room_id, mroom)
    lines = ["hello everyone", "luna, what do you think?", f"{BOT} are you there?"]
    for n, body in enumerate(lines):
        event = message_event(n, f"@u{n}:example.org", body)
        assert await adapter._deliver_event(adapter.main, mroom, event, accounts, room)
    assert CountingUsers.walks == 0

    assert room.member_count == 5001 and not room.is_private and room.personas == ("luna",)
    assert [t.message.author.display for t in turns] == ["User 0", "User 1", "User 2"]
    assert [dict(t.addressed) for t in turns] == [
        {},
        {"luna": "named as 'luna'"},
        {"luna": "platform mention"},  # the bot's own account speaks for Luna
    ]
    assert turns[0].message.room.platform is Platform.MATRIX


def sync_batch(next_batch: str, room_id: str, state: list, timeline: list, joined: int) -> Any:
    """A /sync response as Synapse sends it, parsed by nio's own SyncResponse."""
    return SyncResponse.from_dict(
        {
            "next_batch": next_batch,
            "rooms": {
                "join": {
                    room_id: {
                        "summary": {"m.joined_member_count": joined, "m.heroes": []},
                        "state": {"events": state},
                        "timeline": {"events": timeline, "limited": False, "prev_batch": "p0"},
                        "ephemeral": {"events": []},
                        "account_data": {"events": []},
                        "unread_notifications": {},
                    }
                },
                "invite": {},
                "leave": {},
            },
            "account_data": {"events": []},
            "presence": {"events": []},
            "to_device": {"events": []},
        }
    )


def member_event(user_id: str, name: str) -> dict[str, Any]:
    return {
        "type": "m.room.member",
        "event_id": f"$m-{user_id}",
        "sender": user_id,
        "state_key": user_id,
        "origin_server_ts": 1_700_000_000_000,
        "content": {"membership": "join", "displayname": name},
    }


async def test_a_sync_of_a_room_of_twenty_thousand_never_walks_its_members_per_message(
    app: Sanctum, tmp_path: Path
) -> None:
    """Worst case: the full member list arrived as state once (no lazy loading). After that,
    a batch of messages costs lookups by id only, through nio's sync handling and ours."""
    settings = MatrixSettings(homeserver="http://127.0.0.1:9", user_id=BOT, password="x")
    adapter = MatrixAdapter(settings, tmp_path, personas=app.personas, clock=app.clock)
    session = adapter._new_session(adapter.credentials_path, user_id=BOT)  # never started
    adapter.main = session
    session.client.restore_login(BOT, "DEVICE", "token")
    delivered: list[Any] = []
    turns: list[Turn] = []

    async def sink(message: Any) -> None:
        delivered.append(message)
        turns.append(await app.dispatcher.handle(message))

    adapter._sink = sink
    app.dispatcher.add_adapter(adapter)
    room_id = "!stadium:example.org"
    crowd = 20000
    members = [member_event(f"@fan{i}:example.org", f"Fan {i}") for i in range(crowd)]
    members.append(member_event(BOT, "Sanctum"))
    snapshot = sync_batch("s1", room_id, members, [], crowd + 1)
    await session.client.receive_response(snapshot)
    await adapter._on_sync(session, snapshot, False)
    mroom = session.client.rooms[room_id]
    assert len(mroom.users) == crowd + 1

    mroom.users = CountingUsers(mroom.users)
    CountingUsers.walks = 0
    lines = [f"cheering {n}" for n in range(48)] + ["luna, who wins?", f"{BOT} score?"]
    timeline = [
        {
            "type": "m.room.message",
            "event_id": f"$c{n}",
            "sender": f"@fan{n * 397}:example.org",
            "origin_server_ts": 1_700_000_001_000 + n,
            "content": {"msgtype": "m.text", "body": body},
        }
        for n, body in enumerate(lines)
    ]
    batch = sync_batch("s2", room_id, [], timeline, crowd + 1)
    await session.client.receive_response(batch)
    await adapter._on_sync(session, batch, True)
    assert CountingUsers.walks == 0

    await app.dispatcher.drain()
    await session.client.close()
    assert [m.text for m in delivered] == lines
    assert {m.room.member_count for m in delivered} == {crowd + 1}
    assert delivered[0].room.name == room_id  # unnamed, and too big to name by its members
    assert delivered[7].author.display == f"Fan {7 * 397}"
    assert not any(m.room.is_private for m in delivered)
    assert [dict(t.addressed) for t in turns[-3:]] == [
        {},
        {"luna": "named as 'luna'"},
        {"luna": "platform mention"},
    ]
