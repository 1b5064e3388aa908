"""One role ladder for every platform: the helpers adapters use to map platform facts onto it.

The ladder is :class:`bot.message.Role` (EVERYONE 0 ... OWNER 100). Each helper answers the
highest role the facts justify and falls back to EVERYONE on anything it does not understand:
an unknown badge or a malformed permission value must never grant power.

No SDK is imported here (only ``bot/adapters/`` may); Discord permissions are read as their
integer bit field, which ``discord.Permissions`` exposes as ``.value``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from bot.config import RoleSettings
from bot.message import Platform, Role, User

# Twitch badge set ids (the ``set_id`` of a channel.chat.message badge) and the role each gives.
TWITCH_BADGE_ROLES: dict[str, Role] = {
    "broadcaster": Role.OWNER,
    "lead_moderator": Role.MODERATOR,
    "moderator": Role.MODERATOR,
    "vip": Role.VIP,
    "subscriber": Role.SUBSCRIBER,
    "founder": Role.SUBSCRIBER,
}

# Discord permission bits (https://discord.com/developers/docs/topics/permissions).
DISCORD_ADMINISTRATOR = 1 << 3  # 0x8
DISCORD_MANAGE_MESSAGES = 1 << 13  # 0x2000
DISCORD_MODERATE_MEMBERS = 1 << 40  # 0x10000000000: time members out


def _badge_set_id(badge: Any) -> str | None:
    if isinstance(badge, str):
        # IRC-style "moderator/1" as well as a bare set id.
        return badge.split("/", 1)[0]
    if isinstance(badge, dict):
        value = badge.get("set_id")
    else:
        value = getattr(badge, "set_id", None)
    return value if isinstance(value, str) else None


def role_from_twitch_badges(badges: Iterable[Any] | None) -> Role:
    """The highest role among a Twitch chatter's badges.

    Accepts the badge list of a ``channel.chat.message`` event in any of its shapes: raw dicts
    (``{"set_id": "moderator", "id": "1", "info": ""}``), twitchio ``ChatMessageBadge`` objects
    (anything with ``.set_id``), or strings (``"moderator"`` or IRC-style ``"moderator/1"``).
    Unknown badges (bits, premium, ...) and malformed entries count for nothing.
    """
    best = Role.EVERYONE
    for badge in badges or ():
        set_id = _badge_set_id(badge)
        role = TWITCH_BADGE_ROLES.get(set_id.lower()) if set_id else None
        if role is not None and role > best:
            best = role
    return best


def _permission_bits(permissions: Any) -> int:
    value = getattr(permissions, "value", permissions)
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))  # the gateway sends permissions as a decimal string
        except ValueError:
            return 0
    return max(0, value)


def role_from_discord(
    is_guild_owner: bool,
    permissions: Any,
    role_ids: Iterable[int | str] = (),
    moderator_role_ids: Iterable[int | str] = (),
) -> Role:
    """A Discord member's role: guild owner -> OWNER, administrator -> ADMIN, manage_messages
    or moderate_members -> MODERATOR, holding a configured moderator role -> MODERATOR.

    ``permissions`` is the member's resolved permission set: a ``discord.Permissions`` (its
    ``.value`` is read), an int bit field, or the gateway's decimal string. Role ids may be ints
    (discord.py) or strings (settings, raw JSON).
    """
    if is_guild_owner:
        return Role.OWNER
    bits = _permission_bits(permissions)
    if bits & DISCORD_ADMINISTRATOR:
        return Role.ADMIN
    if bits & (DISCORD_MANAGE_MESSAGES | DISCORD_MODERATE_MEMBERS):
        return Role.MODERATOR
    wanted = {str(r) for r in moderator_role_ids}
    if wanted and any(str(r) in wanted for r in role_ids):
        return Role.MODERATOR
    return Role.EVERYONE


def role_from_matrix_power(level: Any) -> Role:
    """A Matrix power level on the ladder (its numbers are power levels: 50 -> MODERATOR,
    75 -> MODERATOR, 100 -> OWNER). A missing or malformed level is EVERYONE."""
    if isinstance(level, bool):
        return Role.EVERYONE
    try:
        value = int(level)
    except (TypeError, ValueError):
        return Role.EVERYONE
    return Role.from_level(value)


class RoleResolver:
    """Applies the configured owner and admin ids (``[roles]`` in settings) on top of what the
    platform says. Ids are platform user ids (a Twitch numeric id, a Discord snowflake, a Matrix
    ``@user:server``), never names, which can change hands. Configuration only raises a role:
    an admin id who is the Discord guild owner stays OWNER."""

    def __init__(self, settings: RoleSettings | None = None) -> None:
        settings = settings or RoleSettings()
        self._owners = {Platform(p): frozenset(ids) for p, ids in settings.owners.items()}
        self._admins = {Platform(p): frozenset(ids) for p, ids in settings.admins.items()}
        self._mod_roles = {
            Platform(p): tuple(ids) for p, ids in settings.moderator_role_ids.items()
        }
        self._any = any(self._owners.values()) or any(self._admins.values())

    def configured_role(self, platform: Platform, user_id: str) -> Role | None:
        """OWNER or ADMIN when settings name this user, else None."""
        if user_id in self._owners.get(platform, ()):
            return Role.OWNER
        if user_id in self._admins.get(platform, ()):
            return Role.ADMIN
        return None

    def resolve(self, user: User) -> Role:
        """The user's effective role: the higher of the platform's and the configured one."""
        if not self._any:  # nothing configured: the common case, on every message
            return user.role
        configured = self.configured_role(user.platform, user.id)
        if configured is not None and configured > user.role:
            return configured
        return user.role

    def apply(self, user: User) -> User:
        """The user with :meth:`resolve`'s role (the same object when nothing changes)."""
        role = self.resolve(user)
        return user if role == user.role else replace(user, role=role)

    def moderator_role_ids(self, platform: Platform) -> tuple[str, ...]:
        """Configured platform role ids that make a member a MODERATOR (Discord)."""
        return self._mod_roles.get(platform, ())
