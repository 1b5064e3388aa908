"""Completion from the command registry: command names, then subcommands, then arguments.

Argument completion is by parameter name: a parameter called ``persona`` completes persona
ids, ``room`` room ids, ``platform`` platform names, ``cog`` cog names; a Literal parameter
completes its choices. Adding a command therefore adds its completion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from bot.commands import Command, Scope, tokenize
from bot.message import Platform, Role


def room_names(bot: Any) -> list[str]:
    names: list[str] = []
    for adapter in bot.adapters.values():
        for room in adapter.rooms():
            names.append(room.id if adapter.platform is Platform.LOCAL else room.key)
    return names


def argument_sources(bot: Any) -> dict[str, Callable[[], Iterable[str]]]:
    return {
        "persona": lambda: bot.personas.ids(),
        "name": lambda: bot.personas.ids(),
        "room": lambda: room_names(bot),
        "platform": lambda: [p.value for p in Platform],
        "cog": lambda: sorted({*bot.cogs.cogs, *(m.rsplit(".", 1)[-1] for m in bot.cogs.modules)}),
    }


class CommandCompleter(Completer):
    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.sources = argument_sources(bot)

    def _candidates(self, words: list[str]) -> list[str]:
        registry = self.bot.commands
        if not words:
            return [c.name for c in registry.visible(Role.OWNER, Scope.CONSOLE)]
        cmd: Command | None = registry.get(words[0])
        if cmd is None or not cmd.allowed(Role.OWNER, Scope.CONSOLE):
            return []
        rest = words[1:]
        while rest and rest[0].lower() in cmd.children:
            cmd = cmd.children[rest[0].lower()]
            rest = rest[1:]
        if not rest and cmd.children:
            return [c.name for c in cmd.subcommands()]
        index = len(rest)
        params = [p for p in cmd.params]
        if not params:
            return []
        param = (
            params[min(index, len(params) - 1)]
            if index < len(params) or params[-1].variadic
            else None
        )
        if param is None or (param.rest and index > params.index(param)):
            return []
        if param.choices:
            return list(param.choices)
        source = self.sources.get(param.name)
        return list(source()) if source else []

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        text = document.text_before_cursor
        tokens = [t for t, _ in tokenize(text)]
        if text and not text[-1].isspace() and tokens:
            current = tokens.pop()
        else:
            current = ""
        for candidate in self._candidates(tokens):
            if candidate.lower().startswith(current.lower()):
                yield Completion(candidate, start_position=-len(current))
