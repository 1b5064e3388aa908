"""Rooms: list, join, leave, create, invite, talk, and backfill history into the store."""

from __future__ import annotations

import asyncio
from typing import Literal

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from bot.adapters.base import AdapterError
from bot.commands import CommandContext, CommandError, Rest, command
from bot.message import Message, Outgoing, Platform, Room
from cogs.admin.base import CONSOLE, AdminBase
from console.options import complete, interruptible


class RoomCommands(AdminBase):
    @command("rooms", **CONSOLE)
    async def rooms(self, ctx: CommandContext, platform: str | None = None) -> None:
        """List the rooms Sanctum is in, optionally on one platform."""
        wanted = self.adapter(platform).platform if platform else None
        table = Table("platform", "room", "name", "kind", "members", "personas", title="rooms")
        for adapter in self.bot.adapters.values():
            if wanted is not None and adapter.platform is not wanted:
                continue
            for room in adapter.rooms():
                kind = "direct" if room.is_private else "group"
                present = ", ".join(p.id for p in self.bot.personas.present_in(room))
                table.add_row(
                    room.platform.value, room.id, room.name, kind, str(room.member_count), present
                )
        await ctx.reply(table)

    @command("join", **CONSOLE)
    async def join(self, ctx: CommandContext, platform: str, room: str) -> str:
        """Join ROOM (an id, alias or invite) on PLATFORM."""
        adapter = self.adapter(platform)
        joined = await self.platform_call("join", adapter.join(room))
        await self.audit(ctx, "room.join", joined.key)
        return f"joined {joined.key}" + (f" ({joined.name})" if joined.name != joined.id else "")

    @command("leave", **CONSOLE)
    async def leave(self, ctx: CommandContext, platform: str, room: str) -> str:
        """Leave ROOM on PLATFORM."""
        adapter = self.adapter(platform)
        known = {r.name: r.id for r in adapter.rooms()}
        room_id = room if any(r.id == room for r in adapter.rooms()) else known.get(room, room)
        await self.platform_call("leave", adapter.leave(room_id))
        await self.audit(ctx, "room.leave", f"{adapter.platform.value}:{room_id}")
        return f"left {adapter.platform.value}:{room_id}"

    @complete(name=None)
    @command("create_channel", **CONSOLE)
    async def create_channel(self, ctx: CommandContext, platform: str, name: Rest) -> str:
        """Create a room called NAME on PLATFORM (the bot joins it)."""
        adapter = self.adapter(platform)
        room = await self.platform_call("create_channel", adapter.create_room(name))
        await self.audit(ctx, "room.create", f"{room.key} {name!r}")
        return f"created {room.key}" + (f" ({room.name})" if room.name != room.id else "")

    @command("add_participant", aliases=("invite",), **CONSOLE)
    async def add_participant(self, ctx: CommandContext, room: str, user: str) -> str:
        """Invite USER (a platform user id, or a persona's account there) into ROOM."""
        target = await self._find(room)
        adapter = self.adapter(target.platform)
        user_id = user
        persona = self.bot.personas.get(user)
        if persona is not None and target.platform is not Platform.LOCAL:
            user_id = persona.account(target.platform)
            if not user_id:
                raise CommandError(
                    f"{persona.id} has no {target.platform.value} account "
                    f"(spawn it there first: spawn {persona.name} --platform "
                    f"{target.platform.value})"
                )
        await self.platform_call("invite", adapter.invite(target.id, user_id))
        await self.audit(ctx, "room.invite", f"{target.key} {user_id}")
        return f"invited {user_id} to {target.key}"

    # -- talking ---------------------------------------------------------------------------

    @command("say", **CONSOLE)
    async def say(self, ctx: CommandContext, room: str, text: Rest) -> None:
        """Say TEXT in ROOM as the owner (a local room) or through the bot's account."""
        target = self.find_room(room)
        await self.audit(ctx, "say", f"{target.key}: {text[:200]}")
        if target.platform is Platform.LOCAL:
            await self.bot.local.post(target.id, text, author=self.bot.local.owner)
            return
        await self.send(ctx, Outgoing(target, text, persona=None))
        await ctx.reply(f"sent to {target.key}")

    @command("as", **CONSOLE)
    async def as_persona(
        self, ctx: CommandContext, persona: str, verb: Literal["say"], room: str, text: Rest
    ) -> None:
        """Make PERSONA say TEXT in ROOM, through the same outbound gate as its replies."""
        speaker = self.bot.personas.get(persona.lower())
        if speaker is None:
            raise CommandError(f"no persona {persona!r} (see: personas)")
        target = self.find_room(room)
        await self.audit(ctx, "as.say", f"{speaker.id} in {target.key}: {text[:200]}")
        sent = await self.send(ctx, Outgoing(target, text, persona=speaker.id))
        if sent is not None and target.platform is not Platform.LOCAL:
            await ctx.reply(f"{speaker.name} said it in {target.key}")

    async def send(self, ctx: CommandContext, out: Outgoing) -> Message | None:
        """Through the outbound gate; a refusal is the command's error, a queued send is not."""
        decisions = self.bot.dispatcher.loose_decisions
        last = decisions[-1] if decisions else None
        sent = await self.bot.dispatcher.send(out)
        if sent is not None:
            return sent
        decision = decisions[-1] if decisions and decisions[-1] is not last else None
        if decision is not None and decision.outcome == "queued":
            await ctx.reply(f"queued by the rate limit for {out.room.key}")
            return None
        why = f"{decision.step}: {decision.reason}" if decision else "see the log"
        raise CommandError(f"not sent to {out.room.key} ({why})")

    # -- history ---------------------------------------------------------------------------

    @interruptible  # Ctrl-C stops a long backfill; what was fetched stays stored
    @command("fetch_all", **CONSOLE)
    async def fetch_all(self, ctx: CommandContext, room: str) -> str:
        """Backfill ROOM's whole history into the store (what is there already is skipped)."""
        return await self._fetch(ctx, room, only_new=False)

    @interruptible
    @command("fetch_new", **CONSOLE)
    async def fetch_new(self, ctx: CommandContext, room: str) -> str:
        """Backfill ROOM's history back to the newest message the store already holds."""
        return await self._fetch(ctx, room, only_new=True)

    async def _find(self, room: str) -> Room:
        """``find_room``, and a Matrix alias ("matrix:#hall:example.org") for the room it names."""
        platform, _, ref = room.partition(":")
        if platform.lower() == Platform.MATRIX.value and ref.startswith("#"):
            adapter = self.adapter(Platform.MATRIX)
            resolve = getattr(adapter, "resolve_room", None)
            if resolve is not None:
                room_id = await self.platform_call("resolve", resolve(ref))
                room = f"{Platform.MATRIX.value}:{room_id}"
        return self.find_room(room)

    async def _fetch(self, ctx: CommandContext, room: str, *, only_new: bool) -> str:
        target = await self._find(room)
        adapter = self.adapter(target.platform)
        log = self.bot.store.messages
        seen = added = pages = 0
        reached_stored = False
        progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} messages, {task.fields[pages]} pages"),
            console=self.terminal(),
            auto_refresh=False,  # drawn once per page, from this task: no refresh thread
            redirect_stdout=False,  # patch_stdout already owns sys.stdout
            redirect_stderr=False,
        )
        history = adapter.history(target.id)
        try:
            with progress:
                task = progress.add_task(f"fetching {target.key}", total=None, pages=0)
                async for page in history:
                    batch: list[Message] = []
                    for message in page.messages:  # newest first
                        if only_new and await log.contains(
                            message.room.platform, message.room.id, message.id
                        ):
                            reached_stored = True
                            break
                        batch.append(message)
                    if batch:
                        added += await log.record_now(batch)
                    seen += len(batch)
                    pages += 1
                    progress.update(task, completed=seen, pages=pages)
                    progress.refresh()
                    if reached_stored:
                        break
                progress.update(task, total=seen)  # done: a full bar, a tick for the spinner
                progress.refresh()
        except AdapterError as error:
            if not seen:
                raise CommandError(str(error)) from None
            raise CommandError(f"fetch stopped after {seen} messages: {error}") from None
        except asyncio.CancelledError:  # Ctrl-C: say how far it got, then stop
            await ctx.reply(f"{target.key}: stopped after {seen} messages, {added} new stored")
            raise
        finally:
            await history.aclose()
        kind = "fetch_new" if only_new else "fetch_all"
        await self.audit(ctx, f"history.{kind}", f"{target.key}: {seen} seen, {added} new")
        until = ", up to what was stored" if reached_stored else ""
        return f"{target.key}: {seen} messages fetched{until}, {added} new in the store"
