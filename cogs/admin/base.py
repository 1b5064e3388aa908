"""What every admin command shares: finding rooms and adapters, the audit log, the console."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

from rich.console import Console as RichConsole

from bot.adapters.base import Adapter, AdapterError
from bot.commands import CommandContext, CommandError, Scope
from bot.message import Platform, Role, Room

if TYPE_CHECKING:
    from bot.app import Sanctum

log = logging.getLogger("cogs.admin")

# Every admin command: the console only (invisible from chat, whatever the role), as OWNER.
CONSOLE: dict[str, Any] = {"scope": Scope.CONSOLE, "role": Role.OWNER}
PLATFORMS = ", ".join(p.value for p in Platform)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def parse_platform(name: str) -> Platform:
    try:
        return Platform(name.lower())
    except ValueError:
        raise CommandError(f"no platform {name!r} (expected one of {PLATFORMS})") from None


class AdminBase:
    """Helpers for the admin mixins; the cog class that combines them provides ``bot``."""

    bot: Sanctum

    def adapter(self, platform: Platform | str) -> Adapter:
        """The adapter for ``platform``; CommandError "matrix is not connected" otherwise."""
        if isinstance(platform, str):
            platform = parse_platform(platform)
        adapter = self.bot.adapters.get(platform)
        if adapter is None or not adapter.connected:
            raise CommandError(f"{platform.value} is not connected")
        return adapter

    def find_room(self, room: str) -> Room:
        """``lobby`` (a local room) or ``platform:room_id``, by id or by name."""
        platform_name, _, room_id = room.partition(":")
        if room_id and platform_name.lower() in {p.value for p in Platform}:
            platform = Platform(platform_name.lower())
        else:
            platform, room_id = Platform.LOCAL, room
        adapter = self.adapter(platform)
        for known in adapter.rooms():
            if known.id == room_id:
                return known
        for known in adapter.rooms():
            if known.name == room_id:
                return known
        raise CommandError(f"no room {room!r} on {platform.value} (see: rooms)")

    async def audit(self, ctx: CommandContext, action: str, detail: str = "") -> None:
        """Every admin action is written down; a failing audit write never blocks the owner."""
        try:
            await self.bot.store.audit.record(f"console:{ctx.user.name}", action, detail)
        except Exception as error:
            log.warning("audit record of %s failed: %s", action, error)

    @staticmethod
    async def platform_call(what: str, call: Any) -> Any:
        """Await an adapter call; its failure becomes the one-line answer."""
        try:
            return await call
        except AdapterError as error:
            raise CommandError(str(error) or f"{what} failed") from None

    def terminal(self) -> RichConsole:
        """Where live output (progress bars) goes: the console's terminal, or nowhere."""
        console = getattr(self.bot, "console", None)
        if console is not None:
            return console.rich()
        return RichConsole(file=io.StringIO())
