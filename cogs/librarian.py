"""Librarian: the personas' memory. Learns durable facts from conversation, off the reply path,
and gives people control over what is remembered about them.

Chat: ``!whatdoyouknow [PERSONA]`` (what that persona remembers about me, short) and
``!forget me [PERSONA]`` then ``!forget confirm`` within a minute (deletes it).
Console only: ``memory search|show|forget|export|reembed|status``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from rich.table import Table

from bot.cog import Cog, listener, task
from bot.commands import Command, CommandContext, CommandError, Rest, Scope, command
from bot.dispatcher import Turn
from bot.memory.embedder import Embedder, EmbeddingsUnavailable
from bot.memory.extract import Extractor
from bot.memory.memories import Memory, MemoryRepository, memories
from bot.memory.recall import mode_line, recall
from bot.message import MessageKind, Role
from bot.personas import SYSTEM_PERSONA, Persona

CONSOLE = {"scope": Scope.CONSOLE, "role": Role.OWNER}
_DISCORD_MENTION = re.compile(r"<[@#][!&]?\d+>")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class LibrarianSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    extract: bool = True  # learn facts from conversation
    batch_lines: int = Field(default=8, ge=1, le=100)  # human lines per extraction batch
    idle_s: float = Field(default=30.0, ge=1.0)  # a quiet room's batch goes after this long
    model: str | None = None  # model for extraction (default: the configured one)
    embed_batch: int = Field(default=32, ge=1, le=256)
    confirm_s: float = Field(default=60.0, ge=5.0)  # time to confirm !forget me
    shown: int = Field(default=5, ge=1, le=20)  # memories listed by !whatdoyouknow


def chat_safe(text: str, limit: int) -> str:
    """One line, no pings, at most ``limit`` characters."""
    flat = " ".join(_DISCORD_MENTION.sub("someone", text).split())
    flat = flat.replace("@", "@\u200b")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class Librarian(Cog, name="librarian"):
    """Persona memory: learns from conversation; !whatdoyouknow and !forget me."""

    settings_model = LibrarianSettings

    def __init__(self, bot) -> None:
        super().__init__(bot)
        self.repo: MemoryRepository = memories(bot.store)
        self.embedder = Embedder(bot.store, bot.llm, batch_size=self.settings.embed_batch)
        self.extractor = Extractor(
            bot.store,
            bot.llm,
            clock=bot.clock,
            enabled_for=self._memory_enabled,
            is_persona_name=self._is_persona_name,
            batch_lines=self.settings.batch_lines,
            idle_s=self.settings.idle_s,
            model=self.settings.model,
        )
        self._confirm: dict[str, tuple[str | None, float]] = {}
        self._reembed: asyncio.Task | None = None

    async def cog_load(self) -> None:
        self.repo.embedder = self.embedder
        self.embedder.start()
        if self.settings.extract:
            self.extractor.start()

    async def cog_unload(self) -> None:
        await self.extractor.stop()
        if self.settings.extract and self.extractor.pending:
            try:
                async with asyncio.timeout(10):
                    await self.extractor.flush()
            except Exception as error:  # shutting down: log what is lost, never hang
                self.log.warning("conversation not yet processed was dropped: %s", error)
        if self._reembed is not None:
            self._reembed.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reembed
        await self.embedder.stop()
        with contextlib.suppress(Exception):
            await self.repo.flush_witness()
        if self.repo.embedder is self.embedder:
            self.repo.embedder = None

    def _is_persona_name(self, name: str) -> bool:
        return any(name in persona.names() for persona in self.bot.personas)

    def _memory_enabled(self, persona_id: str) -> bool:
        persona = self.bot.personas.get(persona_id)
        return persona is None or persona.memory.enabled

    # -- listening (never waits on the disk or the model) -------------------------------------

    def witnesses(self, turn: Turn) -> list[str]:
        """The personas that saw this message: present in the room, addressed, or its author."""
        room = turn.message.room
        personas = self.bot.personas
        present = {p.id for p in personas.present_in(room)}
        if room.is_private and not room.personas:
            default = personas.default
            present = {default.id} if default is not None and default.enabled else set()
        present.update(p for p in turn.addressed if p in personas)
        if turn.echo_of is not None and turn.echo_of in personas:
            present.add(turn.echo_of)
        return sorted(present)

    @listener("message")
    async def on_message(self, turn: Turn) -> None:
        message = turn.message
        witnesses = self.witnesses(turn)
        if not witnesses:
            return
        self.repo.note_witness(witnesses, message.room.key, message.ts)
        if not self.settings.extract or self.bot.llm.offline or not message.text.strip():
            return
        if turn.echo_of == SYSTEM_PERSONA:
            return  # the bot's own voice (command replies) is not conversation
        is_bot = (
            turn.is_echo
            or message.author.is_bot
            or message.author.persona is not None
            or message.kind is MessageKind.NOTICE
        )
        self.extractor.feed(message, is_bot=is_bot, witnesses=witnesses)

    @task(every=15.0)
    async def save_witnesses(self) -> None:
        await self.repo.flush_witness()

    # -- helpers ---------------------------------------------------------------------------

    def find_persona(self, name: str) -> Persona:
        wanted = name.strip().lstrip("@").lower()
        for persona in self.bot.personas:
            if wanted == persona.id or wanted in persona.names():
                return persona
        raise CommandError(f"No persona named {chat_safe(name, 40)!r}.")

    def persona_here(self, ctx: CommandContext, name: str | None) -> Persona:
        if name:
            return self.find_persona(name)
        room = ctx.room
        if room is not None:
            if room.is_private and not room.personas:
                default = self.bot.personas.default
                if default is not None:
                    return default
            present = self.bot.personas.present_in(room)
            if present:
                default = self.bot.personas.default
                return default if default in present else present[0]
        default = self.bot.personas.default
        if default is None:
            raise CommandError("No persona here.")
        return default

    async def audit(self, actor: str, action: str, detail: str) -> None:
        try:
            await self.bot.store.audit.record(actor, action, detail)
        except Exception as error:  # the audit trail never blocks a memory control
            self.log.warning("audit record failed: %s", error)

    # -- people's controls (chat) -------------------------------------------------------------

    @command("whatdoyouknow", aliases=("wdyk",), scope=Scope.CHAT, user_cooldown=10.0)
    async def whatdoyouknow(self, ctx: CommandContext, persona: str | None = None) -> str:
        """What a persona remembers about you (in a group room: only what was said there)."""
        chosen = self.persona_here(ctx, persona)
        room = ctx.room
        items = await self.repo.list(
            chosen.id, subject_key=ctx.user.key, order="important", limit=None
        )
        if room is not None and not room.is_private:
            # A group room never hears what was said elsewhere (a direct message, say).
            items = [m for m in items if m.room_key in (None, room.key)]
        if not items:
            return chat_safe(f"{chosen.name} doesn't remember anything about you here.", 300)
        shown = items[: self.settings.shown]
        parts = "; ".join(chat_safe(m.text.rstrip("."), 90) for m in shown)
        more = f" (+{len(items) - len(shown)} more)" if len(items) > len(shown) else ""
        hint = f" {ctx.prefix}forget me {chosen.id} erases it."
        return chat_safe(f"{chosen.name} remembers: {parts}{more}.{hint}", 450)

    forget = Command(
        "forget", None, help="forget what the personas remember about you", scope=Scope.CHAT
    )

    @forget.sub("me", user_cooldown=5.0)
    async def forget_me(self, ctx: CommandContext, persona: str | None = None) -> str:
        """Ask a persona (or, with no name, every persona) to forget you; then confirm."""
        chosen = self.find_persona(persona) if persona else None
        count = await self.repo.forgettable(ctx.user.key, chosen.id if chosen else None)
        who = chosen.name if chosen else "every persona"
        if count == 0:
            self._confirm.pop(ctx.user.key, None)
            if chosen is None:
                return "No persona remembers anything about you; nothing to forget."
            return f"{chosen.name} remembers nothing about you; nothing to forget."
        self._confirm[ctx.user.key] = (
            chosen.id if chosen else None,
            self.bot.clock.now() + self.settings.confirm_s,
        )
        noun = "memory" if count == 1 else "memories"
        return (
            f"This deletes {count} {noun} {who} keeps about you, for good. Type "
            f"{ctx.prefix}forget confirm within {self.settings.confirm_s:.0f} s to go ahead."
        )

    @forget.sub("confirm")
    async def forget_confirm(self, ctx: CommandContext) -> str:
        """Confirm a pending !forget me."""
        pending = self._confirm.pop(ctx.user.key, None)
        if pending is None or pending[1] < self.bot.clock.now():
            return (
                f"Nothing to confirm: send {ctx.prefix}forget me first (it expires after "
                f"{self.settings.confirm_s:.0f} s)."
            )
        persona_id, _ = pending
        removed = await self.repo.forget(ctx.user.key, persona_id)
        await self.audit(
            ctx.user.key,
            "memory.forget",
            f"{removed} memories about {ctx.user.key} ({persona_id or 'all'})",
        )
        persona = self.bot.personas.get(persona_id) if persona_id else None
        who = persona.name if persona else "every persona"
        return f"Done: {who} forgot {removed} {'memory' if removed == 1 else 'memories'} about you."

    # -- console ---------------------------------------------------------------------------

    memory = Command(
        "memory", None, help="search, show, forget and export persona memory", **CONSOLE
    )

    async def persona_id(self, name: str) -> str:
        """A persona of the registry, or one that only has memories left (despawned)."""
        wanted = name.strip().lstrip("@").lower()
        for persona in self.bot.personas:
            if wanted == persona.id or wanted in persona.names():
                return persona.id
        if wanted in await self.repo.personas():
            return wanted
        raise CommandError(f"no persona {name!r} (and no memories under that id)")

    async def subject(self, persona: str, who: str) -> tuple[str, str]:
        found = await self.repo.subjects(persona, who)
        if not found:
            raise CommandError(
                f"{persona} has no memories about {who!r} (give a user key "
                "like discord:1234 or a name)"
            )
        if len(found) > 1:
            keys = ", ".join(key for key, _ in found[:8])
            raise CommandError(f"{who!r} is ambiguous: {keys}")
        return found[0]

    def table(self, title: str, items: list[Memory], scores: list[str] | None = None) -> Table:
        columns = ["id", "kind", "about", "memory", "imp.", "room", "updated"]
        if scores is not None:
            columns.insert(0, "score")
        table = Table(*columns, title=title)
        for n, item in enumerate(items):
            about = item.subject_name or item.subject_key or "-"
            text = item.text
            if not item.active:
                text += f" (superseded by #{item.superseded_by})"
            row = [
                str(item.id),
                item.kind,
                about,
                text,
                f"{item.importance:.1f}",
                item.room_key or "-",
                time.strftime("%Y-%m-%d %H:%M", time.localtime(item.updated)),
            ]
            if scores is not None:
                row.insert(0, scores[n])
            table.add_row(*row)
        return table

    @memory.sub("search")
    async def memory_search(self, ctx: CommandContext, persona: str, query: Rest) -> None:
        """Hybrid recall of QUERY in PERSONA's memory (every room, no witness filter)."""
        persona_id = await self.persona_id(persona)
        result = await recall(self.bot.store, persona_id, query, limit=20, witness=False)
        if not result.hits:
            await ctx.reply(f"nothing found ({result.mode_line})")
            return
        scores = [
            f"{h.score * 1000:.1f}"
            + (f" v{h.vec_rank}" if h.vec_rank else "")
            + (f" t{h.fts_rank}" if h.fts_rank else "")
            for h in result.hits
        ]
        await ctx.reply(
            self.table(f"{persona_id}: {query} — {result.mode_line}", result.memories, scores)
        )

    @memory.sub("show")
    async def memory_show(self, ctx: CommandContext, persona: str, user: str | None = None) -> None:
        """PERSONA's memories (about USER: a user key or a name), newest first."""
        persona_id = await self.persona_id(persona)
        subject_key = None
        title = persona_id
        if user:
            subject_key, name = await self.subject(persona_id, user)
            title = f"{persona_id} about {name or subject_key} ({subject_key})"
        items = await self.repo.list(persona_id, subject_key=subject_key, limit=50)
        total = await self.repo.count(persona_id, subject_key=subject_key)
        old = (
            await self.repo.count(persona_id, subject_key=subject_key, include_superseded=True)
            - total
        )
        if not items:
            await ctx.reply(f"{title}: no memories")
            return
        await ctx.reply(self.table(f"{title}: {total} memories, {old} superseded", items))

    @memory.sub("forget")
    async def memory_forget(self, ctx: CommandContext, persona: str, user: str) -> str:
        """Delete everything PERSONA remembers about USER."""
        persona_id = await self.persona_id(persona)
        subject_key, name = await self.subject(persona_id, user)
        removed = await self.repo.forget(subject_key, persona_id)
        await self.audit(
            ctx.user.key, "memory.forget", f"{removed} memories of {persona_id} about {subject_key}"
        )
        return f"{persona_id} forgot {removed} memories about {name or subject_key}."

    @memory.sub("export")
    async def memory_export(
        self, ctx: CommandContext, persona: str, file: str | None = None
    ) -> str:
        """Write PERSONA's memories as JSON into data/exports/ (FILE: a file name)."""
        persona_id = await self.persona_id(persona)
        folder = self.bot.settings.data_dir / "exports"
        if file is None:
            file = f"memories-{persona_id}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        if not _FILE_NAME.match(file) or ".." in file:
            raise CommandError("FILE must be a plain file name (it goes in data/exports/)")
        if not file.endswith(".json"):
            file += ".json"
        target = folder / file
        if target.exists():
            raise CommandError(f"{target} already exists")
        data = await self.repo.export(persona_id)
        text = json.dumps(data, ensure_ascii=False, indent=2)
        await asyncio.to_thread(_write, target, text)
        await self.audit(ctx.user.key, "memory.export", f"{persona_id} -> {target}")
        return f"exported {data['count']} memories of {persona_id} to {target}"

    @memory.sub("reembed")
    async def memory_reembed(self, ctx: CommandContext, scope: str | None = None) -> str:
        """Embed memories lacking a current vector, in the background (`all`: every one)."""
        if scope not in (None, "all"):
            raise CommandError("usage: memory reembed [all]")
        if not self.embedder.available:
            raise CommandError(
                "no embeddings endpoint configured (llm.embeddings_model): recall is FTS5 only"
            )
        if self._reembed is not None and not self._reembed.done():
            done, total = self.embedder.backfill_progress or (0, 0)
            return f"already re-embedding: {done} of {total} done"

        async def run() -> None:
            try:
                report = await self.embedder.backfill(restart=scope == "all")
            except EmbeddingsUnavailable as error:
                self.log.warning("reembed: %s", error)
                return
            self.log.info(
                "reembed: %d embedded, %d remaining%s",
                report.done,
                report.remaining,
                f" ({report.error})" if report.error else "",
            )

        self._reembed = asyncio.get_running_loop().create_task(run(), name="reembed")
        return "re-embedding in the background; `memory status` shows progress"

    @memory.sub("status")
    async def memory_status(self, ctx: CommandContext) -> None:
        """Memories per persona, vectors, recall mode and the Librarian's queues."""
        table = Table("", "", title="memory", show_header=False)
        for key, value in await self.status_rows():
            table.add_row(key, value)
        for persona, count in (await self.repo.personas()).items():
            table.add_row(f"persona {persona}", f"{count} memories")
        await ctx.reply(table)

    async def status_rows(self) -> list[tuple[str, str]]:
        """Rows for the console's `status`."""
        rows = [("recall", mode_line(self.embedder))]
        total = await self.repo.count()
        vectors = await self.repo.vectors.count()
        detail = f"{total} live, {vectors} with vectors"
        if self.embedder.backfill_progress is not None:
            done, todo = self.embedder.backfill_progress
            detail += f", re-embedding {done}/{todo}"
        rows.append(("memories", detail))
        extractor = self.extractor
        rows.append(
            (
                "librarian",
                f"{'learning' if self.settings.extract else 'not learning'}"
                f"; {extractor.pending} lines waiting, {extractor.stored} facts stored, "
                f"{extractor.skipped_batches} batches skipped",
            )
        )
        return rows


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


def setup(bot) -> Librarian:
    return Librarian(bot)


__all__ = ["Librarian", "LibrarianSettings"]
