"""Drive the real console from a script: prompt_toolkit's pipe input and a dummy output.

``await run_piped(bot, "status", "say lobby hi")`` types each line (and Enter) into the real
``PromptSession.prompt_async()`` in the running loop, ends with Ctrl-D, and returns what the
console printed and each line's outcome. Used by the tests and handy for scripted demos.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console as RichConsole

from console.app import AdminConsole

ENTER, CTRL_C, CTRL_D = "\r", "\x03", "\x04"


@dataclass(slots=True)
class PipedRun:
    console: AdminConsole
    output: str

    @property
    def results(self) -> list[tuple[str, bool]]:
        return self.console.results

    def ok(self, line: str) -> bool:
        """Whether ``line`` (run exactly once) succeeded."""
        found = [ok for text, ok in self.results if text == line]
        if len(found) != 1:
            raise AssertionError(f"{line!r} ran {len(found)} times: {self.results}")
        return found[0]


async def run_piped(bot: Any, *lines: str, width: int = 160) -> PipedRun:
    """Type ``lines`` into a fresh console on ``bot``; a line ending in a control key (Ctrl-C)
    is sent as is, the others get Enter. The run ends at `quit` or at the final Ctrl-D."""
    buffer = io.StringIO()
    with create_pipe_input() as pipe:
        console = AdminConsole(bot, input=pipe, output=DummyOutput())
        console.rich = lambda: RichConsole(  # type: ignore[method-assign]
            file=buffer, width=width, highlight=False, soft_wrap=True
        )
        for line in lines:
            pipe.send_text(line if line.endswith((CTRL_C, CTRL_D)) else line + ENTER)
        pipe.send_text(CTRL_D)
        await console.run()
    await bot.dispatcher.drain()
    return PipedRun(console, buffer.getvalue())
