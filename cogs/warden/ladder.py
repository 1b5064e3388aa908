"""The escalation ladder: how a severity becomes an action for one user in one room.

Pure and clock-driven. Default policy: a first offence is deleted with a short warning; another
offence within an hour is a 600 s timeout; a ban only when ``ban_after`` is configured. In
flag-only mode everything is a flag and nothing is touched. Low severities are flags and do not
count as offences. ``permit`` lets one user post links for a while; ``pardon`` forgets offences.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from bot.clock import Clock


class Severity(IntEnum):
    NONE = 0  # nothing wrong
    LOW = 1  # worth a moderator's look: flag
    MEDIUM = 2  # remove: the ladder decides delete or timeout
    HIGH = 3  # scam or phishing: remove, and the account is likely compromised


class Action(StrEnum):
    # The values match bot.adapters.base.ModerationKind where both exist.
    ALLOW = "allow"
    FLAG = "flag"
    DELETE = "delete"
    TIMEOUT = "timeout"
    BAN = "ban"


@dataclass(frozen=True, slots=True)
class LadderPolicy:
    window_s: float = 3600.0  # an offence within this of the last one escalates
    timeout_s: int = 600
    ban_after: int | None = None  # offences within the window that earn a ban; None: never
    flag_only: bool = False  # flag for moderators, touch nothing
    timeout_on_severe: bool = False  # a HIGH first offence is a timeout rather than a delete


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    seconds: int | None = None  # timeouts
    warn: bool = False  # tell the user why (first offences)
    offences: int = 0  # offences in the window, this one included
    reason: str = ""

    @property
    def removes(self) -> bool:
        """Whether the message is taken down (the dispatcher stops its flow then)."""
        return self.action in (Action.DELETE, Action.TIMEOUT, Action.BAN)


ALLOW = Verdict(Action.ALLOW)


def user_key(who: str) -> str:
    """How permits and pardons name a user: case-folded, without a leading ``@``."""
    return who.strip().removeprefix("@").casefold()


class Ladder:
    """Offences and permits for the users of one room."""

    __slots__ = ("_offences", "_permits", "clock", "max_users", "policy")

    def __init__(
        self, clock: Clock, policy: LadderPolicy | None = None, *, max_users: int = 50_000
    ) -> None:
        self.clock = clock
        self.policy = policy or LadderPolicy()
        self.max_users = max_users
        self._offences: dict[str, deque[float]] = {}
        self._permits: dict[str, float] = {}

    def decide(self, user: str, severity: Severity, reason: str = "") -> Verdict:
        """The action for ``user`` now; MEDIUM and HIGH are recorded as offences."""
        if severity is Severity.NONE:
            return ALLOW
        policy = self.policy
        if policy.flag_only or severity is Severity.LOW:
            return Verdict(Action.FLAG, reason=reason, offences=self.offences(user))
        now = self.clock.now()
        history = self._recent(user_key(user), now)
        history.append(now)
        count = len(history)
        if policy.ban_after is not None and count >= policy.ban_after:
            return Verdict(Action.BAN, offences=count, reason=reason)
        if count == 1 and not (policy.timeout_on_severe and severity is Severity.HIGH):
            return Verdict(Action.DELETE, warn=True, offences=1, reason=reason)
        return Verdict(Action.TIMEOUT, seconds=policy.timeout_s, offences=count, reason=reason)

    def offences(self, user: str) -> int:
        history = self._offences.get(user_key(user))
        if not history:
            return 0
        return len(self._prune(history, self.clock.now()))

    def pardon(self, user: str) -> bool:
        """Forget the user's offences; True if there were any."""
        return self._offences.pop(user_key(user), None) is not None

    def permit(self, user: str, seconds: float = 60.0) -> float:
        """Let ``user`` post links for ``seconds``; returns when the permit ends."""
        if seconds <= 0:
            raise ValueError("permit length must be positive")
        expires = self.clock.now() + float(seconds)
        self._permits[user_key(user)] = expires
        if len(self._permits) > self.max_users:
            self._drop_expired_permits()
        return expires

    def revoke(self, user: str) -> bool:
        return self._permits.pop(user_key(user), None) is not None

    def is_permitted(self, *names: str) -> bool:
        """Whether any of ``names`` (id, login name...) holds a live permit."""
        if not self._permits:
            return False
        now = self.clock.now()
        for name in names:
            if not name:
                continue
            key = user_key(name)
            expires = self._permits.get(key)
            if expires is None:
                continue
            if expires > now:
                return True
            del self._permits[key]
        return False

    def permits(self) -> dict[str, float]:
        """Live permits: user -> seconds left."""
        now = self.clock.now()
        self._drop_expired_permits()
        return {k: round(v - now, 1) for k, v in self._permits.items()}

    def _recent(self, user: str, now: float) -> deque[float]:
        history = self._offences.pop(user, None)
        if history is None:
            history = deque(maxlen=16)
        else:
            self._prune(history, now)
        self._offences[user] = history  # re-inserted: most recent last, oldest evicted first
        if len(self._offences) > self.max_users:
            del self._offences[next(iter(self._offences))]
        return history

    def _prune(self, history: deque[float], now: float) -> deque[float]:
        cutoff = now - self.policy.window_s
        while history and history[0] <= cutoff:
            history.popleft()
        return history

    def _drop_expired_permits(self) -> None:
        now = self.clock.now()
        for key in [k for k, v in self._permits.items() if v <= now]:
            del self._permits[key]
