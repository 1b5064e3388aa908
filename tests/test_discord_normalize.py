"""Discord MESSAGE_CREATE gateway JSON -> Message, cross-checked against discord.py's own model.

Every payload goes through discord.py's ConnectionState exactly as the gateway hands it over
(``state.parsers["MESSAGE_CREATE"]``) and through :class:`DiscordNormalizer`; the two readings
must agree field by field (ids, names, display names, bot flag, mentions, reply, time, the
member's base permissions and the role they give).
"""

from __future__ import annotations

import copy
from typing import Any

import discord
import pytest

from bot.adapters.discord_normalize import (
    DiscordNormalizer,
    MalformedPayload,
    snowflake_ms,
)
from bot.message import MessageKind, Platform, Role
from bot.roles import DISCORD_ADMINISTRATOR, DISCORD_MANAGE_MESSAGES, role_from_discord

GUILD = "1150000000000000001"
BOT = "1150000000000000002"
GENERAL = "1150000000000000010"
THREAD = "1150000000000000011"
DM = "1150000000000000020"
OWNER = "1150000000000000100"
ADMIN = "1150000000000000101"
MOD = "1150000000000000102"
HELPER = "1150000000000000103"
ALICE = "1150000000000000104"
WEBHOOK = "1150000000000000200"
ROLE_ADMIN = "1150000000000000300"
ROLE_MOD = "1150000000000000301"
ROLE_HELPER = "1150000000000000302"
ROLE_FAN = "1150000000000000303"
EVERYONE_PERMS = "1071698660929"  # view, send, history, reactions... as a new server has it
# A message id made at 2024-05-01T12:00:00.250Z (ids carry their creation time).
TS_MS = 1_714_564_800_250
MESSAGE_ID = str(((TS_MS - 1_420_070_400_000) << 22) | 7)


def user(user_id: str, username: str, global_name: str | None = None, **extra: Any) -> dict:
    return {
        "id": user_id,
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        "avatar_decoration_data": None,
        "clan": None,
        "public_flags": 0,
        **extra,
    }


def member(roles: list[str], nick: str | None = None) -> dict:
    return {
        "roles": roles,
        "premium_since": None,
        "pending": False,
        "nick": nick,
        "mute": False,
        "joined_at": "2023-02-01T10:00:00.000000+00:00",
        "flags": 0,
        "deaf": False,
        "communication_disabled_until": None,
        "banner": None,
        "avatar": None,
    }


def role(role_id: str, name: str, permissions: str, position: int) -> dict:
    return {
        "id": role_id,
        "name": name,
        "permissions": permissions,
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def channel(channel_id: str, name: str, position: int) -> dict:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": GUILD,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


GUILD_CREATE: dict[str, Any] = {
    "id": GUILD,
    "name": "Sanctum test server",
    "icon": None,
    "owner_id": OWNER,
    "afk_channel_id": None,
    "afk_timeout": 300,
    "verification_level": 1,
    "default_message_notifications": 1,
    "explicit_content_filter": 2,
    "features": ["COMMUNITY"],
    "mfa_level": 0,
    "system_channel_id": GENERAL,
    "system_channel_flags": 0,
    "rules_channel_id": None,
    "vanity_url_code": None,
    "description": None,
    "banner": None,
    "premium_tier": 0,
    "preferred_locale": "en-US",
    "public_updates_channel_id": None,
    "nsfw_level": 0,
    "premium_progress_bar_enabled": False,
    "large": False,
    "member_count": 42,
    "unavailable": False,
    "joined_at": "2023-01-01T00:00:00.000000+00:00",
    "roles": [
        role(GUILD, "@everyone", EVERYONE_PERMS, 0),
        role(ROLE_ADMIN, "Admin", str(DISCORD_ADMINISTRATOR), 4),
        role(ROLE_MOD, "Moderator", str(DISCORD_MANAGE_MESSAGES | 1 << 40), 3),
        role(ROLE_HELPER, "Helper", "0", 2),
        role(ROLE_FAN, "Fan", str(1 << 6), 1),  # add_reactions only
    ],
    "emojis": [],
    "stickers": [],
    "voice_states": [],
    "presences": [],
    "stage_instances": [],
    "guild_scheduled_events": [],
    "soundboard_sounds": [],
    "members": [{"user": user(BOT, "sanctum", bot=True), **member([])}],
    "channels": [channel(GENERAL, "general", 0)],
    "threads": [
        {
            "id": THREAD,
            "type": 11,
            "guild_id": GUILD,
            "parent_id": GENERAL,
            "owner_id": ALICE,
            "name": "luna fan club",
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 3,
            "member_count": 2,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": "2024-05-01T11:00:00.000000+00:00",
                "locked": False,
                "create_timestamp": "2024-05-01T11:00:00.000000+00:00",
            },
            "total_message_sent": 3,
        }
    ],
}


def message_create(
    author: dict,
    content: str,
    *,
    message_id: str = MESSAGE_ID,
    channel_id: str = GENERAL,
    roles: list[str] | None = None,
    nick: str | None = None,
    mentions: list[dict] | None = None,
    guild: bool = True,
    **extra: Any,
) -> dict:
    """A MESSAGE_CREATE ``d`` as the gateway sends it in a guild (or a DM, guild=False)."""
    data: dict[str, Any] = {
        "type": 0,
        "tts": False,
        "timestamp": "2024-05-01T12:00:00.250000+00:00",
        "pinned": False,
        "nonce": "1234567890123456789",
        "mentions": mentions or [],
        "mention_roles": [],
        "mention_everyone": False,
        "id": message_id,
        "flags": 0,
        "embeds": [],
        "edited_timestamp": None,
        "content": content,
        "components": [],
        "channel_id": channel_id,
        "author": author,
        "attachments": [],
    }
    if guild:
        data["guild_id"] = GUILD
        data["channel_type"] = 0 if channel_id == GENERAL else 11
        data["member"] = member(roles or [], nick)
    else:
        data["channel_type"] = 1
    data.update(extra)
    return data


def mention(user_id: str, username: str, bot: bool = False) -> dict:
    """A ``mentions`` entry: the user with its partial member, as the gateway sends it."""
    entry = user(user_id, username, **({"bot": True} if bot else {}))
    entry["member"] = member([])
    return entry


@pytest.fixture
async def dpy_state():
    """discord.py's ConnectionState with the guild loaded, as after a GUILD_CREATE."""
    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents)
    state = client._connection
    state.user = discord.ClientUser(state=state, data=user(BOT, "sanctum", bot=True))
    state.parse_guild_create(copy.deepcopy(GUILD_CREATE))
    yield state
    await client.close()


def normalizer() -> DiscordNormalizer:
    norm = DiscordNormalizer(persona_of={BOT: "luna"}, moderator_role_ids=[int(ROLE_HELPER)])
    norm.add_guild(GUILD_CREATE)
    return norm


def dpy_message(state, data: dict) -> discord.Message:
    """The discord.Message the gateway path builds (parse_message_create keeps it cached)."""
    state.parsers["MESSAGE_CREATE"](copy.deepcopy(data))
    return state._messages[-1]


def assert_agree(norm: DiscordNormalizer, state, data: dict) -> None:
    ours = norm.message(data)
    theirs = dpy_message(state, data)
    assert ours is not None
    assert ours.id == str(theirs.id)
    assert ours.text == theirs.content
    assert ours.ts == pytest.approx(theirs.created_at.timestamp(), abs=1e-6)
    assert ours.room.platform is Platform.DISCORD
    assert ours.room.id == str(theirs.channel.id)
    assert ours.author.id == str(theirs.author.id)
    assert ours.author.name == theirs.author.name
    assert ours.author.display == theirs.author.display_name
    assert ours.author.is_bot == theirs.author.bot
    assert ours.mentions == tuple(str(u.id) for u in theirs.mentions)
    reference = theirs.reference
    assert ours.reply_to == (str(reference.message_id) if reference and ours.reply_to else None)
    if theirs.guild is None:
        assert ours.room.is_direct and ours.room.is_private
        assert ours.author.role is Role.EVERYONE
        return
    assert ours.room.name == theirs.channel.name
    assert ours.room.member_count == theirs.guild.member_count
    assert not ours.room.is_private
    if isinstance(theirs.author, discord.Member):
        role_ids = [r.id for r in theirs.author.roles if not r.is_default()]
        owner = theirs.guild.owner_id == theirs.author.id
        perms = theirs.author.guild_permissions
        if not perms.administrator:  # discord.py reports "all" for admins and owners
            assert norm.member_permissions(GUILD, role_ids) == perms.value
        assert ours.author.role == role_from_discord(owner, perms, role_ids, [ROLE_HELPER])
    else:  # a webhook: no member, no guild role
        assert ours.author.role is Role.EVERYONE


# -- cross-checked against discord.py ------------------------------------------------------


async def test_plain_guild_message(dpy_state) -> None:
    norm = normalizer()
    data = message_create(user(ALICE, "alice", "Alice A."), "hello there, anyone up?")
    assert_agree(norm, dpy_state, data)
    msg = norm.message(data)
    assert msg.room.name == "general" and msg.room.member_count == 42
    assert msg.author.display == "Alice A." and msg.author.role is Role.EVERYONE
    assert msg.ts == TS_MS / 1000 and snowflake_ms(msg.id) == TS_MS
    assert msg.kind is MessageKind.TEXT and msg.author.persona is None


async def test_nickname_wins_over_global_name(dpy_state) -> None:
    data = message_create(user(ALICE, "alice", "Alice A."), "hi", nick="ally")
    assert_agree(normalizer(), dpy_state, data)
    assert normalizer().message(data).author.display == "ally"


@pytest.mark.parametrize(
    ("author_id", "roles", "expected"),
    [
        (OWNER, [], Role.OWNER),
        (ADMIN, [ROLE_ADMIN], Role.ADMIN),
        (MOD, [ROLE_MOD, ROLE_FAN], Role.MODERATOR),
        (HELPER, [ROLE_HELPER], Role.MODERATOR),  # a configured moderator role id
        (ALICE, [ROLE_FAN], Role.EVERYONE),
    ],
)
async def test_roles_from_member_roles(dpy_state, author_id, roles, expected) -> None:
    data = message_create(user(author_id, f"u{author_id[-3:]}"), "!persona list", roles=roles)
    assert_agree(normalizer(), dpy_state, data)
    assert normalizer().message(data).author.role is expected


async def test_member_permissions_field_is_used_when_present(dpy_state) -> None:
    # Interaction payloads carry the member's permissions; they win over the role table.
    data = message_create(user(ALICE, "alice"), "hi")
    data["member"]["permissions"] = str(DISCORD_MANAGE_MESSAGES)
    assert normalizer().message(data).author.role is Role.MODERATOR


async def test_mentions_come_from_the_mentions_array(dpy_state) -> None:
    data = message_create(
        user(ALICE, "alice"),
        f"<@{BOT}> what do you think, <@{MOD}>?",
        mentions=[mention(BOT, "sanctum", bot=True), mention(MOD, "mod")],
    )
    assert_agree(normalizer(), dpy_state, data)
    assert normalizer().message(data).mentions == (BOT, MOD)


async def test_reply_carries_the_referenced_id(dpy_state) -> None:
    parent = str(int(MESSAGE_ID) - 4096)
    data = message_create(
        user(ALICE, "alice"),
        "agreed",
        type=19,
        message_reference={
            "type": 0,
            "message_id": parent,
            "channel_id": GENERAL,
            "guild_id": GUILD,
        },
        referenced_message=message_create(
            user(BOT, "sanctum", bot=True), "luna here", message_id=parent
        ),
    )
    assert_agree(normalizer(), dpy_state, data)
    assert normalizer().message(data).reply_to == parent


async def test_thread_message_names_the_thread(dpy_state) -> None:
    data = message_create(user(ALICE, "alice"), "in the thread", channel_id=THREAD)
    assert_agree(normalizer(), dpy_state, data)
    assert normalizer().message(data).room.name == "luna fan club"


async def test_direct_message(dpy_state) -> None:
    data = message_create(user(ALICE, "alice", "Alice"), "psst, luna", channel_id=DM, guild=False)
    assert_agree(normalizer(), dpy_state, data)
    msg = normalizer().message(data)
    assert msg.room.is_direct and msg.room.id == DM


async def test_other_bot_and_our_own_account(dpy_state) -> None:
    other = message_create(user("1150000000000000400", "nightbot", bot=True), "!uptime")
    assert_agree(normalizer(), dpy_state, other)
    assert normalizer().message(other).author.is_bot
    ours = message_create(user(BOT, "sanctum", bot=True), "pong")
    assert_agree(normalizer(), dpy_state, ours)
    assert normalizer().message(ours).author.persona == "luna"


async def test_webhook_message(dpy_state) -> None:
    data = message_create(
        user(WEBHOOK, "Luna", bot=True),
        "hello from the webhook",
        webhook_id=WEBHOOK,
        application_id="1150000000000000500",
    )
    del data["member"]  # webhook messages have no member
    assert_agree(normalizer(), dpy_state, data)
    msg = DiscordNormalizer(persona_of={WEBHOOK: "luna"}).message(data)
    assert msg.author.is_bot and msg.author.persona == "luna"


async def test_many_messages_agree(dpy_state) -> None:
    # One normalizer across many messages: its caches must never serve a stale author.
    norm = normalizer()
    base = int(MESSAGE_ID)
    for i in range(40):
        nick = None if i % 3 else f"nick{i % 5}"
        roles = [[], [ROLE_FAN], [ROLE_MOD]][i % 3]
        data = message_create(
            user([ALICE, MOD, HELPER][i % 3], f"name{i % 4}", f"Global {i % 2}"),
            f"line {i}",
            message_id=str(base + (i << 22)),
            nick=nick,
            roles=roles,
        )
        assert_agree(norm, dpy_state, data)


# -- guild state --------------------------------------------------------------------------


def test_role_and_channel_updates_apply_at_once() -> None:
    norm = normalizer()
    data = message_create(user(ALICE, "alice"), "hi", roles=[ROLE_FAN])
    assert norm.message(data).author.role is Role.EVERYONE
    norm.update_role(GUILD, role(ROLE_FAN, "Fan", str(DISCORD_MANAGE_MESSAGES), 1))
    assert norm.message(data).author.role is Role.MODERATOR
    norm.delete_role(GUILD, ROLE_FAN)
    assert norm.message(data).author.role is Role.EVERYONE
    norm.update_channel({"id": GENERAL, "guild_id": GUILD, "name": "lounge", "type": 0})
    assert norm.message(data).room.name == "lounge"
    norm.set_member_count(GUILD, 2)
    assert norm.message(data).room.member_count == 2


def test_unknown_guild_still_gives_a_message() -> None:
    msg = DiscordNormalizer().message(message_create(user(ALICE, "alice"), "hi"))
    assert msg.room.id == GENERAL and msg.room.name == "" and msg.author.role is Role.EVERYONE


# -- what is not a chat line, and bad input -----------------------------------------------


def test_system_lines_are_not_messages() -> None:
    join = message_create(user(ALICE, "alice"), "", type=7)  # "alice joined the server"
    pin = message_create(user(ALICE, "alice"), "", type=6)
    assert normalizer().message(join) is None
    assert normalizer().message(pin) is None


def test_official_system_author_is_a_notice() -> None:
    data = message_create(user("643945264868098049", "Discord", system=True), "welcome")
    msg = normalizer().message(data)
    assert msg.kind is MessageKind.NOTICE and msg.author.is_bot


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("author"),
        lambda d: d.pop("channel_id"),
        lambda d: d.update(id="not-a-snowflake"),
        lambda d: d.update(author="alice"),
        lambda d: d.update(mentions=[{"username": "no id"}]),
    ],
)
def test_malformed_payloads_fail_with_one_line(breakage) -> None:
    data = message_create(user(ALICE, "alice"), "hi")
    breakage(data)
    with pytest.raises(MalformedPayload) as caught:
        normalizer().message(data)
    assert "\n" not in str(caught.value) and "MESSAGE_CREATE" in str(caught.value)


def test_malformed_guild_is_refused() -> None:
    with pytest.raises(MalformedPayload):
        DiscordNormalizer().add_guild({"name": "no id"})
