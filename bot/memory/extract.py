"""The Librarian's memory work: durable facts out of conversation, in batches.

Conversation lines are fed in as they happen (:meth:`Extractor.feed` only appends to a
buffer). When a room has gathered enough human lines, or has gone quiet for a while, its batch
is sent to the language model, which answers with JSON validated by pydantic
(:func:`bot.llm.structured.ask_structured`: structured output where the endpoint supports it,
tolerant parsing otherwise, one retry, then the batch is skipped and logged).

Rules enforced here, whatever the model says:

- another bot's words (``author.is_bot`` or one of our personas) are context, never a source:
  a fact must cite at least one human line, and a bot is never its subject;
- secrets are redacted from the lines before the model sees them, and again from every fact;
- a fact that contradicts a known one about the same person supersedes it (the model names
  the known fact's label; only that person's facts can be named); the old one is kept, marked;
- a fact is stored once for each persona that witnessed the room (each persona's memory is its
  own), and a fact the persona already holds is not stored twice;
- the same call keeps a short running summary of the room (kind ``summary``, one row per
  persona and room, rewritten in place), which prompt assembly shows as "what happened in this
  room so far".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from bot.llm.base import LLM, ChatMessage, LLMError
from bot.llm.structured import ask_structured
from bot.memory.memories import (
    KINDS,
    MAX_TEXT_CHARS,
    Memory,
    MemoryRejected,
    NewMemory,
    memories,
    norm_text,
)
from bot.memory.redact import redact_text

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.memory.store import Store
    from bot.message import Message

log = logging.getLogger(__name__)

MAX_LINE_CHARS = 500  # per conversation line shown to the model
MAX_FACT_CHARS = 300  # a fact is one sentence
MAX_KNOWN = 30  # known facts shown for supersede decisions
CONTEXT_LINES = 4  # lines of the previous batch shown (not extracted from)
MAX_BUFFER = 200  # lines kept per room while the model is unreachable
MAX_SUMMARY_CHARS = 600  # the running room summary: a few sentences

SYSTEM_PROMPT = """\
You are the Librarian of a chat community. Read the conversation and pick out durable facts \
worth remembering about the people in it for weeks or months: who they are, what they like \
or dislike, their relationships, pets, work, plans and important events, running jokes and \
community lore.

Rules:
- Only use lines from people. Lines marked [bot] are other bots or AI personas: never turn \
their words into facts, and never record facts about them.
- Skip small talk, greetings, questions, passing moods and anything said as a joke unless it \
is a running joke.
- Never record secrets or contact details: emails, phone numbers, addresses, passwords, \
tokens, card or account numbers.
- Write each fact as one short third-person sentence that names the person, e.g. \
"Alice has two cats named Pip and Mo."
- "about": the person's name exactly as shown in the conversation, or "room" for something \
about the room as a whole.
- "kind": one of fact, preference, relationship, joke, lore, highlight.
- "importance": 0 to 1; 0.8 or more only for things that matter a lot to the person.
- "lines": the numbers of the lines the fact comes from.
- "supersedes": labels of known facts (like "m3") that the new fact contradicts or updates, \
e.g. someone moved, changed jobs or changed their mind. Leave it empty otherwise.
- If a fact is already known, leave it out.
- "summary": two or three sentences on what this room has been talking about, updating the \
room summary shown (if any) with this conversation; keep what still matters from it. Say what \
people talked about, not what [bot] lines claim. Leave it "" if nothing changed.
If nothing is worth keeping, answer {"facts": [], "summary": ""}."""


class ExtractedFact(BaseModel):
    about: str = Field(default="", max_length=200)
    kind: str = "fact"
    text: str = Field(min_length=1)
    importance: float = 0.5
    lines: list[int] = Field(default_factory=list, max_length=50)
    supersedes: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> str:
        # Small models invent kinds ("hobby", "Preference"): fold them onto a known one.
        text = str(value or "fact").strip().lower()
        return text if text in KINDS and text != "summary" else "fact"

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # An absurdly long "fact" is cut here (and to MAX_FACT_CHARS later, with a log line)
        # rather than failing the whole reply.
        return value[:MAX_TEXT_CHARS] if isinstance(value, str) else value

    @field_validator("importance", mode="before")
    @classmethod
    def _importance(cls, value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return 0.5
        if number != number:  # NaN
            return 0.5
        if number > 1.0 and number <= 10.0:
            number /= 10.0  # "importance": 8 on a 0-10 scale
        return min(1.0, max(0.0, number))

    @field_validator("supersedes", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str | int):
            value = [value]
        return [str(v) for v in value]


class Extraction(BaseModel):
    facts: list[ExtractedFact] = Field(default_factory=list, max_length=50)
    summary: str = ""

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, value: Any) -> str:
        # Optional and forgiving: a missing, null or odd summary must not cost the facts.
        if not isinstance(value, str):
            return ""
        return value[: MAX_SUMMARY_CHARS * 4]


@dataclass(frozen=True, slots=True)
class Line:
    """One conversation line as the Librarian keeps it."""

    message_id: str
    author_key: str
    author_name: str
    is_bot: bool  # another bot or one of our personas: context only
    text: str
    ts: float

    @classmethod
    def from_message(cls, message: Message, *, is_bot: bool) -> Line:
        text = message.text
        if len(text) > MAX_LINE_CHARS:
            text = text[:MAX_LINE_CHARS] + " […]"  # a 1 MB paste is not a fact source
        return cls(
            message.id,
            message.author.key,
            message.author.label,
            is_bot,
            " ".join(text.split()),
            message.ts,
        )


@dataclass(slots=True)
class KnownFact:
    subject_key: str
    text: str
    ids: list[tuple[str, int]]  # (persona, memory id) holding this sentence


@dataclass(slots=True)
class RoomBuffer:
    room_key: str
    room_label: str
    lines: list[Line] = field(default_factory=list)
    context: list[Line] = field(default_factory=list)
    witnesses: set[str] = field(default_factory=set)
    first_ts: float = 0.0

    @property
    def human_lines(self) -> int:
        return sum(not line.is_bot for line in self.lines)


@dataclass(frozen=True, slots=True)
class BatchReport:
    room_key: str
    lines: int
    facts: int  # facts the model returned
    stored: list[Memory]
    dropped: dict[str, int]  # reason -> count
    superseded: int = 0
    error: str | None = None
    summary: Memory | None = None  # the room summary stored (for the first persona)


class Extractor:
    """Batches conversation per room and turns each batch into memories."""

    def __init__(
        self,
        store: Store,
        llm: LLM,
        *,
        clock: Clock,
        enabled_for: Callable[[str], bool] | None = None,
        is_persona_name: Callable[[str], bool] | None = None,
        batch_lines: int = 8,
        idle_s: float = 30.0,
        model: str | None = None,
    ) -> None:
        self.store = store
        self.llm = llm
        self.clock = clock
        self.enabled_for = enabled_for or (lambda persona: True)
        # Our personas' names: a fact "about Luna" is about a bot even when Luna did not speak.
        self.is_persona_name = is_persona_name or (lambda name: False)
        self.batch_lines = max(1, batch_lines)
        self.idle_s = idle_s
        self.model = model
        self._buffers: dict[str, RoomBuffer] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self.reports: list[BatchReport] = []
        self.skipped_batches = 0
        self.stored = 0

    # -- feeding (on the dispatch path: never waits) ---------------------------------------

    def feed(self, message: Message, *, is_bot: bool, witnesses: Iterable[str]) -> None:
        room = message.room
        buffer = self._buffers.get(room.key)
        if buffer is None:
            buffer = self._buffers[room.key] = RoomBuffer(room.key, room.label)
        if not buffer.lines:
            buffer.first_ts = self.clock.now()
        buffer.lines.append(Line.from_message(message, is_bot=is_bot))
        buffer.witnesses.update(witnesses)
        if len(buffer.lines) > MAX_BUFFER:
            del buffer.lines[: len(buffer.lines) - MAX_BUFFER]
        if buffer.human_lines >= self.batch_lines:
            self._wake.set()

    @property
    def pending(self) -> int:
        return sum(len(b.lines) for b in self._buffers.values())

    def _ready(self, buffer: RoomBuffer, force: bool) -> bool:
        if not buffer.lines:
            return False
        if force or buffer.human_lines >= self.batch_lines:
            return True
        return self.clock.now() - buffer.first_ts >= self.idle_s

    # -- the worker ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="librarian")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        poll = max(1.0, min(self.idle_s / 2, 10.0))
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll)
            self._wake.clear()
            try:
                await self.flush(force=False)
            except Exception:  # the Librarian must outlive any one batch
                log.exception("memory extraction failed")

    async def flush(self, *, force: bool = True) -> list[BatchReport]:
        """Process the ready batches now (``force``: every non-empty one)."""
        reports = []
        async with self._lock:
            for key in list(self._buffers):
                buffer = self._buffers[key]
                if not self._ready(buffer, force):
                    continue
                lines, buffer.lines = buffer.lines, []
                witnesses = set(buffer.witnesses)
                context = list(buffer.context)
                buffer.context = lines[-CONTEXT_LINES:]
                report = await self.extract(
                    buffer.room_key, buffer.room_label, lines, witnesses, context=context
                )
                reports.append(report)
        self.reports = (self.reports + reports)[-50:]
        return reports

    # -- one batch -------------------------------------------------------------------------

    async def extract(
        self,
        room_key: str,
        room_label: str,
        lines: list[Line],
        witnesses: Iterable[str],
        *,
        context: list[Line] | None = None,
    ) -> BatchReport:
        """Ask the model about ``lines`` and store what it found for each witness persona."""
        personas = sorted(p for p in witnesses if self.enabled_for(p))
        humans = [line for line in lines if not line.is_bot]
        dropped: dict[str, int] = {}
        if not humans or not personas:
            return BatchReport(room_key, len(lines), 0, [], dropped)
        if getattr(self.llm, "offline", False):
            return BatchReport(
                room_key, len(lines), 0, [], dropped, error="no language model configured"
            )
        repo = memories(self.store)
        subjects = {line.author_key: line.author_name for line in humans}
        known = await self._known(personas, list(subjects))
        summaries = {p: await repo.room_summary(p, room_key) for p in personas}
        previous = next((m.text for m in summaries.values() if m is not None), "")
        prompt = self._prompt(room_label, lines, context or [], known, previous)
        try:
            reply = await ask_structured(
                self.llm, prompt, Extraction, model=self.model, max_tokens=800, temperature=0.1
            )
        except LLMError as error:
            self.skipped_batches += 1
            log.warning(
                "librarian: skipped a batch of %d lines from %s: %s", len(lines), room_key, error
            )
            return BatchReport(room_key, len(lines), 0, [], dropped, error=str(error))

        def drop(reason: str) -> None:
            dropped[reason] = dropped.get(reason, 0) + 1

        items: list[NewMemory] = []
        held = await self._held(personas, list(subjects), room_key)
        for fact in reply.facts:
            cited = [lines[n - 1] for n in dict.fromkeys(fact.lines) if 1 <= n <= len(lines)]
            sources = [line for line in cited if not line.is_bot]
            if not sources:
                drop("no human line cited" if not cited else "from a bot's words")
                continue
            subject = self._subject(fact.about, lines, sources)
            if subject is False:
                drop("about a bot")
                continue
            text = " ".join(fact.text.split())
            if len(text) > MAX_FACT_CHARS:
                log.info("librarian: a %d-character fact was cut to %d", len(text), MAX_FACT_CHARS)
                text = text[: MAX_FACT_CHARS - 1].rsplit(" ", 1)[0] + "…"
            text = redact_text(text)
            subject_key, subject_name = subject if subject else (None, "")
            labels = {label.strip().lower() for label in fact.supersedes}
            for persona in personas:
                if (persona, subject_key, norm_text(text)) in held:
                    drop("already known")
                    continue
                olds = tuple(
                    memory_id
                    for label, old in known.items()
                    if label in labels and old.subject_key == subject_key
                    for memory_persona, memory_id in old.ids
                    if memory_persona == persona
                )
                items.append(
                    NewMemory(
                        persona=persona,
                        text=text[:MAX_TEXT_CHARS],
                        kind=fact.kind,
                        room_key=room_key,
                        subject_key=subject_key,
                        subject_name=subject_name,
                        importance=fact.importance,
                        sources=tuple(line.message_id for line in sources),
                        supersedes=olds,
                    )
                )
                held.add((persona, subject_key, norm_text(text)))
        stored: list[Memory] = []
        superseded = sum(len(item.supersedes) for item in items)
        if items:
            try:
                stored = await repo.add_many(items)
            except MemoryRejected as error:
                log.warning("librarian: facts from %s not stored: %s", room_key, error)
                return BatchReport(
                    room_key, len(lines), len(reply.facts), [], dropped, error=str(error)
                )
        self.stored += len(stored)
        summary = await self._store_summary(reply.summary, room_key, humans, summaries)
        if dropped:
            log.info(
                "librarian: %s: dropped %s",
                room_key,
                ", ".join(f"{n} {why}" for why, n in dropped.items()),
            )
        return BatchReport(
            room_key, len(lines), len(reply.facts), stored, dropped, superseded, summary=summary
        )

    async def _store_summary(
        self, text: str, room_key: str, humans: list[Line], previous: dict[str, Memory | None]
    ) -> Memory | None:
        """Rewrite each persona's summary of the room (unless unchanged); the first one."""
        text = " ".join(text.split())
        if not text:
            return None
        if len(text) > MAX_SUMMARY_CHARS:
            text = text[: MAX_SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"
        text = redact_text(text)
        changed = [
            persona
            for persona, old in previous.items()
            if old is None or norm_text(old.text) != norm_text(text)
        ]
        if not changed:
            return None
        # The lines it came from: forgetting one of these people drops the summary too.
        sources = [line.message_id for line in humans]
        try:
            stored = await memories(self.store).put_summaries(changed, room_key, text, sources)
        except MemoryRejected as error:
            log.warning("librarian: summary of %s not stored: %s", room_key, error)
            return None
        return stored[0] if stored else None

    def _subject(
        self, about: str, lines: list[Line], sources: list[Line]
    ) -> tuple[str, str] | bool | None:
        """(key, name) of the person a fact is about; None: the room; False: a bot."""
        wanted = about.strip().lstrip("@").lower()
        if wanted in {"room", "the room", "everyone", "chat", "community"}:
            return None
        if wanted and self.is_persona_name(wanted):
            return False
        for line in lines:
            if line.author_name.lower() == wanted:
                return False if line.is_bot else (line.author_key, line.author_name)
        # Someone not in the batch (a sister, a friend): it is part of what the speaker said.
        first = sources[0]
        return first.author_key, first.author_name

    async def _known(self, personas: list[str], subject_keys: list[str]) -> dict[str, KnownFact]:
        """Label ("m1") -> a live fact about someone in the batch, which the batch may update.

        The same sentence held by several personas gets one label.
        """
        repo = memories(self.store)
        found: dict[tuple[str, str], KnownFact] = {}
        for subject_key in subject_keys:
            for persona in personas:
                for memory in await repo.list(persona, subject_key=subject_key, limit=MAX_KNOWN):
                    key = (subject_key, norm_text(memory.text))
                    fact = found.setdefault(key, KnownFact(subject_key, memory.text, []))
                    fact.ids.append((persona, memory.id))
        return {f"m{n}": fact for n, fact in enumerate(list(found.values())[:MAX_KNOWN], start=1)}

    async def _held(
        self, personas: list[str], subject_keys: list[str], room_key: str
    ) -> set[tuple[str, str | None, str]]:
        """(persona, subject, normalised text) of what each persona already remembers."""
        repo = memories(self.store)
        held: set[tuple[str, str | None, str]] = set()
        for persona in personas:
            for subject_key in subject_keys:
                for memory in await repo.list(persona, subject_key=subject_key, limit=500):
                    held.add((persona, subject_key, norm_text(memory.text)))
            for memory in await repo.list(persona, room_key=room_key, limit=500):
                if memory.subject_key is None:  # the room's own lore and jokes
                    held.add((persona, None, norm_text(memory.text)))
        return held

    def _prompt(
        self,
        room_label: str,
        lines: list[Line],
        context: list[Line],
        known: dict[str, KnownFact],
        summary: str = "",
    ) -> list[ChatMessage]:
        names = {}
        for line in lines:
            names.setdefault(line.author_key, line.author_name)
        parts = []
        if summary:
            parts.extend([f"Room summary so far: {summary}", ""])
        if known:
            parts.append("Known facts:")
            for label, fact in known.items():
                who = names.get(fact.subject_key, fact.subject_key)
                parts.append(f"[{label}] (about {who}) {fact.text}")
            parts.append("")
        if context:
            parts.append("Earlier (context only, already processed):")
            parts.extend(f"- {self._render(line)}" for line in context)
            parts.append("")
        parts.append(f"Conversation in {room_label}:")
        parts.extend(f"[{n}] {self._render(line)}" for n, line in enumerate(lines, start=1))
        return [ChatMessage("system", SYSTEM_PROMPT), ChatMessage("user", "\n".join(parts))]

    @staticmethod
    def _render(line: Line) -> str:
        marker = " [bot]" if line.is_bot else ""
        return f"{line.author_name}{marker}: {redact_text(line.text)}"
