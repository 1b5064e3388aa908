"""Ping-pong suppression: personas (and other bots) must not talk to each other in circles.

The contract, which the tests, replay and the dispatcher rely on
-----------------------------------------------------------------
Per room the rule keeps the sequence S of speakers since the room's last reset. For a period p
in 2..6 the *run* r_p is the length of the longest suffix of S in which every speaker equals
the one p places before it. The last p speakers form the *unit* U_p, and the suffix holds
``r_p // p`` *full repetitions* of U_p, counted back from the end of S.

After a message, the room *trips* on the smallest p for which

- ``r_p // p >= N`` (the room's ``threshold``, default 5): S ends with U_p repeated N times,
- U_p is primitive (its own shortest period is p: ``(A,B,A,B)`` is twice ``(A,B)``, and
  ``(A,A)`` is one speaker repeating, not a cycle), and
- no speaker of U_p is human, unless the room sets ``include_humans``: a person chatting with
  Luna is a conversation, not a loop.

While tripped, :meth:`PingPongRule.check` refuses every speaker of the cycle: first the message
that would start repetition N+1 (or extend it, when another bot started it), then every further
one, in turn or not. So with N = 5, Luna and another bot each speak five times, and Luna's
sixth line is held. The trip, and the sequence, reset when

- a speaker outside the cycle posts (a human joins in, a third bot), or
- ``cooldown_s`` (default 600) passes on the clock since the room's last message. Such a gap
  restarts S even when the room is not tripped: one line each per quarter hour is no runaway.

:meth:`check` agrees with :meth:`observe`: if ``check(room, p, now)`` allows ``p``, then p's
message, observed at ``now``, starts no repetition N+1 of any cycle; it may complete repetition
N, and then the *next* cycle message is the one refused.

Cost: ``observe`` is O(1) (five comparisons against the last six speakers) and a room holds six
speakers whatever its length, so the dispatcher can run it on every message.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from bot.clock import Clock, SystemClock
from bot.message import User

MIN_PERIOD = 2
MAX_PERIOD = 6
_PERIODS = range(MIN_PERIOD, MAX_PERIOD + 1)


@dataclass(frozen=True, slots=True)
class PingPongConfig:
    threshold: int = 5  # N: full repetitions of the cycle that trip the rule
    cooldown_s: float = 600.0  # quiet on the clock after which a room's chain starts over
    include_humans: bool = False  # True: a cycle with a person in it trips too

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int):
            raise ValueError(f"ping-pong threshold must be a whole number, not {self.threshold!r}")
        if self.threshold < 1:
            raise ValueError(f"ping-pong threshold must be at least 1, not {self.threshold}")
        if not self.cooldown_s > 0:
            raise ValueError(f"ping-pong cooldown must be positive, not {self.cooldown_s!r}")


@dataclass(frozen=True, slots=True)
class Trip:
    """A detected loop: its unit in speaking order, who is in it, and the one-line reason."""

    cycle: tuple[str, ...]
    members: frozenset[str]
    repetitions: int
    reason: str


def speaker_key(user: User) -> str:
    """The id the rule tracks for a message author.

    A persona is its persona id on every account that speaks for it (so its own echo and a
    ``check`` for that persona agree); anyone else is the platform user key (``discord:123``).
    The two never collide: user keys always carry a ``platform:`` prefix, persona slugs do not.
    """
    return user.persona if user.persona is not None else user.key


@functools.lru_cache(maxsize=4096)
def _is_primitive(unit: tuple[str, ...]) -> bool:
    # Cached: a room going round the same cycle (a person and a persona taking turns in a DM)
    # asks about the same few units on every message.
    p = len(unit)
    for d in range(1, p):
        if p % d == 0 and all(unit[i] == unit[i + d] for i in range(p - d)):
            return False
    return True


_NO_RUNS = (0,) * (MAX_PERIOD + 1)
# The runs after a speaker who is none of the last MAX_PERIOD: every r_p starts over at p.
_FRESH_RUNS = (0, 0, *_PERIODS)


class _RoomState:
    __slots__ = (
        "_config",
        "cooldown_s",
        "fresh_search",
        "hist",
        "info",
        "last_ts",
        "runs",
        "search_at",
        "trip",
    )

    def __init__(self, config: PingPongConfig) -> None:
        self.config = config
        # The last MAX_PERIOD speakers, oldest first, as tuples: replacing a 6-tuple costs less
        # than a deque append, and unpacking one is the cheapest read there is.
        self.hist: tuple[str, ...] = ()
        self.info: tuple[tuple[bool, str], ...] = ()  # (human?, display name), beside hist
        self.runs: tuple[int, ...] = _NO_RUNS  # runs[p] = r_p, the period-p suffix length
        self.last_ts: float | None = None
        self.trip: Trip | None = None

    @property
    def humans(self) -> tuple[bool, ...]:
        return tuple(human for human, _ in self.info)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for _, label in self.info)

    @property
    def config(self) -> PingPongConfig:
        return self._config

    @config.setter
    def config(self, config: PingPongConfig) -> None:
        # What observe() reads for every message, kept as plain slots.
        self._config = config
        self.cooldown_s = config.cooldown_s
        # A trip needs r_p >= p * N >= 2 * N for some p: below that no search is needed.
        self.search_at = 2 * config.threshold
        self.fresh_search = self.search_at <= MAX_PERIOD  # with threshold <= 3, r_p = p can

    def reset(self) -> None:
        self.hist = ()
        self.info = ()
        self.runs = _NO_RUNS
        self.trip = None

    def find_trip(self) -> Trip | None:
        cfg = self.config
        n = cfg.threshold
        hist = self.hist
        runs = self.runs
        for p in _PERIODS:
            reps = runs[p] // p
            if reps < n:
                continue
            if not cfg.include_humans and any(human for human, _ in self.info[-p:]):
                continue
            unit = hist[-p:]
            if not _is_primitive(unit):
                continue
            names = dict(zip(hist, self.labels, strict=True))
            label = ", ".join(names.get(s, s) for s in unit)
            reason = (
                f"ping-pong: cycle ({label}) repeated {reps} times (limit {n}); "
                f"waits for another speaker or {cfg.cooldown_s:g} s of quiet"
            )
            return Trip(unit, frozenset(unit), reps, reason)
        return None


class PingPongRule:
    """Per-room loop detector. Feed it every message (echoes of our own personas included) with
    :meth:`observe`; ask :meth:`check` before a persona speaks."""

    def __init__(self, config: PingPongConfig | None = None, clock: Clock | None = None) -> None:
        self.default = config or PingPongConfig()
        self._clock: Clock = clock or SystemClock()
        self._configs: dict[str, PingPongConfig] = {}
        self._rooms: dict[str, _RoomState] = {}
        self._sweep_at = 1024

    # -- configuration -------------------------------------------------------------------

    def config_for(self, room_key: str) -> PingPongConfig:
        return self._configs.get(room_key, self.default)

    def configure(
        self,
        room_key: str,
        *,
        threshold: int | None = None,
        cooldown_s: float | None = None,
        include_humans: bool | None = None,
    ) -> PingPongConfig:
        """Change a room's settings (None keeps the current value); ValueError on bad values.

        The room's history is kept, and a lowered threshold takes effect at once.
        """
        changes = {
            k: v
            for k, v in (
                ("threshold", threshold),
                ("cooldown_s", cooldown_s),
                ("include_humans", include_humans),
            )
            if v is not None
        }
        cfg = replace(self.config_for(room_key), **changes)
        self._configs[room_key] = cfg
        state = self._rooms.get(room_key)
        if state is not None:
            state.config = cfg
            state.trip = state.find_trip()
        return cfg

    def reset_config(self, room_key: str) -> None:
        """Back to the rule's defaults for this room."""
        self._configs.pop(room_key, None)
        state = self._rooms.get(room_key)
        if state is not None:
            state.config = self.default
            state.trip = state.find_trip()

    # -- the rule ------------------------------------------------------------------------

    def observe(
        self,
        room_key: str,
        speaker_id: str,
        is_human: bool,
        ts: float | None = None,
        name: str | None = None,
    ) -> None:
        """Record that ``speaker_id`` posted in the room at ``ts`` (default: the clock).

        ``name`` is only for the reason text. Call it for every message in the room, the
        personas' own echoes included, in arrival order.
        """
        if ts is None:
            ts = self._clock.now()
        state = self._rooms.get(room_key)
        if state is None:
            if len(self._rooms) >= self._sweep_at:
                self._sweep(ts)
            state = self._rooms[room_key] = _RoomState(self.config_for(room_key))
            last_ts = None
        else:
            last_ts = state.last_ts
            if last_ts is not None and ts - last_ts >= state.cooldown_s:
                state.reset()
        trip = state.trip
        if trip is not None and speaker_id not in trip.members:
            state.reset()
            trip = None

        hist = state.hist
        if len(hist) == MAX_PERIOD:
            # The steady state of a busy room, unrolled (this runs for every message):
            # hist[-p] is hist[6 - p]. A trip needs r_p >= p * N >= 2 * N for some p: ordinary
            # chat never gets that far, so the search (the costly part) runs only when a loop
            # is possible.
            h6, h5, h4, h3, h2, h1 = hist
            if speaker_id in hist:
                runs = state.runs
                r2 = runs[2] + 1 if h2 == speaker_id else 2
                r3 = runs[3] + 1 if h3 == speaker_id else 3
                r4 = runs[4] + 1 if h4 == speaker_id else 4
                r5 = runs[5] + 1 if h5 == speaker_id else 5
                r6 = runs[6] + 1 if h6 == speaker_id else 6
                state.runs = (0, 0, r2, r3, r4, r5, r6)
                at = state.search_at
                search = trip is None and (r2 >= at or r3 >= at or r4 >= at or r5 >= at or r6 >= at)
            else:  # the common case in a busy room of people: every period starts over
                state.runs = _FRESH_RUNS
                search = trip is None and state.fresh_search
            state.hist = (h5, h4, h3, h2, h1, speaker_id)
            _, i5, i4, i3, i2, i1 = state.info
            state.info = (i5, i4, i3, i2, i1, (is_human, name or speaker_id))
        else:
            n = len(hist)
            runs = list(state.runs)
            for p in _PERIODS:
                if n >= p and hist[-p] == speaker_id:
                    runs[p] += 1
                else:
                    runs[p] = n + 1 if n + 1 < p else p
            state.runs = tuple(runs)
            search = trip is None and max(runs) >= state.search_at
            state.hist = (*hist, speaker_id)
            state.info = (*state.info, (is_human, name or speaker_id))
        if last_ts is None or ts > last_ts:
            state.last_ts = ts
        if search:
            state.trip = state.find_trip()

    def observe_user(self, room_key: str, user: User, ts: float | None = None) -> None:
        """:meth:`observe` for a message author, with :func:`speaker_key` as its id."""
        self.observe(room_key, speaker_key(user), user.is_human, ts, user.label)

    def check(self, room_key: str, persona_speaker_id: str, now: float | None = None) -> str | None:
        """None when the persona may speak in the room now, else the one-line reason."""
        state = self._rooms.get(room_key)
        if state is None or state.trip is None:
            return None
        if now is None:
            now = self._clock.now()
        if state.last_ts is not None and now - state.last_ts >= state.config.cooldown_s:
            return None
        if persona_speaker_id not in state.trip.members:
            return None
        return state.trip.reason

    def trip(self, room_key: str, now: float | None = None) -> Trip | None:
        """The room's active loop, if any (for status displays and `!persona list`)."""
        state = self._rooms.get(room_key)
        if state is None or state.trip is None:
            return None
        if now is None:
            now = self._clock.now()
        if state.last_ts is not None and now - state.last_ts >= state.config.cooldown_s:
            return None
        return state.trip

    def forget(self, room_key: str) -> None:
        """Drop a room's history (a moderator said "carry on", or the bot left the room)."""
        self._rooms.pop(room_key, None)

    def __len__(self) -> int:
        """Rooms currently tracked."""
        return len(self._rooms)

    def _sweep(self, now: float) -> None:
        # A room quiet for its cooldown is indistinguishable from a fresh one: drop it. Sweeping
        # only when the table doubles keeps observe amortized O(1).
        self._rooms = {
            k: s
            for k, s in self._rooms.items()
            if s.last_ts is None or now - s.last_ts < s.config.cooldown_s
        }
        self._sweep_at = max(1024, 2 * len(self._rooms))
