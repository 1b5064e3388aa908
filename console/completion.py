"""Completion from the command registry: command names, then subcommands, then arguments.

Argument completion is by parameter name: a parameter called ``persona`` (or ``name``)
completes persona ids, ``room`` room ids (of the PLATFORM given before it, if any),
``platform`` platform names, ``cog`` loaded cogs (``cogs load``: the modules not loaded yet),
``user`` persona ids and the people in local rooms, ``topic`` (help) command names; a Literal
parameter completes its choices. A command
may override that with :func:`console.options.complete` and declare ``--flag`` options with
:func:`console.options.flags`: flag names complete after the positional words, and a flag's
value completes from its own source. Adding a command therefore adds its completion.
"""

from __future__ import annotations

import logging
import pkgutil
from collections.abc import Callable, Iterable
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from bot.commands import Command, Scope, tokenize
from bot.message import Platform, Role
from console.options import completion_overrides, options_of

log = logging.getLogger(__name__)

Source = Callable[[dict[str, str]], Iterable[str]]


def room_names(bot: Any, platform: str | None = None) -> list[str]:
    """Local rooms by id, others as ``platform:id``; bare ids when ``platform`` is given."""
    names: list[str] = []
    for adapter in bot.adapters.values():
        if platform and adapter.platform.value != platform.lower():
            continue
        for room in adapter.rooms():
            bare = platform or adapter.platform is Platform.LOCAL
            names.append(room.id if bare else room.key)
    return names


def _short(module_name: str) -> str:
    """How ``cogs load`` spells a module: ``cogs.warden`` is ``warden``, others in full."""
    inside = module_name.startswith("cogs.") and module_name.count(".") == 1
    return module_name.removeprefix("cogs.") if inside else module_name


def cog_names(bot: Any) -> list[str]:
    """What ``cogs unload|reload`` accept: loaded cogs and their modules."""
    names = set(bot.cogs.cogs)
    names.update(_short(m) for m in bot.cogs.modules)
    return sorted(names)


def cog_modules(bot: Any) -> list[str]:
    """What ``cogs load`` accepts: the modules in the cogs package not loaded yet."""
    try:
        import cogs
    except ImportError:
        return []
    loaded = set(bot.cogs.modules)
    return sorted(
        info.name
        for info in pkgutil.iter_modules(cogs.__path__)
        if f"cogs.{info.name}" not in loaded
    )


def user_names(bot: Any, room: str | None = None) -> list[str]:
    names = dict.fromkeys(bot.personas.ids())
    local = bot.local
    rooms = [room] if room else [r.id for r in local.rooms()]
    for room_id in rooms:
        for user in local.members(room_id):
            if user.persona is None:
                names[user.id] = None
    return list(names)


def command_path(bot: Any, words: list[str]) -> list[str]:
    """`help` topics: command names, then the subcommands of the one named."""
    registry = bot.commands
    if not words:
        return [c.name for c in registry.visible(Role.OWNER, Scope.CONSOLE)]
    cmd = registry.get(words[0], Scope.CONSOLE)
    if cmd is None or not cmd.allowed(Role.OWNER, Scope.CONSOLE):
        return []
    for word in words[1:]:
        cmd = cmd.children.get(word.lower())
        if cmd is None:
            return []
    return [c.name for c in cmd.subcommands()]


def argument_sources(bot: Any) -> dict[str, Source]:
    return {
        "persona": lambda given: bot.personas.ids(),
        "name": lambda given: bot.personas.ids(),
        "room": lambda given: room_names(bot, given.get("platform")),
        "platform": lambda given: [p.value for p in Platform],
        "cog": lambda given: cog_names(bot),
        "cog_module": lambda given: cog_modules(bot),
        "user": lambda given: user_names(bot, given.get("room")),
    }


class CommandCompleter(Completer):
    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.sources = argument_sources(bot)

    def _values(self, source_name: str | None, given: dict[str, str]) -> list[str]:
        source = self.sources.get(source_name) if source_name else None
        return list(source(given)) if source else []

    def _param_values(self, cmd: Command, param: str, given: dict[str, str]) -> list[str]:
        """By parameter name, unless the command says otherwise (``@complete``)."""
        overrides = completion_overrides(cmd)
        return self._values(overrides[param] if param in overrides else param, given)

    def _candidates(self, words: list[str]) -> list[str]:
        registry = self.bot.commands
        if not words:
            return [c.name for c in registry.visible(Role.OWNER, Scope.CONSOLE)]
        cmd: Command | None = registry.get(words[0], Scope.CONSOLE)
        if cmd is None or not cmd.allowed(Role.OWNER, Scope.CONSOLE):
            return []
        rest = words[1:]
        while rest and rest[0].lower() in cmd.children:
            cmd = cmd.children[rest[0].lower()]
            rest = rest[1:]
        if not rest and cmd.children:
            return [c.name for c in cmd.subcommands() if c.allowed(Role.OWNER, Scope.CONSOLE)]
        if cmd.params and cmd.params[0].name == "topic" and cmd.params[0].rest:
            return command_path(self.bot, rest)
        spec = options_of(cmd)
        if spec is not None:
            return self._flag_candidates(spec, rest)
        return self._positional(cmd, rest)

    def _positional(self, cmd: Command, rest: list[str]) -> list[str]:
        params = cmd.params
        if not params:
            return []
        index = len(rest)
        if index < len(params):
            param = params[index]
        elif params[-1].variadic:
            param = params[-1]
        else:
            return []
        if any(p.rest for p in params[:index]):
            return []  # inside free text
        if param.choices:
            return list(param.choices)
        given = {p.name: word for p, word in zip(params, rest, strict=False)}
        return self._param_values(cmd, param.name, given)

    def _flag_candidates(self, spec: Any, rest: list[str]) -> list[str]:
        """Flags parse anywhere on the line: offer the unused ones, or a flag's value."""
        used: set[str] = set()
        index = 0
        while index < len(rest):
            flag = spec.lookup(rest[index])
            if flag is None:
                index += 1
                continue
            used.add(flag.option)
            if flag.rest:
                return []  # the rest of the line is the flag's free text
            if flag.metavar is not None and "=" not in rest[index]:
                if index + 1 == len(rest):  # completing this flag's value
                    given = {f.name: v for f, v in self._pairs(spec, rest)}
                    return self._values(flag.complete, given)
                index += 1
            index += 1
        return [option for option in spec.options() if option not in used]

    @staticmethod
    def _pairs(spec: Any, rest: list[str]) -> list[tuple[Any, str]]:
        pairs = []
        for i, word in enumerate(rest[:-1]):
            flag = spec.lookup(word)
            if flag is not None and flag.metavar is not None:
                pairs.append((flag, rest[i + 1]))
        return pairs

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        text = document.text_before_cursor
        tokens = [t for t, _ in tokenize(text)]
        if text and not text[-1].isspace() and tokens:
            current = tokens.pop()
        else:
            current = ""
        try:
            candidates = self._candidates(tokens)
        except Exception as error:  # a broken source must never break the prompt
            log.warning("completion of %r failed: %s: %s", text, type(error).__name__, error)
            return
        for candidate in candidates:
            if candidate.lower().startswith(current.lower()):
                yield Completion(candidate, start_position=-len(current))
