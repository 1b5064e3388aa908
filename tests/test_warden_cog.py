"""The Warden cog inside a real app (real SQLite, the local platform, virtual time): each verdict
path, the commands and their roles, stored verdicts, the outbound check, a check that raises,
the console, settings that survive a restart, and replay transcripts."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.local import LOBBY
from bot.app import Sanctum
from bot.clock import VirtualClock
from bot.dispatcher import Turn, Verdict
from bot.llm.offline import OfflineProvider
from bot.message import Outgoing, Platform, Role, User
from bot.replay import replay_lines
from cogs.warden.checks import ALL_CHECKS, Check, Ctx, Hit
from cogs.warden.engine import Mode, WardenEngine
from cogs.warden.outbound import ZWSP
from console.app import capture_console
from tests.conftest import PERSONAS, make_settings

TRANSCRIPTS = Path(__file__).parent / "replay"
LINK = "check out myblog dot net"  # a disguised link: removed in every mode but lenient
PHISH = "free nitro for everyone at dlscord-gift.com"


def person(name: str, role: Role = Role.EVERYONE) -> User:
    return User(Platform.LOCAL, name, name, name.title(), role=role)


ANN = person("ann")
BOB = person("bob")
MOD = person("mia", Role.MODERATOR)
VIP = person("vic", Role.VIP)


@contextlib.asynccontextmanager
async def running(tmp_path: Path, clock: VirtualClock, **extra) -> AsyncIterator[Sanctum]:
    bot = Sanctum(make_settings(tmp_path, **extra), clock=clock, llm=OfflineProvider())
    await bot.start(connect_platforms=False)
    try:
        yield bot
    finally:
        await bot.stop()


async def say(app: Sanctum, text: str, author: User = ANN, after: float = 5.0) -> Turn:
    app.clock.advance(after)
    return await app.dispatcher.handle(app.local.make_message(LOBBY, text, author=author))


async def answer(app: Sanctum, text: str, author: User = MOD) -> str | None:
    """The bot's one reply (None when it said nothing): always one short line."""
    turn = await say(app, text, author)
    sent = [m.text for t in turn.walk() for m in t.sent]
    assert len(sent) <= 1, sent
    if sent:
        assert "\n" not in sent[0] and len(sent[0]) <= 400
    return sent[0] if sent else None


def verdicts(turn: Turn) -> list[Verdict]:
    return [v for t in turn.walk() for v in t.verdicts]


def replies(turn: Turn) -> list[str]:
    return [m.text for t in turn.walk() for m in t.sent]


def in_log(app: Sanctum, text: str) -> bool:
    return any(m.text == text for m in app.local.log(LOBBY))


def warden(app: Sanctum):  # type: ignore[no-untyped-def]
    return app.cogs.get("warden")


# -- verdict paths -------------------------------------------------------------------------------


async def test_loaded_first_so_its_check_runs_before_the_others(app):
    assert app.settings.cogs[0] == "cogs.warden"
    assert app.dispatcher.checks[0][1] is warden(app)


async def test_first_offence_deletes_with_a_one_line_warning(app):
    turn = await say(app, LINK)
    [verdict] = verdicts(turn)
    assert verdict.action == "delete" and verdict.removes and verdict.check == "warden"
    assert verdict.reason.startswith("links (score 1)")
    assert turn.stopped == "checks"  # nothing answers a removed message
    [warning] = replies(turn)
    assert warning == (
        "Ann, your message was removed (links are not allowed here). "
        "Next time: a 10 minute timeout."
    )
    assert not in_log(app, LINK)  # deleted on the platform
    [record] = await warden(app).records.recent("local:lobby")
    assert (record.action, record.checks, record.actor, record.user_id) == (
        "delete", ("links",), "warden", "ann",
    )  # fmt: skip
    assert record.outcome.startswith("local: deleted a message of Ann in lobby")
    assert record.excerpt == LINK and record.message_id == turn.message.id


async def test_a_warning_never_repeats_the_link_it_removed(app):
    turn = await say(app, PHISH)
    assert [v.action for v in verdicts(turn)] == ["delete"]
    [warning] = replies(turn)
    assert "dlscord" not in warning and "a dangerous link" in warning


async def test_a_repeat_within_an_hour_is_a_600_second_timeout(app, clock):
    await say(app, LINK)
    turn = await say(app, "another one: otherblog dot org", after=50 * 60)
    [verdict] = verdicts(turn)
    assert verdict.action == "timeout" and verdict.removes
    assert replies(turn) == []  # the warning was the first time
    record = (await warden(app).records.recent("local:lobby"))[0]
    assert record.action == "timeout" and record.seconds == 600
    assert "timed out Ann in lobby for 600 s" in record.outcome
    assert app.local._rooms[LOBBY].timeouts["ann"] == clock.now() + 600
    turn = await say(
        app, "and again: thirdblog dot org", after=61 * 60
    )  # an hour later: first again
    assert [v.action for v in verdicts(turn)] == ["delete"]


async def test_bans_only_when_configured(tmp_path, clock):
    async with running(tmp_path, clock, cog={"warden": {"defaults": {"ban_after": 2}}}) as app:
        assert [v.action for v in verdicts(await say(app, LINK))] == ["delete"]
        turn = await say(app, "again otherblog dot org", after=60)
        [verdict] = verdicts(turn)
        assert verdict.action == "ban" and verdict.removes
        assert "ann" in app.local._rooms[LOBBY].banned
        record = (await warden(app).records.recent("local:lobby"))[0]
        assert record.outcome.startswith("local: deleted a message of Ann in lobby")
        assert "local: banned Ann in lobby" in record.outcome


async def test_a_platform_that_refuses_is_reported_not_raised(app):
    """No adapter may act (Twitch without moderator rights): one line, stored, nothing lost."""
    room = app.local.room(LOBBY)
    del app.adapters[room.platform]
    turn = await say(app, LINK)
    assert [v.action for v in verdicts(turn)] == ["delete"]
    [record] = await warden(app).records.recent("local:lobby")
    assert record.outcome == "local: cannot redact in lobby: local is not connected"


async def test_flag_only_mode_flags_and_touches_nothing(app):
    assert await answer(app, "!warden flagonly") == (
        "Warden is now in flag-only mode: it flags for moderators and touches nothing."
    )
    for _ in range(3):
        turn = await say(app, PHISH)
        [verdict] = verdicts(turn)
        assert verdict.action == "flag" and not verdict.removes
        assert turn.stopped is None  # the message goes on (luna may still be addressed)
        assert replies(turn) == []  # no warning
        assert in_log(app, PHISH)
        assert any(d.outcome == "flagged" for d in turn.decisions)
    found = await warden(app).records.recent("local:lobby", actions=("flag",))
    assert len(found) == 3 and all(r.outcome.startswith("local: flagged Ann") for r in found)


async def test_moderators_and_above_are_never_acted_on(app):
    for role in (Role.MODERATOR, Role.ADMIN, Role.OWNER):
        turn = await say(app, PHISH, author=person(f"m{role}", role))
        assert verdicts(turn) == [] and in_log(app, PHISH)


async def test_vip_may_post_links_but_not_phishing(app):
    turn = await say(app, LINK, author=VIP)
    assert verdicts(turn) == []
    turn = await say(app, PHISH, author=VIP)
    assert [v.action for v in verdicts(turn)] == ["delete"]


async def test_other_bots_are_judged_as_vips_and_never_for_repetition(app):
    quizbot = User(Platform.LOCAL, "quiz", "quiz", "QuizBot", is_bot=True)
    for i in range(8):
        turn = await say(app, f"Question {i}: what is the capital of France?", quizbot, 0.5)
        assert verdicts(turn) == []
    assert verdicts(await say(app, "scores at quizscores.net", quizbot)) == []
    turn = await say(app, PHISH, quizbot)
    assert [v.action for v in verdicts(turn)] == ["delete"]


async def test_the_role_the_dispatcher_resolved_counts(tmp_path, clock):
    """A configured owner is never acted on, whatever the platform said."""
    owners = {"roles": {"owners": {"local": ["ann"]}}}
    async with running(tmp_path, clock, **owners) as app:
        turn = await say(app, PHISH)
        assert turn.role is Role.OWNER and verdicts(turn) == []


async def test_permit_lets_links_through_until_it_expires(app):
    assert await answer(app, "!permit @Ann 30") == "Ann may post links here for 30 s."
    assert verdicts(await say(app, LINK, after=10)) == []
    assert verdicts(await say(app, "and otherblog dot org", after=10)) == []
    turn = await say(app, "last one: thirdblog dot org", after=15)  # 35 s after the permit
    assert [v.action for v in verdicts(turn)] == ["delete"]
    assert (await answer(app, "!permit bob")) == "bob may post links here for 60 s."
    records = await warden(app).records.recent("local:lobby", actions=("permit",))
    assert [(r.user_name, r.seconds, r.actor) for r in records] == [
        ("bob", 60, "Mia"), ("Ann", 30, "Mia"),
    ]  # fmt: skip


async def test_pardon_forgets_offences(app):
    await say(app, LINK)
    assert await answer(app, "!warden pardon ann") == (
        "Pardoned ann: offences and repeated-line memory forgotten."
    )
    turn = await say(app, "again otherblog dot org", after=60)
    assert [v.action for v in verdicts(turn)] == ["delete"]  # a first offence again
    assert "Nothing to pardon for zed" in await answer(app, "!warden pardon zed")


async def test_flood_from_one_user_is_removed(app):
    actions = []
    for i in range(9):
        turn = await say(app, f"message number {i}", after=0.5)
        actions.append([v.action for v in verdicts(turn)])
    # Seven messages within 10 s are chat; the eighth is removed, the ninth is a repeat offence.
    assert actions[:7] == [[]] * 7 and actions[7] == ["delete"] and actions[8] == ["timeout"]


# -- the bot's own words and the outbound check ------------------------------------------------


async def test_the_bots_own_voice_and_personas_are_never_checked_as_chat(app):
    room = app.local.room(LOBBY)
    for persona in (None, "luna"):
        sent = await app.dispatcher.send(
            Outgoing(room, "LOOK AT THIS, it is youtube.com/x !!!!!!!", persona=persona)
        )
        assert sent is not None
    for turn in list(app.dispatcher.recent)[-2:]:
        assert turn.is_echo and turn.verdicts == []
    assert await warden(app).records.recent() == []


async def test_a_persona_cannot_repeat_a_phishing_link(app):
    room = app.local.room(LOBBY)
    before = len(app.local.log(LOBBY))
    assert await app.dispatcher.send(Outgoing(room, f"sure: {PHISH}", persona="luna")) is None
    assert len(app.local.log(LOBBY)) == before  # nothing was sent
    refusal = app.dispatcher.loose_decisions[-1]
    assert (refusal.step, refusal.outcome, refusal.persona) == (
        "outbound-filters", "refused", "luna",
    )  # fmt: skip
    assert refusal.reason == "warden: refused: dlscord-gift.com imitates discord"


async def test_a_persona_cannot_ping_the_room_and_unknown_links_are_cut(app):
    room = app.local.room(LOBBY)
    sent = await app.dispatcher.send(
        Outgoing(room, "hey @everyone, see myblog.net and youtube.com/watch", persona="luna")
    )
    assert sent is not None
    assert sent.text == f"hey @{ZWSP}everyone, see [link removed] and youtube.com/watch"
    changed = [d.reason for d in app.dispatcher.loose_decisions if d.outcome == "changed"]
    assert "warden: removed link to myblog.net; neutralized a room-wide ping" in changed


# -- safety ------------------------------------------------------------------------------------


class Broken(Check):
    name = "broken"

    def run(self, c: Ctx) -> Hit | None:
        raise RuntimeError("boom")


async def test_a_warden_check_that_raises_is_skipped_and_the_message_kept(app, caplog):
    cog = warden(app)
    cog.engine = WardenEngine(app.clock, checks=(Broken(), *ALL_CHECKS))
    turn = await say(app, "hello there, how is everyone doing")
    assert verdicts(turn) == [] and turn.stopped is None
    assert any(
        d.reason == "warden: check(s) broken failed and were skipped" for d in turn.decisions
    )
    assert "boom" in caplog.text
    turn = await say(app, LINK, author=BOB)  # the other checks still work
    assert [v.action for v in verdicts(turn)] == ["delete"]
    await app.store.flush()
    assert await app.store.messages.contains(Platform.LOCAL, LOBBY, turn.message.id)


async def test_a_check_that_raises_in_the_dispatcher_never_drops_the_message(app, caplog):
    async def broken(turn: Turn) -> Verdict | None:
        raise RuntimeError("kaput")

    app.dispatcher.checks.insert(0, (broken, None))
    turn = await say(app, "luna, are you there?")
    assert any(d.step == "checks" and d.outcome == "error" for d in turn.decisions)
    assert "kaput" in caplog.text
    assert [m.author.persona for t in turn.walk() for m in t.sent] == ["luna"]  # still answered
    turn = await say(app, LINK, author=BOB)  # and the Warden still runs after it
    assert [v.action for v in verdicts(turn)] == ["delete"]
    await app.store.flush()
    assert await app.store.messages.contains(Platform.LOCAL, LOBBY, turn.message.id)


async def test_a_moderators_regex_cannot_stall_the_event_loop(app):
    assert await answer(app, "!warden block /(x|xx)+y/") == (
        "Refused: pattern /(x|xx)+y/ is too slow (catastrophic backtracking)"
    )
    # Slow enough on long input to hit its time limit, not slow enough for the probes to see.
    assert await answer(app, r"!warden block /(\w+x)+y/") == r"Blocked /(\w+x)+y/ here."
    turn = await say(app, "x" * 400 + " and more", author=BOB)
    blocklist = warden(app).engine._rules("local:lobby").blocklist
    assert blocklist.timeouts >= 1  # the matcher was cut off, the message was still judged
    assert [v.action for v in verdicts(turn)] == ["delete"]  # by the repeated-characters check
    turn = await say(app, "xxy marks the spot", author=person("cat"))
    assert "blocklist" in verdicts(turn)[0].reason


# -- commands ----------------------------------------------------------------------------------


async def test_a_regular_user_cannot_run_the_warden_commands(app):
    regular = person("reg", Role.REGULAR)
    for text in ("!warden off", "!warden status", "!warden allow youtube.com", "!permit reg",
                 "!warden pardon ann", "!warden log", "!warden block spam"):  # fmt: skip
        turn = await say(app, text, author=regular)
        assert replies(turn) == [], text
        assert any("needs moderator" in d.reason for d in turn.decisions), text
    assert warden(app).engine.config_for("local:lobby").mode == Mode.NORMAL
    assert verdicts(await say(app, LINK)) != []


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("!warden", "Usage: !warden allow|block|disallow|flagonly|lenient|log|normal|off|pardon|"
                    "status|strict|unblock"),
        ("!warden block", "Usage: !warden block TERM (TERM is missing)"),
        ("!warden block /[/", "Refused: invalid pattern /[/: unterminated character set at "
                              "position 1"),
        ("!warden block /a*/", "Refused: pattern /a*/ matches empty text and would flag every "
                               "message"),
        ("!warden block a", "Refused: term 'a' is too short to block safely"),
        ("!warden allow not_a_domain", "not a domain: 'not_a_domain' (expected something like "
                                       "example.com)"),
        ("!warden disallow example.org", "example.org was not on this room's allowlist."),
        ("!warden unblock spam", "Refused: 'spam' is not blocked here"),
        ("!warden pardon", "Usage: !warden pardon USER (USER is missing)"),
        ("!warden log 50", "N must be between 1 and 10."),
        ("!warden log many", "Usage: !warden log [N] (N must be a whole number)"),
        ("!permit", "Usage: !permit USER [SECONDS] (USER is missing)"),
        ("!permit bob 0", "SECONDS must be between 1 and 86400."),
        ("!permit bob soon", "Usage: !permit USER [SECONDS] (SECONDS must be a whole number)"),
    ],
)  # fmt: skip
async def test_usage_errors_are_one_clear_line(app, text, reply):
    assert await answer(app, text) == reply
    assert warden(app).engine.config_for("local:lobby") == warden(app).engine.default


async def test_allow_block_and_status(app):
    assert await answer(app, "!warden allow https://www.MyBlog.net/about") == (
        "Links to myblog.net (and its subdomains) are allowed here."
    )
    assert verdicts(await say(app, "see shop.myblog.net")) == []
    assert await answer(app, "!warden block free robux") == "Blocked 'free robux' here."
    turn = await say(app, "who wants FR33 R0BUX", author=BOB)
    assert "blocklist" in verdicts(turn)[0].reason
    assert (
        await answer(app, r"!warden block /b[a4]d\s*w[o0]rd/")
        == r"Blocked /b[a4]d\s*w[o0]rd/ here."
    )
    status = await answer(app, "!warden status")
    assert status.startswith("Warden: normal, delete+warn, then 600s timeout")
    assert "(+myblog.net)" in status and "1 terms, 1 patterns" in status
    assert "Last 24 h: 0 flagged, 1 removed." in status
    assert await answer(app, "!warden disallow myblog.net") == (
        "Links to myblog.net are no longer allowed here."
    )
    assert await answer(app, "!warden unblock free robux") == "Unblocked 'free robux' here."
    audit = [action for _, _, action, _ in await app.store.audit.recent()]
    assert audit[:2] == ["warden.unblock", "warden.disallow"]


async def test_warden_log_lists_recent_verdicts_in_one_line(app):
    assert await answer(app, "!warden log") == "Warden log: nothing yet."
    await say(app, LINK)
    await say(app, "@everyone look", author=BOB)
    await say(app, "again otherblog dot org", after=60)
    await answer(app, "!warden pardon ann")
    assert await answer(app, "!warden log 4") == (
        "Warden log: 1m ago delete Ann (links); 1m ago flag Bob (mentions); "
        "10s ago timeout 600s Ann (links); 5s ago pardon ann by Mia."
    )
    assert (await answer(app, "!warden log 1")).startswith("Warden log: 10s ago pardon ann")


async def test_modes_from_chat(app):
    cog = warden(app)
    for mode, text in (("strict", "strict mode"), ("lenient", "lenient mode"),
                       ("off", "off: nothing is checked"), ("normal", "normal mode")):  # fmt: skip
        assert text in await answer(app, f"!warden {mode}")
        assert cog.engine.config_for("local:lobby").mode.value == mode
    await answer(app, "!warden off")
    assert verdicts(await say(app, PHISH)) == []


# -- settings: sanctum.toml, stored per room, restored at start --------------------------------


async def test_settings_changed_in_chat_survive_a_restart(tmp_path, clock):
    async with running(tmp_path, clock) as app:
        await answer(app, "!warden flagonly")
        await answer(app, "!warden allow myblog.net")
        await answer(app, "!warden block free robux")
    async with running(tmp_path, clock) as app:
        config = warden(app).engine.config_for("local:lobby")
        assert config.mode == Mode.FLAGONLY
        assert config.allow_domains == ("myblog.net",) and config.block_terms == ("free robux",)
        assert [v.action for v in verdicts(await say(app, "free robux here"))] == ["flag"]
        assert warden(app).changes["local:lobby"] == {
            "mode": "flagonly", "allow_domains": ["myblog.net"], "block_terms": ["free robux"],
        }  # fmt: skip
        await answer(app, "!warden normal")
        assert "mode" not in warden(app).changes["local:lobby"]  # back to the configured one


async def test_stored_settings_that_no_longer_validate_are_ignored_not_fatal(
    tmp_path, clock, caplog
):
    async with running(tmp_path, clock) as app:
        await warden(app).records.save_room(
            "local:lobby", {"mode": "strict", "block_patterns": ["(x|xx)+y"]}, "mia"
        )
    async with running(tmp_path, clock) as app:
        assert warden(app) is not None
        assert warden(app).engine.config_for("local:lobby").mode == Mode.NORMAL
        assert "warden settings stored for local:lobby ignored: block_patterns" in caplog.text


async def test_flag_only_for_every_room_from_sanctum_toml(tmp_path, clock):
    cog = {"warden": {"default_mode": "flag-only", "defaults": {"timeout_s": 120},
                      "rooms": {"local:den": {"mode": "strict"}}}}  # fmt: skip
    async with running(tmp_path, clock, cog=cog) as app:
        assert [v.action for v in verdicts(await say(app, PHISH))] == ["flag"]
        engine = warden(app).engine
        assert engine.config_for("local:lobby").timeout_s == 120
        assert engine.config_for("local:den").mode == Mode.STRICT


@pytest.mark.parametrize(
    ("section", "error"),
    [
        ({"default_mode": "nuclear"}, "field 'default_mode'"),
        ({"defaults": {"mode": "off"}}, "set the mode with default_mode"),
        ({"defaults": {"timeout_s": -1}}, "greater than or equal to 1"),
        ({"rooms": {"lobby": {"mode": "off"}}}, "not a room key"),
        ({"defaults": {"block_patterns": ["(x|xx)+y"]}}, "too slow"),
    ],
)
async def test_bad_settings_refuse_the_cog_with_one_line(tmp_path, clock, section, error):
    async with running(tmp_path, clock, cog={"warden": section}) as app:
        assert app.cogs.get("warden") is None
        [problem] = [e for e in app.cog_errors if "warden" in e]
        assert "\n" not in problem and error in problem


# -- the console -------------------------------------------------------------------------------


async def test_the_console_runs_the_same_commands_as_owner(app):
    console, out = capture_console(app)
    assert await console.execute("warden flagonly lobby")
    assert warden(app).engine.config_for("local:lobby").mode == Mode.FLAGONLY
    await say(app, PHISH)
    assert await console.execute("warden flags lobby")
    assert await console.execute("warden log 5")
    assert await console.execute("warden status lobby")
    assert await console.execute("permit lobby bob 90")
    assert await console.execute("warden block twitch:chan free robux")
    assert not await console.execute("warden block lobby /(x|xx)+y/")
    assert not await console.execute("warden strict nowhere:room")
    text = out.getvalue()
    assert "flag-only mode" in text and "warden flags (local:lobby)" in text
    assert "dlscord-gift.com" in text  # the excerpt, for review
    assert "mode" in text and "flagonly" in text  # the status table
    assert "bob may post links here for 90 s." in text
    assert "too slow" in text and "no platform 'nowhere'" in text
    assert warden(app).engine.config_for("twitch:chan").block_terms == ("free robux",)
    actors = {actor for _, actor, action, _ in await app.store.audit.recent() if "warden" in action}
    assert actors == {"console:owner"}


async def test_console_completion_offers_the_warden_words(app):
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from console.completion import CommandCompleter

    completer = CommandCompleter(app)

    def complete(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    assert {"status", "flagonly", "flags", "log", "block"} <= set(complete("warden "))
    assert "lobby" in complete("warden status ")
    assert "lobby" in complete("permit ")


# -- replay ------------------------------------------------------------------------------------


async def replay(name: str) -> dict[str, dict]:
    lines = (TRANSCRIPTS / name).read_text().splitlines()
    out = await replay_lines(lines, PERSONAS)
    assert len(out) == len(lines) and not [o for o in out if "error" in o]
    return {o["id"]: o for o in out}


def actions(result: dict) -> list[str]:
    return [m["action"] for m in result["moderation"]]


async def test_replay_of_the_ladder():
    out = await replay("warden_ladder.jsonl")
    assert out["strict"]["replies"][0]["text"].startswith("Warden is now in strict mode")
    assert actions(out["hello"]) == [] and actions(out["question"]) == []
    assert actions(out["spam-1"]) == ["delete"]
    assert out["spam-1"]["moderation"][0]["reason"].startswith("links, scam")
    assert [r["persona"] for r in out["spam-1"]["replies"]] == ["sanctum"]  # the warning
    assert actions(out["spam-2"]) == ["timeout"] and out["spam-2"]["replies"] == []
    assert actions(out["mod-link"]) == [] and actions(out["vip-link"]) == []
    assert actions(out["vip-phish"]) == ["delete"]
    assert actions(out["permitted"]) == [] and actions(out["permit-expired"]) == ["delete"]
    assert actions(out["after-an-hour"]) == ["delete"]
    assert "luna" in [r["persona"] for r in out["asks-luna"]["replies"]]


async def test_replay_in_flag_only_mode():
    out = await replay("warden_flagonly.jsonl")
    assert out["flagonly"]["replies"][0]["text"].startswith("Warden is now in flag-only mode")
    for line in ("spam-1", "spam-2", "phish"):
        assert actions(out[line]) == ["flag"], line
        assert out[line]["replies"] == []
    assert out["phish"]["moderation"][0]["reason"].startswith("links, phishing")
    assert actions(out["ok"]) == []
    log = out["log"]["replies"][0]["text"]
    assert log.startswith("Warden log:") and log.count("flag") == 3


def test_transcripts_are_valid_json_lines():
    for path in TRANSCRIPTS.glob("warden_*.jsonl"):
        for line in path.read_text().splitlines():
            assert isinstance(json.loads(line), dict)


async def test_a_matrix_id_in_the_text_is_not_a_link(app):
    assert verdicts(await say(app, "@sanctum:example.org are you there?")) == []
    turn = await say(app, "@bob:dlscord-gift.com has free nitro", author=BOB)
    assert "phishing" in verdicts(turn)[0].reason
    sent = await app.dispatcher.send(
        Outgoing(app.local.room(LOBBY), "ask @alice:example.org", persona="luna")
    )
    assert sent is not None and sent.text == "ask @alice:example.org"
