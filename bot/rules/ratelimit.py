"""Outbound rate limits, the queue that respects them, and command cooldowns.

Nothing is ever sent over a platform's limit: a send either takes a slot now, waits in a bounded
per-bucket queue until :meth:`OutboundQueue.due` releases it, or is dropped with a reason.

Buckets follow ``bot.platforms.LIMITS``:

- a :class:`~bot.platforms.Rate` without ``burst`` is a *sliding window*: at most ``count``
  sends in any ``per`` seconds, i.e. a send at ``t`` is admitted only if fewer than ``count``
  admitted sends lie in ``(t - per, t]``. Twitch (20 / 30 s for the whole account, 100 when the
  bot moderates the channel) and Discord (5 / 5 s per channel) are windows, because going over
  is punished (Twitch locks the account for 30 minutes).
- a Rate with ``burst`` is a *token bucket* holding ``burst`` tokens, refilled at
  ``count / per`` per second: Matrix's ``rc_message`` (0.2/s, burst 10) works exactly so.
- ``rate=None`` (the local room) is unlimited.

``rate_scope`` "room" gives each room its own bucket; "platform" one bucket per sending account
(``account``: a persona with its own Twitch or Matrix login has its own; "" is the bot's main
account). Twitch counts per account, and so does Synapse's ``rc_message``.
All time comes from the caller or the injected clock, so replay runs on virtual time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from bot.clock import Clock, SystemClock
from bot.message import Platform
from bot.platforms import LIMITS, PlatformLimits, Rate

T = TypeVar("T")
BucketKey = tuple[str, str]  # (platform, room key) or (platform, "@" + account)
_EPS = 1e-9  # float slack: 5 s * 0.2/s must count as one whole token


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer of the limiter: ``ok``, or how long until a slot frees and why not."""

    ok: bool
    wait_s: float = 0.0
    reason: str | None = None


class _Window:
    """At most ``limit`` sends in any ``per`` seconds; remembers the newest ``capacity`` sends."""

    __slots__ = ("per", "times")

    def __init__(self, per: float, capacity: int) -> None:
        self.per = per
        self.times: deque[float] = deque(maxlen=capacity)

    def _prune(self, now: float) -> None:
        times, edge = self.times, now - self.per
        while times and times[0] <= edge:
            times.popleft()

    def wait(self, now: float, limit: int) -> float:
        self._prune(now)
        if len(self.times) < limit:
            return 0.0
        return max(0.0, self.times[-limit] + self.per - now)

    def take(self, now: float) -> None:
        # Keep the window sorted even if a caller's clock steps back.
        self.times.append(max(now, self.times[-1]) if self.times else now)

    def eta(self, now: float, limit: int, ahead: int) -> float:
        """When the send behind ``ahead`` queued sends may go, if nothing else is sent."""
        self._prune(now)
        times = list(self.times)
        t = now
        for _ in range(ahead + 1):
            if len(times) >= limit:
                t = max(t, times[-limit] + self.per)
            times.append(t)
        return t

    def idle(self, now: float) -> bool:
        self._prune(now)
        return not self.times


class _TokenBucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: int, now: float) -> None:
        self.rate = rate  # tokens per second
        self.capacity = capacity
        self.tokens = float(capacity)
        self.stamp = now

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait(self, now: float, limit: int) -> float:  # limit: unused, one shape for both
        self._refill(now)
        if self.tokens >= 1.0 - _EPS:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0

    def eta(self, now: float, limit: int, ahead: int) -> float:
        self._refill(now)
        need = ahead + 1 - self.tokens
        return now if need <= _EPS else now + need / self.rate

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity - _EPS


def _platform(platform: Platform | str) -> Platform:
    try:
        return Platform(platform)
    except ValueError:
        raise ValueError(f"unknown platform {platform!r}") from None


def _describe(platform: str, rate: Rate, scope: str) -> str:
    where = "per channel" if scope == "room" else "for the account"
    if rate.burst is not None:
        return f"{platform} allows {rate.count / rate.per:g}/s with a burst of {rate.burst}"
    return f"{platform} allows {rate.count} messages per {rate.per:g} s {where}"


class RateLimiter:
    """Admits outbound sends per platform (and per room where the platform counts per room)."""

    def __init__(
        self,
        limits: Mapping[Platform, PlatformLimits] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.limits: dict[Platform, PlatformLimits] = dict(limits if limits is not None else LIMITS)
        self._clock: Clock = clock or SystemClock()
        self._buckets: dict[BucketKey, _Window | _TokenBucket] = {}
        self._sweep_at = 1024

    def _limits(self, platform: Platform | str) -> PlatformLimits | None:
        if platform.__class__ is not Platform:  # Platform(x) costs a microsecond: only for str
            platform = _platform(platform)
        return self.limits.get(platform)

    def bucket_key(
        self, platform: Platform | str, room_key: str, account: str = ""
    ) -> BucketKey | None:
        """Which bucket a send to this room uses; None when the platform is unlimited."""
        if platform.__class__ is not Platform:
            platform = _platform(platform)
        lim = self.limits.get(platform)
        if lim is None or lim.rate is None:
            return None
        return (platform._value_, room_key if lim.rate_scope == "room" else "@" + account)

    def describe(self, platform: Platform | str, bot_is_moderator: bool = False) -> str:
        """The limit in words, e.g. "discord allows 5 messages per 5 s per channel"."""
        lim = self._limits(platform)
        name = Platform(platform).value
        if lim is None or lim.rate is None:
            return f"{name} is unlimited"
        return _describe(name, self._rate(lim, bot_is_moderator), lim.rate_scope)

    def _rate(self, lim: PlatformLimits, moderator: bool) -> Rate:
        assert lim.rate is not None
        if moderator and lim.rate_as_moderator is not None:
            return lim.rate_as_moderator
        return lim.rate

    def _bucket(self, key: BucketKey, lim: PlatformLimits, now: float) -> _Window | _TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._sweep_at:
                self._sweep(now)
            rate = lim.rate
            assert rate is not None
            if rate.burst is not None:
                bucket = _TokenBucket(rate.count / rate.per, rate.capacity, now)
            else:
                cap = max(rate.count, lim.rate_as_moderator.count if lim.rate_as_moderator else 0)
                bucket = _Window(rate.per, cap)
            self._buckets[key] = bucket
        return bucket

    def _admission(
        self,
        platform: Platform | str,
        room_key: str,
        now: float | None,
        moderator: bool,
        account: str,
        take: bool,
    ) -> Admission:
        key = self.bucket_key(platform, room_key, account)
        if key is None:
            return Admission(True)
        if now is None:
            now = self._clock.now()
        lim = self._limits(platform)
        assert lim is not None
        rate = self._rate(lim, moderator)
        bucket = self._bucket(key, lim, now)
        wait = bucket.wait(now, rate.count)
        if wait > 0.0:
            reason = (
                f"rate limit: {_describe(key[0], rate, lim.rate_scope)}; next slot in {wait:.1f} s"
            )
            return Admission(False, wait, reason)
        if take:
            bucket.take(now)
        return Admission(True)

    def try_acquire(
        self,
        platform: Platform | str,
        room_key: str,
        now: float | None = None,
        bot_is_moderator: bool = False,
        account: str = "",
    ) -> Admission:
        """Take a slot for one send now if the limit allows; otherwise say how long to wait.

        ``room_key`` is ``Room.key``; ``bot_is_moderator`` selects Twitch's higher limit;
        ``account`` names the sending login on per-account platforms (Twitch, Matrix).
        Raises ValueError for a platform name that does not exist.
        """
        return self._admission(platform, room_key, now, bot_is_moderator, account, take=True)

    def peek(
        self,
        platform: Platform | str,
        room_key: str,
        now: float | None = None,
        bot_is_moderator: bool = False,
        account: str = "",
    ) -> Admission:
        """Like :meth:`try_acquire` but takes nothing."""
        return self._admission(platform, room_key, now, bot_is_moderator, account, take=False)

    def eta(
        self,
        platform: Platform | str,
        room_key: str,
        now: float | None = None,
        bot_is_moderator: bool = False,
        account: str = "",
        ahead: int = 0,
    ) -> float:
        """The earliest time a send may go with ``ahead`` sends queued before it (an estimate
        that is exact when nothing else is sent meanwhile)."""
        if now is None:
            now = self._clock.now()
        key = self.bucket_key(platform, room_key, account)
        if key is None:
            return now
        lim = self._limits(platform)
        assert lim is not None
        rate = self._rate(lim, bot_is_moderator)
        return self._bucket(key, lim, now).eta(now, rate.count, ahead)

    def __len__(self) -> int:
        """Buckets currently held."""
        return len(self._buckets)

    def _sweep(self, now: float) -> None:
        # A bucket with nothing in its window (or a full token bucket) is a fresh one: drop it.
        self._buckets = {k: b for k, b in self._buckets.items() if not b.idle(now)}
        self._sweep_at = max(1024, 2 * len(self._buckets))


@dataclass(frozen=True, slots=True)
class Ticket:
    """What :meth:`OutboundQueue.submit` did with an item.

    ``status``: "send" (a slot was taken: send it now), "queued" (``at`` is when it should go;
    :meth:`OutboundQueue.due` hands it back then) or "dropped" (``reason`` says why).
    """

    status: Literal["send", "queued", "dropped"]
    at: float
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "dropped"


@dataclass(slots=True)
class _Entry(Generic[T]):
    item: T
    platform: str
    room_key: str
    moderator: bool
    account: str
    queued_at: float


class OutboundQueue(Generic[T]):
    """Holds sends the limiter refused until a slot frees, first in first out per bucket.

    Bounded: at most ``max_size`` items per bucket; when full, ``when_full="drop_oldest"``
    drops the stalest queued item (a late reply is worth less than a fresh one) and
    ``"refuse"`` refuses the new one. An item that would wait more than ``max_wait_s`` is
    refused at once, and one still queued ``grace_s`` after that (the flusher ran late, or the
    bucket was used directly meanwhile) is dropped. Every item dropped after it was accepted is
    reported by :meth:`take_dropped`, with its reason, so the dispatcher can record a Decision.
    """

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        max_size: int = 20,
        max_wait_s: float = 60.0,
        when_full: Literal["drop_oldest", "refuse"] = "drop_oldest",
        grace_s: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        if max_size < 1:
            raise ValueError(f"queue max_size must be at least 1, not {max_size}")
        if max_wait_s < 0:
            raise ValueError(f"queue max_wait_s must not be negative, not {max_wait_s}")
        if when_full not in ("drop_oldest", "refuse"):
            raise ValueError(f"when_full must be 'drop_oldest' or 'refuse', not {when_full!r}")
        self.limiter = limiter
        self.max_size = max_size
        self.max_wait_s = max_wait_s
        self.when_full = when_full
        self.grace_s = grace_s
        self._clock: Clock = clock or limiter._clock
        self._queues: dict[BucketKey, deque[_Entry[T]]] = {}
        self._dropped: list[tuple[T, str]] = []

    def submit(
        self,
        item: T,
        platform: Platform | str,
        room_key: str,
        now: float | None = None,
        bot_is_moderator: bool = False,
        account: str = "",
    ) -> Ticket:
        """Send now, queue, or drop ``item``. On "send" the slot is already taken."""
        if now is None:
            now = self._clock.now()
        key = self.limiter.bucket_key(platform, room_key, account)
        if key is None:
            return Ticket("send", now)
        queue = self._queues.get(key)
        if not queue:
            adm = self.limiter.try_acquire(platform, room_key, now, bot_is_moderator, account)
            if adm.ok:
                return Ticket("send", now)
        full = queue is not None and len(queue) >= self.max_size
        if full and self.when_full == "refuse":
            reason = f"rate limit: queue for {key[0]} is full ({self.max_size})"
            return Ticket("dropped", now, reason)
        ahead = min(len(queue), self.max_size - 1) if queue else 0
        at = self.limiter.eta(platform, room_key, now, bot_is_moderator, account, ahead)
        if at - now > self.max_wait_s:
            rule = self.limiter.describe(platform, bot_is_moderator)
            wait = f"next slot in {at - now:.1f} s (max wait {self.max_wait_s:g} s)"
            return Ticket("dropped", now, f"rate limit: {rule}; {wait}")
        if queue is None:
            queue = self._queues[key] = deque()
        if full:
            old = queue.popleft()
            self._dropped.append(
                (old.item, f"rate limit: queue for {key[0]} full ({self.max_size}), oldest dropped")
            )
        entry = _Entry(item, key[0], room_key, bot_is_moderator, account, now)
        queue.append(entry)
        return Ticket("queued", at, f"rate limit: queued for {key[0]}, goes in {at - now:.1f} s")

    def due(self, now: float | None = None) -> list[T]:
        """Items that may be sent now, oldest first per bucket; their slots are taken."""
        if now is None:
            now = self._clock.now()
        ready: list[T] = []
        deadline = self.max_wait_s + self.grace_s
        for key in list(self._queues):
            queue = self._queues[key]
            while queue:
                head = queue[0]
                if now - head.queued_at > deadline:
                    queue.popleft()
                    self._dropped.append(
                        (
                            head.item,
                            f"rate limit: waited more than {self.max_wait_s:g} s for {key[0]}",
                        )
                    )
                    continue
                adm = self.limiter.try_acquire(
                    head.platform, head.room_key, now, head.moderator, head.account
                )
                if not adm.ok:
                    break
                queue.popleft()
                ready.append(head.item)
            if not queue:
                del self._queues[key]
        return ready

    def next_due(self, now: float | None = None) -> float | None:
        """When :meth:`due` next has something to release or drop; None when empty."""
        if now is None:
            now = self._clock.now()
        best: float | None = None
        for queue in self._queues.values():
            head = queue[0]
            adm = self.limiter.peek(head.platform, head.room_key, now, head.moderator, head.account)
            at = min(now + adm.wait_s, head.queued_at + self.max_wait_s + self.grace_s)
            best = at if best is None else min(best, at)
        return best

    def take_dropped(self) -> list[tuple[T, str]]:
        """Items dropped after they were accepted (evicted or too old), with reasons; clears."""
        dropped, self._dropped = self._dropped, []
        return dropped

    def pending(self, platform: Platform | str, room_key: str, account: str = "") -> int:
        """Items queued in the bucket a send to this room would use."""
        key = self.limiter.bucket_key(platform, room_key, account)
        queue = self._queues.get(key) if key is not None else None
        return len(queue) if queue else 0

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    @property
    def idle(self) -> bool:
        """Nothing queued and no drop left to report: a flusher may skip its turn."""
        return not self._queues and not self._dropped


class CooldownTracker:
    """Per-key cooldowns for commands: key by (command, user key) or (command, room key)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or SystemClock()
        self._until: dict[Hashable, float] = {}
        self._sweep_at = 4096

    def hit(self, key: Hashable, seconds: float, now: float | None = None) -> float:
        """Use the key: 0.0 if it was free (and it now cools down for ``seconds``), else the
        seconds remaining (and nothing changes: a flood does not extend its own cooldown)."""
        if now is None:
            now = self._clock.now()
        until = self._until.get(key)
        if until is not None and now < until:
            return until - now
        if seconds > 0:
            if len(self._until) >= self._sweep_at:
                self._sweep(now)
            self._until[key] = now + seconds
        elif until is not None:
            del self._until[key]
        return 0.0

    def remaining(self, key: Hashable, now: float | None = None) -> float:
        """Seconds until the key is free again (0.0 if free), without using it."""
        if now is None:
            now = self._clock.now()
        until = self._until.get(key)
        return until - now if until is not None and now < until else 0.0

    def reset(self, key: Hashable | None = None) -> None:
        """Free one key, or every key."""
        if key is None:
            self._until.clear()
        else:
            self._until.pop(key, None)

    def __len__(self) -> int:
        return len(self._until)

    def _sweep(self, now: float) -> None:
        self._until = {k: u for k, u in self._until.items() if u > now}
        self._sweep_at = max(4096, 2 * len(self._until))
