"""WardenEngine: configuration, roles and exemptions, verdicts, safety, bounded memory."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from bot.adapters.base import ModerationKind
from bot.clock import VirtualClock
from bot.message import Message, Platform, Role, Room, User
from cogs.warden.checks import ALL_CHECKS, Check, Ctx, Hit
from cogs.warden.engine import Judgement, Mode, WardenConfig, WardenEngine
from cogs.warden.ladder import Action, Severity
from cogs.warden.patterns import PatternError

ROOM = Room(Platform.TWITCH, "chan", "chan")
LINK = "check out myblog dot net"  # a disguised link: removed in every mode but lenient
PHISH = "free gift dlscord.gift/abc"
PLAIN_LINK = "check out myblog.net"  # removed in strict mode only


class Chat:
    def __init__(self, engine: WardenEngine | None = None, room: Room = ROOM) -> None:
        self.clock = VirtualClock(1000.0)
        self.engine = engine or WardenEngine(self.clock)
        self.engine.clock = self.clock
        self.room = room
        self.n = 0

    def msg(
        self, text: str, user: str = "ann", role: Role = Role.EVERYONE, **kw: object
    ) -> Message:
        self.n += 1
        persona = kw.pop("persona", None)
        author = User(Platform.TWITCH, f"id-{user}", user, user.title(), role=role, persona=persona)  # type: ignore[arg-type]
        return Message(str(self.n), self.room, author, text, self.clock.now(), **kw)  # type: ignore[arg-type]

    def assess(self, text: str, after: float = 5.0, **kw: object):  # type: ignore[no-untyped-def]
        self.clock.advance(after)
        return self.engine.assess(self.msg(text, **kw))

    def judge(self, text: str, after: float = 5.0, **kw: object) -> Judgement:
        self.clock.advance(after)
        return self.engine.judge(self.msg(text, **kw))


@pytest.fixture
def chat() -> Chat:
    return Chat()


# --- who is inspected ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN, Role.OWNER])
def test_moderators_and_above_are_never_acted_on(chat: Chat, role: Role) -> None:
    a = chat.assess(PHISH, role=role)
    assert a.exempt == "moderator" and a.severity is Severity.NONE
    assert chat.judge(PHISH, role=role).action is Action.ALLOW


def test_our_personas_are_never_inspected_as_chat(chat: Chat) -> None:
    a = chat.assess(PHISH, persona="luna")
    assert a.exempt == "persona" and not a.hits


def test_default_exemptions(chat: Chat) -> None:
    assert chat.assess(LINK, role=Role.VIP).hits == ()  # VIPs may post links
    assert "phishing" in chat.assess(PHISH, role=Role.VIP).checks  # but not phishing
    assert "links" in chat.assess(LINK, role=Role.SUBSCRIBER, user="sub").checks
    wall = " ".join(["KEKW"] * 20)
    assert chat.assess(wall, role=Role.SUBSCRIBER, user="s2").hits == ()
    assert "emotes" in chat.assess(wall, user="pleb").checks


def test_exemptions_configured_by_role_name() -> None:
    chat = Chat(WardenEngine(default=WardenConfig(exempt={"links": "regular", "caps": 20})))
    assert chat.assess(LINK, role=Role.REGULAR).hits == ()
    assert "links" in chat.assess(LINK, user="bob").checks
    assert chat.engine.config_for(ROOM).exempt == {"links": Role.REGULAR, "caps": Role.SUBSCRIBER}


def test_disabled_checks() -> None:
    chat = Chat(WardenEngine(default=WardenConfig(disabled=frozenset({"links"}))))
    assert chat.assess(LINK).hits == ()


# --- modes and verdicts --------------------------------------------------------------------


def test_modes_move_the_thresholds(chat: Chat) -> None:
    caps = "THIS CHAT IS SO BORING TODAY WHY IS NOTHING HAPPENING HERE AT ALL TONIGHT"  # 0.8
    assert chat.assess(caps, user="a").severity is Severity.LOW
    chat.engine.set_mode(ROOM, "strict")
    assert chat.assess(caps, user="b").severity is Severity.MEDIUM
    chat.engine.set_mode(ROOM, Mode.LENIENT)
    assert chat.assess(caps, user="c").severity is Severity.NONE
    chat.engine.set_mode(ROOM, "off")
    assert chat.assess(PHISH, user="d").exempt == "off"
    with pytest.raises(ValueError, match="unknown mode"):
        chat.engine.set_mode(ROOM, "nuclear")


def test_judge_follows_the_ladder(chat: Chat) -> None:
    first = chat.judge(LINK)
    assert first.action is Action.DELETE and first.removes
    assert first.warning is not None and "Ann" in first.warning and "10 minute" in first.warning
    second = chat.judge("another one: otherblog dot org", after=600)
    assert second.action is Action.TIMEOUT and second.verdict.seconds == 600
    assert second.warning is None


def test_judge_flags_low_severity_without_an_offence(chat: Chat) -> None:
    j = chat.judge("@everyone look")
    assert j.action is Action.FLAG and not j.removes
    assert chat.judge(LINK).action is Action.DELETE  # still a first offence


def test_flag_only_mode(chat: Chat) -> None:
    chat.engine.set_mode(ROOM, "flagonly")
    for _ in range(3):
        j = chat.judge(PHISH)
        assert j.action is Action.FLAG and j.assessment.severity is Severity.HIGH


def test_bans_only_when_configured() -> None:
    chat = Chat(WardenEngine(default=WardenConfig(ban_after=2)))
    assert chat.judge(LINK).action is Action.DELETE
    assert chat.judge(LINK).action is Action.BAN


def test_mod_action_for_the_adapter(chat: Chat) -> None:
    msg = chat.msg(LINK)
    j = chat.engine.judge(msg)
    action = j.mod_action(msg)
    assert action is not None
    assert action.kind is ModerationKind.DELETE and action.message_id == msg.id
    assert action.user == msg.author and "myblog.net" in action.reason
    assert Judgement(chat.engine.assess(chat.msg("hello", user="x"))).mod_action(msg) is None


def test_edits_are_checked_but_not_counted_twice(chat: Chat) -> None:
    for _ in range(2):
        chat.assess("follow me back pls")
    a = chat.assess("follow me back pls", edit_of="1")
    assert "repetition" not in a.checks
    assert "links" in chat.assess(LINK, edit_of="1").checks


# --- permits and pardons -------------------------------------------------------------------


def test_permit_by_name_expires(chat: Chat) -> None:
    chat.engine.permit(ROOM, "@Ann", seconds=30)
    assert chat.assess(LINK, after=10).hits == ()
    assert "links" in chat.assess(LINK, after=25).checks


def test_pardon_by_name_resets_offences_and_memory(chat: Chat) -> None:
    chat.judge(LINK)
    for _ in range(2):
        chat.assess("follow me back pls")
    assert chat.engine.resolve(ROOM, "ann") == "id-ann"
    assert chat.engine.pardon(ROOM, "Ann")
    assert chat.judge(LINK).action is Action.DELETE  # a first offence again
    assert "repetition" not in chat.assess("follow me back pls").checks
    assert not chat.engine.pardon(ROOM, "nobody")


# --- configuration -------------------------------------------------------------------------


def test_config_validation_gives_clear_errors() -> None:
    with pytest.raises(ValidationError, match="mode"):
        WardenConfig(mode="nuclear")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="unknown check"):
        WardenConfig(disabled=frozenset({"nope"}))
    with pytest.raises(ValidationError, match="unknown check"):
        WardenConfig(exempt={"nope": "vip"})
    with pytest.raises(ValidationError, match="unknown role"):
        WardenConfig(exempt={"links": "wizard"})
    with pytest.raises(ValidationError, match="invalid pattern"):
        WardenConfig(block_patterns=("bad(",))
    with pytest.raises(ValidationError, match="not a domain"):
        WardenConfig(allow_domains=("no spaces allowed",))
    with pytest.raises(ValidationError, match="warning template"):
        WardenConfig(warning="{nobody}")
    with pytest.raises(ValidationError):
        WardenConfig(surprise=1)  # type: ignore[call-arg]


def test_config_from_toml_like_data() -> None:
    cfg = WardenConfig.model_validate(
        {
            "mode": "Flag-Only",
            "allow_domains": ["https://Example.com/x"],
            "exempt": {"links": "vip"},
        }
    )
    assert cfg.mode is Mode.FLAGONLY
    assert cfg.allow_domains == ("example.com",)


def test_moderator_commands(chat: Chat) -> None:
    engine = chat.engine
    engine.set_mode(ROOM, "strict")  # every link that is not allowlisted goes
    assert "links" in chat.assess(PLAIN_LINK).checks
    cfg = engine.allow(ROOM, "MyBlog.net")
    assert cfg.allow_domains == ("myblog.net",)
    assert chat.assess(PLAIN_LINK, user="b").hits == ()
    engine.disallow(ROOM, "myblog.net")
    assert "links" in chat.assess(PLAIN_LINK, user="c").checks

    engine.block(ROOM, "pineapple")
    engine.block(ROOM, "/gr[a4]pe/")
    assert engine.block(ROOM, "pineapple").block_terms == ("pineapple",)  # no duplicates
    assert "blocklist" in chat.assess("p1neapple pizza", user="d").checks
    assert "blocklist" in chat.assess("GR4PE", user="e").checks
    engine.unblock(ROOM, "/gr[a4]pe/")
    assert chat.assess("grape", user="f").hits == ()
    with pytest.raises(PatternError, match="invalid pattern"):
        engine.block(ROOM, "/bad(/")
    with pytest.raises(PatternError, match="not blocked"):
        engine.unblock(ROOM, "kiwi")
    with pytest.raises(ValueError, match="not a domain"):
        engine.allow(ROOM, "???")

    status = engine.status(ROOM)
    assert status["mode"] == "strict"
    assert status["blocked"] == "1 terms, 0 patterns"
    assert "myblog" not in status["allowlist"]
    engine.permit(ROOM, "zed", 90)
    assert "zed" in engine.status(ROOM)["permits"]


def test_configure_keeps_memory(chat: Chat) -> None:
    chat.judge(LINK)
    chat.engine.configure(ROOM, WardenConfig(mode=Mode.STRICT))
    assert chat.judge(LINK).action is Action.TIMEOUT  # the earlier offence is remembered


def test_rooms_have_their_own_config(chat: Chat) -> None:
    other = Room(Platform.DISCORD, "g/c", "general")
    chat.engine.set_mode(other, "off")
    assert "links" in chat.assess(LINK).checks
    assert Chat(chat.engine, other).assess(LINK).exempt == "off"
    assert set(chat.engine.rooms()) == {other.key}


def test_equal_rooms_share_rules(chat: Chat) -> None:
    chat.judge(LINK)
    twin = Room(Platform.TWITCH, "chan", "chan")  # another object, same room
    assert Chat(chat.engine, twin).judge(LINK).action is Action.TIMEOUT


# --- safety --------------------------------------------------------------------------------


class Broken(Check):
    name = "broken"

    def run(self, c: Ctx) -> Hit | None:
        raise RuntimeError("boom")


def test_a_check_that_raises_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    engine = WardenEngine(checks=(Broken(), *ALL_CHECKS))
    chat = Chat(engine)
    with caplog.at_level(logging.ERROR, logger="cogs.warden.engine"):
        a = chat.assess(LINK)
    assert a.skipped == ("broken",)
    assert "links" in a.checks  # the other checks still ran
    assert "broken" in caplog.text
    clean = chat.assess("hello", user="b")
    assert clean.skipped == ("broken",) and clean.severity is Severity.NONE
    assert engine.stats.errors["broken"] == 2


def test_memory_is_bounded() -> None:
    engine = WardenEngine(max_users=50, max_rooms=5)
    chat = Chat(engine)
    for i in range(300):
        chat.assess(f"hello number {i}", user=f"user{i}", after=0.1)
    rules = engine._rules(ROOM.key)
    assert len(rules.users) <= 50 and len(rules.names) <= 50
    for i in range(20):
        Chat(engine, Room(Platform.LOCAL, f"room{i}")).assess("hi")
    assert len(engine._rooms) <= 5


def test_stats(chat: Chat) -> None:
    chat.assess("hello")
    chat.assess(LINK, user="b")
    assert chat.engine.stats.assessed == 2
    assert chat.engine.stats.flagged == 1
    assert chat.engine.stats.by_check == {"links": 1}


# --- a transcript on virtual time ----------------------------------------------------------


def test_transcript() -> None:
    """A short stream: ordinary chat, a spam bot, a flooder, a pardon; actions in order."""
    chat = Chat()
    script = [
        (0, "ann", "hi chat!", Action.ALLOW),
        (2, "bob", "LETS GOOO", Action.ALLOW),
        (3, "spambot", "buy real viewers cheap at viewerpump.net", Action.DELETE),
        (5, "ann", "lol what", Action.ALLOW),
        (60, "spambot", "cheap viewers here: viewerpump.net", Action.TIMEOUT),
        (1, "cat", "@everyone look", Action.FLAG),
        *[(0.5, "zed", f"spam {i}", Action.ALLOW) for i in range(7)],
        (0.5, "zed", "spam 7", Action.DELETE),  # the eighth message in 10 s
        (0.5, "zed", "spam 8", Action.TIMEOUT),
        # An hour later: a first offence again.
        (3700, "spambot", "viewers cheap at viewerpump.net", Action.DELETE),
    ]
    actions = [chat.judge(text, after=dt, user=who).action for dt, who, text, _ in script]
    assert actions == [expected for *_, expected in script]


# --- the speed-ups change no verdict --------------------------------------------------------


def _dev_stream() -> list[tuple[str, str, Role, float]]:
    """The dev set three times over, with roles and authors mixed, so texts repeat."""
    from pathlib import Path

    from cogs.warden.evaluate import load

    dev = Path(__file__).resolve().parent.parent / "cogs" / "warden" / "data" / "dev.jsonl"
    roles = (Role.EVERYONE, Role.SUBSCRIBER, Role.VIP, Role.REGULAR)
    stream = []
    for round_ in range(3):
        for i, ex in enumerate(load(dev)):
            who = ex.author or f"anon{(i * 7 + round_) % 40}"
            stream.append((ex.text, who, roles[(i + round_) % 4], 0.7 + (i % 5)))
    return stream


def test_the_text_cache_and_inline_memory_change_no_verdict() -> None:
    """Kept analyses (exact repeats, the same pure checks) give exactly the fresh result."""
    cached, small = Chat(WardenEngine()), Chat(WardenEngine(text_cache=16))  # small: evicts
    fresh = Chat(WardenEngine(text_cache=0))
    for text, who, role, after in _dev_stream():
        a = cached.assess(text, after=after, user=who, role=role)
        b = small.assess(text, after=after, user=who, role=role)
        c = fresh.assess(text, after=after, user=who, role=role)
        assert (a.score, a.severity, a.hits) == (c.score, c.severity, c.hits), text
        assert (b.score, b.severity, b.hits) == (c.score, c.severity, c.hits), text
    assert 0.5 < cached.engine.stats.cache_hit_rate < 1.0
    assert fresh.engine.stats.cache_hit_rate == 0.0


def test_a_room_change_is_seen_by_kept_analyses(chat: Chat) -> None:
    chat.engine.set_mode(ROOM, "strict")
    assert "links" in chat.assess(PLAIN_LINK).checks
    chat.engine.allow(ROOM, "myblog.net")
    assert chat.assess(PLAIN_LINK, user="b").hits == ()  # the same text, with the new list
    chat.engine.block(ROOM, "check out")
    assert chat.assess(PLAIN_LINK, user="c").checks == ("blocklist",)


def test_mentions_given_by_the_platform_are_never_taken_from_a_kept_analysis(chat: Chat) -> None:
    text = "hello there you all"
    assert chat.assess(text).hits == ()
    many = tuple(f"id{i}" for i in range(8))
    assert "mentions" in chat.assess(text, user="b", mentions=many).checks
    assert chat.assess(text, user="c").hits == ()


def test_a_permit_is_honoured_for_a_text_judged_before(chat: Chat) -> None:
    assert "links" in chat.assess(LINK).checks  # judged (and kept) for ann, who has no permit
    chat.engine.permit(ROOM, "bob", 30)
    assert chat.assess(LINK, user="bob").hits == ()  # the same text, but bob may post links
    assert "links" in chat.assess(LINK, user="cat").checks
    assert "links" in chat.assess(LINK, user="bob", after=60).checks  # the permit ran out
