"""Personas: an identity, a voice and a memory scope, loaded from `personas/*.toml`.

A persona may also carry what a Character Card brings (description, personality, scenario,
example dialogue, post-history instructions) and keyword-triggered lore (:class:`LoreEntry`);
prompt assembly (bot/llm/prompt.py) places and budgets them, bot/persona_store.py persists them.

A persona file that cannot be read or validated is reported with its file name and the
offending field, and the bot starts with the valid ones.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import regex
import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.message import Platform, Room

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# Ids that would be confused with the bot's own voice, the console owner or room-wide mentions.
RESERVED_IDS = frozenset({"sanctum", "system", "owner", "everyone", "here", "room", "all"})
SYSTEM_PERSONA = "sanctum"  # the bot's own voice: command replies, notices
MAX_TEXT = 32_000  # description, scenario...: a card longer than this is refused, not cut
MAX_LORE_ENTRIES = 256
MAX_LORE_CONTENT = 8_000
MAX_LORE_KEYS = 32
MAX_KEY_LENGTH = 100


class PersonaIdError(ValueError):
    """An id that cannot name a persona; the text says why in one line."""


def check_persona_id(value: str) -> str:
    """``value`` if it is a usable persona id, else PersonaIdError saying why."""
    if not isinstance(value, str) or not value:
        raise PersonaIdError("a persona id cannot be empty")
    if "/" in value or "\\" in value or ".." in value or "\0" in value:
        raise PersonaIdError(f"persona id {value!r} must not contain path separators or '..'")
    if not SLUG.match(value):
        raise PersonaIdError(
            f"persona id {value!r} must be a slug: lowercase letters, digits, '-' or '_',"
            " at most 32 characters"
        )
    if value in RESERVED_IDS:
        raise PersonaIdError(f"persona id {value!r} is reserved")
    return value


def slugify(name: str) -> str:
    """A persona id made from a display name ("Séraphine the Bold!" -> "seraphine-the-bold")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = slug[:32].rstrip("-")
    return slug or "persona"


class LoreEntry(BaseModel):
    """One keyword-triggered lore entry (a Character Card V2/V3 ``character_book`` entry).

    An enabled entry is added to the prompt when one of its ``keys`` appears in the recent
    messages (case-insensitive unless ``case_sensitive``; whole words); a ``selective`` entry also
    needs one of its ``secondary_keys``; a ``constant`` entry is always added. Under a tight token
    budget lower ``priority`` goes first; lower ``insertion_order`` is placed earlier.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    keys: tuple[str, ...] = Field(default=(), max_length=MAX_LORE_KEYS)
    content: str = Field(min_length=1, max_length=MAX_LORE_CONTENT)
    secondary_keys: tuple[str, ...] = Field(default=(), max_length=MAX_LORE_KEYS)
    name: str = ""
    enabled: bool = True
    constant: bool = False
    selective: bool = False
    case_sensitive: bool = False
    use_regex: bool = False
    priority: int = 0
    insertion_order: int = 0
    position: Literal["before_char", "after_char"] = "after_char"

    @field_validator("keys", "secondary_keys")
    @classmethod
    def _keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(dict.fromkeys(k.strip() for k in value if k.strip()))
        for key in cleaned:
            if len(key) > MAX_KEY_LENGTH:
                raise ValueError(f"key {key[:20]!r}... is longer than {MAX_KEY_LENGTH} characters")
        return cleaned

    @model_validator(mode="after")
    def _triggerable(self) -> LoreEntry:
        if not self.constant and not self.keys:
            raise ValueError("an entry that is not constant needs at least one key")
        if self.use_regex:
            for key in (*self.keys, *self.secondary_keys):
                try:
                    regex.compile(key)
                except regex.error as error:
                    raise ValueError(
                        f"key {key!r} is not a valid regular expression: {error}"
                    ) from None
        return self

    @field_validator("content")
    @classmethod
    def _newlines(cls, value: str) -> str:
        return value.replace("\r\n", "\n").replace("\r", "\n")

    @property
    def label(self) -> str:
        return self.name or (self.keys[0] if self.keys else "(constant)")


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
    # Character-card fields (empty for hand-written personas): prompt sections of their own, so
    # prompt assembly can place and budget them.
    description: str = Field(default="", max_length=MAX_TEXT)
    personality: str = Field(default="", max_length=MAX_TEXT)
    scenario: str = Field(default="", max_length=MAX_TEXT)
    examples: str = Field(default="", max_length=MAX_TEXT)  # mes_example: example dialogue
    post_history: str = Field(default="", max_length=MAX_TEXT)  # post_history_instructions
    lore: tuple[LoreEntry, ...] = Field(default=(), max_length=MAX_LORE_ENTRIES)

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

    @field_validator(
        "system_prompt",
        "description",
        "personality",
        "scenario",
        "examples",
        "post_history",
        "greeting",
    )
    @classmethod
    def _newlines(cls, value: str | None) -> str | None:
        # One line ending everywhere, so a persona survives a TOML round trip unchanged.
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value

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


def describe_error(error: ValidationError) -> str:
    """One line naming each field pydantic refused and why."""
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "(file)"
        parts.append(f"field '{field}': {item['msg']}")
    return "; ".join(parts)


_describe = describe_error


def parse_persona(data: dict, *, source: Path, expected_id: str | None = None) -> Persona:
    """Validate one persona table; the id defaults to the file's stem."""
    data = dict(data)
    data.setdefault("id", expected_id or source.stem)
    try:
        persona = Persona.model_validate(data)
    except ValidationError as error:
        raise PersonaFileError(source, describe_error(error)) from None
    if expected_id and persona.id != expected_id:
        raise PersonaFileError(
            source, f"field 'id': {persona.id!r} does not match the file name {expected_id!r}"
        )
    return persona


def parse_persona_toml(
    text: str | bytes, *, source: Path, expected_id: str | None = None
) -> Persona:
    """Validate a persona file's text (what `persona edit` checks before applying it)."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise PersonaFileError(source, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise PersonaFileError(source, f"invalid TOML: {error}") from None
    return parse_persona(data, source=source, expected_id=expected_id or source.stem)


def load_persona_file(path: Path) -> Persona:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PersonaFileError(path, f"cannot read: {error.strerror or error}") from None
    return parse_persona_toml(raw, source=path, expected_id=path.stem)


def persona_data(persona: Persona, *, lore: bool = True) -> dict:
    """The persona as plain data without its id (the file name carries it) and defaults."""
    exclude: set[str] = {"id"} if lore else {"id", "lore"}
    return persona.model_dump(
        mode="json", exclude_defaults=True, exclude_none=True, exclude=exclude
    )


def persona_toml(persona: Persona, *, header: str = "") -> str:
    """The persona as a TOML file that :func:`load_persona_file` reads back unchanged."""
    data = persona_data(persona)
    data = {"name": data.pop("name"), "system_prompt": data.pop("system_prompt"), **data}
    body = tomli_w.dumps(data, multiline_strings=True)
    if header:
        comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
        return comment + body
    return body


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
        self.version = 0  # bumped on every add/remove: lets callers cache what they derive
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
        self.version += 1
        for platform in Platform:
            account = persona.account(platform)
            if account:
                self._by_account[(platform, account)] = persona.id

    def remove(self, persona_id: str) -> Persona | None:
        persona = self._by_id.pop(persona_id, None)
        if persona is not None:
            self._forget_accounts(persona)
            self.version += 1
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
