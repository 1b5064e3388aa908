"""The dispatcher: one ordered pipeline every message goes through, whatever its platform.

    1. echo        drop duplicates (same platform message id); mark our own personas' echoes
    2. record      queue the message for the store (never waits) and feed the observers
    3. checks      inbound checks (the Warden); a removal stops the flow
    4. commands    "!command": parse, role, cooldown, run; never reaches the LLM
    5. addressing  which personas are spoken to (DM rule, mention rule)
    6. gates       per-persona gates (ping-pong, quiet, mutes...) decide who may speak
    7. listeners   cogs react (the Steward answers for each persona cleared to speak)

Sending goes the other way through the outbound gate (cog filters such as the Warden's link
check, mass-mention and command-prefix neutralising, length and line limits, rate limits)
before the adapter sends it; the sent message then comes back through :meth:`handle` as an
echo, so it is recorded and every rule sees it.

Every step that decides something records a :class:`Decision`, so "why did the bot (not)
answer?" has an answer in the console and in ``sanctum replay``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bot.adapters.base import Adapter, AdapterError
from bot.clock import Clock
from bot.commands import CommandRegistry, Scope
from bot.config import DispatchSettings
from bot.message import Message, MessageKind, Outgoing, Platform, Role, Room, User
from bot.personas import SYSTEM_PERSONA, Persona, PersonaRegistry
from bot.platforms import limits_for
from bot.rules.addressing import AddressingStep

if TYPE_CHECKING:
    from bot.memory.store import Store

log = logging.getLogger(__name__)


# -- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    step: str
    outcome: str  # dropped, recorded, flagged, removed, command, addressed, skipped,
    #               suppressed, sent, changed, refused, queued, error
    reason: str
    persona: str | None = None
    ts: float = 0.0

    def __str__(self) -> str:
        who = f" [{self.persona}]" if self.persona else ""
        return f"{self.step}{who}: {self.outcome}: {self.reason}"


_SET_DECISION = tuple(
    getattr(Decision, f).__set__ for f in ("step", "outcome", "reason", "persona", "ts")
)


def _decision(step: str, outcome: str, reason: str, persona: str | None, ts: float) -> Decision:
    """``Decision(...)`` at a third of the cost: a frozen dataclass's ``__init__`` goes through
    ``object.__setattr__`` for each field, and most messages record at least one decision.
    The result is the same frozen Decision."""
    decision = object.__new__(Decision)
    set_step, set_outcome, set_reason, set_persona, set_ts = _SET_DECISION
    set_step(decision, step)
    set_outcome(decision, outcome)
    set_reason(decision, reason)
    set_persona(decision, persona)
    set_ts(decision, ts)
    return decision


@dataclass(frozen=True, slots=True)
class Verdict:
    """What an inbound check decided. ``removes`` stops the flow (the message is gone)."""

    action: str  # allow, flag, warn, delete, timeout, ban
    reason: str
    removes: bool = False
    check: str = ""


_SKIP_STEP = "addressing"
NOT_MENTIONED = "not mentioned in a group room"


class Turn:
    """One message's trip through the pipeline, and everything decided on the way.

    ``addressed`` (persona -> why), ``speakers`` (personas cleared to speak), ``decisions``,
    ``verdicts``, ``sent`` and ``followups`` are created on first use: most chat lines fill none
    of them but ``decisions``. The addressing step's "not mentioned in a group room" skips (one
    per persona, on most lines) are kept as persona ids and become Decisions when the list is
    first read or added to, in the place where they were decided.
    """

    __slots__ = (
        "_addressed",
        "_decisions",
        "_followups",
        "_sent",
        "_skipped",
        "_speakers",
        "_verdicts",
        "command",
        "depth",
        "echo_of",
        "message",
        "now",
        "role",
        "stopped",
    )

    def __init__(
        self,
        message: Message,
        role: Role,
        depth: int = 0,
        now: float = 0.0,
        echo_of: str | None = None,  # the persona that wrote this message, if it is ours
        stopped: str | None = None,  # the step that ended the flow
        addressed: dict[str, str] | None = None,
        speakers: list[str] | None = None,
        decisions: list[Decision] | None = None,
        verdicts: list[Verdict] | None = None,
        sent: list[Message] | None = None,
        followups: list[Turn] | None = None,
        command: str | None = None,
    ) -> None:
        self.message = message
        self.role = role
        self.depth = depth
        self.now = now
        self.echo_of = echo_of
        self.stopped = stopped
        self._addressed = addressed
        self._speakers = speakers
        self._decisions = decisions
        self._verdicts = verdicts
        self._sent = sent
        self._followups = followups
        self._skipped: tuple[str, ...] | None = None
        self.command = command

    # Lazily created containers: reading one makes it (an empty one stays empty).

    @property
    def addressed(self) -> dict[str, str]:
        if self._addressed is None:
            self._addressed = {}
        return self._addressed

    @addressed.setter
    def addressed(self, value: dict[str, str]) -> None:
        self._addressed = value

    @property
    def speakers(self) -> list[str]:
        if self._speakers is None:
            self._speakers = []
        return self._speakers

    @speakers.setter
    def speakers(self, value: list[str]) -> None:
        self._speakers = value

    @property
    def decisions(self) -> list[Decision]:
        if self._skipped is not None:
            self._record_skipped()
        if self._decisions is None:
            self._decisions = []
        return self._decisions

    @decisions.setter
    def decisions(self, value: list[Decision]) -> None:
        self._skipped = None
        self._decisions = value

    @property
    def verdicts(self) -> list[Verdict]:
        if self._verdicts is None:
            self._verdicts = []
        return self._verdicts

    @verdicts.setter
    def verdicts(self, value: list[Verdict]) -> None:
        self._verdicts = value

    @property
    def sent(self) -> list[Message]:
        if self._sent is None:
            self._sent = []
        return self._sent

    @sent.setter
    def sent(self, value: list[Message]) -> None:
        self._sent = value

    @property
    def followups(self) -> list[Turn]:
        if self._followups is None:
            self._followups = []
        return self._followups

    @followups.setter
    def followups(self, value: list[Turn]) -> None:
        self._followups = value

    def skip_unmentioned(self, persona: str) -> None:
        """Record "not mentioned in a group room" for ``persona`` (made a Decision when the
        decisions are read: this happens on most chat lines, and most are never read)."""
        skipped = self._skipped
        self._skipped = (persona,) if skipped is None else (*skipped, persona)

    def _record_skipped(self) -> None:
        skipped, self._skipped = self._skipped, None
        if self._decisions is None:
            self._decisions = []
        now = self.now
        for persona in skipped or ():
            self._decisions.append(_decision(_SKIP_STEP, "skipped", NOT_MENTIONED, persona, now))

    def decide(self, step: str, outcome: str, reason: str, persona: str | None = None) -> None:
        self.decisions.append(_decision(step, outcome, reason, persona, self.now))

    def stop(self, step: str, outcome: str, reason: str) -> None:
        self.stopped = step
        self.decide(step, outcome, reason)

    @property
    def is_echo(self) -> bool:
        return self.echo_of is not None

    def walk(self) -> Iterator[Turn]:
        yield self
        for follow in self._followups or ():
            yield from follow.walk()

    def __repr__(self) -> str:
        return (
            f"Turn(message={self.message!r}, role={self.role!r}, depth={self.depth}, "
            f"now={self.now!r}, echo_of={self.echo_of!r}, stopped={self.stopped!r}, "
            f"addressed={self._addressed or {}!r}, speakers={self._speakers or []!r}, "
            f"decisions={self.decisions!r}, command={self.command!r})"
        )


# -- collaborator protocols -----------------------------------------------------------------


class RoleSource(Protocol):
    def resolve(self, user: User) -> Role: ...


class PlatformRoles:
    """Default: trust the role the adapter mapped from the platform."""

    def resolve(self, user: User) -> Role:
        return user.role


class Gate(Protocol):
    """A per-persona gate (step 6): None lets the persona speak, a string says why not."""

    name: str

    def check(self, turn: Turn, persona: str) -> str | None: ...


class Observer(Protocol):
    """Sees every recorded message, in order (ping-pong and quiet trackers, counters)."""

    def observe(self, message: Message, turn: Turn) -> None: ...


class OutboundStep(Protocol):
    """Takes an Outgoing and returns it (maybe changed) or None to refuse it, with a reason."""

    name: str

    async def apply(self, out: Outgoing, send: SendContext) -> Outgoing | None: ...


@dataclass(slots=True)
class SendContext:
    turn: Turn | None
    decisions: list[Decision]
    now: float
    persona: Persona | None

    def decide(self, step: str, outcome: str, reason: str, persona: str | None = None) -> None:
        turn = self.turn
        if turn is not None and turn._skipped is not None:  # what was decided before comes first
            turn._record_skipped()
        self.decisions.append(_decision(step, outcome, reason, persona, self.now))


Listener = Callable[..., Awaitable[Any]]
CheckFn = Callable[[Turn], Awaitable[Verdict | None]]
OutboundFilter = Callable[[Outgoing, SendContext], Awaitable[Outgoing | None]]


# -- inbound steps ----------------------------------------------------------------------------
#
# A step is an object with a ``name`` and ``run(turn)``. ``run`` does its work and returns None,
# or returns an awaitable when it has asynchronous work (a check, a command, the listeners),
# which the dispatcher then awaits. Most messages need no await at all: a plain chat line goes
# through every step as plain function calls. An ``async def run`` step works too.

_NOTICE = MessageKind.NOTICE


class EchoStep:
    """Drop duplicates of a platform message id; mark the messages our personas wrote."""

    name = "echo"

    def __init__(self, dispatcher: Dispatcher, window: int) -> None:
        self.dispatcher = dispatcher
        self.window = window
        # Keys (room key, message id) in two generations of up to ``window`` each: the newest
        # ``window`` are always remembered (up to twice as many are). Cheaper per message than
        # ordered eviction: no queue, and a full generation is dropped at once.
        self._seen: set[tuple[str, str]] = set()
        self._older: set[tuple[str, str]] = set()
        # platform -> {account user id: persona id}, as the registry held it at
        # ``_accounts_version``: a few entries, so asking it stays in the CPU cache.
        self._accounts: dict[Platform, dict[str, str]] = {}
        self._accounts_version = -1

    def seen(self, message: Message) -> bool:
        key = (message.room.key, message.id)
        return key in self._seen or key in self._older

    def remember(self, message: Message) -> None:
        key = (message.room.key, message.id)
        if key not in self._seen and key not in self._older:
            self._add(key)

    def _add(self, key: tuple[str, str]) -> None:
        seen = self._seen
        if len(seen) >= self.window:
            self._older = seen
            seen = self._seen = set()
        seen.add(key)

    def persona_of(self, author: User, platform: Platform) -> str | None:
        """The persona ``author`` speaks for: its own mark, or its account in the registry."""
        if author.persona is not None:
            return author.persona
        registry = self.dispatcher.personas
        if self._accounts_version != registry.version:
            accounts: dict[Platform, dict[str, str]] = {}
            for persona in registry:
                for each in Platform:
                    account = persona.account(each)
                    if account:
                        accounts.setdefault(each, {})[account] = persona.id
            self._accounts = accounts
            self._accounts_version = registry.version
        found = self._accounts.get(platform)
        return found.get(author.id) if found else None

    def run(self, turn: Turn) -> None:
        message = turn.message
        room = message.room
        key = (room.key, message.id)
        seen = self._seen
        if key in seen or key in self._older:
            turn.stop(self.name, "dropped", "duplicate of a message already handled")
            return
        if len(seen) < self.window:  # _add(), inlined
            seen.add(key)
        else:
            self._add(key)
        author = message.author
        persona = author.persona
        if persona is None:
            if self._accounts_version == self.dispatcher.personas.version:
                found = self._accounts.get(room.platform)  # persona_of(), inlined
                persona = found.get(author.id) if found else None
            else:
                persona = self.persona_of(author, room.platform)
        if persona is not None:
            turn.echo_of = persona


class RecordStep:
    """Queue the message for the store and feed the observers. Never waits on the disk."""

    name = "record"

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def run(self, turn: Turn) -> None:
        dispatcher = self.dispatcher
        message = turn.message
        if dispatcher.recording and dispatcher.store is not None:
            dispatcher.store.messages.record(message)
        for observer in dispatcher.observers:
            try:
                observer.observe(message, turn)
            except Exception:
                log.exception("observer %r failed", observer)


class CheckStep:
    """Inbound checks (the Warden). A removal stops the flow; a failing check is skipped."""

    name = "checks"

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def run(self, turn: Turn) -> Awaitable[None] | None:
        if turn.echo_of is not None or not self.dispatcher.checks:
            return None  # our own words are checked on the way out, not as chat
        return self._run(turn)

    async def _run(self, turn: Turn) -> None:
        for check, _owner in self.dispatcher.checks:
            try:
                verdict = await check(turn)
            except Exception as error:
                log.exception("check %r failed; skipped", check)
                turn.decide(self.name, "error", f"check failed and was skipped: {error}")
                continue
            if verdict is None or verdict.action == "allow":
                continue
            turn.verdicts.append(verdict)
            if verdict.removes:
                turn.stop(self.name, "removed", f"{verdict.action}: {verdict.reason}")
                return
            turn.decide(self.name, "flagged", f"{verdict.action}: {verdict.reason}")


class CommandStep:
    """`!command`: run it and stop. Unknown commands stop silently: they are other bots'."""

    name = "commands"
    REASONS = {  # p: prefix, c: command, d: detail
        "ok": "ran {p}{c}",
        "unknown": "unknown command {p}{c} ignored",
        "denied": "{p}{c}: {d}",
        "cooldown": "{p}{c}: {d}",
        "usage": "{p}{c}: usage: {d}",
        "error": "{p}{c} failed: {d}",
        "empty": "empty command",
    }

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def run(self, turn: Turn) -> Awaitable[None] | None:
        message = turn.message
        if turn.echo_of is not None or message.author.is_bot or message.kind is _NOTICE:
            return None  # bot and persona text never runs a command
        dispatcher = self.dispatcher
        prefixes = dispatcher.prefixes
        prefix = (
            prefixes.get(message.room.key, dispatcher.default_prefix)
            if prefixes
            else dispatcher.default_prefix
        )
        text = message.text
        if not text.startswith(prefix) or len(text) == len(prefix):
            return None
        if not text[len(prefix)].isalpha():
            return None  # "!!!" is excitement, not a command
        return self._run(turn, prefix)

    async def _run(self, turn: Turn, prefix: str) -> None:
        message = turn.message
        text = message.text
        dispatcher = self.dispatcher

        async def reply(content: Any) -> None:
            await dispatcher.send(
                Outgoing(
                    message.room, str(content), persona=None, reply_to=message.id, cause=message.id
                ),
                turn=turn,
            )

        outcome = await dispatcher.commands.execute(
            text[len(prefix) :],
            bot=dispatcher.bot,
            user=message.author,
            role=turn.role,
            source=Scope.CHAT,
            reply=reply,
            room=message.room,
            message=message,
            prefix=prefix,
            turn=turn,
        )
        turn.command = outcome.command or None
        reason = self.REASONS[outcome.status].format(p=prefix, c=outcome.command, d=outcome.detail)
        turn.stop(self.name, "command", reason)


class GateStep:
    """Per-persona gates decide who of the addressed may speak now."""

    name = "gates"

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def run(self, turn: Turn) -> None:
        if not turn._addressed:
            return
        limit = self.dispatcher.settings.max_echo_depth
        for persona in turn.addressed:
            if turn.depth >= limit:
                turn.decide(self.name, "suppressed", f"reply chain deeper than {limit}", persona)
                continue
            for gate in self.dispatcher.gates:
                reason = gate.check(turn, persona)
                if reason:
                    turn.decide(gate.name, "suppressed", reason, persona)
                    break
            else:
                turn.speakers.append(persona)


class ListenerStep:
    name = "listeners"

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def run(self, turn: Turn) -> Awaitable[None] | None:
        if not self.dispatcher.listeners.get("message"):
            return None
        return self.dispatcher.emit("message", turn)


# -- outbound steps ---------------------------------------------------------------------------


class CogFilterStep:
    """Cog outbound filters (the Warden's link and mention check on persona text)."""

    name = "outbound-filters"

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    async def apply(self, out: Outgoing, send: SendContext) -> Outgoing | None:
        for filter_fn, _owner in self.dispatcher.outbound_filters:
            try:
                result = await filter_fn(out, send)
            except Exception:
                log.exception("outbound filter %r failed", filter_fn)
                send.decide(self.name, "refused", "an outbound check failed", out.persona)
                return None
            if result is None:
                return None
            out = result
        return out


_MASS_MENTION = re.compile(r"@(everyone|here|room|channel|all)\b", re.IGNORECASE)
_ROLE_MENTION = re.compile(r"<@&\d+>")
_LEADING_COMMAND = re.compile(r"^\s*[!/.$?~]")
_ZWSP = "\u200b"


class SafetyStep:
    """No mass mentions and no command prefixes in anything we send: LLM text and custom
    commands can never ping a room or make another bot (or us) run a command."""

    name = "safety"

    async def apply(self, out: Outgoing, send: SendContext) -> Outgoing | None:
        text = out.text
        cleaned = text
        if "@" in text:  # both kinds of mention need one; most replies have none
            cleaned = _MASS_MENTION.sub(lambda m: "@" + _ZWSP + m.group(1), cleaned)
            cleaned = _ROLE_MENTION.sub("@role", cleaned)
        if _LEADING_COMMAND.match(cleaned):
            cleaned = _ZWSP + cleaned.lstrip()
        if cleaned != text:
            send.decide(
                self.name, "changed", "neutralised a mass mention or command prefix", out.persona
            )
            return out.with_text(cleaned)
        return out


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


class LengthStep:
    """The platform's and the persona's length limit; one line where the platform wants it."""

    name = "length"

    async def apply(self, out: Outgoing, send: SendContext) -> Outgoing | None:
        limits = limits_for(out.room.platform)
        limit = limits.max_length
        one_line = limits.one_line
        if send.persona is not None:
            limit = min(limit, send.persona.style.max_length)
            one_line = one_line or send.persona.style.one_line
        text = out.text.strip()
        if one_line:
            text = " ".join(text.split())
        if not text:
            send.decide(self.name, "refused", "nothing to say (empty text)", out.persona)
            return None
        if len(text) > limit:
            text = shorten(text, limit)
            send.decide(self.name, "changed", f"shortened to {limit} characters", out.persona)
        return out if text == out.text else out.with_text(text)


# -- the dispatcher ---------------------------------------------------------------------------


class Dispatcher:
    def __init__(
        self,
        *,
        clock: Clock,
        personas: PersonaRegistry,
        commands: CommandRegistry,
        settings: DispatchSettings | None = None,
        store: Store | None = None,
        roles: RoleSource | None = None,
        bot: Any = None,
    ) -> None:
        self.clock = clock
        self.personas = personas
        self.commands = commands
        self.settings = settings or DispatchSettings()
        self.store = store
        self.recording = store is not None
        self.roles: RoleSource = roles or PlatformRoles()
        self.bot = bot
        self.adapters: dict[Platform, Adapter] = {}
        self.observers: list[Observer] = []
        self.gates: list[Gate] = []
        self.checks: list[tuple[CheckFn, Any]] = []
        self.outbound_filters: list[tuple[OutboundFilter, Any]] = []
        self.listeners: dict[str, list[tuple[Listener, Any]]] = {}
        self.prefixes: dict[str, str] = {}  # room key -> command prefix
        self.default_prefix = "!"
        self.echo = EchoStep(self, self.settings.dedupe_window)
        self.steps: list[Any] = [
            self.echo,
            RecordStep(self),
            CheckStep(self),
            CommandStep(self),
            AddressingStep(self),
            GateStep(self),
            ListenerStep(self),
        ]
        self.outbound: list[OutboundStep] = [CogFilterStep(self), SafetyStep(), LengthStep()]
        self.recent: deque[Turn] = deque(maxlen=200)
        self.loose_decisions: deque[Decision] = deque(maxlen=500)
        self.handled = 0
        self._inflight: set[asyncio.Task] = set()

    # -- registration (cogs and rules plug in here) ------------------------------------------

    def add_listener(self, event: str, fn: Listener, owner: Any = None) -> None:
        self.listeners.setdefault(event, []).append((fn, owner))

    def add_check(self, fn: CheckFn, owner: Any = None) -> None:
        self.checks.append((fn, owner))

    def add_outbound_filter(self, fn: OutboundFilter, owner: Any = None) -> None:
        self.outbound_filters.append((fn, owner))

    def remove_owner(self, owner: Any) -> None:
        for event, entries in self.listeners.items():
            self.listeners[event] = [e for e in entries if e[1] is not owner]
        self.checks = [c for c in self.checks if c[1] is not owner]
        self.outbound_filters = [f for f in self.outbound_filters if f[1] is not owner]

    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter

    def prefix_for(self, room: Room) -> str:
        prefixes = self.prefixes
        return prefixes.get(room.key, self.default_prefix) if prefixes else self.default_prefix

    # -- inbound -----------------------------------------------------------------------------

    async def handle(self, message: Message, *, depth: int = 0) -> Turn:
        """Run ``message`` through every step; return what was decided."""
        turn = Turn(message, self.roles.resolve(message.author), depth, self.clock.now())
        await self._run_steps(turn, 0)
        return turn

    async def _run_steps(self, turn: Turn, start: int) -> None:
        steps = self.steps
        for index in range(start, len(steps)):
            step = steps[index]
            try:
                pending = step.run(turn)
                if pending is not None:
                    await pending
            except Exception as error:
                log.exception("dispatch step %s failed", step.name)
                turn.decide(step.name, "error", f"{type(error).__name__}: {error}")
            if turn.stopped:
                break
        self.handled += 1
        self.recent.append(turn)

    async def submit(self, message: Message) -> None:
        """Adapters' entry point. The steps that need no waiting run now (most chat lines need
        none, and a task per message would cost more than the whole pipeline); from the first
        step that must wait (a reply, an LLM call) on, the turn goes on in a task, so a slow
        reply blocks nobody."""
        try:
            turn = Turn(message, self.roles.resolve(message.author), 0, self.clock.now())
        except Exception:
            log.exception("handling message %s failed", message.id)
            return
        steps = self.steps
        for index, step in enumerate(steps):
            try:
                pending = step.run(turn)
            except Exception as error:
                log.exception("dispatch step %s failed", step.name)
                turn.decide(step.name, "error", f"{type(error).__name__}: {error}")
                pending = None
            if pending is not None:
                task = asyncio.get_running_loop().create_task(self._finish(turn, pending, index))
                self._inflight.add(task)
                task.add_done_callback(self._inflight.discard)
                return
            if turn.stopped:
                break
        self.handled += 1
        self.recent.append(turn)

    async def _finish(self, turn: Turn, pending: Awaitable[None], index: int) -> None:
        """The rest of a submitted turn, from the step whose ``pending`` work must be awaited."""
        try:
            try:
                await pending
            except Exception as error:
                name = self.steps[index].name
                log.exception("dispatch step %s failed", name)
                turn.decide(name, "error", f"{type(error).__name__}: {error}")
            if turn.stopped:
                self.handled += 1
                self.recent.append(turn)
                return
            await self._run_steps(turn, index + 1)
        except Exception:
            log.exception("handling message %s failed", turn.message.id)

    async def drain(self) -> None:
        """Wait for every message submitted so far (and what they caused) to finish."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    @property
    def in_flight(self) -> int:
        return len(self._inflight)

    async def emit(self, event: str, *args: Any) -> None:
        turn = args[0] if args and isinstance(args[0], Turn) else None
        for fn, owner in list(self.listeners.get(event, ())):
            try:
                await fn(*args)
            except Exception as error:
                name = getattr(owner, "name", repr(owner))
                log.exception("listener %s.%s failed", name, getattr(fn, "__name__", fn))
                if turn is not None:
                    turn.decide("listeners", "error", f"{name}: {type(error).__name__}: {error}")

    # -- outbound ----------------------------------------------------------------------------

    async def send(self, out: Outgoing, *, turn: Turn | None = None) -> Message | None:
        """Pass ``out`` through the outbound gate, send it, and feed the echo back in."""
        persona = self.personas.get(out.persona) if out.persona else None
        decisions = turn.decisions if turn is not None else self.loose_decisions
        send = SendContext(turn, decisions, self.clock.now(), persona)  # type: ignore[arg-type]
        for step in self.outbound:
            result = await step.apply(out, send)
            if result is None:
                if not decisions or decisions[-1].step != step.name:
                    send.decide(step.name, "refused", "refused by the outbound gate", out.persona)
                return None
            out = result
        return await self.deliver(out, send)

    async def deliver(self, out: Outgoing, send: SendContext) -> Message | None:
        """Hand a cleared Outgoing to its adapter (rate-limit queues call this later)."""
        adapter = self.adapters.get(out.room.platform)
        if adapter is None:
            send.decide("send", "error", f"no {out.room.platform.value} adapter", out.persona)
            return None
        try:
            sent = await adapter.send(out)
        except AdapterError as error:
            send.decide("send", "error", str(error), out.persona)
            log.warning("send to %s failed: %s", out.room.key, error)
            return None
        except Exception as error:
            log.exception("send to %s failed", out.room.key)
            send.decide("send", "error", f"{type(error).__name__}: {error}", out.persona)
            return None
        send.decide("send", "sent", sent.text[:80], out.persona or SYSTEM_PERSONA)
        turn = send.turn
        if turn is not None:
            turn.sent.append(sent)
        echo = await self.handle(sent, depth=(turn.depth + 1) if turn is not None else 1)
        if turn is not None:
            turn.followups.append(echo)
        return sent
