"""Character Card import (V2 and V3; V1 flat cards too), from JSON or from a PNG's text chunk.

A card PNG carries the card as base64 JSON in a ``tEXt`` chunk: ``chara`` (V2, and V3's
backward-compatible copy) or ``ccv3`` (V3, preferred when present). Chunks are read with the
standard library only. Card fields map onto a :class:`~bot.personas.Persona`: ``first_mes``
becomes the greeting, ``mes_example`` the example dialogue, ``post_history_instructions`` the
post-history instructions, and ``character_book`` entries keyword-triggered lore. Specs:
https://github.com/malfoyslastname/character-card-spec-v2 and
https://github.com/kwaroran/character-card-spec-v3.

Every refusal is a :class:`CardError` with one line that says what is wrong with the card.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.personas import (
    MAX_KEY_LENGTH,
    MAX_LORE_CONTENT,
    MAX_LORE_ENTRIES,
    MAX_LORE_KEYS,
    MAX_TEXT,
    LoreEntry,
    Persona,
    describe_error,
)

CardSource = Path | str | bytes | dict
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CARD_BYTES = 32 * 1024 * 1024  # a PNG with its art
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_NAME = 64
SPECS = {"chara_card_v2": "v2", "chara_card_v3": "v3"}
TEXT_FIELDS = (
    "description",
    "personality",
    "scenario",
    "first_mes",
    "mes_example",
    "system_prompt",
    "post_history_instructions",
    "nickname",
)
# Old (V1 / TavernAI / Pygmalion) field names for the same things.
V1_ALIASES = {
    "name": "char_name",
    "description": "char_persona",
    "scenario": "world_scenario",
    "first_mes": "char_greeting",
    "mes_example": "example_dialogue",
}
# Used when a card brings no system prompt, and for its {{original}} placeholder.
DEFAULT_CARD_PROMPT = (
    "You are {{char}}. Stay in character as {{char}}: write only {{char}}'s own replies in this "
    "group chat, never speak for anyone else, and never act as a moderator."
)


class CardError(ValueError):
    """A card that cannot be imported; the text says why in one line."""


@dataclass(frozen=True, slots=True)
class Card:
    spec: str  # "v1", "v2" or "v3"
    name: str
    description: str = ""
    personality: str = ""
    scenario: str = ""
    first_mes: str = ""
    mes_example: str = ""
    system_prompt: str = ""
    post_history_instructions: str = ""
    nickname: str = ""
    lore: tuple[LoreEntry, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_persona(self, persona_id: str) -> Persona:
        system = self.system_prompt.strip()
        system = (
            system.replace("{{original}}", DEFAULT_CARD_PROMPT) if system else (DEFAULT_CARD_PROMPT)
        )
        data = {
            "id": persona_id,
            "name": self.name,
            "aliases": (self.nickname,) if self.nickname.strip() else (),
            "system_prompt": system,
            "description": self.description.strip(),
            "personality": self.personality.strip(),
            "scenario": self.scenario.strip(),
            "examples": self.mes_example.strip(),
            "post_history": self.post_history_instructions.strip(),
            "greeting": self.first_mes.strip() or None,
            "lore": self.lore,
        }
        try:
            return Persona.model_validate(data)
        except ValidationError as error:
            raise CardError(
                f"the card does not make a valid persona: {describe_error(error)}"
            ) from None


# -- reading -------------------------------------------------------------------------------------


def read_card(source: CardSource) -> Card:
    """A card from a file path, raw bytes (PNG or JSON), JSON text or an already-parsed dict."""
    if isinstance(source, dict):
        return parse_card(source)
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return parse_card(_json(source.encode("utf-8")))
    if isinstance(source, str | Path):
        source = _read_file(Path(source))
    if not isinstance(source, bytes | bytearray):
        raise CardError(f"cannot read a card from {type(source).__name__}")
    data = bytes(source)
    if len(data) > MAX_CARD_BYTES:
        raise CardError(f"the card is {len(data)} bytes; the limit is {MAX_CARD_BYTES}")
    if data.startswith(PNG_SIGNATURE):
        return card_from_png(data)
    return parse_card(_json(data))


def _read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_CARD_BYTES:
            raise CardError(f"{path} is {size} bytes; a card may be at most {MAX_CARD_BYTES}")
        return path.read_bytes()
    except OSError as error:
        raise CardError(f"cannot read {path}: {error.strerror or error}") from None


def _json(data: bytes, where: str = "the card") -> Any:
    if len(data) > MAX_JSON_BYTES:
        raise CardError(f"{where} is {len(data)} bytes of JSON; the limit is {MAX_JSON_BYTES}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CardError(f"{where} is neither a PNG nor UTF-8 JSON") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CardError(
            f"{where} is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    except RecursionError:
        raise CardError(f"{where} is nested too deeply") from None


def png_text_chunks(data: bytes) -> dict[str, str]:
    """The PNG's text chunks (tEXt, zTXt, iTXt) by keyword; the first of each keyword wins."""
    if not data.startswith(PNG_SIGNATURE):
        raise CardError("not a PNG file")
    texts: dict[str, str] = {}
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 8 + length
        if end + 4 > len(data):
            raise CardError("the PNG is truncated or corrupt (a chunk runs past the end)")
        if kind == b"IEND":
            break
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            body = data[pos + 8 : end]
            (crc,) = struct.unpack(">I", data[end : end + 4])
            if zlib.crc32(kind + body) != crc:
                raise CardError(f"the PNG is corrupt (bad checksum in a {kind.decode()} chunk)")
            keyword, value = _text_chunk(kind, body)
            texts.setdefault(keyword, value)
        pos = end + 4
    return texts


def _text_chunk(kind: bytes, body: bytes) -> tuple[str, str]:
    keyword, sep, rest = body.partition(b"\0")
    if not sep:
        raise CardError(f"the PNG is corrupt (a {kind.decode()} chunk has no keyword)")
    name = keyword.decode("latin-1")
    if kind == b"tEXt":
        return name, rest.decode("latin-1")
    if kind == b"zTXt":
        return name, _inflate(rest[1:]).decode("latin-1")
    if len(rest) < 2:
        raise CardError("the PNG is corrupt (a short iTXt chunk)")
    compressed, rest = rest[0], rest[2:]
    _language, _, rest = rest.partition(b"\0")
    _translated, _, text = rest.partition(b"\0")
    if compressed:
        text = _inflate(text)
    try:
        return name, text.decode("utf-8")
    except UnicodeDecodeError:
        raise CardError(f"the PNG's {name!r} text is not UTF-8") from None


def _inflate(data: bytes) -> bytes:
    """zlib data, refusing anything that would inflate past the JSON limit (a zip bomb)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_JSON_BYTES + 1)
    except zlib.error:
        raise CardError("the PNG is corrupt (a compressed text chunk does not inflate)") from None
    if len(out) > MAX_JSON_BYTES or inflater.unconsumed_tail:
        raise CardError(f"a compressed text chunk inflates past {MAX_JSON_BYTES} bytes")
    return out


def card_from_png(data: bytes) -> Card:
    chunks = {k.lower(): v for k, v in reversed(png_text_chunks(data).items())}
    found = [k for k in ("ccv3", "chara") if k in chunks]
    if not found:
        raise CardError("this PNG has no character card in it (no 'chara' or 'ccv3' text chunk)")
    first_error: CardError | None = None
    for keyword in found:  # V3 first; a broken ccv3 falls back to the V2 copy
        try:
            card = parse_card(_json(_unbase64(chunks[keyword], keyword), f"the {keyword!r} chunk"))
        except CardError as error:
            first_error = first_error or error
            continue
        if first_error is not None:
            card = _with_warning(
                card, f"the 'ccv3' chunk was unusable ({first_error}); imported the 'chara' copy"
            )
        return card
    assert first_error is not None
    raise first_error


def _unbase64(text: str, keyword: str) -> bytes:
    stripped = "".join(text.split())
    if stripped.startswith("{"):  # a few tools store the JSON as is
        return text.strip().encode("utf-8")
    try:
        return base64.b64decode(stripped + "=" * (-len(stripped) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise CardError(f"the card's {keyword!r} chunk is not valid base64") from None


def _with_warning(card: Card, warning: str) -> Card:
    return replace(card, warnings=(*card.warnings, warning))


# -- mapping -------------------------------------------------------------------------------------


def parse_card(obj: Any) -> Card:
    """A Card from parsed JSON; CardError when it is not a card or a field is unusable."""
    if not isinstance(obj, dict):
        raise CardError(f"not a character card: the JSON is a {_kind(obj)}, not an object")
    spec = obj.get("spec")
    if spec is None:
        if not any(k in obj for k in ("name", "char_name")):
            raise CardError("not a character card: no 'spec' field and no 'name'")
        data, version, where = obj, "v1", ""
        data = {
            **{k: data[v] for k, v in V1_ALIASES.items() if k not in data and v in data},
            **data,
        }
    elif spec in SPECS:
        data = obj.get("data")
        if not isinstance(data, dict):
            raise CardError(f"a {spec} card needs a 'data' object")
        version, where = SPECS[spec], "data."
    else:
        raise CardError(f"unsupported card spec {spec!r}: expected chara_card_v2 or chara_card_v3")
    warnings: list[str] = []
    name = _text(data, "name", where).strip()
    if not name:
        raise CardError(f"the card has no name (field '{where}name')")
    if len(name) > MAX_NAME:
        warnings.append(f"the name is {len(name)} characters; cut to {MAX_NAME}")
        name = name[:MAX_NAME].rstrip()
    fields = {key: _text(data, key, where) for key in TEXT_FIELDS}
    if not fields["nickname"] or len(fields["nickname"]) > MAX_NAME:
        fields["nickname"] = ""
    lore = _lore(data.get("character_book"), where, warnings)
    return Card(spec=version, name=name, lore=lore, warnings=tuple(warnings), **fields)


def _kind(value: Any) -> str:
    return {
        list: "list",
        str: "string",
        int: "number",
        float: "number",
        bool: "boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _text(data: dict, key: str, where: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CardError(f"field '{where}{key}' must be text, not a {_kind(value)}")
    text = str(value)
    if len(text) > MAX_TEXT:
        raise CardError(f"field '{where}{key}' is {len(text)} characters; the limit is {MAX_TEXT}")
    return text


def _lore(book: Any, where: str, warnings: list[str]) -> tuple[LoreEntry, ...]:
    if book is None:
        return ()
    if not isinstance(book, dict):
        raise CardError(f"field '{where}character_book' must be an object, not a {_kind(book)}")
    entries = book.get("entries", [])
    if isinstance(entries, dict):  # some exporters key entries by id
        entries = list(entries.values())
    if not isinstance(entries, list):
        raise CardError(f"field '{where}character_book.entries' must be a list")
    kept: list[LoreEntry] = []
    skipped: list[str] = []
    for index, raw in enumerate(entries):
        if len(kept) >= MAX_LORE_ENTRIES:
            warnings.append(
                f"the lore book has {len(entries)} entries; kept the first {MAX_LORE_ENTRIES}"
                f" (the limit) and left out {len(entries) - index}"
            )
            break
        try:
            kept.append(_entry(raw, index))
        except ValueError as error:
            skipped.append(f"#{index}: {error}")
    if skipped:
        more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
        warnings.append(f"skipped {len(skipped)} lore entries: {'; '.join(skipped[:3])}{more}")
    return tuple(kept)


def _keys(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return ()
    keys = [k.strip() for k in value if isinstance(k, str) and k.strip()]
    return tuple(k for k in keys if len(k) <= MAX_KEY_LENGTH)[:MAX_LORE_KEYS]


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return max(-(2**31), min(2**31 - 1, int(value)))


def _entry(raw: Any, index: int) -> LoreEntry:
    if not isinstance(raw, dict):
        raise ValueError(f"a {_kind(raw)}, not an object")
    content = raw.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ValueError("no content")
    if len(content) > MAX_LORE_CONTENT:
        raise ValueError(f"content is {len(content)} characters (limit {MAX_LORE_CONTENT})")
    position = raw.get("position")
    if position not in ("before_char", "after_char"):
        position = "before_char" if position == 0 else "after_char"
    name = raw.get("name") or raw.get("comment") or ""
    try:
        return LoreEntry(
            keys=_keys(raw.get("keys", raw.get("key"))),
            secondary_keys=_keys(raw.get("secondary_keys", raw.get("keysecondary"))),
            content=content.strip(),
            name=name.strip()[:100] if isinstance(name, str) else "",
            enabled=raw.get("enabled", True) is not False,
            constant=raw.get("constant") is True,
            selective=raw.get("selective") is True,
            case_sensitive=raw.get("case_sensitive") is True,
            use_regex=raw.get("use_regex") is True,
            priority=_int(raw.get("priority"), 0),
            insertion_order=_int(raw.get("insertion_order", raw.get("order")), index),
            position=position,
        )
    except ValidationError as error:
        raise ValueError(describe_error(error)) from None
