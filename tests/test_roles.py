"""The role ladder: Twitch badges, Discord permissions, Matrix power levels, configured ids."""

from __future__ import annotations

import copy
from typing import Any

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st
from twitchio.models.eventsub_ import ChatMessage, ChatMessageBadge

from bot.config import RoleSettings, Settings
from bot.message import Platform, Role, User
from bot.roles import (
    DISCORD_ADMINISTRATOR,
    DISCORD_MANAGE_MESSAGES,
    DISCORD_MODERATE_MEMBERS,
    RoleResolver,
    role_from_discord,
    role_from_matrix_power,
    role_from_twitch_badges,
)

# The `event` of a channel.chat.message EventSub notification, as Twitch documents it.
CHAT_EVENT: dict[str, Any] = {
    "broadcaster_user_id": "1971641",
    "broadcaster_user_login": "streamer",
    "broadcaster_user_name": "streamer",
    "source_broadcaster_user_id": None,
    "source_broadcaster_user_login": None,
    "source_broadcaster_user_name": None,
    "chatter_user_id": "4145994",
    "chatter_user_login": "viewer32",
    "chatter_user_name": "viewer32",
    "message_id": "cc106a89-1814-919d-454c-f4f2f970aae7",
    "source_message_id": None,
    "is_source_only": None,
    "message": {
        "text": "Hi chat",
        "fragments": [
            {"type": "text", "text": "Hi chat", "cheermote": None, "emote": None, "mention": None}
        ],
    },
    "color": "#00FF7F",
    "badges": [
        {"set_id": "moderator", "id": "1", "info": ""},
        {"set_id": "subscriber", "id": "12", "info": "16"},
        {"set_id": "sub-gifter", "id": "1", "info": ""},
    ],
    "source_badges": None,
    "message_type": "text",
    "cheer": None,
    "reply": None,
    "channel_points_custom_reward_id": None,
    "channel_points_animation_id": None,
}


# What @everyone usually has on a server.
MEMBER = discord.Permissions(
    view_channel=True, send_messages=True, read_message_history=True, add_reactions=True
)


def chat_message(badges: list[dict[str, str]]) -> ChatMessage:
    event = copy.deepcopy(CHAT_EVENT)
    event["badges"] = badges
    return ChatMessage(event, http=None)  # type: ignore[arg-type]


# -- Twitch --------------------------------------------------------------------------------


def test_twitch_badges_from_a_real_event() -> None:
    msg = chat_message(CHAT_EVENT["badges"])
    assert all(isinstance(b, ChatMessageBadge) for b in msg.badges)
    assert role_from_twitch_badges(msg.badges) == Role.MODERATOR
    assert role_from_twitch_badges(CHAT_EVENT["badges"]) == Role.MODERATOR  # raw dicts too


@pytest.mark.parametrize(
    ("set_ids", "role"),
    [
        (["broadcaster", "subscriber"], Role.OWNER),
        (["lead_moderator"], Role.MODERATOR),
        (["moderator"], Role.MODERATOR),
        (["vip", "subscriber"], Role.VIP),
        (["subscriber"], Role.SUBSCRIBER),
        (["founder"], Role.SUBSCRIBER),
        (["bits", "premium", "glhf-pledge"], Role.EVERYONE),
        ([], Role.EVERYONE),
    ],
)
def test_twitch_badge_ladder(set_ids: list[str], role: Role) -> None:
    badges = [{"set_id": s, "id": "1", "info": ""} for s in set_ids]
    assert role_from_twitch_badges(chat_message(badges).badges) == role
    assert role_from_twitch_badges(set_ids) == role
    assert role_from_twitch_badges([f"{s}/1" for s in set_ids]) == role  # IRC-style tags


def test_twitch_badge_garbage_grants_nothing() -> None:
    junk: list[Any] = [None, 5, {"id": "1"}, {"set_id": None}, object(), ""]
    assert role_from_twitch_badges(junk) == Role.EVERYONE
    assert role_from_twitch_badges(None) == Role.EVERYONE


# -- Discord -------------------------------------------------------------------------------


def test_discord_permission_bits_match_discord_py() -> None:
    assert discord.Permissions(administrator=True).value == DISCORD_ADMINISTRATOR
    assert discord.Permissions(manage_messages=True).value == DISCORD_MANAGE_MESSAGES
    assert discord.Permissions(moderate_members=True).value == DISCORD_MODERATE_MEMBERS


@pytest.mark.parametrize(
    ("owner", "perms", "role"),
    [
        (True, discord.Permissions.none(), Role.OWNER),
        (False, discord.Permissions(administrator=True), Role.ADMIN),
        (False, discord.Permissions.all(), Role.ADMIN),
        (False, discord.Permissions(manage_messages=True), Role.MODERATOR),
        (False, discord.Permissions(moderate_members=True), Role.MODERATOR),
        (False, discord.Permissions(kick_members=True, ban_members=True), Role.EVERYONE),
        (False, MEMBER, Role.EVERYONE),
        (False, discord.Permissions.text(), Role.MODERATOR),  # text() includes manage_messages
        (False, discord.Permissions.general(), Role.EVERYONE),
    ],
)
def test_discord_permissions(owner: bool, perms: discord.Permissions, role: Role) -> None:
    assert role_from_discord(owner, perms) == role
    assert role_from_discord(owner, perms.value) == role  # the int bit field
    assert role_from_discord(owner, str(perms.value)) == role  # the gateway's string


def test_discord_configured_moderator_role() -> None:
    perms = MEMBER
    mods = ["111111111111111111"]
    assert role_from_discord(False, perms, [222, 111111111111111111], mods) == Role.MODERATOR
    assert role_from_discord(False, perms, [222], mods) == Role.EVERYONE
    assert role_from_discord(False, perms, ["111111111111111111"], [111111111111111111]) == (
        Role.MODERATOR
    )
    # A configured role never lowers a stronger permission.
    admin = discord.Permissions(administrator=True)
    assert role_from_discord(False, admin, [111111111111111111], mods) == Role.ADMIN


def test_discord_garbage_grants_nothing() -> None:
    assert role_from_discord(False, "not a number") == Role.EVERYONE
    assert role_from_discord(False, None) == Role.EVERYONE
    assert role_from_discord(False, -1) == Role.EVERYONE


# -- Matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "role"),
    [
        (0, Role.EVERYONE),
        (-10, Role.EVERYONE),
        (10, Role.REGULAR),
        (49, Role.VIP),
        (50, Role.MODERATOR),
        (75, Role.MODERATOR),
        (99, Role.ADMIN),
        (100, Role.OWNER),
        (9000, Role.OWNER),
        ("50", Role.MODERATOR),
        (None, Role.EVERYONE),
        ("high", Role.EVERYONE),
        (True, Role.EVERYONE),
    ],
)
def test_matrix_power_levels(level: Any, role: Role) -> None:
    assert role_from_matrix_power(level) == role


@given(st.integers(-1000, 1000))
def test_matrix_role_never_exceeds_the_power_level(level: int) -> None:
    role = role_from_matrix_power(level)
    assert role.value <= max(level, 0)
    assert all(r.value > level for r in Role if r > role)


# -- configured ids ------------------------------------------------------------------------


def resolver() -> RoleResolver:
    return RoleResolver(
        RoleSettings(
            owners={Platform.TWITCH: ["1971641"], Platform.MATRIX: ["@me:example.org"]},
            admins={Platform.TWITCH: ["4145994"], Platform.DISCORD: ["80351110224678912"]},
            moderator_role_ids={Platform.DISCORD: ["111111111111111111"]},
        )
    )


def test_configured_owner_and_admin_override_per_platform() -> None:
    r = resolver()
    assert r.resolve(User(Platform.TWITCH, "1971641")) == Role.OWNER
    assert r.resolve(User(Platform.TWITCH, "4145994", role=Role.SUBSCRIBER)) == Role.ADMIN
    assert r.resolve(User(Platform.MATRIX, "@me:example.org")) == Role.OWNER
    # The same id on another platform is someone else.
    assert r.resolve(User(Platform.DISCORD, "1971641")) == Role.EVERYONE
    assert r.resolve(User(Platform.TWITCH, "999", role=Role.VIP)) == Role.VIP


def test_configuration_never_lowers_a_platform_role() -> None:
    r = resolver()
    owner = User(Platform.DISCORD, "80351110224678912", role=Role.OWNER)
    assert r.resolve(owner) == Role.OWNER
    assert r.apply(owner) is owner


def test_apply_returns_the_user_with_the_role() -> None:
    user = User(Platform.TWITCH, "4145994", name="viewer32", role=Role.MODERATOR)
    applied = resolver().apply(user)
    assert applied.role == Role.ADMIN and applied.name == "viewer32"
    assert resolver().moderator_role_ids(Platform.DISCORD) == ("111111111111111111",)
    assert resolver().moderator_role_ids(Platform.TWITCH) == ()


def test_resolver_from_settings_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANCTUM_ROLES__OWNERS", '{"discord": ["42"]}')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    r = RoleResolver(settings.roles)
    assert r.resolve(User(Platform.DISCORD, "42")) == Role.OWNER
    assert RoleResolver().resolve(User(Platform.DISCORD, "42")) == Role.EVERYONE
