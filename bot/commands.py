"""Commands: one registry for chat `!commands` and the admin console.

A command is declared on a Cog with :func:`command` (or ``@group.sub(...)`` for a subcommand),
like discord.py's ext.commands: the callback's signature gives the typed arguments, and the
decorator gives the required role, where it may run (chat, console or both), cooldowns and
aliases. The console runs as OWNER; a console-only command is invisible from chat, whatever the
caller's role: it cannot be run, listed, or even confirmed to exist there.
"""

from __future__ import annotations

import inspect
import logging
import re
import types
import typing
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from bot.message import Message, Role, Room, User
from bot.rules.ratelimit import CooldownTracker  # the one cooldown tracker (re-exported here)

if TYPE_CHECKING:
    from bot.clock import Clock

log = logging.getLogger(__name__)


class Scope(StrEnum):
    CHAT = "chat"
    CONSOLE = "console"
    ANY = "any"


class Rest(str):
    """Annotation for the last parameter: the rest of the line, as typed."""


class CommandError(Exception):
    """Raised by a command to answer with a one-line message (not a crash)."""


class UsageError(CommandError):
    pass


Reply = Callable[[Any], Awaitable[None]]


@dataclass(slots=True)
class Param:
    name: str
    converter: Callable[[str], Any]
    required: bool
    default: Any = None
    rest: bool = False
    variadic: bool = False
    choices: tuple[str, ...] = ()
    type_name: str = "text"

    @property
    def metavar(self) -> str:
        if self.choices:
            label = "|".join(self.choices)
        else:
            label = self.name.upper()
        if self.variadic or (self.rest and not self.required):
            label += "..."
        return label if self.required else f"[{label}]"


def _to_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in {"on", "yes", "true", "1", "enable", "enabled"}:
        return True
    if lowered in {"off", "no", "false", "0", "disable", "disabled"}:
        return False
    raise ValueError("expected on or off")


def _type_label(annotation: Any) -> str:
    return {int: "a whole number", float: "a number", bool: "on or off", Role: "a role"}.get(
        annotation, "text"
    )


def _param_from(parameter: inspect.Parameter, annotation: Any) -> Param:
    required = parameter.default is inspect.Parameter.empty
    default = None if required else parameter.default
    variadic = parameter.kind is inspect.Parameter.VAR_POSITIONAL
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = options[0] if options else str
        origin = typing.get_origin(annotation)
    choices: tuple[str, ...] = ()
    if origin is Literal:
        choices = tuple(str(c) for c in typing.get_args(annotation))

        def converter(text: str, _choices=choices) -> str:
            lowered = text.lower()
            if lowered not in _choices:
                raise ValueError(f"expected one of {', '.join(_choices)}")
            return lowered
    elif annotation is Rest:
        converter = str
    elif annotation is bool:
        converter = _to_bool
    elif annotation is Role:
        converter = Role.parse
    elif annotation in (inspect.Parameter.empty, Any):
        converter = str
    elif callable(annotation):
        converter = annotation
    else:
        converter = str
    return Param(
        name=parameter.name,
        converter=converter,
        required=required and not variadic,
        default=default,
        rest=annotation is Rest,
        variadic=variadic,
        choices=choices,
        type_name="a choice" if choices else _type_label(annotation),
    )


def _type_hints(callback: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations; a name only imported for type checking falls back to text."""
    try:
        return typing.get_type_hints(callback)
    except NameError:
        namespace = {**getattr(callback, "__globals__", {}), "Rest": Rest, "Role": Role}
        hints: dict[str, Any] = {}
        for name, annotation in getattr(callback, "__annotations__", {}).items():
            try:
                hints[name] = (
                    eval(annotation, namespace) if isinstance(annotation, str) else annotation
                )
            except Exception:
                hints[name] = str
        return hints


def _signature_params(callback: Callable[..., Any]) -> list[Param]:
    signature = inspect.signature(callback)
    hints = _type_hints(callback)
    params = list(signature.parameters.values())
    # Skip `self` (cog methods) and the context argument.
    if params and params[0].name == "self":
        params = params[1:]
    params = params[1:]
    return [_param_from(p, hints.get(p.name, str)) for p in params]


@dataclass(eq=False)
class Command:
    name: str
    callback: Callable[..., Awaitable[Any]] | None
    help: str = ""
    aliases: tuple[str, ...] = ()
    role: Role = Role.EVERYONE
    scope: Scope = Scope.ANY
    user_cooldown: float = 0.0
    room_cooldown: float = 0.0
    hidden: bool = False
    parent: Command | None = None
    children: dict[str, Command] = field(default_factory=dict)
    params: list[Param] = field(default_factory=list)
    cog: Any = None

    def __post_init__(self) -> None:
        if self.callback is not None and not self.params:
            self.params = _signature_params(self.callback)
        if not self.help and self.callback is not None:
            # The callback's own docstring: inspect.getdoc would look a bound method up on its
            # class, find this Command there, and answer with the dataclass's docstring.
            doc = inspect.cleandoc(getattr(self.callback, "__doc__", None) or "").strip()
            self.help = doc.splitlines()[0] if doc else ""

    # -- declaration -----------------------------------------------------------------------

    def sub(self, name: str, **options: Any) -> Callable[[Callable[..., Any]], Command]:
        """Declare a subcommand: ``@persona.sub("mute", role=Role.MODERATOR)``."""

        def decorator(callback: Callable[..., Any]) -> Command:
            options.setdefault("role", self.role)
            options.setdefault("scope", self.scope)
            child = Command(name=name, callback=callback, parent=self, **options)
            self.children[name] = child
            for alias in child.aliases:
                self.children.setdefault(alias, child)
            return child

        return decorator

    def bind(self, cog: Any) -> Command:
        """A copy whose callbacks are bound to ``cog`` (the class holds unbound functions)."""
        bound = Command(
            name=self.name,
            callback=types.MethodType(self.callback, cog) if self.callback else None,
            help=self.help,
            aliases=self.aliases,
            role=self.role,
            scope=self.scope,
            user_cooldown=self.user_cooldown,
            room_cooldown=self.room_cooldown,
            hidden=self.hidden,
            params=self.params,
            cog=cog,
        )
        seen: dict[int, Command] = {}
        for key, child in self.children.items():
            if id(child) not in seen:
                copy = child.bind(cog)
                copy.parent = bound
                seen[id(child)] = copy
            bound.children[key] = seen[id(child)]
        return bound

    # -- description -----------------------------------------------------------------------

    @property
    def qualified_name(self) -> str:
        return f"{self.parent.qualified_name} {self.name}" if self.parent else self.name

    def subcommands(self) -> list[Command]:
        unique = {id(c): c for c in self.children.values()}
        return sorted(unique.values(), key=lambda c: c.name)

    def usage(self, prefix: str = "") -> str:
        if self.children and self.callback is None:
            names = "|".join(c.name for c in self.subcommands())
            return f"{prefix}{self.qualified_name} {names}"
        parts = [f"{prefix}{self.qualified_name}"] + [p.metavar for p in self.params]
        return " ".join(parts)

    def allowed(self, role: Role, source: Scope) -> bool:
        if self.scope is Scope.CONSOLE and source is not Scope.CONSOLE:
            return False
        if self.scope is Scope.CHAT and source is Scope.CONSOLE:
            return False
        return role >= self.role


def command(
    name: str | None = None,
    *,
    aliases: tuple[str, ...] | list[str] = (),
    role: Role = Role.EVERYONE,
    scope: Scope = Scope.ANY,
    user_cooldown: float = 0.0,
    room_cooldown: float = 0.0,
    hidden: bool = False,
    help: str = "",
) -> Callable[[Callable[..., Any]], Command]:
    """Declare a command on a Cog method (or a plain async function)."""

    def decorator(callback: Callable[..., Any]) -> Command:
        if not inspect.iscoroutinefunction(callback):
            raise TypeError(f"command {callback.__name__} must be async")
        return Command(
            name=(name or callback.__name__).lower(),
            callback=callback,
            help=help,
            aliases=tuple(a.lower() for a in aliases),
            role=role,
            scope=scope,
            user_cooldown=user_cooldown,
            room_cooldown=room_cooldown,
            hidden=hidden,
        )

    return decorator


def group(name: str | None = None, **options: Any) -> Callable[[Callable[..., Any]], Command]:
    """A command with subcommands; its callback runs when no subcommand matches."""
    return command(name, **options)


# -- running ---------------------------------------------------------------------------------


@dataclass(slots=True)
class CommandContext:
    bot: Any
    command: Command
    user: User
    role: Role
    source: Scope
    room: Room | None
    message: Message | None
    prefix: str
    invoked_with: str
    args_text: str
    reply_fn: Reply
    turn: Any = None
    replies: list[Any] = field(default_factory=list)

    @property
    def is_console(self) -> bool:
        return self.source is Scope.CONSOLE

    async def reply(self, content: Any) -> None:
        self.replies.append(content)
        await self.reply_fn(content)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Literal["ok", "unknown", "denied", "cooldown", "usage", "error", "empty"]
    command: str = ""
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status in ("unknown", "denied", "usage", "error")


_WORD = re.compile(r"\S+")


def tokenize(text: str) -> list[tuple[str, int]]:
    """Split on whitespace, honouring "double" and 'single' quotes; each token with its end.

    Unbalanced quotes are taken literally instead of failing: chat is not a shell.
    """
    if '"' not in text and "'" not in text:  # most commands: split in C (same whitespace)
        return [(m.group(), m.end()) for m in _WORD.finditer(text)]
    tokens: list[tuple[str, int]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        if text[i] in "\"'":
            quote = text[i]
            end = text.find(quote, i + 1)
            if end != -1 and (end + 1 == n or text[end + 1].isspace()):
                tokens.append((text[i + 1 : end], end + 1))
                i = end + 1
                continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        tokens.append((text[start:i], i))
    return tokens


def bind_arguments(cmd: Command, args_text: str) -> tuple[list[Any], dict[str, Any]]:
    """Convert the argument text for ``cmd``; raise UsageError naming what is wrong."""
    tokens = tokenize(args_text)
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    index = 0
    for param in cmd.params:
        if param.rest:
            start = tokens[index - 1][1] if index else 0
            remainder = args_text[start:].strip() if index < len(tokens) else ""
            if not remainder:
                if param.required:
                    raise UsageError(f"{param.name.upper()} is missing")
                keywords[param.name] = param.default
            else:
                keywords[param.name] = remainder
            index = len(tokens)
            continue
        if param.variadic:
            for token, _ in tokens[index:]:
                positional.append(_convert(param, token))
            index = len(tokens)
            continue
        if index >= len(tokens):
            if param.required:
                raise UsageError(f"{param.name.upper()} is missing")
            keywords[param.name] = param.default
            continue
        keywords[param.name] = _convert(param, tokens[index][0])
        index += 1
    if index < len(tokens):
        raise UsageError(f"unexpected {tokens[index][0]!r}")
    if positional:
        # Keyword arguments cannot precede *args in a call; pass everything positionally.
        ordered = [keywords[p.name] for p in cmd.params if not p.variadic]
        return ordered + positional, {}
    return [], keywords


def _convert(param: Param, token: str) -> Any:
    try:
        return param.converter(token)
    except (ValueError, TypeError) as error:
        detail = str(error) if param.choices or param.converter is Role.parse else ""
        raise UsageError(
            f"{param.name.upper()} must be {param.type_name}" + (f" ({detail})" if detail else "")
        ) from None


class FloodGuard:
    """At most ``count`` commands per ``per`` seconds per user: a flood is cooled down, not
    answered. Refused attempts do not count, so a flood does not extend itself."""

    def __init__(self, clock: Clock, count: int = 5, per: float = 10.0) -> None:
        self.clock = clock
        self.count = count
        self.per = per
        self._times: dict[str, deque[float]] = {}
        self._sweep_at = 4096

    def hit(self, key: str, now: float | None = None) -> float:
        if now is None:
            now = self.clock.now()
        times = self._times.get(key)
        if times is None:
            if len(self._times) >= self._sweep_at:
                self._times = {k: t for k, t in self._times.items() if now - t[-1] < self.per}
                self._sweep_at = max(4096, 2 * len(self._times))
            times = self._times[key] = deque(maxlen=self.count)
        elif len(times) == self.count and now - times[0] < self.per:
            return times[0] + self.per - now
        times.append(now)
        return 0.0


@dataclass(slots=True)
class Invocation:
    """A chat command no registered command matched, offered to the fallbacks (the room's
    custom commands) before it is ignored."""

    bot: Any
    name: str  # lowercased, without the prefix
    args_text: str
    user: User
    role: Role
    source: Scope
    room: Room | None
    message: Message | None
    prefix: str
    reply: Reply
    turn: Any = None


# Returns an Outcome when it handled the command, None to leave it unknown.
Fallback = Callable[[Invocation], Awaitable["Outcome | None"]]


class CommandRegistry:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._commands: dict[str, Command] = {}
        self._aliases: dict[str, str] = {}
        # A chat-only and a console-only command may share a name (`persona` lists and mutes
        # in chat, shows and edits in the console): the second one lives here.
        self._twins: dict[str, Command] = {}
        self._twin_aliases: dict[str, str] = {}
        self.cooldowns = CooldownTracker(clock)
        self.flood = FloodGuard(clock)
        self._fallbacks: list[tuple[Fallback, Any]] = []
        self._spaces = ((self._commands, self._aliases), (self._twins, self._twin_aliases))

    # -- registration ----------------------------------------------------------------------

    def _namespaces(self) -> tuple[tuple[dict[str, Command], dict[str, str]], ...]:
        return self._spaces

    def add(self, cmd: Command) -> None:
        names = (cmd.name, *cmd.aliases)
        chosen = None
        for commands, aliases in self._namespaces():
            held = [commands.get(n) or commands.get(aliases.get(n, "")) for n in names]
            for name, other in zip(names, held, strict=True):
                # Only a chat-only and a console-only command may share a name.
                if other is not None and {other.scope, cmd.scope} != {Scope.CHAT, Scope.CONSOLE}:
                    raise ValueError(f"command name {name!r} is already taken")
            if chosen is None and not any(held):
                chosen = (commands, aliases)
        if chosen is None:
            raise ValueError(f"command name {cmd.name!r} is already taken")
        commands, aliases = chosen
        commands[cmd.name] = cmd
        for alias in cmd.aliases:
            aliases[alias] = cmd.name

    def remove(self, name: str) -> Command | None:
        """Remove the command called ``name`` (the newer one, when two share it)."""
        for commands, _aliases in reversed(self._namespaces()):
            if name in commands:
                return self._discard(commands[name])
        return None

    def _discard(self, cmd: Command) -> Command:
        for commands, aliases in self._namespaces():
            if commands.get(cmd.name) is cmd:
                del commands[cmd.name]
                for alias in cmd.aliases:
                    aliases.pop(alias, None)
        return cmd

    def remove_cog(self, cog: Any) -> None:
        for cmd in [c for c in self.all() if c.cog is cog]:
            self._discard(cmd)
        self._fallbacks = [f for f in self._fallbacks if f[1] is not cog]

    def add_fallback(self, fn: Fallback, owner: Any = None) -> None:
        """Offer unknown chat commands to ``fn`` (custom commands); removed with its cog."""
        self._fallbacks.append((fn, owner))

    def chat_visible(self, name: str) -> bool:
        """Whether ``name`` is a registered command or alias someone can run from chat."""
        cmd = self.get(name, Scope.CHAT)
        return cmd is not None and cmd.allowed(Role.OWNER, Scope.CHAT)

    def get(self, name: str, source: Scope | None = None) -> Command | None:
        """The command called ``name``; given a ``source``, the one that may run there."""
        name = name.lower()
        found = None
        for commands, aliases in self._namespaces():
            cmd = commands.get(name) or commands.get(aliases.get(name, ""))
            if cmd is not None:
                if source is None or cmd.allowed(Role.OWNER, source):
                    return cmd
                found = found or cmd
        return found

    def all(self) -> list[Command]:
        return sorted([*self._commands.values(), *self._twins.values()], key=lambda c: c.name)

    def visible(self, role: Role, source: Scope) -> list[Command]:
        return [c for c in self.all() if not c.hidden and c.allowed(role, source)]

    def resolve(self, text: str, source: Scope | None = None) -> tuple[Command | None, str, str]:
        """(command, invoked_with, argument text) for ``text`` without its prefix."""
        tokens = tokenize(text)
        if not tokens:
            return None, "", ""
        first, end = tokens[0]
        cmd = self.get(first, source)
        if cmd is None:
            return None, first.lower(), ""
        invoked = [first.lower()]
        consumed = end
        for token, token_end in tokens[1:]:
            child = cmd.children.get(token.lower())
            if child is None:
                break
            cmd, consumed = child, token_end
            invoked.append(token.lower())
        return cmd, " ".join(invoked), text[consumed:].strip()

    # -- execution -------------------------------------------------------------------------

    async def execute(
        self,
        text: str,
        *,
        bot: Any,
        user: User,
        role: Role,
        source: Scope,
        reply: Reply,
        room: Room | None = None,
        message: Message | None = None,
        prefix: str = "!",
        turn: Any = None,
    ) -> Outcome:
        """Run ``text`` (prefix already removed) for ``user`` and answer through ``reply``."""
        if not text.strip():
            return Outcome("empty")
        cmd, invoked, args_text = self.resolve(text, source)
        if cmd is None or not cmd.allowed(Role.OWNER, source):
            # Unknown, or console-only seen from chat: silence (chat is full of other bots),
            # unless a fallback (the room's custom commands) knows it.
            if self._fallbacks and source is not Scope.CONSOLE:
                parts = text.split(None, 1)
                call = Invocation(
                    bot,
                    invoked,
                    parts[1].strip() if len(parts) > 1 else "",
                    user,
                    role,
                    source,
                    room,
                    message,
                    prefix,
                    reply,
                    turn,
                )
                for fallback, _owner in self._fallbacks:
                    try:
                        outcome = await fallback(call)
                    except Exception as error:  # a broken fallback never takes the bot down
                        log.exception("command fallback %r failed", fallback)
                        return Outcome("error", invoked, f"{type(error).__name__}: {error}")
                    if outcome is not None:
                        return outcome
            return Outcome("unknown", invoked)
        name = cmd.qualified_name
        if not cmd.allowed(role, source):
            if source is Scope.CONSOLE:
                await reply(f"{prefix}{name}: needs {cmd.role.name.lower()}")
            return Outcome("denied", name, f"needs {cmd.role.name.lower()}")
        if cmd.callback is None:
            await reply(f"Usage: {cmd.usage(prefix)}")
            return Outcome("usage", name, "subcommand missing")
        left = self.cooldown(name, user, role, source, room, cmd.user_cooldown, cmd.room_cooldown)
        if left:
            return Outcome("cooldown", name, f"cooldown {left:.1f} s left")
        try:
            args, kwargs = bind_arguments(cmd, args_text)
        except UsageError as error:
            await reply(f"Usage: {cmd.usage(prefix)} ({error})")
            return Outcome("usage", name, str(error))
        ctx = CommandContext(
            bot, cmd, user, role, source, room, message, prefix, invoked, args_text, reply, turn
        )
        try:
            result = await cmd.callback(ctx, *args, **kwargs)
        except UsageError as error:
            await reply(f"Usage: {cmd.usage(prefix)} ({error})")
            return Outcome("usage", name, str(error))
        except CommandError as error:
            await reply(str(error))
            return Outcome("error", name, str(error))
        except Exception as error:
            log.exception("command %s failed", name)
            detail = f"{type(error).__name__}: {error}".splitlines()[0][:200]
            await reply(
                f"{prefix}{name} failed: {detail}"
                if source is Scope.CONSOLE
                else f"{prefix}{name} failed, sorry."
            )
            return Outcome("error", name, detail)
        if result is not None:
            await ctx.reply(result)
        return Outcome("ok", name)

    def cooldown(
        self,
        name: str,
        user: User,
        role: Role,
        source: Scope,
        room: Room | None,
        user_s: float,
        room_s: float,
    ) -> float:
        """Seconds ``user`` must wait to run ``name`` here (0.0: go, and the cooldowns start).

        The console and admins never wait. In chat each user below moderator also has a flood
        guard across all commands, so a flood from one user is cooled down, not answered.
        """
        if source is Scope.CONSOLE or role >= Role.ADMIN:
            return 0.0
        # Look at both before starting either: a refused call must not cost a cooldown.
        now = self.clock.now()
        cooldowns = self.cooldowns
        user_key = ("user", name, user.key)
        room_key = ("room", name, room.key) if room is not None else None
        left = max(
            cooldowns.remaining(user_key, now),
            cooldowns.remaining(room_key, now) if room_key else 0.0,
        )
        if left:
            return left
        if role < Role.MODERATOR:  # moderators at work are not a flood
            left = self.flood.hit(user.key, now)
            if left:
                return left
        cooldowns.hit(user_key, user_s, now)
        if room_key:
            cooldowns.hit(room_key, room_s, now)
        return 0.0

    # -- help ------------------------------------------------------------------------------

    def help_lines(self, role: Role, source: Scope, prefix: str, topic: str = "") -> list[str]:
        if topic:
            cmd, _, _ = self.resolve(topic, source)
            if cmd is None or not cmd.allowed(role, source) or cmd.hidden:
                return [f"No command {prefix}{topic.strip()} that you can run."]
            lines = [f"{cmd.usage(prefix)}: {cmd.help}" if cmd.help else cmd.usage(prefix)]
            if cmd.aliases:
                lines.append("aliases: " + ", ".join(prefix + a for a in cmd.aliases))
            for child in cmd.subcommands():
                if child.allowed(role, source):
                    lines.append(
                        f"  {child.usage(prefix)}" + (f": {child.help}" if child.help else "")
                    )
            return lines
        return [
            f"{c.usage(prefix)}" + (f": {c.help}" if c.help else "")
            for c in self.visible(role, source)
        ]
