"""Matrix events (as matrix-nio parses them) -> :class:`bot.message.Message`.

Pure functions over nio's own model classes and room state, so they are tested with real event
JSON and no homeserver. Only state nio already holds is read: never the full member list, so a
room with thousands of members costs the same as a room with three.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote
from weakref import WeakKeyDictionary

from nio import (
    Event,
    MatrixRoom,
    RoomMessageEmote,
    RoomMessageFormatted,
    RoomMessageNotice,
)

from bot.message import Message, MessageKind, Platform, Role, Room, User

log = logging.getLogger(__name__)

_KINDS = {"m.text": MessageKind.TEXT, "m.notice": MessageKind.NOTICE, "m.emote": MessageKind.EMOTE}
# matrix.to permalinks to users: https://matrix.to/#/@alice:example.org (maybe %-encoded)
_PILL = re.compile(r"^https://matrix\.to/#/(@[^/?#]+)")
_USER_ID = re.compile(r"@[a-z0-9._=/+\-]+:[a-zA-Z0-9.\-]+(?::\d+)?", re.IGNORECASE)
# Room versions before 12 rank creators by power level like anyone else; from 12 on, the
# creators (the create event's sender and additional_creators) outrank every level.
_LEGACY_VERSIONS = frozenset(str(v) for v in range(1, 12))
_CREATORS: WeakKeyDictionary[MatrixRoom, frozenset[str]] = WeakKeyDictionary()


class MalformedEvent(ValueError):
    """An event that claims to be a message but cannot be read; logged and skipped."""


@dataclass(frozen=True, slots=True)
class Accounts:
    """Our own accounts as normalization needs them: who is a bot, who speaks for whom."""

    bot_users: frozenset[str] = frozenset()
    persona_of: Mapping[str, str] = field(default_factory=dict)  # user id -> persona id
    names: Mapping[str, str] = field(default_factory=dict)  # user id -> display name


def localpart(user_id: str) -> str:
    return user_id[1:].split(":", 1)[0] if user_id.startswith("@") else user_id


GROUP_NAME_WALK = 50  # members nio may sort to name an unnamed room that has no summary


def room_from(
    mroom: MatrixRoom, *, is_direct: bool = False, personas: tuple[str, ...] = ()
) -> Room:
    """A Room snapshot from nio's room state (member count from the sync summary)."""
    return Room(
        platform=Platform.MATRIX,
        id=mroom.room_id,
        name=room_name(mroom),
        is_direct=is_direct,
        member_count=joined_count(mroom),
        personas=personas,
    )


def room_name(mroom: MatrixRoom) -> str:
    """The room's name or alias, else nio's name from its heroes, else the room id.

    Without a complete summary nio names a room by sorting every member it holds: fine for a
    DM, not for a room of thousands on each batch, so a big room is then called by its id.
    """
    named = mroom.named_room_name()
    if named:
        return named
    summary = mroom.summary
    usable = (
        summary is not None
        and summary.joined_member_count is not None
        and summary.invited_member_count is not None
    )
    if usable or len(mroom.users) <= GROUP_NAME_WALK:
        return mroom.group_name() or mroom.room_id
    return mroom.room_id


def joined_count(mroom: MatrixRoom) -> int:
    """Joined members: the summary's count when Synapse sent one, else what state we hold."""
    summary = mroom.summary
    if summary is not None and summary.joined_member_count is not None:
        return summary.joined_member_count
    return len(mroom.users) - len(mroom.invited_users)  # both dicts: no walk


def note_state_event(mroom: MatrixRoom, event: Any) -> None:
    """Track what nio's room model lacks: the creators of a v12+ room."""
    source = getattr(event, "source", None)
    if not isinstance(source, Mapping) or source.get("type") != "m.room.create":
        return
    content = source.get("content")
    content = content if isinstance(content, Mapping) else {}
    if str(content.get("room_version", "1")) in _LEGACY_VERSIONS:
        _CREATORS.pop(mroom, None)
        return
    extra = content.get("additional_creators")
    extra = [u for u in extra if isinstance(u, str)] if isinstance(extra, list) else []
    sender = source.get("sender")
    _CREATORS[mroom] = frozenset([sender, *extra] if isinstance(sender, str) else extra)


def creators(mroom: MatrixRoom) -> frozenset[str]:
    return _CREATORS.get(mroom, frozenset())


def user_level(mroom: MatrixRoom, user_id: str) -> float:
    """The user's power level; infinite for the creators of a v12+ room."""
    if user_id in _CREATORS.get(mroom, ()):
        return math.inf
    return mroom.power_levels.get_user_level(user_id)


def user_from(mroom: MatrixRoom, user_id: str, accounts: Accounts) -> User:
    member = mroom.users.get(user_id)
    display = (member.display_name if member else None) or accounts.names.get(user_id, "")
    return User(
        platform=Platform.MATRIX,
        id=user_id,
        name=localpart(user_id),
        display=display or "",
        is_bot=user_id in accounts.bot_users,
        role=Role.from_level(user_level(mroom, user_id)),
        persona=accounts.persona_of.get(user_id),
    )


def strip_reply_fallback(body: str) -> str:
    """Drop the quoted '> <@user> ...' block a reply carries before its own text."""
    lines = body.split("\n")
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    if index == 0:
        return body
    if index < len(lines) and lines[index] == "":
        index += 1
    return "\n".join(lines[index:])


class _PillParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.users: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        match = _PILL.match(unquote(dict(attrs).get("href") or ""))
        if match:
            self.users.append(match.group(1))


def pills(formatted_body: str | None) -> list[str]:
    """User ids linked as matrix.to pills in an HTML body."""
    if not formatted_body or "matrix.to" not in formatted_body:
        return []
    parser = _PillParser()
    try:
        parser.feed(formatted_body)
        parser.close()
    except Exception:  # a broken HTML body still has a plain body: no pills, no crash
        return []
    return [u for u in parser.users if _USER_ID.fullmatch(u)]


def named_mentions(text: str, accounts: Accounts) -> list[str]:
    """Our accounts named in plain text: by full user id or by display name."""
    found: list[str] = []
    lowered = text.lower()
    for user_id in accounts.bot_users:
        if user_id.lower() in lowered:
            found.append(user_id)
            continue
        name = accounts.names.get(user_id, "").strip()
        if len(name) >= 2 and re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", lowered):
            found.append(user_id)
    return found


def _relation(content: Mapping[str, Any]) -> Mapping[str, Any]:
    relates = content.get("m.relates_to")
    return relates if isinstance(relates, Mapping) else {}


def _user_ids(content: Mapping[str, Any]) -> list[str]:
    mentions = content.get("m.mentions")
    if not isinstance(mentions, Mapping):
        return []
    ids = mentions.get("user_ids")
    if not isinstance(ids, list):
        return []
    return [u for u in ids if isinstance(u, str) and _USER_ID.fullmatch(u)]


def normalize(
    event: Event | Any,
    mroom: MatrixRoom,
    accounts: Accounts,
    room: Room | None = None,
) -> Message | None:
    """A Message for text, notice and emote events; None for anything else.

    Raises :class:`MalformedEvent` when a message event's content has the wrong shape.
    """
    if not isinstance(event, RoomMessageFormatted):
        return None
    source = event.source if isinstance(event.source, Mapping) else {}
    content = source.get("content")
    if not isinstance(content, Mapping):
        raise MalformedEvent(f"event {getattr(event, 'event_id', '?')} has no content")

    relates = _relation(content)
    edit_of: str | None = None
    reply_to: str | None = None
    body_source: Mapping[str, Any] = content
    if relates.get("rel_type") == "m.replace":
        new = content.get("m.new_content")
        target = relates.get("event_id")
        if not isinstance(new, Mapping) or not isinstance(target, str):
            raise MalformedEvent(f"edit {event.event_id} has no m.new_content or target")
        body_source = new
        edit_of = target
    in_reply = relates.get("m.in_reply_to")
    if isinstance(in_reply, Mapping) and isinstance(in_reply.get("event_id"), str):
        reply_to = in_reply["event_id"]

    body = body_source.get("body")
    if not isinstance(body, str):
        raise MalformedEvent(f"event {event.event_id} has a body that is not text")
    msgtype = body_source.get("msgtype", content.get("msgtype"))
    kind = _KINDS.get(msgtype if isinstance(msgtype, str) else "")
    if kind is None:
        # nio already picked the class from the outer msgtype; trust it for odd edits.
        kind = (
            MessageKind.NOTICE
            if isinstance(event, RoomMessageNotice)
            else MessageKind.EMOTE
            if isinstance(event, RoomMessageEmote)
            else MessageKind.TEXT
        )
    if reply_to and edit_of is None:
        body = strip_reply_fallback(body)

    formatted = body_source.get("formatted_body")
    formatted = formatted if isinstance(formatted, str) else None
    mentions = dict.fromkeys(
        [*_user_ids(body_source), *pills(formatted), *named_mentions(body, accounts)]
    )
    mentions.pop(event.sender, None)  # a message never addresses its own author

    return Message(
        id=event.event_id,
        room=room if room is not None else room_from(mroom),
        author=user_from(mroom, event.sender, accounts),
        text=body,
        ts=event.server_timestamp / 1000.0,
        mentions=tuple(mentions),
        reply_to=reply_to,
        kind=kind,
        edit_of=edit_of,
    )


def parse_event(raw: Mapping[str, Any]) -> Event | Any:
    """nio's own parser for a raw event dict (room_messages and sync use the same one)."""
    return Event.parse_event(dict(raw))
