"""Personas: list, show, edit in $EDITOR, import a card, spawn and despawn (PersonaService)."""

from __future__ import annotations

import time
from pathlib import Path

from rich.syntax import Syntax
from rich.table import Table

from bot.commands import Command, CommandContext, CommandError, Rest, UsageError, command
from bot.message import Platform
from bot.persona_store import PersonaError
from bot.personas import Persona
from cogs.admin.base import CONSOLE, AdminBase, parse_platform
from console.editor import EditorError, edit_text
from console.options import Flag, complete, flags, options_of


class PersonaCommands(AdminBase):
    def find_persona(self, name: str) -> Persona:
        """By id, name or alias (case-insensitive)."""
        wanted = name.strip().lower()
        persona = self.bot.personas.get(wanted)
        if persona is not None:
            return persona
        for candidate in self.bot.personas:
            if wanted in candidate.names():
                return candidate
        raise CommandError(f"no persona {name!r} (see: personas)")

    @command("personas", **CONSOLE)
    async def personas(self, ctx: CommandContext) -> None:
        """List the personas: where each comes from, its accounts and its model."""
        service = self.bot.persona_service
        table = Table(
            "id", "name", "aliases", "source", "accounts", "enabled", "model", title="personas"
        )
        for persona in self.bot.personas:
            accounts = ", ".join(f"{p.value} {uid}" for p, uid in persona.accounts.items())
            table.add_row(
                persona.id,
                persona.name,
                ", ".join(persona.aliases),
                service.source_of(persona.id) or "-",
                accounts or "-",
                "yes" if persona.enabled else "no",
                persona.model or "(default)",
            )
        await ctx.reply(table)
        for error in self.bot.persona_errors:
            await ctx.reply(f"not loaded: {error}")

    persona = Command("persona", None, help="show or edit a persona's TOML", **CONSOLE)

    @persona.sub("show")
    async def persona_show(self, ctx: CommandContext, name: str) -> None:
        """Print the persona's TOML."""
        found = self.find_persona(name)
        text = self.bot.persona_service.toml_text(found.id)
        await ctx.reply(Syntax(text, "toml", theme="ansi_dark", word_wrap=True))

    @persona.sub("edit")
    async def persona_edit(self, ctx: CommandContext, name: str) -> str:
        """Open the persona's TOML in $EDITOR; the change applies only if it validates."""
        found = self.find_persona(name)
        console = self.bot.console
        if console is None or not console.has_terminal():
            raise CommandError(
                f"persona edit needs a terminal for $EDITOR (stdin is not one): run it at the "
                f'console, or `sanctum run-command "persona edit {found.id}"` in a terminal'
            )
        service = self.bot.persona_service
        original = service.toml_text(found.id)
        try:
            edited = await edit_text(original, name=found.id, console=console)
        except EditorError as error:
            raise CommandError(f"persona edit {found.id}: {error}; nothing changed") from None
        if edited == original:
            return f"{found.id}: no changes"
        try:
            updated = await service.apply_toml(found.id, edited)
        except PersonaError as error:
            kept = self.keep_rejected(found.id, edited)
            raise CommandError(f"{error}; nothing changed (your edit is kept in {kept})") from None
        await self.audit(ctx, "persona.edit", found.id)
        return f"{updated.id} updated"

    @complete(file=None)
    @persona.sub("import")
    async def persona_import(self, ctx: CommandContext, file: Rest) -> str:
        """Import a Character Card V2/V3 (JSON or PNG) as a new persona, lore book included."""
        path = Path(file.strip())
        try:
            result = await self.bot.persona_service.import_card(path)
        except PersonaError as error:
            raise CommandError(f"persona import: {error}; nothing changed") from None
        persona = result.persona
        await self.audit(ctx, "persona.import", f"{persona.id} from {path}")
        for warning in result.warnings:
            await ctx.reply(f"warning: {warning}")
        lore = f", {len(persona.lore)} lore entries" if persona.lore else ""
        return f"imported {persona.id} ({persona.name}) from {path}{lore}"

    def keep_rejected(self, persona_id: str, text: str) -> str:
        """A refused edit is never lost: it waits in data/edits/ for another try."""
        folder = self.bot.settings.data_dir / "edits"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{persona_id}-{time.strftime('%Y%m%d-%H%M%S')}.toml"
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            return f"nowhere: {error.strerror or error}"
        return str(path)

    @complete(name=None)  # a new name: nothing to complete
    @flags(
        Flag("platform", "P", complete="platform", help="make its account there"),
        Flag("room", "R", complete="room", help="the room it lives in"),
        Flag("prompt", "TEXT", rest=True, help="its system prompt (the rest of the line)"),
    )
    @command("spawn", **CONSOLE)
    async def spawn(self, ctx: CommandContext, name: Rest) -> str:
        """Make a new persona called NAME (and its account on a platform)."""
        parsed = options_of(ctx.command).parse(name)  # type: ignore[union-attr]
        name = parsed.text()
        if not name:
            raise UsageError("NAME is missing")
        platform = parse_platform(parsed.get("platform")) if parsed.get("platform") else None
        adapter = None
        if platform is not None and platform is not Platform.LOCAL:
            adapter = self.adapter(platform)  # "matrix is not connected" before anything
        room = parsed.get("room")
        try:
            persona = await self.bot.persona_service.spawn(
                name,
                platform=platform if adapter is not None else None,
                rooms=[room] if room else [],
                prompt=parsed.get("prompt"),
                adapter=adapter,
            )
        except PersonaError as error:
            raise CommandError(str(error)) from None
        where = f" on {adapter.name} as {persona.account(adapter.platform)}" if adapter else ""
        await self.audit(ctx, "persona.spawn", f"{persona.id}{where}")
        return f"spawned {persona.id} ({persona.name}){where}"

    @command("despawn", **CONSOLE)
    async def despawn(self, ctx: CommandContext, name: str) -> str:
        """Remove a persona and its platform accounts (its file goes to personas/.removed/)."""
        found = self.find_persona(name)
        platforms = [p for p in found.accounts if p is not Platform.LOCAL]
        adapters = [self.adapter(p) for p in platforms]  # all connected, or nothing happens
        try:
            for adapter in adapters[:-1]:
                await self.platform_call("despawn", adapter.despawn_persona(found))
            await self.bot.persona_service.despawn(
                found.id, adapter=adapters[-1] if adapters else None
            )
        except PersonaError as error:
            raise CommandError(str(error)) from None
        await self.audit(ctx, "persona.despawn", found.id)
        return f"despawned {found.id}"
