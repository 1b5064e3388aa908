"""Replay transcripts (tests/replay/*.jsonl) for each rule, through bot.replay.Replay on
virtual time: ping-pong (two bots, three parties, people and DMs, a per-room threshold),
rate limits (Twitch, Discord per channel, Matrix's burst), quiet-while-busy for ambient
speech, commands."""

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
    # A person speaks: the chain starts over, five more answers, and the sixth is held again.
    for i in range(1, 6):
        assert who(out[f"again-{i}"]) == ["luna"]
    assert who(out["again-6"]) == [] and reasons(out["again-6"])[0].startswith("pingpong: ")
    assert who(out["after-cooldown"]) == ["luna"]  # nobody else spoke: the pause alone resets


async def test_pingpong_three_party_cycle_a_l_b_l():
    out = await replay("pingpong_three_party.jsonl")
    for i in range(1, 6):
        assert who(out[f"asker-{i}"]) == who(out[f"quizzer-{i}"]) == ["luna"]
    for line in ("asker-6", "quizzer-6"):
        assert who(out[line]) == []
        (reason,) = reasons(out[line])
        assert reason.startswith("pingpong: cycle (askbot, Luna, quizbot, Luna) repeated 5 times")


async def test_pingpong_spares_a_person_in_a_dm_but_not_a_bot():
    out = await replay("pingpong_humans_and_dms.jsonl")
    for i in range(1, 16):
        assert who(out[f"dm-{i}"]) == ["luna"] and reasons(out[f"dm-{i}"]) == []
    for i in range(1, 6):
        assert who(out[f"botdm-{i}"]) == ["luna"]
    for i in (6, 7):
        assert who(out[f"botdm-{i}"]) == []
        assert reasons(out[f"botdm-{i}"])[0].startswith("pingpong: cycle (helperbot, Luna)")


async def test_pingpong_threshold_per_room():
    out = await replay("pingpong_room_threshold.jsonl")
    assert out["set"]["replies"][0]["text"] == "pingpong.threshold is now 2 here."
    assert who(out["tight-1"]) == who(out["tight-2"]) == ["luna"]
    assert who(out["tight-3"]) == [] and "limit 2" in reasons(out["tight-3"])[0]
    for i in range(1, 6):
        assert who(out[f"loose-{i}"]) == ["luna"]
    assert who(out["loose-6"]) == [] and "limit 5" in reasons(out["loose-6"])[0]


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


async def test_discord_per_channel_and_matrix_burst_limits():
    out = await replay("discord_matrix_rate_limit.jsonl")
    for channel in ("general", "offtopic"):  # 7 in one second, per channel: 5 go, 2 wait
        lines = [out[f"{channel}-{i}"] for i in range(1, 8)]
        assert [len(o["replies"]) for o in lines] == [1] * 5 + [0] * 2
        assert all(reasons(o)[0].startswith("ratelimit: queued for discord") for o in lines[5:])
    matrix = [out[f"mx-{i}"] for i in range(1, 13)]  # a burst of 10, then one per 5 s
    assert [len(o["replies"]) for o in matrix] == [1] * 10 + [0] * 2
    assert [reasons(o)[0] for o in matrix[10:]] == [
        "ratelimit: queued for matrix, goes in 5.0 s",
        "ratelimit: queued for matrix, goes in 10.0 s",
    ]
    # 10 s later every held reply has gone, within the limits.
    assert len(out["later"]["background"]["replies"]) == 2 + 2 + 2


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
