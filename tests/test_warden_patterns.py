"""Moderator regexes and terms: validated, and bounded at run time."""

from __future__ import annotations

import pytest

from cogs.warden import patterns
from cogs.warden.patterns import (
    BlockList,
    PatternError,
    compile_pattern,
    normalize_term,
    parse_entry,
)


def test_parse_entry() -> None:
    assert parse_entry("/gr[a4]pe/") == ("regex", "gr[a4]pe")
    assert parse_entry("  badword ") == ("term", "badword")
    assert parse_entry("/") == ("term", "/")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("bad(word", "invalid pattern"),
        ("", "empty pattern"),
        ("a*", "matches empty text"),
        ("x" * 400, "too long"),
        ("(a|aa)+$", "too slow"),
        ("(x|xx)+y", "too slow"),  # caught by a run of the pattern's own letter
        ("(.*){1,32000}[bc]", "too slow"),
    ],
)
def test_bad_patterns_are_refused_with_a_reason(source: str, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        compile_pattern(source)


def test_pattern_error_is_a_value_error() -> None:
    assert issubclass(PatternError, ValueError)


def test_good_patterns_compile_case_insensitive() -> None:
    assert compile_pattern(r"gr[a4]pe").search("GRAPE") is not None


def test_terms_are_validated() -> None:
    assert normalize_term("Free Robux") == "free robux"
    with pytest.raises(PatternError, match="too short"):
        normalize_term("a")
    with pytest.raises(PatternError, match="too long"):
        normalize_term("x" * 200)


def test_a_pattern_that_slips_past_validation_still_cannot_stall(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(patterns, "_PROBES", ())  # pretend validation missed it
    monkeypatch.setattr(patterns, "_literal_probes", lambda source: [])
    blocklist = BlockList(patterns=["(a|aa)+$"])
    assert blocklist.match("", [], "a" * 64 + "!") is None  # timed out, skipped
    assert blocklist.timeouts == 1
    assert blocklist.match("", [], "aaaa") is not None  # still works on normal input


def test_blocklist_terms_and_anchors() -> None:
    blocklist = BlockList(terms=["badword", "free robux"])
    assert blocklist.anchors == {"badword", "free"}
    assert blocklist.match("a badword here", ["a", "badword", "here"], "").entry == "badword"
    assert blocklist.match("get free robux", ["get", "free", "robux"], "").entry == "free robux"
    assert blocklist.match("free stuff", ["free", "stuff"], "") is None
    assert not BlockList()
