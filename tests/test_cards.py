"""Character Card V2/V3 import from JSON and PNG: mapping, lore, bad cards, collisions."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cards import CardError, png_text_chunks, read_card
from bot.clock import VirtualClock
from bot.memory.store import Store
from bot.persona_store import PersonaError, PersonaService
from bot.personas import MAX_LORE_ENTRIES, Persona, PersonaRegistry, load_persona_file

V2_CARD = {
    "spec": "chara_card_v2",
    "spec_version": "2.0",
    "data": {
        "name": "Captain Mirela Vos",
        "description": "{{char}} commands the airship Kestrel and distrusts {{user}} at first.",
        "personality": "stern, loyal, secretly sentimental",
        "scenario": "The Kestrel is docked at Port Aster during a storm.",
        "first_mes": "*Mirela looks up from her charts.* You're late, {{user}}.",
        "mes_example": "<START>\n{{user}}: Where are we headed?\n{{char}}: Somewhere dry.",
        "creator_notes": "For testing.",
        "system_prompt": "{{original}} Speak like a sky captain.",
        "post_history_instructions": "Stay terse; at most two sentences.",
        "alternate_greetings": [],
        "tags": ["airship"],
        "creator": "sanctum tests",
        "character_version": "1",
        "extensions": {},
        "character_book": {
            "name": "Kestrel lore",
            "scan_depth": 4,
            "extensions": {},
            "entries": [
                {
                    "keys": ["Kestrel", "airship"],
                    "content": "The Kestrel is a three-masted airship with a brass hull.",
                    "extensions": {},
                    "enabled": True,
                    "insertion_order": 10,
                    "priority": 5,
                    "name": "ship",
                },
                {
                    "keys": ["storm"],
                    "secondary_keys": ["aster"],
                    "selective": True,
                    "content": "Storms at Port Aster ground every ship for days.",
                    "extensions": {},
                    "enabled": True,
                    "insertion_order": 20,
                    "position": "before_char",
                },
                {
                    "keys": [],
                    "constant": True,
                    "content": "Mirela lost her first ship to pirates.",
                    "extensions": {},
                    "enabled": True,
                    "insertion_order": 0,
                },
                {
                    "keys": ["secret"],
                    "content": "A disabled entry.",
                    "extensions": {},
                    "enabled": False,
                    "insertion_order": 5,
                },
            ],
        },
    },
}

V3_CARD = {
    "spec": "chara_card_v3",
    "spec_version": "3.0",
    "data": {
        "name": "Oren",
        "nickname": "Ory",
        "description": "A lighthouse keeper who talks to gulls.",
        "personality": "gentle",
        "scenario": "",
        "first_mes": "Mind the steps.",
        "mes_example": "",
        "creator_notes": "",
        "system_prompt": "",
        "post_history_instructions": "",
        "alternate_greetings": [],
        "group_only_greetings": [],
        "tags": [],
        "creator": "sanctum tests",
        "character_version": "3",
        "extensions": {},
        "assets": [{"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}],
        "character_book": {
            "extensions": {},
            "entries": [
                {
                    "keys": [r"light\s*house"],
                    "use_regex": True,
                    "content": "The lighthouse lamp burns whale oil.",
                    "extensions": {},
                    "enabled": True,
                    "insertion_order": 1,
                }
            ],
        },
    },
}


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(*extra: bytes) -> bytes:
    """A valid 1x1 grayscale PNG with ``extra`` chunks before its image data."""
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    data = chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    return b"\x89PNG\r\n\x1a\n" + header + b"".join(extra) + data + chunk(b"IEND", b"")


def text_chunk(keyword: str, card: dict | str) -> bytes:
    payload = card if isinstance(card, str) else json.dumps(card)
    value = base64.b64encode(payload.encode()).decode() if isinstance(card, dict) else payload
    return chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + value.encode("latin-1"))


# -- parsing -------------------------------------------------------------------------------------


def test_v2_json_maps_every_field(tmp_path):
    path = tmp_path / "mirela.json"
    path.write_text(json.dumps(V2_CARD))
    card = read_card(path)
    assert card.spec == "v2" and card.name == "Captain Mirela Vos"
    persona = card.to_persona("captain-mirela-vos")
    assert persona.description.startswith("{{char}} commands")
    assert persona.personality == "stern, loyal, secretly sentimental"
    assert persona.scenario.startswith("The Kestrel is docked")
    assert persona.greeting.startswith("*Mirela looks up")
    assert "{{user}}: Where are we headed?" in persona.examples
    assert persona.post_history == "Stay terse; at most two sentences."
    # {{original}} stands for the default prompt the card builds on.
    assert "{{original}}" not in persona.system_prompt
    assert persona.system_prompt.endswith("Speak like a sky captain.")
    assert len(persona.lore) == 4
    ship, storm, constant, disabled = persona.lore
    assert ship.keys == ("Kestrel", "airship") and ship.priority == 5 and ship.name == "ship"
    assert storm.selective and storm.secondary_keys == ("aster",)
    assert storm.position == "before_char"
    assert constant.constant and not constant.keys
    assert not disabled.enabled
    assert card.warnings == ()


def test_v3_png_prefers_the_ccv3_chunk():
    v2_copy = {**V2_CARD, "data": {**V2_CARD["data"], "name": "Oren"}}
    png = make_png(text_chunk("chara", v2_copy), text_chunk("ccv3", V3_CARD))
    card = read_card(png)
    assert card.spec == "v3" and card.name == "Oren" and card.nickname == "Ory"
    persona = card.to_persona("oren")
    assert persona.aliases == ("ory",)
    assert persona.system_prompt.startswith("You are {{char}}")  # the default, none given
    assert persona.lore[0].use_regex and persona.lore[0].keys == (r"light\s*house",)


def test_v2_png_and_v3_json(tmp_path):
    assert read_card(make_png(text_chunk("chara", V2_CARD))).spec == "v2"
    path = tmp_path / "oren.json"
    path.write_text(json.dumps(V3_CARD))
    assert read_card(str(path)).spec == "v3"
    assert read_card(json.dumps(V3_CARD)).name == "Oren"  # JSON text works too


def test_zTXt_and_iTXt_chunks_are_read():
    payload = base64.b64encode(json.dumps(V2_CARD).encode())
    ztxt = chunk(b"zTXt", b"chara\0\0" + zlib.compress(payload))
    assert read_card(make_png(ztxt)).name == "Captain Mirela Vos"
    itxt = chunk(b"iTXt", b"chara\0\0\0\0\0" + payload)
    assert png_text_chunks(make_png(itxt))["chara"] == payload.decode()


def test_v1_flat_card_is_accepted():
    card = read_card({"name": "Pip", "description": "A sparrow.", "first_mes": "Tweet."})
    assert card.spec == "v1" and card.to_persona("pip").greeting == "Tweet."


def test_a_broken_ccv3_chunk_falls_back_to_chara_with_a_warning():
    png = make_png(text_chunk("ccv3", "%%%not base64%%%"), text_chunk("chara", V2_CARD))
    card = read_card(png)
    assert card.name == "Captain Mirela Vos"
    assert any("ccv3" in w and "chara" in w for w in card.warnings)


# -- bad cards -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b"this is not json", "not valid JSON"),
        (b"\xff\xfe\xfa garbage", "neither a PNG nor UTF-8 JSON"),
        (b"[1, 2, 3]", "the JSON is a list"),
        (json.dumps({"spec": "chara_card_v2", "data": {"description": "x"}}), "has no name"),
        (json.dumps({"spec": "chara_card_v2", "data": {"name": "  "}}), "has no name"),
        (json.dumps({"spec": "chara_card_v9", "data": {"name": "X"}}), "unsupported card spec"),
        (json.dumps({"spec": "chara_card_v2", "data": "nope"}), "needs a 'data' object"),
        (json.dumps({"description": "no name at all"}), "no 'spec' field and no 'name'"),
        (
            json.dumps({"spec": "chara_card_v2", "data": {"name": "X", "description": ["a"]}}),
            "field 'data.description' must be text, not a list",
        ),
        (
            json.dumps({"spec": "chara_card_v2", "data": {"name": "X", "character_book": 3}}),
            "field 'data.character_book' must be an object",
        ),
        (
            json.dumps({"spec": "chara_card_v2", "data": {"name": "X", "scenario": "y" * 40_000}}),
            "the limit is 32000",
        ),
    ],
)
def test_bad_cards_get_one_clear_line(source, expected):
    with pytest.raises(CardError) as caught:
        read_card(source.encode() if isinstance(source, str) else source)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_png_without_a_card_chunk():
    with pytest.raises(CardError, match="no character card in it"):
        read_card(make_png(chunk(b"tEXt", b"Software\0GIMP")))


def test_png_with_corrupt_base64():
    with pytest.raises(CardError, match="'chara' chunk is not valid base64"):
        read_card(make_png(text_chunk("chara", "eyJuYW1l@@@==")))


def test_png_with_base64_of_garbage():
    garbage = base64.b64encode(b"not json at all").decode()
    with pytest.raises(CardError, match="the 'chara' chunk is not valid JSON"):
        read_card(make_png(text_chunk("chara", garbage)))


def test_png_with_a_bad_checksum_or_truncated():
    good = text_chunk("chara", V2_CARD)
    bad = good[:-4] + struct.pack(">I", (zlib.crc32(good[4:-4]) + 1) & 0xFFFFFFFF)
    with pytest.raises(CardError, match="bad checksum"):
        read_card(make_png(bad))
    with pytest.raises(CardError, match="truncated or corrupt"):
        read_card(make_png(good)[:60])


def test_a_zip_bomb_text_chunk_is_refused():
    bomb = chunk(b"zTXt", b"chara\0\0" + zlib.compress(b"A" * (9 * 1024 * 1024)))
    with pytest.raises(CardError, match="inflates past"):
        read_card(make_png(bomb))


def test_missing_file():
    with pytest.raises(CardError, match="cannot read"):
        read_card(Path("/nonexistent/card.png"))


def test_huge_lore_book_is_capped_with_a_message():
    entries = [
        {"keys": [f"k{i}"], "content": f"fact {i}", "enabled": True, "insertion_order": i}
        for i in range(MAX_LORE_ENTRIES + 700)
    ]
    entries[3] = {"keys": ["broken"], "content": ""}  # skipped, not fatal
    entries[4] = {"content": "no keys and not constant"}
    card_data = {"spec": "chara_card_v2", "data": {"name": "Big", "character_book": {}}}
    card_data["data"]["character_book"]["entries"] = entries
    card = read_card(card_data)
    assert len(card.lore) == MAX_LORE_ENTRIES
    assert any("kept the first 256 (the limit)" in w for w in card.warnings)
    assert any("skipped 2 lore entries" in w for w in card.warnings)
    card.to_persona("big")  # still a valid persona


def test_long_name_is_cut_and_missing_fields_default():
    card = read_card({"spec": "chara_card_v2", "data": {"name": "N" * 80}})
    assert len(card.name) == 64 and any("cut to 64" in w for w in card.warnings)
    persona = card.to_persona("n")
    assert persona.description == "" and persona.greeting is None and persona.lore == ()


# -- import through the service ------------------------------------------------------------------


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[PersonaService]:
    store = Store(tmp_path / "sanctum.db", clock=VirtualClock(1_700_000_000.0))
    await store.open()
    folder = tmp_path / "personas"
    folder.mkdir()
    try:
        yield PersonaService(store, PersonaRegistry(), folder)
    finally:
        await store.close()


async def test_import_writes_file_row_and_lore(service: PersonaService):
    result = await service.import_card(make_png(text_chunk("chara", V2_CARD)))
    persona = result.persona
    assert persona.id == "captain-mirela-vos"
    assert service.registry.get(persona.id) == persona
    assert service.source_of(persona.id) == "card"
    assert load_persona_file(service.path_for(persona.id)) == persona
    stored = await service.repo.get(persona.id)
    assert stored is not None and stored.source == "card" and stored.persona == persona
    rows = await service.store.fetchall(
        "SELECT keys, constant, selective, priority FROM persona_lore WHERE persona = ?"
        " ORDER BY idx",
        (persona.id,),
    )
    assert json.loads(rows[0][0]) == ["Kestrel", "airship"]
    assert [r[1] for r in rows] == [0, 0, 1, 0] and [r[2] for r in rows] == [0, 1, 0, 0]


async def test_import_collision_suffixes_or_refuses(service: PersonaService):
    await service.create(Persona(id="oren", name="Oren", system_prompt="p"))
    result = await service.import_card(json.dumps(V3_CARD))
    assert result.persona.id == "oren-2"
    assert any("'oren' is taken" in w for w in result.warnings)
    assert any("also answer to 'Oren'" in w for w in result.warnings)
    with pytest.raises(PersonaError, match="already exists"):
        await service.import_card(json.dumps(V3_CARD), on_collision="refuse")
    assert sorted(service.registry.ids()) == ["oren", "oren-2"]


async def test_import_of_a_reserved_name_gets_a_suffix(service: PersonaService):
    result = await service.import_card({"spec": "chara_card_v2", "data": {"name": "System"}})
    assert result.persona.id == "system-2"


async def test_bad_card_through_the_service_changes_nothing(service: PersonaService, tmp_path):
    with pytest.raises(PersonaError, match="no character card"):
        await service.import_card(make_png())
    assert len(service.registry) == 0
    assert list((tmp_path / "personas").iterdir()) == []


async def test_console_persona_import_of_a_png_card_and_of_a_bad_file(duo, tmp_path: Path):
    from console.testing import run_piped

    card = tmp_path / "mirela.png"
    card.write_bytes(make_png(text_chunk("chara", V2_CARD)))
    broken = tmp_path / "broken.json"
    broken.write_text('{"spec": "chara_card_v2", "data": ')
    run = await run_piped(duo, f"persona import {card}", f"persona import {broken}")
    assert f"imported captain-mirela-vos (Captain Mirela Vos) from {card}, 4 lore" in run.output
    assert "persona import: the card is not valid JSON" in run.output
    assert "nothing changed" in run.output
    assert [ok for _, ok in run.results] == [True, False]
    persona = duo.personas.get("captain-mirela-vos")
    assert persona is not None and len(persona.lore) == 4
    assert duo.persona_service.source_of(persona.id) == "card"
    assert sorted(duo.personas.ids()) == ["captain-mirela-vos", "luna", "nova"]
    actions = [action for _, _, action, _ in await duo.store.audit.recent()]
    assert "persona.import" in actions
