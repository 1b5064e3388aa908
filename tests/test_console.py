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


async def test_toolbar_shows_platforms_rate_and_llm_calls(app, clock):
    from console.testing import run_piped

    console, _ = capture_console(app)
    assert console.toolbar() == " local:up | 0 msg/min | LLM in flight: 0 | help for commands "
    await run_piped(app, "say lobby hello luna")
    assert "| 2 msg/min |" in console.toolbar()  # the line and Luna's answer
    clock.advance(61)
    assert "| 0 msg/min |" in console.toolbar()


async def test_history_is_kept_in_the_data_dir(app):
    from console.testing import run_piped

    await run_piped(app, "rooms", "personas")
    history = (app.settings.data_dir / app.settings.console.history_file).read_text()
    assert "+rooms" in history and "+personas" in history


async def test_warnings_print_through_the_patched_stdout_while_the_prompt_runs(app, tmp_path):
    import logging
    import sys

    from prompt_toolkit.patch_stdout import StdoutProxy

    from bot import logs
    from console.testing import run_piped

    original = io.StringIO()
    logs.setup_logging(tmp_path / "logdata", console_level="WARNING", stream=original)
    seen = []

    @command("peek", scope=Scope.CONSOLE, role=Role.OWNER)
    async def peek(ctx):
        handler = logs._sanctum_handler(logging.StreamHandler)
        seen.append((handler.stream, sys.stderr))
        logging.getLogger("tests.console").warning("a warning while the prompt runs")

    app.commands.add(peek)
    try:
        await run_piped(app, "peek")
        handler = logs._sanctum_handler(logging.StreamHandler)
        assert handler.stream is original  # put back when the console ends
    finally:
        root = logging.getLogger()
        for h in [h for h in root.handlers if getattr(h, "_sanctum", False)]:
            root.removeHandler(h)
            h.close()
    [(stream, stderr)] = seen
    assert isinstance(stream, StdoutProxy) and stream is stderr  # above the prompt
    assert "a warning while the prompt runs" not in original.getvalue()


def test_run_command_exit_status_for_new_commands(tmp_path):
    """`sanctum run-command` (and commands piped on stdin) fail when one command fails."""
    import subprocess
    import sys

    from tests.conftest import PERSONAS

    def sanctum(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "--data",
                str(tmp_path / "data"),
                "--personas",
                str(PERSONAS),
                *args,
            ],
            cwd=tmp_path,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = sanctum("run-command", "backup", "rooms local", "logs tail 5", "purge_and_seed --yes")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "backup written to" in ok.stdout and "store wiped" in ok.stdout
    failed = sanctum(stdin="rooms\njoin matrix !x:y\npurge_and_seed\n")
    assert failed.returncode == 1
    assert "matrix is not connected" in failed.stdout
    assert "run `purge_and_seed --yes` to confirm" in failed.stdout
    assert len(list((tmp_path / "data" / "backups").glob("*.db"))) == 2


SAFETY_S = 60  # a hung test fails instead of hanging; nothing here is timed


def sigint_self() -> None:
    """Ctrl-C as a terminal delivers it while a command runs: SIGINT to this process."""
    import asyncio.unix_events
    import os
    import signal

    # Unless the loop holds SIGINT (the console's handler), this would be KeyboardInterrupt
    # and stop pytest itself: fail the test instead.
    assert signal.getsignal(signal.SIGINT) is asyncio.unix_events._sighandler_noop
    os.kill(os.getpid(), signal.SIGINT)


async def test_ctrl_c_during_a_command_interrupts_it_or_says_it_cannot(app):
    import asyncio

    from console.options import interruptible

    @interruptible
    @command("crawl", scope=Scope.CONSOLE, role=Role.OWNER)
    async def crawl(ctx):
        await ctx.reply("crawling")
        sigint_self()
        await asyncio.wait_for(asyncio.Event().wait(), SAFETY_S)  # until Ctrl-C cancels it
        return "crawl ran to its end"

    @command("churn", scope=Scope.CONSOLE, role=Role.OWNER)
    async def churn(ctx):
        sigint_self()
        for _ in range(100_000):  # until the console has answered the Ctrl-C
            if "cannot be interrupted" in buffer.getvalue():
                break
            await asyncio.sleep(0)
        return "churn finished"

    app.commands.add(crawl)
    app.commands.add(churn)
    with create_pipe_input() as pipe:
        console, buffer = piped_console(app, pipe)
        pipe.send_text("crawl\r")
        pipe.send_text("churn\r")
        pipe.send_text("rooms\r")
        pipe.send_text("\x04")
        await console.run()
    out = buffer.getvalue()
    assert console.results == [("crawl", False), ("churn", True), ("rooms", True)]
    assert "crawling" in out and "interrupted: crawl" in out
    assert "crawl ran to its end" not in out
    assert "churn cannot be interrupted; it will finish on its own" in out
    assert "churn finished" in out
    assert not app.stop_requested.is_set()  # Ctrl-C never stops the bot


async def test_a_crash_is_one_line_on_screen_and_a_traceback_in_the_log_file(app, tmp_path):
    import logging

    from bot import logs
    from console.testing import run_piped

    logs.setup_logging(tmp_path / "logdata", stream=io.StringIO())
    screen = io.StringIO()  # what the terminal handler prints while the prompt runs

    @command("tap", scope=Scope.CONSOLE, role=Role.OWNER)
    async def tap(ctx):
        logs._sanctum_handler(logging.StreamHandler).setStream(screen)

    @command("explode", scope=Scope.CONSOLE, role=Role.OWNER)
    async def explode(ctx):
        raise RuntimeError("kaboom")

    @command("shrug", scope=Scope.CONSOLE, role=Role.OWNER)
    async def shrug(ctx):
        try:
            raise ValueError("a bad page")
        except ValueError:
            logging.getLogger("tests.console").warning("skipped a page", exc_info=True)
        return "shrugged"

    for cmd in (tap, explode, shrug):
        app.commands.add(cmd)
    try:
        run = await run_piped(app, "tap", "explode", "shrug")
        log_text = (tmp_path / "logdata" / "logs" / logs.LOG_FILE).read_text()
    finally:
        root = logging.getLogger()
        for h in [h for h in root.handlers if getattr(h, "_sanctum", False)]:
            root.removeHandler(h)
            h.close()
    assert run.output.count("explode failed: RuntimeError: kaboom") == 1
    assert "Traceback" not in screen.getvalue()  # never a traceback over the prompt
    assert "command explode failed" not in screen.getvalue()  # answered once, above
    assert screen.getvalue().splitlines() == [
        "WARNING tests.console: skipped a page (ValueError: a bad page; traceback in the log file)"
    ]
    assert "command explode failed" in log_text and "Traceback" in log_text
    assert 'raise RuntimeError("kaboom")' in log_text


async def test_help_lists_a_table_explains_one_and_fails_on_an_unknown_one(app):
    from bot.cog import Cog
    from console.testing import run_piped

    class Undocumented(Cog, name="undocumented"):
        @command("bare", scope=Scope.CONSOLE, role=Role.OWNER)
        async def bare(self, ctx) -> str:
            return "bare ran"

    await app.cogs.add(Undocumented(app), __name__)
    run = await run_piped(app, "help", "help cogs", "help nosuch", "help quiet", "help bare")
    assert run.ok("help") and "┃ command" in run.output and "say ROOM TEXT" in run.output
    assert "callback" not in run.output  # not the Command dataclass's docstring as help
    assert run.ok("help bare") and "\nbare\n" in run.output
    assert "warden SUBCOMMAND" in run.output  # a long subcommand list moves to the right
    assert run.ok("help cogs") and "  cogs reload COG: Reload a cog's code" in run.output
    assert not run.ok("help nosuch") and "No command nosuch that you can run." in run.output
    assert not run.ok("help quiet")  # a chat-only command is not the console's
