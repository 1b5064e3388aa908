"""Ping-pong suppression: the edges of the rule, and its contract checked against a brute force."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import VirtualClock
from bot.message import Platform, User
from bot.rules.pingpong import PingPongConfig, PingPongRule, speaker_key

ROOM = "discord:42"
HUMANS = {"h1", "h2"}


def feed(rule: PingPongRule, speakers: list[str], room: str = ROOM, start: float = 0.0) -> float:
    """Observe speakers one second apart; return the last timestamp."""
    ts = start
    for i, who in enumerate(speakers):
        ts = start + i
        rule.observe(room, who, who in HUMANS, ts)
    return ts


def converse(rule: PingPongRule, persona: str, other: str, turns: int) -> int:
    """A persona that answers another bot whenever the rule allows; count what it said."""
    said = 0
    ts = 0.0
    for _ in range(turns):
        rule.observe(ROOM, other, False, ts)
        ts += 1
        if rule.check(ROOM, persona, ts) is None:
            rule.observe(ROOM, persona, False, ts)
            said += 1
            ts += 1
    return said


def test_two_cycle_trips_after_five_repetitions() -> None:
    rule = PingPongRule()
    last = feed(rule, ["luna", "nova"] * 4 + ["luna"])
    # 4 full repetitions and a half: nova's reply completes the fifth, and is allowed.
    assert rule.check(ROOM, "nova", last) is None
    assert rule.check(ROOM, "luna", last) is None
    rule.observe(ROOM, "nova", False, last + 1)
    reason = rule.check(ROOM, "luna", last + 1)
    assert reason is not None
    assert reason.startswith("ping-pong: cycle (luna, nova) repeated 5 times")
    # And every further cycle message: the other bot's turn too, if it is a persona.
    assert rule.check(ROOM, "nova", last + 1) == reason
    assert rule.check(ROOM, "someone-else", last + 1) is None


def test_persona_answering_a_bot_speaks_exactly_threshold_times() -> None:
    assert converse(PingPongRule(), "luna", "discord:999", turns=50) == 5


def test_three_party_cycle() -> None:
    rule = PingPongRule()
    unit = ["a", "luna", "b", "luna"]
    last = feed(rule, unit * 5)
    reason = rule.check(ROOM, "luna", last)
    assert reason is not None and "cycle (a, luna, b, luna) repeated 5 times" in reason
    one_short = PingPongRule()
    last = feed(one_short, (unit * 5)[:-1])
    assert one_short.check(ROOM, "luna", last) is None  # luna completes the 5th: allowed


def test_three_party_cycle_is_not_mistaken_for_a_two_cycle() -> None:
    rule = PingPongRule()
    # (a, luna) alternates locally but the room's cycle is four long: no trip at 10 messages.
    last = feed(rule, ["a", "luna", "b", "luna"] * 3)
    assert rule.check(ROOM, "luna", last) is None
    trip = PingPongRule()
    feed(trip, ["a", "luna", "b", "luna"] * 5)
    found = trip.trip(ROOM, 19)
    assert found is not None and found.cycle == ("a", "luna", "b", "luna")
    assert found.members == frozenset({"a", "b", "luna"})


def test_reset_by_a_newcomer() -> None:
    rule = PingPongRule()
    last = feed(rule, ["luna", "nova"] * 5)
    assert rule.check(ROOM, "luna", last) is not None
    rule.observe(ROOM, "h1", True, last + 1)  # a person speaks up
    assert rule.check(ROOM, "luna", last + 1) is None
    # The chain starts over: another 4.5 repetitions are fine, the 5th trips again.
    last = feed(rule, ["luna", "nova"] * 4 + ["luna"], start=last + 2)
    assert rule.check(ROOM, "luna", last) is None
    rule.observe(ROOM, "nova", False, last + 1)
    assert rule.check(ROOM, "luna", last + 1) is not None


def test_reset_by_a_third_bot() -> None:
    rule = PingPongRule()
    last = feed(rule, ["luna", "nova"] * 5)
    rule.observe(ROOM, "discord:777", False, last + 1)
    assert rule.check(ROOM, "luna", last + 1) is None


def test_reset_by_the_cooldown() -> None:
    rule = PingPongRule()
    last = feed(rule, ["luna", "nova"] * 5)
    assert rule.check(ROOM, "luna", last + 599.9) is not None
    assert rule.check(ROOM, "luna", last + 600) is None
    rule.observe(ROOM, "luna", False, last + 600)  # the chain restarts with this message
    assert rule.trip(ROOM, last + 600) is None
    feed(rule, ["nova", "luna"] * 4, start=last + 601)
    assert rule.check(ROOM, "luna", last + 609) is None


def test_cooldown_follows_the_injected_clock() -> None:
    clock = VirtualClock(1000.0)
    rule = PingPongRule(clock=clock)
    for who in ["luna", "nova"] * 5:
        rule.observe(ROOM, who, False)  # ts from the clock
    assert rule.check(ROOM, "luna") is not None
    clock.advance(600)
    assert rule.check(ROOM, "luna") is None


def test_out_of_turn_member_keeps_the_trip() -> None:
    rule = PingPongRule()
    last = feed(rule, ["luna", "nova"] * 5)
    rule.observe(ROOM, "nova", False, last + 1)  # the other bot double-posts: still the loop
    assert rule.check(ROOM, "luna", last + 1) is not None


def test_human_in_the_cycle_never_trips_by_default() -> None:
    rule = PingPongRule()
    last = feed(rule, ["luna", "h1"] * 50)
    assert rule.check(ROOM, "luna", last) is None
    last = feed(rule, ["a", "luna", "h1", "luna"] * 20, start=last + 1)
    assert rule.check(ROOM, "luna", last) is None


def test_include_humans_setting() -> None:
    rule = PingPongRule()
    rule.configure(ROOM, include_humans=True)
    last = feed(rule, ["luna", "h1"] * 5)
    assert rule.check(ROOM, "luna", last) is not None


def test_per_room_threshold() -> None:
    rule = PingPongRule()
    rule.configure("local:tight", threshold=3)
    seq = ["luna", "nova"] * 3
    feed(rule, seq, room="local:tight")
    feed(rule, seq, room="local:loose")
    assert rule.check("local:tight", "luna", 5) is not None
    assert "limit 3" in (rule.check("local:tight", "luna", 5) or "")
    assert rule.check("local:loose", "luna", 5) is None
    assert rule.config_for("local:loose") == PingPongConfig()


def test_lowering_the_threshold_takes_effect_at_once() -> None:
    rule = PingPongRule()
    last = feed(rule, ["luna", "nova"] * 3)
    assert rule.check(ROOM, "luna", last) is None
    rule.configure(ROOM, threshold=2)
    assert rule.check(ROOM, "luna", last) is not None
    rule.reset_config(ROOM)
    assert rule.check(ROOM, "luna", last) is None


def test_a_speaker_repeating_itself_is_not_a_cycle() -> None:
    rule = PingPongRule()
    last = feed(rule, ["luna"] * 40)
    assert rule.check(ROOM, "luna", last) is None


def test_longest_cycle_is_six() -> None:
    six = PingPongRule()
    last = feed(six, ["a", "b", "c", "d", "e", "luna"] * 5)
    assert six.check(ROOM, "luna", last) is not None
    seven = PingPongRule()
    last = feed(seven, ["a", "b", "c", "d", "e", "f", "luna"] * 5)
    assert seven.check(ROOM, "luna", last) is None


def test_bad_configuration_is_refused_with_a_clear_error() -> None:
    rule = PingPongRule()
    with pytest.raises(ValueError, match="threshold must be at least 1"):
        rule.configure(ROOM, threshold=0)
    with pytest.raises(ValueError, match="cooldown must be positive"):
        rule.configure(ROOM, cooldown_s=-5)
    with pytest.raises(ValueError, match="whole number"):
        PingPongConfig(threshold=2.5)  # type: ignore[arg-type]
    assert rule.config_for(ROOM) == PingPongConfig()  # nothing half-applied


def test_users_map_to_speakers_and_names_appear_in_the_reason() -> None:
    luna = User(Platform.DISCORD, "111", name="sanctum", is_bot=True, persona="luna")
    other = User(Platform.DISCORD, "222", name="otherbot", display="Nova", is_bot=True)
    person = User(Platform.DISCORD, "333", name="ana")
    assert speaker_key(luna) == "luna"
    assert speaker_key(other) == "discord:222"
    rule = PingPongRule()
    for i in range(5):
        rule.observe_user(ROOM, luna, 2 * i)
        rule.observe_user(ROOM, other, 2 * i + 1)
    reason = rule.check(ROOM, "luna", 10)
    assert reason is not None and "cycle (Luna" not in reason and "(sanctum, Nova)" in reason
    rule.observe_user(ROOM, person, 11)
    assert rule.check(ROOM, "luna", 11) is None


def test_memory_is_bounded() -> None:
    rule = PingPongRule()
    feed(rule, ["a", "b", "c"] * 5000)
    state = rule._rooms[ROOM]
    assert len(state.hist) <= 6 and len(state.labels) <= 6
    # Rooms idle for their cooldown are swept as new ones arrive.
    for i in range(5000):
        rule.observe(f"local:r{i}", "a", False, i * 1.0)
    assert len(rule) < 2100


# -- the contract, against a brute force over whole sequences ------------------------------


def _primitive(unit: list[str]) -> bool:
    p = len(unit)
    return not any(p % d == 0 and unit[d:] + unit[:d] == unit for d in range(1, p))


def _reps(ids: list[str], p: int) -> int:
    if len(ids) < p:
        return 0
    r = p
    while r < len(ids) and ids[-r - 1] == ids[-r - 1 + p]:
        r += 1
    return r // p


def _eligible(seg: list[tuple[str, bool]], p: int, cfg: PingPongConfig) -> bool:
    ids = [s for s, _ in seg]
    return (
        _reps(ids, p) >= cfg.threshold
        and _primitive(ids[-p:])
        and (cfg.include_humans or not any(h for _, h in seg[-p:]))
    )


def reference(events: list[tuple[str, float]], cfg: PingPongConfig) -> list[frozenset[str] | None]:
    """The module docstring's definition, computed from scratch after every message."""
    seg: list[tuple[str, bool]] = []
    trip: frozenset[str] | None = None
    last: float | None = None
    out: list[frozenset[str] | None] = []
    for who, ts in events:
        if last is not None and ts - last >= cfg.cooldown_s:
            seg, trip = [], None
        if trip is not None and who not in trip:
            seg, trip = [], None
        seg.append((who, who in HUMANS))
        last = ts if last is None else max(last, ts)
        if trip is None:
            for p in range(2, 7):
                if _eligible(seg, p, cfg):
                    trip = frozenset(s for s, _ in seg[-p:])
                    break
        out.append(trip)
    return out


SPEAKERS = st.sampled_from(["luna", "nova", "a", "b", "h1", "h2"])
CYCLIC = st.lists(SPEAKERS, min_size=2, max_size=6).flatmap(
    lambda unit: st.tuples(st.just(unit), st.integers(1, 12), st.lists(SPEAKERS, max_size=8))
)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, float]]:
    """Random chatter mixed with repeated cycles, with occasional long gaps."""
    speakers: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        unit, times, noise = draw(CYCLIC)
        speakers += noise + unit * times
    events, ts = [], 0.0
    for who in speakers:
        ts += draw(st.sampled_from([0.0, 1.0, 30.0, 700.0]))
        events.append((who, ts))
    return events


@settings(max_examples=200, deadline=None)
@given(histories(), st.integers(1, 6), st.booleans())
def test_incremental_rule_matches_the_definition(
    events: list[tuple[str, float]], threshold: int, include_humans: bool
) -> None:
    cfg = PingPongConfig(threshold=threshold, include_humans=include_humans)
    rule = PingPongRule(cfg)
    expected = reference(events, cfg)
    for (who, ts), trip in zip(events, expected, strict=True):
        rule.observe(ROOM, who, who in HUMANS, ts)
        found = rule.trip(ROOM, ts)
        assert (found.members if found else None) == trip
        for persona in ("luna", "nova", "a"):
            blocked = rule.check(ROOM, persona, ts) is not None
            assert blocked == (trip is not None and persona in trip)


@settings(max_examples=200, deadline=None)
@given(histories(), st.integers(1, 6))
def test_check_agrees_with_what_observe_will_see(
    events: list[tuple[str, float]], threshold: int
) -> None:
    """A message the rule allows never starts repetition N+1; one that would is refused."""
    cfg = PingPongConfig(threshold=threshold)
    rule = PingPongRule(cfg)
    seg: list[tuple[str, bool]] = []
    last: float | None = None
    trip: frozenset[str] | None = None
    for who, ts in events:
        if last is not None and ts - last < cfg.cooldown_s:
            # Whoever would start (or extend) repetition N+1 of an eligible cycle is refused.
            for p in range(2, 7):
                if _eligible(seg, p, cfg):
                    assert rule.check(ROOM, seg[-p][0], ts) is not None
        # Keep the segment the same way the reference does, to ask about the next message.
        if (last is not None and ts - last >= cfg.cooldown_s) or (trip and who not in trip):
            seg, trip = [], None
        seg.append((who, who in HUMANS))
        last = ts if last is None else max(last, ts)
        if trip is None:
            for p in range(2, 7):
                if _eligible(seg, p, cfg):
                    trip = frozenset(s for s, _ in seg[-p:])
                    break
        rule.observe(ROOM, who, who in HUMANS, ts)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["luna", "nova", "a", "b"]), min_size=1, max_size=5),
    st.integers(0, 4),
    st.sampled_from(["h1", "h2"]),
    st.integers(1, 30),
    st.lists(st.sampled_from(["luna", "nova", "a"]), max_size=6),
)
def test_a_cycle_with_a_human_in_it_never_trips(
    bots: list[str], at: int, human: str, times: int, prefix: list[str]
) -> None:
    """Whatever the bots around the person do, a cycle through a person is a conversation."""
    unit = list(bots)
    unit.insert(min(at, len(unit)), human)
    rule = PingPongRule()  # the defaults
    for i, who in enumerate(prefix + unit * times):
        rule.observe(ROOM, who, who in HUMANS, float(i))
        assert rule.trip(ROOM, float(i)) is None
        for persona in ("luna", "nova", "a", "b"):
            assert rule.check(ROOM, persona, float(i)) is None


@st.composite
def human_every_other(draw: st.DrawFn) -> list[str]:
    """Any sequence in which every two consecutive speakers include a human."""
    out: list[str] = []
    for _ in range(draw(st.integers(1, 80))):
        if out and out[-1] not in HUMANS:
            out.append(draw(st.sampled_from(sorted(HUMANS))))
        else:
            out.append(draw(SPEAKERS))
    return out


@settings(max_examples=200, deadline=None)
@given(human_every_other(), st.integers(1, 5))
def test_never_trips_when_every_window_holds_a_human(speakers: list[str], threshold: int) -> None:
    rule = PingPongRule(PingPongConfig(threshold=threshold))
    for i, who in enumerate(speakers):
        rule.observe(ROOM, who, who in HUMANS, float(i))
        assert rule.trip(ROOM, float(i)) is None
        for persona in ("luna", "nova", "a", "b"):
            assert rule.check(ROOM, persona, float(i)) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["luna", "nova", "a", "h1", "h2"]), max_size=120),
    st.integers(1, 6),
    st.sampled_from([0.0, 1.0, 30.0]),
)
def test_by_default_a_trip_never_holds_a_human(speakers: list[str], threshold: int, gap: float):
    """Whatever the sequence (people in it or not), a loop the rule acts on is bots only."""
    rule = PingPongRule(PingPongConfig(threshold=threshold))
    for i, who in enumerate(speakers):
        rule.observe(ROOM, who, who in HUMANS, i * gap)
        found = rule.trip(ROOM, i * gap)
        assert found is None or not (found.members & HUMANS)
