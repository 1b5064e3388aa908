"""Logging: a rotating file in `data/logs/`, plus the terminal.

Secrets are SecretStr in settings, so they never reach a log line by accident; as a second
guard, a filter masks anything that looks like a bearer token or an access token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.handlers
import re
import sys
from collections.abc import Iterator
from pathlib import Path

LOG_FILE = "sanctum.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_SECRETS = re.compile(
    r"(?i)(bearer\s+|access_token[\"'=:\s]+|api[_-]?key[\"'=:\s]+|password[\"'=:\s]+)"
    r"([A-Za-z0-9._~+/=-]{6,})"
)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _SECRETS.sub(lambda m: m.group(1) + "***", message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def setup_logging(
    data_dir: Path, *, level: str = "INFO", console_level: str = "WARNING", stream=None
) -> logging.handlers.RotatingFileHandler:
    """Log everything at ``level`` to data/logs/sanctum.log and ``console_level`` to stderr."""
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_sanctum", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.DEBUG)
    redact = RedactSecrets()
    file_handler = logging.handlers.RotatingFileHandler(
        log_dir / LOG_FILE, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    file_handler.setLevel(level.upper())
    file_handler.setFormatter(logging.Formatter(_FORMAT))
    file_handler.addFilter(redact)
    file_handler._sanctum = True  # type: ignore[attr-defined]
    term = logging.StreamHandler(stream or sys.stderr)
    term.setLevel(console_level.upper())
    term.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    term.addFilter(redact)
    term._sanctum = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    root.addHandler(term)
    for noisy in (
        "aiosqlite",
        "asyncio",
        "httpx",
        "httpcore",
        "openai",
        "nio",
        "discord",
        "twitchio",
        "aiohttp.access",
        "markdown_it",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return file_handler


# -- the console's view of the logs ----------------------------------------------------------


def _sanctum_handler(kind: type[logging.Handler]) -> logging.Handler | None:
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_sanctum", False) and type(handler) is kind:
            return handler
    return None


def file_handler() -> logging.handlers.RotatingFileHandler | None:
    """The rotating file handler :func:`setup_logging` installed, if any."""
    return _sanctum_handler(logging.handlers.RotatingFileHandler)  # type: ignore[return-value]


class OneLine(logging.Formatter):
    """One line per record: a traceback would push the console's prompt off the screen, and
    the log file keeps it whole."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.levelname} {record.name}: {record.getMessage()}"
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            detail = f"{type(error).__name__}: {error}".splitlines()[0][:200]
            text += f" ({detail}; traceback in the log file)"
        return text


_answering: set[asyncio.Task] = set()


class _SkipAnswered(logging.Filter):
    """Leaves out the registry's record of a crashed command the console already answered in
    one line (the ``command X failed`` error), when it comes from that very command's task."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not (_answering and record.exc_info and record.name == "bot.commands"):
            return True
        try:
            return asyncio.current_task() not in _answering
        except RuntimeError:  # logged from a thread: not the console's command
            return True


_SKIP_ANSWERED = _SkipAnswered()


@contextlib.contextmanager
def answered() -> Iterator[None]:
    """Around a console command: its crash is answered on screen in one line, so the terminal
    does not print the registry's log record of it a second time (the file still has it)."""
    task = asyncio.current_task()
    if task is None:
        yield
        return
    _answering.add(task)
    try:
        yield
    finally:
        _answering.discard(task)


@contextlib.contextmanager
def terminal_to(stream) -> Iterator[None]:
    """Point the terminal handler at ``stream`` for a while (the console's patched stdout,
    so warnings print above the prompt instead of through it), one line per record."""
    handler = _sanctum_handler(logging.StreamHandler)
    if handler is None:
        yield
        return
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    formatter = handler.formatter
    handler.setFormatter(OneLine())
    handler.addFilter(_SKIP_ANSWERED)
    try:
        yield
    finally:
        handler.removeFilter(_SKIP_ANSWERED)
        handler.setFormatter(formatter)
        if previous is not None:
            handler.setStream(previous)  # type: ignore[attr-defined]


def tail(path: Path, lines: int = 20, *, chunk: int = 8192) -> list[str]:
    """The last ``lines`` lines of ``path``, read from the end (log files grow large)."""
    if lines <= 0:
        return []
    with path.open("rb") as handle:
        handle.seek(0, 2)
        position = handle.tell()
        data = b""
        while position > 0 and data.count(b"\n") <= lines:
            step = min(chunk, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + data
    return data.decode("utf-8", errors="replace").splitlines()[-lines:]


def rotate() -> Path:
    """Start a new log file now (the old one becomes sanctum.log.1); the new file's path."""
    handler = file_handler()
    if handler is None:
        raise RuntimeError("file logging is not set up in this process")
    handler.doRollover()
    return Path(handler.baseFilename)
