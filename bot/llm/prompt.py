"""Prompt assembly: who the persona is, what it knows, then the room's recent messages.

Messages the persona itself wrote become ``assistant`` turns; everyone else's become ``user``
turns prefixed with the speaker's name, so the model knows who said what in a group room.

Layout. One system message comes first (several local chat templates accept no other place):

    [lore placed before_char]
    system prompt, traits, description, personality, scenario   (the persona's identity)
    [lore placed after_char]
    what the persona recalls about the speaker                   (memory texts from the caller)
    the room's summary                                           (from the caller)
    example dialogue                                             (a card's mes_example)
    style and where-am-I line
  then the recent window, oldest first, ending with the current message,
  then the persona's post-history instructions as a last system message, when it has them.

Budget. Tokens are estimated with a fast heuristic (:func:`estimate_tokens`, about four
characters a token, plus a few per message) or any counter the caller plugs in. Never trimmed:
the identity, the style line, the post-history instructions and the current message (when they
alone exceed the budget the prompt says so in ``over_budget``). Everything else is dropped in this
order until the prompt fits:

    1. the example dialogue;
    2. history, oldest message first;
    3. lore, lowest ``priority`` first (among equals: triggered before constant, then the one
       placed last);
    4. memories, from the end of the caller's list (pass them best first);
    5. the room summary.

Lore follows Character Card ``character_book`` semantics: an enabled entry is used when one of
its keys appears in the recent window (case-insensitive unless ``case_sensitive``; a key made of
word characters matches whole words only; ``use_regex`` keys are regular expressions run with a
timeout); a ``selective`` entry also needs one of its ``secondary_keys``; a ``constant`` entry is
always used. Used entries are placed by ``insertion_order`` (lower first).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex

from bot.llm.base import ChatMessage
from bot.message import Message, Room
from bot.personas import LoreEntry, Persona
from bot.platforms import limits_for

TokenCounter = Callable[[str], int]
MESSAGE_TOKENS = 4  # role and framing a chat template adds around each message
PRIMING_TOKENS = 3  # the assistant header the reply starts from
MAX_MEMORY_CHARS = 1_000  # one recalled memory; longer ones are cut (a 1 MB "memory" is noise)
MAX_SUMMARY_CHARS = 4_000
REGEX_TIMEOUT_S = 0.05  # a card's regex key must not stall the reply path
_MACRO = regex.compile(r"\{\{\s*(char|user)\s*\}\}|<(BOT|USER)>", regex.IGNORECASE)


def estimate_tokens(text: str) -> int:
    """About four characters a token: fast, and a little generous for English."""
    return math.ceil(len(text) / 4)


def fill_macros(text: str, persona: Persona, user: str | None = None) -> str:
    """Character-card placeholders: ``{{char}}``/``<BOT>`` and ``{{user}}``/``<USER>``."""
    who = user or "the user"

    def swap(match: regex.Match) -> str:
        tag = (match.group(1) or match.group(2)).lower()
        return persona.name if tag in ("char", "bot") else who

    return _MACRO.sub(swap, text)


# -- lore ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _pattern(key: str, case_sensitive: bool, use_regex: bool) -> regex.Pattern | None:
    flags = 0 if case_sensitive else regex.IGNORECASE
    if use_regex:
        try:
            return regex.compile(key, flags)
        except regex.error:
            return None
    body = regex.escape(key)
    if regex.match(r"\w", key[0]):
        body = r"(?<!\w)" + body
    if regex.match(r"\w", key[-1]):
        body += r"(?!\w)"
    return regex.compile(body, flags)


def _hit(keys: Sequence[str], entry: LoreEntry, text: str, lowered: str) -> bool:
    for key in keys:
        if not entry.use_regex:
            # A plain substring test first: most keys are absent, and this is much cheaper.
            if (key if entry.case_sensitive else key.lower()) not in (
                text if entry.case_sensitive else lowered
            ):
                continue
        pattern = _pattern(key, entry.case_sensitive, entry.use_regex)
        if pattern is None:
            continue
        try:
            if pattern.search(text, timeout=REGEX_TIMEOUT_S):
                return True
        except TimeoutError:
            continue
    return False


def lore_matches(entry: LoreEntry, text: str, lowered: str | None = None) -> bool:
    """Whether ``entry`` is triggered by ``text`` (disabled entries never are)."""
    if not entry.enabled:
        return False
    if entry.constant:
        return True
    lowered = text.lower() if lowered is None else lowered
    if not _hit(entry.keys, entry, text, lowered):
        return False
    if entry.selective and entry.secondary_keys:
        return _hit(entry.secondary_keys, entry, text, lowered)
    return True


def triggered_lore(entries: Sequence[LoreEntry], texts: Sequence[str]) -> list[LoreEntry]:
    """The entries ``texts`` trigger, in book order."""
    haystack = "\n".join(texts)
    lowered = haystack.lower()
    return [entry for entry in entries if lore_matches(entry, haystack, lowered)]


# -- pieces --------------------------------------------------------------------------------------


def _limit(room: Room, persona: Persona) -> int:
    return min(persona.style.max_length, limits_for(room.platform).max_length)


def identity_text(persona: Persona, user: str | None = None) -> str:
    """The persona's never-trimmed identity: system prompt, traits and card fields."""
    parts = [persona.system_prompt.strip()]
    if persona.traits:
        parts.append("Traits: " + ", ".join(persona.traits) + ".")
    if persona.description.strip():
        parts.append(persona.description.strip())
    if persona.personality.strip():
        parts.append(f"{persona.name}'s personality: {persona.personality.strip()}")
    if persona.scenario.strip():
        parts.append(f"Scenario: {persona.scenario.strip()}")
    return fill_macros("\n\n".join(parts), persona, user)


def style_text(persona: Persona, room: Room) -> str:
    limits = limits_for(room.platform)
    style = f"Keep each reply under {_limit(room, persona)} characters"
    if persona.style.one_line or limits.one_line:
        style += ", on one line"
    where = "a direct conversation" if room.is_private else f"the group room {room.label}"
    return (
        style + ". Never use @everyone or @here, and never start a reply with '!'.\n\n"
        f"You are {persona.name}, talking on {room.platform.value} in {where}."
    )


def system_prompt(persona: Persona, room: Room) -> str:
    """The system message without memories, summary, lore or examples."""
    return identity_text(persona) + "\n\n" + style_text(persona, room)


def history_message(persona: Persona, message: Message) -> ChatMessage:
    if message.author.persona == persona.id:
        return ChatMessage("assistant", message.text)
    return ChatMessage("user", f"{message.author.label}: {message.text}")


def history_messages(persona: Persona, history: Sequence[Message]) -> list[ChatMessage]:
    return [history_message(persona, message) for message in history]


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _examples(persona: Persona, user: str | None) -> str:
    lines = [line for line in persona.examples.splitlines() if line.strip().upper() != "<START>"]
    text = "\n".join(lines).strip()
    if not text:
        return ""
    return "Example dialogue (style only; it did not happen):\n" + fill_macros(text, persona, user)


# -- assembly ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prompt:
    """An assembled prompt and what the budget did to it."""

    messages: list[ChatMessage]
    tokens: int  # counted with the counter used, per-message overheads included
    budget: int | None
    over_budget: bool  # the never-trimmed parts alone do not fit
    history_kept: int
    history_dropped: int
    lore: tuple[str, ...]  # labels of the lore entries used
    lore_dropped: int
    memories_kept: int
    memories_dropped: int
    summary: bool
    examples: bool

    def trimmed(self) -> str:
        """One line saying what was left out, for decisions and logs ("" when nothing)."""
        parts = []
        if self.history_dropped:
            parts.append(f"{self.history_dropped} old messages")
        if self.lore_dropped:
            parts.append(f"{self.lore_dropped} lore entries")
        if self.memories_dropped:
            parts.append(f"{self.memories_dropped} memories")
        if not parts and not self.over_budget:
            return ""
        line = "left out " + ", ".join(parts) if parts else ""
        if self.over_budget:
            line = (line + "; " if line else "") + f"over budget ({self.tokens}/{self.budget})"
        return line


@dataclass(slots=True)
class _Piece:
    kind: str  # examples, history, lore, memory, summary
    text: str
    cost: int
    index: int  # position within its kind
    kept: bool = True


def count_messages(messages: Sequence[ChatMessage], counter: TokenCounter) -> int:
    return PRIMING_TOKENS + sum(counter(m.content) + MESSAGE_TOKENS for m in messages)


def assemble_prompt(
    persona: Persona,
    room: Room,
    history: Sequence[Message],
    *,
    memories: Sequence[str] = (),
    summary: str | None = None,
    lore: Sequence[LoreEntry] | None = None,
    budget: int | None = None,
    counter: TokenCounter = estimate_tokens,
    scan_depth: int | None = None,
) -> Prompt:
    """The prompt for ``persona`` answering the last message of ``history`` in ``room``.

    ``history`` is the recent window, oldest first; its last message is the one being answered
    and is never trimmed. ``memories`` are what the persona recalls about the speaker, best
    first. ``lore`` defaults to the persona's own; it is triggered by the last ``scan_depth``
    messages of the window (all of it when None). ``budget`` is the most prompt tokens allowed
    (None: no trimming); see the module docstring for what is trimmed first.
    """
    history = list(history)
    current = history.pop() if history else None
    user = current.author.label if current is not None else None
    entries = persona.lore if lore is None else tuple(lore)
    window = [*history, current] if current is not None else history
    if scan_depth is not None:
        window = window[-scan_depth:] if scan_depth > 0 else []
    used = triggered_lore(entries, [m.text for m in window]) if entries else []

    identity = identity_text(persona, user)
    style = style_text(persona, room)
    post = fill_macros(persona.post_history.strip(), persona, user)
    memory_header = f"What you remember about {user or 'the people here'}:"
    summary_text = _clip(summary, MAX_SUMMARY_CHARS) if summary and summary.strip() else ""

    def cost(text: str) -> int:
        return counter(text) + 1  # +1: the blank line that joins blocks

    pieces: list[_Piece] = []
    examples = _examples(persona, user)
    if examples:
        pieces.append(_Piece("examples", examples, cost(examples), 0))
    for i, message in enumerate(history):
        turn = history_message(persona, message)
        pieces.append(_Piece("history", turn.content, counter(turn.content) + MESSAGE_TOKENS, i))
    lore_pieces = [
        _Piece("lore", fill_macros(e.content, persona, user), 0, i) for i, e in enumerate(used)
    ]
    for piece in lore_pieces:
        piece.cost = cost(piece.text)
    ranked = sorted(
        lore_pieces,
        key=lambda p: (
            used[p.index].priority,
            used[p.index].constant,
            -used[p.index].insertion_order,
            -p.index,
        ),
    )
    pieces.extend(ranked)
    memory_pieces = [
        _Piece("memory", "- " + _clip(" ".join(text.split()), MAX_MEMORY_CHARS), 0, i)
        for i, text in enumerate(memories)
        if text and text.strip()
    ]
    for piece in memory_pieces:
        piece.cost = cost(piece.text)
    pieces.extend(reversed(memory_pieces))
    if summary_text:
        summary_block = "What happened in this room so far: " + summary_text
        pieces.append(_Piece("summary", summary_block, cost(summary_block), 0))

    def placed_lore() -> list[_Piece]:
        kept = [p for p in lore_pieces if p.kept]
        return sorted(kept, key=lambda p: (used[p.index].insertion_order, p.index))

    def render() -> list[ChatMessage]:
        kept_lore = placed_lore()
        before = [p.text for p in kept_lore if used[p.index].position == "before_char"]
        after = [p.text for p in kept_lore if used[p.index].position == "after_char"]
        blocks = [*before, identity, *after]
        kept_memories = [p.text for p in memory_pieces if p.kept]
        if kept_memories:
            blocks.append(memory_header + "\n" + "\n".join(kept_memories))
        for kind in ("summary", "examples"):
            blocks.extend(p.text for p in pieces if p.kept and p.kind == kind)
        blocks.append(style)
        messages = [ChatMessage("system", "\n\n".join(b for b in blocks if b))]
        messages.extend(
            history_message(persona, history[p.index])
            for p in pieces
            if p.kind == "history" and p.kept
        )
        if current is not None:
            messages.append(history_message(persona, current))
        if post:
            messages.append(ChatMessage("system", post))
        return messages

    if budget is not None:
        fixed = PRIMING_TOKENS + MESSAGE_TOKENS + cost(identity) + cost(style)
        if current is not None:
            fixed += counter(history_message(persona, current).content) + MESSAGE_TOKENS
        if post:
            fixed += counter(post) + MESSAGE_TOKENS
        header = cost(memory_header)
        total = fixed + sum(p.cost for p in pieces) + (header if memory_pieces else 0)
        memories_left = len(memory_pieces)
        queue = iter(pieces)
        # Piecewise sums first (cheap), then the real count decides; they rarely disagree.
        for piece in queue:
            if total <= budget:
                break
            piece.kept = False
            total -= piece.cost
            if piece.kind == "memory":
                memories_left -= 1
                if not memories_left:
                    total -= header
        messages = render()
        tokens = count_messages(messages, counter)
        while tokens > budget:
            piece = next((p for p in pieces if p.kept), None)
            if piece is None:
                break
            piece.kept = False
            messages = render()
            tokens = count_messages(messages, counter)
    else:
        messages = render()
        tokens = count_messages(messages, counter)

    def kept(kind: str) -> int:
        return sum(1 for p in pieces if p.kind == kind and p.kept)

    def dropped(kind: str) -> int:
        return sum(1 for p in pieces if p.kind == kind and not p.kept)

    return Prompt(
        messages=messages,
        tokens=tokens,
        budget=budget,
        over_budget=budget is not None and tokens > budget,
        history_kept=kept("history"),
        history_dropped=dropped("history"),
        lore=tuple(used[p.index].label for p in placed_lore()),
        lore_dropped=dropped("lore"),
        memories_kept=kept("memory"),
        memories_dropped=dropped("memory"),
        summary=kept("summary") > 0,
        examples=kept("examples") > 0,
    )


def build_prompt(persona: Persona, room: Room, history: Sequence[Message]) -> list[ChatMessage]:
    """The untrimmed prompt (no memories, no summary); the persona's lore still applies."""
    return assemble_prompt(persona, room, history).messages
