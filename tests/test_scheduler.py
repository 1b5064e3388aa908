"""The scheduler on virtual time: periods, phase after a stall, bad intervals refused."""

from __future__ import annotations

import math

import pytest

from bot.clock import VirtualClock
from bot.scheduler import Scheduler


def counting(scheduler: Scheduler, key: str, every: float) -> list[float]:
    runs: list[float] = []

    async def job() -> None:
        runs.append(scheduler.clock.now())

    scheduler.add(key, every, job)
    return runs


async def test_a_job_runs_every_period_on_the_clock() -> None:
    clock = VirtualClock(1000.0)
    scheduler = Scheduler(clock)
    runs = counting(scheduler, "tick", 60)
    for _ in range(10):
        clock.advance(30)
        await scheduler.run_due()
    assert runs == [1060.0, 1120.0, 1180.0, 1240.0, 1300.0]


async def test_after_a_stall_a_job_runs_once_and_keeps_its_phase() -> None:
    clock = VirtualClock(0.0)
    scheduler = Scheduler(clock)
    runs = counting(scheduler, "timer", 600)
    clock.set(2150.0)  # three and a half periods with nobody running the scheduler
    assert await scheduler.run_due() == 1
    clock.advance(1)  # the next call, a second later: no catch-up run
    assert await scheduler.run_due() == 0
    assert runs == [2150.0]
    assert scheduler.jobs()[0].next_at == 2400.0  # the old phase: 600, 1200, ... 2400
    clock.set(2400.0)
    await scheduler.run_due()
    assert runs == [2150.0, 2400.0]


async def test_a_failing_job_is_counted_and_keeps_running() -> None:
    clock = VirtualClock(0.0)
    scheduler = Scheduler(clock)

    async def broken() -> None:
        raise RuntimeError("boom")

    job = scheduler.add("broken", 1, broken)
    for _ in range(3):
        clock.advance(1)
        await scheduler.run_due()
    assert job.runs == 3 and job.failures == 3


@pytest.mark.parametrize("every", [0, -5, 0.0, math.nan, math.inf, -math.inf])
def test_a_zero_negative_or_endless_interval_is_refused(every: float) -> None:
    scheduler = Scheduler(VirtualClock(0.0))

    async def job() -> None:
        pass

    with pytest.raises(ValueError, match="positive, finite interval"):
        scheduler.add("bad", every, job)
    assert scheduler.jobs() == []


async def test_a_job_removed_by_an_earlier_one_does_not_run() -> None:
    clock = VirtualClock(0.0)
    scheduler = Scheduler(clock)
    later = counting(scheduler, "later", 10)

    async def remover() -> None:
        scheduler.remove("later")

    scheduler.add("first", 10, remover, first_at=5.0)
    clock.set(10.0)
    await scheduler.run_due()
    assert later == [] and "later" not in scheduler
