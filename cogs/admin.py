"""Console commands for the owner: talk in rooms, list rooms and personas, status, quit.

Every command here is console-only: chat can never reach it, whatever a moderator types.
"""

from __future__ import annotations

from rich.table import Table

from bot.adapters.base import AdapterError
from bot.cog import Cog
from bot.commands import CommandContext, CommandError, Rest, Scope, command
from bot.message import Outgoing, Platform, Role, Room

CONSOLE = {"scope": Scope.CONSOLE, "role": Role.OWNER}


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class Admin(Cog, name="admin"):
    """The owner's console commands."""

    def find_room(self, room: str) -> Room:
        """``lobby`` (a local room) or ``platform:room_id``."""
        platform_name, _, room_id = room.partition(":")
        if room_id and platform_name in {p.value for p in Platform}:
            platform = Platform(platform_name)
        else:
            platform, room_id = Platform.LOCAL, room
        adapter = self.bot.adapters.get(platform)
        if adapter is None or (platform is not Platform.LOCAL and not adapter.connected):
            raise CommandError(f"{platform.value} is not connected")
        for known in adapter.rooms():
            if known.id == room_id or known.name == room_id:
                return known
        raise CommandError(f"no room {room!r} on {platform.value} (see: rooms)")

    @command("say", **CONSOLE)
    async def say(self, ctx: CommandContext, room: str, text: Rest) -> None:
        """Say TEXT in ROOM as the owner (a local room) or through the bot's account."""
        target = self.find_room(room)
        if target.platform is Platform.LOCAL:
            await self.bot.local.post(target.id, text, author=self.bot.local.owner)
            return
        sent = await self.bot.dispatcher.send(Outgoing(target, text, persona=None))
        if sent is None:
            raise CommandError(f"not sent to {target.key} (see the log for why)")

    @command("rooms", **CONSOLE)
    async def rooms(self, ctx: CommandContext, platform: str | None = None) -> None:
        """List the rooms Sanctum is in, optionally on one platform."""
        table = Table("platform", "room", "name", "kind", "members", title="rooms")
        for adapter in self.bot.adapters.values():
            if platform and adapter.platform.value != platform.lower():
                continue
            for room in adapter.rooms():
                kind = "direct" if room.is_private else "group"
                table.add_row(room.platform.value, room.id, room.name, kind, str(room.member_count))
        if platform and platform.lower() not in {
            a.platform.value for a in self.bot.adapters.values()
        }:
            raise CommandError(f"{platform} is not connected")
        await ctx.reply(table)

    @command("personas", **CONSOLE)
    async def personas(self, ctx: CommandContext) -> None:
        """List the personas and their aliases."""
        table = Table("id", "name", "aliases", "enabled", "model", title="personas")
        for persona in self.bot.personas:
            table.add_row(
                persona.id,
                persona.name,
                ", ".join(persona.aliases),
                "yes" if persona.enabled else "no",
                persona.model or "(default)",
            )
        await ctx.reply(table)
        for error in self.bot.persona_errors:
            await ctx.reply(f"not loaded: {error}")

    @command("status", **CONSOLE)
    async def status(self, ctx: CommandContext) -> None:
        """Platforms, rooms, personas, queues, the language model and the store."""
        bot = self.bot
        table = Table("", "", title="status", show_header=False)
        for adapter in bot.adapters.values():
            detail = ", ".join(f"{k} {v}" for k, v in adapter.status().items() if k != "state")
            table.add_row(
                f"platform {adapter.name}", adapter.state + (f" ({detail})" if detail else "")
            )
        rooms = sum(len(a.rooms()) for a in bot.adapters.values())
        table.add_row("rooms", str(rooms))
        table.add_row("personas", ", ".join(bot.personas.ids()) or "(none)")
        table.add_row("messages handled", str(bot.dispatcher.handled))
        table.add_row("in flight", str(bot.dispatcher.in_flight))
        llm = bot.llm
        stats = llm.stats
        p50 = stats.latency_p50()
        latency = f", p50 {p50 * 1000:.0f} ms" if p50 is not None else ""
        label = "offline provider (no endpoint configured)" if llm.offline else llm.name
        table.add_row(
            "language model",
            f"{label}; {stats.calls} calls, {stats.failures} failed"
            f"{latency}; tokens {stats.prompt_tokens} in / "
            f"{stats.completion_tokens} out; {stats.in_flight} in flight",
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
                f"schema {store['schema_version']}, {store['messages']} messages, "
                f"{store['pending_writes']} pending)",
            )
            table.add_row("sqlite", f"{store['sqlite_version']}, sqlite-vec {store['sqlite_vec']}")
        table.add_row("cogs", ", ".join(sorted(bot.cogs.cogs)))
        await ctx.reply(table)

    @command("quit", aliases=("exit",), **CONSOLE)
    async def quit(self, ctx: CommandContext) -> None:
        """Shut down cleanly (the store is flushed)."""
        await ctx.reply("stopping…")
        self.bot.request_stop()


def setup(bot) -> Admin:
    return Admin(bot)


__all__ = ["AdapterError", "Admin"]
