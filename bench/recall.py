"""Benchmark: hybrid memory recall against a numpy brute-force scan of the same vectors.

Two cases, each built in a fresh SQLite file through the real migrations and the production
recall code (bot.memory.recall.recall over aiosqlite):

- 100k memories of one persona (384-dimensional unit vectors, in clusters of ~100);
- 1M memories across 10 personas (100k each); recall is scoped to one of them.

Every query is a noisy copy (cosine ~0.9) of a stored vector, with that memory's subject name
and two of its words plus an unrelated word, so there is a right answer to find. For each case
it prints p50/p99 of top-10 hybrid recall (FTS5 BM25 + sign-bit KNN with exact rescoring,
fused by RRF, boosts, rows fetched), p50/p99 of numpy (float32 matrix @ query, argpartition)
over the same persona's vectors, how often each finds the planted memory, and how much of the
exact vector top-10 the quantized vector search returns. The last line is
``ratio_vs_numpy: R`` for the 100k case: hybrid p50 divided by numpy p50.

    .venv/bin/python bench/recall.py            # both cases (a few minutes on 2 cores)
    .venv/bin/python bench/recall.py --quick    # small smoke run (seconds)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import VirtualClock
from bot.memory import driver
from bot.memory.memories import memories
from bot.memory.recall import recall
from bot.memory.store import Store
from bot.memory.vectors import insert_sql, sign_bits_matrix, table_name

DIM = 384
NOW = 1_700_000_000.0
ROOMS = 20
EMBED_KEY = "bench:384:0"


@dataclass
class Case:
    name: str
    per_persona: int
    personas: int


@dataclass
class Result:
    case: Case
    build_s: float
    hybrid: list[float]
    numpy: list[float]
    hybrid_found: float
    numpy_found: float
    overlap: float

    def line(self) -> str:
        return (
            f"{self.case.name}: hybrid p50 {ms(pct(self.hybrid, 50))} p99 "
            f"{ms(pct(self.hybrid, 99))} | numpy p50 {ms(pct(self.numpy, 50))} p99 "
            f"{ms(pct(self.numpy, 99))} | ratio {self.ratio:.2f} | planted memory in "
            f"top-10: hybrid {self.hybrid_found:.0%}, numpy {self.numpy_found:.0%} | "
            f"vector top-10 overlap with exact {self.overlap:.0%} | built in "
            f"{self.build_s:.0f} s"
        )

    @property
    def ratio(self) -> float:
        return pct(self.hybrid, 50) / pct(self.numpy, 50)


def pct(values: list[float], p: float) -> float:
    """The median for p = 50, else the nearest-rank percentile."""
    if p == 50:
        return statistics.median(values)
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def vocabulary(rng: np.random.Generator, size: int = 20000) -> np.ndarray:
    syllables = np.array([a + b for a in "bdfgklmnprstvz" for b in "aeiou"])
    words = {"".join(rng.choice(syllables, size=rng.integers(2, 4))) for _ in range(size * 2)}
    return np.array(sorted(words)[:size])


def texts_for(rng: np.random.Generator, vocab: np.ndarray, count: int) -> list[str]:
    # A person's name (one of 5000: rare words) then Zipf-distributed words (a few very
    # common ones, a long tail), like "Ann adopted two kittens named Pip and Mo".
    names = rng.integers(0, 5000, size=count)
    ranks = np.minimum(rng.zipf(1.3, size=(count, 10)) - 1, len(vocab) - 1)
    return [
        f"name{n} " + " ".join(row) for n, row in zip(names.tolist(), vocab[ranks], strict=True)
    ]


def unit_rows(rng: np.random.Generator, count: int, spread: float = 0.75) -> np.ndarray:
    """Unit vectors in clusters of about 100 (like real embeddings, which are not uniform):
    cosine ~0.8 to their cluster's centre, ~0.64 to each other, ~0 to everything else."""
    centres = rng.standard_normal((max(1, count // 100), DIM), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise = rng.standard_normal((count, DIM), dtype=np.float32)
    noise *= np.float32(spread / DIM**0.5)
    matrix = centres[rng.integers(0, len(centres), size=count)] + noise
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix


def build(
    path: Path, case: Case, rng: np.random.Generator, vocab: np.ndarray, chunk: int = 50_000
) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Fill ``path`` (already migrated) with the case's memories; return vectors and texts."""
    conn = driver.connect_sync(path)
    conn.execute("PRAGMA synchronous = OFF")
    vectors: dict[str, np.ndarray] = {}
    texts: dict[str, list[str]] = {}
    next_id = 1
    try:
        for p in range(case.personas):
            persona = f"p{p}"
            parts, persona_texts = [], []
            for start in range(0, case.per_persona, chunk):
                count = min(chunk, case.per_persona - start)
                matrix = unit_rows(rng, count)
                words = texts_for(rng, vocab, count)
                ids = range(next_id, next_id + count)
                rooms = rng.integers(0, ROOMS, size=count)
                conn.execute("BEGIN")
                conn.executemany(
                    "INSERT INTO memories (id, persona, room_key, subject_key, kind, text,"
                    " importance, created, updated, embed_key)"
                    " VALUES (?, ?, ?, ?, 'fact', ?, ?, ?, ?, ?)",
                    (
                        (
                            i,
                            persona,
                            f"local:room{r}",
                            f"local:user{i % 997}",
                            t,
                            0.5,
                            NOW,
                            NOW,
                            EMBED_KEY,
                        )
                        for i, r, t in zip(ids, rooms.tolist(), words, strict=True)
                    ),
                )
                bits = sign_bits_matrix(matrix)
                conn.executemany(
                    insert_sql(DIM),
                    (
                        (i, persona, bits[j].tobytes(), matrix[j].tobytes())
                        for j, i in enumerate(ids)
                    ),
                )
                conn.execute("COMMIT")
                next_id += count
                parts.append(matrix)
                persona_texts.extend(words)
            vectors[persona] = np.concatenate(parts)
            texts[persona] = persona_texts
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO memory_witness VALUES (?, ?, ?, ?)",
                ((persona, f"local:room{r}", NOW, NOW) for r in range(ROOMS)),
            )
            conn.execute("COMMIT")
        conn.execute("PRAGMA optimize")
    finally:
        conn.close()
    return vectors, texts


def first_id(case: Case, persona_index: int) -> int:
    return persona_index * case.per_persona + 1


async def measure(
    path: Path,
    case: Case,
    vectors: dict[str, np.ndarray],
    texts: dict[str, list[str]],
    queries: int,
    rng: np.random.Generator,
) -> tuple[list[float], list[float], float, float, float]:
    store = Store(path, clock=VirtualClock(NOW))
    await store.open()
    persona_index = case.personas // 2
    persona = f"p{persona_index}"
    matrix = vectors[persona]
    base = first_id(case, persona_index)
    hybrid_t, numpy_t = [], []
    hybrid_found = numpy_found = overlap = 0.0
    try:
        repo = memories(store)
        await repo.witnessed_rooms(persona)  # the witness set is cached after first use
        targets = rng.integers(0, len(matrix), size=queries + 5)
        for n, target in enumerate(targets.tolist()):
            noise = rng.standard_normal(DIM, dtype=np.float32) * np.float32(0.5 / DIM**0.5)
            query = matrix[target] + noise
            query /= np.linalg.norm(query)
            assert query.dtype == np.float32  # a float64 query would make numpy copy the matrix
            # The person's name, two words of the memory and an unrelated word.
            name, *words = texts[persona][target].split()
            other = texts[persona][int(rng.integers(0, len(matrix)))].split()[-1]
            text = " ".join([name, *rng.choice(words, size=2, replace=False), other])
            started = time.perf_counter()
            result = await recall(store, persona, text, vector=query, limit=10)
            hybrid_elapsed = time.perf_counter() - started
            started = time.perf_counter()
            scores = matrix @ query
            top = np.argpartition(-scores, 10)[:10]
            top = top[np.argsort(-scores[top])]
            numpy_elapsed = time.perf_counter() - started
            if n < 5:
                continue  # warm-up: page cache, statement cache
            hybrid_t.append(hybrid_elapsed)
            numpy_t.append(numpy_elapsed)
            ids = [hit.memory.id for hit in result.hits]
            hybrid_found += (base + target) in ids
            numpy_found += target in top.tolist()
            near = await repo.vectors.knn(persona, query, 10)
            exact = {base + int(i) for i in top}
            overlap += len(exact & {i for i, _ in near}) / 10
    finally:
        await store.close()
    return hybrid_t, numpy_t, hybrid_found / queries, numpy_found / queries, overlap / queries


async def run_case(case: Case, queries: int, workdir: Path, seed: int) -> Result:
    rng = np.random.default_rng(seed)
    path = workdir / f"{case.name}.db"
    store = Store(path)
    await store.open()  # the real migrations
    await store.close()
    started = time.perf_counter()
    vocab = vocabulary(rng)
    vectors, texts = await asyncio.to_thread(build, path, case, rng, vocab)
    build_s = time.perf_counter() - started
    hybrid, numpy_t, found_h, found_n, overlap = await measure(
        path, case, vectors, texts, queries, rng
    )
    return Result(case, build_s, hybrid, numpy_t, found_h, found_n, overlap)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--queries", type=int, default=None, help="queries per case")
    parser.add_argument("--skip-big", action="store_true", help="only the one-persona case")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.quick:
        small = Case("2k x 1 persona", 2_000, 1)
        big = Case("8k x 4 personas", 2_000, 4)
        queries = args.queries or 20
    else:
        small = Case("100k x 1 persona", 100_000, 1)
        big = Case("1M x 10 personas", 100_000, 10)
        queries = args.queries or 200
    print(
        f"sqlite {driver.sqlite_version()}, numpy {np.__version__}, {DIM}-d unit vectors, "
        f"top-10, {queries} queries per case; vector table {table_name(DIM)}; load {load()}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="sanctum-bench-") as tmp:
        first = await run_case(small, queries, Path(tmp), args.seed)
        print(first.line(), flush=True)
        (Path(tmp) / f"{small.name}.db").unlink()
        if not args.skip_big:
            second = await run_case(big, queries, Path(tmp), args.seed + 1)
            print(second.line(), flush=True)
    print(f"load average at the end: {load()} (other work on the machine skews both sides)")
    print(
        f"hybrid p50 / numpy p50 for {small.name}: "
        f"{statistics.median(first.hybrid) * 1000:.2f} / "
        f"{statistics.median(first.numpy) * 1000:.2f} ms"
    )
    print(f"ratio_vs_numpy: {first.ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
