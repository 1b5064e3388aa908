"""The admin console: prompt_toolkit in the bot's own event loop.

``PromptSession.prompt_async()`` runs in the same loop as the adapters and the dispatcher (no
thread), and ``patch_stdout()`` makes chat, replies and logs print above the prompt. The
console runs the shared command registry as OWNER, so console-only commands (spawn, purge,
cogs...) live beside the chat commands without ever being reachable from chat.

Commands reach the console through ``bot.console`` for what only a terminal can do: ask for a
typed confirmation (:meth:`AdminConsole.confirm`), run ``$EDITOR`` (:meth:`terminal`) and draw
a progress bar (:meth:`rich`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import signal
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.application import in_terminal
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.patch_stdout import patch_stdout
from rich.console import Console as RichConsole
from rich.markup import escape

from bot import logs
from bot.commands import Scope
from bot.message import Message, Role
from console.completion import CommandCompleter
from console.options import is_interruptible

PROMPT = "sanctum> "
TOOLBAR_REFRESH_S = 2.0


class AdminConsole:
    def __init__(
        self, bot: Any, *, interactive: bool = True, input: Any = None, output: Any = None
    ) -> None:
        self.bot = bot
        self.interactive = interactive
        self._input = input
        self._output = output
        self.session: PromptSession | None = None
        self.last_failed = False
        self.results: list[tuple[str, bool]] = []  # every line run, and whether it succeeded
        self._held: list[Any] | None = None  # output held back while $EDITOR has the terminal
        self._running: tuple[asyncio.Task, str, Any] | None = None  # task, line, command
        bot.local.subscribe(self.on_local_message)
        bot.console = self

    # -- output ----------------------------------------------------------------------------

    def rich(self) -> RichConsole:
        # Built per print: under patch_stdout, sys.stdout is a proxy that must be looked up late.
        return RichConsole(
            file=sys.stdout,
            highlight=False,
            soft_wrap=True,
            force_terminal=(self.interactive and sys.stdout.isatty()) or None,
        )

    async def print(self, content: Any) -> None:
        self.show(content)

    def show(self, content: Any) -> None:
        if self._held is not None:
            self._held.append(content)
            return
        console = self.rich()
        if isinstance(content, str):
            console.print(escape(content))
        else:
            console.print(content, soft_wrap=False)  # tables: wrapped cells, centred title

    def on_local_message(self, message: Message) -> None:
        if message.author.id == self.bot.local.owner.id:
            return
        self.show(f"[{message.room.label}] {message.author.label}: {message.text}")

    # -- what commands ask of the terminal ---------------------------------------------------

    @contextlib.asynccontextmanager
    async def terminal(self) -> AsyncIterator[None]:
        """Hand the terminal to a child process ($EDITOR): the prompt steps aside and chat
        lines wait until it is done, so nothing draws over the editor."""
        self._held = []
        try:
            async with in_terminal():
                yield
        finally:
            held, self._held = self._held, None
            for content in held:
                self.show(content)

    def has_terminal(self) -> bool:
        """Whether a person is at a terminal to run ``$EDITOR`` in."""
        return self.interactive or sys.stdin.isatty()

    async def confirm(self, word: str, question: str) -> bool:
        """Ask the person at the console to type ``word``; False for anything else."""
        if not self.interactive:
            return False
        session: PromptSession = PromptSession(input=self._input, output=self._output)
        try:
            answer = await session.prompt_async(f"{question} Type {word} to go on: ")
        except (EOFError, KeyboardInterrupt):
            return False
        finally:
            if self._running is not None:
                self._catch_sigint()  # the question's prompt removed our Ctrl-C handler
        return answer.strip() == word

    # -- commands --------------------------------------------------------------------------

    async def execute(self, text: str) -> bool:
        """Run one console line; True when it succeeded. Never raises (but a cancellation of
        the console itself goes on up)."""
        text = text.strip()
        if not text:
            return True
        cmd, _, _ = self.bot.commands.resolve(text, Scope.CONSOLE)
        task = asyncio.ensure_future(self._run_line(text))
        self._running = (task, text, cmd)
        try:
            with self._sigint_interrupts():
                ok = await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the console is being stopped, not the command interrupted
            self.show(f"interrupted: {text}")
            ok = False
        finally:
            self._running = None
        self.results.append((text, ok))
        return ok

    async def _run_line(self, text: str) -> bool:
        try:
            with logs.answered():  # a crash is the one line below, not a traceback too
                outcome = await self.bot.commands.execute(
                    text,
                    bot=self.bot,
                    user=self.bot.local.owner,
                    role=Role.OWNER,
                    source=Scope.CONSOLE,
                    reply=self.print,
                    prefix="",
                )
        except Exception as error:
            self.show(f"error: {type(error).__name__}: {error}")
            return False
        if outcome.status == "unknown":
            self.show(f"unknown command: {outcome.command} (try help)")
        return not outcome.failed

    # -- Ctrl-C while a command runs ----------------------------------------------------------

    def interrupt(self) -> None:
        """Ctrl-C while a command runs: the terminal is not the prompt's then, so it arrives
        as SIGINT. It cancels an interruptible command (a backfill); the others say so and go
        on. It never stops the bot (quit, Ctrl-D or SIGTERM do)."""
        if self._running is None:
            return
        task, text, cmd = self._running
        if task.done():
            return
        if self.interactive and sys.__stdout__ is not None and sys.__stdout__.isatty():
            self.show("")  # off the line of the terminal's "^C" echo
        if is_interruptible(cmd):
            task.cancel()
        else:
            name = cmd.qualified_name if cmd is not None else text.split()[0]
            self.show(f"{name} cannot be interrupted; it will finish on its own")

    def _catch_sigint(self) -> bool:
        if not self.interactive or threading.current_thread() is not threading.main_thread():
            return False
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, self.interrupt)
        except (NotImplementedError, RuntimeError, ValueError):  # no signals here (Windows)
            return False
        return True

    @contextlib.contextmanager
    def _sigint_interrupts(self) -> Iterator[None]:
        # prompt_toolkit takes SIGINT while it prompts and removes its handler after; between
        # prompts Ctrl-C would otherwise do nothing at all.
        previous = signal.getsignal(signal.SIGINT)
        if not self._catch_sigint():
            yield
            return
        try:
            yield
        finally:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    # -- the interactive loop ----------------------------------------------------------------

    def toolbar(self) -> str:
        bot = self.bot
        platforms = " ".join(
            f"{adapter.name}:{'up' if adapter.connected else adapter.state}"
            for adapter in bot.adapters.values()
        )
        per_minute = getattr(bot, "messages_per_minute", lambda: None)()
        rate = f" | {per_minute} msg/min" if per_minute is not None else ""
        llm_busy = getattr(bot.llm.stats, "in_flight", 0)
        return f" {platforms}{rate} | LLM in flight: {llm_busy} | help for commands "

    @staticmethod
    def key_bindings() -> KeyBindings:
        bindings = KeyBindings()

        @bindings.add("c-c")
        def _clear_line(event: Any) -> None:
            # Ctrl-C clears what is typed; it never stops the bot.
            event.app.current_buffer.reset()

        return bindings

    def make_session(self) -> PromptSession:
        history_path = self.bot.settings.data_dir / self.bot.settings.console.history_file
        try:
            history_path.parent.mkdir(parents=True, exist_ok=True)
            history = FileHistory(str(history_path))
        except OSError:
            history = InMemoryHistory()
        return PromptSession(
            history=history,
            key_bindings=self.key_bindings(),
            completer=CommandCompleter(self.bot),
            complete_while_typing=False,
            bottom_toolbar=self.toolbar,
            refresh_interval=TOOLBAR_REFRESH_S,  # keeps the toolbar's numbers moving
            input=self._input,
            output=self._output,
        )

    async def run(self) -> None:
        """Prompt until `quit`, Ctrl-D, or a stop request (SIGTERM)."""
        self.session = self.make_session()
        watcher = asyncio.ensure_future(self._exit_on_stop())
        # Warnings and errors go through the patched stderr too, so they print above the prompt.
        with patch_stdout(raw=True), logs.terminal_to(sys.stderr):
            self.show("Sanctum console. Type help for commands, quit or Ctrl-D to leave.")
            for error in getattr(self.bot, "persona_errors", []):
                self.show(f"persona not loaded: {error}")
            for error in getattr(self.bot, "cog_errors", []):
                self.show(f"cog not loaded: {error}")
            try:
                while not self.bot.stop_requested.is_set():
                    try:
                        text = await self.session.prompt_async(PROMPT)
                    except KeyboardInterrupt:
                        continue  # Ctrl-C clears the line
                    except EOFError:
                        break  # Ctrl-D quits cleanly
                    self.last_failed = not await self.execute(text)
            finally:
                watcher.cancel()

    async def _exit_on_stop(self) -> None:
        """A stop request (SIGTERM, `quit` from automation) ends a waiting prompt."""
        await self.bot.stop_requested.wait()
        app = self.session.app if self.session else None
        if app is not None and app.is_running:
            app.exit(exception=EOFError())


def capture_console(bot: Any) -> tuple[AdminConsole, io.StringIO]:
    """A non-interactive console whose output goes to a string (automation and tests)."""
    buffer = io.StringIO()
    console = AdminConsole(bot, interactive=False)
    console.rich = lambda: RichConsole(  # type: ignore[method-assign]
        file=buffer,
        highlight=False,
        soft_wrap=True,
        width=120,
    )
    return console, buffer
