"""``[cog.warden]`` in sanctum.toml, validated when the cog loads.

    [cog.warden]
    default_mode = "flagonly"    # strict | normal (default) | lenient | flagonly | off
    warning_gap_s = 3            # at most one warning per room this often (raids)

    [cog.warden.defaults]        # any WardenConfig field, for every room
    timeout_s = 300
    allow_domains = ["example.org"]

    [cog.warden.rooms."twitch:mychannel"]   # per room, over the defaults
    mode = "strict"

What moderators change in chat (``!warden strict``, ``allow``, ``block``...) is stored per room
and laid over these at start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.message import Platform
from cogs.warden.engine import Mode, WardenConfig

_PLATFORMS = {p.value for p in Platform}


def _one_line(make: Callable[[], WardenConfig], where: str) -> None:
    """Build a config; its first problem, if any, as one line ("defaults.timeout_s: ...")."""
    try:
        make()
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in (where, *first["loc"]))
        raise ValueError(f"{field}: {first['msg'].removeprefix('Value error, ')}") from None


def normalize_mode(value: Any) -> Any:
    """ "flag-only", "Flag_Only" -> "flagonly"."""
    if isinstance(value, str):
        return value.strip().lower().replace("-", "").replace("_", "")
    return value


class WardenSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_mode: Mode = Mode.NORMAL
    defaults: dict[str, Any] = Field(default_factory=dict)
    rooms: dict[str, dict[str, Any]] = Field(default_factory=dict)
    warning_gap_s: float = Field(3.0, ge=0)
    text_cache: int = Field(4096, ge=0)  # Views kept for exact repeats, per generation

    @field_validator("default_mode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Any:
        return normalize_mode(value)

    @model_validator(mode="after")
    def _configs(self) -> WardenSettings:
        if "mode" in self.defaults:
            raise ValueError("set the mode with default_mode, not defaults.mode")
        _one_line(self.base, "defaults")
        for key in self.rooms:
            platform, _, room_id = key.partition(":")
            if platform not in _PLATFORMS or not room_id:
                raise ValueError(
                    f"rooms: {key!r} is not a room key like 'twitch:channel' or 'local:lobby'"
                )
            _one_line(lambda key=key: self.room_config(key), f"rooms.{key}")
        return self

    def base(self) -> WardenConfig:
        """Every room's configuration before its own settings."""
        return WardenConfig.model_validate({**self.defaults, "mode": self.default_mode})

    def room_data(self, key: str) -> dict[str, Any]:
        """The base plus this room's ``[cog.warden.rooms."KEY"]`` table, as plain data."""
        data = self.base().model_dump(mode="json")
        extra = dict(self.rooms.get(key, {}))
        if "mode" in extra:
            extra["mode"] = normalize_mode(extra["mode"])
        data.update(extra)
        return data

    def room_config(self, key: str) -> WardenConfig:
        return WardenConfig.model_validate(self.room_data(key))
