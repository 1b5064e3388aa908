"""A small learned text classifier: one more check next to the rules (the ``model`` check).

Hand-written rules reach 1.000 on the set they were tuned on and about 0.81 recall on the next
blind set: they do not generalise to phrasings nobody wrote a rule for. A linear model over many
small pieces of text does, a little: logistic regression over

* character 3- and 4-grams of each word of the folded text (lookalike letters, fullwidth forms,
  accents and zalgo already undone by :mod:`cogs.warden.normalize`; punctuation kept), which
  carry across languages, inflections and misspellings;
* the match text's words and word pairs (leetspeak undone, spelt-out letters joined);
* a few shape features: a link (its TLD, a path, a scheme, disguised, on the default allowlist),
  "@", digits, currency signs, length, capitals, non-ASCII, lookalike or styled letters.

``python -m cogs.warden.train`` fits it on the labelled sets in ``data/`` (deterministically) and
writes ``data/model.json.gz``: the features kept, their weights, and the thresholds it chose by
cross-validation over the sets (never on a set it reports as held out). Flood and repetition stay
with the rules: the model sees one text, never a sequence.

The model is pure in the text, so its probability is kept on the View (exact repeats cost
nothing), and it only runs when :func:`worth_scoring` says a text could be an advert or a scam.
A missing or broken weights file is logged once and the Warden runs on its rules alone.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import re
from collections import Counter
from functools import lru_cache, reduce
from itertools import pairwise
from operator import add
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cogs.warden.links import DEFAULT_ALLOWLIST, DomainSet

if TYPE_CHECKING:
    from cogs.warden.checks import View

log = logging.getLogger(__name__)

FORMAT = 1  # the feature set and file layout; a file of another format is refused
MODEL_PATH = Path(__file__).resolve().parent / "data" / "model.json.gz"
GRAMS = (3, 4)  # character n-gram sizes
MAX_CHARS = 400  # n-grams of the first 400 characters only: walls are the rules' business
MAX_TOKENS = 80
_MAX_WORDS = 50_000  # words whose n-gram weights are kept (then the memory starts afresh)
# Below this many characters (a character of a script written without spaces counts three) a
# text without a link, an "@name" after a word or a scam word is not worth scoring: short
# ordinary chat ("gg", "what game is this?") is most of it, and adverts need room to pitch.
MIN_CHARS = 40
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff"
                       r"\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")  # fmt: skip
# Money: a currency sign, or a currency's name as a word (in match-text spelling).
_CURRENCY_SIGNS = frozenset("$€£¥₹₽₩₱฿₺₫")
_CURRENCY_RE = re.compile("[" + re.escape("".join(sorted(_CURRENCY_SIGNS))) + "]")
_CURRENCY_WORDS = frozenset("usd usdt eur btc eth rs rp".split())
_ALLOW = DomainSet(DEFAULT_ALLOWLIST)
# Feature prefixes: a character n-gram has none; these cannot start one (folded text has no
# control characters that survive as grams worth a weight).
WORD, PAIR, META = "\x01", "\x02", "\x03"


def worth_scoring(text: str, size: int, gates: int, link_or_scam: int) -> bool:
    """The cheap prefilter: whether the model may change anything for this text."""
    if size >= MIN_CHARS or gates & link_or_scam:
        return True
    if "@" in text[1:] and " @" in text:
        return True  # "follow me @name" (a leading "@name" is a reply)
    return size * 3 >= MIN_CHARS and not text.isascii() and _UNSPACED.search(text) is not None


def words(view: View) -> list[str]:
    """The folded text's words (punctuation kept: ".com", "://", "$"), the first MAX_CHARS."""
    return view.folded[:MAX_CHARS].split()


def word_grams(word: str) -> list[str]:
    """The character n-grams of one word, between word boundaries (" fr", "free", "ee ")."""
    s = f" {word} "
    return [s[i : i + n] for n in GRAMS for i in range(len(s) - n + 1)]


_LEN = tuple(f"{META}len{i}" for i in range(7))
_WORDS = tuple(f"{META}words{i}" for i in range(9))
_CAPS = tuple(f"{META}caps{i}" for i in range(5))
_DIGITS = tuple(f"{META}digits{i}" for i in range(4))
_ASCII_META = (META + "nonascii", META + "lookalike", META + "styled", META + "digit",
               META + "at", META + "money", META + "link", META + "allowed", META + "other",
               META + "disguised", META + "path", META + "scheme")  # fmt: skip
(_NONASCII, _LOOKALIKE, _STYLED, _DIGIT, _AT, _MONEY, _LINK, _ALLOWED, _OTHER, _DISGUISED,
 _PATH, _SCHEME) = _ASCII_META  # fmt: skip


def meta_features(view: View) -> list[str]:
    """The shape features of a text (see the module's docstring)."""
    raw = view.raw
    meta = [_LEN[min(6, len(raw) // 20)], _WORDS[min(8, len(view.tokens) // 3)]]
    upper, lower, digits = view.counts()
    if not view.ascii:
        meta.append(_NONASCII)
        fold = view.fold
        if fold.lookalikes:
            meta.append(_LOOKALIKE)
        if fold.styled:
            meta.append(_STYLED)
    if digits:
        meta.append(_DIGIT)
        meta.append(_DIGITS[min(3, digits // 3)])
    meta.append(_CAPS[(4 * upper) // (upper + lower or 1)])
    if "@" in raw:
        meta.append(_AT)
    if _CURRENCY_RE.search(raw) is not None or not _CURRENCY_WORDS.isdisjoint(view.tokens):
        meta.append(_MONEY)
    links = view.links()
    if links:
        meta.append(_LINK)
        for link in links:
            meta.append(f"{META}tld {link.domain.rsplit('.', 1)[-1]}")
            meta.append(_ALLOWED if link.domain in _ALLOW else _OTHER)
            if link.obfuscated:
                meta.append(_DISGUISED)
            if link.path:
                meta.append(_PATH)
            if link.scheme:
                meta.append(_SCHEME)
    return meta


def features(view: View) -> Counter[str]:
    """The features of one text and how often each occurs (the reference the fast scoring in
    :meth:`TextModel.probability` must agree with; training uses this)."""
    found: Counter[str] = Counter()
    for word in words(view):
        found.update(word_grams(word))
    tokens = view.tokens[:MAX_TOKENS]
    found.update([WORD + t for t in tokens])
    found.update([f"{PAIR}{a} {b}" for a, b in pairwise(tokens)])
    found.update(meta_features(view))
    return found


class ModelError(ValueError):
    """A weights file that cannot be used; the text says why."""


class TextModel:
    """Weights of a trained model, and the thresholds it was given."""

    __slots__ = ("_pair_w", "_token_w", "_words", "bias", "delete_at", "flag_at", "info",
                 "weights")  # fmt: skip

    def __init__(
        self,
        weights: dict[str, float],
        bias: float,
        flag_at: float,
        delete_at: float,
        info: dict[str, Any] | None = None,
    ) -> None:
        if not 0.0 < flag_at <= delete_at <= 1.0:
            raise ModelError(f"thresholds must be 0 < flag_at <= delete_at <= 1, not {flag_at}, "
                             f"{delete_at}")  # fmt: skip
        self.weights = weights
        self.bias = bias
        self.flag_at = flag_at
        self.delete_at = delete_at
        self.info = info or {}
        self._words: dict[str, float] = {}  # word -> the sum of its n-grams' weights
        # The word and word-pair weights by token (and pair of tokens): no key to build.
        self._token_w = {f[1:]: w for f, w in weights.items() if f[:1] == WORD}
        self._pair_w: dict[tuple[str, str], float] = {}
        for f, w in weights.items():
            if f[:1] == PAIR:
                first, _, second = f[1:].partition(" ")
                self._pair_w[first, second] = w

    def probability(self, view: View) -> float:
        """How likely the model finds this text spam or a scam (0..1)."""
        return self.of_logit(self.logit(view))

    def logit(self, view: View) -> float:
        """bias + (the sum of each feature's weight times its count) / sqrt(features), as
        :func:`features` counts them. A word's n-grams are summed once and kept (chat repeats
        its words), and words, word pairs and shape features have tables of their own, so a
        text costs a few look-ups per word."""
        known = self._words
        words = view.folded[:MAX_CHARS].split()
        entries = list(map(known.get, words))  # chat repeats its words: mostly all known
        if None in entries:
            weights = self.weights.get
            for i, entry in enumerate(entries):
                if entry is None:
                    word = words[i]
                    entry = known.get(word)  # the same new word twice in one text
                    if entry is None:
                        entry = sum(filter(None, map(weights, word_grams(word))))
                        if len(known) >= _MAX_WORDS:
                            known.clear()
                        known[word] = entry
                    entries[i] = entry
        # Summed left to right in C, the order a loop adds them in (the scores stay the same
        # to the last bit; sum() may compensate rounding on newer Pythons). A word of L
        # characters has L 4-grams and L - 1 3-grams between its boundaries (1 and 0 for one
        # character): 2 * (all the words' characters) - (the words) in all.
        total = reduce(add, entries, 0.0)
        count = 2 * len("".join(words)) - len(words)
        tokens = view.tokens
        if tokens:
            if len(tokens) > MAX_TOKENS:
                tokens = tokens[:MAX_TOKENS]
            total += sum(filter(None, map(self._token_w.get, tokens)))
            if len(tokens) > 1:
                total += sum(filter(None, map(self._pair_w.get, pairwise(tokens))))
            count += 2 * len(tokens) - 1
        meta = meta_features(view)
        total += sum(filter(None, map(self.weights.get, meta)))
        count += len(meta)
        return self.bias + total / math.sqrt(count)

    @staticmethod
    def of_logit(z: float) -> float:
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def score(self, p: float) -> float:
        """The check's score for probability ``p``: nothing below ``flag_at``, 0.6 (flag) there,
        rising to 1.0 (remove, in normal mode) at ``delete_at``."""
        if p < self.flag_at:
            return 0.0
        if p >= self.delete_at:
            return 1.0
        span = self.delete_at - self.flag_at
        return round(0.6 + 0.4 * (p - self.flag_at) / span, 2) if span > 0 else 1.0

    # --- the weights file --------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        names = sorted(self.weights)
        return {
            "format": FORMAT,
            "bias": round(self.bias, 4),
            "flag_at": self.flag_at,
            "delete_at": self.delete_at,
            "info": self.info,
            "scale": 1000,
            "features": names,
            "weights": [round(self.weights[n] * 1000) for n in names],
        }

    @classmethod
    def from_json(cls, data: Any) -> TextModel:
        if not isinstance(data, dict):
            raise ModelError("not a JSON object")
        if data.get("format") != FORMAT:
            raise ModelError(f"format {data.get('format')!r}, this Warden reads {FORMAT}")
        try:
            names, values, scale = data["features"], data["weights"], float(data["scale"])
            bias, flag_at, delete_at = (float(data[k]) for k in ("bias", "flag_at", "delete_at"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"missing or bad field: {exc}") from None
        if not (isinstance(names, list) and isinstance(values, list)) or len(names) != len(values):
            raise ModelError("features and weights must be lists of the same length")
        if not all(isinstance(n, str) for n in names) or not all(
            isinstance(v, int | float) and math.isfinite(v) for v in values
        ):
            raise ModelError("features must be strings and weights finite numbers")
        if not (math.isfinite(bias) and scale > 0):
            raise ModelError("bad bias or scale")
        weights = {n: v / scale for n, v in zip(names, values, strict=True) if v}
        info = data.get("info") if isinstance(data.get("info"), dict) else {}
        return cls(weights, bias, flag_at, delete_at, info)

    def save(self, path: str | Path) -> None:
        """Write the weights file: gzip-compressed JSON, byte for byte the same for the same
        model (no time stamp in the gzip header, sorted features)."""
        text = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        Path(path).write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def load(path: str | Path = MODEL_PATH) -> TextModel:
    """Read a weights file; raises ModelError (or OSError) saying what is wrong."""
    raw = Path(path).read_bytes()
    try:
        data = json.loads(gzip.decompress(raw).decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"not gzip-compressed JSON ({exc})") from None
    return TextModel.from_json(data)


def try_load(path: str | Path = MODEL_PATH) -> TextModel | None:
    """:func:`load`, or None (logged) when the file is missing or broken: the rules still run."""
    try:
        return load(path)
    except (OSError, ModelError) as exc:
        log.error("warden: text model %s unusable (%s); the rule checks run without it", path, exc)
        return None


@lru_cache(maxsize=1)
def default_model() -> TextModel | None:
    """The shipped model, loaded once per process."""
    return try_load(MODEL_PATH)
