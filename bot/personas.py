"""Personas: an identity, a voice and a memory scope, loaded from `personas/*.toml`.

A persona file that cannot be read or validated is reported with its file name and the
offending field, and the bot starts with the valid ones.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.message import Platform, Room

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# Ids that would be confused with the bot's own voice, the console owner or room-wide mentions.
RESERVED_IDS = frozenset({"sanctum", "system", "owner", "everyone", "here", "room", "all"})
SYSTEM_PERSONA = "sanctum"  # the bot's own voice: command replies, notices


class PersonaStyle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_length: int = Field(default=500, ge=20, le=16000)
    one_line: bool = False


class PersonaMemory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    recall_limit: int = Field(default=6, ge=0, le=50)


class Persona(BaseModel):
    """One persona. ``accounts`` maps a platform to the user id that speaks for it there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1, max_length=64)
    aliases: tuple[str, ...] = ()
    system_prompt: str = Field(min_length=1)
    traits: tuple[str, ...] = ()
    style: PersonaStyle = Field(default_factory=PersonaStyle)
    accounts: dict[Platform, str] = Field(default_factory=dict)
    rooms: tuple[str, ...] = ()  # room keys ("matrix:!abc:hs") or ids; empty: wherever it is
    behaviours: tuple[str, ...] = ("converse",)
    model: str | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    memory: PersonaMemory = Field(default_factory=PersonaMemory)
    enabled: bool = True
    greeting: str | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(
                "must be a slug: lowercase letters, digits, '-' or '_', at most 32 characters"
            )
        if value in RESERVED_IDS:
            raise ValueError(f"{value!r} is reserved")
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(dict.fromkeys(a.strip().lstrip("@").lower() for a in value if a.strip()))
        return cleaned

    def account(self, platform: Platform) -> str:
        """The user id that speaks for this persona on ``platform`` (local: the persona id)."""
        return self.accounts.get(platform, self.id if platform is Platform.LOCAL else "")

    def names(self) -> tuple[str, ...]:
        """Every name a person may use to address the persona, lowercased."""
        return tuple(dict.fromkeys((self.name.lower(), self.id, *self.aliases)))

    def is_in(self, room: Room) -> bool:
        if room.personas:
            return self.id in room.personas
        if not self.rooms:
            return True
        return room.key in self.rooms or room.id in self.rooms or room.name in self.rooms


class PersonaFileError(ValueError):
    """A persona file that could not be loaded; ``str()`` names the file and the field."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "(file)"
        parts.append(f"field '{field}': {item['msg']}")
    return "; ".join(parts)


def parse_persona(data: dict, *, source: Path, expected_id: str | None = None) -> Persona:
    """Validate one persona table; the id defaults to the file's stem."""
    data = dict(data)
    data.setdefault("id", expected_id or source.stem)
    try:
        persona = Persona.model_validate(data)
    except ValidationError as error:
        raise PersonaFileError(source, _describe(error)) from None
    if expected_id and persona.id != expected_id:
        raise PersonaFileError(
            source, f"field 'id': {persona.id!r} does not match the file name {expected_id!r}"
        )
    return persona


def load_persona_file(path: Path) -> Persona:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PersonaFileError(path, f"cannot read: {error.strerror or error}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PersonaFileError(path, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise PersonaFileError(path, f"invalid TOML: {error}") from None
    return parse_persona(data, source=path, expected_id=path.stem)


@dataclass(frozen=True, slots=True)
class LoadResult:
    personas: list[Persona]
    errors: list[PersonaFileError]


def load_persona_dir(directory: Path) -> LoadResult:
    """Every valid persona in ``directory``; the invalid ones come back as errors."""
    personas: list[Persona] = []
    errors: list[PersonaFileError] = []
    if not directory.is_dir():
        errors.append(PersonaFileError(directory, "persona directory not found"))
        return LoadResult(personas, errors)
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            persona = load_persona_file(path)
        except PersonaFileError as error:
            errors.append(error)
            continue
        if persona.id in seen:
            errors.append(PersonaFileError(path, f"field 'id': duplicate of {seen[persona.id]}"))
            continue
        seen[persona.id] = path
        personas.append(persona)
    return LoadResult(personas, errors)


class PersonaRegistry:
    """The personas the bot runs, with the lookups the dispatcher and adapters need."""

    def __init__(self, personas: Iterable[Persona] = (), default: str = "luna") -> None:
        self._by_id: dict[str, Persona] = {}
        self._by_account: dict[tuple[Platform, str], str] = {}
        self.default_id = default
        for persona in personas:
            self.add(persona)

    def __iter__(self) -> Iterator[Persona]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, persona_id: object) -> bool:
        return persona_id in self._by_id

    def ids(self) -> list[str]:
        return list(self._by_id)

    def get(self, persona_id: str) -> Persona | None:
        return self._by_id.get(persona_id)

    def require(self, persona_id: str) -> Persona:
        persona = self._by_id.get(persona_id)
        if persona is None:
            raise KeyError(f"no persona {persona_id!r}")
        return persona

    @property
    def default(self) -> Persona | None:
        return self._by_id.get(self.default_id) or next(iter(self._by_id.values()), None)

    def add(self, persona: Persona) -> None:
        old = self._by_id.get(persona.id)
        if old is not None:
            self._forget_accounts(old)
        self._by_id[persona.id] = persona
        for platform in Platform:
            account = persona.account(platform)
            if account:
                self._by_account[(platform, account)] = persona.id

    def remove(self, persona_id: str) -> Persona | None:
        persona = self._by_id.pop(persona_id, None)
        if persona is not None:
            self._forget_accounts(persona)
        return persona

    def _forget_accounts(self, persona: Persona) -> None:
        for key in [k for k, v in self._by_account.items() if v == persona.id]:
            del self._by_account[key]

    def by_account(self, platform: Platform, user_id: str) -> Persona | None:
        persona_id = self._by_account.get((platform, user_id))
        return self._by_id.get(persona_id) if persona_id else None

    def enabled(self) -> list[Persona]:
        return [p for p in self._by_id.values() if p.enabled]

    def present_in(self, room: Room) -> list[Persona]:
        return [p for p in self._by_id.values() if p.enabled and p.is_in(room)]
