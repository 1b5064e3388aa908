"""Completion for every kind of argument, and the --flag parser it shares with the commands."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from bot.adapters.local import LocalAdapter
from bot.commands import UsageError
from bot.message import Platform
from console.completion import CommandCompleter
from console.options import Flag, FlagSpec


@pytest.fixture
def complete(duo):
    completer = CommandCompleter(duo)

    def run(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    return run


def test_command_names(complete):
    names = complete("")
    for expected in (
        "help",
        "status",
        "rooms",
        "join",
        "leave",
        "say",
        "as",
        "create_channel",
        "add_participant",
        "personas",
        "persona",
        "spawn",
        "despawn",
        "fetch_all",
        "fetch_new",
        "cogs",
        "logs",
        "rotate_logs",
        "backup",
        "purge_and_seed",
        "quit",
    ):
        assert expected in names, expected
    assert "quiet" not in names and "addcom" not in names  # chat-only commands
    assert complete("fe") == ["fetch_all", "fetch_new"]
    assert complete("nonsense ") == []


def test_subcommands(complete):
    assert complete("cogs ") == ["list", "load", "reload", "unload"]
    assert complete("cogs re") == ["reload"]
    assert complete("persona ") == ["edit", "import", "show"]  # the console's, not chat's
    assert complete("logs ") == ["tail"]


def test_persona_ids(complete):
    assert complete("persona show ") == ["luna", "nova"]
    assert complete("persona edit n") == ["nova"]
    assert complete("despawn ") == ["luna", "nova"]
    assert complete("as ") == ["luna", "nova"]
    assert complete("as luna ") == ["say"]  # a Literal completes its choices
    assert complete("as luna say ") == ["lobby"]
    assert complete("as luna say lobby ") == []  # free text


def test_room_ids(duo, complete):
    duo.local.ensure_room("den")
    assert complete("say ") == ["lobby", "den"]
    assert complete("fetch_all d") == ["den"]
    assert complete("fetch_new ") == ["lobby", "den"]
    assert complete("leave local ") == ["lobby", "den"]  # rooms of the platform given


async def test_room_keys_of_other_platforms(duo, complete):
    twitch = LocalAdapter(
        duo.personas, clock=duo.clock, platform=Platform.TWITCH, create_lobby=False
    )
    await duo.add_adapter(twitch)
    twitch.ensure_room("streamer")
    assert "twitch:streamer" in complete("say ")
    assert complete("leave twitch ") == ["streamer"]  # bare ids after PLATFORM


def test_platforms(complete):
    assert complete("rooms ") == ["local", "discord", "twitch", "matrix"]
    assert complete("join m") == ["matrix"]
    assert complete("create_channel ") == ["local", "discord", "twitch", "matrix"]
    assert complete("create_channel local ") == []  # a new name: nothing to offer


def test_users(duo, complete):
    assert complete("add_participant lobby ") == ["luna", "nova", "owner"]


async def test_cogs(duo, complete):
    loaded = complete("cogs reload ")
    assert {"admin", "steward", "moderation", "core", "warden"} <= set(loaded)
    assert "builtin" not in loaded  # bot.builtin is the core cog: `cogs reload builtin` fails
    assert complete("cogs unload st") == ["steward"]
    assert complete("cogs load ") == []  # every module in cogs/ is loaded already
    await duo.cogs.unload("warden")
    assert complete("cogs load ") == ["warden"]  # a module in cogs/ that can be loaded
    assert "warden" not in complete("cogs reload ")


def test_help_topics(complete):
    assert "spawn" in complete("help ")
    assert complete("help cogs ") == ["list", "load", "reload", "unload"]
    assert complete("help sp") == ["spawn"]


def test_flags(complete):
    assert complete("spawn Vega ") == ["--platform", "--room", "--prompt"]
    assert complete("spawn Vega --") == ["--platform", "--room", "--prompt"]
    assert complete("spawn Vega --platform ") == ["local", "discord", "twitch", "matrix"]
    assert complete("spawn Vega --platform local --") == ["--room", "--prompt"]
    assert complete("spawn Vega --room ") == ["lobby"]
    assert complete("spawn Vega --prompt You are ") == []  # the prompt is free text
    assert complete("purge_and_seed ") == ["--yes"]


def test_a_broken_source_completes_nothing_instead_of_crashing(duo, complete):
    duo.personas.ids = None  # type: ignore[assignment]  # calling it raises TypeError
    assert complete("despawn ") == []


SPEC = FlagSpec(
    (
        Flag("platform", "P"),
        Flag("room", "R"),
        Flag("yes"),
        Flag("prompt", "TEXT", rest=True),
    )
)


def test_flag_parsing():
    parsed = SPEC.parse('Star Gazer --platform matrix --room=!abc:x --yes --prompt "Be kind." ok')
    assert parsed.text() == "Star Gazer"
    assert parsed.options == {
        "platform": "matrix",
        "room": "!abc:x",
        "yes": True,
        "prompt": '"Be kind." ok',
    }
    assert SPEC.parse('Vega --prompt "Be kind, always."').get("prompt") == "Be kind, always."
    assert SPEC.parse("--platform local Vega").positional == ["Vega"]
    assert SPEC.parse("-- --not-a-flag").positional == ["--not-a-flag"]
    assert SPEC.parse(None).positional == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "Vega --colour red",
            "unknown option --colour (options: --platform, --room, --yes, --prompt)",
        ),
        ("Vega --platform", "--platform needs a value (P)"),
        ("Vega --prompt", "--prompt needs a value (TEXT)"),
        ("Vega --yes=no", "--yes takes no value"),
        ("Vega --room a --room b", "--room given twice"),
    ],
)
def test_flag_errors(text, error):
    with pytest.raises(UsageError) as raised:
        SPEC.parse(text)
    assert str(raised.value) == error
