"""Commands every deployment has, in chat and in the console: ``help``."""

from __future__ import annotations

from bot.cog import Cog
from bot.commands import CommandContext, Rest, command


class CoreCog(Cog, name="core"):
    """Built-in commands."""

    @command("help", aliases=("commands",), user_cooldown=5.0, room_cooldown=2.0)
    async def help(self, ctx: CommandContext, topic: Rest | None = None) -> None:
        """List the commands you may run, or explain one."""
        prefix = "" if ctx.is_console else ctx.prefix
        lines = self.bot.commands.help_lines(ctx.role, ctx.source, prefix, topic or "")
        if ctx.is_console:
            await ctx.reply("\n".join(lines))
            return
        if topic:
            await ctx.reply(" | ".join(lines))
            return
        names = ", ".join(line.split(" ", 1)[0].split(":")[0] for line in lines)
        await ctx.reply(f"Commands: {names}. Try {ctx.prefix}help COMMAND.")
