"""WardenEngine: per-room configuration, per-user memory, and the assessment of one message.

``assess(message)`` runs every check that applies to the author's role and sums the scores into
an :class:`Assessment` with a suggested :class:`~cogs.warden.ladder.Severity`. ``judge(message)``
adds the room's escalation ladder and returns a :class:`Judgement` (action, timeout, warning).
Moderators and above are never inspected, nor are our own personas (their words go through
:meth:`WardenEngine.outbound`). A check that raises is logged and skipped; the message is still
assessed by the others. All memory is bounded and keyed by room and user; time comes from the
injected clock, so replay and tests run on virtual time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.adapters.base import ModAction, ModerationKind
from bot.clock import Clock, SystemClock
from bot.message import Message, Role, Room, User
from cogs.warden.checks import (
    ALL_CHECKS,
    AT,
    BLOCK,
    CAPS,
    CHECK_NAMES,
    EMOTE,
    EMOTES,
    LONG,
    MEMORY_SLOTS,
    RUN,
    STATE,
    SYMBOLS,
    Check,
    Ctx,
    FloodCheck,
    Hit,
    ModelCheck,
    RepetitionCheck,
    UserState,
    View,
    flood_hit,
    note_trim,
    repetition,
)
from cogs.warden.ladder import ALLOW, Action, Ladder, LadderPolicy, Severity, Verdict, user_key
from cogs.warden.links import DEFAULT_ALLOWLIST, DomainSet, LinkJudge, PhishingList
from cogs.warden.links import normalize_domain as _normalize_domain
from cogs.warden.model import TextModel, default_model
from cogs.warden.outbound import OutboundResult, check_outbound
from cogs.warden.patterns import (
    BlockList,
    PatternError,
    compile_pattern,
    normalize_term,
    parse_entry,
)

log = logging.getLogger(__name__)


class Mode(StrEnum):
    STRICT = "strict"
    NORMAL = "normal"
    LENIENT = "lenient"
    FLAGONLY = "flagonly"  # assess as normal, only ever flag for moderators
    OFF = "off"


# Score at which a message is flagged, removed, and treated as severe.
THRESHOLDS: dict[Mode, tuple[float, float, float]] = {
    Mode.STRICT: (0.45, 0.75, 2.0),
    Mode.NORMAL: (0.6, 1.0, 2.5),
    Mode.LENIENT: (0.9, 1.5, 3.0),
    Mode.FLAGONLY: (0.6, 1.0, 2.5),
    Mode.OFF: (float("inf"),) * 3,
}
# Lowest role exempt from each check. Scam, phishing, blocklist, zalgo and lookalike checks
# apply to everyone below moderator: a VIP's hijacked account posts phishing links too.
DEFAULT_EXEMPT: dict[str, Role] = {
    "links": Role.VIP,
    "caps": Role.VIP,
    "symbols": Role.VIP,
    "emotes": Role.SUBSCRIBER,
    "repeated": Role.SUBSCRIBER,
    "length": Role.VIP,
    # The learned check is the least explainable one: people the streamer chose to trust (and
    # other bots, judged as VIPs) are left to the rules.
    "model": Role.VIP,
    "contact": Role.VIP,  # a VIP's own business number is the streamer's call
}
DEFAULT_WARNING = (
    "{user}, your message was removed ({reason}). Next time: a {minutes} minute timeout."
)
# What the warning says about the strongest check: never the hit's own reason, which may name
# the very domain or term that was removed.
WARNING_REASONS: dict[str, str] = {
    "links": "links are not allowed here",
    "phishing": "a dangerous link",
    "scam": "it looks like a scam",
    "blocklist": "a blocked word",
    "mentions": "mass mentions",
    "caps": "too many capitals",
    "symbols": "too many symbols",
    "emotes": "too many emotes",
    "repeated": "repeated characters",
    "length": "too long",
    "flood": "too many messages too fast",
    "repetition": "the same line again and again",
    "zalgo": "zalgo text",
    "lookalike": "disguised letters",
    "model": "it looks like spam or a scam",
    "contact": "it takes the talk to another messenger",
}


class WardenConfig(BaseModel):
    """One room's Warden settings (TOML ``[cog.warden]`` or stored per room)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Mode = Mode.NORMAL
    disabled: frozenset[str] = frozenset()  # check names switched off
    exempt: dict[str, Role] = Field(default_factory=lambda: dict(DEFAULT_EXEMPT))
    allow_domains: tuple[str, ...] = ()  # added to the default allowlist
    default_allowlist: bool = True
    block_terms: tuple[str, ...] = ()
    block_patterns: tuple[str, ...] = ()  # regex sources, without slashes
    block_score: float = Field(1.0, ge=0)
    emotes: tuple[str, ...] = ()  # the channel's own emote names
    caps_min_letters: int = Field(25, ge=1)
    caps_share: float = Field(0.8, gt=0, le=1)
    symbols_min: int = Field(15, ge=1)
    symbols_share: float = Field(0.5, gt=0, le=1)
    max_emotes: int = Field(12, ge=1)  # a dozen of one emote is hype; more is a wall
    repeat_char_run: int = Field(30, ge=4)
    max_length: int = Field(700, ge=1)
    max_mentions: int = Field(5, ge=1)
    # What a link that is not allowlisted scores by itself. None: 1.0 in strict mode (every such
    # link is removed, as Nightbot does), 0.3 otherwise (an ordinary link is fine; a disguise,
    # a shortener, an odd TLD, promotion or scam words push it over the line).
    link_score: float | None = Field(None, ge=0)
    # Flood: the 8th message within 10 s is one too many. Repetition: the 4th same or nearly
    # the same line within 60 s.
    flood_messages: int = Field(7, ge=1, le=60)
    flood_window_s: float = Field(10.0, gt=0)
    repeat_count: int = Field(4, ge=2)
    repeat_window_s: float = Field(60.0, gt=0)
    near_duplicate: float = Field(0.7, gt=0, le=1)
    warn_window_s: float = Field(3600.0, gt=0)
    timeout_s: int = Field(600, ge=1)
    ban_after: int | None = Field(None, ge=1)
    timeout_on_severe: bool = False
    warning: str = DEFAULT_WARNING
    # Other bots (platform-flagged, not ours) are judged as this role, and never for flood or
    # repetition: a game or timer bot repeats by design, and the ping-pong and rate-limit rules
    # handle bot loops. Phishing, scams and blocked terms still apply to them.
    bots_as: Role = Role.VIP

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Any:
        return (
            value.strip().lower().replace("-", "").replace("_", "")
            if isinstance(value, str)
            else value
        )

    @field_validator("disabled", mode="after")
    @classmethod
    def _known_checks(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - set(CHECK_NAMES))
        if unknown:
            raise ValueError(f"unknown check(s) {unknown}; known: {', '.join(CHECK_NAMES)}")
        return value

    @field_validator("exempt", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - set(CHECK_NAMES))
        if unknown:
            raise ValueError(f"unknown check(s) {unknown}; known: {', '.join(CHECK_NAMES)}")
        return {k: Role.parse(v) for k, v in value.items()}

    @field_validator("bots_as", mode="before")
    @classmethod
    def _bot_role(cls, value: Any) -> Any:
        return Role.parse(value) if isinstance(value, str | int) else value

    @field_validator("allow_domains", mode="after")
    @classmethod
    def _domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_normalize_domain(d) for d in value))

    @field_validator("block_terms", mode="after")
    @classmethod
    def _terms(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for term in value:
            normalize_term(term)
        return value

    @field_validator("block_patterns", mode="after")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for source in value:
            compile_pattern(source)
        return value

    @field_validator("warning", mode="after")
    @classmethod
    def _warning(cls, value: str) -> str:
        try:
            value.format(user="u", reason="r", minutes=10, seconds=600)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"warning template: {exc}; use {{user}}, {{reason}}, {{minutes}}, {{seconds}}"
            ) from None
        return value

    def policy(self) -> LadderPolicy:
        return LadderPolicy(
            window_s=self.warn_window_s,
            timeout_s=self.timeout_s,
            ban_after=self.ban_after,
            flag_only=self.mode is Mode.FLAGONLY,
            timeout_on_severe=self.timeout_on_severe,
        )


class Assessment(NamedTuple):
    """What the checks found in one message (a tuple: made for every flagged message, and a
    frozen dataclass costs several times more to build)."""

    score: float
    severity: Severity
    hits: tuple[Hit, ...] = ()
    skipped: tuple[str, ...] = ()  # checks that raised (logged) and were skipped
    exempt: str | None = None  # why nothing was inspected: "moderator", "persona", "off"

    @property
    def checks(self) -> tuple[str, ...]:
        return tuple(h.check for h in self.hits)

    @property
    def reason(self) -> str:
        """The hits, strongest first: "scam: gift: offers free Nitro; links: link to x.y"."""
        ordered = sorted(self.hits, key=lambda h: -h.score)
        return "; ".join(f"{h.check}: {h.reason}" for h in ordered)

    @property
    def flagged(self) -> bool:
        return self.severity > Severity.NONE


CLEAN = Assessment(0.0, Severity.NONE)
_MODERATOR_EXEMPT = Assessment(0.0, Severity.NONE, exempt="moderator")
_PERSONA = Assessment(0.0, Severity.NONE, exempt="persona")
_OFF = Assessment(0.0, Severity.NONE, exempt="off")
_MODERATOR = int(Role.MODERATOR)
_MAX_CACHED_TEXT = 2_000  # longer texts are analysed every time (bounds the cache's memory)


@dataclass(frozen=True, slots=True)
class Judgement:
    """An assessment plus what the ladder decided to do about it."""

    assessment: Assessment
    verdict: Verdict = ALLOW
    warning: str | None = None  # text to post to the user (first offences), if any

    @property
    def action(self) -> Action:
        return self.verdict.action

    @property
    def removes(self) -> bool:
        return self.verdict.removes

    def mod_action(self, msg: Message) -> ModAction | None:
        """The adapter call for this judgement (None when allowed)."""
        if self.verdict.action is Action.ALLOW:
            return None
        return ModAction(
            kind=ModerationKind(self.verdict.action.value),
            room=msg.room,
            user=msg.author,
            message_id=msg.id,
            seconds=self.verdict.seconds,
            reason=self.assessment.reason,
        )


class Plan(NamedTuple):
    """What to run for one kind of message from one role (see :meth:`RoomRules.plan`)."""

    flood: bool  # the standard FloodCheck, inline
    repetition: bool  # the standard RepetitionCheck, inline
    checks: tuple[Check, ...]  # the rest, in order
    pure: bool  # every one of ``checks`` is pure: their hits may be kept on the View
    remember: bool  # a check reads the user's memory: log this message in it


@dataclass(slots=True)
class WardenStats:
    assessed: int = 0
    flagged: int = 0
    by_check: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    cache_misses: int = 0  # texts analysed afresh; the rest of ``assessed`` were repeats

    @property
    def cache_hit_rate(self) -> float:
        return 1.0 - self.cache_misses / self.assessed if self.assessed else 0.0


class RoomRules:
    """One room's compiled configuration and its memory of users."""

    __slots__ = ("_check_sets", "_plans", "all_checks", "blocklist", "bots_as", "caps_min",
                 "config", "emotes", "flood_messages", "flood_window_s", "has_blocklist",
                 "judge", "ladder", "link_score", "max_emotes", "max_length", "max_users",
                 "memory_s", "memory_slots", "model", "names", "off", "own_allow", "repeat_count",
                 "repeat_run", "repeat_span",
                 "repeat_window_s", "shape_min", "strict_links", "symbols_min", "thresholds",
                 "token", "users")  # fmt: skip

    def __init__(
        self,
        config: WardenConfig,
        phishing: DomainSet,
        clock: Clock,
        max_users: int,
        all_checks: Sequence[Check] = ALL_CHECKS,
        model: TextModel | None = None,
    ) -> None:
        self.model = model
        # Without a model its check has nothing to do: left out of every plan.
        self.all_checks = tuple(
            c for c in all_checks if model is not None or not isinstance(c, ModelCheck)
        )
        self.ladder = Ladder(clock, config.policy(), max_users=max_users)
        self.users: dict[str, UserState] = {}
        self.names: dict[str, str] = {}  # login name -> user id, for permits and pardons
        self.max_users = max_users
        self.apply(config, phishing)

    def apply(self, config: WardenConfig, phishing: DomainSet) -> None:
        allow = self.own_allow = DomainSet(config.allow_domains)
        if config.default_allowlist:
            allow = allow | DomainSet(DEFAULT_ALLOWLIST)
        self.config = config
        self.judge = LinkJudge(allow, phishing)
        self.blocklist = BlockList(config.block_terms, config.block_patterns)
        self.has_blocklist = bool(self.blocklist)
        self.emotes = EMOTES | frozenset(config.emotes)
        self.thresholds = THRESHOLDS[config.mode]
        self.off = config.mode is Mode.OFF
        self.strict_links = config.mode is Mode.STRICT
        default_link = 1.0 if self.strict_links else 0.3
        self.link_score = default_link if config.link_score is None else config.link_score
        self.bots_as = config.bots_as
        self.ladder.policy = config.policy()
        # Plain copies of the numbers read for every message (cheaper than the model's).
        self.caps_min = config.caps_min_letters
        self.symbols_min = config.symbols_min
        self.repeat_run = config.repeat_char_run
        self.max_length = config.max_length
        self.max_emotes = config.max_emotes
        self.flood_messages = config.flood_messages
        self.flood_window_s = config.flood_window_s
        self.repeat_count = config.repeat_count
        self.repeat_window_s = config.repeat_window_s
        # Memory slots (two per message) of the earlier messages a repeat needs.
        self.repeat_span = 2 * (config.repeat_count - 1)
        # How long and how much of each user's messages the flood and repetition checks use.
        self.memory_s = max(config.repeat_window_s, config.flood_window_s)
        self.memory_slots = max(MEMORY_SLOTS, 2 * config.flood_messages)
        # Shorter than this, no caps/symbols/repeated/length check can fire.
        self.shape_min = min(self.caps_min, self.symbols_min, self.repeat_run, self.max_length + 1)
        self._plans: dict[int, Plan] = {}
        self._check_sets: dict[tuple[Check, ...], tuple[Check, ...]] = {}
        self.token = object()  # new settings: Views' cached room gates are stale

    def text_gates(self, view: View) -> int:
        """The View's gates plus those that depend on this room's settings (not the message)."""
        gates = view.gates
        raw = view.raw
        size = len(raw)
        if size >= self.shape_min:
            if not view.ascii:
                gates |= CAPS | SYMBOLS
            else:
                classes = view.classes()
                if size >= self.caps_min and classes.count(1) >= self.caps_min:
                    gates |= CAPS
                if size >= self.symbols_min and classes.count(5) >= self.symbols_min:
                    gates |= SYMBOLS
            if size >= self.repeat_run and max(map(len, raw.split())) >= self.repeat_run:
                gates |= RUN
            if size > self.max_length:
                gates |= LONG
        if "@" in raw:
            gates |= AT
        if size > 2 * self.max_emotes and (
            raw.count(" ") >= self.max_emotes or len(raw.split()) > self.max_emotes
        ):
            gates |= EMOTE
        if self.has_blocklist:
            blocklist = self.blocklist
            if blocklist.has_patterns or not blocklist.anchors.isdisjoint(view.tokens):
                gates |= BLOCK
        return gates

    def checks_for(self, role: Role, gates: int) -> tuple[Check, ...]:
        """The checks to run for an author of ``role`` on a message with ``gates``."""
        cfg = self.config
        return tuple(
            c
            for c in self.all_checks
            if c.gate & gates
            and c.name not in cfg.disabled
            and not (c.name in cfg.exempt and role >= cfg.exempt[c.name])
        )

    def plan(self, role: Role, gates: int) -> Plan:
        """:meth:`checks_for`, with the standard flood and repetition checks at its head taken
        out: the engine runs those two inline, sharing one look at the user's memory."""
        key = (role << 16) | gates
        plan = self._plans.get(key)
        if plan is None:
            checks = self.checks_for(role, gates)
            flood = repeat = False
            if checks and type(checks[0]) is FloodCheck:
                flood, checks = True, checks[1:]
            if checks and type(checks[0]) is RepetitionCheck:
                repeat, checks = True, checks[1:]
            # One tuple per distinct set of checks: a text kept with the hits of one set is
            # recognised whoever sends it next (everyone and regulars share theirs, say).
            checks = self._check_sets.setdefault(checks, checks)
            pure = all(c.pure for c in checks)
            remember = flood or repeat or any(c.stateful for c in checks)
            plan = self._plans[key] = Plan(flood, repeat, checks, pure, remember)
        return plan

    def user(self, author: User) -> UserState:
        state = self.users.get(author.id)
        if state is None:
            state = self._new_user(author)
        return state

    def _new_user(self, author: User) -> UserState:
        users = self.users
        if len(users) >= self.max_users:
            # Full: forget the users not heard from for longest (a scan, rarely needed).
            by_age = sorted(users.values(), key=lambda u: u.last)
            for old in by_age[: max(1, self.max_users // 10)]:
                del users[old.id]
        state = users[author.id] = UserState(author.id, author.name)
        if author.name:
            names = self.names
            names[user_key(author.name)] = author.id
            if len(names) > self.max_users:
                del names[next(iter(names))]
        return state

    def severity(self, score: float) -> Severity:
        flag, act, severe = self.thresholds
        if score >= severe:
            return Severity.HIGH
        if score >= act:
            return Severity.MEDIUM
        if score >= flag:
            return Severity.LOW
        return Severity.NONE


RoomLike = str | Room


def _key(room: RoomLike) -> str:
    return room.key if isinstance(room, Room) else room


class WardenEngine:
    """Assesses messages room by room. Platform-neutral; no I/O."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        default: WardenConfig | None = None,
        phishing: DomainSet | None = None,
        checks: Sequence[Check] = ALL_CHECKS,
        max_rooms: int = 5_000,
        max_users: int = 20_000,
        text_cache: int = 4_096,
        model: TextModel | bool | None = True,
    ) -> None:
        """``model``: the text model next to the rules; True (the default) loads the shipped
        one (a missing or broken file is logged, and the rules run alone), None runs none."""
        self.clock: Clock = clock or SystemClock()
        self.model: TextModel | None = (
            default_model() if model is True else model if isinstance(model, TextModel) else None
        )
        self.default = default or WardenConfig()
        self.phishing: DomainSet = phishing if phishing is not None else PhishingList.load()
        self.checks = tuple(checks)
        self.max_rooms = max_rooms
        self.max_users = max_users
        self.stats = WardenStats()
        self._configs: dict[str, WardenConfig] = {}
        self._rooms: dict[str, RoomRules] = {}
        self._by_room: dict[int, tuple[Room, RoomRules]] = {}
        # Text analysis of recent texts, for exact repeats ("gg", "KEKW", a spam bot's line):
        # two generations of at most ``text_cache`` Views each. A hit in the old generation
        # moves the View to the new one; when the new one is full it becomes the old one.
        # LRU-like, with no bookkeeping on a hit in the new generation. 0 turns it off.
        self.text_cache = text_cache
        self._young: dict[str, View] = {}
        self._old: dict[str, View] = {}

    # --- assessing ------------------------------------------------------------------------

    def assess(self, msg: Message, *, remember: bool = True) -> Assessment:
        """Run the checks that apply to this author; never raises for a faulty check.

        ``remember=False`` leaves the author's flood and repetition memory out of it (edits,
        other bots and command invocations are judged on their content only)."""
        author = msg.author
        if author.persona is not None:
            return _PERSONA
        if author.role >= _MODERATOR:
            return _MODERATOR_EXEMPT
        room = msg.room
        cached = self._by_room.get(id(room))
        if cached is not None and cached[0] is room:
            rules = cached[1]
        else:
            rules = self._rules_for_room(room)
        if rules.off:
            return _OFF
        stats = self.stats
        stats.assessed += 1
        text = msg.text
        view = self._young.get(text)
        if view is None:
            view = self._view(text)
        # The gates: what this text can trigger in this room (kept on the View), then what the
        # message adds (RoomRules.gates, inlined: it runs for every message).
        if view.room_token is rules.token:
            gates = view.room_gates
        else:
            gates = view.room_gates = rules.text_gates(view)
            view.room_token = rules.token
        role = author.role
        if author.is_bot:
            if role < rules.bots_as:
                role = rules.bots_as
        elif remember and msg.edit_of is None:
            gates |= STATE  # per-user memory: people's new messages only
        if msg.mentions:
            gates |= AT
        plan = rules._plans.get((role << 16) | gates) or rules.plan(role, gates)
        hits: list[Hit] = []
        skipped: tuple[str, ...] = ()  # checks that raised (rare: no list made for it)
        now = self.clock.now()
        user = None
        if plan.remember:
            user = rules.users.get(author.id) or rules.user(author)
            memory = user.log
            if plan.flood and memory:
                try:
                    # flood(), inlined: it runs for every message.
                    span = 2 * rules.flood_messages
                    if len(memory) >= span and now - memory[-span] <= rules.flood_window_s:
                        hits.append(flood_hit(rules))
                except Exception:
                    skipped += ("flood",)
                    self._check_failed("flood")
            span = rules.repeat_span
            if (
                plan.repetition
                and len(memory) >= span
                # enough earlier messages within the window to make this one too many
                and now - memory[-span] <= rules.repeat_window_s
            ):
                try:
                    hit = repetition(rules, user, view, now)
                except Exception:
                    skipped += ("repetition",)
                    self._check_failed("repetition")
                else:
                    if hit is not None:
                        hits.append(hit)
        checks = plan.checks
        if not checks:
            pass
        elif (
            view.plan_checks is checks
            and not msg.mentions
            and not (view.plan_permit and rules.ladder.is_permitted(author.id, author.name))
        ):
            # An exact repeat, judged by the same pure checks: the same hits (unless the links
            # in it were judged for someone without a permit, and this author holds one).
            hits += view.plan_hits
        else:
            if user is None:
                user = rules.users.get(author.id) or rules.user(author)
            ctx = Ctx(msg, view, rules, user, now)
            first = ctx.first = len(hits)
            ctx.hits = hits
            failed = False
            for check in checks:
                try:
                    hit = check.run(ctx)
                except Exception:
                    failed = True
                    skipped += (check.name,)
                    self._check_failed(check.name)
                    continue
                if hit is not None:
                    hits.append(hit)
            if (
                plan.pure
                and not (failed or msg.mentions or ctx.personal)
                and ctx._permitted is not True
            ):
                # The platform's mentions played no part, nor did a permit: keep the hits.
                view.plan_checks = checks
                view.plan_hits = tuple(hits[first:])
                view.plan_permit = ctx._permitted is not None  # asked (and had none)
        if user is not None and plan.remember:
            # note(), inlined: log this message once, after every check has read the memory.
            memory = user.log
            memory.append(now)
            memory.append(view.mtext or view.raw)  # repetition.repeat_key() reads it
            horizon = now - rules.memory_s
            if memory[0] < horizon:
                if memory[2] >= horizon:  # only the oldest message is forgotten (the usual)
                    del memory[:2]
                else:
                    note_trim(rules, memory, now)
            elif len(memory) > rules.memory_slots:
                note_trim(rules, memory, now)
        if not hits:
            return CLEAN if not skipped else Assessment(0.0, Severity.NONE, (), skipped)
        score = round(sum(h.score for h in hits), 2)
        severity = rules.severity(score)
        if severity:
            stats.flagged += 1
            by_check = stats.by_check
            for h in hits:
                by_check[h.check] = by_check.get(h.check, 0) + 1
        return Assessment(score, severity, tuple(hits), skipped)

    def _view(self, text: str) -> View:
        """A View of ``text`` from the old generation, or a new one (a cache miss)."""
        view = self._old.pop(text, None)
        if view is None:
            self.stats.cache_misses += 1
            view = View(text)
            if not self.text_cache or len(text) > _MAX_CACHED_TEXT:
                return view
        young = self._young
        young[text] = view
        if len(young) >= self.text_cache:
            self._old = young
            self._young = {}
        return view

    def judge(self, msg: Message, *, remember: bool = True) -> Judgement:
        """Assess, then let the room's ladder decide the action for this user."""
        assessment = self.assess(msg, remember=remember)
        if assessment.severity is Severity.NONE:
            return Judgement(assessment)
        rules = self._rules(msg.room.key)
        verdict = rules.ladder.decide(msg.author.id, assessment.severity, assessment.reason)
        warning = None
        if verdict.warn:
            cfg = rules.config
            top = max(assessment.hits, key=lambda h: h.score)
            warning = cfg.warning.format(
                user=msg.author.label,
                reason=WARNING_REASONS.get(top.check, top.check),
                minutes=max(1, cfg.timeout_s // 60),
                seconds=cfg.timeout_s,
            )
        return Judgement(assessment, verdict, warning)

    def outbound(self, room: RoomLike, text: str) -> OutboundResult:
        """Clean a persona's text for ``room`` (links against its allowlist, mentions)."""
        rules = self._rules(_key(room))
        return check_outbound(text, rules.judge, max_mentions=rules.config.max_mentions)

    def _check_failed(self, name: str) -> None:
        count = self.stats.errors.get(name, 0) + 1
        self.stats.errors[name] = count
        if count & (count - 1) == 0:  # 1st, 2nd, 4th, 8th... failure: log without flooding
            log.exception("warden check %r failed (%d times); skipped", name, count)

    # --- users ----------------------------------------------------------------------------

    def permit(self, room: RoomLike, who: str, seconds: float = 60.0) -> float:
        """``!permit USER [SECONDS]``: let one user post links for a while. Returns the expiry."""
        return self._rules(_key(room)).ladder.permit(who, seconds)

    def pardon(self, room: RoomLike, who: str) -> bool:
        """``!warden pardon USER``: forget offences and repetition/flood memory. True if known."""
        rules = self._rules(_key(room))
        uid = self.resolve(room, who) or who
        known = rules.ladder.pardon(uid)
        state = rules.users.get(uid)
        if state is not None:
            state.reset()
            known = True
        return known

    def resolve(self, room: RoomLike, who: str) -> str | None:
        """The user id behind a name seen in ``room`` (or ``who`` if it is a known id)."""
        rules = self._rules(_key(room))
        name = who.strip().removeprefix("@")
        if name in rules.users:
            return name
        return rules.names.get(user_key(name))

    # --- configuration --------------------------------------------------------------------

    def config_for(self, room: RoomLike) -> WardenConfig:
        return self._configs.get(_key(room), self.default)

    def configure(self, room: RoomLike, config: WardenConfig) -> WardenConfig:
        """Set a room's configuration; its ladder and user memory are kept."""
        key = _key(room)
        self._configs[key] = config
        rules = self._rooms.get(key)
        if rules is not None:
            rules.apply(config, self.phishing)
        return config

    def update(self, room: RoomLike, **changes: Any) -> WardenConfig:
        """A validated copy of the room's config with ``changes``; raises ValueError if invalid."""
        data = self.config_for(room).model_dump()
        data.update(changes)
        return self.configure(room, WardenConfig.model_validate(data))

    def set_mode(self, room: RoomLike, mode: Mode | str) -> WardenConfig:
        """``!warden strict|normal|lenient|flagonly|off``."""
        try:
            value = Mode(str(mode).strip().lower())
        except ValueError:
            names = ", ".join(m.value for m in Mode)
            raise ValueError(f"unknown mode {mode!r} (expected one of: {names})") from None
        return self.update(room, mode=value)

    def allow(self, room: RoomLike, domain: str) -> WardenConfig:
        """``!warden allow DOMAIN``."""
        value = _normalize_domain(domain)
        current = self.config_for(room).allow_domains
        return self.update(room, allow_domains=(*current, value))

    def disallow(self, room: RoomLike, domain: str) -> WardenConfig:
        value = _normalize_domain(domain)
        current = self.config_for(room).allow_domains
        return self.update(room, allow_domains=tuple(d for d in current if d != value))

    def block(self, room: RoomLike, entry: str) -> WardenConfig:
        """``!warden block TERM`` or ``!warden block /REGEX/``; raises PatternError if refused."""
        kind, value = parse_entry(entry)
        cfg = self.config_for(room)
        if kind == "regex":
            compile_pattern(value)
            if value in cfg.block_patterns:
                return cfg
            return self.update(room, block_patterns=(*cfg.block_patterns, value))
        normalize_term(value)
        if value in cfg.block_terms:
            return cfg
        return self.update(room, block_terms=(*cfg.block_terms, value))

    def unblock(self, room: RoomLike, entry: str) -> WardenConfig:
        kind, value = parse_entry(entry)
        cfg = self.config_for(room)
        if kind == "regex":
            if value not in cfg.block_patterns:
                raise PatternError(f"/{value}/ is not blocked here")
            return self.update(
                room, block_patterns=tuple(p for p in cfg.block_patterns if p != value)
            )
        if value not in cfg.block_terms:
            raise PatternError(f"{value!r} is not blocked here")
        return self.update(room, block_terms=tuple(t for t in cfg.block_terms if t != value))

    def status(self, room: RoomLike) -> dict[str, str]:
        """``!warden status``: one line per fact."""
        rules = self._rules(_key(room))
        cfg = rules.config
        active = [n for n in CHECK_NAMES if n not in cfg.disabled]
        permits = rules.ladder.permits()
        return {
            "mode": cfg.mode.value,
            "checks": ", ".join(active),
            "disabled": ", ".join(sorted(cfg.disabled)) or "none",
            "allowlist": f"{len(rules.judge.allow)} domains"
            + (f" (+{', '.join(cfg.allow_domains)})" if cfg.allow_domains else ""),
            "blocked": f"{len(cfg.block_terms)} terms, {len(cfg.block_patterns)} patterns",
            "permits": ", ".join(f"{u} ({s:g}s)" for u, s in permits.items()) or "none",
            "ladder": (
                "flag only"
                if cfg.mode is Mode.FLAGONLY
                else f"delete+warn, then {cfg.timeout_s}s timeout within {cfg.warn_window_s:g}s"
                + (f", ban at {cfg.ban_after}" if cfg.ban_after else "")
            ),
            "assessed": str(self.stats.assessed),
            "flagged": str(self.stats.flagged),
        }

    def rooms(self) -> Iterable[str]:
        return tuple(self._configs)

    def _rules_for_room(self, room: Room) -> RoomRules:
        """The rules for a Room object, remembered by identity: adapters reuse their Rooms, and
        ``Room.key`` costs a string format per message otherwise."""
        rules = self._rules(room.key)
        if len(self._by_room) >= 4096:
            self._by_room.clear()
        self._by_room[id(room)] = (room, rules)  # holding the Room keeps its id unique
        return rules

    def _rules(self, key: str) -> RoomRules:
        rules = self._rooms.get(key)
        if rules is None:
            rules = RoomRules(
                self.config_for(key),
                self.phishing,
                self.clock,
                self.max_users,
                self.checks,
                self.model,
            )
            self._rooms[key] = rules
            if len(self._rooms) > self.max_rooms:
                # The least recently created room without a configuration of its own goes first.
                for old in self._rooms:
                    if old != key:
                        del self._rooms[old]
                        self._by_room.clear()
                        break
        return rules
