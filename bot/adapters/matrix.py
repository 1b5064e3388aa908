"""The Matrix adapter: matrix-nio sessions for the bot and for every spawned persona.

One process runs the bot's own account and one client session per persona account, each with
its own sync loop (see :mod:`bot.adapters.matrix_session`). Every session delivers what it
sees; one shared set of delivered event ids makes each event reach the sink once, and a
restart delivers neither an event it already delivered nor one older than its start minus
``catchup_window_s``. Persona accounts are created and removed through the Synapse admin API
(:mod:`bot.adapters.matrix_admin`); events become Messages in
:mod:`bot.adapters.matrix_normalize`; outgoing content is built in
:mod:`bot.adapters.matrix_format`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from uuid import uuid4

from nio import (
    BadEvent,
    InviteMemberEvent,
    MatrixRoom,
    RoomMessageFormatted,
    SyncResponse,
    UnknownAccountDataEvent,
    UnknownBadEvent,
    UnknownEvent,
)

from bot.adapters.base import (
    Adapter,
    AdapterError,
    HistoryPage,
    MessageSink,
    ModAction,
    Unsupported,
)
from bot.adapters.matrix_admin import SynapseAdmin
from bot.adapters.matrix_format import message_content, msgtype_for
from bot.adapters.matrix_moderation import Moderator, can_moderate
from bot.adapters.matrix_normalize import (
    Accounts,
    normalize,
    note_state_event,
    room_from,
    user_from,
)
from bot.adapters.matrix_personas import PersonaSpawner
from bot.adapters.matrix_session import (
    AccountSession,
    Credentials,
    JsonFileSyncState,
    MemorySyncState,
    ShieldedSyncState,
    SyncStateStore,
)
from bot.clock import Clock, SystemClock
from bot.message import Message, MessageKind, Outgoing, Platform, Room
from bot.personas import SYSTEM_PERSONA

if TYPE_CHECKING:
    from bot.config import MatrixSettings
    from bot.personas import Persona, PersonaRegistry

__all__ = [
    "JsonFileSyncState",
    "MatrixAdapter",
    "MemorySyncState",
    "SyncStateStore",
]

log = logging.getLogger(__name__)

SEEN_KEY = "matrix:delivered"
SEEN_PERSISTED = 512  # delivered ids kept across restarts (the time cutoff covers the rest)
SEEN_IN_MEMORY = 20000
SENDERS_CACHED = 4096
ECHO_WAIT_S = 10.0  # longest a sync loop holds our own event while its send is in flight
_MSGTYPE_KIND = {"m.notice": MessageKind.NOTICE, "m.emote": MessageKind.EMOTE}


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def _clean_room_ref(room: str) -> str:
    """Accept a room id, an alias or a room key ("matrix:!abc:hs")."""
    room = room.strip()
    prefix = f"{Platform.MATRIX.value}:"
    return room[len(prefix) :] if room.startswith(prefix) else room


def _alias_localpart(name: str) -> str:
    local = name.strip().lstrip("#").split(":", 1)[0].lower()
    return re.sub(r"[^a-z0-9._=\-]+", "-", local).strip("-")


class MatrixAdapter(Adapter):
    platform = Platform.MATRIX

    def __init__(
        self,
        settings: MatrixSettings,
        data_dir: Path,
        sync_state: SyncStateStore | None = None,
        *,
        personas: PersonaRegistry | None = None,
        clock: Clock | None = None,
        history_page_size: int = 100,
        retry_initial_s: float = 1.0,
        retry_max_s: float = 60.0,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.dir = Path(data_dir) / "matrix"
        self.sync_state = ShieldedSyncState(sync_state or JsonFileSyncState(self.dir / "sync.json"))
        self.registry = personas
        self.clock: Clock = clock or SystemClock()
        self.history_page_size = history_page_size
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.homeserver = (settings.homeserver or "").rstrip("/")
        self.admin = SynapseAdmin(
            self.homeserver,
            shared_secret=_secret(settings.registration_shared_secret),
            admin_token=_secret(settings.admin_token),
        )
        self.main: AccountSession | None = None
        self.sessions: dict[str, AccountSession] = {}  # persona id -> its own session
        self.started_at = 0.0
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._senders: OrderedDict[str, str] = OrderedDict()  # event id -> sender
        self._sent_as: OrderedDict[str, str | None] = OrderedDict()  # our event id -> persona
        self._sending: dict[str, set[asyncio.Future[None]]] = {}  # user id -> sends in flight
        self._join_floor: dict[str, float] = {}  # room id -> when we joined it by command
        self.moderator = Moderator(self._require_main, self.sync_state, self.clock)
        self.spawner = PersonaSpawner(self)
        self._boot_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"MatrixAdapter({self.homeserver!r}, state={self.state!r})"

    # -- paths ---------------------------------------------------------------------------------

    @property
    def credentials_path(self) -> Path:
        return self.dir / "credentials.json"

    def persona_credentials_path(self, persona_id: str) -> Path:
        return self.dir / "personas" / f"{persona_id}.json"

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self, sink: MessageSink) -> None:
        """Begin connecting in the background; returns at once (see ``status()``)."""
        self._sink = sink
        self.started_at = self.clock.now()
        if not self.homeserver:
            self.state = "not configured: set matrix.homeserver"
            return
        self.state = "connecting"
        self.main = self._new_session(
            self.credentials_path,
            user_id=self.settings.user_id,
            password=_secret(self.settings.password),
            access_token=_secret(self.settings.access_token),
        )
        self._boot_task = asyncio.create_task(self._boot(), name="matrix-boot")

    async def _boot(self) -> None:
        await self._load_seen()
        cutoff = self.started_at - max(0.0, self.settings.catchup_window_s)
        assert self.main is not None
        self.main.start(cutoff)
        for path in sorted((self.dir / "personas").glob("*.json")):
            creds = Credentials.load(path)
            if creds is None or not creds.persona or creds.homeserver != self.homeserver:
                continue
            session = self._new_session(
                path, user_id=creds.user_id, password=creds.password, persona=creds.persona
            )
            self.sessions[creds.persona] = session
            session.start(cutoff)
        await self.main.ready.wait()
        await self.moderator.rearm()

    async def stop(self) -> None:
        if self._boot_task is not None:
            self._boot_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._boot_task
            self._boot_task = None
        self.moderator.cancel()
        for session in list(self.sessions.values()):
            await session.stop()
        self.sessions.clear()
        if self.main is not None:
            await self.main.stop()
            self.main = None
        await self.admin.close()
        await self.sync_state.settle()  # a write cut short by the stop still completes
        self.connected = False
        self.state = "stopped"

    def _new_session(
        self,
        path: Path,
        *,
        user_id: str | None,
        password: str | None = None,
        access_token: str | None = None,
        persona: str | None = None,
    ) -> AccountSession:
        return AccountSession(
            self.homeserver,
            path,
            self.sync_state,
            self._on_sync,
            user_id=user_id,
            password=password,
            access_token=access_token,
            device_name=self.settings.device_name,
            persona=persona,
            sync_timeout_ms=self.settings.sync_timeout_ms,
            retry_initial_s=self.retry_initial_s,
            retry_max_s=self.retry_max_s,
            on_state=self._on_session_state,
        )

    def _on_session_state(self, session: AccountSession) -> None:
        if session is self.main:
            self.state = session.state
            self.connected = session.connected

    # -- who is who ----------------------------------------------------------------------------

    def _all_sessions(self) -> list[AccountSession]:
        return ([self.main] if self.main else []) + list(self.sessions.values())

    def _main_persona(self) -> str | None:
        """The persona the bot's own account speaks for: the one whose Matrix account it is,
        else the default persona when that has no Matrix account of its own."""
        if self.main is None or self.registry is None or not self.main.user_id:
            return None
        persona = self.registry.by_account(Platform.MATRIX, self.main.user_id)
        if persona is not None:
            return persona.id
        default = self.registry.default
        if default is None or default.accounts.get(Platform.MATRIX) or default.id in self.sessions:
            return None
        return default.id

    def persona_accounts(self) -> dict[str, str]:
        """persona id -> Matrix user id, for every persona with its own session here."""
        return {pid: s.user_id for pid, s in self.sessions.items()}

    def accounts(self) -> Accounts:
        bot: set[str] = set()
        persona_of: dict[str, str] = {}
        names: dict[str, str] = {}
        if self.registry is not None:
            for persona in self.registry:
                account = persona.accounts.get(Platform.MATRIX)
                if account:
                    bot.add(account)
                    persona_of[account] = persona.id
                    names[account] = persona.name
        main_persona = self._main_persona()
        if main_persona and self.main is not None:
            persona_of.setdefault(self.main.user_id, main_persona)
        for session in self._all_sessions():
            if not session.user_id:
                continue
            bot.add(session.user_id)
            if session.persona:
                persona_of[session.user_id] = session.persona
            if session.display_name:
                names[session.user_id] = session.display_name
        return Accounts(frozenset(bot), persona_of, names)

    def _personas_in(self, room_id: str) -> tuple[str, ...]:
        found = [pid for pid, s in self.sessions.items() if room_id in s.joined]
        main_persona = self._main_persona()
        if main_persona and self.main and room_id in self.main.joined:
            found.insert(0, main_persona)
        return tuple(dict.fromkeys(found))

    def _is_direct(self, room_id: str) -> bool:
        return any(room_id in s.direct_rooms for s in self._all_sessions())

    def _mroom(self, room_id: str) -> MatrixRoom | None:
        for session in self._all_sessions():
            mroom = session.client.rooms.get(room_id)
            if mroom is not None and room_id in session.joined:
                return mroom
        return None

    def _room(self, room_id: str, mroom: MatrixRoom | None = None) -> Room:
        mroom = mroom or self._mroom(room_id)
        if mroom is None:
            return Room(Platform.MATRIX, room_id, personas=self._personas_in(room_id))
        return room_from(
            mroom, is_direct=self._is_direct(room_id), personas=self._personas_in(room_id)
        )

    def rooms(self) -> list[Room]:
        ids: dict[str, None] = {}
        for session in self._all_sessions():
            ids.update(dict.fromkeys(sorted(session.joined)))
        return [self._room(room_id) for room_id in ids]

    def bot_is_moderator(self, room: Room) -> bool:
        if self.main is None:
            return False
        mroom = self.main.client.rooms.get(room.id)
        return mroom is not None and can_moderate(mroom, self.main.user_id)

    def status(self) -> dict[str, str]:
        info = {"state": self.state, "homeserver": self.homeserver or "-"}
        if self.main is not None:
            info["user"] = self.main.user_id or "-"
            info["rooms"] = str(len(self.main.joined))
        if self.sessions:
            info["personas"] = ", ".join(
                f"{pid} {s.user_id} ({s.state})" for pid, s in sorted(self.sessions.items())
            )
        return info

    # -- receiving -----------------------------------------------------------------------------

    async def _load_seen(self) -> None:
        try:
            raw = await self.sync_state.get(SEEN_KEY)
            ids = json.loads(raw) if raw else []
        except Exception as error:  # a lost list costs only the catch-up window's dedupe
            log.warning("could not read delivered Matrix event ids: %s", error)
            ids = []
        for event_id in ids if isinstance(ids, list) else []:
            self._seen[str(event_id)] = None

    async def _save_seen(self) -> None:
        recent = list(self._seen)[-SEEN_PERSISTED:]
        await self.sync_state.set(SEEN_KEY, json.dumps(recent))

    def _mark_seen(self, event_id: str) -> None:
        self._seen[event_id] = None
        while len(self._seen) > SEEN_IN_MEMORY:
            self._seen.popitem(last=False)

    def _remember_sender(self, event_id: str, sender: str) -> None:
        self._senders[event_id] = sender
        while len(self._senders) > SENDERS_CACHED:
            self._senders.popitem(last=False)

    async def _on_sync(self, session: AccountSession, resp: SyncResponse, deliver: bool) -> None:
        """Fold one sync batch into our state and deliver its new messages."""
        for room_id, info in resp.rooms.join.items():
            session.joined.add(room_id)
            mroom = session.client.rooms.get(room_id)
            if mroom is not None:
                for event in (*info.state, *info.timeline.events):
                    note_state_event(mroom, event)
        for room_id in resp.rooms.leave:
            session.joined.discard(room_id)
            session.client.rooms.pop(room_id, None)
        for event in resp.account_data_events:
            if isinstance(event, UnknownAccountDataEvent) and event.type == "m.direct":
                content = event.content if isinstance(event.content, dict) else {}
                session.direct = {
                    str(k): [str(r) for r in v] for k, v in content.items() if isinstance(v, list)
                }
        for room_id, info in resp.rooms.invite.items():
            try:
                await self._on_invite(session, room_id, info.invite_state)
            except Exception as error:  # one bad invite never stops the sync loop
                log.warning("Matrix invite to %s not handled: %s", room_id, error)
        if not deliver:
            return
        delivered = False
        accounts = self.accounts()
        for room_id, info in resp.rooms.join.items():
            mroom = session.client.rooms.get(room_id)
            if mroom is None:
                continue
            if not info.timeline.events:
                continue
            room = self._room(room_id, mroom)
            for event in info.timeline.events:
                if await self._deliver_event(session, mroom, event, accounts, room):
                    delivered = True
        if delivered:
            await self._save_seen()

    async def _deliver_event(
        self,
        session: AccountSession,
        mroom: MatrixRoom,
        event: Any,
        accounts: Accounts,
        room: Room,
    ) -> bool:
        if isinstance(event, (BadEvent, UnknownBadEvent)):
            source = getattr(event, "source", {})
            log.warning(
                "skipping a malformed Matrix event %s in %s",
                source.get("event_id", "?") if isinstance(source, dict) else "?",
                mroom.room_id,
            )
            return False
        event_id = getattr(event, "event_id", None)
        sender = getattr(event, "sender", None)
        if not isinstance(event_id, str) or not isinstance(sender, str):
            return False
        if isinstance(event, UnknownEvent):  # a type nio does not know: not chat, not an error
            log.debug("skipping Matrix event %s of unknown type %s", event_id, event.type)
        self._remember_sender(event_id, sender)
        if not isinstance(event, RoomMessageFormatted) or event_id in self._seen:
            return False
        if event.server_timestamp / 1000.0 < max(
            session.cutoff, self._join_floor.get(mroom.room_id, 0.0)
        ):
            return False
        try:
            message = normalize(event, mroom, accounts, room)
        except Exception as error:
            log.warning("skipping Matrix event %s in %s: %s", event_id, mroom.room_id, error)
            return False
        if message is None:
            return False
        if event_id not in self._sent_as and self._sending.get(sender):
            # Our own event, back through sync before send() returned: wait for it, so the
            # dispatcher's echo (with the exact persona and reply depth) is handled first.
            await asyncio.wait(set(self._sending[sender]), timeout=ECHO_WAIT_S)
        if event_id in self._sent_as:  # our own echo: the persona that sent it, exactly
            author = replace(message.author, persona=self._sent_as[event_id])
            message = replace(message, author=author)
        message = self._address_main_persona(message, accounts)
        self._mark_seen(event_id)
        try:
            await self.deliver(message)
        except Exception:
            log.exception("the message sink failed on Matrix event %s", event_id)
        return True

    def _address_main_persona(self, message: Message, accounts: Accounts) -> Message:
        """A mention of the bot's own account addresses the persona it speaks for.

        Personas with their own account are matched by that account; the default persona
        speaking through the bot's account has none, so its id joins the mentions.
        """
        main = self.main
        if main is None or main.user_id not in message.mentions:
            return message
        persona = accounts.persona_of.get(main.user_id)
        if persona is None or persona in message.mentions or self.registry is None:
            return message
        known = self.registry.get(persona)
        if known is not None and known.accounts.get(Platform.MATRIX) == main.user_id:
            return message  # the dispatcher matches that persona by its account already
        return replace(message, mentions=(*message.mentions, persona))

    def may_invite(self, inviter: str | None) -> bool:
        """Our own accounts, and users matching ``allowed_inviters`` ("*", "@*:example.org")."""
        if not inviter:
            return False
        if inviter in self.accounts().bot_users:
            return True
        return any(fnmatch.fnmatchcase(inviter, p) for p in self.settings.allowed_inviters)

    async def _on_invite(self, session: AccountSession, room_id: str, state: list) -> None:
        inviter: str | None = None
        direct = False
        for event in state:
            if (
                isinstance(event, InviteMemberEvent)
                and event.state_key == session.user_id
                and event.membership == "invite"
            ):
                inviter = event.sender
                direct = bool(event.content.get("is_direct"))
        if not self.may_invite(inviter):
            log.info(
                "declining the invite of %s to %s from %s (not in matrix.allowed_inviters)",
                session.user_id,
                room_id,
                inviter,
            )
            with contextlib.suppress(AdapterError):
                await session.call("decline invite", lambda: session.client.room_leave(room_id))
            return
        await session.call("accept invite", lambda: session.client.join(room_id))
        session.joined.add(room_id)
        log.info("%s joined %s (invited by %s)", session.user_id, room_id, inviter)
        if direct and inviter:
            await self._mark_direct(session, inviter, room_id)

    async def _mark_direct(self, session: AccountSession, user_id: str, room_id: str) -> None:
        """Record a DM in our own m.direct, as clients do, so it survives restarts."""
        rooms = session.direct.setdefault(user_id, [])
        if room_id in rooms:
            return
        rooms.append(room_id)
        path = f"/_matrix/client/v3/user/{quote(session.user_id)}/account_data/m.direct"
        status, reply = await session.request_json("PUT", path, session.direct)
        if status != 200:
            log.warning("could not record %s as direct: %s", room_id, reply.get("error", status))

    # -- sending -------------------------------------------------------------------------------

    @property
    def default_msgtype(self) -> str:
        """``message_type`` as set: "m.notice" (the default) or "m.text"; "text" works too."""
        value = self.settings.message_type.strip()
        return value if value.startswith("m.") else f"m.{value}"

    def _require_main(self) -> AccountSession:
        if self.main is None or not self.main.client.access_token:
            raise self.unsupported("do that")
        return self.main

    def _session_for(self, persona: str | None) -> AccountSession:
        if persona and persona in self.sessions:
            return self.sessions[persona]
        return self._require_main()

    async def send(self, out: Outgoing) -> Message:
        session = self._session_for(out.persona)
        if not session.client.access_token:
            raise Unsupported(f"matrix account {session.user_id} is not connected")
        room_id = await self.resolve_room(out.room.id)
        if session.persona and session.joined and room_id not in session.joined:
            raise AdapterError(f"persona {session.persona} is not in room {out.room.label}")
        msgtype = msgtype_for(out.kind, self.default_msgtype)
        mentions = []
        if out.reply_to and out.reply_to in self._senders:
            mentions.append(self._senders[out.reply_to])
        content = message_content(
            out.text, msgtype=msgtype, reply_to=out.reply_to, mention_ids=mentions
        )
        txn = uuid4().hex  # one transaction id for every retry: the server dedupes
        in_flight: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        sending = self._sending.setdefault(session.user_id, set())
        sending.add(in_flight)
        try:
            resp = await session.call(
                f"send to {out.room.label}",
                lambda: session.client.room_send(room_id, "m.room.message", content, tx_id=txn),
            )
            persona = out.persona or SYSTEM_PERSONA  # no persona: the bot's own voice
            self._sent_as[resp.event_id] = persona
        finally:
            sending.discard(in_flight)
            in_flight.set_result(None)  # a held echo goes on after the caller handled this one
        self._remember_sender(resp.event_id, session.user_id)
        mroom = session.client.rooms.get(room_id)
        room = self._room(room_id, mroom) if mroom is not None else out.room
        author = (
            user_from(mroom, session.user_id, self.accounts())
            if mroom is not None
            else user_from(MatrixRoom(room_id, session.user_id), session.user_id, self.accounts())
        )
        if author.persona != persona:
            author = replace(author, persona=persona)
        while len(self._sent_as) > SENDERS_CACHED:
            self._sent_as.popitem(last=False)
        return Message(
            id=resp.event_id,
            room=room,
            author=author,
            text=content["body"],
            ts=self.clock.now(),
            reply_to=out.reply_to,
            kind=_MSGTYPE_KIND.get(msgtype, MessageKind.TEXT),
        )

    # -- rooms ---------------------------------------------------------------------------------

    async def resolve_room(self, room: str) -> str:
        """A room id for a room id, alias or room key."""
        ref = _clean_room_ref(room)
        if not ref.startswith("#"):
            return ref
        main = self._require_main()
        resp = await main.call(f"resolve {ref}", lambda: main.client.room_resolve_alias(ref))
        return resp.room_id

    async def create_room(self, name: str) -> Room:
        main = self._require_main()
        alias = _alias_localpart(name)
        title = name.strip().lstrip("#").split(":", 1)[0] if name.strip().startswith("#") else name
        resp = await main.call(
            f"create room {name}",
            lambda: main.client.room_create(alias=alias or None, name=title.strip() or None),
        )
        main.joined.add(resp.room_id)
        return Room(
            Platform.MATRIX,
            resp.room_id,
            name=title.strip(),
            member_count=1,
            personas=self._personas_in(resp.room_id),
        )

    async def invite(self, room_id: str, user_id: str) -> None:
        main = self._require_main()
        rid = await self.resolve_room(room_id)
        await main.call(f"invite {user_id}", lambda: main.client.room_invite(rid, user_id))

    async def join(self, room_id: str) -> Room:
        main = self._require_main()
        ref = _clean_room_ref(room_id)
        # What the room said before we joined is its history (fetch_all stores it), not chat
        # to answer; set before the join, as the join's own sync may arrive before its reply.
        self._join_floor[await self.resolve_room(ref)] = self.clock.now()
        resp = await main.call(f"join {ref}", lambda: main.client.join(ref))
        main.joined.add(resp.room_id)
        room = self._room(resp.room_id)
        if not room.name:  # not synced yet: ask for the name, so the console can show it
            with contextlib.suppress(Exception):
                state = await main.client.room_get_state_event(resp.room_id, "m.room.name")
                name = getattr(state, "content", {}).get("name")
                if isinstance(name, str) and name:
                    room = replace(room, name=name)
        return room

    async def leave(self, room_id: str) -> None:
        main = self._require_main()
        rid = await self.resolve_room(room_id)
        await main.call(f"leave {rid}", lambda: main.client.room_leave(rid))
        main.joined.discard(rid)
        main.client.rooms.pop(rid, None)

    async def history(
        self, room_id: str, since_token: str | None = None
    ) -> AsyncIterator[HistoryPage]:
        """Pages newest first from ``since_token`` (or the newest event) back to the start."""
        rid = await self.resolve_room(room_id)
        session = self._require_main()
        if rid not in session.joined:
            session = next((s for s in self.sessions.values() if rid in s.joined), session)
        mroom = session.client.rooms.get(rid) or MatrixRoom(rid, session.user_id)
        room = self._room(rid, mroom)
        token = since_token
        while True:
            resp = await session.call(
                f"fetch history of {room.label}",
                lambda start=token: session.client.room_messages(
                    rid, start=start, limit=self.history_page_size
                ),
            )
            start = token
            accounts = self.accounts()
            messages: list[Message] = []
            for event in resp.chunk:
                try:
                    message = normalize(event, mroom, accounts, room)
                except Exception as error:
                    log.warning("skipping history event in %s: %s", rid, error)
                    continue
                if message is not None:
                    messages.append(message)
            end = resp.end if resp.chunk and resp.end and resp.end != start else None
            yield HistoryPage(messages, end)
            if end is None:
                return
            token = end

    # -- moderation ----------------------------------------------------------------------------

    async def moderate(self, action: ModAction) -> None:
        self._require_main()
        await self.moderator.apply(action, _clean_room_ref(action.room.id))

    # -- persona accounts ----------------------------------------------------------------------

    def persona_user_id(self, persona: Persona) -> str:
        """The Matrix user id a persona gets (its configured account, else prefix + id)."""
        return self.spawner.user_id_for(persona)

    async def spawn_persona(self, persona: Persona, rooms: list[str]) -> dict[str, str]:
        """Create the persona's account, join ``rooms`` and start its session; all or nothing.

        Returns what to store: ``user_id``, ``device_id`` and ``access_token``.
        """
        return await self.spawner.spawn(persona, rooms)

    async def despawn_persona(self, persona: Persona) -> None:
        """Leave (or kick) the persona from its rooms, then deactivate its account with erase."""
        await self.spawner.despawn(persona)
