"""Persona memories: what each persona remembers about people and rooms.

A memory belongs to one persona (personas never share memory rows: a fact heard in a room with
two personas is stored once for each). It may name the room it came from (recall is
witness-aware: a persona only recalls memories from rooms it was in) and the person it is about
(``subject_key``, a user key such as ``discord:1234``). A newer memory that contradicts an
older one supersedes it: the old row stays, marked with ``superseded_by``, and is no longer
recalled. Every text is redacted (emails, phone numbers, tokens...) before it is stored.

Reach it with ``memories(store)`` (registered once per store as the "memories" extension).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from bot.memory.messages import fts_query
from bot.memory.redact import redact
from bot.memory.vectors import VectorIndex, shortlist_size, sign_bits, table_name

if TYPE_CHECKING:
    from bot.memory.embedder import Embedder
    from bot.memory.store import Store

Kind = Literal["fact", "preference", "relationship", "joke", "lore", "summary", "highlight"]
KINDS: tuple[str, ...] = (
    "fact",
    "preference",
    "relationship",
    "joke",
    "lore",
    "summary",
    "highlight",
)
MAX_TEXT_CHARS = 2000  # a memory is a sentence or a short paragraph, never a document
MAX_SOURCES = 50
FTS_POSTINGS_BUDGET = 4000  # see MemoryRepository.fts_candidates
DF_CACHE_S = 300.0
EXPORT_FORMAT = "sanctum.memories"
_PERSONA = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class MemoryRejected(ValueError):
    """A memory that cannot be stored; the text says why in one line."""


@dataclass(frozen=True, slots=True)
class Memory:
    id: int
    persona: str
    text: str
    kind: str = "fact"
    room_key: str | None = None
    subject_key: str | None = None
    subject_name: str = ""
    importance: float = 0.5
    sources: tuple[str, ...] = ()
    created: float = 0.0
    updated: float = 0.0
    superseded_by: int | None = None
    embedded: bool = False

    @property
    def active(self) -> bool:
        return self.superseded_by is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "persona": self.persona,
            "kind": self.kind,
            "text": self.text,
            "importance": self.importance,
            "room": self.room_key,
            "subject": self.subject_key,
            "subject_name": self.subject_name,
            "sources": list(self.sources),
            "created": self.created,
            "updated": self.updated,
            "superseded_by": self.superseded_by,
        }


_FIELDS = (
    "id", "persona", "text", "kind", "room_key", "subject_key", "subject_name", "importance",
    "sources", "created", "updated", "superseded_by",
)  # fmt: skip
_COLUMNS = ", ".join(_FIELDS) + ", embed_key IS NOT NULL AS embedded"
_M_COLUMNS = ", ".join(f"m.{f}" for f in _FIELDS) + ", m.embed_key IS NOT NULL AS embedded"


def row_to_memory(row: Any) -> Memory:
    try:
        sources = tuple(str(s) for s in json.loads(row["sources"] or "[]"))
    except (ValueError, TypeError):
        sources = ()
    return Memory(
        id=int(row["id"]),
        persona=row["persona"],
        text=row["text"],
        kind=row["kind"],
        room_key=row["room_key"],
        subject_key=row["subject_key"],
        subject_name=row["subject_name"] or "",
        importance=float(row["importance"]),
        sources=sources,
        created=float(row["created"]),
        updated=float(row["updated"]),
        superseded_by=row["superseded_by"],
        embedded=bool(row["embedded"]),
    )


def clean_text(text: str) -> tuple[str, int]:
    """Whitespace-normalised, redacted text and how many secrets were removed.

    Raises MemoryRejected for an empty or over-long text (checked before redaction, so a 1 MB
    paste costs nothing).
    """
    if not isinstance(text, str):
        raise MemoryRejected("memory text must be a string")
    if len(text) > MAX_TEXT_CHARS * 4:
        raise MemoryRejected(
            f"memory text is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}"
        )
    flat = " ".join(text.split())
    if not flat:
        raise MemoryRejected("memory text is empty")
    if len(flat) > MAX_TEXT_CHARS:
        raise MemoryRejected(
            f"memory text is {len(flat):,} characters; the limit is {MAX_TEXT_CHARS:,}"
        )
    result = redact(flat)
    return result.text, sum(result.found.values())


def norm_text(text: str) -> str:
    """A comparison key: lowercase words only (duplicate detection)."""
    return " ".join(re.findall(r"\w+", text.lower()))


@dataclass(frozen=True, slots=True)
class NewMemory:
    """One memory to add (see :meth:`MemoryRepository.add_many`)."""

    persona: str
    text: str
    kind: str = "fact"
    room_key: str | None = None
    subject_key: str | None = None
    subject_name: str = ""
    importance: float = 0.5
    sources: tuple[str, ...] = ()
    supersedes: tuple[int, ...] = ()


def _validate(item: NewMemory) -> tuple[str, float, str]:
    if not isinstance(item.persona, str) or not _PERSONA.match(item.persona):
        raise MemoryRejected(f"invalid persona id {item.persona!r}")
    if item.kind not in KINDS:
        raise MemoryRejected(
            f"unknown memory kind {item.kind!r} (expected one of: {', '.join(KINDS)})"
        )
    try:
        importance = float(item.importance)
    except (TypeError, ValueError):
        raise MemoryRejected("importance must be a number between 0 and 1") from None
    if math.isnan(importance) or not 0.0 <= importance <= 1.0:
        raise MemoryRejected("importance must be between 0 and 1")
    text, _ = clean_text(item.text)
    sources = json.dumps([str(s)[:200] for s in item.sources][:MAX_SOURCES])
    return text, importance, sources


class MemoryRepository:
    """Add, read, search, supersede, forget and export memories; witness records; vectors."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.vectors = VectorIndex(store)
        # Set by the Librarian: new memories are queued for embedding off the reply path,
        # and recall asks it for query vectors. None: recall is FTS5 only.
        self.embedder: Embedder | None = None
        self._witness: dict[str, set[str]] = {}
        self._witness_loaded: set[str] = set()
        self._witness_pending: dict[tuple[str, str], tuple[float, float]] = {}
        self._df_cache: dict[str, int] = {}
        self._df_cache_at = -DF_CACHE_S
        self._df_total = 0
        self._private: tuple[float, set[str]] | None = None

    @property
    def clock(self):
        return self.store.clock

    # -- writing ---------------------------------------------------------------------------

    async def add(
        self,
        persona: str,
        text: str,
        *,
        kind: str = "fact",
        room_key: str | None = None,
        subject_key: str | None = None,
        subject_name: str = "",
        importance: float = 0.5,
        sources: Sequence[str] = (),
        supersedes: Sequence[int] = (),
    ) -> Memory:
        """Store one memory (redacted); MemoryRejected for bad input."""
        item = NewMemory(
            persona,
            text,
            kind,
            room_key,
            subject_key,
            subject_name,
            importance,
            tuple(sources),
            tuple(supersedes),
        )
        return (await self.add_many([item]))[0]

    async def add_many(self, items: Sequence[NewMemory]) -> list[Memory]:
        """Store several memories in one transaction; all or nothing."""
        checked = [(item, *_validate(item)) for item in items]
        if not checked:
            return []
        now = self.clock.now()
        ids: list[int] = []
        async with self.store.transaction() as db:
            for item, text, importance, sources in checked:
                async with db.execute(
                    "INSERT INTO memories (persona, room_key, subject_key, subject_name, kind,"
                    " text, importance, sources, created, updated)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        item.persona,
                        item.room_key,
                        item.subject_key,
                        item.subject_name[:100],
                        item.kind,
                        text,
                        importance,
                        sources,
                        now,
                        now,
                    ),
                ) as cursor:
                    new_id = int((await cursor.fetchone())[0])
                ids.append(new_id)
                if item.supersedes:
                    await self._supersede(db, item.persona, item.supersedes, new_id, now)
        self._private = None  # a memory from a room the cache may not know yet
        if self.embedder is not None:
            self.embedder.enqueue(ids)
        found = await self.fetch(ids)
        return [found[i] for i in ids]

    async def put_summaries(
        self, personas: Sequence[str], room_key: str, text: str, sources: Sequence[str] = ()
    ) -> list[Memory]:
        """Set each persona's running summary of ``room_key``; the stored rows.

        One row per persona and room, rewritten in place: an old summary has nothing worth
        keeping (unlike a superseded fact), and a busy room would otherwise pile them up.
        Summaries get no vector: prompt assembly reads them by room, not by similarity.
        The new sources are added to the old ones (the newest 200 kept).
        """
        clean, _ = clean_text(text)
        for persona in personas:
            _validate(NewMemory(persona, clean, "summary", room_key))
        now = self.clock.now()
        ids: list[int] = []
        async with self.store.transaction() as db:
            for persona in dict.fromkeys(personas):
                async with db.execute(
                    "SELECT id, sources FROM memories WHERE persona = ? AND room_key = ?"
                    " AND kind = 'summary' AND superseded_by IS NULL ORDER BY id DESC",
                    (persona, room_key),
                ) as cursor:
                    rows = list(await cursor.fetchall())
                old: list[str] = []
                if rows:
                    with contextlib.suppress(ValueError, TypeError):
                        old = [str(x) for x in json.loads(rows[0][1] or "[]")]
                merged = list(dict.fromkeys([*old, *(str(x)[:200] for x in sources)]))[-200:]
                if rows:
                    memory_id = int(rows[0][0])
                    await db.execute(
                        "UPDATE memories SET text = ?, sources = ?, updated = ? WHERE id = ?",
                        (clean, json.dumps(merged), now, memory_id),
                    )
                    extra = [int(r[0]) for r in rows[1:]]
                    if extra:  # never more than one; tidy up if there ever were
                        await db.execute(
                            f"DELETE FROM memories WHERE id IN ({','.join('?' * len(extra))})",
                            extra,
                        )
                else:
                    async with db.execute(
                        "INSERT INTO memories (persona, room_key, kind, text, importance,"
                        " sources, created, updated) VALUES (?, ?, 'summary', ?, 0.3, ?, ?, ?)"
                        " RETURNING id",
                        (persona, room_key, clean, json.dumps(merged), now, now),
                    ) as cursor:
                        memory_id = int((await cursor.fetchone())[0])
                ids.append(memory_id)
        found = await self.fetch(ids)
        return [found[i] for i in ids]

    async def _supersede(
        self, db: Any, persona: str, old_ids: Iterable[int], new_id: int, now: float
    ) -> int:
        """Mark ``old_ids`` (of the same persona, still active) as replaced by ``new_id``."""
        olds = sorted({int(i) for i in old_ids if int(i) != new_id})
        if not olds:
            return 0
        marks = ",".join("?" * len(olds))
        async with db.execute(
            f"UPDATE memories SET superseded_by = ?, updated = ?, embed_key = NULL"
            f" WHERE id IN ({marks}) AND persona = ? AND superseded_by IS NULL RETURNING id",
            (new_id, now, *olds, persona),
        ) as cursor:
            changed = [int(r[0]) for r in await cursor.fetchall()]
        # Superseded memories are never recalled: keep the vector index to live ones.
        await self.vectors.delete(db, changed)
        return len(changed)

    async def supersede(self, old_id: int, new_id: int) -> bool:
        """Mark ``old_id`` as replaced by ``new_id`` (same persona); False if nothing changed."""
        new = await self.get(new_id)
        if new is None:
            raise MemoryRejected(f"no memory #{new_id}")
        async with self.store.transaction() as db:
            changed = await self._supersede(db, new.persona, [old_id], new_id, self.clock.now())
        return changed > 0

    async def touch(self, memory_id: int) -> None:
        """Refresh ``updated`` (a fact heard again stays recent)."""
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE memories SET updated = ? WHERE id = ?", (self.clock.now(), memory_id)
            )

    async def forget(self, subject_key: str, persona: str | None = None) -> int:
        """Delete what ``persona`` (or every persona) keeps of ``subject_key``; the count.

        That is every memory about the person, and the room-level ones (lore, jokes, room
        summaries) drawn from that person's own lines: "forget me" must not leave "Ann told
        the room about her divorce" in a summary.
        """
        await self.store.flush()  # the source lines must be in the message log to be found
        sql, params = _forgettable_sql(subject_key, persona)
        return await self._delete_where(sql, params)

    async def forgettable(self, subject_key: str, persona: str | None = None) -> int:
        """How many memories :meth:`forget` would delete (superseded ones included)."""
        await self.store.flush()
        sql, params = _forgettable_sql(subject_key, persona)
        row = await self.store.fetchone(f"SELECT count(*) FROM ({sql})", params)
        return int(row[0])

    async def delete(self, memory_id: int) -> bool:
        return await self._delete_where("SELECT id FROM memories WHERE id = ?", (memory_id,)) > 0

    async def forget_persona(self, persona: str) -> int:
        """Delete everything ``persona`` remembers (its witness records too)."""
        count = await self._delete_where("SELECT id FROM memories WHERE persona = ?", (persona,))
        async with self.store.transaction() as db:
            await db.execute("DELETE FROM memory_witness WHERE persona = ?", (persona,))
        self._witness.pop(persona, None)
        self._witness_loaded.discard(persona)
        return count

    async def _delete_where(self, select_sql: str, params: tuple) -> int:
        async with self.store.transaction() as db:
            async with db.execute(select_sql, params) as cursor:
                ids = [int(r[0]) for r in await cursor.fetchall()]
            if not ids:
                return 0
            await self.vectors.delete(db, ids)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                await db.execute(
                    f"DELETE FROM memories WHERE id IN ({','.join('?' * len(chunk))})", chunk
                )
        return len(ids)

    # -- reading ---------------------------------------------------------------------------

    async def get(self, memory_id: int) -> Memory | None:
        row = await self.store.fetchone(
            f"SELECT {_COLUMNS} FROM memories WHERE id = ?", (int(memory_id),)
        )
        return row_to_memory(row) if row else None

    async def fetch(self, ids: Iterable[int]) -> dict[int, Memory]:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        found: dict[int, Memory] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await self.store.fetchall(
                f"SELECT {_COLUMNS} FROM memories WHERE id IN ({','.join('?' * len(chunk))})",
                tuple(chunk),
            )
            for row in rows:
                found[int(row["id"])] = row_to_memory(row)
        return found

    async def list(
        self,
        persona: str | None = None,
        *,
        subject_key: str | None = None,
        room_key: str | None = None,
        kinds: Sequence[str] | None = None,
        include_superseded: bool = False,
        order: Literal["recent", "important", "oldest"] = "recent",
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[Memory]:
        where, params = [], []
        if persona is not None:
            where.append("persona = ?")
            params.append(persona)
        if subject_key is not None:
            where.append("subject_key = ?")
            params.append(subject_key)
        if room_key is not None:
            where.append("room_key = ?")
            params.append(room_key)
        if kinds:
            where.append(f"kind IN ({','.join('?' * len(kinds))})")
            params.extend(kinds)
        if not include_superseded:
            where.append("superseded_by IS NULL")
        sql = f"SELECT {_COLUMNS} FROM memories"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += {
            "recent": " ORDER BY updated DESC, id DESC",
            "important": " ORDER BY importance DESC, updated DESC, id DESC",
            "oldest": " ORDER BY id",
        }[order]
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [int(limit), int(offset)]
        return [row_to_memory(r) for r in await self.store.fetchall(sql, tuple(params))]

    async def count(
        self,
        persona: str | None = None,
        *,
        subject_key: str | None = None,
        include_superseded: bool = False,
    ) -> int:
        where, params = [], []
        if persona is not None:
            where.append("persona = ?")
            params.append(persona)
        if subject_key is not None:
            where.append("subject_key = ?")
            params.append(subject_key)
        if not include_superseded:
            where.append("superseded_by IS NULL")
        sql = "SELECT count(*) FROM memories" + (" WHERE " + " AND ".join(where) if where else "")
        row = await self.store.fetchone(sql, tuple(params))
        return int(row[0])

    async def room_summary(self, persona: str, room_key: str) -> Memory | None:
        """``persona``'s current summary of ``room_key`` (the Librarian keeps one), or None."""
        row = await self.store.fetchone(
            f"SELECT {_COLUMNS} FROM memories WHERE persona = ? AND room_key = ?"
            " AND kind = 'summary' AND superseded_by IS NULL ORDER BY updated DESC, id DESC"
            " LIMIT 1",
            (persona, room_key),
        )
        return row_to_memory(row) if row else None

    async def personas(self) -> dict[str, int]:
        """Persona id -> number of live memories."""
        rows = await self.store.fetchall(
            "SELECT persona, count(*) FROM memories WHERE superseded_by IS NULL"
            " GROUP BY persona ORDER BY persona"
        )
        return {r[0]: int(r[1]) for r in rows}

    async def subjects(self, persona: str, who: str) -> list[tuple[str, str]]:
        """(subject key, name) pairs of ``persona``'s memories matching a key or a name."""
        rows = await self.store.fetchall(
            "SELECT subject_key, max(subject_name) FROM memories WHERE persona = ?"
            " AND subject_key IS NOT NULL AND (subject_key = ? OR lower(subject_name) = lower(?)"
            " OR subject_key LIKE '%:' || ?) GROUP BY subject_key ORDER BY subject_key",
            (persona, who, who, who),
        )
        return [(r[0], r[1] or "") for r in rows]

    async def search(
        self, persona: str, text: str, *, limit: int = 20
    ) -> list[tuple[Memory, float]]:
        """Full-text (BM25) search of ``persona``'s live memories; safe for any text."""
        return await self.fts_candidates(persona, text, limit, budget=None)

    async def fts_candidates(
        self,
        persona: str,
        text: str,
        limit: int,
        *,
        budget: int | None = FTS_POSTINGS_BUDGET,
    ) -> list[tuple[Memory, float]]:
        """The best BM25 matches and their scores (higher is better), best first.

        BM25 scores every memory matching any term, so a common word ("likes" in a persona
        with 100k memories) would cost a full scan while adding almost nothing to the ranking.
        With a ``budget``, terms are taken rarest first while their document counts fit in it
        (and in a tenth of the index), and words in more than a fifth of all memories are
        skipped like stop words. With None (FTS5-only recall must answer) the rarest term is
        always taken.
        """
        terms = query_terms(text)
        if not terms:
            return []
        if budget is not None or len(terms) > 8:
            freqs = await self._doc_freqs(terms)
            total = self._df_total
            if budget is not None:
                budget = min(budget, max(500, total // 10))
            terms.sort(key=lambda t: freqs.get(t, 0))
            chosen: list[str] = []
            spent = 0
            for term in terms[:8]:
                cost = freqs.get(term, 0)
                if budget is not None and (spent + cost > budget or cost > max(200, total // 5)):
                    break
                chosen.append(term)
                spent += cost
            if not chosen and budget is None:
                chosen = terms[:1]
            terms = chosen
        query = fts_query(" ".join(terms))
        if query is None:
            return []
        rows = await self.store.fetchall(
            f"SELECT {_M_COLUMNS}, bm25(memories_fts) AS score FROM memories_fts"
            " JOIN memories m ON m.id = memories_fts.rowid"
            " WHERE memories_fts MATCH ? AND m.persona = ? AND m.superseded_by IS NULL"
            " ORDER BY score LIMIT ?",
            (query, persona, int(limit)),
        )
        return [(row_to_memory(r), -float(r["score"])) for r in rows]

    async def nearest(
        self, persona: str, query: np.ndarray, limit: int, *, shortlist: int | None = None
    ) -> list[tuple[Memory, float]]:
        """The ``limit`` live memories of ``persona`` nearest to unit vector ``query``, with
        their cosine similarity, best first (see :meth:`VectorIndex.knn`; one round trip)."""
        dim = int(query.shape[0])
        if dim not in await self.vectors.dims():
            return []
        rows = await self.store.fetchall(
            f"WITH near AS (SELECT rowid, vector FROM {table_name(dim)}"
            " WHERE embedding MATCH vec_bit(?) AND k = ? AND persona = ?)"
            f" SELECT {_M_COLUMNS}, near.vector FROM near JOIN memories m ON m.id = near.rowid"
            " WHERE m.superseded_by IS NULL",
            (sign_bits(query), shortlist or shortlist_size(limit), persona),
        )
        if not rows:
            return []
        matrix = np.frombuffer(b"".join(r["vector"] for r in rows), dtype=np.float32)
        scores = matrix.reshape(-1, dim) @ query
        order = np.argsort(-scores)[:limit]
        # Only the rows kept become Memory objects: the shortlist is longer than the answer.
        return [(row_to_memory(rows[i]), float(scores[i])) for i in order.tolist()]

    async def _doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        """How many memories contain each term (cached for a while: it drifts slowly)."""
        now = time.monotonic()
        if now - self._df_cache_at > DF_CACHE_S or len(self._df_cache) > 50_000:
            self._df_cache.clear()
            self._df_cache_at = now
            row = await self.store.fetchone("SELECT max(id) FROM memories")
            self._df_total = int(row[0] or 0)  # about how many memories the index holds
        missing = [t for t in terms if t not in self._df_cache]
        if missing:
            rows = await self.store.fetchall(
                f"SELECT term, doc FROM memories_vocab WHERE term IN"
                f" ({','.join('?' * len(missing))})",
                tuple(missing),
            )
            found = {r[0]: int(r[1]) for r in rows}
            for term in missing:
                self._df_cache[term] = found.get(term, 0)
        return {t: self._df_cache[t] for t in terms}

    # -- export ----------------------------------------------------------------------------

    async def export(
        self, persona: str, *, subject_key: str | None = None, include_superseded: bool = True
    ) -> dict[str, Any]:
        """Everything ``persona`` remembers, as a JSON-ready dict (superseded ones marked)."""
        items = await self.list(
            persona,
            subject_key=subject_key,
            include_superseded=include_superseded,
            order="oldest",
            limit=None,
        )
        return {
            "format": EXPORT_FORMAT,
            "version": 1,
            "persona": persona,
            "subject": subject_key,
            "exported_at": self.clock.now(),
            "count": len(items),
            "memories": [m.to_json() for m in items],
        }

    async def export_json(self, persona: str, **options: Any) -> str:
        return json.dumps(await self.export(persona, **options), ensure_ascii=False, indent=2)

    # -- witnesses -------------------------------------------------------------------------

    def note_witness(self, personas: Iterable[str], room_key: str, ts: float) -> None:
        """Record that ``personas`` were in ``room_key`` (in memory; :meth:`flush_witness`)."""
        for persona in personas:
            rooms = self._witness.setdefault(persona, set())
            key = (persona, room_key)
            pending = self._witness_pending.get(key)
            if pending is not None:
                self._witness_pending[key] = (pending[0], max(pending[1], ts))
            elif room_key not in rooms or persona not in self._witness_loaded:
                self._witness_pending[key] = (ts, ts)
            rooms.add(room_key)

    @property
    def witness_pending(self) -> int:
        return len(self._witness_pending)

    async def flush_witness(self) -> int:
        if not self._witness_pending:
            return 0
        batch = dict(self._witness_pending)
        async with self.store.transaction() as db:
            await db.executemany(
                "INSERT INTO memory_witness (persona, room_key, first_seen, last_seen)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (persona, room_key) DO UPDATE SET"
                " first_seen = min(first_seen, excluded.first_seen),"
                " last_seen = max(last_seen, excluded.last_seen)",
                [(p, r, a, b) for (p, r), (a, b) in batch.items()],
            )
        for key in batch:
            if self._witness_pending.get(key) == batch[key]:
                del self._witness_pending[key]
        return len(batch)

    async def private_rooms(self) -> set[str]:
        """Keys of the direct rooms the message log knows (cached for a minute)."""
        now = time.monotonic()
        if self._private is None or now - self._private[0] > 60.0:
            rows = await self.store.fetchall(
                "SELECT platform || ':' || room_id FROM rooms"
                " WHERE is_direct = 1 OR member_count = 2"
            )
            self._private = (now, {r[0] for r in rows})
        return self._private[1]

    async def witnessed_rooms(self, persona: str) -> set[str]:
        """Room keys ``persona`` was in (stored and not yet flushed)."""
        if persona not in self._witness_loaded:
            rows = await self.store.fetchall(
                "SELECT room_key FROM memory_witness WHERE persona = ?", (persona,)
            )
            self._witness.setdefault(persona, set()).update(r[0] for r in rows)
            self._witness_loaded.add(persona)
        return self._witness.get(persona, set())

    # -- state and embeddings --------------------------------------------------------------

    async def get_state(self, key: str, default: str | None = None) -> str | None:
        row = await self.store.fetchone("SELECT value FROM memory_state WHERE key = ?", (key,))
        return row[0] if row else default

    async def set_state(self, key: str, value: str) -> None:
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO memory_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def needing_embedding(
        self, target: str, *, after_id: int = 0, limit: int = 64, ids: Sequence[int] | None = None
    ) -> list[tuple[int, str, str]]:
        """(id, persona, text) of live memories whose vector is missing or not ``target``'s."""
        sql = (
            "SELECT id, persona, text FROM memories WHERE superseded_by IS NULL"
            " AND kind != 'summary' AND (embed_key IS NULL OR embed_key != ?) AND id > ?"
        )
        params: list = [target, after_id]
        if ids is not None:
            wanted = [int(i) for i in ids][:500]
            if not wanted:
                return []
            sql += f" AND id IN ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        sql += " ORDER BY id LIMIT ?"
        params.append(int(limit))
        rows = await self.store.fetchall(sql, tuple(params))
        return [(int(r[0]), r[1], r[2]) for r in rows]

    async def embedding_counts(self, target: str) -> tuple[int, int]:
        """(live memories with a ``target`` vector, live memories)."""
        row = await self.store.fetchone(
            "SELECT count(*) FILTER (WHERE embed_key = ?), count(*) FROM memories"
            " WHERE superseded_by IS NULL AND kind != 'summary'",
            (target,),
        )
        return int(row[0]), int(row[1])

    async def store_vectors(self, items: Sequence[tuple[int, str, Any]], target: str) -> int:
        """Write vectors for memories that still exist and are live; how many were written."""
        if not items:
            return 0
        async with self.store.transaction() as db:
            ids = [int(i) for i, _, _ in items]
            async with db.execute(
                f"SELECT id FROM memories WHERE superseded_by IS NULL"
                f" AND id IN ({','.join('?' * len(ids))})",
                ids,
            ) as cursor:
                live = {int(r[0]) for r in await cursor.fetchall()}
            kept = [item for item in items if int(item[0]) in live]
            await self.vectors.put(db, kept)
            await db.executemany(
                "UPDATE memories SET embed_key = ? WHERE id = ?",
                [(target, int(i)) for i, _, _ in kept],
            )
        return len(kept)


# Words that carry no meaning for recall; they would make BM25 match nearly every memory.
_STOP = frozenset(
    "a an the and or but of to in on at for with by from is are was were be been being am i me "
    "my mine you your yours he him his she her hers it its we us our they them their this that "
    "these those do does did has have had so very really just about as into than then there "
    "what who whom which when where why how can could would should will shall may might must "
    "not no yes any some all tell know remember anything something".split()
)


def _fold(word: str) -> str:
    # What the FTS5 unicode61 tokenizer (remove_diacritics 2) indexes: "Café" -> "cafe".
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def query_terms(text: str) -> list[str]:
    """The distinct meaningful words of ``text``, as FTS5 indexes them (at most 32).

    Stop words are dropped unless nothing else is left.
    """
    words = [_fold(w) for w in re.findall(r"\w+", text[:4000])]
    words = [w for w in words if w]
    kept = [w for w in words if w not in _STOP]
    return list(dict.fromkeys(kept or words))[:32]


def _forgettable_sql(subject_key: str, persona: str | None) -> tuple[str, tuple]:
    """A SELECT of the ids :meth:`MemoryRepository.forget` deletes, and its parameters.

    Memories store the platform ids of their source messages; the message log knows who wrote
    each (room + platform id is unique there). The room-level memories drive the search
    (CROSS JOIN fixes the order): there are few of them, while a chatty person may have
    written a hundred thousand messages.
    """
    platform, _, user_id = subject_key.partition(":")
    scope = " AND persona = ?" if persona is not None else ""
    m_scope = " AND m.persona = ?" if persona is not None else ""
    scoped = (persona,) if persona is not None else ()
    sql = (
        f"SELECT id FROM memories WHERE subject_key = ?{scope}"
        " UNION SELECT m.id FROM memories m INDEXED BY memories_subject"
        " CROSS JOIN json_each(CASE WHEN json_valid(m.sources) THEN m.sources ELSE '[]' END) s"
        " CROSS JOIN messages g"
        f" WHERE m.subject_key IS NULL AND m.room_key IS NOT NULL{m_scope}"
        " AND g.room = (SELECT id FROM rooms"
        " WHERE platform = substr(m.room_key, 1, instr(m.room_key, ':') - 1)"
        " AND room_id = substr(m.room_key, instr(m.room_key, ':') + 1))"
        " AND g.platform_id = s.value"
        " AND g.author = (SELECT id FROM users WHERE platform = ? AND user_id = ?)"
    )
    return sql, (subject_key, *scoped, *scoped, platform, user_id)


def memories(store: Store) -> MemoryRepository:
    """The store's memory repository (made once per store)."""
    return store.extension("memories", MemoryRepository)
