"""`sanctum replay` end to end: the real dispatcher on virtual time, one JSON line per input."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.replay import replay_lines
from tests.conftest import PERSONAS, REPO

TRANSCRIPT = [
    {"room": "lobby", "author": "ann", "text": "@Luna!!! are you there?"},
    {"room": "lobby", "author": "bob", "text": "lunar eclipse tonight"},
    {"id": "dm", "room": "dm-cat", "author": "cat", "text": "hello", "direct": True},
    {"room": "lobby", "author": "dan", "text": "LUNABOT are you awake", "ts": 1_700_000_100},
    {"room": "lobby", "author": "eve", "text": "!help", "role": "moderator", "extra": "ignored"},
    {"room": "lobby", "author": "eve", "text": "!clip that"},
    {"room": "lobby", "author": "fay", "text": "hey", "mentions": ["luna"]},
    {"room": "pair", "author": "gus", "text": "just us", "members": 2},
]


async def test_replay_outputs_one_object_per_line_in_order():
    lines = [json.dumps(x) for x in TRANSCRIPT]
    lines.insert(3, "this is not json")
    lines.insert(4, json.dumps({"room": "lobby", "author": "x"}))
    out = await replay_lines(lines, PERSONAS)
    assert [o["id"] for o in out] == ["1", "2", "dm", "4", "5", "6", "7", "8", "9", "10"]
    by_id = {o["id"]: o for o in out}
    assert by_id["1"]["replies"][0]["persona"] == "luna"
    assert "offline" in by_id["1"]["replies"][0]["text"]
    assert by_id["2"]["replies"] == []
    assert by_id["2"]["suppressed"] == [
        {"persona": "luna", "reason": "addressing: not mentioned in a group room"}
    ]
    assert by_id["dm"]["replies"][0]["persona"] == "luna"
    assert "not JSON" in by_id["4"]["error"]
    assert "missing required key" in by_id["5"]["error"] and "text" in by_id["5"]["error"]
    assert by_id["6"]["replies"][0]["persona"] == "luna"
    assert by_id["7"]["replies"][0]["persona"] == "sanctum"  # !help answered
    assert by_id["8"]["replies"] == []  # someone else's command: ignored silently
    assert by_id["9"]["replies"][0]["persona"] == "luna"  # platform mention
    assert by_id["10"]["replies"][0]["persona"] == "luna"  # two members: the DM rule
    for o in out:
        if "error" not in o:
            assert set(o) >= {"id", "replies", "suppressed", "moderation", "decisions"}
            assert o["moderation"] == [] or isinstance(o["moderation"], list)


async def test_the_first_speaker_in_a_new_group_room_gets_no_dm():
    # The author joins the room by speaking; the declared member count (3 by default) stands,
    # so a new room on any platform is a group room, not a two-member DM.
    lines = [
        json.dumps({"room": "chan", "author": "bob", "text": "hello there"}),
        json.dumps({"room": "chan", "author": "bob", "text": "hi", "platform": "twitch"}),
        json.dumps({"room": "chan", "author": "ann", "text": "luna?", "platform": "twitch"}),
    ]
    out = await replay_lines(lines, PERSONAS)
    assert [o["replies"] for o in out[:2]] == [[], []]
    assert out[0]["suppressed"][0]["reason"] == "addressing: not mentioned in a group room"
    assert out[2]["replies"][0]["persona"] == "luna"


async def test_replay_is_deterministic():
    lines = [json.dumps(x) for x in TRANSCRIPT]
    first = await replay_lines(lines, PERSONAS)
    second = await replay_lines(lines, PERSONAS)
    assert first == second


async def test_replay_bad_values_get_errors_and_the_replay_goes_on():
    lines = [
        json.dumps({"room": "lobby", "author": "a", "text": 5}),
        json.dumps({"room": "lobby", "author": "a", "text": "x", "platform": "irc"}),
        json.dumps({"room": "lobby", "author": "a", "text": "x", "role": "wizard"}),
        json.dumps({"room": "lobby", "author": "a", "text": "x", "ts": "soon"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"room": "lobby", "author": "a", "text": "luna, still fine?"}),
    ]
    out = await replay_lines(lines, PERSONAS)
    assert [("error" in o) for o in out] == [True, True, True, True, True, False]
    assert out[-1]["replies"]


def test_replay_cli(tmp_path):
    transcript = tmp_path / "t.jsonl"
    transcript.write_text("\n".join(json.dumps(x) for x in TRANSCRIPT[:3]) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "replay", str(transcript), "--personas", str(PERSONAS)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["1", "2", "dm"]
    assert not (tmp_path / "data").exists()  # replay keeps its store temporary
