"""Persona files: a clear error naming the file and the field; the bot starts with the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Sanctum
from bot.llm.offline import OfflineProvider
from bot.personas import PersonaFileError, load_persona_dir, load_persona_file
from tests.conftest import PERSONAS, make_settings


def test_luna_ships_with_her_aliases():
    luna = load_persona_file(PERSONAS / "luna.toml")
    assert luna.id == "luna" and luna.name == "Luna"
    assert set(luna.aliases) >= {"luna", "lunabot"}


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('name = "X"\n', "system_prompt"),
        ('name = "X"\nsystem_prompt = "p"\n[style]\nmax_length = "long"\n', "style.max_length"),
        ('name = "X"\nsystem_prompt = "p"\nunknown_key = 1\n', "unknown_key"),
        ('name = ""\nsystem_prompt = "p"\n', "name"),
    ],
)
def test_invalid_file_names_file_and_field(tmp_path, content, field):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(PersonaFileError) as caught:
        load_persona_file(path)
    message = str(caught.value)
    assert str(path) in message and f"field '{field}'" in message


def test_broken_toml_and_binary_files(tmp_path):
    (tmp_path / "broken.toml").write_text('name = "unterminated\n')
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00junk")
    (tmp_path / "Bad Id.toml").write_text('name = "X"\nsystem_prompt = "p"\n')
    result = load_persona_dir(tmp_path)
    assert result.personas == []
    messages = sorted(str(e) for e in result.errors)
    assert any("invalid TOML" in m for m in messages)
    assert any("not UTF-8" in m for m in messages)
    assert any("field 'id'" in m and "slug" in m for m in messages)


def test_reserved_and_mismatched_ids(tmp_path):
    (tmp_path / "sanctum.toml").write_text('name = "X"\nsystem_prompt = "p"\n')
    (tmp_path / "nova.toml").write_text('id = "other"\nname = "X"\nsystem_prompt = "p"\n')
    errors = [str(e) for e in load_persona_dir(tmp_path).errors]
    assert any("reserved" in e for e in errors)
    assert any("does not match the file name" in e for e in errors)


def test_missing_directory_is_an_error_not_a_crash(tmp_path):
    result = load_persona_dir(tmp_path / "nope")
    assert result.personas == [] and "not found" in str(result.errors[0])


async def test_bot_starts_with_the_valid_personas(tmp_path: Path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "luna.toml").write_text((PERSONAS / "luna.toml").read_text())
    (folder / "broken.toml").write_text("name = [")
    bot = Sanctum(make_settings(tmp_path, folder), llm=OfflineProvider())
    await bot.start(connect_platforms=False)
    try:
        assert bot.personas.ids() == ["luna"]
        assert len(bot.persona_errors) == 1 and "broken.toml" in bot.persona_errors[0]
        message = bot.local.make_message("lobby", "hi luna")
        turn = await bot.dispatcher.handle(message)
        assert turn.sent
    finally:
        await bot.stop()
