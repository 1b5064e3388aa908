"""The escalation ladder and link permits, on virtual time."""

from __future__ import annotations

import pytest

from bot.clock import VirtualClock
from cogs.warden.ladder import Action, Ladder, LadderPolicy, Severity, user_key


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(10_000.0)


def test_first_offence_deletes_with_a_warning_then_a_repeat_times_out(clock: VirtualClock) -> None:
    ladder = Ladder(clock)
    first = ladder.decide("ann", Severity.MEDIUM, "link")
    assert (first.action, first.warn, first.offences) == (Action.DELETE, True, 1)
    assert first.removes
    clock.advance(59 * 60)
    second = ladder.decide("ann", Severity.MEDIUM)
    assert (second.action, second.seconds, second.warn) == (Action.TIMEOUT, 600, False)
    assert second.offences == 2


def test_the_window_forgets_old_offences(clock: VirtualClock) -> None:
    ladder = Ladder(clock)
    ladder.decide("ann", Severity.MEDIUM)
    clock.advance(3601)
    assert ladder.offences("ann") == 0
    assert ladder.decide("ann", Severity.MEDIUM).action is Action.DELETE


def test_users_are_separate(clock: VirtualClock) -> None:
    ladder = Ladder(clock)
    ladder.decide("ann", Severity.MEDIUM)
    assert ladder.decide("bob", Severity.MEDIUM).action is Action.DELETE


def test_low_severity_flags_and_is_no_offence(clock: VirtualClock) -> None:
    ladder = Ladder(clock)
    assert ladder.decide("ann", Severity.LOW).action is Action.FLAG
    assert ladder.offences("ann") == 0
    assert ladder.decide("ann", Severity.NONE).action is Action.ALLOW


def test_flag_only_touches_nothing(clock: VirtualClock) -> None:
    ladder = Ladder(clock, LadderPolicy(flag_only=True))
    for _ in range(5):
        verdict = ladder.decide("ann", Severity.HIGH)
        assert verdict.action is Action.FLAG and not verdict.removes
    assert ladder.offences("ann") == 0


def test_ban_only_when_configured(clock: VirtualClock) -> None:
    never = Ladder(clock)
    for _ in range(10):
        assert never.decide("ann", Severity.HIGH).action is not Action.BAN
    ladder = Ladder(clock, LadderPolicy(ban_after=3))
    actions = [ladder.decide("ann", Severity.MEDIUM).action for _ in range(3)]
    assert actions == [Action.DELETE, Action.TIMEOUT, Action.BAN]


def test_timeout_on_severe(clock: VirtualClock) -> None:
    ladder = Ladder(clock, LadderPolicy(timeout_on_severe=True, timeout_s=120))
    verdict = ladder.decide("ann", Severity.HIGH)
    assert (verdict.action, verdict.seconds) == (Action.TIMEOUT, 120)
    assert ladder.decide("bob", Severity.MEDIUM).action is Action.DELETE


def test_pardon_resets(clock: VirtualClock) -> None:
    ladder = Ladder(clock)
    ladder.decide("Ann", Severity.MEDIUM)
    assert ladder.pardon("@ann")
    assert not ladder.pardon("ann")
    assert ladder.decide("ann", Severity.MEDIUM).action is Action.DELETE


def test_permit_expires_by_the_clock(clock: VirtualClock) -> None:
    ladder = Ladder(clock)
    expires = ladder.permit("@Bob", 60)
    assert expires == clock.now() + 60
    assert ladder.is_permitted("u123", "bob")
    clock.advance(59)
    assert ladder.is_permitted("bob")
    assert ladder.permits() == {"bob": 1.0}
    clock.advance(1)
    assert not ladder.is_permitted("bob")
    assert ladder.permits() == {}


def test_permit_default_and_revoke(clock: VirtualClock) -> None:
    ladder = Ladder(clock)
    ladder.permit("bob")
    clock.advance(30)
    assert ladder.is_permitted("BOB")
    assert ladder.revoke("bob")
    assert not ladder.is_permitted("bob")
    with pytest.raises(ValueError, match="positive"):
        ladder.permit("bob", 0)


def test_memory_is_bounded(clock: VirtualClock) -> None:
    ladder = Ladder(clock, max_users=10)
    for i in range(100):
        ladder.decide(f"user{i}", Severity.MEDIUM)
    assert len(ladder._offences) <= 10


def test_user_key() -> None:
    assert user_key(" @Ann ") == "ann"
