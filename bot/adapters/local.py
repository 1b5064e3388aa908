"""The local platform: rooms that live in this process.

The console talks in it, replay runs transcripts through it, and tests use it. It starts with
one group room, ``lobby``, whose members are the owner, the bot's own voice and the personas.
For replay the same adapter can stand in for another platform (``platform=Platform.TWITCH``),
so that platform's limits apply while nothing leaves the process.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from bot.adapters.base import Adapter, HistoryPage, ModAction, ModerationKind, Unsupported
from bot.clock import Clock, SystemClock
from bot.message import Message, MessageKind, Outgoing, Platform, Role, Room, User
from bot.personas import SYSTEM_PERSONA, PersonaRegistry

LOBBY = "lobby"
LOG_SIZE = 1000


@dataclass(slots=True)
class LocalRoom:
    room: Room
    members: dict[str, User] = field(default_factory=dict)
    log: deque[Message] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    timeouts: dict[str, float] = field(default_factory=dict)  # user id -> until
    banned: set[str] = field(default_factory=set)
    # A member count given by the caller (replay's ``members``) stands until another is given:
    # the author who joins by speaking must not turn a declared group room into a DM.
    declared_count: int | None = None


class LocalAdapter(Adapter):
    def __init__(
        self,
        personas: PersonaRegistry,
        *,
        clock: Clock | None = None,
        platform: Platform = Platform.LOCAL,
        owner_name: str = "owner",
        create_lobby: bool = True,
    ) -> None:
        super().__init__()
        self.platform = platform
        self.personas = personas
        self.clock = clock or SystemClock()
        self.owner = User(platform, "owner", owner_name, owner_name, role=Role.OWNER)
        self.system = User(
            platform,
            SYSTEM_PERSONA,
            "Sanctum",
            "Sanctum",
            is_bot=True,
            role=Role.ADMIN,
            persona=SYSTEM_PERSONA,
        )
        self._rooms: dict[str, LocalRoom] = {}
        self._subscribers: list[Callable[[Message], None]] = []
        # Ids stay unique across restarts (the store keys messages by platform id).
        self._session = format(time.time_ns() // 1_000_000, "x")
        self._counter = itertools.count(1)
        if create_lobby:
            self.ensure_room(LOBBY, members=[self.owner, self.system])

    # -- rooms and users -------------------------------------------------------------------

    def persona_user(self, persona_id: str) -> User:
        persona = self.personas.get(persona_id)
        if persona_id == SYSTEM_PERSONA or persona is None:
            return self.system
        return User(
            self.platform,
            persona.account(self.platform) or persona.id,
            persona.id,
            persona.name,
            is_bot=True,
            role=Role.ADMIN,
            persona=persona.id,
        )

    def ensure_room(
        self,
        room_id: str,
        *,
        name: str | None = None,
        direct: bool = False,
        members: list[User] | None = None,
        member_count: int | None = None,
        personas: tuple[str, ...] | None = None,
    ) -> Room:
        """The room ``room_id``, created if new. Group rooms hold every enabled persona."""
        state = self._rooms.get(room_id)
        if state is None:
            personas = personas or ()
            room = Room(self.platform, room_id, name or room_id, direct, 0, personas)
            state = LocalRoom(room)
            self._rooms[room_id] = state
            for user in members or []:
                state.members[user.id] = user
            if not direct and personas == ():
                for persona in self.personas.enabled():
                    user = self.persona_user(persona.id)
                    state.members[user.id] = user
            elif personas:
                for persona_id in personas:
                    user = self.persona_user(persona_id)
                    state.members[user.id] = user
        if member_count is not None:
            state.declared_count = member_count
        count = state.declared_count
        if count is None:
            count = len(state.members)
        if state.room.member_count != count:
            old = state.room
            state.room = Room(old.platform, old.id, old.name, old.is_direct, count, old.personas)
        return state.room

    def room(self, room_id: str) -> Room | None:
        state = self._rooms.get(room_id)
        return state.room if state else None

    def rooms(self) -> list[Room]:
        return [state.room for state in self._rooms.values()]

    def members(self, room_id: str) -> list[User]:
        state = self._rooms.get(room_id)
        return list(state.members.values()) if state else []

    def log(self, room_id: str) -> list[Message]:
        state = self._rooms.get(room_id)
        return list(state.log) if state else []

    def subscribe(self, callback: Callable[[Message], None]) -> None:
        """Be told of every message in every local room (the console prints them)."""
        self._subscribers.append(callback)

    def next_id(self) -> str:
        return f"{self._session}-{next(self._counter)}"

    # -- traffic ---------------------------------------------------------------------------

    def _append(self, state: LocalRoom, message: Message) -> None:
        state.log.append(message)
        for callback in self._subscribers:
            try:
                callback(message)
            except Exception:
                pass

    def make_message(
        self,
        room_id: str,
        text: str,
        *,
        author: User | None = None,
        message_id: str | None = None,
        mentions: tuple[str, ...] = (),
        ts: float | None = None,
        kind: MessageKind = MessageKind.TEXT,
    ) -> Message:
        """A person says ``text`` in ``room_id``: the message as the room now holds it.

        Replay and tests hand it to ``Dispatcher.handle`` themselves; :meth:`post` submits it
        the way a real platform would.
        """
        room = self.ensure_room(room_id)
        state = self._rooms[room_id]
        author = author or self.owner
        if author.id not in state.members:
            state.members[author.id] = author
            room = self.ensure_room(room_id)
        if author.id in state.banned:
            raise Unsupported(f"{author.label} is banned from {room_id}")
        message = Message(
            message_id or self.next_id(),
            room,
            author,
            text,
            ts if ts is not None else self.clock.now(),
            mentions,
            kind=kind,
        )
        self._append(state, message)
        return message

    async def post(self, room_id: str, text: str, **options) -> Message:
        message = self.make_message(room_id, text, **options)
        await self.deliver(message)
        return message

    async def send(self, out: Outgoing) -> Message:
        state = self._rooms.get(out.room.id)
        if state is None:
            raise Unsupported(f"no local room {out.room.id!r}")
        author = self.persona_user(out.persona or SYSTEM_PERSONA)
        message = Message(
            self.next_id(),
            state.room,
            author,
            out.text,
            self.clock.now(),
            reply_to=out.reply_to,
            kind=out.kind,
        )
        self._append(state, message)
        return message

    # -- moderation and room management ------------------------------------------------------

    async def moderate(self, action: ModAction) -> None:
        state = self._rooms.get(action.room.id)
        if state is None:
            raise Unsupported(f"no local room {action.room.id!r}")
        if action.kind is ModerationKind.DELETE and action.message_id:
            state.log = deque((m for m in state.log if m.id != action.message_id), maxlen=LOG_SIZE)
        elif action.kind is ModerationKind.TIMEOUT:
            state.timeouts[action.user.id] = self.clock.now() + (action.seconds or 0)
        elif action.kind is ModerationKind.BAN:
            state.banned.add(action.user.id)
        elif action.kind is ModerationKind.KICK:
            state.members.pop(action.user.id, None)

    async def create_room(self, name: str) -> Room:
        if name in self._rooms:
            raise Unsupported(f"local room {name!r} exists already")
        return self.ensure_room(name, members=[self.owner, self.system])

    async def invite(self, room_id: str, user_id: str) -> None:
        state = self._rooms.get(room_id)
        if state is None:
            raise Unsupported(f"no local room {room_id!r}")
        persona = self.personas.get(user_id)
        user = self.persona_user(user_id) if persona else User(self.platform, user_id, user_id)
        state.members[user.id] = user
        self.ensure_room(room_id)

    async def join(self, room_id: str) -> Room:
        return self.ensure_room(room_id, members=[self.owner, self.system])

    async def leave(self, room_id: str) -> None:
        if self._rooms.pop(room_id, None) is None:
            raise Unsupported(f"no local room {room_id!r}")

    async def history(
        self, room_id: str, since_token: str | None = None
    ) -> AsyncIterator[HistoryPage]:
        state = self._rooms.get(room_id)
        if state is None:
            raise Unsupported(f"no local room {room_id!r}")
        messages = list(reversed(state.log))
        start = int(since_token or 0)
        page = 100
        for offset in range(start, len(messages), page):
            chunk = messages[offset : offset + page]
            nxt = offset + page
            yield HistoryPage(chunk, str(nxt) if nxt < len(messages) else None)

    def status(self) -> dict[str, str]:
        return {"state": self.state, "rooms": str(len(self._rooms))}
