"""The evaluation script, and the goals on the labelled development set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cogs.warden.evaluate import (
    FALSE_FLAG_GOAL,
    RECALL_GOAL,
    DataError,
    evaluate,
    load,
    main,
    parse_line,
)

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "cogs" / "warden" / "data"


def test_dev_set_meets_the_goals() -> None:
    examples = load(DATA / "dev.jsonl")
    assert len(examples) >= 300
    report = evaluate(examples)
    assert report.recall >= RECALL_GOAL, report.summary()
    assert report.false_flag_rate <= FALSE_FLAG_GOAL, report.summary()
    assert report.recall_of("scam") >= RECALL_GOAL and report.recall_of("spam") >= RECALL_GOAL


def test_labelled_sets_are_well_formed() -> None:
    for name in (
        "dev.jsonl",
        "holdout.jsonl",
        "review.jsonl",
        "review2.jsonl",
        "review3.jsonl",
        "review4.jsonl",
        "blind5.jsonl",
        "review6.jsonl",
        "review7.jsonl",
    ):
        examples = load(DATA / name)
        labels = {ex.label for ex in examples}
        assert labels == {"ok", "spam", "scam"}, name
        assert sum(ex.label == "ok" for ex in examples) >= 200, name


def test_holdout_is_not_a_copy_of_dev() -> None:
    dev = {ex.text for ex in load(DATA / "dev.jsonl")}
    holdout = {ex.text for ex in load(DATA / "holdout.jsonl")}
    assert len(dev & holdout) <= 0.05 * len(holdout)


def test_bad_lines_name_their_line_number() -> None:
    with pytest.raises(DataError, match="line 3: not JSON"):
        parse_line("{nope", 3)
    with pytest.raises(DataError, match="line 4: label"):
        parse_line('{"text": "hi", "label": "maybe"}', 4)
    with pytest.raises(DataError, match="line 5: expected an object"):
        parse_line('{"label": "ok"}', 5)
    with pytest.raises(DataError, match="line 6: unknown role"):
        parse_line('{"text": "hi", "label": "ok", "role": "wizard"}', 6)
    ex = parse_line('{"text": "hi", "label": "ok", "role": "vip", "author": "a", "ts": 3}', 7)
    assert (ex.role.name, ex.author, ex.ts, ex.line) == ("VIP", "a", 3, 7)


def test_report_counts(tmp_path: Path) -> None:
    lines = [
        {"text": "hello chat", "label": "ok"},
        {"text": "nice play", "label": "ok"},
        {"text": "check my site myblog.net", "label": "spam"},
        {"text": "free nitro at dlscord.gift/x", "label": "scam"},
        {"text": "a perfectly innocent scam", "label": "scam"},
    ]
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", "utf-8")
    report = evaluate(load(path))
    assert report.counts == {"ok": 2, "spam": 1, "scam": 2}
    assert report.true_positives == 2 and report.recall == pytest.approx(2 / 3)
    assert report.precision == 1.0 and report.false_flag_rate == 0.0
    assert [ex.text for ex, _ in report.misses] == ["a perfectly innocent scam"]


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "hi", "label": "ok"}\n{"text": "x myblog.net", "label": "spam"}\n')
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert main([str(good), "-v"]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out and "false flags" in out
    assert main([str(bad)]) == 2
    assert "line 1: not JSON" in capsys.readouterr().err


def test_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cogs.warden.evaluate", str(DATA / "dev.jsonl")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "goal" in result.stdout and "recall" in result.stdout
