"""Pick the language model from settings: an endpoint when configured, else the offline one."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import LLMSettings
from bot.llm.base import LLM
from bot.llm.offline import OfflineProvider
from bot.llm.openai_client import OpenAIClient


def make_llm(settings: LLMSettings, *, clock: Clock | None = None) -> LLM:
    """OfflineProvider when ``base_url`` is unset, else an OpenAIClient (probe it at startup)."""
    if not settings.base_url or not settings.base_url.strip():
        return OfflineProvider()
    return OpenAIClient(settings, clock=clock)
