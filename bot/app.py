"""Wiring: settings, clock, store, LLM, personas, adapters, dispatcher, cogs and the scheduler.

``Sanctum`` is the object cogs receive as ``self.bot``. It owns the lifecycle: ``start()`` opens
the store, loads personas and cogs and connects the adapters; ``stop()`` shuts everything down
in the reverse order and flushes the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any

from bot.adapters.base import Adapter
from bot.adapters.local import LOBBY, LocalAdapter
from bot.builtin import CoreCog
from bot.clock import Clock, SystemClock, VirtualClock
from bot.cog import CogError, CogManager
from bot.commands import CommandRegistry
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.llm.base import LLM
from bot.llm.outage import OutageNotices
from bot.memory.store import Store
from bot.message import Platform
from bot.persona_store import PersonaService
from bot.personas import PersonaRegistry, load_persona_dir
from bot.rules.wiring import Rules
from bot.scheduler import Scheduler

log = logging.getLogger(__name__)


def make_llm(settings: Settings, clock: Clock) -> LLM:
    from bot.llm.factory import make_llm as factory

    return factory(settings.llm, clock=clock)


class MessageRate:
    """Messages seen in the last minute, ours included (the console's toolbar shows it)."""

    def __init__(self, clock: Clock, window_s: float = 60.0) -> None:
        self.clock = clock
        self.window_s = window_s
        self._times: deque[float] = deque()

    def observe(self, message: Any, turn: Any) -> None:  # a dispatcher observer
        times = self._times
        now = turn.now  # the clock, read once per message by the dispatcher
        times.append(now)
        cutoff = now - self.window_s  # _expire(), inlined: this runs for every message
        while times[0] < cutoff:
            times.popleft()

    def _expire(self) -> None:
        cutoff = self.clock.now() - self.window_s
        while self._times and self._times[0] < cutoff:
            self._times.popleft()

    def per_minute(self) -> int:
        self._expire()
        return len(self._times)


class Sanctum:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        llm: LLM | None = None,
        roles: Any = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.virtual_time = isinstance(self.clock, VirtualClock)
        self.store = Store(settings.db_path, settings.store, clock=self.clock)
        self.llm: LLM = llm or make_llm(settings, self.clock)
        self.outage_notices = OutageNotices(self.clock, every_s=settings.llm.outage_notice_every_s)
        self.personas = PersonaRegistry(default=settings.default_persona)
        self.persona_errors: list[str] = []
        self.persona_service = PersonaService(self.store, self.personas, settings.personas_dir)
        self.commands = CommandRegistry(self.clock)
        self.scheduler = Scheduler(self.clock)
        self.dispatcher = Dispatcher(
            clock=self.clock,
            personas=self.personas,
            commands=self.commands,
            settings=settings.dispatch,
            store=self.store,
            roles=roles or self._role_resolver(),
            bot=self,
        )
        # Ping-pong, quiet, mutes and rate limits: gates, observer, outbound steps, pump job.
        self.rules = Rules.install(self)
        self.message_rate = MessageRate(self.clock)
        self.dispatcher.observers.append(self.message_rate)
        self.console: Any = None  # the AdminConsole while one runs (prompts, the editor)
        self.cogs = CogManager(self)
        self.local = LocalAdapter(
            self.personas,
            clock=self.clock,
            owner_name=settings.console.owner_name,
            create_lobby=False,
        )
        self.adapters: dict[Platform, Adapter] = {}
        self.cog_errors: list[str] = []
        self.started_at = 0.0
        self.stop_requested = asyncio.Event()
        self._background: list[asyncio.Task] = []
        self._started = False

    def _role_resolver(self) -> Any:
        try:
            from bot.roles import RoleResolver
        except ImportError:
            return None
        return RoleResolver(self.settings.roles)

    # -- lifecycle -------------------------------------------------------------------------

    def load_personas(self) -> None:
        result = load_persona_dir(self.settings.personas_dir)
        for persona in result.personas:
            self.personas.add(persona)
        self.persona_errors = [str(error) for error in result.errors]
        for error in result.errors:
            log.error("persona not loaded: %s", error)
        if not len(self.personas):
            log.warning("no personas loaded from %s", self.settings.personas_dir)

    async def start(self, *, connect_platforms: bool = True) -> None:
        if self._started:
            return
        self.started_at = time.time()
        await self.store.open()
        await self.rules.load()  # per-room settings, before any message can arrive
        self.load_personas()
        # Then spawned and imported personas from the database (a file wins on a shared id).
        report = await self.persona_service.load()
        for problem in report.problems:
            if problem not in self.persona_errors:
                log.warning("persona: %s", problem)
        self.persona_errors = report.problems
        self.local.ensure_room(LOBBY, members=[self.local.owner, self.local.system])
        await self.add_adapter(self.local)
        await self.cogs.add(CoreCog(self), "bot.builtin")
        for module in self.settings.cogs:
            try:
                await self.cogs.load(module)
            except CogError as error:
                self.cog_errors.append(str(error))
                log.error("cog not loaded: %s", error)
        if connect_platforms:
            await self._connect_platforms()
            await self._probe_llm()
        if not self.virtual_time:
            self._background.append(
                asyncio.get_running_loop().create_task(
                    self.scheduler.run_forever(), name="scheduler"
                )
            )
        self._started = True
        await self.dispatcher.emit("ready")

    async def _probe_llm(self) -> None:
        """Ask the endpoint what it can do (embeddings, structured output); never fatal."""
        probe = getattr(self.llm, "probe", None)
        if self.llm.offline or probe is None:
            log.info("language model: offline provider (no endpoint configured)")
            return
        try:
            capabilities = await probe()
        except Exception as error:
            log.warning("language model probe failed: %s", error)
            return
        log.info("language model %s: %s", self.llm.name, capabilities.summary())

    async def _connect_platforms(self) -> None:
        """Connect the platforms that are configured; a failure never stops the bot."""
        for factory in self._platform_factories():
            try:
                adapter = factory()
            except Exception as error:
                log.error("platform adapter not created: %s", error)
                continue
            if adapter is not None:
                try:
                    await self.add_adapter(adapter)
                except Exception as error:
                    log.error("%s did not start: %s", adapter.name, error)

    def _platform_factories(self) -> list[Any]:
        """Adapters for configured platforms (Matrix, Discord, Twitch) plug in here."""
        factories = []
        try:
            from bot.adapters import registry
        except ImportError:
            return factories
        for make in registry.FACTORIES:
            factories.append(lambda make=make: make(self))
        return factories

    async def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter
        self.dispatcher.add_adapter(adapter)
        await adapter.start(self.dispatcher.submit)

    async def stop(self) -> None:
        if not self._started:
            await self.store.close()
            return
        self._started = False
        await self.dispatcher.emit("stopping")
        self.scheduler.stop()
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._background.clear()
        # Let replies in progress go out while the platforms are still connected, then stop
        # the adapters, then wait for anything that arrived in between.
        await self._drain(10.0)
        for adapter in list(self.adapters.values()):
            try:
                await adapter.stop()
            except Exception:
                log.exception("%s did not stop cleanly", adapter.name)
        await self._drain(2.0)
        await self.cogs.unload_all()
        await self.store.close()
        with contextlib.suppress(Exception):
            await self.llm.aclose()
        log.info("stopped")

    async def _drain(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self.dispatcher.drain()
        except TimeoutError:
            log.warning("some messages were still being answered at shutdown")

    def request_stop(self) -> None:
        self.stop_requested.set()

    async def __aenter__(self) -> Sanctum:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- status ----------------------------------------------------------------------------

    def messages_per_minute(self) -> int:
        return self.message_rate.per_minute()

    def uptime(self) -> float:
        return time.time() - self.started_at if self.started_at else 0.0
