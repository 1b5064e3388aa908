"""Shared fixtures: a real app (real SQLite, real cogs, offline provider) in a temp dir."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Sanctum
from bot.clock import VirtualClock
from bot.config import Settings
from bot.llm.offline import OfflineProvider

REPO = Path(__file__).resolve().parent.parent
PERSONAS = REPO / "personas"

NOVA = """
name = "Nova"
aliases = ["nova", "novabot"]
system_prompt = "You are Nova, a terse stargazer."
"""


def make_settings(tmp_path: Path, personas_dir: Path = PERSONAS, **extra) -> Settings:
    return Settings(data_dir=tmp_path / "data", personas_dir=personas_dir, **extra)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(1_700_000_000.0)


@pytest.fixture
def personas_dir(tmp_path: Path) -> Path:
    """Luna (the shipped file) plus Nova, in a directory of their own."""
    folder = tmp_path / "personas"
    folder.mkdir()
    (folder / "luna.toml").write_text((PERSONAS / "luna.toml").read_text())
    (folder / "nova.toml").write_text(NOVA)
    return folder


@pytest.fixture
async def app(tmp_path: Path, clock: VirtualClock) -> AsyncIterator[Sanctum]:
    bot = Sanctum(make_settings(tmp_path), clock=clock, llm=OfflineProvider())
    await bot.start(connect_platforms=False)
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def duo(tmp_path: Path, clock: VirtualClock, personas_dir: Path) -> AsyncIterator[Sanctum]:
    """An app with two personas, Luna and Nova."""
    bot = Sanctum(make_settings(tmp_path, personas_dir), clock=clock, llm=OfflineProvider())
    await bot.start(connect_platforms=False)
    try:
        yield bot
    finally:
        await bot.stop()
