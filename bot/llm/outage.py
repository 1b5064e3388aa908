"""Per-room outage notices: one short "can't think right now" per room per window.

When the model is down, every addressed persona in every room would otherwise answer each
message with an apology. This keeps it to at most one notice per room per ``every_s`` seconds;
everything else during the outage stays silent. Pure: time comes from the injected Clock.
"""

from __future__ import annotations

from collections.abc import Hashable

from bot.clock import Clock

DEFAULT_NOTICE = "I can't think right now (my language model is unavailable). I'll be back soon."


class OutageNotices:
    def __init__(self, clock: Clock, *, every_s: float = 600.0, text: str = DEFAULT_NOTICE) -> None:
        self._clock = clock
        self._every_s = max(0.0, every_s)
        self.text = text
        self._last: dict[Hashable, float] = {}

    def should_notify(self, room: Hashable) -> bool:
        """True (and remembered) when ``room`` has not heard a notice within the window."""
        now = self._clock.now()
        last = self._last.get(room)
        if last is not None and now - last < self._every_s:
            return False
        self._last[room] = now
        self._prune(now)
        return True

    def notice_for(self, room: Hashable) -> str | None:
        """The notice text when ``room`` is due one, else None (stay silent)."""
        return self.text if self.should_notify(room) else None

    def forget(self, room: Hashable) -> None:
        self._last.pop(room, None)

    def clear(self) -> None:
        self._last.clear()

    def _prune(self, now: float) -> None:
        # Entries older than the window no longer suppress anything; drop them so a long-lived
        # process with many rooms does not grow this map forever.
        if len(self._last) > 1024:
            horizon = now - self._every_s
            self._last = {room: at for room, at in self._last.items() if at >= horizon}
