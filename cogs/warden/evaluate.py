"""Evaluate the Warden on labelled chat: precision, recall and the false-flag rate.

Input is JSON Lines, one message per line::

    {"text": "free nitro at dlscord.gift", "label": "scam"}
    {"text": "hi chat", "label": "ok", "role": "subscriber", "author": "ann", "ts": 12.5}

``label`` is ``ok``, ``spam`` or ``scam`` (spam and scam are the positives); ``role``, ``author``
and ``ts`` are optional. Lines without an author get one of their own; lines without a time come
3 s after the previous one; times only matter relative to each other (flood, repetition).
A message counts as flagged when its severity is LOW or more, i.e. anything but "allow".

    python -m cogs.warden.evaluate cogs/warden/data/dev.jsonl [-v] [--mode strict] [--rules-only]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.clock import VirtualClock
from bot.message import Message, Platform, Role, Room, User
from cogs.warden.engine import Assessment, Mode, WardenConfig, WardenEngine

LABELS = ("ok", "spam", "scam")
RECALL_GOAL = 0.95
FALSE_FLAG_GOAL = 0.005


class DataError(ValueError):
    """A labelled file has a bad line; the text names the line."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    role: Role = Role.EVERYONE
    author: str | None = None
    ts: float | None = None
    line: int = 0


@dataclass(slots=True)
class Report:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    flagged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    misses: list[tuple[Example, Assessment]] = field(default_factory=list)
    false_flags: list[tuple[Example, Assessment]] = field(default_factory=list)

    @property
    def positives(self) -> int:
        return self.counts["spam"] + self.counts["scam"]

    @property
    def true_positives(self) -> int:
        return self.flagged["spam"] + self.flagged["scam"]

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.flagged["ok"]
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 1.0

    def recall_of(self, label: str) -> float:
        return self.flagged[label] / self.counts[label] if self.counts[label] else 1.0

    @property
    def false_flag_rate(self) -> float:
        return self.flagged["ok"] / self.counts["ok"] if self.counts["ok"] else 0.0

    @property
    def meets_goal(self) -> bool:
        return self.recall >= RECALL_GOAL and self.false_flag_rate <= FALSE_FLAG_GOAL

    def summary(self) -> str:
        lines = [
            f"messages     {sum(self.counts.values())} "
            f"(ok {self.counts['ok']}, spam {self.counts['spam']}, scam {self.counts['scam']})",
            f"precision    {self.precision:.3f}",
            f"recall       {self.recall:.3f}  (spam {self.recall_of('spam'):.3f}, "
            f"scam {self.recall_of('scam'):.3f})",
            f"false flags  {self.false_flag_rate:.2%}  "
            f"({self.flagged['ok']} of {self.counts['ok']} ordinary messages)",
            f"goal         recall >= {RECALL_GOAL}, false flags <= {FALSE_FLAG_GOAL:.1%}: "
            + ("met" if self.meets_goal else "NOT met"),
        ]
        return "\n".join(lines)


def load(path: str | Path) -> list[Example]:
    """Read a labelled JSONL file; raises DataError naming the first bad line."""
    examples = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            examples.append(parse_line(line, number))
    return examples


def parse_line(line: str, number: int = 0) -> Example:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise DataError(f"line {number}: expected an object with a string 'text'")
    label = data.get("label")
    if label not in LABELS:
        raise DataError(f"line {number}: label must be one of {', '.join(LABELS)}, not {label!r}")
    try:
        role = Role.parse(data.get("role", "everyone"))
    except ValueError as exc:
        raise DataError(f"line {number}: {exc}") from None
    ts = data.get("ts")
    if ts is not None and not isinstance(ts, int | float):
        raise DataError(f"line {number}: ts must be a number")
    author = data.get("author")
    return Example(data["text"], label, role, str(author) if author else None, ts, number)


def evaluate(
    examples: Iterable[Example],
    *,
    config: WardenConfig | None = None,
    engine: WardenEngine | None = None,
) -> Report:
    """Feed the examples in order through one engine on virtual time."""
    report = Report()
    for ex, assessment in assessments(examples, config=config, engine=engine):
        report.counts[ex.label] += 1
        if assessment.flagged:
            report.flagged[ex.label] += 1
            if ex.label == "ok":
                report.false_flags.append((ex, assessment))
        elif ex.label != "ok":
            report.misses.append((ex, assessment))
    return report


def assessments(
    examples: Iterable[Example],
    *,
    config: WardenConfig | None = None,
    engine: WardenEngine | None = None,
) -> Iterator[tuple[Example, Assessment]]:
    """Each example with the engine's assessment, in order, on virtual time."""
    clock = VirtualClock(0.0)
    if engine is None:
        engine = WardenEngine(clock, default=config)
    else:
        clock = engine.clock  # type: ignore[assignment]
    room = Room(Platform.LOCAL, "evaluation", "evaluation", member_count=100)
    shift = 0.0
    for i, ex in enumerate(examples):
        if ex.ts is None:
            clock.advance(3.0)
        else:
            if ex.ts + shift < clock.now():
                shift = clock.now() - ex.ts + 3600.0  # a new sequence starts an hour later
            clock.set(ex.ts + shift)
        author = ex.author or f"anon{i}"
        user = User(Platform.LOCAL, author, author, author, role=ex.role)
        msg = Message(str(i), room, user, ex.text, clock.now())
        yield ex, engine.assess(msg)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cogs.warden.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("files", nargs="+", help="labelled JSONL files")
    parser.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.NORMAL.value)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false flags")
    parser.add_argument(
        "--rules-only", action="store_true", help="without the text model (cogs/warden/model.py)"
    )
    args = parser.parse_args(argv)
    status = 0
    for name in args.files:
        try:
            examples = load(name)
        except (OSError, DataError) as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            status = 2
            continue
        config = WardenConfig(mode=Mode(args.mode))
        engine = WardenEngine(
            VirtualClock(0.0), default=config, model=None if args.rules_only else True
        )
        report = evaluate(examples, engine=engine)
        print(f"== {name}")
        print(report.summary())
        if args.verbose:
            for ex, a in report.misses:
                print(
                    f"  MISS  [{ex.label}] line {ex.line}: {ex.text[:90]!r}  {a.score} {a.reason}"
                )
            for ex, a in report.false_flags:
                print(f"  FALSE line {ex.line}: {ex.text[:90]!r}  score {a.score} {a.reason}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
