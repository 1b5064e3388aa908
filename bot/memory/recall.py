"""Hybrid recall: what one persona remembers that bears on a query.

Two rankings of the persona's live memories, FTS5 BM25 over the text and vector KNN over the
embeddings (bot/memory/vectors.py), are fused by reciprocal rank (score = sum of 1/(60 + rank)),
then nudged by importance, recency and whether the memory is about the person speaking. With no
embeddings endpoint (or when the query embedding fails) only the BM25 ranking is used, and the
result says which mode it ran in.

Recall is always scoped to one persona and is witness-aware: a memory tied to a room is only
recalled by a persona that was in that room. It is also discreet: in a group room, nothing
learnt in a direct conversation elsewhere comes up. User text reaches FTS5 only through
:func:`bot.memory.messages.fts_query`, so a query of punctuation or FTS syntax is harmless.

The Steward calls :func:`recall_for_prompt` when it builds a prompt.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from bot.memory.memories import FTS_POSTINGS_BUDGET, Memory, memories, query_terms
from bot.memory.vectors import VectorError, shortlist_size, unit

if TYPE_CHECKING:
    from bot.memory.embedder import Embedder
    from bot.memory.store import Store
    from bot.message import Room
    from bot.personas import Persona

log = logging.getLogger(__name__)

RRF_K = 60
IMPORTANCE_WEIGHT = 0.5  # importance 1.0 scores x1.5, importance 0 x1.0
RECENCY_WEIGHT = 0.25  # touched just now x1.25, fading with the half-life below
RECENCY_HALF_LIFE_S = 30 * 86400.0
SPEAKER_BOOST = 1.2  # memories about the person speaking
MIN_SIMILARITY = 0.1  # vector neighbours less similar than this are noise, not recall

Mode = Literal["hybrid", "fts", "fts-fallback"]
MODE_LINES = {
    "hybrid": "hybrid (FTS5 + vectors)",
    "fts": "FTS5 only (no embeddings endpoint)",
    "fts-fallback": "FTS5 only (the embeddings endpoint failed for this query)",
}


@dataclass(frozen=True, slots=True)
class RecallHit:
    memory: Memory
    score: float
    fts_rank: int | None = None  # 1-based rank in the BM25 list, None if not in it
    vec_rank: int | None = None  # 1-based rank in the vector list
    similarity: float | None = None  # cosine similarity to the query vector


@dataclass(frozen=True, slots=True)
class RecallResult:
    hits: list[RecallHit]
    mode: Mode

    @property
    def memories(self) -> list[Memory]:
        return [hit.memory for hit in self.hits]

    @property
    def mode_line(self) -> str:
        return MODE_LINES[self.mode]


def rrf(rank: int | None) -> float:
    return 1.0 / (RRF_K + rank) if rank is not None else 0.0


def boost(memory: Memory, now: float, speaker: str | None) -> float:
    age = max(0.0, now - memory.updated)
    recency = math.pow(0.5, age / RECENCY_HALF_LIFE_S)
    factor = (1.0 + IMPORTANCE_WEIGHT * memory.importance) * (1.0 + RECENCY_WEIGHT * recency)
    if speaker is not None and memory.subject_key == speaker:
        factor *= SPEAKER_BOOST
    return factor


def _room_key(room: Room | str | None) -> str | None:
    if room is None or isinstance(room, str):
        return room
    return room.key


Visible = Callable[[str | None], bool]


async def visibility(
    store: Store, persona: str, room: Room | str | None, *, witness: bool = True
) -> Visible:
    """Which memories (by the room they came from) ``persona`` may bring up in ``room``.

    Witness-aware: only rooms the persona was in (and the room it is in now). Discreet: in a
    group room, nothing from a direct conversation elsewhere. Room-less memories always.
    ``witness=False`` (the owner's console) sees everything.
    """
    if not witness:
        return lambda room_key: True
    repo = memories(store)
    here = _room_key(room)
    allowed = set(await repo.witnessed_rooms(persona))
    if here is not None:
        allowed.add(here)
    if isinstance(room, str):
        here_private = room in await repo.private_rooms()
    else:
        here_private = room is None or room.is_private
    if not here_private:
        allowed -= await repo.private_rooms() - {here}

    def visible(room_key: str | None) -> bool:
        return room_key is None or room_key in allowed

    return visible


async def recall(
    store: Store,
    persona: str,
    query: str,
    *,
    limit: int = 10,
    vector: np.ndarray | list[float] | None = None,
    embedder: Embedder | None = None,
    room: Room | str | None = None,
    speaker: str | None = None,
    witness: bool = True,
    min_similarity: float = MIN_SIMILARITY,
) -> RecallResult:
    """The best ``limit`` live memories of ``persona`` for ``query``.

    ``vector``: a precomputed query embedding; otherwise the embedder (the one the Librarian
    registered, unless given) computes one. ``room``: where the persona is now (it counts as
    witnessed). ``speaker``: a user key whose memories get a small boost. ``witness=False``
    (the owner's console) skips the witness filter.
    """
    repo = memories(store)
    limit = max(1, int(limit))
    pool = max(3 * limit, 30)
    embedder = embedder if embedder is not None else repo.embedder
    mode: Mode = "fts"
    query_vector: np.ndarray | None = None
    if not query_terms(query):
        vector = None  # punctuation or nothing: no meaning to look up either way
        embedder = None
    if vector is not None:
        try:
            query_vector = unit(vector)
        except VectorError as error:
            log.warning("recall query vector ignored: %s", error)
    elif embedder is not None and embedder.available:
        query_vector = await embedder.embed_query(query)
        mode = "fts-fallback" if query_vector is None else mode
    if query_vector is not None:
        mode = "hybrid"

    visible = await visibility(store, persona, room, witness=witness)

    # With vectors, BM25 may skip very common words; alone, it must always try.
    budget = FTS_POSTINGS_BUDGET if query_vector is not None else None
    fts = [
        (memory, score)
        for memory, score in await repo.fts_candidates(persona, query, pool, budget=budget)
        if visible(memory.room_key)
    ]
    near: list[tuple[Memory, float]] = []
    if query_vector is not None:
        # The shortlist follows the answer's size, not the pool's: sqlite-vec's top-k cost
        # grows with k (see bot/memory/vectors.py).
        found = await repo.nearest(persona, query_vector, pool, shortlist=shortlist_size(limit))
        near = [(m, sim) for m, sim in found if sim >= min_similarity and visible(m.room_key)]
    memories_by_id = {m.id: m for m, _ in fts} | {m.id: m for m, _ in near}
    fts_ranks = {m.id: rank for rank, (m, _) in enumerate(fts, start=1)}
    vec_ranks = {m.id: rank for rank, (m, _) in enumerate(near, start=1)}
    similarity = {m.id: sim for m, sim in near}
    now = store.clock.now()
    hits = []
    for i, memory in memories_by_id.items():
        base = rrf(fts_ranks.get(i)) + rrf(vec_ranks.get(i))
        hits.append(
            RecallHit(
                memory,
                base * boost(memory, now, speaker),
                fts_ranks.get(i),
                vec_ranks.get(i),
                similarity.get(i),
            )
        )
    hits.sort(key=lambda h: (-h.score, -h.memory.id))
    return RecallResult(hits[:limit], mode)


async def recall_for_prompt(
    store: Store,
    persona: Persona | str,
    speaker_user_key: str | None,
    query_text: str,
    room: Room | str | None,
    limit: int | None = None,
    *,
    embedder: Embedder | None = None,
) -> list[Memory]:
    """What ``persona`` should have in mind when answering ``speaker_user_key`` in ``room``.

    The hybrid recall of ``query_text`` (memories about the speaker boosted), topped up with
    the speaker's most important memories when the query finds fewer than ``limit``. Honours
    the persona's ``memory.enabled`` and ``memory.recall_limit``. Never raises: recall trouble
    costs the prompt its memories, not the reply.
    """
    persona_id = persona if isinstance(persona, str) else persona.id
    if not isinstance(persona, str):
        if not persona.memory.enabled:
            return []
        limit = persona.memory.recall_limit if limit is None else limit
    limit = 6 if limit is None else int(limit)
    if limit <= 0:
        return []
    try:
        result = await recall(
            store,
            persona_id,
            query_text,
            limit=limit,
            embedder=embedder,
            room=room,
            speaker=speaker_user_key,
        )
        chosen = [m for m in result.memories if m.kind != "summary"]  # passed on its own
        if len(chosen) < limit and speaker_user_key:
            repo = memories(store)
            visible = await visibility(store, persona_id, room)
            seen = {m.id for m in chosen}
            for memory in await repo.list(
                persona_id, subject_key=speaker_user_key, order="important", limit=limit * 3
            ):
                if len(chosen) >= limit:
                    break
                if memory.id in seen:
                    continue
                if not visible(memory.room_key):
                    continue
                chosen.append(memory)
        return chosen
    except Exception:  # memory trouble must never cost the reply
        log.exception("recall for %s failed; answering without memories", persona_id)
        return []


async def room_summary(store: Store, persona: Persona | str, room_key: str) -> str | None:
    """The persona's running summary of the room (the Librarian writes it), or None.

    Never raises: like recall, a memory problem costs the prompt a part, not the reply.
    """
    persona_id = persona if isinstance(persona, str) else persona.id
    if not isinstance(persona, str) and not persona.memory.enabled:
        return None
    try:
        found = await memories(store).room_summary(persona_id, room_key)
    except Exception:
        log.exception("room summary for %s in %s failed", persona_id, room_key)
        return None
    return found.text if found is not None else None


def mode_line(embedder: Embedder | None) -> str:
    """`status` line: what recall runs on right now."""
    if embedder is None:
        return "FTS5 only (no embeddings endpoint)"
    return embedder.mode_line()
