"""The contract every platform adapter keeps.

An adapter is the only place a platform SDK is imported. It turns SDK events into
:class:`~bot.message.Message` (``normalize``), hands them to the dispatcher through a sink, and
carries out what the framework asks of the platform: send, moderate, rooms, history, accounts.
Capabilities a platform lacks raise :class:`Unsupported` with a one-line reason, which the
console prints as is.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.message import Message, Outgoing, Platform, Room, User
from bot.platforms import PlatformLimits, limits_for

if TYPE_CHECKING:
    from bot.personas import Persona

MessageSink = Callable[[Message], Awaitable[None]]


class AdapterError(RuntimeError):
    """A platform operation failed; the text is one line a person can act on."""


class Unsupported(AdapterError):
    """The platform cannot do this, or is not connected."""


class NotPermitted(AdapterError):
    """The bot's account lacks the power to do this on the platform."""


class ModerationKind(StrEnum):
    FLAG = "flag"  # record for moderators, touch nothing
    WARN = "warn"
    DELETE = "delete"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"


@dataclass(frozen=True, slots=True)
class ModAction:
    kind: ModerationKind
    room: Room
    user: User
    message_id: str | None = None
    seconds: int | None = None  # timeouts
    reason: str = ""


@dataclass(frozen=True, slots=True)
class HistoryPage:
    messages: list[Message]
    next_token: str | None  # where to resume; None when the start of the room is reached


class Adapter(abc.ABC):
    """Base class for platform adapters. Subclasses set ``platform``."""

    platform: Platform

    def __init__(self) -> None:
        self._sink: MessageSink | None = None
        self.connected = False
        self.state = "stopped"  # shown by `status`: stopped, connecting, connected, retrying...

    @property
    def limits(self) -> PlatformLimits:
        return limits_for(self.platform)

    @property
    def name(self) -> str:
        return self.platform.value

    def bot_is_moderator(self, room: Room) -> bool:
        """Whether the bot's account moderates this room (Twitch raises its rate limit then)."""
        return False

    async def start(self, sink: MessageSink) -> None:
        """Connect and begin delivering normalized messages to ``sink``. Must not block."""
        self._sink = sink
        self.connected = True
        self.state = "connected"

    async def stop(self) -> None:
        self.connected = False
        self.state = "stopped"

    async def deliver(self, message: Message) -> None:
        if self._sink is not None:
            await self._sink(message)

    @abc.abstractmethod
    async def send(self, out: Outgoing) -> Message:
        """Send ``out`` and return the message as the platform now holds it (with its id)."""

    # Everything below is optional; the defaults say the platform cannot do it.

    def rooms(self) -> list[Room]:
        return []

    def unsupported(self, what: str) -> Unsupported:
        if not self.connected:
            return Unsupported(f"{self.name} is not connected")
        return Unsupported(f"{self.name} cannot {what}")

    async def moderate(self, action: ModAction) -> None:
        raise self.unsupported(f"{action.kind.value} messages")

    async def create_room(self, name: str) -> Room:
        raise self.unsupported("create rooms")

    async def invite(self, room_id: str, user_id: str) -> None:
        raise self.unsupported("invite")

    async def join(self, room_id: str) -> Room:
        raise self.unsupported("join rooms")

    async def leave(self, room_id: str) -> None:
        raise self.unsupported("leave rooms")

    async def history(
        self, room_id: str, since_token: str | None = None
    ) -> AsyncIterator[HistoryPage]:
        """Pages of history, newest first, from ``since_token`` (or the newest) backwards."""
        raise self.unsupported("fetch history")
        yield  # pragma: no cover - makes this an async generator

    async def spawn_persona(self, persona: Persona, rooms: list[str]) -> dict[str, str]:
        """Create a platform account for the persona; return what to store (user id, token)."""
        raise self.unsupported("create accounts for personas")

    async def despawn_persona(self, persona: Persona) -> None:
        raise self.unsupported("remove persona accounts")

    def status(self) -> dict[str, str]:
        return {"state": self.state}
