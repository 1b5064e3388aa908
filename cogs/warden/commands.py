"""The Warden's commands: moderators in chat, the owner in the console.

Chat (moderators and above; the room is the one typed in; every reply is one short line):

    !warden status | strict | normal | lenient | flagonly | off
    !warden allow DOMAIN | disallow DOMAIN | block TERM | block /REGEX/ | unblock TERM
    !warden pardon USER | log [N]
    !permit USER [SECONDS]          (links for a while; default 60 s)

Console (the owner; the same commands with the room first, plus listings):

    warden status ROOM | strict ROOM | ... | allow ROOM DOMAIN | block ROOM TERM | ...
    warden log [ROOM] [N] | warden flags [ROOM] [N]   (tables; every room without ROOM)
    permit ROOM USER [SECONDS]

ROOM is a local room id ("lobby") or a room key ("twitch:mychannel"). To make a room flag-only
(the Sanctum seed's default: flag for moderators, touch nothing): ``!warden flagonly`` there, or
for every room ``default_mode = "flagonly"`` under ``[cog.warden]`` in sanctum.toml.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from rich.table import Table

from bot.commands import Command, CommandContext, CommandError, Rest, Scope, command
from bot.message import Platform, Role
from cogs.warden.engine import Mode, WardenConfig
from cogs.warden.patterns import PatternError, parse_entry
from cogs.warden.records import Record

if TYPE_CHECKING:
    from cogs.warden.engine import WardenEngine
    from cogs.warden.records import WardenRecords

CHAT: dict[str, Any] = {"role": Role.MODERATOR, "scope": Scope.CHAT}
CONSOLE: dict[str, Any] = {"role": Role.OWNER, "scope": Scope.CONSOLE}
MAX_PERMIT_S = 86_400
MAX_CHAT_LOG = 10
MAX_REPLY = 400
_PLATFORMS = {p.value for p in Platform}
_MODE_TEXT = {
    Mode.STRICT: "strict mode: lower thresholds, and every link not allowlisted is removed",
    Mode.NORMAL: "normal mode",
    Mode.LENIENT: "lenient mode: higher thresholds",
    Mode.FLAGONLY: "flag-only mode: it flags for moderators and touches nothing",
    Mode.OFF: "off: nothing is checked here",
}


def ago(seconds: float) -> str:
    """12 -> "12s ago"; 300 -> "5m ago"; 7200 -> "2h ago"."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86_400:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86_400}d ago"


def clip(text: str, limit: int = MAX_REPLY) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_room(room: str) -> str:
    """``lobby`` -> ``local:lobby``; ``twitch:chan`` stays; anything else is refused."""
    text = room.strip()
    platform, sep, room_id = text.partition(":")
    if sep and platform.lower() in _PLATFORMS and room_id:
        return f"{platform.lower()}:{room_id}"
    if sep:
        names = ", ".join(sorted(_PLATFORMS))
        raise CommandError(f"no platform {platform!r} in {room!r} (expected one of: {names})")
    if not text:
        raise CommandError("ROOM is missing")
    return f"local:{text}"


def who(name: str) -> str:
    """A user as typed ("@Bob" -> "Bob"); refused when empty."""
    text = name.strip().removeprefix("@")
    if not text:
        raise CommandError("USER is missing")
    return text


class WardenCommands:
    """Chat and console commands; mixed into the Warden cog, which provides the rest."""

    if TYPE_CHECKING:  # provided by the Warden cog
        bot: Any
        log: Any
        engine: WardenEngine
        records: WardenRecords

        async def apply_change(self, key: str, config: WardenConfig, actor: str) -> None: ...

    # -- shared actions (room key in, one line out) -----------------------------------------

    async def _set_mode(self, key: str, mode: Mode, actor: str) -> str:
        config = self.engine.set_mode(key, mode)
        await self._store(key, config, actor, "warden.mode", mode.value)
        return f"Warden is now in {_MODE_TEXT[mode]}."

    async def _allow(self, key: str, domain: str, actor: str, allow: bool) -> str:
        try:
            if allow:
                config = self.engine.allow(key, domain)
            else:
                before = self.engine.config_for(key).allow_domains
                config = self.engine.disallow(key, domain)
                if config.allow_domains == before:
                    raise CommandError(f"{domain.strip()} was not on this room's allowlist.")
        except ValueError as error:
            raise CommandError(one_line_error(error)) from None
        added = config.allow_domains[-1] if allow else domain.strip().lower()
        await self._store(key, config, actor, "warden.allow" if allow else "warden.disallow",
                          added)  # fmt: skip
        if allow:
            return f"Links to {added} (and its subdomains) are allowed here."
        return f"Links to {added} are no longer allowed here."

    async def _block(self, key: str, entry: str, actor: str, block: bool) -> str:
        kind, value = parse_entry(entry)
        try:
            config = self.engine.block(key, entry) if block else self.engine.unblock(key, entry)
        except (PatternError, ValueError) as error:
            raise CommandError(f"Refused: {one_line_error(error)}") from None
        shown = f"/{value}/" if kind == "regex" else repr(value)
        await self._store(key, config, actor, "warden.block" if block else "warden.unblock",
                          shown)  # fmt: skip
        return f"Blocked {shown} here." if block else f"Unblocked {shown} here."

    async def _pardon(self, key: str, name: str, actor: str) -> str:
        name = who(name)
        uid = self.engine.resolve(key, name) or name
        known = self.engine.pardon(key, name)
        await self._note(key, uid, name, "pardon", actor)
        if not known:
            return f"Nothing to pardon for {name}: no offences or recent lines remembered."
        return f"Pardoned {name}: offences and repeated-line memory forgotten."

    async def _permit(self, key: str, name: str, seconds: int, actor: str) -> str:
        name = who(name)
        if not 1 <= seconds <= MAX_PERMIT_S:
            raise CommandError(f"SECONDS must be between 1 and {MAX_PERMIT_S}.")
        self.engine.permit(key, name, seconds)
        uid = self.engine.resolve(key, name) or name
        await self._note(key, uid, name, "permit", actor, seconds=seconds)
        return f"{name} may post links here for {seconds} s."

    async def _status_line(self, key: str) -> str:
        status = self.engine.status(key)
        config = self.engine.config_for(key)
        counts = await self.records.counts(key, self.bot.clock.now() - 86_400)
        removed = sum(counts.get(a, 0) for a in ("delete", "timeout", "ban"))
        return clip(
            f"Warden: {config.mode.value}, {status['ladder']}. Allowlist: "
            f"{status['allowlist']}. Blocked: "
            f"{status['blocked']}. Off: {status['disabled']}. Permits: {status['permits']}. "
            f"Last 24 h: {counts.get('flag', 0)} flagged, {removed} removed."
        )

    async def _log_line(self, key: str, n: int) -> str:
        if not 1 <= n <= MAX_CHAT_LOG:
            raise CommandError(f"N must be between 1 and {MAX_CHAT_LOG}.")
        found = await self.records.recent(key, n)
        if not found:
            return "Warden log: nothing yet."
        now = self.bot.clock.now()
        parts = [_short(r, now) for r in reversed(found)]
        return clip("Warden log: " + "; ".join(parts) + ".")

    async def _table(self, key: str | None, n: int, actions: tuple[str, ...]) -> Table:
        found = await self.records.recent(key, n, actions=actions)
        title = "warden flags" if actions == ("flag",) else "warden log"
        table = Table("when", "room", "user", "action", "checks", "score", "by", "message",
                      title=f"{title} ({key or 'all rooms'})")  # fmt: skip
        for r in reversed(found):
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(r.ts))
            action = r.action + (f" {r.seconds}s" if r.seconds else "")
            table.add_row(when, r.room_key, r.user_name or r.user_id, action, ", ".join(r.checks),
                          f"{r.score:g}" if r.score else "", r.actor,
                          clip(r.excerpt, 60))  # fmt: skip
        return table

    async def _store(
        self, key: str, config: WardenConfig, actor: str, what: str, detail: str
    ) -> None:
        try:
            await self.apply_change(key, config, actor)
        except Exception as error:
            self.log.exception("warden settings of %s not stored", key)
            raise CommandError(
                f"Changed here, but not stored (lost at restart): {type(error).__name__}"
            ) from None
        try:
            await self.bot.store.audit.record(actor, what, f"{key}: {detail}")
        except Exception as error:  # the audit trail never blocks a moderator
            self.log.warning("audit record failed: %s", error)

    async def _note(
        self, key: str, uid: str, name: str, action: str, actor: str, **extra: Any
    ) -> None:
        record = Record(self.bot.clock.now(), key, None, uid, name, action, actor=actor, **extra)
        try:
            await self.records.add(record)
        except Exception:
            self.log.exception("warden %s not stored", action)

    @staticmethod
    def _here(ctx: CommandContext) -> str:
        if ctx.room is None:
            raise CommandError("This command works in a chat room.")
        return ctx.room.key

    @staticmethod
    def _actor(ctx: CommandContext) -> str:
        return f"console:{ctx.user.name}" if ctx.is_console else ctx.user.label

    # -- chat ------------------------------------------------------------------------------

    warden = Command(
        "warden", None, help="spam and scam filter: status, modes, allow, block, pardon, log",
        **CHAT,
    )  # fmt: skip

    @warden.sub("status")
    async def warden_status(self, ctx: CommandContext) -> str:
        """Mode, ladder, allowlist, blocklist, permits and the last day's verdicts here."""
        return await self._status_line(self._here(ctx))

    @warden.sub("strict")
    async def warden_strict(self, ctx: CommandContext) -> str:
        """Lower thresholds: act on less."""
        return await self._set_mode(self._here(ctx), Mode.STRICT, self._actor(ctx))

    @warden.sub("normal")
    async def warden_normal(self, ctx: CommandContext) -> str:
        """The default: delete with a warning, then time out."""
        return await self._set_mode(self._here(ctx), Mode.NORMAL, self._actor(ctx))

    @warden.sub("lenient")
    async def warden_lenient(self, ctx: CommandContext) -> str:
        """Higher thresholds: act only on clear cases."""
        return await self._set_mode(self._here(ctx), Mode.LENIENT, self._actor(ctx))

    @warden.sub("flagonly", aliases=("flag-only",))
    async def warden_flagonly(self, ctx: CommandContext) -> str:
        """Flag for moderators, touch nothing."""
        return await self._set_mode(self._here(ctx), Mode.FLAGONLY, self._actor(ctx))

    @warden.sub("off")
    async def warden_off(self, ctx: CommandContext) -> str:
        """Check nothing in this room (persona texts are still checked on the way out)."""
        return await self._set_mode(self._here(ctx), Mode.OFF, self._actor(ctx))

    @warden.sub("allow")
    async def warden_allow(self, ctx: CommandContext, domain: str) -> str:
        """Allow links to DOMAIN and its subdomains here."""
        return await self._allow(self._here(ctx), domain, self._actor(ctx), True)

    @warden.sub("disallow")
    async def warden_disallow(self, ctx: CommandContext, domain: str) -> str:
        """Take DOMAIN off this room's allowlist."""
        return await self._allow(self._here(ctx), domain, self._actor(ctx), False)

    @warden.sub("block")
    async def warden_block(self, ctx: CommandContext, term: Rest) -> str:
        """Block a TERM (its disguises too) or a /REGEX/ here."""
        return await self._block(self._here(ctx), term, self._actor(ctx), True)

    @warden.sub("unblock")
    async def warden_unblock(self, ctx: CommandContext, term: Rest) -> str:
        """Take a TERM or /REGEX/ off this room's blocklist."""
        return await self._block(self._here(ctx), term, self._actor(ctx), False)

    @warden.sub("pardon")
    async def warden_pardon(self, ctx: CommandContext, user: str) -> str:
        """Forget USER's offences here: the next one is a first offence again."""
        return await self._pardon(self._here(ctx), user, self._actor(ctx))

    @warden.sub("log")
    async def warden_log(self, ctx: CommandContext, n: int = 3) -> str:
        """The last N verdicts here (default 3)."""
        return await self._log_line(self._here(ctx), n)

    @command("permit", **CHAT)
    async def permit(self, ctx: CommandContext, user: str, seconds: int = 60) -> str:
        """Let USER post links here for SECONDS (default 60)."""
        return await self._permit(self._here(ctx), user, seconds, self._actor(ctx))

    # -- console ---------------------------------------------------------------------------

    warden_console = Command(
        "warden", None, help="the Warden per room: status, modes, allow, block, pardon, log, flags",
        **CONSOLE,
    )  # fmt: skip

    @warden_console.sub("status")
    async def console_status(self, ctx: CommandContext, room: str) -> Table:
        """Everything about ROOM's Warden, and the engine's figures."""
        key = parse_room(room)
        status = self.engine.status(key)
        stats = self.engine.stats
        counts = await self.records.counts(key, self.bot.clock.now() - 86_400)
        table = Table("setting", "value", title=f"warden {key}")
        for name, value in status.items():
            table.add_row(name, value)
        table.add_row("last 24 h", ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))
                      or "no verdicts")  # fmt: skip
        table.add_row("text cache hits", f"{stats.cache_hit_rate:.1%}")
        if stats.errors:
            table.add_row("check errors", ", ".join(f"{k} {v}" for k, v in stats.errors.items()))
        return table

    @warden_console.sub("strict")
    async def console_strict(self, ctx: CommandContext, room: str) -> str:
        """Lower thresholds in ROOM."""
        return await self._set_mode(parse_room(room), Mode.STRICT, self._actor(ctx))

    @warden_console.sub("normal")
    async def console_normal(self, ctx: CommandContext, room: str) -> str:
        """The default in ROOM: delete with a warning, then time out."""
        return await self._set_mode(parse_room(room), Mode.NORMAL, self._actor(ctx))

    @warden_console.sub("lenient")
    async def console_lenient(self, ctx: CommandContext, room: str) -> str:
        """Higher thresholds in ROOM."""
        return await self._set_mode(parse_room(room), Mode.LENIENT, self._actor(ctx))

    @warden_console.sub("flagonly", aliases=("flag-only",))
    async def console_flagonly(self, ctx: CommandContext, room: str) -> str:
        """Flag for moderators in ROOM, touch nothing."""
        return await self._set_mode(parse_room(room), Mode.FLAGONLY, self._actor(ctx))

    @warden_console.sub("off")
    async def console_off(self, ctx: CommandContext, room: str) -> str:
        """Check nothing in ROOM."""
        return await self._set_mode(parse_room(room), Mode.OFF, self._actor(ctx))

    @warden_console.sub("allow")
    async def console_allow(self, ctx: CommandContext, room: str, domain: str) -> str:
        """Allow links to DOMAIN in ROOM."""
        return await self._allow(parse_room(room), domain, self._actor(ctx), True)

    @warden_console.sub("disallow")
    async def console_disallow(self, ctx: CommandContext, room: str, domain: str) -> str:
        """Take DOMAIN off ROOM's allowlist."""
        return await self._allow(parse_room(room), domain, self._actor(ctx), False)

    @warden_console.sub("block")
    async def console_block(self, ctx: CommandContext, room: str, term: Rest) -> str:
        """Block a TERM or a /REGEX/ in ROOM."""
        return await self._block(parse_room(room), term, self._actor(ctx), True)

    @warden_console.sub("unblock")
    async def console_unblock(self, ctx: CommandContext, room: str, term: Rest) -> str:
        """Take a TERM or /REGEX/ off ROOM's blocklist."""
        return await self._block(parse_room(room), term, self._actor(ctx), False)

    @warden_console.sub("pardon")
    async def console_pardon(self, ctx: CommandContext, room: str, user: str) -> str:
        """Forget USER's offences in ROOM."""
        return await self._pardon(parse_room(room), user, self._actor(ctx))

    @command("permit", **CONSOLE)
    async def console_permit(
        self, ctx: CommandContext, room: str, user: str, seconds: int = 60
    ) -> str:
        """Let USER post links in ROOM for SECONDS (default 60)."""
        return await self._permit(parse_room(room), user, seconds, self._actor(ctx))

    @warden_console.sub("log")
    async def console_log(
        self, ctx: CommandContext, room: str | None = None, n: int | None = None
    ) -> Table:
        """The last N verdicts (default 20) in ROOM, or in every room (log 50 works too)."""
        room, n = _room_and_count(room, n)
        return await self._table(room, n, ())

    @warden_console.sub("flags")
    async def console_flags(
        self, ctx: CommandContext, room: str | None = None, n: int | None = None
    ) -> Table:
        """The last N flags (default 20) in ROOM or every room, with what was said."""
        room, n = _room_and_count(room, n)
        return await self._table(room, n, ("flag",))


def _room_and_count(room: str | None, n: int | None) -> tuple[str | None, int]:
    if room is not None and n is None and room.isdigit():
        room, n = None, int(room)
    n = 20 if n is None else n
    if not 1 <= n <= 1000:
        raise CommandError("N must be between 1 and 1000.")
    return (parse_room(room) if room is not None else None), n


def _short(record: Record, now: float) -> str:
    """One verdict in a few words: "5m ago delete Bob (links, scam)"."""
    what = record.action + (f" {record.seconds}s" if record.seconds else "")
    if record.action in ("pardon", "permit"):
        return f"{ago(now - record.ts)} {what} {record.user_name} by {record.actor}"
    checks = f" ({', '.join(record.checks)})" if record.checks else ""
    return f"{ago(now - record.ts)} {what} {record.user_name}{checks}"


def one_line_error(error: Exception) -> str:
    """A pydantic error or any ValueError as one line for chat."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"{field}: {message}" if field else message
    return str(error).splitlines()[0] if str(error) else type(error).__name__
