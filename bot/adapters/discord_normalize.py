"""Discord gateway JSON -> :class:`bot.message.Message`: the first piece of the Discord adapter.

It reads the raw dispatch payloads (the ``d`` of a ``MESSAGE_CREATE`` event, as the gateway
sends it and as ``POST /channels/{id}/messages`` answers), not discord.py's models: building a
``discord.Message`` costs more than Sanctum's whole dispatch, and none of it is needed here.
The tests cross-check every field against discord.py's own model built from the same JSON.

What a MESSAGE_CREATE lacks comes from the guild state the adapter keeps (``GUILD_CREATE``,
channel and role events): channel names, the member count and the role permissions that give a
member's role (``bot.roles.role_from_discord``: guild owner, administrator, manage_messages or
moderate_members, configured moderator role ids). The permissions are the member's base
(guild-level) ones; channel overwrites are not applied. A ``permissions`` field on the member
(interaction payloads carry one) is taken as it is.

Per message only dict reads happen: Room and User objects are cached (per channel, per author
with what the author's User is built from) and rebuilt when that changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.message import Message, MessageKind, Platform, Role, Room, User
from bot.roles import role_from_discord

DISCORD_EPOCH_MS = 1_420_070_400_000
# Message types that are chat (default, reply, slash-command and context-menu answers); the
# others are system lines (joins, pins, boosts, thread starts...), which nobody answers.
CHAT_TYPES = frozenset({0, 19, 20, 23})
REPLY_TYPE = 19
DM_CHANNEL = 1
GROUP_DM_CHANNEL = 3
_CACHE_LIMIT = 50_000  # authors (and channels) kept; past it the cache starts over
DISCORD = Platform.DISCORD
_TEXT = MessageKind.TEXT
_NOTICE = MessageKind.NOTICE


class MalformedPayload(ValueError):
    """A payload that claims to be a message but cannot be read; logged and skipped."""


def snowflake_ms(snowflake: str | int) -> int:
    """Unix milliseconds from a Discord id (ids carry their creation time)."""
    return (int(snowflake) >> 22) + DISCORD_EPOCH_MS


def _permission_int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0  # unreadable permissions grant nothing


class _Guild:
    __slots__ = ("channels", "id", "member_count", "owner_id", "roles")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.id = str(data["id"])
        self.owner_id = str(data.get("owner_id") or "")
        self.member_count = int(data.get("member_count") or 0)
        self.roles: dict[str, int] = {}  # role id -> permission bits (@everyone: the guild id)
        for role in data.get("roles") or ():
            self.roles[str(role["id"])] = _permission_int(role.get("permissions"))
        self.channels: dict[str, str] = {}  # channel and thread ids -> name
        for channel in (*(data.get("channels") or ()), *(data.get("threads") or ())):
            self.channels[str(channel["id"])] = str(channel.get("name") or "")

    def permissions(self, role_ids: Iterable[str]) -> int:
        """Base permissions of a member holding ``role_ids`` (plus @everyone)."""
        roles = self.roles
        bits = roles.get(self.id, 0)
        for role_id in role_ids:
            bits |= roles.get(role_id, 0)
        return bits


class DiscordNormalizer:
    """Turns MESSAGE_CREATE payloads into Messages, with the guild state they need.

    ``persona_of`` maps our accounts to persona ids: the bot user, or a per-persona webhook's
    id (a webhook message's author id is the webhook's). ``moderator_role_ids`` are configured
    Discord role ids that make a member a MODERATOR.
    """

    def __init__(
        self,
        *,
        persona_of: Mapping[str, str] | None = None,
        moderator_role_ids: Iterable[int | str] = (),
    ) -> None:
        self._persona_of: Mapping[str, str] = persona_of or {}
        self.moderator_role_ids = tuple(str(r) for r in moderator_role_ids)
        self._guilds: dict[str, _Guild] = {}
        # channel id -> (guild id, channel type, Room)
        self._rooms: dict[str, tuple[str | None, int | None, Room]] = {}
        # author id -> (what the User is made of..., the User)
        self._users: dict[str, tuple] = {}

    @property
    def persona_of(self) -> Mapping[str, str]:
        return self._persona_of

    @persona_of.setter
    def persona_of(self, accounts: Mapping[str, str]) -> None:
        """New persona accounts (a persona spawned or removed): authors are looked up again."""
        self._persona_of = accounts
        self._users.clear()

    # -- guild state (GUILD_CREATE, CHANNEL_*, THREAD_CREATE, GUILD_ROLE_*) -------------------

    def add_guild(self, data: Mapping[str, Any]) -> None:
        """A GUILD_CREATE (or a full guild object): owner, roles, channels, member count."""
        try:
            guild = _Guild(data)
        except (KeyError, TypeError, ValueError) as error:
            raise MalformedPayload(f"guild payload unreadable: {error!r}") from None
        self._guilds[guild.id] = guild
        self._forget()

    def remove_guild(self, guild_id: str) -> None:
        self._guilds.pop(str(guild_id), None)
        self._forget()

    def update_channel(self, data: Mapping[str, Any]) -> None:
        """A CHANNEL_CREATE/UPDATE or THREAD_CREATE/UPDATE: the channel's name."""
        guild = self._guilds.get(str(data.get("guild_id") or ""))
        if guild is not None and "id" in data:
            guild.channels[str(data["id"])] = str(data.get("name") or "")
            self._rooms.clear()

    def update_role(self, guild_id: str, role: Mapping[str, Any]) -> None:
        """A GUILD_ROLE_CREATE/UPDATE's role object."""
        guild = self._guilds.get(str(guild_id))
        if guild is not None and "id" in role:
            guild.roles[str(role["id"])] = _permission_int(role.get("permissions"))
            self._users.clear()

    def delete_role(self, guild_id: str, role_id: str) -> None:
        guild = self._guilds.get(str(guild_id))
        if guild is not None:
            guild.roles.pop(str(role_id), None)
            self._users.clear()

    def set_member_count(self, guild_id: str, count: int) -> None:
        guild = self._guilds.get(str(guild_id))
        if guild is not None and guild.member_count != count:
            guild.member_count = count
            self._rooms.clear()

    def member_permissions(self, guild_id: str, role_ids: Iterable[int | str]) -> int:
        """A member's base permission bits in a known guild (0 when the guild is unknown)."""
        guild = self._guilds.get(str(guild_id))
        return guild.permissions(str(r) for r in role_ids) if guild is not None else 0

    def _forget(self) -> None:
        self._rooms.clear()
        self._users.clear()

    # -- messages -------------------------------------------------------------------------

    def room(self, channel_id: str, guild_id: str | None, channel_type: int | None = None) -> Room:
        """The Room for a channel: a guild channel, a DM (direct) or a group DM."""
        cached = self._rooms.get(channel_id)
        if cached is not None and cached[0] == guild_id and cached[1] == channel_type:
            return cached[2]
        if guild_id is None:
            direct = channel_type != GROUP_DM_CHANNEL
            room = Room(DISCORD, channel_id, "", direct, 2 if direct else 0)
        else:
            guild = self._guilds.get(guild_id)
            if guild is None:
                room = Room(DISCORD, channel_id)
            else:
                room = Room(
                    DISCORD,
                    channel_id,
                    guild.channels.get(channel_id, ""),
                    False,
                    guild.member_count,
                )
        if len(self._rooms) >= _CACHE_LIMIT:
            self._rooms.clear()
        self._rooms[channel_id] = (guild_id, channel_type, room)
        return room

    def user(
        self,
        author: Mapping[str, Any],
        member: Mapping[str, Any] | None,
        guild_id: str | None,
        webhook: bool = False,
    ) -> User:
        """The User for a message author (``member``: the payload's partial guild member)."""
        author_id = author["id"]
        if author_id.__class__ is not str:
            author_id = str(author_id)
        guild = self._guilds.get(guild_id) if guild_id is not None else None
        # The same author with the same names, roles and flags is the same User: most chat
        # comes from people who spoke a moment ago. Only what the User is made of is compared,
        # singletons and the guild's own id object by identity (those reads stay in cache).
        name = author.get("username")
        global_name = author.get("global_name")
        bot = author.get("bot")
        if member is not None:
            nick = member.get("nick")
            roles = member.get("roles") or None
            special = author.get("system") or member.get("permissions") is not None
        else:
            nick = roles = None
            special = author.get("system")
        where = guild.id if guild is not None else guild_id
        cached = self._users.get(author_id)
        if (
            cached is not None
            and not special
            and cached[4] is bot
            and cached[5] is webhook
            and (cached[6] is where or cached[6] == where)
            and cached[2] == nick
            and cached[3] == roles
            and cached[0] == name
            and cached[1] == global_name
        ):
            return cached[7]
        username = str(name or "")
        display = nick or global_name or username
        role = Role.EVERYONE
        if member is not None and not webhook:
            role_ids = roles or ()
            bits = member.get("permissions")
            if bits is None:
                bits = guild.permissions(str(r) for r in role_ids) if guild else 0
            owner = guild is not None and guild.owner_id == author_id
            role = role_from_discord(owner, bits, role_ids, self.moderator_role_ids)
        user = User(
            DISCORD,
            author_id,
            username,
            str(display),
            bool(bot or author.get("system") or webhook),
            role,
            self._persona_of.get(author_id),
        )
        if len(self._users) >= _CACHE_LIMIT:
            self._users.clear()
        if not special:  # system authors and members with permissions are not cached
            self._users[author_id] = (name, global_name, nick, roles, bot, webhook, where, user)
        return user

    def message(self, data: Mapping[str, Any]) -> Message | None:
        """A Message for a chat MESSAGE_CREATE; None for system lines (joins, pins...).

        Raises :class:`MalformedPayload` (one line) when the payload cannot be read.
        """
        try:
            kind = data.get("type", 0)
            if kind not in CHAT_TYPES:
                return None
            message_id = data["id"]
            if message_id.__class__ is not str:
                message_id = str(message_id)
            ts = ((int(message_id) >> 22) + DISCORD_EPOCH_MS) / 1000
            guild_id = data.get("guild_id")
            if guild_id is not None and guild_id.__class__ is not str:
                guild_id = str(guild_id)
            author_data = data["author"]
            author = self.user(author_data, data.get("member"), guild_id, "webhook_id" in data)
            channel_id = data["channel_id"]
            if channel_id.__class__ is not str:
                channel_id = str(channel_id)
            channel_type = data.get("channel_type")
            room = self._rooms.get(channel_id)  # room(), its cache hit inlined
            if room is not None and room[0] == guild_id and room[1] == channel_type:
                room = room[2]
            else:
                room = self.room(channel_id, guild_id, channel_type)
            mentions = data.get("mentions")
            reply_to = None
            if kind == REPLY_TYPE:
                reference = data.get("message_reference") or {}
                reply_to = reference.get("message_id")
                reply_to = str(reply_to) if reply_to is not None else None
            return Message(
                message_id,
                room,
                author,
                data.get("content") or "",
                ts,
                tuple([str(m["id"]) for m in mentions]) if mentions else (),
                reply_to,
                _NOTICE if author.is_bot and author_data.get("system") else _TEXT,
            )
        except MalformedPayload:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            what = data.get("id", "?") if isinstance(data, Mapping) else type(data).__name__
            raise MalformedPayload(f"MESSAGE_CREATE {what} unreadable: {error!r}") from None


__all__ = ["CHAT_TYPES", "DiscordNormalizer", "MalformedPayload", "snowflake_ms"]
