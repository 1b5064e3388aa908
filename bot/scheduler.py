"""Periodic tasks on the injectable clock.

Cogs declare ``@task(every=...)``; timers add entries at runtime. In production a loop calls
:meth:`Scheduler.run_due` twice a second; replay and tests call it after moving a virtual clock,
so "every 10 minutes" is testable in microseconds.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Job:
    key: str
    every: float
    callback: Callable[[], Awaitable[object]]
    next_at: float
    runs: int = 0
    failures: int = 0


def _next_slot(due_at: float, every: float, now: float) -> float:
    """The first time ``due_at + k * every`` (k >= 1) that lies after ``now``."""
    missed = max(0, math.floor((now - due_at) / every))
    slot = due_at + (missed + 1) * every
    return slot if slot > now else slot + every  # float rounding at the boundary


class Scheduler:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._jobs: dict[str, Job] = {}
        self._running = False

    def add(
        self,
        key: str,
        every: float,
        callback: Callable[[], Awaitable[object]],
        *,
        first_at: float | None = None,
    ) -> Job:
        if not (isinstance(every, int | float) and 0 < every < math.inf):
            raise ValueError(f"a periodic task needs a positive, finite interval, not {every!r}")
        job = Job(
            key, every, callback, first_at if first_at is not None else self.clock.now() + every
        )
        self._jobs[key] = job
        return job

    def remove(self, key: str) -> bool:
        return self._jobs.pop(key, None) is not None

    def remove_prefix(self, prefix: str) -> int:
        keys = [k for k in self._jobs if k.startswith(prefix)]
        for key in keys:
            del self._jobs[key]
        return len(keys)

    def jobs(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.next_at)

    def __contains__(self, key: str) -> bool:
        return key in self._jobs

    async def run_due(self) -> int:
        """Run every job that is due (once each, even if several periods passed).

        A job keeps its phase: after a stall (or a jump of a virtual clock) it runs once and
        next at its first slot after now, never twice in a row to catch up.
        """
        now = self.clock.now()
        due = [job for job in self._jobs.values() if job.next_at <= now]
        due.sort(key=lambda j: j.next_at)
        for job in due:
            if self._jobs.get(job.key) is not job:
                continue  # removed by an earlier job
            job.next_at = _next_slot(job.next_at, job.every, now)
            job.runs += 1
            try:
                await job.callback()
            except Exception:
                job.failures += 1
                log.exception("periodic task %s failed", job.key)
        return len(due)

    async def run_forever(self, tick: float = 0.5) -> None:
        self._running = True
        while self._running:
            await self.run_due()
            await asyncio.sleep(tick)

    def stop(self) -> None:
        self._running = False
