"""Settings from `sanctum.toml`, `SANCTUM_*` environment variables and `.env`.

Precedence, highest first: explicit arguments, environment, `.env`, `sanctum.toml`, defaults.
Nested sections use a double underscore in the environment: `SANCTUM_LLM__BASE_URL`,
`SANCTUM_MATRIX__HOMESERVER`. Secrets are `SecretStr`: they never print in logs or `status`.

Each area owns its section below. A cog's own settings live under `[cogs.<name>]` and are
validated by the cog's model (see :meth:`Settings.cog_section`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.message import Platform


class LLMSettings(BaseModel):
    """Any OpenAI-compatible endpoint. No base_url: the offline provider answers."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    timeout_s: float = 30.0
    max_concurrency: int = 4
    max_retries: int = 3
    temperature: float = 0.8
    max_tokens: int = 300
    context_tokens: int = 8192  # the model's context window; prompts are trimmed to fit
    embeddings_base_url: str | None = None  # default: base_url
    embeddings_model: str | None = None  # unset: no embeddings, recall is FTS5 only
    embeddings_dim: int = 384
    breaker_failures: int = 3  # consecutive failures that open the circuit
    breaker_reset_s: float = 60.0
    outage_notice_every_s: float = 600.0  # one "can't think right now" per room per this


class StoreSettings(BaseModel):
    filename: str = "sanctum.db"
    flush_interval_s: float = 0.05
    flush_batch: int = 2000
    max_message_chars: int = 131_072  # longer text is stored truncated, and marked so


class DispatchSettings(BaseModel):
    history_window: int = 20  # recent messages a persona sees
    answer_bots: bool = True  # other bots are answered when they address a persona
    dedupe_window: int = 50000  # platform message ids remembered for duplicate detection
    max_echo_depth: int = 32  # a hard stop for reply chains, whatever the rules say
    # Rule defaults (issue 3); each room may override them (`!rules set`), stored per room.
    command_prefix: str = "!"
    pingpong_threshold: int = Field(default=5, ge=1)  # full repetitions of a bot cycle
    pingpong_cooldown_s: float = Field(default=600.0, gt=0)  # quiet that resets a loop
    pingpong_include_humans: bool = False  # a cycle with a person in it trips too
    quiet_threshold: int = Field(default=5, ge=1)  # human lines in the window: room is busy
    quiet_window_s: float = Field(default=60.0, gt=0)
    outbound_queue_size: int = Field(default=20, ge=1)  # rate-limited sends held per bucket
    outbound_max_wait_s: float = Field(default=60.0, ge=0)  # longer waits are dropped


class RoleSettings(BaseModel):
    """Configured owner and admin ids per platform override what the platform says."""

    owners: dict[Platform, list[str]] = Field(default_factory=dict)
    admins: dict[Platform, list[str]] = Field(default_factory=dict)
    moderator_role_ids: dict[Platform, list[str]] = Field(default_factory=dict)


class ConsoleSettings(BaseModel):
    owner_name: str = "owner"
    history_file: str = "console_history"


class MatrixSettings(BaseModel):
    homeserver: str | None = None
    user_id: str | None = None
    password: SecretStr | None = None
    access_token: SecretStr | None = None
    device_name: str = "sanctum"
    registration_shared_secret: SecretStr | None = None
    admin_token: SecretStr | None = None
    catchup_window_s: float = 0.0
    allowed_inviters: list[str] = Field(default_factory=list)
    message_type: str = "m.notice"
    persona_prefix: str = ""  # localpart prefix of spawned personas: "s_" -> @s_nova:hs
    sync_timeout_ms: int = 30000  # long-poll length of each /sync


class DiscordSettings(BaseModel):
    token: SecretStr | None = None


class TwitchSettings(BaseModel):
    client_id: str | None = None
    client_secret: SecretStr | None = None
    bot_id: str | None = None
    channels: list[str] = Field(default_factory=list)


def default_personas_dir() -> Path:
    """``./personas`` when it exists, else the one shipped beside the code: ``sanctum`` run
    from another directory still finds Luna."""
    here = Path("personas")
    if here.is_dir():
        return here
    shipped = Path(__file__).resolve().parent.parent / "personas"
    return shipped if shipped.is_dir() else here


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SANCTUM_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        toml_file="sanctum.toml",
    )

    data_dir: Path = Path("data")
    personas_dir: Path = Field(default_factory=lambda: default_personas_dir())
    default_persona: str = "luna"
    log_level: str = "INFO"
    cogs: list[str] = Field(
        default_factory=lambda: [
            "cogs.warden",  # first: its check runs before any other cog's
            "cogs.admin",
            "cogs.moderation",
            "cogs.librarian",
            "cogs.steward",
        ],
        description="cog modules loaded at start, in order",
    )
    cog_settings: dict[str, dict[str, Any]] = Field(default_factory=dict, alias="cog")

    llm: LLMSettings = Field(default_factory=LLMSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    dispatch: DispatchSettings = Field(default_factory=DispatchSettings)
    roles: RoleSettings = Field(default_factory=RoleSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    matrix: MatrixSettings = Field(default_factory=MatrixSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    twitch: TwitchSettings = Field(default_factory=TwitchSettings)

    @field_validator("data_dir", "personas_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls),
            file_secret_settings,
        )

    @property
    def db_path(self) -> Path:
        return self.data_dir / self.store.filename

    def cog_section(self, name: str) -> dict[str, Any]:
        """The raw `[cog.<name>]` table for a cog; the cog validates it with its own model."""
        return dict(self.cog_settings.get(name, {}))
