"""Console maintenance commands through the real PromptSession: status, cogs, logs tail,
rotate_logs, backup, purge_and_seed and quit, each with its happy and its error path."""

from __future__ import annotations

import logging
import sqlite3
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logs
from bot.adapters.local import LOBBY
from console.app import capture_console
from console.testing import run_piped


@pytest.fixture
def file_logging(app) -> Iterator[Path]:
    """The rotating log file in the app's data dir, as `sanctum` sets it up."""
    handler = logs.setup_logging(app.settings.data_dir, console_level="CRITICAL")
    try:
        yield Path(handler.baseFilename)
    finally:
        root = logging.getLogger()
        for h in list(root.handlers):
            if getattr(h, "_sanctum", False):
                root.removeHandler(h)
                h.close()


async def test_status_shows_platforms_queues_llm_and_store(app):
    run = await run_piped(app, "say lobby hello luna", "status", "status now")
    assert run.ok("status")
    for expected in (
        "platform local",
        "platform matrix",
        "not configured",
        "in flight, store",
        "pending writes",
        "rate limit 0 queued",
        "in the last minute",
        "offline provider",
        "tokens",
        "sqlite-vec v0.1.9",
        "schema",
    ):
        assert expected in run.output, expected
    assert not run.ok("status now") and "Usage: status (unexpected 'now')" in run.output


GREETER = '''
from bot.cog import Cog
from bot.commands import Scope, command
from bot.message import Role


class Greeter(Cog, name="greeter"):
    """A test cog."""

    @command("greet", scope=Scope.CONSOLE, role=Role.OWNER)
    async def greet(self, ctx) -> str:
        return "{text}"


def setup(bot):
    return Greeter(bot)
'''


@pytest.fixture
def greeter_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    package = tmp_path / "sanctum_testcogs"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = package / "greeter.py"
    module.write_text(GREETER.format(text="hello"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    yield module
    for name in [m for m in sys.modules if m.startswith("sanctum_testcogs")]:
        del sys.modules[name]


async def test_cogs_load_reload_unload(app, greeter_package):
    run = await run_piped(app, "cogs load sanctum_testcogs.greeter", "greet", "cogs list")
    assert [ok for _, ok in run.results] == [True, True, True]
    assert "loaded greeter" in run.output and "hello" in run.output
    assert "sanctum_testcogs.greeter" in run.output  # cogs list

    greeter_package.write_text(GREETER.format(text="hello again, a new version"))
    run = await run_piped(app, "cogs reload greeter", "greet")
    assert "reloaded greeter" in run.output and "hello again, a new version" in run.output

    greeter_package.write_text("this is not python (\n")
    run = await run_piped(app, "cogs reload greeter", "greet")
    assert run.results[0] == ("cogs reload greeter", False)
    assert "failed to import" in run.output and "the previous version is still running" in (
        run.output
    )
    assert run.ok("greet") and "hello again, a new version" in run.output  # the old cog works

    run = await run_piped(
        app,
        "cogs unload greeter",
        "greet",
        "cogs unload admin",
        "cogs load nothing_here",
        "cogs unload ghost",
    )
    assert [ok for _, ok in run.results] == [True, False, False, False, False]
    assert "unloaded greeter" in run.output
    assert "unknown command: greet" in run.output
    assert "reload it, do not unload it" in run.output
    assert "no cog module cogs.nothing_here" in run.output
    assert "no loaded cog or module named 'ghost'" in run.output
    assert "admin" in app.cogs.cogs  # the console's own commands stay
    actions = [a for _, _, a, _ in await app.store.audit.recent(100)]
    assert {"cogs.load", "cogs.reload", "cogs.unload"} <= set(actions)


async def test_reload_admin_keeps_the_console_working(app):
    run = await run_piped(app, "cogs reload admin", "rooms")
    assert run.ok("cogs reload admin") and run.ok("rooms")


async def test_logs_tail_and_rotate(app, file_logging):
    logging.getLogger("tests.console").warning("a line to find in the tail")
    run = await run_piped(app, "logs tail 3", "logs tail 0", "rotate_logs", "logs tail")
    assert run.ok("logs tail 3") and "a line to find in the tail" in run.output
    assert not run.ok("logs tail 0") and "N must be between 1 and 5000" in run.output
    assert run.ok("rotate_logs") and "logs rotated" in run.output
    rotated = file_logging.with_name(file_logging.name + ".1")
    assert "a line to find in the tail" in rotated.read_text()
    assert "a line to find in the tail" not in file_logging.read_text()


async def test_logs_without_a_log_file(app):
    run = await run_piped(app, "logs tail", "rotate_logs")
    assert "no log file yet at" in run.output
    assert "cannot rotate the logs: file logging is not set up" in run.output
    assert [ok for _, ok in run.results] == [False, False]


async def test_backup_writes_a_readable_copy(app):
    await run_piped(app, "say lobby hello luna")
    run = await run_piped(app, "backup")
    assert run.ok("backup") and "backup written to" in run.output
    [copy] = (app.settings.data_dir / "backups").glob("sanctum-*.db")
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] >= 2


async def test_backup_failure_is_one_line(app):
    (app.settings.data_dir / "backups").write_text("a file where the folder should be")
    run = await run_piped(app, "backup")
    assert not run.ok("backup") and "backup failed:" in run.output


async def test_purge_and_seed_needs_the_typed_word(duo):
    await run_piped(duo, "say lobby hello luna")
    messages = await duo.store.messages.count()
    run = await run_piped(duo, "purge_and_seed", "nope")
    assert not run.ok("purge_and_seed")
    assert "Type purge to go on" not in run.output  # the question is the prompt, not output
    assert "not confirmed; nothing was changed" in run.output
    assert await duo.store.messages.count() == messages
    assert not (duo.settings.data_dir / "backups").exists()


async def test_purge_and_seed_wipes_after_a_backup_and_reseeds(duo):
    await run_piped(duo, "say lobby hello luna", "spawn Vega", "join local den")
    await duo.rules.mute(f"local:{LOBBY}", "nova", True)
    await duo.store.cog_data("steward").set("k", "v")
    assert await duo.store.messages.count() > 0

    run = await run_piped(duo, "purge_and_seed", "purge", "say lobby hello nova")
    assert run.ok("purge_and_seed")
    assert "store wiped" in run.output and "personas seeded from" in run.output
    [backup] = (duo.settings.data_dir / "backups").glob("sanctum-pre-purge-*.db")
    with sqlite3.connect(backup) as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] > 0
    # Everything was wiped, then the new conversation was recorded in the empty store.
    texts = [m.text for m in await duo.store.messages.recent(duo.local.room(LOBBY), 50)]
    assert texts[0] == "hello nova" and "hello luna" not in texts
    assert await duo.store.cog_data("steward").get("k") is None
    assert duo.rules.mute_reason(f"local:{LOBBY}", "nova") is None  # settings back to defaults
    assert "[lobby] Nova:" in run.output
    # Seeded from the folder: the files, including Vega's (spawned, so it has a file now).
    assert sorted(duo.personas.ids()) == ["luna", "nova", "vega"]
    rows = await duo.store.fetchall("SELECT id FROM personas ORDER BY id")
    assert [r[0] for r in rows] == ["luna", "nova", "vega"]
    actions = [a for _, _, a, _ in await duo.store.audit.recent()]
    assert actions[-1] == "store.purge_and_seed"  # the new log starts with the purge


async def test_purge_and_seed_from_automation_needs_yes(duo):
    console, out = capture_console(duo)
    assert not await console.execute("purge_and_seed")
    assert "run `purge_and_seed --yes` to confirm" in out.getvalue()
    assert not await console.execute("purge_and_seed --please")
    assert await console.execute("purge_and_seed --yes")
    assert "store wiped" in out.getvalue()


async def test_store_purge_empties_indexes_and_vectors(app):
    """Full-text and vector indexes are emptied with the rows, and keep working after."""
    await run_piped(app, "say lobby the comet is bright tonight")
    vec_tables = [
        r[0]
        for r in await app.store.fetchall(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%vec0%'"
        )
    ]
    vector = struct.pack("384f", *([0.5] * 384))
    for table in vec_tables:
        async with app.store.transaction() as db:
            await db.execute(
                f"INSERT INTO {table} (rowid, persona, embedding, vector)"
                " VALUES (1, 'luna', vec_quantize_binary(?), ?)",
                (vector, vector),
            )
    assert await app.store.messages.search("comet")
    await app.store.purge()
    assert await app.store.messages.count() == 0
    assert await app.store.messages.search("comet") == []
    for table in vec_tables:
        assert (await app.store.fetchone(f"SELECT count(*) FROM {table}"))[0] == 0
    check = await app.store.fetchone("PRAGMA integrity_check")
    assert check[0] == "ok"
    await run_piped(app, "say lobby a comet again")
    hits = await app.store.messages.search("comet")
    assert [h.message.text for h in hits] == ["a comet again"]


async def test_quit_flushes_and_stops(app):
    run = await run_piped(app, "quit now", "say lobby last words", "quit", "rooms")
    assert run.results[0] == ("quit now", False)
    assert run.ok("quit") and "stopping" in run.output
    assert app.stop_requested.is_set()
    assert app.store.messages.pending == 0
    assert ("rooms", True) not in run.results  # nothing runs after quit
    assert "last words" in [m.text for m in app.local.log(LOBBY)]
