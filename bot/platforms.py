"""What each platform allows: message length, line rules and outbound rate defaults.

These are facts about the platforms (see shared/PLATFORM-TESTING.md), kept in one table so the
outbound gate, the rate limiter and replay agree without importing an adapter.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.message import Platform


@dataclass(frozen=True, slots=True)
class Rate:
    """``count`` messages per ``per`` seconds, with ``burst`` allowed at once (token bucket)."""

    count: int
    per: float
    burst: int | None = None

    @property
    def capacity(self) -> int:
        return self.burst if self.burst is not None else self.count


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    max_length: int
    one_line: bool
    rate: Rate | None  # None: unlimited (the local room)
    rate_as_moderator: Rate | None = None  # Twitch allows more when the bot is a moderator
    rate_scope: str = "room"  # "room": per channel/room; "platform": one bucket for the account


LIMITS: dict[Platform, PlatformLimits] = {
    Platform.LOCAL: PlatformLimits(max_length=4000, one_line=False, rate=None),
    Platform.DISCORD: PlatformLimits(max_length=2000, one_line=False, rate=Rate(5, 5.0)),
    Platform.TWITCH: PlatformLimits(
        max_length=500,
        one_line=True,
        rate=Rate(20, 30.0),
        rate_as_moderator=Rate(100, 30.0),
        rate_scope="platform",
    ),
    # Synapse's rc_message counts per sending user across all rooms, not per room.
    Platform.MATRIX: PlatformLimits(
        max_length=16000, one_line=False, rate=Rate(1, 5.0, burst=10), rate_scope="platform"
    ),
}


def limits_for(platform: Platform) -> PlatformLimits:
    return LIMITS[platform]
