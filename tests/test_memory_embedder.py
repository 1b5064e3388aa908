"""Embeddings off the reply path, and the resumable re-embedding backfill (library and CLI)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.clock import VirtualClock
from bot.config import LLMSettings
from bot.llm.openai_client import OpenAIClient
from bot.memory.embedder import GENERATION_KEY, Embedder, EmbeddingsUnavailable
from bot.memory.memories import memories
from bot.memory.store import Store
from tests.fakes.openai_server import EMBEDDINGS, FakeOpenAIServer

NOW = 1_700_000_000.0
REPO = Path(__file__).resolve().parent.parent


class Interrupted(Exception):
    """Stands in for Ctrl-C between two batches."""


def llm_settings(server: FakeOpenAIServer, **overrides) -> LLMSettings:
    values = {
        "base_url": server.base_url,
        "api_key": SecretStr("sk-test-key-000000"),
        "embeddings_model": "fake-embed",
        "embeddings_dim": 384,
        "timeout_s": 5.0,
        "max_retries": 0,
    }
    return LLMSettings.model_validate(values | overrides)


@pytest.fixture
async def server():
    async with FakeOpenAIServer() as srv:
        yield srv


@pytest.fixture
async def store(tmp_path: Path):
    s = Store(tmp_path / "data" / "sanctum.db", clock=VirtualClock(NOW))
    await s.open()
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def llm(server: FakeOpenAIServer):
    client = OpenAIClient(llm_settings(server))
    try:
        yield client
    finally:
        await client.aclose()


async def fill(store: Store, count: int) -> list[int]:
    repo = memories(store)
    ids = []
    for n in range(count):
        memory = await repo.add(
            "luna" if n % 2 else "nova",
            f"memory number {n} about topic{n}",
            subject_key=f"local:u{n}",
        )
        ids.append(memory.id)
    return ids


async def until(check, attempts: int = 500) -> None:
    """Poll ``check`` (an async predicate) for up to about five seconds."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def is_embedded(repo, memory_id: int) -> bool:
    return (await repo.get(memory_id)).embedded


async def failed(embedder: Embedder) -> bool:
    return embedder.failures > 0


def embedded_texts(server: FakeOpenAIServer) -> list[str]:
    return [text for r in server.embedding_requests for text in r.body["input"]]


async def test_new_memories_are_embedded_in_the_background(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    embedder = Embedder(store, llm, batch_size=4)
    repo = memories(store)
    repo.embedder = embedder
    embedder.start(sweep=False)
    server.hold()  # the endpoint is slow: add() must not wait for it
    try:
        memory = await repo.add("luna", "Ola adores her kittens")
        assert not memory.embedded
        async with asyncio.timeout(5):
            await server.wait_in_flight(1)
        assert not (await repo.get(memory.id)).embedded
        server.release()
        await until(lambda: is_embedded(repo, memory.id))
        assert await repo.vectors.count("luna") == 1
        assert embedded_texts(server) == ["Ola adores her kittens"]
    finally:
        await embedder.stop()


async def test_a_failed_embedding_leaves_the_memory_for_a_later_sweep(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    embedder = Embedder(store, llm, retry_after_s=0.01)
    repo = memories(store)
    repo.embedder = embedder
    server.fail("status", status=400, path=EMBEDDINGS, message="input too long")
    embedder.start(sweep=False)
    try:
        memory = await repo.add("luna", "Pim plays the tuba")
        await until(lambda: failed(embedder))
        assert not (await repo.get(memory.id)).embedded
        assert "input too long" in (embedder.last_error or "")
    finally:
        await embedder.stop()
    sweeper = Embedder(store, llm)
    sweeper.start()  # the startup sweep fills in what is missing
    try:
        await until(lambda: is_embedded(repo, memory.id))
    finally:
        await sweeper.stop()


async def test_reembed_resumes_after_an_interruption(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    ids = await fill(store, 10)
    embedder = Embedder(store, llm)
    calls: list[tuple[int, int]] = []

    def interrupt_after_two_batches(done: int, total: int) -> None:
        calls.append((done, total))
        if done >= 6:
            raise Interrupted

    with pytest.raises(Interrupted):
        await embedder.backfill(batch_size=3, progress=interrupt_after_two_batches)
    assert calls == [(0, 10), (3, 10), (6, 10)]
    repo = memories(store)
    target = await embedder.target()
    assert await repo.embedding_counts(target) == (6, 10)
    first_run = embedded_texts(server)
    assert len(first_run) == 6

    report = await Embedder(store, llm).backfill(batch_size=3)
    assert (report.total, report.done, report.remaining, report.complete) == (4, 4, 0, True)
    second_run = embedded_texts(server)[len(first_run) :]
    assert len(second_run) == 4 and not set(second_run) & set(first_run)  # nothing twice
    assert await repo.vectors.count() == 10
    assert all(m.embedded for m in (await repo.fetch(ids)).values())

    again = await Embedder(store, llm).backfill()
    assert (again.total, again.done) == (0, 0)  # nothing left to do


async def test_reembed_all_starts_a_new_generation_that_also_resumes(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    await fill(store, 6)
    embedder = Embedder(store, llm)
    assert (await embedder.backfill()).done == 6
    before = len(embedded_texts(server))

    def stop_after_one_batch(done: int, total: int) -> None:
        if done >= 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        await embedder.backfill(restart=True, batch_size=2, progress=stop_after_one_batch)
    repo = memories(store)
    assert await repo.get_state(GENERATION_KEY) == "1"
    # Resuming (no restart) finishes the new generation without starting over.
    report = await Embedder(store, llm).backfill(batch_size=2)
    assert (report.total, report.done, report.remaining) == (4, 4, 0)
    assert len(embedded_texts(server)) - before == 6
    assert report.target.endswith(":1") and report.target.startswith("fake-embed:384")
    assert await repo.vectors.count() == 6  # replaced, not duplicated


async def test_an_endpoint_failure_ends_the_run_with_the_work_kept(
    store: Store, llm: OpenAIClient, server: FakeOpenAIServer
):
    await fill(store, 4)
    server.fail("garbage", path=EMBEDDINGS)
    report = await Embedder(store, llm).backfill(batch_size=2)
    assert report.error and report.done == 0 and report.remaining == 4 and not report.complete
    report = await Embedder(store, llm).backfill(batch_size=2)
    assert report.complete and report.done == 4


async def test_without_an_endpoint_the_backfill_says_so(store: Store, server: FakeOpenAIServer):
    client = OpenAIClient(llm_settings(server, embeddings_model=None))
    try:
        with pytest.raises(EmbeddingsUnavailable, match="FTS5 only"):
            await Embedder(store, client).backfill()
    finally:
        await client.aclose()


def write_config(tmp_path: Path, server: FakeOpenAIServer, embeddings: bool = True) -> Path:
    lines = [
        "[llm]",
        f'base_url = "{server.base_url}"',
        'api_key = "sk-test-key-000000"',
        "max_retries = 0",
        "timeout_s = 5.0",
    ]
    if embeddings:
        lines += ['embeddings_model = "fake-embed"', "embeddings_dim = 384"]
    path = tmp_path / "sanctum.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_sanctum_memory_reembed_command(tmp_path: Path, server: FakeOpenAIServer, capsys):
    data = tmp_path / "data"
    seeded = Store(data / "sanctum.db", clock=VirtualClock(NOW))
    await seeded.open()
    await fill(seeded, 5)
    await seeded.close()
    config = write_config(tmp_path, server)
    argv = ["memory", "reembed", "--data", str(data), "--config", str(config)]

    server.fail("status", status=400, path=EMBEDDINGS, message="model overloaded")
    assert await asyncio.to_thread(main, argv) == 1
    err = capsys.readouterr().err
    assert "stopped: 0 of 5 embedded" in err and "again to resume" in err
    assert "sk-test-key" not in err

    assert await asyncio.to_thread(main, argv) == 0
    out = capsys.readouterr().out
    assert "embedded 5 memories (fake-embed:384:0)" in out
    assert await asyncio.to_thread(main, [*argv, "--all"]) == 0
    assert "embedded 5 memories (fake-embed:384:1)" in capsys.readouterr().out

    no_embeddings = write_config(tmp_path, server, embeddings=False)
    argv = ["memory", "reembed", "--data", str(data), "--config", str(no_embeddings)]
    assert await asyncio.to_thread(main, argv) == 1
    assert "no embeddings endpoint configured" in capsys.readouterr().err


async def test_ctrl_c_stops_the_command_cleanly_and_the_next_run_finishes(
    tmp_path: Path, server: FakeOpenAIServer
):
    data = tmp_path / "data"
    seeded = Store(data / "sanctum.db", clock=VirtualClock(NOW))
    await seeded.open()
    await fill(seeded, 5)
    await seeded.close()
    config = write_config(tmp_path, server)
    argv = [
        sys.executable,
        "-m",
        "bot.cli",
        "memory",
        "reembed",
        "--data",
        str(data),
        "--config",
        str(config),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server.hold()  # the endpoint hangs: the run is stuck mid-batch when Ctrl-C comes
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(30):
            await server.wait_in_flight(1)
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            _, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 130
    assert "interrupted: 0 of 5 embedded" in err.decode()
    server.release()
    assert await asyncio.to_thread(main, argv[3:]) == 0
    check = Store(data / "sanctum.db", clock=VirtualClock(NOW))
    await check.open()
    try:
        assert await memories(check).vectors.count() == 5
    finally:
        await check.close()
