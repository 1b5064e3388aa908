"""A circuit breaker: stop hammering an endpoint that is down, and fail fast meanwhile.

Closed: calls go through; ``failures`` consecutive failures open it. Open: calls are refused
until ``reset_s`` has passed on the injected clock. Half-open: one trial call goes through; its
success closes the circuit, its failure opens it again for another ``reset_s``. Pure: no I/O,
no asyncio, time only from the Clock, so replay and tests drive it with a VirtualClock.
"""

from __future__ import annotations

from enum import StrEnum

from bot.clock import Clock
from bot.llm.base import LLMError


class CircuitOpenError(LLMError):
    """Refused without calling the endpoint: the circuit is open."""


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    def __init__(self, clock: Clock, *, failures: int = 3, reset_s: float = 60.0) -> None:
        self._clock = clock
        self._threshold = max(1, failures)
        self._reset_s = max(0.0, reset_s)
        self._consecutive = 0
        self._opened_at: float | None = None
        # When the half-open trial was handed out; a trial whose caller vanished (cancelled,
        # never reported) expires after reset_s so the breaker cannot stick half-open forever.
        self._trial_at: float | None = None
        self.last_error: str | None = None

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock.now() - self._opened_at >= self._reset_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    @property
    def consecutive_failures(self) -> int:
        return self._consecutive

    def retry_in(self) -> float:
        """Seconds until a trial call is allowed (0 when calls may go through now)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self._reset_s - self._clock.now())

    def allow(self) -> bool:
        """May a call go through now? In half-open state only one trial at a time."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN:
            return False
        now = self._clock.now()
        if self._trial_at is not None and now - self._trial_at < self._reset_s:
            return False
        self._trial_at = now
        return True

    def check(self) -> None:
        """Raise :class:`CircuitOpenError` unless a call may go through now."""
        if not self.allow():
            reason = f" ({self.last_error})" if self.last_error else ""
            raise CircuitOpenError(
                f"language model unavailable: circuit open, retrying in "
                f"{self.retry_in():.0f}s{reason}"
            )

    def record_success(self) -> None:
        self._consecutive = 0
        self._opened_at = None
        self._trial_at = None
        self.last_error = None

    def record_failure(self, error: str | None = None) -> None:
        self._consecutive += 1
        if error:
            self.last_error = error
        was_trial = self._opened_at is not None
        if was_trial or self._consecutive >= self._threshold:
            self._opened_at = self._clock.now()
            self._trial_at = None

    def describe(self) -> str:
        """One line for `status`."""
        state = self.state
        if state is BreakerState.CLOSED:
            return f"closed ({self._consecutive}/{self._threshold} failures)"
        if state is BreakerState.OPEN:
            return f"open, trial in {self.retry_in():.0f}s"
        return "half-open, trial allowed"
