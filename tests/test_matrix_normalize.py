"""Matrix event JSON -> Message, through matrix-nio's own parser and room model."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nio import BadEvent, Event, MatrixRoom, RoomSummary

from bot.adapters.matrix_format import message_content, msgtype_for, render_markdown
from bot.adapters.matrix_normalize import (
    Accounts,
    MalformedEvent,
    normalize,
    parse_event,
    pills,
    room_from,
    strip_reply_fallback,
)
from bot.message import MessageKind, Platform, Role

ROOM = "!lobby:sanctum.test"
ALICE = "@alice:sanctum.test"
BOB = "@bob:sanctum.test"
BOT = "@luna:sanctum.test"
NOVA = "@nova:sanctum.test"
TS = 1_700_000_000_000


def event(content: dict, sender: str = ALICE, event_id: str = "$e1", **extra) -> dict:
    return {
        "type": "m.room.message",
        "event_id": event_id,
        "sender": sender,
        "origin_server_ts": TS,
        "room_id": ROOM,
        "content": content,
        "unsigned": {"age": 12},
        **extra,
    }


def member(user_id: str, name: str | None = None, membership: str = "join") -> dict:
    content = {"membership": membership}
    if name:
        content["displayname"] = name
    return {
        "type": "m.room.member",
        "event_id": f"$m-{user_id}",
        "sender": user_id,
        "state_key": user_id,
        "origin_server_ts": TS,
        "content": content,
    }


def power_levels(users: dict[str, int]) -> dict:
    return {
        "type": "m.room.power_levels",
        "event_id": "$pl",
        "sender": ALICE,
        "state_key": "",
        "origin_server_ts": TS,
        "content": {
            "ban": 50,
            "invite": 0,
            "kick": 50,
            "redact": 50,
            "state_default": 50,
            "events_default": 0,
            "users_default": 0,
            "notifications": {"room": 50},
            "users": users,
            "events": {},
        },
    }


@pytest.fixture
def mroom() -> MatrixRoom:
    room = MatrixRoom(ROOM, BOT)
    name = {
        "type": "m.room.name",
        "event_id": "$n",
        "sender": ALICE,
        "state_key": "",
        "origin_server_ts": TS,
        "content": {"name": "Lobby"},
    }
    room.handle_event(Event.parse_event(name))
    room.handle_event(Event.parse_event(power_levels({ALICE: 100, BOB: 50})))
    for user_id, name in ((ALICE, "Alice"), (BOB, "Bob"), (BOT, "Luna"), (NOVA, "Nova")):
        room.handle_membership(Event.parse_event(member(user_id, name)))
    return room


ACCOUNTS = Accounts(
    bot_users=frozenset({BOT, NOVA}),
    persona_of={BOT: "luna", NOVA: "nova"},
    names={BOT: "Luna", NOVA: "Nova"},
)


def norm(raw: dict, mroom: MatrixRoom):
    return normalize(parse_event(raw), mroom, ACCOUNTS)


def test_text_message_with_mentions_roles_and_names(mroom: MatrixRoom) -> None:
    raw = event({"msgtype": "m.text", "body": "hey there", "m.mentions": {"user_ids": [BOT]}})
    msg = norm(raw, mroom)
    assert msg is not None
    assert msg.id == "$e1"
    assert msg.text == "hey there"
    assert msg.ts == TS / 1000
    assert msg.kind is MessageKind.TEXT
    assert msg.mentions == (BOT,)
    assert msg.room.platform is Platform.MATRIX
    assert msg.room.id == ROOM and msg.room.name == "Lobby"
    assert msg.room.member_count == 4 and not msg.room.is_private
    assert msg.author.id == ALICE and msg.author.display == "Alice" and msg.author.name == "alice"
    assert msg.author.role is Role.OWNER
    assert msg.author.is_human


def test_moderator_power_level_maps_to_role(mroom: MatrixRoom) -> None:
    msg = norm(event({"msgtype": "m.text", "body": "hi"}, sender=BOB), mroom)
    assert msg is not None and msg.author.role is Role.MODERATOR


@pytest.mark.parametrize(
    ("msgtype", "kind"),
    [
        ("m.text", MessageKind.TEXT),
        ("m.notice", MessageKind.NOTICE),
        ("m.emote", MessageKind.EMOTE),
    ],
)
def test_msgtypes(mroom: MatrixRoom, msgtype: str, kind: MessageKind) -> None:
    msg = norm(event({"msgtype": msgtype, "body": "waves"}), mroom)
    assert msg is not None and msg.kind is kind


def test_persona_author_is_a_bot_with_its_persona(mroom: MatrixRoom) -> None:
    msg = norm(event({"msgtype": "m.notice", "body": "hello"}, sender=NOVA), mroom)
    assert msg is not None
    assert msg.author.persona == "nova" and msg.author.is_bot and not msg.author.is_human
    assert msg.author.display == "Nova"


def test_edit_carries_new_content_and_target(mroom: MatrixRoom) -> None:
    raw = event(
        {
            "msgtype": "m.text",
            "body": "* fixed text",
            "m.new_content": {
                "msgtype": "m.text",
                "body": "fixed text @luna:sanctum.test",
                "m.mentions": {"user_ids": [NOVA]},
            },
            "m.relates_to": {"rel_type": "m.replace", "event_id": "$orig"},
        },
        event_id="$edit",
    )
    msg = norm(raw, mroom)
    assert msg is not None
    assert msg.id == "$edit" and msg.edit_of == "$orig"
    assert msg.text == "fixed text @luna:sanctum.test"
    assert set(msg.mentions) == {NOVA, BOT}


def test_edit_without_new_content_is_malformed(mroom: MatrixRoom) -> None:
    raw = event(
        {
            "msgtype": "m.text",
            "body": "* x",
            "m.relates_to": {"rel_type": "m.replace", "event_id": "$orig"},
        }
    )
    with pytest.raises(MalformedEvent):
        norm(raw, mroom)


def test_reply_fallback_is_stripped(mroom: MatrixRoom) -> None:
    raw = event(
        {
            "msgtype": "m.text",
            "body": "> <@luna:sanctum.test> earlier words\n> second line\n\nmy answer",
            "format": "org.matrix.custom.html",
            "formatted_body": "<mx-reply><blockquote>earlier</blockquote></mx-reply>my answer",
            "m.relates_to": {"m.in_reply_to": {"event_id": "$parent"}},
        }
    )
    msg = norm(raw, mroom)
    assert msg is not None
    assert msg.reply_to == "$parent"
    assert msg.text == "my answer"


def test_quote_without_reply_is_kept(mroom: MatrixRoom) -> None:
    msg = norm(event({"msgtype": "m.text", "body": "> a quote\n\nmine"}), mroom)
    assert msg is not None and msg.text == "> a quote\n\nmine" and msg.reply_to is None


def test_pills_become_mentions(mroom: MatrixRoom) -> None:
    raw = event(
        {
            "msgtype": "m.text",
            "body": "Nova: and you",
            "format": "org.matrix.custom.html",
            "formatted_body": '<a href="https://matrix.to/#/%40nova%3Asanctum.test">Nova</a>: and '
            '<a href="https://matrix.to/#/@bob:sanctum.test?via=x">Bob</a>',
        }
    )
    msg = norm(raw, mroom)
    assert msg is not None
    assert msg.mentions[:2] == (NOVA, BOB)


def test_display_name_mentions_only_our_accounts_and_whole_words(mroom: MatrixRoom) -> None:
    msg = norm(event({"msgtype": "m.text", "body": "luna, what about Bob? lunatic"}), mroom)
    assert msg is not None and msg.mentions == (BOT,)
    msg = norm(event({"msgtype": "m.text", "body": "a lunatic novalike"}), mroom)
    assert msg is not None and msg.mentions == ()


def test_the_author_never_mentions_itself(mroom: MatrixRoom) -> None:
    raw = event(
        {"msgtype": "m.notice", "body": "I am Nova", "m.mentions": {"user_ids": [NOVA]}},
        sender=NOVA,
    )
    msg = norm(raw, mroom)
    assert msg is not None and msg.mentions == ()


def test_non_text_and_non_message_events_are_ignored(mroom: MatrixRoom) -> None:
    image = event({"msgtype": "m.image", "body": "cat.png", "url": "mxc://x/y"})
    assert norm(image, mroom) is None
    assert normalize(Event.parse_event(member(BOB, "Bobby")), mroom, ACCOUNTS) is None


def test_a_body_of_the_wrong_type_is_a_bad_event_and_skipped(mroom: MatrixRoom) -> None:
    parsed = parse_event(event({"msgtype": "m.text", "body": 42}))
    assert isinstance(parsed, BadEvent)
    assert normalize(parsed, mroom, ACCOUNTS) is None


def test_member_count_comes_from_the_summary_in_a_huge_room(mroom: MatrixRoom) -> None:
    mroom.update_summary(RoomSummary(invited_member_count=3, joined_member_count=5000))
    room = room_from(mroom, personas=("luna",))
    assert room.member_count == 5000 and not room.is_private
    assert room.personas == ("luna",)


def test_an_unnamed_room_is_named_by_its_members_only_when_that_is_cheap() -> None:
    small = MatrixRoom("!small:sanctum.test", BOT)
    for user_id, name in ((ALICE, "Alice"), (BOB, "Bob"), (BOT, "Luna")):
        small.add_member(user_id, name, None)
    assert room_from(small).name == "Alice and Bob"
    big = MatrixRoom("!big:sanctum.test", BOT)
    for i in range(60):
        big.add_member(f"@u{i}:sanctum.test", f"User {i}", None)
    assert room_from(big).name == "!big:sanctum.test"  # no summary: never sort 60 members
    assert room_from(big).member_count == 60
    big.update_summary(RoomSummary(invited_member_count=0, joined_member_count=60,
                                   heroes=["@u1:sanctum.test"]))  # fmt: skip
    assert room_from(big).name == "User 1 and 58 others"


def test_direct_rooms_and_two_member_rooms_are_private() -> None:
    dm = MatrixRoom("!dm:sanctum.test", BOT)
    dm.update_summary(RoomSummary(invited_member_count=0, joined_member_count=2, heroes=[ALICE]))
    assert room_from(dm).is_private
    assert not room_from(dm).is_direct
    big = MatrixRoom("!big:sanctum.test", BOT)
    big.update_summary(RoomSummary(invited_member_count=0, joined_member_count=3))
    assert not room_from(big).is_private
    assert room_from(big, is_direct=True).is_private


def test_strip_reply_fallback_cases() -> None:
    assert strip_reply_fallback("> <@a:b> x\n\nanswer") == "answer"
    assert strip_reply_fallback("plain") == "plain"
    assert strip_reply_fallback("> only quote") == ""


def test_pills_ignores_broken_html_and_other_links() -> None:
    assert pills('<a href="https://example.org/#/@x:y">x</a>') == []
    assert pills('<a href="https://matrix.to/#/#room:hs">room</a>') == []
    assert pills("<a href='https://matrix.to/#/@x:y.org'") in ([], ["@x:y.org"])


@settings(max_examples=150, deadline=None)
@given(
    content=st.dictionaries(
        st.sampled_from(["msgtype", "body", "m.relates_to", "m.new_content", "m.mentions"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["event_id", "rel_type", "m.in_reply_to", "body", "user_ids"]),
                    inner,
                    max_size=3,
                )
            ),
            max_leaves=8,
        ),
    )
)
def test_any_content_gives_a_message_none_or_malformed(content: dict) -> None:
    room = MatrixRoom(ROOM, BOT)
    try:
        result = normalize(parse_event(event(content)), room, ACCOUNTS)
    except MalformedEvent:
        return
    assert result is None or isinstance(result.text, str)


# -- outgoing content ------------------------------------------------------------------------


def test_markdown_becomes_formatted_body_and_html_is_escaped() -> None:
    content = message_content("**bold** <script>x</script>", msgtype="m.notice")
    assert content["msgtype"] == "m.notice"
    assert content["format"] == "org.matrix.custom.html"
    assert "<strong>bold</strong>" in content["formatted_body"]
    assert "<script>" not in content["formatted_body"]
    assert "&lt;script&gt;" in content["formatted_body"]
    assert content["m.mentions"] == {"user_ids": []}


def test_plain_text_has_no_formatted_body() -> None:
    assert render_markdown("just words & more") is None
    content = message_content("just words")
    assert "formatted_body" not in content and content["body"] == "just words"


def test_replies_are_threaded_and_mention_the_author() -> None:
    content = message_content("yes", msgtype="m.text", reply_to="$p", mention_ids=[ALICE])
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$p"}}
    assert content["m.mentions"] == {"user_ids": [ALICE]}


def test_room_pings_are_defused() -> None:
    content = message_content("hey @room look")
    assert "@room" not in content["body"]
    assert content["m.mentions"] == {"user_ids": []}


def test_msgtype_follows_kind_and_setting() -> None:
    assert msgtype_for(MessageKind.TEXT, "m.notice") == "m.notice"
    assert msgtype_for(MessageKind.TEXT, "m.text") == "m.text"
    assert msgtype_for(MessageKind.EMOTE, "m.notice") == "m.emote"
    assert msgtype_for(MessageKind.NOTICE, "m.text") == "m.notice"
