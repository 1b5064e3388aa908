"""Console persona commands through the real PromptSession: personas, persona show|edit (a real
$EDITOR process), spawn and despawn, each with its happy and its error path. The apps here use
a temporary persona folder (the ``duo`` fixture: Luna and Nova), never the repository's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.adapters.local import LocalAdapter
from bot.message import Platform
from console.testing import run_piped

EDITOR_SCRIPT = """
import pathlib, sys
path = pathlib.Path(sys.argv[-1])
mode = {mode!r}
text = path.read_text()
if mode == "good":
    text = text.replace('traits = [', 'traits = ["stargazer", ')
elif mode == "bad":
    text += "\\ntemperature = 'scorching'\\n"
elif mode == "fail":
    sys.exit(3)
path.write_text(text)
"""


def use_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    script = tmp_path / f"editor_{mode}.py"
    script.write_text(EDITOR_SCRIPT.format(mode=mode))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")


async def test_personas_and_persona_show(duo):
    run = await run_piped(
        duo, "personas", "persona show nova", "persona show Luna", "persona show ghost", "persona"
    )
    assert run.ok("personas")
    assert "nova" in run.output and "file" in run.output  # the source column
    assert run.ok("persona show nova") and 'system_prompt = "You are Nova' in run.output
    assert run.ok("persona show Luna")  # by name, any case
    assert not run.ok("persona show ghost") and "no persona 'ghost'" in run.output
    assert not run.ok("persona") and "Usage: persona edit|import|show" in run.output


async def test_persona_edit_applies_a_valid_edit(duo, tmp_path, monkeypatch):
    use_editor(tmp_path, monkeypatch, "good")
    run = await run_piped(duo, "persona edit luna")
    assert run.ok("persona edit luna") and "luna updated" in run.output
    assert "stargazer" in duo.personas.get("luna").traits
    on_disk = (duo.settings.personas_dir / "luna.toml").read_text()
    assert 'traits = ["stargazer", ' in on_disk
    assert "# Luna: the default persona" in on_disk  # the file as edited, comments kept
    actions = [a for _, _, a, _ in await duo.store.audit.recent()]
    assert "persona.edit" in actions


async def test_persona_edit_rolls_back_an_invalid_edit_and_keeps_it(duo, tmp_path, monkeypatch):
    before = (duo.settings.personas_dir / "nova.toml").read_text()
    use_editor(tmp_path, monkeypatch, "bad")
    run = await run_piped(duo, "persona edit nova")
    assert not run.ok("persona edit nova")
    assert "field 'temperature'" in run.output  # the error names the field
    assert "nothing changed" in run.output
    assert (duo.settings.personas_dir / "nova.toml").read_text() == before
    assert duo.personas.get("nova").temperature is None
    kept = list((duo.settings.data_dir / "edits").glob("nova-*.toml"))
    assert kept and "scorching" in kept[0].read_text()  # the edit is not lost


async def test_persona_edit_editor_failure_and_no_change(duo, tmp_path, monkeypatch):
    use_editor(tmp_path, monkeypatch, "fail")
    run = await run_piped(duo, "persona edit nova")
    assert not run.ok("persona edit nova") and "exited with status 3" in run.output
    use_editor(tmp_path, monkeypatch, "same")
    run = await run_piped(duo, "persona edit nova")
    assert run.ok("persona edit nova") and "nova: no changes" in run.output
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    run = await run_piped(duo, "persona edit nova")
    assert not run.ok("persona edit nova") and "cannot run editor" in run.output


async def test_spawn_and_despawn(duo):
    run = await run_piped(
        duo,
        "spawn Star Gazer --room lobby --prompt You are Star Gazer; you name constellations.",
        "spawn Nova",
        "spawn Vega --platform matrix",
        "spawn --platform local",
        "spawn Vega --colour red",
        "say lobby hello star gazer",
    )
    assert [ok for _, ok in run.results] == [True, False, False, False, False, True]
    assert "spawned star-gazer (Star Gazer)" in run.output
    gazer = duo.personas.get("star-gazer")
    assert gazer.system_prompt == "You are Star Gazer; you name constellations."
    assert gazer.rooms == ("lobby",)
    assert duo.persona_service.source_of("star-gazer") == "spawned"
    assert (duo.settings.personas_dir / "star-gazer.toml").exists()
    assert "persona 'nova' already exists" in run.output
    assert "matrix is not connected" in run.output
    assert "NAME is missing" in run.output
    assert "unknown option --colour (options: --platform, --room, --prompt)" in run.output
    assert "[lobby] Star Gazer: [offline]" in run.output  # the new persona answers at once

    run = await run_piped(duo, "despawn star-gazer", "despawn star-gazer", "despawn ghost")
    assert [ok for _, ok in run.results] == [True, False, False]
    assert "despawned star-gazer" in run.output
    assert "star-gazer" not in duo.personas
    assert not (duo.settings.personas_dir / "star-gazer.toml").exists()
    assert list((duo.settings.personas_dir / ".removed").glob("star-gazer.*.toml"))
    actions = [a for _, _, a, _ in await duo.store.audit.recent()]
    assert {"persona.spawn", "persona.despawn"} <= set(actions)


async def test_spawn_on_a_platform_that_cannot_make_accounts_keeps_nothing(duo):
    # The local adapter standing in for Twitch (as replay does): connected, but it has no
    # account API, so the spawn fails cleanly and leaves no persona, file or row behind.
    await duo.add_adapter(LocalAdapter(duo.personas, clock=duo.clock, platform=Platform.TWITCH))
    run = await run_piped(duo, "spawn Vega --platform twitch")
    assert not run.ok("spawn Vega --platform twitch")
    assert "twitch cannot create accounts for personas; nothing was created" in run.output
    assert "vega" not in duo.personas
    assert not (duo.settings.personas_dir / "vega.toml").exists()


async def test_persona_edit_without_a_terminal_is_one_line_and_runs_no_editor(
    duo, tmp_path, monkeypatch
):
    import io

    from console.app import capture_console

    use_editor(tmp_path, monkeypatch, "good")
    monkeypatch.setattr(sys, "stdin", io.StringIO("piped commands\n"))  # not a TTY
    console, out = capture_console(duo)
    assert not await console.execute("persona edit luna")
    assert "persona edit needs a terminal for $EDITOR" in out.getvalue()
    assert "stargazer" not in duo.personas.get("luna").traits  # the editor never ran


async def test_despawn_needs_every_platform_of_the_persona_connected(duo):
    # Nova speaks on Matrix too; Matrix is not connected: despawn says so and removes nothing.
    path = duo.settings.personas_dir / "nova.toml"
    text = path.read_text() + '\n[accounts]\nmatrix = "@nova:example.org"\n'
    await duo.persona_service.apply_toml("nova", text)
    assert duo.personas.get("nova").account(Platform.MATRIX) == "@nova:example.org"
    run = await run_piped(duo, "despawn nova")
    assert not run.ok("despawn nova") and "matrix is not connected" in run.output
    assert "nova" in duo.personas and path.exists()
