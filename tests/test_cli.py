"""The `sanctum` entry point: --data, headless run until SIGTERM, run-command exit codes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PERSONAS, REPO

ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "PYTHONPATH": str(REPO),
    "HOME": os.environ.get("HOME", "/tmp"),
}


def sanctum(*args: str, cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        **kw,
    )


def test_run_command_puts_state_under_data_dir(tmp_path):
    data = tmp_path / "elsewhere"
    result = sanctum(
        "--data",
        str(data),
        "--personas",
        str(PERSONAS),
        "run-command",
        "status",
        "say lobby hello luna",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Luna: [offline] Luna here" in result.stdout
    assert (data / "sanctum.db").exists() and (data / "logs" / "sanctum.log").exists()
    assert not (tmp_path / "data").exists()
    # A restart keeps the history.
    again = sanctum(
        "--data", str(data), "--personas", str(PERSONAS), "run-command", "status", cwd=tmp_path
    )
    assert "4 messages" in again.stdout or "messages" in again.stdout


def test_run_command_exit_status_reflects_failure(tmp_path):
    result = sanctum("--personas", str(PERSONAS), "run-command", "status", "nonsense", cwd=tmp_path)
    assert result.returncode == 1
    assert "unknown command: nonsense" in result.stdout


def test_commands_piped_on_stdin(tmp_path):
    result = sanctum("--personas", str(PERSONAS), cwd=tmp_path, input="rooms\npersonas\n")
    assert result.returncode == 0, result.stderr
    assert "lobby" in result.stdout and "lunabot" in result.stdout


def test_headless_runs_until_sigterm_and_shuts_down_cleanly(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--no-console", "--personas", str(PERSONAS)],
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = []
        while not any("running headless" in line for line in seen):
            line = proc.stderr.readline()
            assert line, "".join(seen)  # EOF: it exited before saying it runs
            seen.append(line)
        time.sleep(0.3)  # let it idle a moment; nothing is timed
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "data" / "logs" / "sanctum.log").read_text()
    assert "stopped" in log


def test_bad_config_is_a_clear_error(tmp_path):
    (tmp_path / "sanctum.toml").write_text("this is = = not toml")
    result = sanctum("run-command", "status", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid TOML" in result.stderr
    missing = sanctum(
        "--config", str(tmp_path / "nope.toml"), "run-command", "status", cwd=tmp_path
    )
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_backup_command(tmp_path):
    sanctum("--personas", str(PERSONAS), "run-command", "say lobby hi luna", cwd=tmp_path)
    result = sanctum("backup", str(tmp_path / "copy.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "copy.db").exists()


BOOM = """
from bot.cog import Cog
from bot.commands import Scope, command
from bot.message import Role


class Boom(Cog, name="boom"):
    @command("explode", scope=Scope.CONSOLE, role=Role.OWNER)
    async def explode(self, ctx) -> str:
        raise RuntimeError("kaboom")
"""


def test_run_command_a_crash_is_one_line_and_the_run_fails(tmp_path):
    (tmp_path / "sanctum_boom").mkdir()
    (tmp_path / "sanctum_boom" / "__init__.py").write_text("")
    (tmp_path / "sanctum_boom" / "cog.py").write_text(BOOM)
    env = {**ENV, "PYTHONPATH": f"{REPO}{os.pathsep}{tmp_path}"}
    result = subprocess.run(
        [
            *(sys.executable, "-m", "bot.cli", "--personas", str(PERSONAS), "run-command"),
            *("cogs load sanctum_boom.cog", "explode", "help nosuch", "rooms"),
        ],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "explode failed: RuntimeError: kaboom" in result.stdout
    assert "No command nosuch that you can run." in result.stdout
    assert "lobby" in result.stdout  # the lines after the failures still ran
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip() == ""  # the crash was answered once, on stdout
    log = (tmp_path / "data" / "logs" / "sanctum.log").read_text()
    assert "command explode failed" in log and "Traceback" in log
