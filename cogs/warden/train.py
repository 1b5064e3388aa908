"""Train the Warden's text model (:mod:`cogs.warden.model`) on the labelled sets, and measure it.

    python -m cogs.warden.train                      # fit on every set, write data/model.json.gz
    python -m cogs.warden.train --held-out review3   # fit without review3, measure on it
    python -m cogs.warden.train --leave-one-out review review2

Deterministic: the same sets give the same weights file, byte for byte (no random numbers; the
features are sorted; full-batch Adam for a fixed number of steps).

Positives whose label comes from their place in a sequence (the 4th same line within 60 s, the
8th message within 10 s: the text itself is innocent) or from their shape alone (walls of emotes,
capitals or symbols, zalgo, mass mentions) are left out: those stay with the rules.
The thresholds are chosen by cross-validation over the training sets (each set scored by a
model fitted on the others, since a new chat differs from the sets as the sets differ from each
other): ``flag_at`` lets at most 0.2% of their ordinary lines through, ``delete_at`` 0.05%. A
set reported as held out never takes part in that choice.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.clock import VirtualClock
from cogs.warden.checks import MODEL, View
from cogs.warden.evaluate import Example, Report, assessments, evaluate, load
from cogs.warden.model import MODEL_PATH, TextModel, features

DATA = Path(__file__).resolve().parent / "data"
# ordinary.jsonl: ordinary lines only (link shares in many languages, chat commands), written
# for the model, whose first fit flagged short ordinary link shares: the other sets have few.
# Never a blind*.jsonl: a blind set is measured, not learned from.
SETS = ("dev", "holdout", "review", "review2", "review3", "review4", "ordinary")
# Fitting: L2 strength, Adam steps and step size, features seen in fewer than MIN_DF training
# texts are dropped, the MAX_FEATURES strongest are kept in the file.
L2 = 3e-6
STEPS = 1000
STEP_SIZE = 0.1
MIN_DF = 2
MAX_FEATURES = 20_000
FLAG_BUDGET = 0.002  # share of cross-validated ordinary lines the model may flag
DELETE_BUDGET = 0.0005  # ... and remove on its own
MIN_FLAG_AT = 0.5


# --- data ------------------------------------------------------------------------------------

_NON_WORD = re.compile(r"\W+")
_RUNS = re.compile(r"(.)\1+")


def _line_key(text: str) -> str:
    return _RUNS.sub(r"\1", _NON_WORD.sub("", text.lower()))


def sequence_labelled(examples: Sequence[Example]) -> list[bool]:
    """Which positives are labelled for their place in a sequence, not for their text: the
    label conventions' 4th same (or nearly the same) line from one author within 60 s, or 8th
    message within 10 s. Times as :func:`cogs.warden.evaluate.evaluate` gives them."""
    history: dict[str, list[tuple[float, str]]] = defaultdict(list)
    out = []
    now = 0.0
    for i, ex in enumerate(examples):
        now = ex.ts if ex.ts is not None else now + 3.0
        author = ex.author or f"anon{i}"
        key = _line_key(ex.text)
        past = history[author]
        flagged = False
        if ex.label != "ok":
            same = sum(
                1
                for t, k in past
                if now - t <= 60
                and (k == key or (len(key) > 4 and (k[:6] == key[:6] or k[-6:] == key[-6:])))
            )
            recent = sum(1 for t, _ in past if now - t <= 10)
            flagged = same >= 3 or recent >= 7
        past.append((now, key))
        out.append(flagged)
    return out


@dataclass(slots=True)
class Corpus:
    """Labelled texts with their features, and the set each came from."""

    texts: list[str]
    labels: np.ndarray  # 1.0 spam or scam, 0.0 ordinary
    sets: np.ndarray  # index into names
    names: tuple[str, ...]
    found: list[Counter[str]]

    def part(self, names: Sequence[str]) -> np.ndarray:
        return np.isin(self.sets, [self.names.index(n) for n in names])


# Checks that judge a text's shape, not what it says: a positive only they catch (an emote wall,
# zalgo, a capital wall, a mass mention) is left out too. The rules own those, with their role
# exemptions (a subscriber's emote wall is allowed), and the model learns what texts say.
SHAPE_CHECKS = frozenset(
    {"emotes", "repeated", "caps", "symbols", "length", "zalgo", "mentions", "flood", "repetition"}
)


def shape_labelled(examples: Sequence[Example]) -> list[bool]:
    """Which positives the rules catch by their shape alone (see SHAPE_CHECKS)."""
    from cogs.warden.engine import WardenEngine

    engine = WardenEngine(VirtualClock(0.0), model=None)
    return [
        ex.label != "ok" and bool(a.hits) and SHAPE_CHECKS.issuperset(a.checks)
        for ex, a in assessments(examples, engine=engine)
    ]


def corpus(sets: dict[str, Sequence[Example]]) -> Corpus:
    """The texts the model learns from: every ordinary line, and the positives whose label
    comes from their words (not from their place in a sequence, nor from their shape)."""
    texts, labels, where = [], [], []
    names = tuple(sets)
    for i, name in enumerate(names):
        examples = sets[name]
        left_out = zip(sequence_labelled(examples), shape_labelled(examples), strict=True)
        for ex, (sequence, shape) in zip(examples, left_out, strict=True):
            if sequence or shape:
                continue
            texts.append(ex.text)
            labels.append(0.0 if ex.label == "ok" else 1.0)
            where.append(i)
    found = [features(View(t)) for t in texts]
    return Corpus(texts, np.array(labels), np.array(where), names, found)


def load_sets(names: Sequence[str], folder: Path = DATA) -> dict[str, list[Example]]:
    return {name: load(folder / f"{name}.jsonl") for name in names}


# --- fitting ---------------------------------------------------------------------------------


def fit(found: Sequence[Counter[str]], labels: np.ndarray, *, steps: int = STEPS) -> TextModel:
    """Logistic regression on these feature sets (thresholds still to be chosen)."""
    counts = Counter(f for fs in found for f in fs)
    names = sorted(f for f, c in counts.items() if c >= MIN_DF)
    index = {f: i for i, f in enumerate(names)}
    rows, cols, vals = [], [], []
    for r, fs in enumerate(found):
        norm = 1.0 / math.sqrt(sum(fs.values()))  # as TextModel.logit: count / sqrt(total)
        for f, c in fs.items():
            i = index.get(f)
            if i is not None:
                rows.append(r)
                cols.append(i)
                vals.append(c * norm)
    row, col, val = np.array(rows, np.int64), np.array(cols, np.int64), np.array(vals)
    n, d = len(found), len(names)
    w, b = np.zeros(d), 0.0
    m, v, mb, vb = np.zeros(d), np.zeros(d), 0.0, 0.0
    y = labels.astype(float)
    for t in range(1, steps + 1):
        z = np.bincount(row, weights=w[col] * val, minlength=n) + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = (p - y) / n
        gw = np.bincount(col, weights=g[row] * val, minlength=d) + L2 * w
        gb = float(g.sum())
        m = 0.9 * m + 0.1 * gw
        v = 0.999 * v + 0.001 * gw * gw
        mb, vb = 0.9 * mb + 0.1 * gb, 0.999 * vb + 0.001 * gb * gb
        c1, c2 = 1 - 0.9**t, 1 - 0.999**t
        w -= STEP_SIZE * (m / c1) / (np.sqrt(v / c2) + 1e-8)
        b -= STEP_SIZE * (mb / c1) / (math.sqrt(vb / c2) + 1e-8)
    keep = np.argsort(-np.abs(w), kind="stable")[:MAX_FEATURES]
    weights = {names[i]: round(float(w[i]), 3) for i in keep if round(float(w[i]), 3)}
    return TextModel(weights, round(b, 4), 1.0, 1.0)


def probabilities(model: TextModel, texts: Sequence[str], *, gated: bool = False) -> np.ndarray:
    """The model's probabilities; ``gated``: 0 for texts its prefilter keeps from it, as in
    the engine."""
    views = [View(t) for t in texts]
    return np.array([model.probability(v) if not gated or v.gates & MODEL else 0.0 for v in views])


def threshold(ordinary: np.ndarray, budget: float) -> float:
    """The lowest threshold (to 0.001) that at most ``budget`` of ``ordinary`` scores reach."""
    ranked = np.sort(ordinary)[::-1]
    allowed = int(budget * len(ranked))
    if allowed >= len(ranked):
        return MIN_FLAG_AT
    return min(1.0, max(MIN_FLAG_AT, math.floor(ranked[allowed] * 1000 + 1) / 1000))


@dataclass(slots=True)
class CrossValidation:
    flag_at: float
    delete_at: float
    recall: float  # cross-validated, the model alone, at flag_at
    false_flags: float
    per_set: dict[str, tuple[float, float]]  # set -> (recall, false-flag rate) at flag_at


def cross_validate(data: Corpus, names: Sequence[str], *, steps: int = STEPS) -> CrossValidation:
    """Score each of ``names`` with a model fitted on the others; choose the thresholds."""
    scores = np.zeros(len(data.texts))
    for held in names:
        train = data.part([n for n in names if n != held])
        test = data.part([held])
        model = fit([data.found[i] for i in np.flatnonzero(train)], data.labels[train], steps=steps)
        scores[test] = probabilities(model, [data.texts[i] for i in np.flatnonzero(test)])
    inside = data.part(names)
    ok = inside & (data.labels == 0)
    bad = inside & (data.labels == 1)
    flag_at = threshold(scores[ok], FLAG_BUDGET)
    delete_at = max(flag_at, threshold(scores[ok], DELETE_BUDGET))
    per_set = {}
    for name in names:
        part = data.part([name])
        per_set[name] = (
            _share(scores[part & bad] >= flag_at),
            _share(scores[part & ok] >= flag_at, 0.0),
        )
    return CrossValidation(
        flag_at,
        delete_at,
        float((scores[bad] >= flag_at).mean()),
        float((scores[ok] >= flag_at).mean()),
        per_set,
    )


def _share(hits: np.ndarray, empty: float = 1.0) -> float:
    """The share of True in ``hits`` (``empty`` when there are none)."""
    return float(hits.mean()) if hits.size else empty


def train(data: Corpus, names: Sequence[str], *, steps: int = STEPS) -> TextModel:
    """Fit on ``names``, with thresholds cross-validated over them."""
    cv = cross_validate(data, names, steps=steps)
    part = data.part(names)
    model = fit([data.found[i] for i in np.flatnonzero(part)], data.labels[part], steps=steps)
    model.flag_at, model.delete_at = cv.flag_at, cv.delete_at
    model.info = {
        "trained_on": list(names),
        "cv_per_set": {n: [round(r, 4), round(f, 4)] for n, (r, f) in cv.per_set.items()},
        "texts": int(part.sum()),
        "features": len(model.weights),
        "cv_recall": round(cv.recall, 4),
        "cv_false_flags": round(cv.false_flags, 4),
    }
    return model


# --- measuring -------------------------------------------------------------------------------


def engine_report(examples: Sequence[Example], model: TextModel | None) -> Report:
    """The whole Warden (rules and, unless None, this model) on a labelled set."""
    from cogs.warden.engine import WardenEngine

    return evaluate(examples, engine=WardenEngine(VirtualClock(0.0), model=model))


def describe(name: str, examples: Sequence[Example], model: TextModel) -> str:
    rules = engine_report(examples, None)
    both = engine_report(examples, model)
    data = corpus({name: examples})
    p = probabilities(model, data.texts, gated=True)
    alone_recall = float((p[data.labels == 1] >= model.flag_at).mean())
    alone_ff = float((p[data.labels == 0] >= model.flag_at).mean())

    def line(what: str, r: Report) -> str:
        return (
            f"  {what:15} precision {r.precision:.3f}  recall {r.recall:.3f} (spam "
            f"{r.recall_of('spam'):.3f}, scam {r.recall_of('scam'):.3f})  false flags "
            f"{r.false_flag_rate:.2%} ({r.flagged['ok']}/{r.counts['ok']})"
        )

    return "\n".join(
        [
            f"== {name}, model trained on {', '.join(model.info.get('trained_on', []))} "
            f"(flag at {model.flag_at}, remove at {model.delete_at})",
            line("rules", rules),
            line("rules + model", both),
            f"  {'model alone':15} recall {alone_recall:.3f} of the texts it may judge "
            f"({int(data.labels.sum())}: sequence and shape positives left out), false flags "
            f"{alone_ff:.2%}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cogs.warden.train", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sets", nargs="+", default=list(SETS), help="labelled sets (names)")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the NAME.jsonl files")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="weights file to write")
    parser.add_argument("--held-out", metavar="SET", help="fit without SET, then measure on it")
    parser.add_argument(
        "--leave-one-out", nargs="+", metavar="SET", help="for each SET: fit on the others, measure"
    )
    parser.add_argument("--steps", type=int, default=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    start = time.process_time()
    sets = load_sets(args.sets, args.data)
    data = corpus(sets)
    held = [args.held_out] if args.held_out else args.leave_one_out or []
    for name in held:
        if name not in sets:
            parser.error(f"{name} is not one of --sets")
        names = [n for n in args.sets if n != name]
        model = train(data, names, steps=args.steps)
        print(describe(name, sets[name], model), flush=True)
    if not held:
        model = train(data, args.sets, steps=args.steps)
        model.save(args.out)
        info = model.info
        print(
            f"wrote {args.out}: {info['features']} features from {info['texts']} texts of "
            f"{', '.join(args.sets)}; flag at {model.flag_at}, remove at {model.delete_at}; "
            f"cross-validated (each set by a model of the others): recall {info['cv_recall']:.3f}"
            f", false flags {info['cv_false_flags']:.2%}"
        )
        for name, (recall, false_flags) in info["cv_per_set"].items():
            print(f"  {name:10} recall {recall:.3f}  false flags {false_flags:.2%}")
    print(f"({time.process_time() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
