"""Time as a dependency: rules, cooldowns and timers read a Clock so replay can use virtual time."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (wall clock) or since any fixed origin (virtual)."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class VirtualClock:
    """A clock that only moves when told to: replay, tests and benchmarks."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def set(self, value: float) -> None:
        # Time never runs backwards, even if a transcript's timestamps do.
        self._now = max(self._now, float(value))

    def advance(self, seconds: float) -> float:
        self._now += max(0.0, float(seconds))
        return self._now
