"""Each Warden rule check on its own, through the real engine on virtual time (without the text
model, which has its own tests in test_warden_model.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import VirtualClock
from bot.message import Message, Platform, Role, Room, User
from cogs.warden.checks import ALWAYS
from cogs.warden.engine import Assessment, RoomRules, WardenConfig, WardenEngine
from cogs.warden.evaluate import load
from cogs.warden.ladder import Severity

DEV = Path(__file__).resolve().parent.parent / "cogs" / "warden" / "data" / "dev.jsonl"
ROOM = Room(Platform.TWITCH, "chan", "chan")


class Chat:
    """One room, many users, time that moves only when told."""

    def __init__(self, config: WardenConfig | None = None) -> None:
        self.clock = VirtualClock(1000.0)
        self.engine = WardenEngine(self.clock, default=config, model=None)
        self.n = 0

    def say(
        self,
        text: str,
        user: str = "ann",
        role: Role = Role.EVERYONE,
        after: float = 5.0,
        mentions: tuple[str, ...] = (),
    ) -> Assessment:
        self.clock.advance(after)
        self.n += 1
        author = User(Platform.TWITCH, user, user, user, role=role)
        msg = Message(str(self.n), ROOM, author, text, self.clock.now(), mentions=mentions)
        return self.engine.assess(msg)


def hits(a: Assessment) -> dict[str, float]:
    return {h.check: h.score for h in a.hits}


@pytest.fixture
def chat() -> Chat:
    return Chat()


# --- links and phishing --------------------------------------------------------------------


def test_a_plain_link_is_fine_in_normal_mode_and_removed_in_strict() -> None:
    chat = Chat()
    a = chat.say("check out myblog.net")
    assert hits(a) == {"links": 0.3}
    assert a.severity is Severity.NONE
    strict = Chat(WardenConfig(mode="strict"))
    a = strict.say("check out myblog.net")
    assert hits(a) == {"links": 1.0}
    assert a.severity is Severity.MEDIUM


def test_allowlisted_link_passes(chat: Chat) -> None:
    assert chat.say("the vod https://www.youtube.com/watch?v=abc").hits == ()
    assert chat.say("clip: clips.twitch.tv/Abc").hits == ()


def test_disguised_and_shortened_links_score_more(chat: Chat) -> None:
    assert hits(chat.say("go to myblog dot net"))["links"] == 1.0
    assert hits(chat.say("see bit.ly/3abc"))["links"] == 0.8
    strict = Chat(WardenConfig(mode="strict"))
    assert hits(strict.say("go to myblog dot net"))["links"] == 1.5
    assert hits(strict.say("see bit.ly/3abc"))["links"] == 1.3


def test_phishing_and_typosquats_are_severe(chat: Chat) -> None:
    a = chat.say("free gift dlscord.gift/abc")
    assert hits(a)["phishing"] == 3.0
    assert a.severity is Severity.HIGH
    assert "phishing" in hits(chat.say("grabify.link/xyz", user="bob"))


def test_lookalike_domain_of_an_allowlisted_site_is_phishing(chat: Chat) -> None:
    a = chat.say("watch this yоutube.com/watch?v=1")  # Cyrillic о
    assert hits(a)["phishing"] == 3.0


def test_permit_allows_links_but_not_phishing(chat: Chat) -> None:
    chat.engine.permit(ROOM, "ann", 60)
    assert chat.say("my art: cutedoodles.store").hits == ()
    assert not chat.say("my art shop: cutedoodles.store").flagged  # promotion, with a permit
    assert "phishing" in hits(chat.say("steamcommunlty.com/tradeoffer"))


# --- shape of the text ---------------------------------------------------------------------


def test_caps(chat: Chat) -> None:
    assert chat.say("WHAT A PLAY").hits == ()
    a = chat.say("WHY IS NOBODY LISTENING TO ME IN THIS CHAT I HAVE BEEN TELLING YOU TO GO LEFT")
    assert "caps" in hits(a) and a.severity >= Severity.LOW
    # Emote names are not shouting.
    assert "caps" not in hits(chat.say("OMEGALUL OMEGALUL OMEGALUL KEKW KEKW POGGERS", user="cy"))


def test_symbols(chat: Chat) -> None:
    assert chat.say("??").hits == ()
    assert hits(chat.say("!" * 60))["symbols"] == 1.0
    braille = "⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿⣿ ⣿⣿⣿⣿⠿⠛⠉⠉⠛⠿⣿⣿⣿⣿⣿⣿ ⣿⣿⡟⠁⠀⠀⠀⠀⠀⠈⢻⣿⣿⣿⣿"
    assert "symbols" in hits(chat.say(braille, user="bob"))


def test_emote_and_emoji_walls(chat: Chat) -> None:
    assert chat.say("KEKW KEKW KEKW").hits == ()
    assert "emotes" in hits(chat.say(" ".join(["KEKW"] * 18), user="b1"))
    assert "emotes" in hits(chat.say("😂" * 25, user="b2"))
    assert "emotes" in hits(chat.say(" ".join(["spam"] * 15), user="b3"))
    assert chat.say("🔥🔥🔥 lets go", user="b4").hits == ()


def test_emote_wall_across_lines(chat: Chat) -> None:
    assert "emotes" in hits(chat.say("\n".join(["LUL"] * 15)))


def test_repeated_characters(chat: Chat) -> None:
    assert chat.say("NOOOOOOOOOOOOOOO").hits == ()
    assert hits(chat.say("a" * 70, user="b"))["repeated"] == 1.0
    assert "repeated" in hits(chat.say("lo" * 20, user="c"))


def test_very_long_messages(chat: Chat) -> None:
    assert hits(chat.say("word " * 150))["length"] == 0.6
    assert hits(chat.say("word " * 300, user="b"))["length"] == 1.0


def test_mentions(chat: Chat) -> None:
    assert chat.say("@bob gg").hits == ()
    assert hits(chat.say("@everyone look", user="b"))["mentions"] == 0.7
    assert hits(chat.say("@here", user="c"))["mentions"] == 0.7
    many = " ".join(f"@user{i}" for i in range(7))
    assert hits(chat.say(many, user="d"))["mentions"] >= 1.0
    ids = tuple(str(i) for i in range(8))
    assert "mentions" in hits(chat.say("hey", user="e", mentions=ids))
    assert "mentions" in hits(chat.say("<@&12345> wake up", user="f"))  # a Discord role ping


def test_a_room_wide_name_talked_about_is_not_a_mass_ping(chat: Chat) -> None:
    assert chat.say("is there a way to stop notifications from @room pings in element?").hits == ()
    assert chat.say("mods disabled @everyone for us, thankfully", user="b").hits == ()
    assert chat.say("don't type `@here` in the help channel", user="c").hits == ()
    assert hits(chat.say("@everyone free nitro giveaway", user="d"))["mentions"] == 0.7
    assert hits(chat.say("hey @room, stream starts now", user="e"))["mentions"] == 0.7


def test_at_signs_in_urls_and_emails_are_not_mentions(chat: Chat) -> None:
    assert chat.say("the channel is https://www.youtube.com/@channel/videos").hits == ()
    assert chat.say("write to team@here.org", user="b").hits == ()


# --- per-user memory -----------------------------------------------------------------------


def test_repetition(chat: Chat) -> None:
    # The first three are chat; the fourth within 60 s is spam.
    assert "repetition" not in hits(chat.say("follow me back pls"))
    assert "repetition" not in hits(chat.say("follow me back pls"))
    assert "repetition" not in hits(chat.say("follow me back pls"))
    a = chat.say("follow me back pls!!")
    assert "repetition" in hits(a)
    # Others saying the same line are not repeating themselves.
    assert "repetition" not in hits(chat.say("follow me back pls", user="bob"))


def test_near_duplicates_count_as_repetition(chat: Chat) -> None:
    chat.say("you are so bad at this game")
    chat.say("you are bad at this game lol")
    assert "repetition" not in hits(chat.say("you are so so bad at this game"))
    assert "repetition" in hits(chat.say("you are really bad at this game"))


def test_repetition_forgets_after_the_window(chat: Chat) -> None:
    chat.say("anyone wanna play with me?")
    chat.say("anyone wanna play with me?", after=40)
    assert "repetition" not in hits(chat.say("anyone wanna play with me?", after=40))


def test_short_lines_repeat_only_when_exactly_the_same(chat: Chat) -> None:
    # The convention (REVIEW.md) counts the same line whatever its length: the fourth "lol"
    # within a minute is one too many. Short lines are never near duplicates of each other.
    assert [chat.say("lol", after=12).flagged for _ in range(4)] == [False] * 3 + [True]
    for text in ("gg", "ez", "wp", "gj", "ty"):
        assert chat.say(text, user="mia", after=5).hits == ()


def test_flood(chat: Chat) -> None:
    # Seven messages in 10 s are chat; the eighth is a flood.
    results = [chat.say(f"msg {word}", after=1.0) for word in "abcdefghij"]
    assert [("flood" in hits(a)) for a in results] == [False] * 7 + [True] * 3


def test_no_flood_when_spread_out(chat: Chat) -> None:
    for word in "abcdefghij":
        assert "flood" not in hits(chat.say(f"msg {word}", after=3.0))


# --- words and letters ---------------------------------------------------------------------


def test_blocklist_terms_see_through_disguises() -> None:
    chat = Chat(WardenConfig(block_terms=("badword", "free robux")))
    assert "blocklist" in hits(chat.say("B4DW0RD lol"))
    assert "blocklist" in hits(chat.say("b a d w o r d", user="b"))
    assert "blocklist" in hits(chat.say("get FREE ROBUX now", user="c"))
    assert chat.say("a good word", user="d").hits == ()


def test_blocklist_regex() -> None:
    chat = Chat(WardenConfig(block_patterns=(r"gr[a4]pe\s*juice",)))
    assert hits(chat.say("I love GR4PE juice"))["blocklist"] == 1.0
    assert chat.say("grapes are fine", user="b").hits == ()


def test_zalgo(chat: Chat) -> None:
    assert "zalgo" in hits(chat.say("h̸̛̛̞̟͚̤̯̣̭̖̋̀̓̆́͑͊̎̀̚͝͝é̷̢̧̱̙̲̼̼̥̦̈́̔͌͘ ̶̧̢̘̮̗̙̭̈́͐̀́͋͋̓̌̕c̸̨̛̹̭̫̻̏̈́̓̾͊͗̕͝o̷̢̰̰̹̟̟̜̾̈́͑͆͑̓̕m̴̧̛̛̼̹̗͕̱̑͗̔̍̇́̽e̵̡̗̠̞̘̠͛̀͛̀̚͝s̷̢̛̛̘̜͍̲̦̭̓̐̈́̀"))
    assert chat.say("Tiếng Việt rất hay", user="b").hits == ()


def test_lookalikes(chat: Chat) -> None:
    assert "lookalike" in hits(chat.say("frее nitrо for evеryone"))
    assert chat.say("Привет всем, как дела?", user="b").hits == ()
    assert chat.say("Γεια σας παιδιά", user="c").hits == ()
    assert chat.say("こんばんは！今日も楽しみ", user="d").hits == ()
    assert chat.say("مرحبا بالجميع", user="e").hits == ()


# --- scams -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "cheap primes for sale, 1$ each, message me",
        "buy real viewers and followers, instant delivery, dm me",
        "I accidentally bought two nitro gifts, first to claim gets one",
        "Discord Staff: your account has been reported. Verify now or it will be disabled",
        "Hi, we are a brand looking for streamers to partner with, we pay $300, dm me",
        "Send 0.1 BTC and receive 0.2 BTC back instantly",
        "dm me to learn how I earn $500 daily",
        "scan the QR code to verify you are human",
        "Hey, I accidentally reported your account, contact the admin to fix it",
        "send me the 6 digit code you got to verify",
    ],
)
def test_scam_shapes_without_links(chat: Chat, text: str) -> None:
    a = chat.say(text)
    assert "scam" in hits(a), a
    assert a.severity >= Severity.LOW


@pytest.mark.parametrize(
    "text",
    [
        "is nitro worth it?",
        "never click free nitro links guys",
        "twitch support never answered me",
        "how do you get more followers as a small streamer?",
        "I earn like 15 bucks an hour at my job lol",
        "claim the daily reward in game",
        "did you verify your email for the newsletter?",
        "bitcoin went up 10% today",
        "dm me later if you want to duo",
    ],
)
def test_scam_topics_in_ordinary_chat_are_not_flagged(chat: Chat, text: str) -> None:
    assert chat.say(text).severity is Severity.NONE


def test_scam_with_link_is_severe(chat: Chat) -> None:
    a = chat.say("free nitro for everyone, claim it here: discord-nitro-claim.com")
    assert a.severity is Severity.HIGH
    assert {"scam", "phishing", "links"} <= set(hits(a))


# --- gating never changes the result -------------------------------------------------------


def test_gates_never_hide_a_hit() -> None:
    """Running every check on every message gives exactly the gated result (dev set)."""
    gated, full = Chat(), Chat()
    original = RoomRules.text_gates

    def everything(self: RoomRules, view: object) -> int:
        return ALWAYS

    try:
        for i, ex in enumerate(load(DEV)):
            who = ex.author or f"anon{i}"
            RoomRules.text_gates = original  # type: ignore[method-assign]
            a = gated.say(ex.text, user=who, role=ex.role, after=1.0)
            RoomRules.text_gates = everything  # type: ignore[method-assign]
            b = full.say(ex.text, user=who, role=ex.role, after=1.0)
            assert a.hits == b.hits, ex.text
            assert not b.skipped, ex.text
    finally:
        RoomRules.text_gates = original  # type: ignore[method-assign]


@pytest.mark.parametrize(
    "text",
    [
        "HELLO chat 123",
        "gg wp 👏 ABC",
        "Привет ВСЕМ 2024",
        "ＦＲＥＥ ＮＩＴＲＯ ５",
        "ǅemal Ⅻ ²³ ١٢٣ x",
    ],
)
def test_view_counts_match_str_methods(text: str) -> None:
    # The caps check and the model count the ASCII part in C: the same figures as counting
    # every character with str.isupper/islower/isdigit (titlecase, Roman numerals, other digits).
    from cogs.warden.checks import View

    expected = (
        sum(map(str.isupper, text)),
        sum(map(str.islower, text)),
        sum(map(str.isdigit, text)),
    )
    assert View(text).counts() == expected


def test_lexicon_unspaced_entries_found_anywhere() -> None:
    # Entries of scripts written without spaces are looked for at every place they may start.
    from cogs.warden.lexicon import LEXICON

    for first, entries in list(LEXICON._substrings.items())[:40]:
        for entry, bit in entries:
            for text in (entry, f"今日は{entry}", f"ok {entry}ね"):
                assert LEXICON.concepts(text.split(), text, False) & bit, (first, entry)


def test_a_room_wide_name_in_a_setting_is_not_a_mass_ping(chat: Chat) -> None:
    assert chat.say("@room is restricted now, only mods can use it").hits == ()
    assert chat.say("what power level is needed for @room in this space?", user="b").hits == ()
