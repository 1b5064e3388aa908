"""Quiet while humans are busy: ambient speech waits, direct address never does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import VirtualClock
from bot.rules.quiet import QuietConfig, QuietRule

ROOM = "twitch:somechannel"


def test_five_human_lines_in_a_minute_hold_ambient_speech() -> None:
    rule = QuietRule()
    for ts in (0, 10, 20, 30):
        rule.observe(ROOM, True, ts)
    assert rule.check(ROOM, 31, ambient=True) is None  # four is not busy
    rule.observe(ROOM, True, 40)
    reason = rule.check(ROOM, 41, ambient=True)
    assert reason is not None and reason.startswith("quiet: humans are busy")
    assert "last 60 s" in reason


def test_direct_address_is_always_answered() -> None:
    rule = QuietRule()
    for ts in range(20):
        rule.observe(ROOM, True, ts)
    assert rule.check(ROOM, 20, ambient=False) is None
    assert rule.check(ROOM, 20, ambient=True) is not None


def test_bots_and_personas_do_not_count() -> None:
    rule = QuietRule()
    for ts in range(50):
        rule.observe(ROOM, False, ts)
    assert rule.check(ROOM, 50) is None
    assert rule.human_count(ROOM, 50) == 0


def test_the_window_slides_with_the_clock() -> None:
    clock = VirtualClock(100.0)
    rule = QuietRule(clock=clock)
    for _ in range(5):
        rule.observe(ROOM, True)  # ts from the clock
        clock.advance(1)
    assert rule.check(ROOM) is not None
    # The oldest of the five was at 100: it leaves the window at 160.
    assert rule.busy_until(ROOM) == 160.0
    clock.set(159.9)
    assert rule.check(ROOM) is not None
    clock.set(160.0)
    assert rule.check(ROOM) is None
    assert rule.busy_until(ROOM) is None


def test_rooms_are_independent_and_configurable() -> None:
    rule = QuietRule()
    rule.configure("local:calm", threshold=2, window_s=10)
    for ts in (0, 1):
        rule.observe("local:calm", True, ts)
        rule.observe("local:busy", True, ts)
    assert rule.check("local:calm", 2) is not None
    assert rule.check("local:busy", 2) is None
    assert rule.check("local:calm", 10.5) is None  # the window is 10 s there
    # Raising a threshold keeps what was seen.
    rule.configure("local:calm", threshold=3)
    rule.observe("local:calm", True, 11)
    assert rule.check("local:calm", 11) is None
    rule.observe("local:calm", True, 12)
    rule.observe("local:calm", True, 13)
    assert rule.check("local:calm", 13) is not None


def test_bad_configuration_is_refused() -> None:
    rule = QuietRule()
    with pytest.raises(ValueError, match="threshold must be at least 1"):
        rule.configure(ROOM, threshold=0)
    with pytest.raises(ValueError, match="window must be positive"):
        rule.configure(ROOM, window_s=0)
    assert rule.config_for(ROOM) == QuietConfig()


def test_memory_is_bounded() -> None:
    rule = QuietRule()
    for ts in range(10_000):
        rule.observe(ROOM, True, ts * 0.01)
    assert len(rule._rooms[ROOM]) == 5
    for i in range(5000):
        rule.observe(f"local:r{i}", True, i * 1.0)
    assert len(rule) < 2100


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 30), st.booleans()), max_size=60),
    st.integers(1, 8),
    st.sampled_from([5.0, 60.0]),
    st.floats(0, 120),
)
def test_matches_counting_from_scratch(
    steps: list[tuple[float, bool]], threshold: int, window: float, extra: float
) -> None:
    rule = QuietRule(QuietConfig(threshold=threshold, window_s=window))
    ts, humans = 0.0, []
    for gap, human in steps:
        ts += gap
        rule.observe(ROOM, human, ts)
        if human:
            humans.append(ts)
    now = ts + extra
    busy = sum(1 for t in humans if now - t < window) >= threshold
    assert (rule.check(ROOM, now, ambient=True) is not None) == busy
    assert rule.check(ROOM, now, ambient=False) is None
