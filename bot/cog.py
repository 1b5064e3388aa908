"""Cogs: the plugin surface, modelled on discord.py's Cog.

A Cog subclass declares behaviour with decorators; the class collects them when it is defined:

- ``@listener("message")``: called with each :class:`~bot.dispatcher.Turn` that got through
  the checks and gates (step 7). Other events: ``ready``, ``stopping``, ``moderation``.
- ``@command(...)`` / ``@group.sub(...)`` (from :mod:`bot.commands`): chat and console commands.
- ``@check()``: an inbound check (step 3, the Warden): returns a Verdict or None.
- ``@outbound()``: an outbound filter: takes an Outgoing, returns it (maybe changed) or None
  to refuse it, with a reason recorded.
- ``@task(every=seconds)``: a periodic job on the bot's clock.

Per-cog configuration (like maubot's and Red's Config) comes from ``[cog.<name>]`` in
``sanctum.toml``, validated by the cog's ``settings_model``; per-cog storage is
``self.storage`` (a :class:`~bot.memory.cogdata.CogStorage`).

The :class:`CogManager` loads, unloads and reloads cog modules at runtime. A module exposes
``setup(bot) -> Cog | list[Cog]`` or simply defines Cog subclasses. A reload that fails (import
error, bad settings, ``cog_load`` raising) puts the old cog back.
"""

from __future__ import annotations

import importlib
import logging
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ValidationError

from bot.commands import Command

if TYPE_CHECKING:
    from bot.app import Sanctum

log = logging.getLogger(__name__)

_LISTENER = "__sanctum_listener__"
_CHECK = "__sanctum_check__"
_OUTBOUND = "__sanctum_outbound__"
_TASK = "__sanctum_task__"


def listener(event: str = "message") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        setattr(func, _LISTENER, event)
        return func

    return decorator


def check() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        setattr(func, _CHECK, True)
        return func

    return decorator


def outbound() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        setattr(func, _OUTBOUND, True)
        return func

    return decorator


def task(every: float) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    if every <= 0:
        raise ValueError("a periodic task needs a positive interval")

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        setattr(func, _TASK, float(every))
        return func

    return decorator


class CogError(RuntimeError):
    """A cog could not be loaded, unloaded or reloaded; the text is one line."""


class Cog:
    name: ClassVar[str] = "cog"
    description: ClassVar[str] = ""
    settings_model: ClassVar[type[BaseModel] | None] = None

    __listeners__: ClassVar[list[tuple[str, str]]] = []
    __commands__: ClassVar[list[str]] = []
    __checks__: ClassVar[list[str]] = []
    __outbound__: ClassVar[list[str]] = []
    __tasks__: ClassVar[list[tuple[str, float]]] = []

    def __init_subclass__(cls, *, name: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = name or cls.__dict__.get("name") or cls.__name__.lower()
        doc = (cls.__doc__ or "").strip()
        if "description" not in cls.__dict__:
            cls.description = doc.splitlines()[0] if doc else ""
        listeners, commands, checks, outbounds, tasks = [], [], [], [], []
        seen: set[str] = set()
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if attr in seen and klass is not cls:
                    continue
                seen.add(attr)
                if isinstance(value, Command):
                    if value.parent is None:
                        commands.append(attr)
                    continue
                if getattr(value, _LISTENER, None):
                    listeners.append((getattr(value, _LISTENER), attr))
                if getattr(value, _CHECK, False):
                    checks.append(attr)
                if getattr(value, _OUTBOUND, False):
                    outbounds.append(attr)
                if getattr(value, _TASK, None):
                    tasks.append((attr, getattr(value, _TASK)))
        cls.__listeners__ = listeners
        cls.__commands__ = commands
        cls.__checks__ = checks
        cls.__outbound__ = outbounds
        cls.__tasks__ = tasks

    def __init__(self, bot: Sanctum) -> None:
        self.bot = bot
        self.log = logging.getLogger(f"cogs.{self.name}")
        self.settings = self.load_settings()
        self.storage = bot.store.cog_data(self.name)
        self.commands: list[Command] = [
            getattr(type(self), attr).bind(self) for attr in self.__commands__
        ]

    def load_settings(self) -> Any:
        if self.settings_model is None:
            return None
        raw = self.bot.settings.cog_section(self.name)
        try:
            return self.settings_model.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise CogError(f"[cog.{self.name}] field '{field}': {first['msg']}") from None

    async def cog_load(self) -> None:
        """Called after the cog is registered; raise to refuse loading."""

    async def cog_unload(self) -> None:
        """Called before the cog is removed."""


@dataclass(slots=True)
class LoadedModule:
    module_name: str
    module: types.ModuleType
    cogs: list[Cog]


def module_for(target: str) -> str:
    """``warden`` -> ``cogs.warden``; a dotted path is taken as is."""
    return target if "." in target else f"cogs.{target}"


class CogManager:
    def __init__(self, bot: Sanctum) -> None:
        self.bot = bot
        self.modules: dict[str, LoadedModule] = {}

    # -- lookups ---------------------------------------------------------------------------

    @property
    def cogs(self) -> dict[str, Cog]:
        return {cog.name: cog for loaded in self.modules.values() for cog in loaded.cogs}

    def get(self, name: str) -> Cog | None:
        return self.cogs.get(name)

    def module_of(self, name: str) -> str | None:
        """The module that holds cog ``name`` (or the module named ``name``)."""
        for module_name, loaded in self.modules.items():
            if name == module_name or module_for(name) == module_name:
                return module_name
            if any(cog.name == name for cog in loaded.cogs):
                return module_name
        return None

    # -- load / unload / reload -------------------------------------------------------------

    async def load(self, target: str) -> list[str]:
        module_name = module_for(target)
        if module_name in self.modules:
            raise CogError(f"{module_name} is already loaded")
        module = self._import(module_name, reload=False)
        cogs = self._instantiate(module)
        await self._activate(module_name, module, cogs)
        return [cog.name for cog in cogs]

    async def add(self, cog: Cog, module_name: str) -> None:
        """Register a cog built elsewhere (the core commands) under ``module_name``."""
        await self._activate(module_name, sys.modules[type(cog).__module__], [cog])

    async def unload(self, name: str) -> list[str]:
        module_name = self.module_of(name)
        if module_name is None:
            raise CogError(f"no loaded cog or module named {name!r}")
        loaded = self.modules.pop(module_name)
        for cog in loaded.cogs:
            await self._deactivate(cog)
        return [cog.name for cog in loaded.cogs]

    async def reload(self, name: str) -> list[str]:
        module_name = self.module_of(name) or module_for(name)
        old = self.modules.get(module_name)
        if old is None:
            return await self.load(name)
        saved_modules = {
            k: v
            for k, v in sys.modules.items()
            if k == module_name or k.startswith(module_name + ".")
        }
        try:
            module = self._import(module_name, reload=True)
            cogs = self._instantiate(module, replacing=old)
        except CogError:
            sys.modules.update(saved_modules)
            raise
        # The new code imported and built: swap, and put the old cog back if it fails to start.
        self.modules.pop(module_name)
        for cog in old.cogs:
            await self._deactivate(cog)
        try:
            await self._activate(module_name, module, cogs)
        except CogError as error:
            sys.modules.update(saved_modules)
            await self._activate(module_name, old.module, old.cogs)
            raise CogError(f"{error}; the previous version is still running") from None
        return [cog.name for cog in cogs]

    async def unload_all(self) -> None:
        for module_name in reversed(list(self.modules)):
            loaded = self.modules.pop(module_name)
            for cog in loaded.cogs:
                await self._deactivate(cog)

    # -- internals -------------------------------------------------------------------------

    def _import(self, module_name: str, *, reload: bool) -> types.ModuleType:
        try:
            if reload and module_name in sys.modules:
                for sub in [k for k in sys.modules if k.startswith(module_name + ".")]:
                    importlib.reload(sys.modules[sub])
                return importlib.reload(sys.modules[module_name])
            return importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name or module_name.startswith(str(error.name) + "."):
                raise CogError(f"no cog module {module_name}") from None
            raise CogError(f"{module_name}: {error}") from None
        except Exception as error:
            raise CogError(
                f"{module_name} failed to import: {type(error).__name__}: {error}"
            ) from None

    def _instantiate(
        self, module: types.ModuleType, replacing: LoadedModule | None = None
    ) -> list[Cog]:
        try:
            setup = getattr(module, "setup", None)
            if setup is not None:
                made = setup(self.bot)
                cogs = list(made) if isinstance(made, list | tuple) else [made]
            else:
                classes = [
                    v
                    for v in vars(module).values()
                    if isinstance(v, type)
                    and issubclass(v, Cog)
                    and v is not Cog
                    and v.__module__ == module.__name__
                ]
                cogs = [cls(self.bot) for cls in classes]
        except CogError:
            raise
        except Exception as error:
            raise CogError(
                f"{module.__name__} failed to set up: {type(error).__name__}: {error}"
            ) from None
        if not cogs:
            raise CogError(f"{module.__name__} defines no cog")
        taken = {
            name: cog
            for name, cog in self.cogs.items()
            if replacing is None or cog not in replacing.cogs
        }
        for cog in cogs:
            if cog.name in taken:
                raise CogError(f"a cog named {cog.name!r} is already loaded")
        return cogs

    async def _activate(self, module_name: str, module: types.ModuleType, cogs: list[Cog]) -> None:
        done: list[Cog] = []
        try:
            for cog in cogs:
                self._register(cog)
                done.append(cog)
                await cog.cog_load()
        except Exception as error:
            for cog in done:
                self._unregister(cog)
            if isinstance(error, CogError):
                raise
            raise CogError(
                f"{module_name} failed to load: {type(error).__name__}: {error}"
            ) from None
        self.modules[module_name] = LoadedModule(module_name, module, cogs)
        log.info("loaded %s (%s)", module_name, ", ".join(c.name for c in cogs))

    async def _deactivate(self, cog: Cog) -> None:
        try:
            await cog.cog_unload()
        except Exception:
            log.exception("cog %s failed to unload cleanly", cog.name)
        self._unregister(cog)

    def _register(self, cog: Cog) -> None:
        bot = self.bot
        registered: list[Command] = []
        try:
            for cmd in cog.commands:
                bot.commands.add(cmd)
                registered.append(cmd)
        except ValueError as error:
            for cmd in registered:
                bot.commands.remove(cmd.name)
            raise CogError(f"cog {cog.name}: {error}") from None
        for event, attr in cog.__listeners__:
            bot.dispatcher.add_listener(event, getattr(cog, attr), owner=cog)
        for attr in cog.__checks__:
            bot.dispatcher.add_check(getattr(cog, attr), owner=cog)
        for attr in cog.__outbound__:
            bot.dispatcher.add_outbound_filter(getattr(cog, attr), owner=cog)
        for attr, every in cog.__tasks__:
            bot.scheduler.add(f"cog:{cog.name}:{attr}", every, getattr(cog, attr))

    def _unregister(self, cog: Cog) -> None:
        self.bot.commands.remove_cog(cog)
        self.bot.dispatcher.remove_owner(cog)
        self.bot.scheduler.remove_prefix(f"cog:{cog.name}:")
