"""Replay transcripts (tests/replay/*.jsonl) for each rule, through bot.replay.Replay on
virtual time: ping-pong, Twitch's rate limit, quiet-while-busy for ambient speech, commands."""

from __future__ import annotations

import json
from pathlib import Path

from bot.replay import replay_lines
from tests.conftest import PERSONAS

TRANSCRIPTS = Path(__file__).parent / "replay"


async def replay(name: str) -> dict[str, dict]:
    lines = (TRANSCRIPTS / name).read_text().splitlines()
    out = await replay_lines(lines, PERSONAS)
    assert len(out) == len(lines) and not [o for o in out if "error" in o]
    return {o["id"]: o for o in out}


def who(result: dict) -> list[str]:
    return [r["persona"] for r in result["replies"]]


def reasons(result: dict, persona: str = "luna") -> list[str]:
    return [s["reason"] for s in result["suppressed"] if s["persona"] == persona]


async def test_pingpong_between_two_bots_is_suppressed_at_the_sixth():
    out = await replay("pingpong_two_bots.jsonl")
    for i in range(1, 6):
        assert who(out[f"bot-{i}"]) == ["luna"]
    for i in (6, 7, 8):
        assert who(out[f"bot-{i}"]) == []
        (reason,) = reasons(out[f"bot-{i}"])
        assert reason.startswith("pingpong: cycle (chatterbot, Luna) repeated 5 times")
    assert who(out["after-cooldown"]) == ["luna"]  # a person spoke, then a long pause


async def test_thirty_twitch_mentions_in_thirty_seconds_get_at_most_twenty_replies():
    out = await replay("twitch_rate_limit.jsonl")
    questions = [out[f"q{i}"] for i in range(1, 31)]
    assert sum(len(o["replies"]) for o in questions) == 20
    held = [o for o in questions if not o["replies"]]
    assert len(held) == 10
    for o in held:  # reported, not silently lost
        (reason,) = reasons(o)
        assert reason.startswith("ratelimit: queued for twitch")
    # 45 s later the queue has drained into the background of the next line.
    late = out["later"]["background"]["replies"]
    assert len(late) == 10 and all(r["persona"] == "luna" for r in late)
    assert "question 21?" in late[0]["text"] and "question 30?" in late[-1]["text"]


async def test_quiet_holds_a_timer_while_humans_are_busy():
    out = await replay("quiet_ambient.jsonl")
    assert out["add-timer"]["replies"][0]["text"].startswith("Timer water: every 1 min")
    assert who(out["asked"]) == ["luna"]  # addressed: answered even while busy
    background = out["while-busy"]["background"]
    assert background["replies"] == []
    assert background["suppressed"][0]["persona"] == "sanctum"
    assert background["suppressed"][0]["reason"].startswith("quiet: humans are busy")
    assert out["calm"]["background"]["replies"] == [
        {"persona": "sanctum", "text": "Stay hydrated, chat"}
    ]


async def test_commands_are_ignored_or_answered():
    out = await replay("commands.jsonl")
    assert out["other-bot-command"]["replies"] == [] == out["other-bot-command"]["suppressed"]
    ((help_reply,),) = [out["help"]["replies"]]
    assert help_reply["persona"] == "sanctum" and "!help" in help_reply["text"]
    assert "!quiet" not in help_reply["text"]  # a viewer sees only what they may run
    assert who(out["help-not-llm"]) == ["sanctum"]  # a command never reaches the persona
    assert out["quiet-denied"]["replies"] == []
    assert who(out["quiet-on"]) == ["sanctum"]
    assert who(out["held"]) == [] and reasons(out["held"]) == [
        "mute: the room is quiet (a moderator said quiet on)"
    ]
    assert out["custom"]["replies"][0]["text"] == "Go follow night_owl, they are great!"
    assert "command prefix" in out["refused"]["replies"][0]["text"]
    assert out["usage"]["replies"][0]["text"].startswith("Usage: !timer add NAME MINUTES")
    assert "MINUTES must be more than 0" in out["zero"]["replies"][0]["text"]


def test_transcripts_are_valid_replay_input():
    for path in TRANSCRIPTS.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            data = json.loads(line)
            assert {"room", "author", "text"} <= set(data), path.name
