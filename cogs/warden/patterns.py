"""Moderator blocklists: plain terms and regexes, made safe to run on every message.

A term ("badword", "free robux") is folded like chat is (lookalikes, leetspeak, spaced letters),
so one entry catches its disguises. A regex is compiled with the ``regex`` module, rejected when
it is invalid, too long, matches empty text or backtracks catastrophically on probe strings, and
always runs with a timeout, so no pattern can stall the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import regex

from cogs.warden.normalize import skeleton

log = logging.getLogger(__name__)

MAX_PATTERN_LENGTH = 300
MAX_TERM_LENGTH = 100
MATCH_TIMEOUT_S = 0.005  # per pattern per message
PROBE_TIMEOUT_S = 0.05
# Inputs that make backtracking patterns explode: long runs, then a character that fails.
_PROBES = (
    "a" * 48 + "!",
    "ab" * 24 + "!",
    "0" * 48 + "x",
    " " * 48 + "!",
    "x " * 24 + "!",
    "aaa.bbb." * 6 + "!",
)


class PatternError(ValueError):
    """A moderator's term or regex was refused; the text says why in one line."""


def parse_entry(entry: str) -> tuple[str, str]:
    """``"/re/"`` -> ("regex", "re"); anything else -> ("term", entry)."""
    text = entry.strip()
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        return "regex", text[1:-1]
    return "term", text


def compile_pattern(source: str) -> regex.Pattern[str]:
    """Compile a moderator's regex (case-insensitive) or raise :class:`PatternError`."""
    if not source:
        raise PatternError("empty pattern")
    if len(source) > MAX_PATTERN_LENGTH:
        raise PatternError(f"pattern too long ({len(source)} > {MAX_PATTERN_LENGTH} characters)")
    try:
        pattern = regex.compile(source, regex.IGNORECASE)
    except regex.error as exc:
        raise PatternError(f"invalid pattern /{source}/: {exc}") from None
    try:
        if pattern.search("", timeout=PROBE_TIMEOUT_S) is not None:
            raise PatternError(
                f"pattern /{source}/ matches empty text and would flag every message"
            )
        for probe in (*_PROBES, *_literal_probes(source)):
            pattern.search(probe, timeout=PROBE_TIMEOUT_S)
    except TimeoutError:
        raise PatternError(f"pattern /{source}/ is too slow (catastrophic backtracking)") from None
    return pattern


def _literal_probes(source: str) -> list[str]:
    """Runs of the pattern's own letters and digits, then a character that fails: what makes
    ``(x|xx)+y`` explode is a long run of ``x``, which the fixed probes do not contain."""
    literals = dict.fromkeys(
        ch.lower()
        for i, ch in enumerate(source)
        if ch.isalnum() and ch.isascii() and not (i and source[i - 1] == "\\")
    )
    return [ch * 48 + "!" for ch in list(literals)[:12]]


def normalize_term(term: str) -> str:
    """A blocked term in match-text form, or :class:`PatternError`."""
    text = term.strip()
    if len(text) > MAX_TERM_LENGTH:
        raise PatternError(f"term too long ({len(text)} > {MAX_TERM_LENGTH} characters)")
    folded = " ".join(skeleton(text).split())
    if len(folded.replace(" ", "")) < 2:
        raise PatternError(f"term {term!r} is too short to block safely")
    return folded


@dataclass(frozen=True, slots=True)
class BlockHit:
    entry: str  # the term or /regex/ as the moderator wrote it


class BlockList:
    """One room's blocked terms and regexes, compiled."""

    __slots__ = ("_multi", "_patterns", "_single", "anchors", "timeouts")

    def __init__(self, terms: Iterable[str] = (), patterns: Iterable[str] = ()) -> None:
        single: dict[str, str] = {}
        multi: list[tuple[str, str]] = []
        for term in terms:
            folded = normalize_term(term)
            if " " in folded:
                multi.append((f" {folded} ", term))
            else:
                single[folded] = term
        self._single = single
        self._multi = tuple(multi)
        self._patterns = tuple((compile_pattern(p), p) for p in patterns)
        # Words whose presence means a term might match (the rest is skipped cheaply).
        self.anchors = frozenset(single) | frozenset(m.split()[0] for m, _ in multi)
        self.timeouts = 0

    def __bool__(self) -> bool:
        return bool(self._single or self._multi or self._patterns)

    @property
    def has_patterns(self) -> bool:
        return bool(self._patterns)

    def match(self, mtext: str, tokens: Iterable[str], folded: str) -> BlockHit | None:
        """The first entry that matches: terms against match text, regexes against folded text."""
        if self._single or self._multi:
            words = self.anchors.intersection(tokens)
            if words:
                for word in words:
                    term = self._single.get(word)
                    if term is not None:
                        return BlockHit(term)
                padded = f" {mtext} "
                for needle, term in self._multi:
                    if needle in padded:
                        return BlockHit(term)
        for pattern, source in self._patterns:
            try:
                if pattern.search(folded, timeout=MATCH_TIMEOUT_S) is not None:
                    return BlockHit(f"/{source}/")
            except TimeoutError:
                self.timeouts += 1
                if self.timeouts & (self.timeouts - 1) == 0:  # 1st, 2nd, 4th, 8th... time
                    log.warning("warden pattern /%s/ timed out (%d times)", source, self.timeouts)
        return None
