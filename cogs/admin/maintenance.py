"""Running the deployment: status, cogs, logs, backups, purge-and-seed, quit."""

from __future__ import annotations

import time
from pathlib import Path

from rich.table import Table

from bot import logs as logfiles
from bot.cog import CogError
from bot.commands import Command, CommandContext, CommandError, Rest, UsageError, command
from bot.memory.store import StoreError
from bot.message import Platform
from bot.persona_store import PersonaService
from cogs.admin.base import CONSOLE, AdminBase, human_size
from console.options import Flag, complete, flags, options_of

ADMIN_MODULE = "cogs.admin"
CONFIRM_WORD = "purge"


class MaintenanceCommands(AdminBase):
    # -- status ----------------------------------------------------------------------------

    @command("status", **CONSOLE)
    async def status(self, ctx: CommandContext) -> None:
        """Platforms, rooms, personas, queues, the language model and the store."""
        bot = self.bot
        table = Table("", "", title="status", show_header=False)
        for platform in Platform:
            adapter = bot.adapters.get(platform)
            if adapter is None:
                table.add_row(f"platform {platform.value}", "not configured")
                continue
            detail = ", ".join(f"{k} {v}" for k, v in adapter.status().items() if k != "state")
            table.add_row(
                f"platform {adapter.name}", adapter.state + (f" ({detail})" if detail else "")
            )
        per_platform = {a.name: len(a.rooms()) for a in bot.adapters.values()}
        table.add_row(
            "rooms",
            f"{sum(per_platform.values())} ("
            + ", ".join(f"{n} {c}" for n, c in per_platform.items())
            + ")",
        )
        table.add_row("personas", ", ".join(bot.personas.ids()) or "(none)")
        table.add_row(
            "messages",
            f"{bot.dispatcher.handled} handled, {bot.messages_per_minute()} in the last minute",
        )
        rules = getattr(bot, "rules", None)
        queue = getattr(rules, "queue", None)
        table.add_row(
            "queues",
            f"dispatcher {bot.dispatcher.in_flight} in flight, "
            f"store {bot.store.messages.pending} pending writes"
            + (f", rate limit {len(queue)} queued" if queue is not None else ""),
        )
        llm = bot.llm
        stats = llm.stats
        p50 = stats.latency_p50()
        latency = f", p50 {p50 * 1000:.0f} ms" if p50 is not None else ""
        label = "offline provider (no endpoint configured)" if llm.offline else llm.name
        table.add_row(
            "language model",
            f"{label}; {stats.calls} call{'' if stats.calls == 1 else 's'}, "
            f"{stats.failures} failed{latency}; tokens "
            f"{stats.prompt_tokens} in / {stats.completion_tokens} out; "
            f"{stats.in_flight} in flight",
        )
        capabilities = getattr(llm, "capabilities", None)
        if capabilities is not None:
            table.add_row("endpoint", capabilities.summary())
        breaker = getattr(llm, "breaker", None)
        if breaker is not None:
            table.add_row("circuit", breaker.describe())
        try:
            store = await bot.store.status()
        except Exception as error:
            table.add_row("store", f"unavailable: {error}")
        else:
            table.add_row(
                "store",
                f"{store['path']} ({human_size(store['size_bytes'])}, "
                f"schema {store['schema_version']}, {store['messages']} messages)",
            )
            table.add_row("sqlite", f"{store['sqlite_version']}, sqlite-vec {store['sqlite_vec']}")
        for cog in list(bot.cogs.cogs.values()):  # rows a cog adds (the Librarian: recall)
            rows = getattr(cog, "status_rows", None)
            if rows is None:
                continue
            try:
                for key, value in await rows():
                    table.add_row(key, value)
            except Exception as error:
                table.add_row(cog.name, f"status unavailable: {error}")
        table.add_row("cogs", ", ".join(sorted(bot.cogs.cogs)))
        table.add_row("uptime", f"{bot.uptime():.0f} s")
        await ctx.reply(table)

    # -- cogs ------------------------------------------------------------------------------

    cogs = Command("cogs", None, help="list, load, unload or reload cogs", **CONSOLE)

    @cogs.sub("list")
    async def cogs_list(self, ctx: CommandContext) -> None:
        """The loaded cogs, their modules and commands."""
        table = Table("cog", "module", "commands", "about", title="cogs")
        for module_name, loaded in self.bot.cogs.modules.items():
            for cog in loaded.cogs:
                # dict.fromkeys: a chat and a console command may share a name (warden)
                names = ", ".join(dict.fromkeys(c.name for c in cog.commands))
                table.add_row(cog.name, module_name, names or "-", cog.description)
        await ctx.reply(table)
        for error in self.bot.cog_errors:
            await ctx.reply(f"not loaded at start: {error}")

    @complete(cog="cog_module")
    @cogs.sub("load")
    async def cogs_load(self, ctx: CommandContext, cog: str) -> str:
        """Load a cog module (warden means cogs.warden; a dotted name is taken as is)."""
        try:
            names = await self.bot.cogs.load(cog)
        except CogError as error:
            raise CommandError(str(error)) from None
        await self.audit(ctx, "cogs.load", cog)
        return f"loaded {', '.join(names)}"

    @cogs.sub("unload")
    async def cogs_unload(self, ctx: CommandContext, cog: str) -> str:
        """Unload a cog (and every cog its module holds)."""
        if self.bot.cogs.module_of(cog) == ADMIN_MODULE:
            raise CommandError("admin holds the console's commands: reload it, do not unload it")
        try:
            names = await self.bot.cogs.unload(cog)
        except CogError as error:
            raise CommandError(str(error)) from None
        await self.audit(ctx, "cogs.unload", cog)
        return f"unloaded {', '.join(names)}"

    @cogs.sub("reload")
    async def cogs_reload(self, ctx: CommandContext, cog: str) -> str:
        """Reload a cog's code; if the new code fails, the old cog keeps running."""
        was_loaded = self.bot.cogs.module_of(cog) is not None
        try:
            names = await self.bot.cogs.reload(cog)
        except CogError as error:
            message = str(error)
            if was_loaded and "still running" not in message:
                message += "; the previous version is still running"
            await self.audit(ctx, "cogs.reload", f"{cog} failed: {message[:200]}")
            raise CommandError(message) from None
        await self.audit(ctx, "cogs.reload", cog)
        return f"reloaded {', '.join(names)}"

    # -- logs ------------------------------------------------------------------------------

    def log_path(self) -> Path:
        handler = logfiles.file_handler()
        if handler is not None:
            return Path(handler.baseFilename)
        return self.bot.settings.data_dir / "logs" / logfiles.LOG_FILE

    logs = Command("logs", None, help="read the log file", **CONSOLE)

    @logs.sub("tail")
    async def logs_tail(self, ctx: CommandContext, n: int = 20) -> str:
        """The last N lines of data/logs/sanctum.log (20 unless told)."""
        if not 1 <= n <= 5000:
            raise UsageError("N must be between 1 and 5000")
        path = self.log_path()
        try:
            found = logfiles.tail(path, n)
        except FileNotFoundError:
            raise CommandError(f"no log file yet at {path}") from None
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
        return "\n".join(found) if found else f"{path} is empty"

    @command("rotate_logs", **CONSOLE)
    async def rotate_logs(self, ctx: CommandContext) -> str:
        """Start a new log file now; the old ones move down (sanctum.log.1, .2...)."""
        try:
            path = logfiles.rotate()
        except (RuntimeError, OSError) as error:
            raise CommandError(f"cannot rotate the logs: {error}") from None
        await self.audit(ctx, "logs.rotate", str(path))
        return f"logs rotated: writing to a new {path.name}; the previous one is {path.name}.1"

    # -- the store ---------------------------------------------------------------------------

    async def take_backup(self, label: str = "") -> Path:
        folder = self.bot.settings.data_dir / "backups"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = f"sanctum-{label + '-' if label else ''}{stamp}"
        target, counter = folder / f"{base}.db", 1
        while target.exists():
            counter += 1
            target = folder / f"{base}-{counter}.db"
        try:
            return await self.bot.store.backup(target)
        except (StoreError, OSError) as error:
            raise CommandError(f"backup failed: {error}") from None

    @command("backup", **CONSOLE)
    async def backup(self, ctx: CommandContext) -> str:
        """Copy the store to data/backups/ (online: the bot keeps running)."""
        path = await self.take_backup()
        await self.audit(ctx, "store.backup", str(path))
        return f"backup written to {path} ({human_size(path.stat().st_size)})"

    @flags(Flag("yes", help="confirm without the typed word (automation)"))
    @command("purge_and_seed", **CONSOLE)
    async def purge_and_seed(self, ctx: CommandContext, options: Rest | None = None) -> str:
        """Wipe the store after a backup and re-seed the personas from personas/."""
        parsed = options_of(ctx.command).parse(options)  # type: ignore[union-attr]
        if parsed.positional not in ([], ["confirm"]):
            raise UsageError(f"unexpected {parsed.positional[0]!r}")
        if not (parsed.get("yes") or parsed.positional):
            console = self.bot.console
            if console is None or not console.interactive:
                raise CommandError(
                    "purge_and_seed wipes the store: run `purge_and_seed --yes` to confirm"
                )
            question = "This wipes every message, memory and setting (a backup is taken first)."
            if not await console.confirm(CONFIRM_WORD, question):
                raise CommandError("not confirmed; nothing was changed")
        backup = await self.take_backup("pre-purge")
        bot = self.bot
        try:
            tables = await bot.store.purge()
        except Exception as error:
            raise CommandError(f"purge failed, nothing was wiped: {error}") from None
        seeded = await self.reseed()
        restarted, problems = await self.restart_cogs()
        await self.audit(ctx, "store.purge_and_seed", f"backup {backup}; seeded {seeded}")
        lines = [
            f"store wiped ({tables} tables emptied); backup at {backup}",
            f"personas seeded from {bot.settings.personas_dir}: {', '.join(seeded) or 'none'}",
            f"cogs restarted: {', '.join(restarted) or 'none'}",
            *(f"not seeded: {p}" for p in bot.persona_errors),
            *(f"cog did not restart: {p}" for p in problems),
        ]
        return "\n".join(lines)

    async def reseed(self) -> list[str]:
        """Empty the persona registry and load personas/ again (into the empty store)."""
        bot = self.bot
        for persona_id in bot.personas.ids():
            bot.personas.remove(persona_id)
        bot.persona_service = PersonaService(bot.store, bot.personas, bot.settings.personas_dir)
        report = await bot.persona_service.load()
        bot.persona_errors = report.problems
        rules = getattr(bot, "rules", None)
        for room_key, values in list(getattr(rules, "values", {}).items()):
            for key in list(values):
                await rules.reset(room_key, key)  # back to the defaults, like a fresh start
        return report.loaded

    async def restart_cogs(self) -> tuple[list[str], list[str]]:
        """Unload and load every other cog, so none keeps state from the wiped store."""
        restarted, problems = [], []
        for module_name in [m for m in self.bot.cogs.modules if m != ADMIN_MODULE]:
            try:
                await self.bot.cogs.unload(module_name)
                restarted.extend(await self.bot.cogs.load(module_name))
            except CogError as error:
                problems.append(str(error))
        return restarted, problems

    # -- quit ------------------------------------------------------------------------------

    @command("quit", aliases=("exit",), **CONSOLE)
    async def quit(self, ctx: CommandContext) -> None:
        """Shut down cleanly (the store is flushed)."""
        await ctx.reply("stopping…")
        await self.audit(ctx, "quit")
        await self.bot.store.flush()
        self.bot.request_stop()
