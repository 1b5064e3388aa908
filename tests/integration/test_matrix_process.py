"""The real `sanctum` process on Matrix, configured by a `sanctum.toml`, killed and started again.

A SIGKILL gives the bot no chance to save anything on the way out: what it stored after each
sync batch is all it has when it comes back. It must answer nothing twice and nothing that was
said while it was dead.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nio
import pytest

from bot.adapters.matrix_session import Credentials

from .synapse import Synapse

PERSONAS = Path(__file__).resolve().parents[2] / "personas"
WAIT_S = 30.0  # a deadline for a condition, never a timing assertion
READY = "sanctum is running headless"
_ids = itertools.count(1)


class Bot:
    """`sanctum --no-console` as a child process, its output in a file per run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runs = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root / "run0.log"

    def start(self) -> None:
        self.runs += 1
        self.log = self.root / f"run{self.runs}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANCTUM_")}
        command = [
            sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())",
            "--config", str(self.root / "sanctum.toml"), "--data", str(self.root / "data"),
            "--personas", str(self.root / "personas"), "--no-console",
        ]  # fmt: skip
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                command, cwd=self.root, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def wait_ready(self) -> None:
        await until(lambda: READY in self.output(), "the bot to start", self)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


async def until(predicate: Any, what: str, bot: Bot) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if bot.process is not None and bot.process.poll() is not None:
            raise AssertionError(
                f"sanctum exited while waiting for {what}:\n{bot.output()[-3000:]}"
            )
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{bot.output()[-3000:]}")
        await asyncio.sleep(0.1)


async def replies(client: nio.AsyncClient, room_id: str) -> dict[str, list[str]]:
    """Every reply in the room (whole history), by the event it answers."""
    found: dict[str, list[str]] = {}
    token = ""
    while True:
        resp = await client.room_messages(room_id, start=token, limit=100)
        assert isinstance(resp, nio.RoomMessagesResponse), resp
        for event in resp.chunk:
            content = event.source.get("content", {})
            target = content.get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            if target:
                found.setdefault(target, []).append(event.event_id)
        if not resp.chunk or not resp.end or resp.end == token:
            return found
        token = resp.end


@pytest.fixture
def bot_dir(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "personas").mkdir()
    shutil.copy(PERSONAS / "luna.toml", tmp_path / "personas" / "luna.toml")
    yield tmp_path


async def test_a_killed_bot_answers_nothing_twice_and_nothing_from_the_backlog(
    synapse: Synapse, bot_dir: Path
) -> None:
    n = next(_ids)
    bot_id = synapse.register(f"proc{n}", "bot-password")["user_id"]
    reply = synapse.register(f"procalice{n}", "human-password")
    alice = nio.AsyncClient(synapse.base_url, reply["user_id"])
    alice.restore_login(reply["user_id"], reply["device_id"], reply["access_token"])
    (bot_dir / "sanctum.toml").write_text(
        f'[matrix]\nhomeserver = "{synapse.base_url}"\nuser_id = "{bot_id}"\n'
        f'password = "bot-password"\nallowed_inviters = ["{alice.user_id}"]\n'
    )
    bot = Bot(bot_dir)
    try:
        bot.start()
        await bot.wait_ready()
        dm = await alice.room_create(
            is_direct=True, invite=[bot_id], preset=nio.RoomPreset.trusted_private_chat
        )
        assert isinstance(dm, nio.RoomCreateResponse), dm
        room_id = dm.room_id

        async def bot_joined() -> bool:
            members = await alice.joined_members(room_id)
            return bot_id in {m.user_id for m in getattr(members, "members", [])}

        await until(bot_joined, "the bot to accept the DM", bot)

        async def answered(event_id: str) -> bool:
            return event_id in await replies(alice, room_id)

        one = await alice.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "one"})
        await until(lambda: answered(one.event_id), "the answer to 'one'", bot)
        creds_path = bot_dir / "data" / "matrix" / "credentials.json"
        first = Credentials.load(creds_path)
        assert first is not None and first.device_id
        assert stat.S_IMODE(creds_path.stat().st_mode) == 0o600
        bot.kill()  # no stop(), no flush: what was stored per batch is all there is

        two = await alice.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "two"})
        bot.start()
        await bot.wait_ready()
        three = await alice.room_send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": "three"}
        )
        await until(lambda: answered(three.event_id), "the answer to 'three'", bot)
        assert bot.terminate() == 0  # a clean stop lets any reply still in flight go out

        found = await replies(alice, room_id)
        counts = {e.event_id: len(found.get(e.event_id, [])) for e in (one, two, three)}
        assert counts == {one.event_id: 1, two.event_id: 0, three.event_id: 1}, bot.output()
        assert sum(len(v) for v in found.values()) == 2
        again = Credentials.load(creds_path)
        assert again is not None and again.access_token == first.access_token  # no new login
        files = sorted(bot_dir.rglob("*.log"))  # noqa: ASYNC240 - a few small files
        logs = "".join(path.read_text(errors="replace") for path in files)
        assert "bot-password" not in logs and first.access_token not in logs
        assert f"Matrix {bot_id} connected" in logs
    finally:
        bot.close()
        await alice.close()
