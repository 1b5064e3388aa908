"""`sanctum`: run the bot (console or headless), replay a transcript, run console commands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from bot.config import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class SettingsError(RuntimeError):
    pass


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, `.env` and the TOML file; overrides win."""
    cls: type[Settings] = Settings
    if config is not None:
        if not config.is_file():
            raise SettingsError(f"{config}: settings file not found")
        cls = type(
            "FileSettings",
            (Settings,),
            {"model_config": SettingsConfigDict(**{**Settings.model_config, "toml_file": config})},
        )
    values = {k: v for k, v in overrides.items() if v is not None}
    try:
        return cls(**values)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{config or 'sanctum.toml'}: invalid TOML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise SettingsError(f"settings: field '{field}': {first['msg']}") from None


def _common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--data",
        type=Path,
        default=default,
        metavar="DIR",
        help="where all state lives (default ./data)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=default,
        metavar="FILE",
        help="settings file (default ./sanctum.toml)",
    )
    parser.add_argument(
        "--personas",
        type=Path,
        default=default,
        metavar="DIR",
        help="persona directory (default ./personas)",
    )
    parser.add_argument(
        "--log-level", default=default, metavar="LEVEL", help="file log level (default INFO)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sanctum",
        description="LLM personas in Discord, Twitch, Matrix and a local room, from one process.",
    )
    _common(parser, suppress=False)
    parser.add_argument(
        "--no-console", action="store_true", help="run headless until SIGINT/SIGTERM"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    replay = sub.add_parser("replay", help="run a JSONL transcript through the dispatcher")
    replay.add_argument("transcript", type=Path, help="JSON Lines file, or - for stdin")
    _common(replay, suppress=True)
    run_command = sub.add_parser("run-command", help="run console commands and exit")
    run_command.add_argument(
        "lines",
        nargs="*",
        metavar="COMMAND",
        help='console commands, e.g. "status" (none: read stdin)',
    )
    _common(run_command, suppress=True)
    backup = sub.add_parser("backup", help="take an online backup of the store")
    backup.add_argument("destination", nargs="?", type=Path, help="target file")
    _common(backup, suppress=True)
    memory = sub.add_parser("memory", help="persona memory maintenance")
    memory_sub = memory.add_subparsers(dest="memory_command", metavar="ACTION", required=True)
    reembed = memory_sub.add_parser(
        "reembed", help="embed memories lacking a current vector (progress bar; resumable)"
    )
    reembed.add_argument(
        "--all", action="store_true", help="re-embed every memory, e.g. after changing the model"
    )
    _common(reembed, suppress=True)
    return parser


def _settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(
        args.config, data_dir=args.data, personas_dir=args.personas, log_level=args.log_level
    )


# -- modes ----------------------------------------------------------------------------------


async def _run_bot(settings: Settings, *, console: bool) -> int:
    from bot.app import Sanctum
    from bot.logs import setup_logging
    from bot.memory.store import StoreError

    setup_logging(
        settings.data_dir, level=settings.log_level, console_level="WARNING" if console else "INFO"
    )
    bot = Sanctum(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, bot.request_stop)
    try:
        await bot.start()
    except StoreError as error:
        print(f"sanctum: {error}", file=sys.stderr)
        await bot.stop()
        return EXIT_FAILED
    try:
        if console:
            from console.app import AdminConsole

            await AdminConsole(bot).run()
        else:
            print(
                "sanctum is running headless; stop it with Ctrl-C or SIGTERM.",
                file=sys.stderr,
                flush=True,
            )
            await bot.stop_requested.wait()
    finally:
        await bot.stop()
    return EXIT_OK


async def _run_commands(settings: Settings, lines: list[str]) -> int:
    from bot.app import Sanctum
    from bot.logs import setup_logging, terminal_to
    from bot.memory.store import StoreError
    from console.app import AdminConsole

    setup_logging(settings.data_dir, level=settings.log_level, console_level="ERROR")
    bot = Sanctum(settings)
    try:
        await bot.start()
    except StoreError as error:
        print(f"sanctum: {error}", file=sys.stderr)
        await bot.stop()
        return EXIT_FAILED
    try:
        console = AdminConsole(bot, interactive=False)
        with terminal_to(sys.stderr):  # a crashed command: its one line, not a traceback
            failed = await _run_lines(bot, console, lines)
    finally:
        await bot.stop()
    return EXIT_FAILED if failed else EXIT_OK


async def _run_lines(bot: Any, console: Any, lines: list[str]) -> bool:
    """Run each line; True when one of them failed."""
    failed = False
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        ok = await console.execute(line)
        await bot.dispatcher.drain()
        failed = failed or not ok
        if bot.stop_requested.is_set():
            break
    return failed


async def _replay(args: argparse.Namespace) -> int:
    from bot.replay import Replay

    settings = _settings_from(args)
    personas = args.personas or settings.personas_dir
    if str(args.transcript) == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = args.transcript.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            print(f"sanctum replay: cannot read {args.transcript}: {error}", file=sys.stderr)
            return EXIT_FAILED
    import logging

    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    async with Replay(personas, settings=settings) as replay:
        for error in replay.bot.persona_errors:
            print(f"sanctum replay: {error}", file=sys.stderr)
        async for result in replay.run(lines):
            print(json.dumps(result, ensure_ascii=False), flush=True)
    return EXIT_OK


async def _backup(args: argparse.Namespace) -> int:
    import time

    from bot.memory.store import Store, StoreError

    settings = _settings_from(args)
    store = Store(settings.db_path, settings.store)
    destination = args.destination or (
        settings.data_dir / "backups" / time.strftime("sanctum-%Y%m%d-%H%M%S.db")
    )
    try:
        await store.open()
        path = await store.backup(destination)
    except StoreError as error:
        print(f"sanctum backup: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        await store.close()
    print(f"backup written to {path}")
    return EXIT_OK


async def _memory(args: argparse.Namespace) -> int:
    from bot.memory.embedder import reembed_cli

    return await reembed_cli(_settings_from(args), restart=args.all)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "replay":
            return asyncio.run(_replay(args))
        if args.command == "backup":
            return asyncio.run(_backup(args))
        if args.command == "memory":
            return asyncio.run(_memory(args))
        settings = _settings_from(args)
        scripted = args.command == "run-command" or (
            not args.no_console and not sys.stdin.isatty()  # commands piped on stdin
        )
        if scripted:
            lines = args.lines if args.command == "run-command" else []
            try:
                return asyncio.run(_run_commands(settings, lines or sys.stdin.read().splitlines()))
            except KeyboardInterrupt:  # automation stopped half-way has not succeeded
                print("sanctum: interrupted", file=sys.stderr)
                return EXIT_INTERRUPTED
        return asyncio.run(_run_bot(settings, console=not args.no_console))
    except SettingsError as error:
        print(f"sanctum: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
