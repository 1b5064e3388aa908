"""The offline provider: deterministic, labelled answers when no endpoint is configured.

It lets the whole system run and be tested with no network. Every reply says it is offline and
names the persona, so nobody mistakes it for a model's words.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence

from bot.llm.base import ChatMessage, Completion, LLMStats

_OPENERS = (
    "I hear you",
    "Noted",
    "Interesting",
    "Got it",
    "Understood",
)


def _last_user_text(messages: Sequence[ChatMessage]) -> str:
    for message in reversed(messages):
        if message.role == "user":
            return message.content
    return ""


def _shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class OfflineProvider:
    name = "offline"
    offline = True

    def __init__(self) -> None:
        self.stats = LLMStats()

    def reply_text(self, messages: Sequence[ChatMessage], persona_name: str | None) -> str:
        who = persona_name or "the assistant"
        heard = _shorten(_last_user_text(messages))
        digest = hashlib.sha256(heard.encode()).digest()
        opener = _OPENERS[digest[0] % len(_OPENERS)]
        if heard:
            return f"[offline] {who} here. {opener}: “{heard}”. (No language model is configured.)"
        return f"[offline] {who} here. (No language model is configured.)"

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        persona_name: str | None = None,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Completion:
        text = self.reply_text(messages, persona_name)
        completion = Completion(
            text=text,
            model="offline",
            provider="offline",
            prompt_tokens=sum(len(m.content.split()) for m in messages),
            completion_tokens=len(text.split()),
            offline=True,
        )
        self.stats.record(completion)
        return completion

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        persona_name: str | None = None,
        model: str | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        completion = await self.complete(messages, persona_name=persona_name)
        for word in completion.text.split(" "):
            yield word + " "

    async def embed(self, texts: Sequence[str]) -> list[list[float]] | None:
        return None

    async def aclose(self) -> None:
        return None
