"""``--flag value`` options and completion hints for commands.

The registry binds typed positional arguments and a ``Rest`` tail; a command that also takes
options declares them with :func:`flags` and parses its ``Rest`` text with the spec::

    @flags(Flag("platform", "P", complete="platform"), Flag("prompt", "TEXT", rest=True))
    @command("spawn", ...)
    async def spawn(self, ctx, args: Rest): positional, options = options_of(spawn).parse(args)

:func:`complete` overrides the completion source the console picks by parameter name, and
:func:`interruptible` lets Ctrl-C cancel the command while it runs. All are stored on the
callback, so they survive ``Command.bind`` and cog reloads; the console reads them there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.commands import Command, UsageError, tokenize

_FLAGS = "__sanctum_flags__"
_COMPLETE = "__sanctum_complete__"
_INTERRUPTIBLE = "__sanctum_interruptible__"


@dataclass(frozen=True, slots=True)
class Flag:
    name: str  # without the dashes
    metavar: str | None = None  # None: a switch (``--yes``) that takes no value
    rest: bool = False  # the value is the rest of the line (``--prompt You are...``)
    complete: str | None = None  # completion source of the value: "platform", "room"...
    help: str = ""

    @property
    def option(self) -> str:
        return f"--{self.name}"

    @property
    def usage(self) -> str:
        if self.metavar is None:
            return f"[{self.option}]"
        return f"[{self.option} {self.metavar}{'...' if self.rest else ''}]"


@dataclass(frozen=True, slots=True)
class Parsed:
    positional: list[str]
    options: dict[str, Any]  # flag name -> value (True for a switch)

    def text(self) -> str:
        return " ".join(self.positional)

    def get(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


class FlagSpec:
    def __init__(self, flags: tuple[Flag, ...]) -> None:
        self.flags = {flag.name: flag for flag in flags}

    def usage(self) -> str:
        return " ".join(flag.usage for flag in self.flags.values())

    def options(self) -> list[str]:
        return [flag.option for flag in self.flags.values()]

    def lookup(self, token: str) -> Flag | None:
        """The flag ``token`` names (``--platform`` or ``--platform=x``), else None."""
        if not token.startswith("--"):
            return None
        return self.flags.get(token[2:].split("=", 1)[0].lower())

    def parse(self, text: str | None) -> Parsed:
        """Split ``text`` into positional words and options; UsageError names what is wrong."""
        text = text or ""
        positional: list[str] = []
        options: dict[str, Any] = {}
        tokens = tokenize(text)
        index = 0
        while index < len(tokens):
            token, end = tokens[index]
            index += 1
            if token == "--":  # everything after is positional, dashes and all
                positional.extend(t for t, _ in tokens[index:])
                break
            if not token.startswith("--"):
                positional.append(token)
                continue
            flag = self.lookup(token)
            if flag is None:
                known = ", ".join(self.options()) or "none"
                raise UsageError(f"unknown option {token.split('=', 1)[0]} (options: {known})")
            if flag.name in options:
                raise UsageError(f"{flag.option} given twice")
            inline = token.split("=", 1)[1] if "=" in token else None
            if flag.metavar is None:
                if inline is not None:
                    raise UsageError(f"{flag.option} takes no value")
                options[flag.name] = True
                continue
            if flag.rest:
                rest = text[end:].strip()
                if inline is not None:
                    value = f"{inline} {rest}".strip()
                elif len(tokens) - index == 1 and len(rest) > 1 and rest[0] in "\"'":
                    value = tokens[index][0]  # one quoted value: without its quotes
                else:
                    value = rest
                index = len(tokens)
            elif inline is not None:
                value = inline
            elif index < len(tokens):
                value, _ = tokens[index]
                index += 1
            else:
                value = ""
            if not value:
                raise UsageError(f"{flag.option} needs a value ({flag.metavar})")
            options[flag.name] = value
        return Parsed(positional, options)


def flags(*specs: Flag) -> Callable[[Any], Any]:
    """Declare the options of a command (put it above ``@command``)."""
    spec = FlagSpec(specs)

    def decorator(target: Any) -> Any:
        callback = target.callback if isinstance(target, Command) else target
        setattr(callback, _FLAGS, spec)
        if isinstance(target, Command):
            listed = ", ".join(
                f"{f.option} {f.metavar}{'...' if f.rest else ''}" if f.metavar else f.option
                for f in specs
            )
            target.help = f"{target.help.rstrip('.')} (options: {listed})".strip()
        return target

    return decorator


def complete(**sources: str | None) -> Callable[[Any], Any]:
    """Override completion by parameter: ``@complete(name=None)`` offers nothing for NAME."""

    def decorator(target: Any) -> Any:
        callback = target.callback if isinstance(target, Command) else target
        setattr(callback, _COMPLETE, dict(sources))
        return target

    return decorator


def interruptible(target: Any) -> Any:
    """Ctrl-C at the console cancels this command while it runs (a long backfill). Opt-in:
    cancellation skips a command's ``except Exception`` rollbacks, so only commands whose every
    step is safe to stop between mark themselves; Ctrl-C during the others only says so."""
    callback = target.callback if isinstance(target, Command) else target
    setattr(callback, _INTERRUPTIBLE, True)
    return target


def is_interruptible(cmd: Command | None) -> bool:
    return bool(getattr(cmd.callback if cmd is not None else None, _INTERRUPTIBLE, False))


def options_of(cmd: Command | Callable[..., Any] | None) -> FlagSpec | None:
    callback = cmd.callback if isinstance(cmd, Command) else cmd
    return getattr(callback, _FLAGS, None)


def completion_overrides(cmd: Command | None) -> dict[str, str | None]:
    callback = cmd.callback if cmd is not None else None
    return getattr(callback, _COMPLETE, {}) or {}
