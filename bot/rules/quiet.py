"""Quiet while humans are busy: unprompted persona speech waits while people are talking.

Ambient speech (a persona chiming in without being addressed, timers, the Hearthkeeper) is held
while humans posted at least ``threshold`` messages (default 5) in the last ``window_s`` seconds
(default 60) of the clock; "in the last 60 s" means a message at ``ts`` counts while
``now - ts < window_s``. A direct address is always let through: someone asked.

Only the newest ``threshold`` human timestamps of a room matter, so a room costs a few floats and
``observe`` is O(1).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

from bot.clock import Clock, SystemClock


@dataclass(frozen=True, slots=True)
class QuietConfig:
    threshold: int = 5  # human messages in the window that make the room busy
    window_s: float = 60.0

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int):
            raise ValueError(f"quiet threshold must be a whole number, not {self.threshold!r}")
        if self.threshold < 1:
            raise ValueError(f"quiet threshold must be at least 1, not {self.threshold}")
        if not self.window_s > 0:
            raise ValueError(f"quiet window must be positive, not {self.window_s!r}")


class QuietRule:
    """Tracks human chatter per room and holds ambient speech while it is lively."""

    def __init__(self, config: QuietConfig | None = None, clock: Clock | None = None) -> None:
        self.default = config or QuietConfig()
        self._clock: Clock = clock or SystemClock()
        self._configs: dict[str, QuietConfig] = {}
        self._rooms: dict[str, deque[float]] = {}
        self._sweep_at = 1024

    def config_for(self, room_key: str) -> QuietConfig:
        return self._configs.get(room_key, self.default)

    def configure(
        self, room_key: str, *, threshold: int | None = None, window_s: float | None = None
    ) -> QuietConfig:
        """Change a room's settings (None keeps the current value); ValueError on bad values."""
        changes = {
            k: v for k, v in (("threshold", threshold), ("window_s", window_s)) if v is not None
        }
        cfg = replace(self.config_for(room_key), **changes)
        self._configs[room_key] = cfg
        old = self._rooms.get(room_key)
        if old is not None and old.maxlen != cfg.threshold:
            self._rooms[room_key] = deque(old, maxlen=cfg.threshold)
        return cfg

    def observe(self, room_key: str, is_human: bool, ts: float | None = None) -> None:
        """Record a message in the room; only human ones count."""
        if not is_human:
            return
        if ts is None:
            ts = self._clock.now()
        times = self._rooms.get(room_key)
        if times is None:
            if len(self._rooms) >= self._sweep_at:
                self._sweep(ts)
            times = self._rooms[room_key] = deque(maxlen=self.config_for(room_key).threshold)
        elif times and ts < times[-1]:
            ts = times[-1]  # a transcript's clock may step back; keep the window ordered
        times.append(ts)

    def human_count(self, room_key: str, now: float | None = None) -> int:
        """Human messages in the window, capped at the threshold (all the rule keeps)."""
        times = self._rooms.get(room_key)
        if not times:
            return 0
        if now is None:
            now = self._clock.now()
        window = self.config_for(room_key).window_s
        return sum(1 for t in times if now - t < window)

    def busy_until(self, room_key: str, now: float | None = None) -> float | None:
        """When ambient speech may resume if no human posts meanwhile; None if it may now."""
        times = self._rooms.get(room_key)
        if now is None:
            now = self._clock.now()
        cfg = self.config_for(room_key)
        if times is None or len(times) < cfg.threshold:
            return None
        until = times[0] + cfg.window_s  # the oldest kept is the threshold-th newest
        return until if now < until else None

    def check(self, room_key: str, now: float | None = None, ambient: bool = True) -> str | None:
        """None when the speech may go now, else the one-line reason. Direct replies pass."""
        if not ambient:
            return None
        if self.busy_until(room_key, now) is None:
            return None
        cfg = self.config_for(room_key)
        return (
            f"quiet: humans are busy ({cfg.threshold} or more messages in the last "
            f"{cfg.window_s:g} s); ambient speech waits"
        )

    def forget(self, room_key: str) -> None:
        self._rooms.pop(room_key, None)

    def __len__(self) -> int:
        return len(self._rooms)

    def _sweep(self, now: float) -> None:
        # A room whose newest human line left the window can never be busy: drop it.
        self._rooms = {
            k: t for k, t in self._rooms.items() if t and now - t[-1] < self.config_for(k).window_s
        }
        self._sweep_at = max(1024, 2 * len(self._rooms))
