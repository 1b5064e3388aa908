"""The persona registry's persistence: ``personas/*.toml`` plus the database, changed atomically.

Every persona the bot runs has a TOML file (what `persona edit` opens) and a database row
(``personas`` + ``persona_lore``, migration 0005) that records where it came from: ``file``
(hand-written; the file is the source of truth, the row mirrors it), ``spawned`` (made by
`spawn`) or ``card`` (imported from a Character Card). At start files load first, then the
database fills in what has no file; when both hold an id and differ, the file wins and that is
reported.

Create, edit, spawn and despawn are all-or-nothing: the file is written under a temporary name
and renamed into place inside the database transaction, so a failure at any step leaves the
file, the row and the in-memory registry as they were. A removed persona's file is moved to
``personas/.removed/`` rather than deleted, so nothing hand-written is ever lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from bot.memory import driver
from bot.personas import (
    LoreEntry,
    Persona,
    PersonaFileError,
    PersonaIdError,
    PersonaRegistry,
    check_persona_id,
    describe_error,
    load_persona_dir,
    parse_persona_toml,
    persona_data,
    persona_toml,
    slugify,
)

if TYPE_CHECKING:
    import aiosqlite

    from bot.adapters.base import Adapter
    from bot.cards import CardSource
    from bot.memory.store import Store

log = logging.getLogger(__name__)

Source = Literal["file", "spawned", "card"]
SOURCES: tuple[str, ...] = ("file", "spawned", "card")
REMOVED_DIR = ".removed"  # not matched by personas/*.toml, so removed personas stay removed

SPAWN_TEMPLATE = (
    "You are {name}, a regular in this community's chat. Talk like a person in the room: short, "
    "specific and friendly, in your own voice. You remember people and what they care about. "
    "You never pretend to be human, never speak for anyone else and never give moderation orders."
)


class PersonaError(ValueError):
    """A persona operation was refused or failed and nothing changed; the text is one line."""


@dataclass(frozen=True, slots=True)
class StoredPersona:
    persona: Persona
    source: str
    created: float
    updated: float


@dataclass(slots=True)
class LoadReport:
    loaded: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # the bot runs; the owner should know
    errors: list[str] = field(default_factory=list)  # personas that could not be loaded

    @property
    def problems(self) -> list[str]:
        return [*self.errors, *self.notices]


@dataclass(frozen=True, slots=True)
class CardImport:
    persona: Persona
    warnings: list[str]


# -- the database side ---------------------------------------------------------------------------

_LORE_COLUMNS = (
    "persona, idx, name, keys, secondary_keys, content, priority, insertion_order, enabled,"
    " constant, selective, case_sensitive, use_regex, position"
)


def _lore_row(persona_id: str, idx: int, entry: LoreEntry) -> tuple:
    return (
        persona_id,
        idx,
        entry.name,
        json.dumps(list(entry.keys), ensure_ascii=False),
        json.dumps(list(entry.secondary_keys), ensure_ascii=False),
        entry.content,
        entry.priority,
        entry.insertion_order,
        int(entry.enabled),
        int(entry.constant),
        int(entry.selective),
        int(entry.case_sensitive),
        int(entry.use_regex),
        entry.position,
    )


def _lore_data(row: Any) -> dict[str, Any]:
    return {
        "name": row["name"],
        "keys": json.loads(row["keys"]),
        "secondary_keys": json.loads(row["secondary_keys"]),
        "content": row["content"],
        "priority": row["priority"],
        "insertion_order": row["insertion_order"],
        "enabled": bool(row["enabled"]),
        "constant": bool(row["constant"]),
        "selective": bool(row["selective"]),
        "case_sensitive": bool(row["case_sensitive"]),
        "use_regex": bool(row["use_regex"]),
        "position": row["position"],
    }


class PersonaRepository:
    """Rows of ``personas`` and ``persona_lore``. Writes take the caller's transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def all(self) -> tuple[dict[str, StoredPersona], list[str]]:
        """Every stored persona that validates, and one line for each that does not."""
        rows = await self.store.fetchall(
            "SELECT id, data, source, created, updated FROM personas ORDER BY id"
        )
        lore: dict[str, list[dict[str, Any]]] = {}
        for row in await self.store.fetchall(
            f"SELECT {_LORE_COLUMNS} FROM persona_lore ORDER BY persona, idx"
        ):
            lore.setdefault(row["persona"], []).append(_lore_data(row))
        found: dict[str, StoredPersona] = {}
        errors: list[str] = []
        for row in rows:
            try:
                found[row["id"]] = self._build(row, lore.get(row["id"], []))
            except (ValueError, ValidationError) as error:
                detail = describe_error(error) if isinstance(error, ValidationError) else error
                errors.append(f"database persona {row['id']!r}: {detail}")
        return found, errors

    async def get(self, persona_id: str) -> StoredPersona | None:
        row = await self.store.fetchone(
            "SELECT id, data, source, created, updated FROM personas WHERE id = ?", (persona_id,)
        )
        if row is None:
            return None
        lore = await self.store.fetchall(
            f"SELECT {_LORE_COLUMNS} FROM persona_lore WHERE persona = ? ORDER BY idx",
            (persona_id,),
        )
        return self._build(row, [_lore_data(r) for r in lore])

    @staticmethod
    def _build(row: Any, lore: list[dict[str, Any]]) -> StoredPersona:
        data = json.loads(row["data"])
        if not isinstance(data, dict):
            raise ValueError("stored data is not an object")
        persona = Persona.model_validate({**data, "id": row["id"], "lore": lore})
        return StoredPersona(persona, row["source"], row["created"], row["updated"])

    @staticmethod
    async def put(db: aiosqlite.Connection, persona: Persona, source: str, now: float) -> None:
        data = json.dumps(persona_data(persona, lore=False), ensure_ascii=False, sort_keys=True)
        await db.execute(
            "INSERT INTO personas (id, data, source, created, updated) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET data = excluded.data, source = excluded.source,"
            " updated = excluded.updated",
            (persona.id, data, source, now, now),
        )
        await db.execute("DELETE FROM persona_lore WHERE persona = ?", (persona.id,))
        if persona.lore:
            marks = ", ".join("?" * 14)
            await db.executemany(
                f"INSERT INTO persona_lore ({_LORE_COLUMNS}) VALUES ({marks})",
                [_lore_row(persona.id, i, entry) for i, entry in enumerate(persona.lore)],
            )

    @staticmethod
    async def delete(db: aiosqlite.Connection, persona_id: str) -> bool:
        cursor = await db.execute("DELETE FROM personas WHERE id = ?", (persona_id,))
        return cursor.rowcount > 0


# -- files ---------------------------------------------------------------------------------------


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_temp(path: Path, text: str) -> Path:
    """``text`` in a hidden temporary file next to ``path``, flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600; a persona file is ordinary data: keep the file's own
        # mode, or what the umask gives a new file.
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _restore(path: Path, previous: bytes | None) -> None:
    """Put ``path`` back as it was before a failed change (absent when ``previous`` is None)."""
    try:
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            temp = _write_temp(path, previous.decode("utf-8"))
            os.replace(temp, path)
    except OSError:
        log.exception("could not restore %s after a failed change", path)


# -- the service ---------------------------------------------------------------------------------


class PersonaService:
    """Create, edit, spawn, despawn and import personas; every change is all-or-nothing."""

    def __init__(
        self,
        store: Store,
        registry: PersonaRegistry,
        personas_dir: Path,
        *,
        template: str = SPAWN_TEMPLATE,
    ) -> None:
        self.store = store
        self.registry = registry
        self.personas_dir = Path(personas_dir)
        self.template = template
        self.repo: PersonaRepository = store.extension("personas", PersonaRepository)
        self._sources: dict[str, str] = {}
        self._lock = asyncio.Lock()  # one change at a time: id checks stay true until written

    # -- lookups -----------------------------------------------------------------------------

    def path_for(self, persona_id: str) -> Path:
        """The persona's file; PersonaError when the id could escape the folder or is reserved."""
        try:
            check_persona_id(persona_id)
        except PersonaIdError as error:
            raise PersonaError(str(error)) from None
        return self.personas_dir / f"{persona_id}.toml"

    def source_of(self, persona_id: str) -> str | None:
        """``file``, ``spawned`` or ``card`` for a persona this service knows, else None."""
        if persona_id in self._sources:
            return self._sources[persona_id]
        return "file" if persona_id in self.registry else None

    def require(self, persona_id: str) -> Persona:
        persona = self.registry.get(persona_id)
        if persona is None:
            raise PersonaError(f"no persona {persona_id!r}")
        return persona

    def toml_text(self, persona_id: str) -> str:
        """What `persona edit` opens: the file as written, or the persona rendered as TOML."""
        persona = self.require(persona_id)
        path = self.path_for(persona_id)
        try:
            return path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return self.render(persona, self.source_of(persona_id) or "file")

    def render(self, persona: Persona, source: str) -> str:
        header = {
            "file": "",
            "spawned": f"{persona.name}: spawned by Sanctum; `persona edit {persona.id}` edits it.",
            "card": f"{persona.name}: imported from a character card by Sanctum.",
        }.get(source, "")
        return persona_toml(persona, header=header)

    # -- start -------------------------------------------------------------------------------

    async def load(self) -> LoadReport:
        """Files first, then the database; a file wins on an id both hold (reported)."""
        report = LoadReport()
        result = load_persona_dir(self.personas_dir)
        stored, db_errors = await self.repo.all()
        report.errors.extend(db_errors)
        broken: dict[str, PersonaFileError] = {}
        for error in result.errors:
            if error.path.parent == self.personas_dir and error.path.suffix == ".toml":
                broken[error.path.stem] = error
            report.errors.append(str(error))
        mirrors: list[tuple[Persona, str]] = []
        for persona in result.personas:
            row = stored.get(persona.id)
            source = row.source if row else "file"
            if row is None or row.persona != persona:
                mirrors.append((persona, source))
            if row is not None and row.persona != persona and row.source != "file":
                report.notices.append(
                    f"persona {persona.id!r}: {self.personas_dir / (persona.id + '.toml')} differs"
                    f" from the {row.source} copy in the database; the file wins"
                )
            self.registry.add(persona)
            self._sources[persona.id] = source
            report.loaded.append(persona.id)
        file_ids = {p.id for p in result.personas}
        for persona_id, row in stored.items():
            if persona_id in file_ids:
                continue
            if persona_id in broken:
                report.notices.append(
                    f"persona {persona_id!r}: its file is invalid; running the last good copy"
                    " from the database until the file is fixed"
                )
            elif row.source == "file":
                report.notices.append(
                    f"persona {persona_id!r}: its file is gone; not loaded (the database copy is"
                    " kept)"
                )
                continue
            self.registry.add(row.persona)
            self._sources[persona_id] = row.source
            report.loaded.append(persona_id)
        if mirrors:
            try:
                now = self.store.clock.now()
                async with self.store.transaction() as db:
                    for persona, source in mirrors:
                        await self.repo.put(db, persona, source, now)
            except driver.Error as error:
                report.errors.append(f"personas not mirrored to the database: {error}")
        return report

    # -- atomic steps ------------------------------------------------------------------------

    async def _persist(self, persona: Persona, source: str, text: str) -> None:
        """Write the file (temp + rename) and the row in one transaction; undo both on error."""
        path = self.path_for(persona.id)
        try:
            previous = path.read_bytes() if path.exists() else None
            temp = _write_temp(path, text)
        except OSError as error:
            raise PersonaError(f"cannot write {path}: {error.strerror or error}") from None
        renamed = False
        try:
            async with self.store.transaction() as db:
                await self.repo.put(db, persona, source, self.store.clock.now())
                os.replace(temp, path)
                renamed = True
        except BaseException as error:
            temp.unlink(missing_ok=True)
            if renamed:  # the commit itself failed after the file was in place
                _restore(path, previous)
            if isinstance(error, OSError):
                raise PersonaError(f"cannot write {path}: {error.strerror or error}") from None
            if isinstance(error, driver.Error):
                raise PersonaError(
                    f"cannot save persona {persona.id!r} in the database: {error}"
                ) from None
            raise
        _fsync_dir(path.parent)

    async def _remove(self, persona_id: str) -> None:
        """Delete the row and move the file aside, in one transaction; undo both on error."""
        path = self.path_for(persona_id)
        parked: Path | None = None
        try:
            async with self.store.transaction() as db:
                await self.repo.delete(db, persona_id)
                if path.exists():
                    parked = self._parking_spot(persona_id)
                    os.replace(path, parked)
        except BaseException as error:
            if parked is not None and parked.exists() and not path.exists():
                os.replace(parked, path)
            if isinstance(error, OSError):
                raise PersonaError(f"cannot move {path} aside: {error.strerror or error}") from None
            if isinstance(error, driver.Error):
                raise PersonaError(
                    f"cannot remove persona {persona_id!r} from the database: {error}"
                ) from None
            raise
        self.registry.remove(persona_id)
        self._sources.pop(persona_id, None)

    def _parking_spot(self, persona_id: str) -> Path:
        folder = self.personas_dir / REMOVED_DIR
        folder.mkdir(exist_ok=True)
        stamp = int(self.store.clock.now())
        candidate = folder / f"{persona_id}.{stamp}.toml"
        counter = 1
        while candidate.exists():
            counter += 1
            candidate = folder / f"{persona_id}.{stamp}-{counter}.toml"
        return candidate

    def _check_new(self, persona_id: str) -> None:
        path = self.path_for(persona_id)
        if persona_id in self.registry:
            raise PersonaError(f"persona {persona_id!r} already exists")
        if path.exists():
            raise PersonaError(f"{path} already exists; edit it or remove it first")

    def _free_id(self, base: str, *, suffix: bool) -> str:
        """``base``, or ``base-2``, ``base-3``... when taken or reserved (unless refused)."""

        def usable(candidate: str) -> bool:
            try:
                self._check_new(candidate)
            except PersonaError:
                return False
            return True

        if usable(base):
            return base
        if not suffix:
            self._check_new(base)  # raises with the reason
        for n in range(2, 100):
            candidate = f"{base[: 31 - len(str(n))].rstrip('-')}-{n}"
            if usable(candidate):
                return candidate
        raise PersonaError(f"no free persona id near {base!r}; remove some personas first")

    @staticmethod
    def _validated(data: dict[str, Any]) -> Persona:
        try:
            return Persona.model_validate(data)
        except ValidationError as error:
            raise PersonaError(describe_error(error)) from None

    # -- operations --------------------------------------------------------------------------

    async def create(self, persona: Persona, *, source: Source = "file") -> Persona:
        """Add a new persona: file, row and registry, or nothing."""
        if source not in SOURCES:
            raise PersonaError(f"unknown persona source {source!r} (expected one of {SOURCES})")
        async with self._lock:
            self._check_new(persona.id)
            await self._persist(persona, source, self.render(persona, source))
            self.registry.add(persona)
            self._sources[persona.id] = source
        return persona

    async def update(self, persona: Persona) -> Persona:
        """Replace an existing persona; on any error the old one stays everywhere."""
        async with self._lock:
            self.require(persona.id)
            source = self.source_of(persona.id) or "file"
            await self._persist(persona, source, self.render(persona, source))
            self.registry.add(persona)
        return persona

    def validate_toml(self, persona_id: str, text: str | bytes) -> Persona:
        """The persona ``text`` describes, or PersonaError naming the file and the field."""
        path = self.path_for(persona_id)
        try:
            return parse_persona_toml(text, source=path, expected_id=persona_id)
        except PersonaFileError as error:
            raise PersonaError(str(error)) from None

    async def apply_toml(self, persona_id: str, text: str | bytes) -> Persona:
        """`persona edit`: validate the edited text, then write it as is (comments kept).

        On any error nothing changes: the file, the row and the running persona stay as they
        were, and the error names the field.
        """
        persona = self.validate_toml(persona_id, text)
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        async with self._lock:
            self.require(persona_id)
            await self._persist(persona, self.source_of(persona_id) or "file", text)
            self.registry.add(persona)
        return persona

    async def delete(self, persona_id: str) -> Persona:
        """Remove a persona (its file is kept in personas/.removed/)."""
        async with self._lock:
            persona = self.require(persona_id)
            await self._remove(persona_id)
        return persona

    async def spawn(
        self,
        name: str,
        *,
        platform: Any = None,
        rooms: tuple[str, ...] | list[str] = (),
        prompt: str | None = None,
        adapter: Adapter | None = None,
        persona_id: str | None = None,
    ) -> Persona:
        """Make a persona from a name (and the platform account, when ``adapter`` is given).

        The persona is registered while the adapter creates its account, then saved with that
        account in ``accounts``; if the adapter fails nothing is kept, and if saving fails the
        account is removed again.
        """
        name = " ".join(name.split())
        if not name:
            raise PersonaError("a persona needs a name")
        if adapter is not None and platform is not None and adapter.platform != platform:
            raise PersonaError(f"adapter {adapter.name} cannot spawn on {platform}")
        pid = persona_id or slugify(name)
        self.path_for(pid)  # a clear line for a bad or reserved id, before anything else
        text = (prompt or "").strip() or self.template.replace("{name}", name)
        persona = self._validated(
            {"id": pid, "name": name, "system_prompt": text, "rooms": tuple(rooms)}
        )
        async with self._lock:
            self._check_new(pid)
            self.registry.add(persona)  # adapters and the dispatcher know it during the spawn
            try:
                if adapter is not None:
                    persona = await self._spawn_account(persona, adapter, rooms)
                    self.registry.add(persona)
                try:
                    await self._persist(persona, "spawned", self.render(persona, "spawned"))
                except BaseException as error:
                    if adapter is not None:
                        undo = await self._undo_account(adapter, persona)
                        if undo and isinstance(error, PersonaError):
                            raise PersonaError(f"{error}; {undo}") from None
                    raise
            except BaseException:
                self.registry.remove(pid)
                raise
            self._sources[pid] = "spawned"
        return persona

    async def _spawn_account(
        self, persona: Persona, adapter: Adapter, rooms: tuple[str, ...] | list[str]
    ) -> Persona:
        try:
            made = await adapter.spawn_persona(persona, list(rooms))
        except Exception as error:
            raise PersonaError(
                f"spawn {persona.id}: {adapter.name} failed: {error}; nothing was created"
            ) from error
        user_id = (made or {}).get("user_id") if isinstance(made, dict) else None
        if not user_id:
            undo = await self._undo_account(adapter, persona)
            raise PersonaError(
                f"spawn {persona.id}: {adapter.name} returned no user id; nothing was created"
                + (f"; {undo}" if undo else "")
            )
        return self._validated(
            {**persona.model_dump(), "accounts": {**persona.accounts, adapter.platform: user_id}}
        )

    @staticmethod
    async def _undo_account(adapter: Adapter, persona: Persona) -> str:
        """Remove the account a failed spawn made; a line for the owner if that fails too."""
        try:
            await adapter.despawn_persona(persona)
        except Exception as error:
            log.error(
                "could not remove %s's %s account after a failed spawn: %s",
                persona.id,
                adapter.name,
                error,
            )
            return f"its {adapter.name} account could not be removed either: {error}"
        return ""

    async def despawn(self, persona_id: str, adapter: Adapter | None = None) -> Persona:
        """Remove the platform account first; the persona goes only when that succeeded."""
        async with self._lock:
            persona = self.require(persona_id)
            if adapter is not None:
                try:
                    await adapter.despawn_persona(persona)
                except Exception as error:
                    raise PersonaError(
                        f"despawn {persona_id}: {adapter.name} failed: {error}; the persona is kept"
                    ) from error
            try:
                await self._remove(persona_id)
            except PersonaError as error:
                if adapter is None:
                    raise
                raise PersonaError(
                    f"{error} (its {adapter.name} account is already removed)"
                ) from None
        return persona

    async def import_card(
        self, source: CardSource, *, on_collision: Literal["suffix", "refuse"] = "suffix"
    ) -> CardImport:
        """Import a Character Card V2/V3 (JSON or PNG: a path, bytes or text)."""
        from bot.cards import CardError, read_card

        try:
            # Off the event loop: a card PNG may be megabytes of art to read and scan.
            card = await asyncio.to_thread(read_card, source)
        except CardError as error:
            raise PersonaError(str(error)) from None
        warnings = list(card.warnings)
        async with self._lock:
            pid = self._free_id(slugify(card.name), suffix=on_collision == "suffix")
            if pid != slugify(card.name):
                warnings.append(f"id {slugify(card.name)!r} is taken or reserved; using {pid!r}")
            try:
                persona = card.to_persona(pid)
            except CardError as error:
                raise PersonaError(str(error)) from None
            namesakes = [p.id for p in self.registry if persona.name.lower() in p.names()]
            if namesakes:
                warnings.append(f"{', '.join(namesakes)} also answer to {persona.name!r}")
            await self._persist(persona, "card", self.render(persona, "card"))
            self.registry.add(persona)
            self._sources[pid] = "card"
        return CardImport(persona, warnings)
