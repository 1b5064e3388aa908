"""The rules in the dispatcher: thin adapters between the pure rules and the pipeline.

:class:`Rules` owns the rule objects (ping-pong, quiet, rate limits), the per-room settings
(stored through :mod:`bot.memory.moderation` and loaded at start) and the moderators' mutes.
:meth:`Rules.install` plugs into the dispatcher:

- an observer at the record step (every message once, our own echoes included) that feeds the
  ping-pong and quiet trackers and counts human chat lines per room (timers use the count);
- gates at step 6: ``mute`` (a persona muted in the room, or the room made quiet with
  ``!quiet on``) and ``pingpong``;
- outbound steps: ``mute`` and ``quiet`` first (ambient speech, ``Outgoing.ambient``, waits
  while humans are busy; a direct reply is never held), ``ratelimit`` last, so nothing that
  another step refuses uses up a slot.

Rate limits follow ``bot.platforms``: what exceeds the limit is queued in a bounded queue per
bucket, or dropped with a Decision; it is never sent over the limit. A scheduler job (the
``pump``) sends queued items when their slot frees, checking mutes again and, for ambient
speech, the quiet rule (the room may have got busy while it waited); it runs on the app's
clock, so replay moves it with virtual time. A queued reply shows on its line as ``queued``
(replay: ``suppressed``); if it leaves the queue while the transcript still runs it is sent
then, and replay shows it as a ``background`` reply of the line at whose time it went; one
still queued when the transcript ends stays reported only as queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.message import Message, Outgoing
from bot.platforms import LIMITS
from bot.rules.pingpong import PingPongConfig, PingPongRule
from bot.rules.quiet import QuietConfig, QuietRule
from bot.rules.ratelimit import OutboundQueue, RateLimiter

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import DispatchSettings
    from bot.dispatcher import Dispatcher, SendContext, Turn
    from bot.memory.store import Store

log = logging.getLogger(__name__)

PUMP_JOB = "rules:outbound-pump"
PUMP_EVERY_S = 0.25
FORBIDDEN_PREFIX_CHARS = set("@#<>\"'`\\")


# -- per-room settings ------------------------------------------------------------------------


def parse_prefix(value: Any) -> str:
    text = str(value)
    if not 1 <= len(text) <= 3:
        raise ValueError("a prefix is 1 to 3 characters")
    if any(c.isalnum() or c.isspace() or c in FORBIDDEN_PREFIX_CHARS for c in text):
        raise ValueError("a prefix uses punctuation only (no letters, digits, spaces, @ # < >)")
    return text


def _parse_int(value: Any, minimum: int) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError("expected a whole number") from None
    if number < minimum:
        raise ValueError(f"must be at least {minimum}")
    return number


def _parse_seconds(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number of seconds")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if not 0 < number <= 7 * 86400:
        raise ValueError("must be more than 0 and at most a week")
    return number


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"on", "yes", "true", "1"}:
        return True
    if lowered in {"off", "no", "false", "0"}:
        return False
    raise ValueError("expected on or off")


def _parse_names(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of persona ids")
    return sorted(set(value))


@dataclass(frozen=True, slots=True)
class SettingSpec:
    name: str
    parse: Callable[[Any], Any]
    help: str
    tunable: bool = True  # shown and set by `!rules`; the others have their own commands


SETTINGS: dict[str, SettingSpec] = {
    spec.name: spec
    for spec in (
        SettingSpec(
            "pingpong.threshold",
            lambda v: _parse_int(v, 1),
            "repetitions of a bot cycle before it is held",
        ),
        SettingSpec("pingpong.cooldown", _parse_seconds, "seconds of quiet that reset a loop"),
        SettingSpec("pingpong.humans", _parse_bool, "cycles with a person in them trip too"),
        SettingSpec(
            "quiet.threshold",
            lambda v: _parse_int(v, 1),
            "human lines in the window that make the room busy",
        ),
        SettingSpec("quiet.window", _parse_seconds, "seconds the quiet rule looks back"),
        SettingSpec("prefix", parse_prefix, "command prefix", tunable=False),
        SettingSpec("quiet", _parse_bool, "room-wide persona silence", tunable=False),
        SettingSpec("muted", _parse_names, "personas muted in the room", tunable=False),
    )
}


@dataclass(slots=True)
class Pending:
    """A send the rate limit holds: what to send and where its decisions go."""

    out: Outgoing
    send: SendContext


class Rules:
    """The rule objects, their per-room settings and the moderators' mutes, for one app."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        clock: Clock,
        settings: DispatchSettings,
        store: Store | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.clock = clock
        self.settings = settings
        self.store = store
        self.pingpong = PingPongRule(
            PingPongConfig(
                settings.pingpong_threshold,
                settings.pingpong_cooldown_s,
                settings.pingpong_include_humans,
            ),
            clock,
        )
        self.quiet = QuietRule(
            QuietConfig(settings.quiet_threshold, settings.quiet_window_s), clock
        )
        self.limiter = RateLimiter(clock=clock)
        self.queue: OutboundQueue[Pending] = OutboundQueue(
            self.limiter,
            max_size=settings.outbound_queue_size,
            max_wait_s=settings.outbound_max_wait_s,
            clock=clock,
        )
        self.muted: dict[str, frozenset[str]] = {}  # room key -> muted persona ids
        self.silenced: set[str] = set()  # rooms under `!quiet on`
        self.lines: dict[str, int] = {}  # room key -> human lines seen since start
        self.values: dict[str, dict[str, Any]] = {}  # room key -> stored settings
        try:
            self.default_prefix = parse_prefix(settings.command_prefix)
        except ValueError as error:
            log.error(
                "dispatch.command_prefix %r refused (%s); using '!'", settings.command_prefix, error
            )
            self.default_prefix = "!"

    # -- wiring ----------------------------------------------------------------------------

    @classmethod
    def install(cls, bot: Any) -> Rules:
        """Build the rules for ``bot`` (a Sanctum) and plug them into its dispatcher."""
        rules = cls(bot.dispatcher, bot.clock, bot.settings.dispatch, bot.store)
        dispatcher = bot.dispatcher
        dispatcher.default_prefix = rules.default_prefix
        dispatcher.observers.append(RuleObserver(rules))
        dispatcher.gates.extend([MuteGate(rules), PingPongGate(rules)])
        dispatcher.outbound[:0] = [MuteStep(rules), QuietStep(rules)]
        dispatcher.outbound.append(RateLimitStep(rules))
        bot.scheduler.add(PUMP_JOB, PUMP_EVERY_S, rules.pump)
        return rules

    async def load(self) -> int:
        """Apply the settings stored per room; a stored value that no longer parses is
        skipped with a log line. Returns how many were applied."""
        if self.store is None:
            return 0
        from bot.memory.moderation import room_settings

        applied = 0
        for room_key, values in (await room_settings(self.store).all()).items():
            for key, raw in values.items():
                spec = SETTINGS.get(key)
                try:
                    if spec is None:
                        raise ValueError("unknown setting")
                    self._apply(room_key, key, spec.parse(raw))
                except ValueError as error:
                    log.error("room setting %s %s=%r skipped: %s", room_key, key, raw, error)
                    continue
                applied += 1
        return applied

    # -- per-room settings -------------------------------------------------------------------

    def _apply(self, room_key: str, key: str, value: Any) -> None:
        if key == "pingpong.threshold":
            self.pingpong.configure(room_key, threshold=value)
        elif key == "pingpong.cooldown":
            self.pingpong.configure(room_key, cooldown_s=value)
        elif key == "pingpong.humans":
            self.pingpong.configure(room_key, include_humans=value)
        elif key == "quiet.threshold":
            self.quiet.configure(room_key, threshold=value)
        elif key == "quiet.window":
            self.quiet.configure(room_key, window_s=value)
        elif key == "prefix":
            self.dispatcher.prefixes[room_key] = value
        elif key == "quiet":
            (self.silenced.add if value else self.silenced.discard)(room_key)
        elif key == "muted":
            if value:
                self.muted[room_key] = frozenset(value)
            else:
                self.muted.pop(room_key, None)
        self.values.setdefault(room_key, {})[key] = value

    async def set(self, room_key: str, key: str, raw: Any) -> Any:
        """Validate, apply and store one room setting; ValueError (one line) if it is bad."""
        spec = SETTINGS.get(key)
        if spec is None:
            raise ValueError(f"no setting {key!r} (try: {', '.join(tunable_names())})")
        value = spec.parse(raw)
        self._apply(room_key, key, value)
        if self.store is not None:
            from bot.memory.moderation import room_settings

            await room_settings(self.store).set(room_key, key, value)
        return value

    async def reset(self, room_key: str, key: str) -> None:
        """Back to the default for this room."""
        if key not in SETTINGS:
            raise ValueError(f"no setting {key!r} (try: {', '.join(tunable_names())})")
        self._apply(room_key, key, self.default_value(key))
        self.values.get(room_key, {}).pop(key, None)
        if self.store is not None:
            from bot.memory.moderation import room_settings

            await room_settings(self.store).delete(room_key, key)

    def default_value(self, key: str) -> Any:
        s = self.settings
        return {
            "pingpong.threshold": s.pingpong_threshold,
            "pingpong.cooldown": s.pingpong_cooldown_s,
            "pingpong.humans": s.pingpong_include_humans,
            "quiet.threshold": s.quiet_threshold,
            "quiet.window": s.quiet_window_s,
            "prefix": self.default_prefix,
            "quiet": False,
            "muted": [],
        }[key]

    def value(self, room_key: str, key: str) -> Any:
        return self.values.get(room_key, {}).get(key, self.default_value(key))

    # -- mutes -------------------------------------------------------------------------------

    async def mute(self, room_key: str, persona: str, muted: bool = True) -> bool:
        """Mute or unmute a persona in a room; False when nothing changed."""
        current = self.muted.get(room_key, frozenset())
        if (persona in current) == muted:
            return False
        names = current | {persona} if muted else current - {persona}
        await self.set(room_key, "muted", sorted(names))
        return True

    def mute_reason(self, room_key: str, persona: str | None) -> str | None:
        if room_key in self.silenced:
            return "the room is quiet (a moderator said quiet on)"
        muted = self.muted.get(room_key)
        if muted and persona in muted:
            return f"{persona} is muted in this room by a moderator"
        return None

    def ambient_reason(self, room_key: str) -> str | None:
        """Why ambient speech may not start in the room now (None: it may). Cogs that would
        spend an LLM call on unprompted speech ask this first."""
        return self.mute_reason(room_key, None) or self.quiet.check(room_key)

    # -- the outbound pump -------------------------------------------------------------------

    async def pump(self) -> int:
        """Send what the rate limit now allows; record what the queue dropped."""
        queue = self.queue
        if queue.idle:  # the common case: nothing held
            return 0
        now = self.clock.now()
        sent = 0
        for pending in queue.due(now):
            out, send = pending.out, pending.send
            send.now = now
            if out.persona is not None or out.ambient:
                reason = self.mute_reason(out.room.key, out.persona)
                if reason:
                    self._loose(send, "mute", "dropped", reason, out.persona)
                    continue
            if out.ambient:  # it waited: the room may have got busy meanwhile
                reason = self.quiet.check(out.room.key, now)
                if reason:
                    self._loose(
                        send, "quiet", "dropped", reason.removeprefix("quiet: "), out.persona
                    )
                    continue
            if await self.dispatcher.deliver(out, send) is not None:
                sent += 1
        for pending, reason in queue.take_dropped():
            self._loose(
                pending.send,
                "ratelimit",
                "dropped",
                reason.removeprefix("rate limit: "),
                pending.out.persona,
            )
        return sent

    def _loose(
        self, send: SendContext, step: str, outcome: str, reason: str, persona: str | None
    ) -> None:
        # On the send's own turn (it answered that message) and among the loose decisions,
        # which is where the console and replay look for what happens between messages.
        send.now = self.clock.now()
        send.decide(step, outcome, reason, persona)
        if send.turn is not None:
            self.dispatcher.loose_decisions.append(send.decisions[-1])


def tunable_names() -> list[str]:
    return [name for name, spec in SETTINGS.items() if spec.tunable]


# -- dispatcher adapters ----------------------------------------------------------------------


class RuleObserver:
    """Record step: every message once, in order, feeds ping-pong and quiet (hot path)."""

    __slots__ = ("lines", "pingpong", "quiet")

    def __init__(self, rules: Rules) -> None:
        self.pingpong = rules.pingpong.observe
        self.quiet = rules.quiet.observe
        self.lines = rules.lines

    def observe(self, message: Message, turn: Turn) -> None:
        author = message.author
        room_key = message.room.key
        speaker = turn.echo_of or author.persona
        human = speaker is None and not author.is_bot
        if speaker is None:
            speaker = author.key
        self.pingpong(room_key, speaker, human, turn.now, author.display or author.name)
        if human:
            self.quiet(room_key, True, turn.now)
            lines = self.lines
            lines[room_key] = lines.get(room_key, 0) + 1


class PingPongGate:
    name = "pingpong"

    def __init__(self, rules: Rules) -> None:
        self.rule = rules.pingpong

    def check(self, turn: Turn, persona: str) -> str | None:
        reason = self.rule.check(turn.message.room.key, persona, turn.now)
        return reason.removeprefix("ping-pong: ") if reason else None  # the step names it


class MuteGate:
    name = "mute"

    def __init__(self, rules: Rules) -> None:
        self.rules = rules

    def check(self, turn: Turn, persona: str) -> str | None:
        rules = self.rules
        if not rules.silenced and not rules.muted:
            return None
        return rules.mute_reason(turn.message.room.key, persona)


class MuteStep:
    """Outbound: muted personas and rooms under ``!quiet on`` stay silent, whatever path
    their words take (the bot's answers to commands still go out)."""

    name = "mute"

    def __init__(self, rules: Rules) -> None:
        self.rules = rules

    async def apply(self, out: Outgoing, send: SendContext) -> Outgoing | None:
        rules = self.rules
        if (out.persona is None and not out.ambient) or not (rules.silenced or rules.muted):
            return out
        reason = rules.mute_reason(out.room.key, out.persona)
        if reason:
            send.decide(self.name, "suppressed", reason, out.persona)
            return None
        return out


class QuietStep:
    """Outbound: ambient speech waits while humans are busy; a direct reply never does."""

    name = "quiet"

    def __init__(self, rules: Rules) -> None:
        self.rule = rules.quiet

    async def apply(self, out: Outgoing, send: SendContext) -> Outgoing | None:
        if not out.ambient:
            return out
        reason = self.rule.check(out.room.key, send.now)
        if reason:
            send.decide(self.name, "suppressed", reason.removeprefix("quiet: "), out.persona)
            return None
        return out


class RateLimitStep:
    """Outbound, last: take a slot, or queue the send, or drop it; never over the limit."""

    name = "ratelimit"

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.queue = rules.queue
        self.unlimited = frozenset(p for p, lim in LIMITS.items() if lim.rate is None)

    async def apply(self, out: Outgoing, send: SendContext) -> Outgoing | None:
        platform = out.room.platform
        if platform in self.unlimited:
            return out
        adapter = self.rules.dispatcher.adapters.get(platform)
        moderator = bool(adapter is not None and adapter.bot_is_moderator(out.room))
        account = send.persona.account(platform) if send.persona is not None else ""
        ticket = self.queue.submit(
            Pending(out, send), platform, out.room.key, send.now, moderator, account
        )
        if ticket.status == "send":
            return out
        reason = (ticket.reason or "over the limit").removeprefix("rate limit: ")
        send.decide(self.name, ticket.status, reason, out.persona)
        return None


__all__ = [
    "PUMP_JOB",
    "SETTINGS",
    "MuteGate",
    "MuteStep",
    "Pending",
    "PingPongGate",
    "QuietStep",
    "RateLimitStep",
    "RuleObserver",
    "Rules",
    "parse_prefix",
    "tunable_names",
]
