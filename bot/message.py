"""The platform-neutral message model. Adapters build these; nothing else imports an SDK.

Every type here is immutable and slotted: a Message is shared by the dispatcher, the store,
the cogs and the console, and none of them may change what another sees.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace
from enum import IntEnum, StrEnum
from typing import Any


class Platform(StrEnum):
    LOCAL = "local"
    DISCORD = "discord"
    TWITCH = "twitch"
    MATRIX = "matrix"


class Role(IntEnum):
    """One ladder for every platform; the numbers match Matrix power levels."""

    EVERYONE = 0
    REGULAR = 10
    SUBSCRIBER = 20
    VIP = 30
    MODERATOR = 50
    ADMIN = 90
    OWNER = 100

    @classmethod
    def parse(cls, value: str | int | Role) -> Role:
        """Accept a name ("moderator"), a number (50) or a Role; raise ValueError otherwise."""
        if isinstance(value, Role):
            return value
        if isinstance(value, int):
            return cls.from_level(value)
        text = str(value).strip()
        if text.lstrip("-").isdigit():
            return cls.from_level(int(text))
        try:
            return cls[text.upper()]
        except KeyError:
            names = ", ".join(r.name.lower() for r in cls)
            raise ValueError(f"unknown role {value!r} (expected one of: {names})") from None

    @classmethod
    def from_level(cls, level: int) -> Role:
        """The highest role whose number is <= level (Matrix power level 75 -> MODERATOR)."""
        best = cls.EVERYONE
        for role in cls:
            if role.value <= level:
                best = role
        return best


class MessageKind(StrEnum):
    TEXT = "text"
    NOTICE = "notice"  # Matrix m.notice: bot output, never auto-answered
    EMOTE = "emote"  # /me


@dataclass(frozen=True, slots=True)
class Room:
    platform: Platform
    id: str
    name: str = ""
    is_direct: bool = False
    member_count: int = 0
    # Ids of our personas known to be in the room (adapters fill it from membership; empty when
    # unknown). Not part of the room's identity.
    personas: tuple[str, ...] = field(default=(), compare=False, hash=False)
    # Globally unique room key, e.g. ``local:lobby``: made at construction (a plain slot, not
    # a property: every message's hot path reads it several times).
    key: str = field(init=False, repr=False, compare=False, hash=False)

    @property
    def is_private(self) -> bool:
        """The DM rule: a direct room, or a room with exactly two members."""
        return self.is_direct or self.member_count == 2

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class User:
    platform: Platform
    id: str
    name: str = ""
    display: str = ""
    is_bot: bool = False
    role: Role = Role.EVERYONE
    persona: str | None = None  # set when this account speaks for one of our personas
    # Globally unique user key, e.g. ``discord:1234``, made at construction.
    key: str = field(init=False, repr=False, compare=False, hash=False)

    @property
    def label(self) -> str:
        return self.display or self.name or self.id

    @property
    def is_human(self) -> bool:
        return not self.is_bot and self.persona is None


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message as every platform sees it.

    ``id`` is the platform's own message id (unique per platform and room); ``mentions`` holds
    the platform user ids a platform-level mention names (Discord <@id>, Matrix m.mentions).
    """

    id: str
    room: Room
    author: User
    text: str
    ts: float
    mentions: tuple[str, ...] = ()
    reply_to: str | None = None
    kind: MessageKind = MessageKind.TEXT
    edit_of: str | None = None  # the id of the message this edits, if any

    @property
    def platform(self) -> Platform:
        return self.room.platform

    @property
    def key(self) -> tuple[str, str, str]:
        room = self.room
        return (room.platform._value_, room.id, self.id)

    def with_text(self, text: str) -> Message:
        return replace(self, text=text)


class _Factory:
    """Default of a field with a default_factory in a :func:`_fast_init` signature."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _fast_init(cls: type, key: bool = False) -> None:
    """Give a frozen slotted dataclass an ``__init__`` that writes each slot through its
    descriptor: the same signature and result as the generated one, at half the cost (the
    generated one goes through ``object.__setattr__`` per field, and a Message is built for every
    chat line). ``key`` also stores ``"{platform}:{id}"`` in the ``key`` slot."""
    params, body = [], []
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY}
    for f in fields(cls):
        if not f.init:
            continue
        namespace[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default_factory is not MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            body.append(f"    if {f.name} is _FACTORY:\n        {f.name} = _factory_{f.name}()")
        elif f.default is MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    if key:
        # ``_value_``: the enum's ``.value`` property costs 7x more.
        namespace["_set_key_"] = cls.key.__set__
        body.append("    _set_key_(self, f\"{getattr(platform, '_value_', platform)}:{id}\")")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body)
    exec(source, namespace)  # built from the dataclass's own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    cls.__init__ = init


_fast_init(Room, key=True)
_fast_init(User, key=True)
_fast_init(Message)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What a persona (or the bot's own voice, persona=None) wants to say in a room."""

    room: Room
    text: str
    persona: str | None = None
    reply_to: str | None = None
    kind: MessageKind = MessageKind.TEXT
    ambient: bool = False  # unprompted speech (timers, Hearthkeeper): held while humans are busy
    cause: str | None = None  # id of the message this answers, for decisions and replay
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def with_text(self, text: str) -> Outgoing:
        return replace(self, text=text)


_fast_init(Outgoing)
