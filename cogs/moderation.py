"""Moderators' chat commands: personas, room quiet, custom commands, timers, room rules.

- ``!persona list|mute NAME|unmute NAME``, ``!quiet on|off`` (room-wide persona silence; the
  bot still answers commands).
- ``!addcom NAME TEXT``, ``!editcom NAME TEXT``, ``!delcom NAME``: per-room text commands with
  ``{user}``, ``{count}`` (uses so far, stored), ``{args}`` and ``{random:a|b}``. They are looked
  up when no registered command matches, cost a cooldown like any command, and can never run
  another command or ping a whole room.
- ``!timer add NAME MINUTES MIN_LINES TEXT``, ``!timer del NAME``, ``!timer list``: post TEXT
  every MINUTES if at least MIN_LINES human chat lines passed since the last post (Nightbot's
  timers). A timer is ambient speech: the quiet rule holds it while humans are busy, and
  ``!quiet on`` silences it. Timers run on the app's scheduler and clock, so replay and tests
  drive them with virtual time.
- ``!rules``, ``!rules set KEY VALUE``, ``!rules reset KEY`` (ping-pong and quiet settings per
  room) and ``!prefix NEW`` (admins).

Every reply is one short line, safe for every platform.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from typing import Literal

from bot.cog import Cog
from bot.commands import (
    Command,
    CommandContext,
    CommandError,
    Invocation,
    Outcome,
    Rest,
    Scope,
    command,
)
from bot.dispatcher import shorten
from bot.memory.moderation import TimerRow, custom_commands, timers
from bot.message import Outgoing, Platform, Role, Room
from bot.personas import Persona
from bot.rules.wiring import SETTINGS, tunable_names

MOD = {"role": Role.MODERATOR, "scope": Scope.CHAT}
ADMIN = {"role": Role.ADMIN, "scope": Scope.CHAT}
MAX_REPLY = 400
MAX_ARGS = 200
MAX_TIMER_MINUTES = 7 * 24 * 60
CUSTOM_USER_COOLDOWN_S = 10.0
CUSTOM_ROOM_COOLDOWN_S = 5.0
COMMAND_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
TIMER_NAME = COMMAND_NAME
COMMAND_CHARS = "!/.$?~"  # what chat bots commonly use as prefixes (SafetyStep's set)
VARIABLE = re.compile(r"\{(user|count|args|random:([^{}]*))\}")
MASS_MENTION = re.compile(r"@(everyone|here|room|channel|all)\b|<@&\d+>", re.IGNORECASE)


def one_line(text: str, limit: int = MAX_REPLY) -> str:
    return shorten(" ".join(str(text).split()), limit)


def expand(
    template: str, *, user: str, count: int, args: str, rng: random.Random | None = None
) -> str:
    """Fill the variables in one pass: a value is never expanded again."""
    rng = rng or random

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "user":
            return user
        if key == "count":
            return str(count)
        if key == "args":
            return args
        options = [o.strip() for o in match.group(2).split("|") if o.strip()]
        return rng.choice(options) if options else ""

    return one_line(VARIABLE.sub(value, template))


ZWSP = "\u200b"


def defuse(text: str, prefix: str) -> str:
    """An expansion made safe on its own (the outbound gate does this again): no leading
    command prefix (the room's or a common one), so no bot runs it, and no mass mention.
    ``{args}`` and ``{user}`` are what a viewer typed, so they are never trusted."""
    text = MASS_MENTION.sub(
        lambda m: "@role" if m.group(1) is None else "@" + ZWSP + m.group(1), text
    )
    if text.startswith(prefix) or text[:1] in COMMAND_CHARS:
        text = ZWSP + text
    return text


def check_text(text: str, prefix: str) -> str:
    """The text of a custom command or timer, cleaned; CommandError (one line) if refused."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise CommandError("TEXT is missing.")
    if len(cleaned) > MAX_REPLY:
        raise CommandError(f"Too long: TEXT may have at most {MAX_REPLY} characters.")
    starts = [cleaned]
    leading = VARIABLE.match(cleaned)
    if leading and leading.group(2) is not None:
        starts += [o.strip() for o in leading.group(2).split("|")]
    for start in starts:
        if start.startswith(prefix) or start[:1] in COMMAND_CHARS:
            raise CommandError(
                "Refused: the text would start with a command prefix, and a custom command "
                "cannot run another command."
            )
    if MASS_MENTION.search(cleaned):
        raise CommandError("Refused: custom text cannot mention everyone, here or a role.")
    return cleaned


def command_name(raw: str, prefix: str) -> str:
    name = raw.strip().lower()
    for lead in (prefix, *COMMAND_CHARS):
        if name.startswith(lead):
            name = name[len(lead) :]
            break
    if not COMMAND_NAME.match(name):
        raise CommandError("NAME: 1 to 32 letters, digits, '-' or '_'.")
    return name


@dataclass(slots=True)
class TimerState:
    row: TimerRow
    mark: int  # the room's human line count at the last post (or when the timer started)


class Moderation(Cog, name="moderation"):
    """Moderators' chat commands: personas, quiet, custom commands, timers, room rules."""

    def __init__(self, bot) -> None:
        super().__init__(bot)
        self.commands_repo = custom_commands(bot.store)
        self.timers_repo = timers(bot.store)
        self.custom: dict[str, set[str]] = {}  # room key -> custom command names
        self.timers: dict[tuple[str, str], TimerState] = {}
        self.rng = random.Random()

    @property
    def rules(self):
        return self.bot.rules

    async def cog_load(self) -> None:
        self.custom = await self.commands_repo.names()
        self.bot.commands.add_fallback(self.run_custom, owner=self)
        for row in await self.timers_repo.all():
            self.schedule(row)

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def room_of(ctx: CommandContext) -> Room:
        if ctx.room is None:
            raise CommandError("This command works in a chat room.")
        return ctx.room

    def find_persona(self, name: str) -> Persona:
        wanted = name.strip().lstrip("@").lower()
        for persona in self.bot.personas:
            if wanted == persona.id or wanted in persona.names():
                return persona
        raise CommandError(f"No persona named {one_line(name, 40)!r} (try !persona list).")

    async def audit(self, ctx: CommandContext, action: str, detail: str) -> None:
        room = ctx.room.key if ctx.room else "-"
        try:
            await self.bot.store.audit.record(ctx.user.key, action, f"{room}: {detail}")
        except Exception as error:  # the audit trail never blocks a moderator
            self.log.warning("audit record failed: %s", error)

    # -- personas and quiet ----------------------------------------------------------------

    persona = Command("persona", None, help="show, mute or unmute the personas here", **MOD)

    @persona.sub("list")
    async def persona_list(self, ctx: CommandContext) -> str:
        """The personas in this room and whether they may speak."""
        room = self.room_of(ctx)
        present = self.bot.personas.present_in(room)
        if not present:
            return "No personas in this room."
        parts = []
        for persona in present:
            notes = []
            if persona.id in self.rules.muted.get(room.key, ()):
                notes.append("muted")
            if self.rules.pingpong.check(room.key, persona.id):
                notes.append("held by ping-pong")
            parts.append(f"{persona.name} ({persona.id}{': ' + ', '.join(notes) if notes else ''})")
        quiet = " Room is quiet." if room.key in self.rules.silenced else ""
        return one_line(f"Personas: {', '.join(parts)}.{quiet}")

    @persona.sub("mute")
    async def persona_mute(self, ctx: CommandContext, name: str) -> str:
        """Silence a persona in this room until unmuted."""
        room = self.room_of(ctx)
        persona = self.find_persona(name)
        if not await self.rules.mute(room.key, persona.id, True):
            return f"{persona.name} is already muted here."
        await self.audit(ctx, "persona.mute", persona.id)
        return f"{persona.name} is muted here."

    @persona.sub("unmute")
    async def persona_unmute(self, ctx: CommandContext, name: str) -> str:
        """Let a muted persona speak again in this room."""
        room = self.room_of(ctx)
        persona = self.find_persona(name)
        if not await self.rules.mute(room.key, persona.id, False):
            return f"{persona.name} is not muted here."
        await self.audit(ctx, "persona.unmute", persona.id)
        return f"{persona.name} may speak here again."

    @command("quiet", **MOD)
    async def quiet(self, ctx: CommandContext, state: Literal["on", "off"]) -> str:
        """Room-wide persona silence (timers too); commands still answer."""
        room = self.room_of(ctx)
        on = state == "on"
        await self.rules.set(room.key, "quiet", on)
        await self.audit(ctx, "quiet", state)
        return (
            "Quiet on: personas stay silent here."
            if on
            else "Quiet off: personas may speak here again."
        )

    # -- custom commands -------------------------------------------------------------------

    def taken(self, name: str) -> bool:
        return self.bot.commands.chat_visible(name)

    @command("addcom", **MOD)
    async def addcom(self, ctx: CommandContext, name: str, text: Rest) -> str:
        """Add a text command: {user}, {count}, {args}, {random:a|b} are filled in."""
        room = self.room_of(ctx)
        name = command_name(name, ctx.prefix)
        if self.taken(name):
            raise CommandError(f"Refused: {ctx.prefix}{name} is a built-in command.")
        text = check_text(text, ctx.prefix)
        if not await self.commands_repo.add(room.key, name, text, ctx.user.key):
            raise CommandError(
                f"There is a {ctx.prefix}{name} here already; use {ctx.prefix}editcom."
            )
        self.custom.setdefault(room.key, set()).add(name)
        await self.audit(ctx, "addcom", f"{name}: {text}")
        return f"Added {ctx.prefix}{name}."

    @command("editcom", **MOD)
    async def editcom(self, ctx: CommandContext, name: str, text: Rest) -> str:
        """Change a text command's text (its count is kept)."""
        room = self.room_of(ctx)
        name = command_name(name, ctx.prefix)
        text = check_text(text, ctx.prefix)
        if not await self.commands_repo.edit(room.key, name, text):
            raise CommandError(f"No {ctx.prefix}{name} here; use {ctx.prefix}addcom.")
        await self.audit(ctx, "editcom", f"{name}: {text}")
        return f"Changed {ctx.prefix}{name}."

    @command("delcom", **MOD)
    async def delcom(self, ctx: CommandContext, name: str) -> str:
        """Delete a text command."""
        room = self.room_of(ctx)
        name = command_name(name, ctx.prefix)
        if not await self.commands_repo.delete(room.key, name):
            raise CommandError(f"No {ctx.prefix}{name} here.")
        self.custom.get(room.key, set()).discard(name)
        await self.audit(ctx, "delcom", name)
        return f"Deleted {ctx.prefix}{name}."

    async def run_custom(self, call: Invocation) -> Outcome | None:
        """The command-registry fallback: a room's custom command, if it has one by that name."""
        room = call.room
        if room is None or call.name not in self.custom.get(room.key, ()):
            return None
        name = call.name
        left = self.bot.commands.cooldown(
            f"custom:{name}",
            call.user,
            call.role,
            call.source,
            room,
            CUSTOM_USER_COOLDOWN_S,
            CUSTOM_ROOM_COOLDOWN_S,
        )
        if left:
            return Outcome("cooldown", name, f"cooldown {left:.1f} s left")
        used = await self.commands_repo.use(room.key, name)
        if used is None:
            return None
        args = one_line(call.args_text, MAX_ARGS)
        text = expand(used.text, user=call.user.label, count=used.uses, args=args, rng=self.rng)
        await call.reply(defuse(text, call.prefix))
        return Outcome("ok", name, "custom command")

    # -- timers ----------------------------------------------------------------------------

    timer = Command("timer", None, help="post a text every N minutes if chat was active", **MOD)

    @timer.sub("add")
    async def timer_add(
        self, ctx: CommandContext, name: str, minutes: float, min_lines: int, text: Rest
    ) -> str:
        """Post TEXT every MINUTES if MIN_LINES chat lines passed since the last post."""
        room = self.room_of(ctx)
        if not minutes > 0:
            raise CommandError("MINUTES must be more than 0: a timer posts every MINUTES minutes.")
        if minutes > MAX_TIMER_MINUTES:
            raise CommandError(f"MINUTES may be at most {MAX_TIMER_MINUTES} (a week).")
        if min_lines < 0:
            raise CommandError("MIN_LINES must be 0 or more.")
        name = name.lower()
        if not TIMER_NAME.match(name):
            raise CommandError("NAME: 1 to 32 letters, digits, '-' or '_'.")
        text = check_text(text, ctx.prefix)
        row = TimerRow(room.key, name, minutes * 60.0, min_lines, text, ctx.user.key)
        if not await self.timers_repo.add(row):
            raise CommandError(f"Timer {name} exists here; delete it first.")
        self.schedule(row)
        await self.audit(ctx, "timer.add", f"{name} every {minutes:g} min, {min_lines} lines")
        return f"Timer {name}: every {minutes:g} min if {min_lines}+ chat lines passed."

    @timer.sub("del", aliases=("delete", "remove"))
    async def timer_del(self, ctx: CommandContext, name: str) -> str:
        """Delete a timer."""
        room = self.room_of(ctx)
        name = name.lower()
        if not await self.timers_repo.delete(room.key, name):
            raise CommandError(f"No timer {one_line(name, 40)} here.")
        self.unschedule(room.key, name)
        await self.audit(ctx, "timer.del", name)
        return f"Timer {name} deleted."

    @timer.sub("list")
    async def timer_list(self, ctx: CommandContext) -> str:
        """The timers of this room."""
        room = self.room_of(ctx)
        rows = await self.timers_repo.list(room.key)
        if not rows:
            return "No timers here."
        parts = [f"{r.name} (every {r.every_s / 60:g} min, {r.min_lines} lines)" for r in rows]
        return one_line("Timers: " + ", ".join(parts))

    def job_key(self, room_key: str, name: str) -> str:
        # Under the cog's own prefix, so unloading the cog stops its timers.
        return f"cog:{self.name}:timer:{room_key}:{name}"

    def schedule(self, row: TimerRow) -> None:
        mark = self.rules.lines.get(row.room_key, 0)
        self.timers[(row.room_key, row.name)] = TimerState(row, mark)
        self.bot.scheduler.add(
            self.job_key(row.room_key, row.name),
            row.every_s,
            functools.partial(self.fire, row.room_key, row.name),
        )

    def unschedule(self, room_key: str, name: str) -> None:
        self.timers.pop((room_key, name), None)
        self.bot.scheduler.remove(self.job_key(room_key, name))

    def find_room(self, room_key: str) -> Room | None:
        platform_name, _, room_id = room_key.partition(":")
        try:
            platform = Platform(platform_name)
        except ValueError:
            return None
        adapter = self.bot.dispatcher.adapters.get(platform)
        if adapter is None:
            return None
        for room in adapter.rooms():
            if room.id == room_id:
                return room
        return Room(platform, room_id)

    async def fire(self, room_key: str, name: str) -> bool:
        """One tick of a timer: post if enough chat passed and the rules let ambient speech
        through; otherwise wait for the next tick. True when it posted."""
        state = self.timers.get((room_key, name))
        if state is None:
            return False
        lines = self.rules.lines.get(room_key, 0)
        if lines - state.mark < state.row.min_lines:
            return False
        room = self.find_room(room_key)
        if room is None:
            self.log.info("timer %s: %s is not connected", name, room_key)
            return False
        dispatcher = self.bot.dispatcher
        sent = await dispatcher.send(
            Outgoing(room, state.row.text, persona=None, ambient=True, meta={"timer": name})
        )
        if sent is None:
            # Held by the rate limit, the post goes out later: it is this tick's post, so the
            # line count starts again now (else the next tick would post with no chat between).
            last = dispatcher.loose_decisions[-1] if dispatcher.loose_decisions else None
            if last is None or (last.step, last.outcome) != ("ratelimit", "queued"):
                return False
        state.mark = lines
        await self.timers_repo.posted(room_key, name, self.bot.clock.now())
        return True

    # -- room rules and prefix -------------------------------------------------------------

    @command("rules", **MOD)
    async def rules_show(self, ctx: CommandContext) -> str:
        """This room's ping-pong and quiet settings."""
        room = self.room_of(ctx)
        values = [f"{key}={self.show(self.rules.value(room.key, key))}" for key in tunable_names()]
        return one_line(f"Rules here: {', '.join(values)}; prefix {ctx.prefix}")

    @staticmethod
    def show(value: object) -> str:
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    @rules_show.sub("set", **ADMIN)
    async def rules_set(self, ctx: CommandContext, key: str, value: str) -> str:
        """Change one of this room's rule settings."""
        room = self.room_of(ctx)
        key = key.lower()
        if key not in SETTINGS or not SETTINGS[key].tunable:
            raise CommandError(
                f"No setting {one_line(key, 40)!r}; try: {', '.join(tunable_names())}."
            )
        try:
            stored = await self.rules.set(room.key, key, value)
        except ValueError as error:
            raise CommandError(f"{key}: {error}.") from None
        await self.audit(ctx, "rules.set", f"{key}={stored}")
        return f"{key} is now {self.show(stored)} here."

    @rules_show.sub("reset", **ADMIN)
    async def rules_reset(self, ctx: CommandContext, key: str) -> str:
        """Put one of this room's rule settings back to the default."""
        room = self.room_of(ctx)
        key = key.lower()
        if key not in SETTINGS or not SETTINGS[key].tunable:
            raise CommandError(
                f"No setting {one_line(key, 40)!r}; try: {', '.join(tunable_names())}."
            )
        await self.rules.reset(room.key, key)
        await self.audit(ctx, "rules.reset", key)
        return f"{key} is back to {self.show(self.rules.value(room.key, key))} here."

    @command("prefix", **ADMIN)
    async def prefix(self, ctx: CommandContext, new: str) -> str:
        """Change this room's command prefix."""
        room = self.room_of(ctx)
        try:
            stored = await self.rules.set(room.key, "prefix", new)
        except ValueError as error:
            raise CommandError(f"Prefix refused: {error}.") from None
        await self.audit(ctx, "prefix", stored)
        return f"Commands here now start with {stored} (e.g. {stored}help)."


def setup(bot) -> Moderation:
    return Moderation(bot)
