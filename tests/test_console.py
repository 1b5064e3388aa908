"""The console: the real PromptSession, driven through a pipe, in the bot's own loop."""

from __future__ import annotations

import io

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console as RichConsole

from bot.commands import CommandError, Scope, command
from bot.message import Role
from console.app import AdminConsole, capture_console
from console.completion import CommandCompleter


def piped_console(app, pipe) -> tuple[AdminConsole, io.StringIO]:
    buffer = io.StringIO()
    console = AdminConsole(app, input=pipe, output=DummyOutput())
    console.rich = lambda: RichConsole(file=buffer, width=120, highlight=False)
    return console, buffer


async def test_say_gets_lunas_reply_then_quit(app):
    with create_pipe_input() as pipe:
        console, buffer = piped_console(app, pipe)
        pipe.send_text("help\r")
        pipe.send_text("say lobby hello luna\r")
        pipe.send_text("quit\r")
        await console.run()
    await app.dispatcher.drain()
    out = buffer.getvalue()
    assert "say ROOM TEXT" in out  # help listed the console commands
    assert "[lobby] Luna: [offline] Luna here" in out
    assert app.stop_requested.is_set()


async def test_ctrl_c_clears_the_line_and_ctrl_d_quits(app):
    with create_pipe_input() as pipe:
        console, buffer = piped_console(app, pipe)
        pipe.send_text("say lobby half typed\x03")  # Ctrl-C: abandoned
        pipe.send_text("rooms\r")
        pipe.send_text("\x04")  # Ctrl-D
        await console.run()
    out = buffer.getvalue()
    assert "lobby" in out
    assert app.local.log("lobby") == []  # the abandoned line was never said


async def test_unknown_and_failing_commands_print_one_line_and_keep_going(app):
    @command("explode", scope=Scope.CONSOLE, role=Role.OWNER)
    async def explode(ctx):
        raise RuntimeError("kaboom")

    @command("refuse", scope=Scope.CONSOLE, role=Role.OWNER)
    async def refuse(ctx):
        raise CommandError("no, politely")

    app.commands.add(explode)
    app.commands.add(refuse)
    with create_pipe_input() as pipe:
        console, buffer = piped_console(app, pipe)
        pipe.send_text("frobnicate\r")
        pipe.send_text("explode\r")
        pipe.send_text("refuse\r")
        pipe.send_text("say nowhere hi\r")
        pipe.send_text("status\r")
        pipe.send_text("quit\r")
        await console.run()
    out = buffer.getvalue()
    assert "unknown command: frobnicate (try help)" in out
    assert "explode failed: RuntimeError: kaboom" in out
    assert "no, politely" in out
    assert "no room 'nowhere'" in out
    assert "sqlite-vec v0.1" in out  # status still ran after the failures


async def test_status_rooms_personas(app):
    console, buffer = capture_console(app)
    assert await console.execute("status")
    assert await console.execute("rooms")
    assert await console.execute("rooms local")
    assert await console.execute("personas")
    assert not await console.execute("rooms matrix")
    out = buffer.getvalue()
    for expected in (
        "offline provider",
        "sqlite-vec",
        "lobby",
        "lunabot",
        "matrix is not connected",
    ):
        assert expected in out


async def test_completion_of_commands_and_arguments(app):
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    completer = CommandCompleter(app)

    def complete(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    assert "say" in complete("s") and "status" in complete("s")
    assert complete("say ") == ["lobby"]
    assert complete("say lo") == ["lobby"]
    assert "local" in complete("rooms ")
    assert complete("nonsense ") == []
