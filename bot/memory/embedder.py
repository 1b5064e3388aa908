"""Embeddings for memories, computed off the reply path, and the resumable backfill.

New memories are queued (:meth:`Embedder.enqueue`) and a background task embeds them in
batches through the configured ``/v1/embeddings`` endpoint; a reply never waits for it. A
memory whose embedding failed simply has no vector yet: recall still finds it through FTS5, and
the next sweep or ``sanctum memory reembed`` fills it in.

Which vector a memory has is recorded as an embed key, ``model:dim:generation``. The backfill
embeds every live memory whose key is not the current target, in id order, committing each
batch: an interrupted run leaves finished batches done and the next run carries on from there.
``reembed --all`` bumps the generation (stored in ``memory_state``) so every memory counts as
stale once, and that too resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.llm.base import LLM, LLMError
from bot.memory.memories import MemoryRepository, memories
from bot.memory.store import Store
from bot.memory.vectors import VectorError, unit

log = logging.getLogger(__name__)

GENERATION_KEY = "embed_generation"
Progress = Callable[[int, int], Any]  # (done, total)


@dataclass(frozen=True, slots=True)
class BackfillReport:
    target: str
    total: int  # live memories needing a vector when the run started
    done: int  # embedded by this run
    remaining: int  # still needing one when the run ended
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.remaining == 0 and self.error is None


class EmbeddingsUnavailable(RuntimeError):
    """No embeddings endpoint is configured: recall is FTS5 only."""


def embeddings_model(llm: LLM) -> str | None:
    """The embeddings model the LLM client is set up with, or None when it has none."""
    if getattr(llm, "offline", False):
        return None
    settings = getattr(llm, "settings", None)
    if settings is not None and hasattr(settings, "embeddings_model"):
        model = settings.embeddings_model
        if not model:
            return None
        capabilities = getattr(llm, "capabilities", None)
        if capabilities is not None and capabilities.reachable and not capabilities.embeddings:
            return None  # the startup probe found embeddings broken or of the wrong size
        return str(model)
    return getattr(llm, "embeddings_model", None) or getattr(llm, "name", None) or "embedder"


class Embedder:
    """Query vectors for recall, and memory vectors in the background."""

    def __init__(
        self,
        store: Store,
        llm: LLM,
        *,
        batch_size: int = 32,
        query_timeout_s: float = 3.0,
        cache_size: int = 256,
        retry_after_s: float = 60.0,
    ) -> None:
        self.store = store
        self.llm = llm
        self.repo: MemoryRepository = memories(store)
        self.batch_size = max(1, batch_size)
        self.query_timeout_s = query_timeout_s
        self.retry_after_s = retry_after_s
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._queue: list[int] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._busy = asyncio.Lock()  # one batch at a time; drain() waits for the worker's
        self._dim: int | None = None
        self.embedded = 0
        self.failures = 0
        self.last_error: str | None = None
        self.backfill_progress: tuple[int, int] | None = None  # (done, total) while running

    # -- what is available -----------------------------------------------------------------

    @property
    def model(self) -> str | None:
        return embeddings_model(self.llm)

    @property
    def available(self) -> bool:
        """True when an embeddings endpoint is configured (it may still fail at times)."""
        return self.model is not None

    def mode_line(self) -> str:
        """One line for `status`."""
        if not self.available:
            return "FTS5 only (no embeddings endpoint)"
        line = f"hybrid (FTS5 + vectors, {self.model})"
        if self.last_error:
            line += f"; last embeddings error: {self.last_error}"
        return line

    async def dimension(self) -> int:
        if self._dim is None:
            settings = getattr(self.llm, "settings", None)
            dim = getattr(settings, "embeddings_dim", None)
            if not dim:
                vectors = await self._embed(["dimension probe"])
                dim = len(vectors[0])
            self._dim = int(dim)
        return self._dim

    async def target(self) -> str:
        """The embed key every memory should have: model, dimension and generation."""
        if not self.available:
            raise EmbeddingsUnavailable(
                "no embeddings endpoint configured (llm.embeddings_model): recall is FTS5 only"
            )
        generation = await self.repo.get_state(GENERATION_KEY, "0")
        return f"{self.model}:{await self.dimension()}:{generation}"

    async def _embed(self, texts: list[str]) -> list[np.ndarray]:
        vectors = await self.llm.embed(texts)
        if vectors is None:
            raise EmbeddingsUnavailable("the language model has no embeddings endpoint")
        if len(vectors) != len(texts):
            raise LLMError("the embeddings endpoint returned the wrong number of vectors")
        try:
            return [unit(v) for v in vectors]
        except VectorError as error:
            raise LLMError(f"unusable embedding: {error}") from None

    # -- queries (on the reply path: bounded, never raising) ----------------------------------

    async def embed_query(self, text: str) -> np.ndarray | None:
        """The query vector for ``text``, or None (no endpoint, timeout, error: FTS5 only)."""
        if not self.available:
            return None
        key = " ".join(text.split())[:2000]
        if not key:
            return None
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        try:
            async with asyncio.timeout(self.query_timeout_s):
                vector = (await self._embed([key]))[0]
        except (LLMError, EmbeddingsUnavailable, TimeoutError) as error:
            self.failures += 1
            self.last_error = str(error) or type(error).__name__
            log.warning("query embedding failed, recall falls back to FTS5: %s", self.last_error)
            return None
        self._cache[key] = vector
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vector

    # -- background embedding --------------------------------------------------------------

    def enqueue(self, ids: Iterable[int]) -> None:
        """Queue memories for embedding; never blocks."""
        if not self.available:
            return
        self._queue.extend(int(i) for i in ids)
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._queue)

    def start(self, *, sweep: bool = True) -> None:
        """Run the background worker; ``sweep`` first fills in vectors missing from before."""
        if self._task is None and self.available:
            self._task = asyncio.get_running_loop().create_task(self._run(sweep), name="embedder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, sweep: bool) -> None:
        if sweep:
            try:
                report = await self.backfill(batch_size=self.batch_size)
                if report.done:
                    log.info("embedded %d memories that had no current vector", report.done)
            except Exception as error:  # a failed sweep only leaves FTS5 recall
                self.last_error = str(error)
                log.warning("embedding sweep failed: %s", error)
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch: list[int] = []
                try:
                    async with self._busy:
                        batch = self._take()
                        await self.embed_ids(batch)
                except (LLMError, EmbeddingsUnavailable) as error:
                    self.failures += 1
                    self.last_error = str(error)
                    log.warning(
                        "embedding %d memories failed (they stay FTS5-only until the "
                        "next reembed): %s",
                        len(batch),
                        error,
                    )
                    self._queue.clear()
                    await asyncio.sleep(self.retry_after_s)
                    break
                except Exception:  # the worker must outlive any one batch
                    log.exception("embedding worker error")
                    self._queue.clear()
                    break

    async def embed_ids(self, ids: Iterable[int]) -> int:
        """Embed the given memories now if they need it; how many got a vector."""
        wanted = list(ids)
        if not wanted:
            return 0
        target = await self.target()
        rows = await self.repo.needing_embedding(target, ids=wanted, limit=len(wanted))
        return await self._embed_rows(rows, target)

    async def _embed_rows(self, rows: list[tuple[int, str, str]], target: str) -> int:
        if not rows:
            return 0
        vectors = await self._embed([text for _, _, text in rows])
        written = await self.repo.store_vectors(
            [(i, persona, v) for (i, persona, _), v in zip(rows, vectors, strict=True)], target
        )
        self.embedded += written
        self.last_error = None
        return written

    def _take(self) -> list[int]:
        batch, self._queue = self._queue[: self.batch_size], self._queue[self.batch_size :]
        return batch

    async def drain(self) -> None:
        """Embed everything queued, and wait for the batch the worker is on (tests, tools)."""
        while True:
            async with self._busy:
                batch = self._take()
                if not batch:
                    return
                await self.embed_ids(batch)

    # -- backfill --------------------------------------------------------------------------

    async def backfill(
        self,
        *,
        restart: bool = False,
        batch_size: int = 64,
        progress: Progress | None = None,
    ) -> BackfillReport:
        """Embed every live memory that lacks a current vector; resumable.

        ``restart`` re-embeds everything (a new generation). An LLM failure ends the run with
        what was done kept; :class:`EmbeddingsUnavailable` is raised when there is no endpoint.
        """
        if not self.available:
            raise EmbeddingsUnavailable(
                "no embeddings endpoint configured (llm.embeddings_model): recall is FTS5 only"
            )
        if restart:
            generation = int(await self.repo.get_state(GENERATION_KEY, "0") or 0)
            await self.repo.set_state(GENERATION_KEY, str(generation + 1))
        target = await self.target()
        have, live = await self.repo.embedding_counts(target)
        total = live - have
        done, after, error = 0, 0, None
        self.backfill_progress = (0, total)
        if progress is not None:
            progress(0, total)
        try:
            while True:
                rows = await self.repo.needing_embedding(target, after_id=after, limit=batch_size)
                if not rows:
                    break
                try:
                    done += await self._embed_rows(rows, target)
                except LLMError as exc:
                    error = str(exc)
                    self.last_error = error
                    log.warning("reembed stopped after %d of %d: %s", done, total, error)
                    break
                after = rows[-1][0]
                self.backfill_progress = (min(done, total), total)
                if progress is not None:
                    progress(min(done, total), total)
        finally:
            self.backfill_progress = None
        have, live = await self.repo.embedding_counts(target)
        return BackfillReport(target, total, done, live - have, error)


async def reembed_cli(settings: Any, *, restart: bool = False) -> int:
    """``sanctum memory reembed``: the backfill with a progress bar; exit code.

    Ctrl-C stops it between batches' commits; running it again resumes where it stopped.
    """
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from bot.llm.factory import make_llm
    from bot.memory.store import StoreError

    err = Console(stderr=True)
    llm = make_llm(settings.llm)
    store = Store(settings.db_path, settings.store)
    try:
        await store.open()
    except StoreError as error:
        print(f"sanctum memory reembed: {error}", file=sys.stderr)
        await llm.aclose()
        return 1
    embedder = Embedder(store, llm)
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    report: BackfillReport | None = None
    total = 0
    done = 0
    try:
        if not embedder.available:
            print(
                "sanctum memory reembed: no embeddings endpoint configured "
                "(llm.embeddings_model); recall stays FTS5 only",
                file=sys.stderr,
            )
            return 1
        with Progress(*columns, console=err, transient=False) as progress:
            bar = progress.add_task("embedding memories", total=None)

            def show(now_done: int, now_total: int) -> None:
                nonlocal total, done
                total, done = now_total, now_done
                progress.update(bar, completed=now_done, total=now_total)

            try:
                report = await embedder.backfill(restart=restart, progress=show)
            except asyncio.CancelledError:
                report = None
    except EmbeddingsUnavailable as error:
        print(f"sanctum memory reembed: {error}", file=sys.stderr)
        return 1
    finally:
        await store.close()
        await llm.aclose()
    if report is None:
        print(
            f"interrupted: {done} of {total} embedded; run `sanctum memory reembed` again "
            "to resume",
            file=sys.stderr,
        )
        return 130
    if report.error:
        print(
            f"stopped: {report.done} of {report.total} embedded ({report.error}); "
            "run `sanctum memory reembed` again to resume",
            file=sys.stderr,
        )
        return 1
    print(
        f"embedded {report.done} memories ({report.target}); "
        f"{report.remaining} still without a vector"
    )
    return 0
