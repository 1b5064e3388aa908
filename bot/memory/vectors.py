"""The vector side of recall: sqlite-vec vec0 tables, sign-bit quantized, per-persona partitions.

Why this shape (see bench/recall.py): a flat float32 scan of 100k x 384 in sqlite-vec costs
about 8x a numpy matrix product, and sqlite-vec's top-k keeps a sorted buffer, so its cost grows
with k. A 1-bit-per-dimension Hamming scan (48 bytes per 384-d vector) with a short k is the
cheapest first pass; the float32 vectors of that shortlist (an auxiliary column, read only for
the rows returned) are then rescored exactly. ``persona`` is a partition key, so one persona's
recall scans only its own chunks however many personas share the file.

One table per dimension (``memory_vec_384``, ``memory_vec_1536``...): changing the embeddings
model to another size needs no migration, only ``sanctum memory reembed``. Row ids are
``memories.id``. Vectors are stored unit-length, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from bot.memory.store import Store

DEFAULT_DIM = 384
CHUNK_SIZE = 4096  # rows per sqlite-vec chunk: fewer, larger blobs scan a little faster
MAX_DIM = 8192
_TABLE = re.compile(r"^memory_vec_(\d+)$")


class VectorError(ValueError):
    """A vector that cannot be stored (wrong shape, zero length, NaN); one line."""


def table_name(dim: int) -> str:
    if not 1 <= int(dim) <= MAX_DIM:
        raise VectorError(f"embedding dimension {dim} is out of range (1..{MAX_DIM})")
    return f"memory_vec_{int(dim)}"


def create_sql(dim: int) -> str:
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table_name(dim)} USING vec0 ("
        f"persona TEXT PARTITION KEY, embedding BIT[{int(dim)}], +vector BLOB,"
        f" chunk_size = {CHUNK_SIZE})"
    )


def unit(vector: Sequence[float] | np.ndarray) -> np.ndarray:
    """``vector`` as unit-length float32; VectorError for an empty, zero or non-finite one."""
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    if array.size == 0:
        raise VectorError("empty embedding")
    if not np.all(np.isfinite(array)):
        raise VectorError("embedding has NaN or infinite values")
    norm = float(np.linalg.norm(array))
    if norm == 0.0:
        raise VectorError("embedding has zero length")
    return array / norm


def sign_bits(vector: np.ndarray) -> bytes:
    """1 bit per dimension: positive or not (what the Hamming shortlist compares)."""
    return np.packbits(vector > 0).tobytes()


def sign_bits_matrix(matrix: np.ndarray) -> np.ndarray:
    return np.packbits(matrix > 0, axis=1)


def insert_sql(dim: int) -> str:
    return (
        f"INSERT INTO {table_name(dim)} (rowid, persona, embedding, vector)"
        " VALUES (?, ?, vec_bit(?), ?)"
    )


def rows_for(items: Iterable[tuple[int, str, np.ndarray]]) -> list[tuple[int, str, bytes, bytes]]:
    """Parameters for :func:`insert_sql` (vectors already unit-length float32)."""
    return [
        (int(i), persona, sign_bits(v), v.astype(np.float32).tobytes()) for i, persona, v in items
    ]


def shortlist_size(limit: int) -> int:
    """How many Hamming neighbours to rescore for a top-``limit`` answer.

    Sign bits blur near neighbours that are close to each other (a cluster of memories about
    one topic), and sqlite-vec's top-k cost grows with k, so this is a trade. Measured with
    bench/recall.py (100k x 384, clustered, top-10) on this 2-core machine: a shortlist of 32
    returns 67% of the exact vector top-10 (k=32 scan about 5 ms), 64 returns 91% (about
    7 ms), 100 returns 99.7% (about 10 ms). Hence at least 64, and more for longer answers.
    """
    return max(64, min(6 * int(limit), 256))


class VectorIndex:
    """Reads and writes the vector tables through the store's connection."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._dims: set[int] | None = None

    async def dims(self) -> set[int]:
        """Dimensions that have a table in this database."""
        if self._dims is None:
            rows = await self.store.fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'memory_vec_%'"
            )
            self._dims = {int(m.group(1)) for (name,) in rows if (m := _TABLE.match(name))}
        return self._dims

    async def ensure(self, db: Any, dim: int) -> None:
        """Create the table for ``dim`` inside the caller's transaction if it is missing."""
        if dim not in await self.dims():
            await db.execute(create_sql(dim))
            self._dims = None  # re-read after the transaction (it may yet roll back)

    async def put(self, db: Any, items: Sequence[tuple[int, str, np.ndarray]]) -> None:
        """Store (memory id, persona, unit vector) rows, replacing older vectors of those ids."""
        if not items:
            return
        ids = [int(i) for i, _, _ in items]
        await self.delete(db, ids)
        by_dim: dict[int, list[tuple[int, str, np.ndarray]]] = {}
        for item in items:
            by_dim.setdefault(int(item[2].shape[0]), []).append(item)
        for dim, group in by_dim.items():
            await self.ensure(db, dim)
            await db.executemany(insert_sql(dim), rows_for(group))

    async def delete(self, db: Any, ids: Iterable[int]) -> None:
        params = [(int(i),) for i in ids]
        if not params:
            return
        for dim in sorted(await self.dims()):
            await db.executemany(f"DELETE FROM {table_name(dim)} WHERE rowid = ?", params)

    async def count(self, persona: str | None = None) -> int:
        total = 0
        for dim in sorted(await self.dims()):
            if persona is None:
                row = await self.store.fetchone(f"SELECT count(*) FROM {table_name(dim)}")
            else:
                row = await self.store.fetchone(
                    f"SELECT count(*) FROM {table_name(dim)} WHERE persona = ?", (persona,)
                )
            total += int(row[0]) if row else 0
        return total

    async def knn(
        self, persona: str, query: np.ndarray, limit: int, *, shortlist: int | None = None
    ) -> list[tuple[int, float]]:
        """The ``limit`` nearest memories of ``persona``: (id, cosine similarity), best first.

        ``query`` must be unit-length. A Hamming shortlist of ``shortlist`` rows (default:
        :func:`shortlist_size` of ``limit``) from the persona's partition, then exact float32
        rescoring of that shortlist.
        """
        dim = int(query.shape[0])
        if dim not in await self.dims():
            return []
        rows = await self.store.fetchall(
            f"SELECT rowid, vector FROM {table_name(dim)}"
            " WHERE embedding MATCH vec_bit(?) AND k = ? AND persona = ?",
            (sign_bits(query), shortlist or shortlist_size(limit), persona),
        )
        if not rows:
            return []
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(-1, dim)
        scores = matrix @ query
        order = np.argsort(-scores)[:limit]
        return [(int(rows[i][0]), float(scores[i])) for i in order]
