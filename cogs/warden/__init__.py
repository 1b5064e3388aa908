"""The Warden: spam, scam and flood moderation for every room.

The detection engine lives here as plain classes with no platform, store or dispatcher import:
``engine.WardenEngine`` assesses a :class:`bot.message.Message` into an ``Assessment`` (score,
hits, severity) and ``ladder.Ladder`` turns severities into actions per user. ``outbound`` checks
persona text before it is sent. The cog (``cog.Warden``: the inbound check, the outbound filter,
stored verdicts and settings, ``!warden`` commands) builds on these; ``bot.cogs.load("warden")``
finds it through :func:`setup`, imported lazily so the engine stays light to import.
"""

from __future__ import annotations

from typing import Any


def setup(bot: Any) -> Any:
    from cogs.warden.cog import Warden

    return Warden(bot)
