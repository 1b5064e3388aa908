"""The contact check: a messenger account or a phone number, scored with what comes with it."""

from __future__ import annotations

import pytest

from bot.clock import VirtualClock
from bot.message import Message, Platform, Role, Room, User
from cogs.warden.contacts import contact_offer
from cogs.warden.engine import WardenEngine
from cogs.warden.ladder import Severity

ROOM = Room(Platform.TWITCH, "chan", "chan")


@pytest.mark.parametrize(
    "text",
    [
        "JUAL DIAMOND ML MURAH 1000 diamond cuma 50rb, langsung chat WA 0812-3456-7890",
        "兼职日结，手机操作，一单佣金50-300，加V：zhuanqian_8866",
        "LCK 티켓 양도합니다, 입금 먼저 해주시면 바로 보내드림 카톡 ticket_yangdo22",
        "Инвестиции с доходом 5% в день, пишите мне в телеграм @invest_garant_77",
        "Vendo conta com skins, preço bom, chama no zap 11 97654-3210",
        "cheap followers, whatsapp +44 7700 900123",
        "RTX 5090 ￥6999 清仓，联系微信 gpu_qingcang88",
    ],
)
def test_an_offer_with_a_contact_off_the_platform_is_removed(text: str) -> None:
    offer = contact_offer(text.lower())
    assert offer is not None and offer.score == 1.0, offer


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("add me on telegram @lily_sg_2026 😊", 0.6),  # an account alone: a flag
        ("哥哥可以加个微信交个朋友吗？wx: lily_sg_2026", 0.6),
        ("call the hotline 0800 111 0111 if you need help", 0.4),  # a number alone: a hint
    ],
)
def test_a_contact_alone_scores_less(text: str, score: float) -> None:
    offer = contact_offer(text.lower())
    assert offer is not None and offer.score == score, offer


@pytest.mark.parametrize(
    "text",
    [
        "my whatsapp is broken lol",
        "telegram is down again",
        "his telegram @durov posted about it",  # a plain name is talk about someone
        "tg 2024 was the best event",
        "qq 3 more games to go",
        "line 12 has a bug",
        "set TG_BOT_TOKEN in .env",
        "join at 20:30 on 2026-12-04",
        "v1.2 released 2026-12-04, build 1.2.3456789",
        "ISBN 978-0-13-468599-1",
        "the score was 2-1 in the 89th minute",
    ],
)
def test_ordinary_chat_has_no_contact_point(text: str) -> None:
    assert contact_offer(text.lower()) is None


def _assess(text: str, role: Role = Role.EVERYONE):  # type: ignore[no-untyped-def]
    engine = WardenEngine(VirtualClock(1000.0), model=None)
    author = User(Platform.TWITCH, "u1", "u1", "u1", role=role)
    return engine.assess(Message("1", ROOM, author, text, 1000.0))


def test_the_engine_removes_an_offer_and_names_the_contact() -> None:
    a = _assess("Pinjaman online cair 5 juta dalam 10 menit, hubungi WA 0812-3456-7890")
    assert a.severity is not Severity.NONE
    assert any(h.check == "contact" and "0812-3456-7890" in h.reason for h in a.hits)


def test_a_warning_that_quotes_the_number_is_not_a_contact_offer() -> None:
    a = _assess("careful, scam: that guy selling diamonds on WA 0812-3456-7890 is a fake")
    assert not any(h.check == "contact" for h in a.hits)


def test_vips_are_exempt_from_the_contact_check() -> None:
    a = _assess("selling my old gpu, whatsapp +44 7700 900123", role=Role.VIP)
    assert not any(h.check == "contact" for h in a.hits)
