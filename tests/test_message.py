from dataclasses import FrozenInstanceError

import pytest

from bot.message import Message, MessageKind, Outgoing, Platform, Role, Room, User


def test_models_are_frozen_and_slotted():
    room = Room(Platform.LOCAL, "lobby", "lobby", False, 3)
    user = User(Platform.LOCAL, "ann", "ann")
    message = Message("1", room, user, "hi", 1.0)
    out = Outgoing(room, "hello", persona="luna")
    for obj in (room, user, message, out):
        assert not hasattr(obj, "__dict__")
    with pytest.raises(FrozenInstanceError):
        message.text = "changed"  # type: ignore[misc]
    assert message.with_text("new").text == "new" and message.text == "hi"


def test_room_identity_ignores_known_personas():
    a = Room(Platform.MATRIX, "!r:hs", personas=("luna",))
    b = Room(Platform.MATRIX, "!r:hs")
    assert a == b and hash(a) == hash(b)
    assert a.key == "matrix:!r:hs"


def test_private_rooms():
    assert Room(Platform.LOCAL, "d", is_direct=True).is_private
    assert Room(Platform.LOCAL, "g", member_count=2).is_private
    assert not Room(Platform.LOCAL, "g", member_count=3).is_private


def test_role_ladder_matches_matrix_power_levels():
    assert [r.value for r in Role] == [0, 10, 20, 30, 50, 90, 100]
    assert Role.from_level(75) is Role.MODERATOR
    assert Role.from_level(100) is Role.OWNER
    assert Role.from_level(-5) is Role.EVERYONE
    assert Role.parse("Moderator") is Role.MODERATOR
    assert Role.parse("50") is Role.MODERATOR
    with pytest.raises(ValueError, match="unknown role"):
        Role.parse("wizard")


def test_user_is_human_only_without_bot_or_persona():
    assert User(Platform.TWITCH, "1", "ann").is_human
    assert not User(Platform.TWITCH, "2", "nb", is_bot=True).is_human
    assert not User(Platform.LOCAL, "luna", persona="luna").is_human
    assert MessageKind("notice") is MessageKind.NOTICE
