"""Open ``$EDITOR`` on a piece of text without blocking the event loop.

The editor is a child process (asyncio subprocess) that gets the terminal while the prompt
steps aside (prompt_toolkit's ``in_terminal``), so the bot keeps answering chat meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import tempfile
from pathlib import Path
from typing import Any

DEFAULT_EDITOR = "vi"


class EditorError(RuntimeError):
    """The editor could not run or gave up; the text is one line and nothing was changed."""


def editor_command() -> list[str]:
    raw = os.environ.get("EDITOR", "").strip() or DEFAULT_EDITOR
    try:
        argv = shlex.split(raw)
    except ValueError as error:
        raise EditorError(f"$EDITOR {raw!r} cannot be parsed: {error}") from None
    if not argv:
        raise EditorError("$EDITOR is empty")
    return argv


async def edit_text(
    text: str, *, name: str = "edit", suffix: str = ".toml", console: Any = None
) -> str:
    """``text`` as the person left it in their editor (a non-zero exit: EditorError)."""
    argv = editor_command()
    with tempfile.TemporaryDirectory(prefix="sanctum-edit-") as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_text(text, encoding="utf-8")
        hand_over = console.terminal() if console is not None else contextlib.nullcontext()
        async with hand_over:  # nullcontext is an async context manager too
            try:
                process = await asyncio.create_subprocess_exec(*argv, str(path))
            except OSError as error:
                raise EditorError(
                    f"cannot run editor {argv[0]!r}: {error.strerror or error} (set $EDITOR)"
                ) from None
            try:
                code = await process.wait()
            finally:
                if process.returncode is None:  # cancelled: the bot is stopping
                    process.kill()
        if code != 0:
            raise EditorError(f"{argv[0]} exited with status {code}")
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise EditorError(f"cannot read the edited file: {error}") from None
