"""Persona text passes the link and mention checks before it is sent."""

from __future__ import annotations

import pytest

from bot.clock import VirtualClock
from bot.message import Platform, Room
from cogs.warden.engine import WardenConfig, WardenEngine
from cogs.warden.links import DEFAULT_ALLOWLIST, DomainSet, LinkJudge, PhishingList
from cogs.warden.outbound import LINK_REMOVED, ZWSP, check_outbound

ROOM = Room(Platform.DISCORD, "g1/c1", "general")


@pytest.fixture
def judge() -> LinkJudge:
    return LinkJudge(DomainSet(DEFAULT_ALLOWLIST), PhishingList.load())


def test_clean_text_passes_untouched(judge: LinkJudge) -> None:
    result = check_outbound("Good evening! The vod is at https://www.twitch.tv/videos/1", judge)
    assert result.text == "Good evening! The vod is at https://www.twitch.tv/videos/1"
    assert not result.changed and not result.refused


@pytest.mark.parametrize(
    "text",
    [
        "Sure, claim it at dlscord.gift/abc",
        "here you go: grabify.link/x",
        "the site is steamcommunlty.com",
        "it is disc0rd-nitro.com",
        "go to yоutube.com/watch",  # Cyrillic о
    ],
)
def test_phishing_links_refuse_the_text(judge: LinkJudge, text: str) -> None:
    result = check_outbound(text, judge)
    assert result.refused and result.text == ""
    assert result.reasons[0].startswith("refused")


def test_other_links_are_cut_out(judge: LinkJudge) -> None:
    result = check_outbound("My favourite blog is myblog.net/post, and wikipedia.org too", judge)
    assert result.text == f"My favourite blog is {LINK_REMOVED}, and wikipedia.org too"
    assert result.reasons == ("removed link to myblog.net",)


def test_disguised_links_refuse(judge: LinkJudge) -> None:
    assert check_outbound("try myblog dot net", judge).refused


def test_room_pings_are_neutralized(judge: LinkJudge) -> None:
    result = check_outbound("@everyone and @here and @room, hello! <@&42>", judge)
    assert "@everyone" not in result.text and f"@{ZWSP}everyone" in result.text
    assert f"@{ZWSP}here" in result.text and f"@{ZWSP}room" in result.text
    assert "<@&42>" not in result.text
    assert not result.refused


def test_mass_mentions_are_neutralized_but_a_few_are_kept(judge: LinkJudge) -> None:
    few = check_outbound("thanks @ann and @bob", judge)
    assert few.text == "thanks @ann and @bob"
    many = check_outbound(" ".join(f"<@{i}>" for i in range(8)), judge)
    assert "<@" not in many.text
    assert any("mentions" in r for r in many.reasons)


def test_engine_outbound_uses_the_room_allowlist() -> None:
    engine = WardenEngine(VirtualClock(0.0))
    engine.configure(ROOM, WardenConfig(allow_domains=("myblog.net",)))
    assert not engine.outbound(ROOM, "see myblog.net/post").changed
    assert engine.outbound("discord:other", "see myblog.net/post").changed
