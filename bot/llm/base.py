"""What the rest of Sanctum knows about a language model: messages in, text out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str
    name: str | None = None

    def as_openai(self) -> dict[str, str]:
        data = {"role": self.role, "content": self.content}
        if self.name:
            data["name"] = self.name
        return data


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    model: str
    provider: str  # "offline" or the endpoint's host
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    offline: bool = False


class LLMError(RuntimeError):
    """The model could not answer (timeout, outage, garbage); the text is one line."""


@dataclass(slots=True)
class LLMStats:
    """Token and latency accounting shown by `status`."""

    calls: int = 0
    failures: int = 0
    in_flight: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latencies: list[float] = field(default_factory=list)
    retries: int = 0  # extra attempts after 429/5xx/connection errors
    rejected: int = 0  # calls refused at once by the open circuit breaker
    embed_calls: int = 0
    embed_tokens: int = 0
    last_error: str | None = None

    def record(self, completion: Completion) -> None:
        self.calls += 1
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.latencies.append(completion.latency_s)
        del self.latencies[:-500]  # a window, not a history

    def latency_p50(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[len(ordered) // 2]


class LLM(Protocol):
    name: str
    offline: bool
    stats: LLMStats

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        persona_name: str | None = None,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Completion: ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        persona_name: str | None = None,
        model: str | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]] | None:
        """Vectors for ``texts``, or None when no embeddings endpoint is configured."""
        ...

    async def aclose(self) -> None: ...
