"""Commands every deployment has, in chat and in the console: ``help``."""

from __future__ import annotations

from rich.table import Table

from bot.cog import Cog
from bot.commands import CommandContext, CommandError, Rest, command

USAGE_WIDTH = 36  # the console's help table: longer subcommand lists go to the right column


class CoreCog(Cog, name="core"):
    """Built-in commands."""

    @command("help", aliases=("commands",), user_cooldown=5.0, room_cooldown=2.0)
    async def help(self, ctx: CommandContext, topic: Rest | None = None) -> None:
        """List the commands you may run, or explain one."""
        prefix = "" if ctx.is_console else ctx.prefix
        lines = self.bot.commands.help_lines(ctx.role, ctx.source, prefix, topic or "")
        if ctx.is_console:
            await self.console_help(ctx, topic or "", lines)
            return
        if topic:
            await ctx.reply(" | ".join(lines))
            return
        names = ", ".join(line.split(" ", 1)[0].split(":")[0] for line in lines)
        await ctx.reply(f"Commands: {names}. Try {ctx.prefix}help COMMAND.")

    async def console_help(self, ctx: CommandContext, topic: str, lines: list[str]) -> None:
        """A table of the commands; one command's help as text; an unknown one fails (so
        ``sanctum run-command "help nosuch"`` exits non-zero)."""
        registry = self.bot.commands
        if topic:
            cmd, _, _ = registry.resolve(topic, ctx.source)
            if cmd is None or not cmd.allowed(ctx.role, ctx.source) or cmd.hidden:
                raise CommandError(lines[0])
            await ctx.reply("\n".join(lines))
            return
        table = Table("command", "what it does", title="commands (help COMMAND for more)")
        for cmd in registry.visible(ctx.role, ctx.source):
            usage, about = cmd.usage(""), cmd.help
            if len(usage) > USAGE_WIDTH and cmd.children:  # warden a|b|c|...: too wide
                names = ", ".join(c.name for c in cmd.subcommands())
                usage, about = f"{cmd.name} SUBCOMMAND", f"{about} ({names})"
            table.add_row(usage, about)
        await ctx.reply(table)
