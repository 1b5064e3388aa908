"""End to end: `sanctum` in a pseudo-terminal, as a person would use it.

The real CLI starts (cwd a temp dir, the repository's personas, data in the temp dir), the
prompt and its toolbar draw, `help` lists the commands, `say lobby hello luna` gets Luna's
reply printed above the prompt, Ctrl-C interrupts a running command (not the bot), a crashing
command prints one line, and `quit` exits with status 0. prompt_toolkit asks the
terminal where the cursor is (CPR, ``ESC[6n``); the test answers like a terminal would.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

REPO = Path(__file__).resolve().parent.parent
# A cog loaded at the prompt: a command that waits until Ctrl-C, and one that crashes.
TEST_COG = """
import asyncio
from bot.cog import Cog
from bot.commands import Scope, command
from bot.message import Role
from console.options import interruptible


class Probe(Cog, name="probe"):
    @interruptible
    @command("wait", scope=Scope.CONSOLE, role=Role.OWNER)
    async def wait(self, ctx):
        await ctx.reply("waiting for Ctrl-C")
        await asyncio.Event().wait()

    @command("explode", scope=Scope.CONSOLE, role=Role.OWNER)
    async def explode(self, ctx):
        raise RuntimeError("kaboom")
"""
CPR_REQUEST = "\x1b[6n"
TIMEOUT_S = 30  # generous for a loaded machine; a passing run takes a few seconds


class Terminal:
    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.seen = ""

    def expect(self, pattern: str | type[pexpect.EOF]) -> str:
        """Wait for ``pattern`` (literal text, or EOF), answering cursor-position requests."""
        while True:
            index = self.child.expect_exact([CPR_REQUEST, pattern], timeout=TIMEOUT_S)
            self.seen += self.child.before + (self.child.after if index == 0 else "")
            if index == 0:
                self.child.send("\x1b[20;1R")
                continue
            if pattern is not pexpect.EOF:
                self.seen += self.child.after
            return self.child.before


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_sanctum_in_a_terminal(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANCTUM")}
    (tmp_path / "sanctum_probe").mkdir()
    (tmp_path / "sanctum_probe" / "__init__.py").write_text("")
    (tmp_path / "sanctum_probe" / "cog.py").write_text(TEST_COG)
    env.update(TERM="xterm", COLUMNS="120", LINES="40", PYTHONPATH=f"{REPO}{os.pathsep}{tmp_path}")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli", "--personas", str(REPO / "personas"), "--data", str(tmp_path / "data")],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        dimensions=(40, 120),
        timeout=TIMEOUT_S,
    )
    term = Terminal(child)
    try:
        term.expect("sanctum>")
        term.expect("msg/min")  # the bottom toolbar
        child.send("help\r")
        term.expect("say ROOM TEXT")
        term.expect("sanctum>")
        child.send("say lobby hello luna\r")
        term.expect("[lobby] Luna: ")
        reply = term.expect("\n")
        assert "[offline] Luna here" in reply
        before_prompt = term.expect("sanctum>")  # the prompt is drawn again below the reply
        assert "Luna" not in before_prompt
        child.send("cogs load sanctum_probe.cog\r")
        term.expect("loaded probe")
        term.expect("sanctum>")
        child.send("wait\r")
        term.expect("waiting for Ctrl-C")
        child.sendintr()  # the terminal's Ctrl-C: SIGINT, since no prompt is reading keys
        term.expect("interrupted: wait")
        term.expect("sanctum>")
        child.send("explode\r")
        term.expect("explode failed: RuntimeError: kaboom")
        term.expect("sanctum>")
        child.send("quit\r")
        term.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, term.seen[-2000:]
    assert "Traceback" not in term.seen  # a crash is one line, never a traceback on screen
    history = (tmp_path / "data" / "console_history").read_text()
    assert re.search(r"\+say lobby hello luna", history)
    assert (tmp_path / "data" / "sanctum.db").exists()
    assert (tmp_path / "data" / "logs" / "sanctum.log").exists()
