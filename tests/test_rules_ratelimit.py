"""Outbound rate limits, the bounded outbound queue and command cooldowns, on virtual time."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import VirtualClock
from bot.message import Platform
from bot.platforms import LIMITS, PlatformLimits, Rate
from bot.rules.ratelimit import CooldownTracker, OutboundQueue, RateLimiter

TWITCH = "twitch:somechannel"


def admitted(
    limiter: RateLimiter, platform: str, room: str, times: list[float], **kw
) -> list[float]:
    return [t for t in times if limiter.try_acquire(platform, room, t, **kw).ok]


def max_in_window(times: list[float], per: float) -> int:
    """The most sends in any half-open window (t - per, t]."""
    return max((sum(1 for u in times if t - per < u <= t) for t in times), default=0)


def test_thirty_twitch_sends_in_thirty_seconds() -> None:
    times = [float(i) for i in range(30)]
    assert len(admitted(RateLimiter(), "twitch", TWITCH, times)) == 20
    assert len(admitted(RateLimiter(), "twitch", TWITCH, times, bot_is_moderator=True)) == 30


def test_twitch_moderator_limit_is_one_hundred() -> None:
    times = [i * 0.2 for i in range(150)]  # 150 sends in 30 s
    got = admitted(RateLimiter(), "twitch", TWITCH, times, bot_is_moderator=True)
    assert len(got) == 100
    assert max_in_window(got, 30.0) == 100


def test_twitch_counts_for_the_whole_account() -> None:
    limiter = RateLimiter()
    a = admitted(limiter, "twitch", "twitch:one", [float(i) for i in range(15)])
    b = admitted(limiter, "twitch", "twitch:two", [15.0 + i for i in range(15)])
    assert len(a) + len(b) == 20
    # A persona with its own Twitch login has its own bucket.
    other = admitted(limiter, "twitch", "twitch:two", [16.0, 17.0], account="nova")
    assert other == [16.0, 17.0]


def test_a_refusal_says_why_and_when() -> None:
    limiter = RateLimiter()
    admitted(limiter, "twitch", TWITCH, [0.0] * 20)
    adm = limiter.try_acquire("twitch", TWITCH, 10.0)
    assert not adm.ok
    assert adm.wait_s == pytest.approx(20.0)
    assert (
        adm.reason
        == "rate limit: twitch allows 20 messages per 30 s for the account; next slot in 20.0 s"
    )
    assert limiter.try_acquire("twitch", TWITCH, 30.0).ok


def test_discord_five_per_five_seconds_per_channel() -> None:
    limiter = RateLimiter()
    times = [i * 0.5 for i in range(20)]  # 20 sends in 10 s per channel
    one = admitted(limiter, "discord", "discord:1", times)
    two = admitted(limiter, "discord", "discord:2", times)
    assert one == two == [0.0, 0.5, 1.0, 1.5, 2.0, 5.0, 5.5, 6.0, 6.5, 7.0]
    assert max_in_window(one, 5.0) == 5


def test_matrix_burst_of_ten_then_one_per_five_seconds() -> None:
    limiter = RateLimiter()
    room = "matrix:!abc:example.org"
    burst = admitted(limiter, "matrix", room, [0.0] * 15)
    assert len(burst) == 10
    adm = limiter.try_acquire("matrix", room, 1.0)
    assert not adm.ok and adm.wait_s == pytest.approx(4.0)
    assert "0.2/s with a burst of 10" in (adm.reason or "")
    steady = admitted(limiter, "matrix", room, [t * 1.0 for t in range(1, 31)])
    assert steady == [5.0, 10.0, 15.0, 20.0, 25.0, 30.0]


def test_local_is_unlimited() -> None:
    limiter = RateLimiter()
    assert len(admitted(limiter, Platform.LOCAL, "local:lobby", [0.0] * 10_000)) == 10_000
    assert limiter.bucket_key("local", "local:lobby") is None
    assert len(limiter) == 0


def test_unknown_platform_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown platform 'irc'"):
        RateLimiter().try_acquire("irc", "irc:#x", 0.0)


def test_limits_are_injectable_and_the_clock_is_used() -> None:
    clock = VirtualClock(50.0)
    limits = dict(LIMITS)
    limits[Platform.LOCAL] = PlatformLimits(max_length=100, one_line=False, rate=Rate(2, 10.0))
    limiter = RateLimiter(limits, clock=clock)
    assert limiter.try_acquire("local", "local:lobby").ok
    assert limiter.try_acquire("local", "local:lobby").ok
    assert not limiter.try_acquire("local", "local:lobby").ok
    clock.advance(10)
    assert limiter.try_acquire("local", "local:lobby").ok


def test_idle_buckets_expire() -> None:
    limiter = RateLimiter()
    for i in range(5000):
        limiter.try_acquire("discord", f"discord:{i}", i * 1.0)
    assert len(limiter) < 2100


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 3), min_size=1, max_size=200),
    st.sampled_from(["twitch", "discord"]),
    st.booleans(),
)
def test_a_window_is_never_exceeded(gaps: list[float], platform: str, moderator: bool) -> None:
    times, t = [], 0.0
    for g in gaps:
        t += g
        times.append(t)
    rate = LIMITS[Platform(platform)].rate
    assert rate is not None
    limit = 100 if (platform == "twitch" and moderator) else rate.count
    got = admitted(RateLimiter(), platform, f"{platform}:x", times, bot_is_moderator=moderator)
    assert max_in_window(got, rate.per) <= limit


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 8), min_size=1, max_size=120))
def test_a_token_bucket_is_never_exceeded(gaps: list[float]) -> None:
    times, t = [], 0.0
    for g in gaps:
        t += g
        times.append(t)
    got = admitted(RateLimiter(), "matrix", "matrix:!r:x", times)
    for i, a in enumerate(got):
        for b in got[i:]:
            in_span = sum(1 for u in got if a <= u <= b)
            assert in_span <= 10 + (b - a) * 0.2 + 1e-6


# -- the outbound queue --------------------------------------------------------------------


def test_queue_holds_what_exceeds_and_releases_it_on_time() -> None:
    limiter = RateLimiter()
    queue: OutboundQueue[str] = OutboundQueue(limiter, max_size=50, max_wait_s=120)
    tickets = [queue.submit(f"m{i}", "twitch", TWITCH, 0.0) for i in range(30)]
    assert [t.status for t in tickets] == ["send"] * 20 + ["queued"] * 10
    assert {t.at for t in tickets[20:]} == {30.0}
    assert "goes in 30.0 s" in (tickets[20].reason or "")
    assert len(queue) == 10 and queue.pending("twitch", TWITCH) == 10
    assert queue.next_due(0.0) == 30.0
    assert queue.due(29.9) == []
    assert queue.due(30.0) == [f"m{i}" for i in range(20, 30)]
    assert len(queue) == 0 and queue.next_due(30.0) is None


def test_queue_is_first_in_first_out_per_bucket() -> None:
    queue: OutboundQueue[str] = OutboundQueue(RateLimiter())
    for i in range(7):
        queue.submit(f"a{i}", "discord", "discord:1", 0.0)
    queue.submit("b0", "discord", "discord:2", 0.0)
    # A slot freed, but a newcomer still waits behind the queued ones.
    t = queue.submit("a7", "discord", "discord:1", 5.0)
    assert t.status == "queued" and t.at == pytest.approx(5.0)
    assert queue.due(5.0) == ["a5", "a6", "a7"]


def test_queue_estimates_later_slots() -> None:
    queue: OutboundQueue[str] = OutboundQueue(RateLimiter(), max_wait_s=100)
    for i in range(10):
        queue.submit(f"m{i}", "matrix", "matrix:!r:x", 0.0)
    ats = [queue.submit(f"q{i}", "matrix", "matrix:!r:x", 0.0).at for i in range(3)]
    assert ats == pytest.approx([5.0, 10.0, 15.0])
    assert queue.due(5.0) == ["q0"]
    assert queue.due(14.9) == ["q1"]
    assert queue.due(15.0) == ["q2"]


def test_queue_bound_drops_the_oldest() -> None:
    queue: OutboundQueue[str] = OutboundQueue(RateLimiter(), max_size=3, max_wait_s=600)
    for i in range(5):
        queue.submit(f"s{i}", "discord", "discord:1", 0.0)
    for i in range(5):
        assert queue.submit(f"q{i}", "discord", "discord:1", 0.0).status == "queued"
    assert len(queue) == 3
    dropped = queue.take_dropped()
    assert [item for item, _ in dropped] == ["q0", "q1"]
    assert all("full (3), oldest dropped" in why for _, why in dropped)
    assert queue.take_dropped() == []
    assert queue.due(5.0) == ["q2", "q3", "q4"]


def test_queue_bound_can_refuse_the_new() -> None:
    queue: OutboundQueue[str] = OutboundQueue(
        RateLimiter(), max_size=2, max_wait_s=600, when_full="refuse"
    )
    for i in range(5):
        queue.submit(f"s{i}", "discord", "discord:1", 0.0)
    assert queue.submit("q0", "discord", "discord:1", 0.0).status == "queued"
    assert queue.submit("q1", "discord", "discord:1", 0.0).status == "queued"
    t = queue.submit("q2", "discord", "discord:1", 0.0)
    assert not t.ok and t.reason == "rate limit: queue for discord is full (2)"
    assert queue.take_dropped() == []


def test_queue_refuses_what_would_wait_too_long() -> None:
    queue: OutboundQueue[str] = OutboundQueue(RateLimiter(), max_wait_s=10)
    for i in range(20):
        queue.submit(f"s{i}", "twitch", TWITCH, 0.0)
    t = queue.submit("late", "twitch", TWITCH, 5.0)
    assert t.status == "dropped"
    assert t.reason == (
        "rate limit: twitch allows 20 messages per 30 s for the account; "
        "next slot in 25.0 s (max wait 10 s)"
    )
    assert len(queue) == 0


def test_a_queue_with_no_wait_is_drop_mode() -> None:
    """What replay uses: 30 Twitch mentions in 30 s get at most 20 replies, the rest a reason."""
    queue: OutboundQueue[int] = OutboundQueue(RateLimiter(), max_wait_s=0)
    tickets = [queue.submit(i, "twitch", TWITCH, float(i)) for i in range(30)]
    assert sum(t.status == "send" for t in tickets) == 20
    assert all(t.status == "dropped" and t.reason for t in tickets[20:])
    assert tickets[20].reason == (
        "rate limit: twitch allows 20 messages per 30 s for the account; "
        "next slot in 10.0 s (max wait 0 s)"
    )
    assert len(queue) == 0


def test_queue_drops_what_went_stale() -> None:
    queue: OutboundQueue[str] = OutboundQueue(RateLimiter(), max_wait_s=10, grace_s=1)
    for i in range(5):
        queue.submit(f"s{i}", "discord", "discord:1", 0.0)
    assert queue.submit("q", "discord", "discord:1", 0.0).status == "queued"
    assert queue.next_due(0.0) == 5.0
    assert queue.due(11.5) == []  # the flusher slept through it
    assert queue.take_dropped() == [("q", "rate limit: waited more than 10 s for discord")]


def test_local_is_never_queued() -> None:
    queue: OutboundQueue[str] = OutboundQueue(RateLimiter())
    assert all(queue.submit("x", "local", "local:lobby", 0.0).status == "send" for _ in range(100))


def test_queue_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="max_size"):
        OutboundQueue(RateLimiter(), max_size=0)
    with pytest.raises(ValueError, match="when_full"):
        OutboundQueue(RateLimiter(), when_full="shrug")  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 4), st.sampled_from(["discord:1", "discord:2"]), st.booleans()),
        min_size=1,
        max_size=120,
    ),
    st.integers(1, 10),
    st.sampled_from(["drop_oldest", "refuse"]),
)
def test_queue_never_sends_over_the_limit_and_loses_nothing_silently(
    steps: list[tuple[float, str, bool]], max_size: int, when_full: str
) -> None:
    queue: OutboundQueue[int] = OutboundQueue(
        RateLimiter(),
        max_size=max_size,
        max_wait_s=20,
        when_full=when_full,  # type: ignore[arg-type]
    )
    sent: dict[str, list[float]] = {"discord:1": [], "discord:2": []}
    room_of: dict[int, str] = {}
    refused = 0
    t = 0.0
    for n, (gap, room, flush) in enumerate(steps):
        t += gap
        if flush:
            for item in queue.due(t):
                sent[room_of[item]].append(t)
        room_of[n] = room
        ticket = queue.submit(n, "discord", room, t)
        if ticket.status == "send":
            sent[room].append(t)
        elif ticket.status == "dropped":
            refused += 1
        assert queue.pending("discord", room) <= max_size
    t += 100
    for item in queue.due(t):
        sent[room_of[item]].append(t)
    dropped = queue.take_dropped()
    assert all(why.startswith("rate limit: ") for _, why in dropped)
    assert sum(map(len, sent.values())) + refused + len(dropped) == len(steps)
    for times in sent.values():
        assert max_in_window(times, 5.0) <= 5


# -- command cooldowns ---------------------------------------------------------------------


def test_cooldown_per_key() -> None:
    cd = CooldownTracker()
    key = ("!ping", "twitch:123")
    assert cd.hit(key, 10, now=0.0) == 0.0
    assert cd.hit(key, 10, now=4.0) == pytest.approx(6.0)
    assert cd.hit(key, 10, now=9.0) == pytest.approx(1.0)  # a flood does not extend it
    assert cd.hit(("!ping", "twitch:456"), 10, now=9.0) == 0.0
    assert cd.remaining(key, 9.5) == pytest.approx(0.5)
    assert cd.hit(key, 10, now=10.0) == 0.0
    cd.reset(key)
    assert cd.hit(key, 10, now=10.5) == 0.0


def test_cooldown_zero_never_blocks_and_clock_is_used() -> None:
    clock = VirtualClock(0.0)
    cd = CooldownTracker(clock)
    assert cd.hit("k", 0) == 0.0 and cd.hit("k", 0) == 0.0
    assert cd.hit("room:lobby", 30) == 0.0
    clock.advance(29)
    assert cd.hit("room:lobby", 30) == pytest.approx(1.0)
    clock.advance(1)
    assert cd.hit("room:lobby", 30) == 0.0
    cd.reset()
    assert len(cd) == 0


def test_cooldown_memory_is_bounded() -> None:
    cd = CooldownTracker()
    for i in range(20_000):
        cd.hit(("!ping", i), 5.0, now=float(i))
    assert len(cd) < 8200


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 5), max_size=80), st.floats(0.5, 10))
def test_successful_hits_are_a_cooldown_apart(gaps: list[float], seconds: float) -> None:
    cd = CooldownTracker()
    t, ok = 0.0, []
    for g in gaps:
        t += g
        if cd.hit("k", seconds, now=t) == 0.0:
            ok.append(t)
    # (a tolerance for float subtraction: 1.5395 + 1.0 - 1.5395 is 0.99999999...)
    assert all(b - a >= seconds - 1e-9 for a, b in itertools.pairwise(ok))
