"""Builds the Matrix adapter for the app when ``[matrix]`` is configured.

Configured means a homeserver, a user id and a password or an access token (from
``sanctum.toml`` or ``SANCTUM_MATRIX__*``). The adapter connects in the background, so a
homeserver that is down at start leaves the bot and the console running while it retries;
``status`` shows its state. The SDK is imported only when Matrix is used.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.adapters.base import Adapter
    from bot.config import MatrixSettings

log = logging.getLogger(__name__)


def missing_settings(settings: MatrixSettings) -> list[str]:
    """What Matrix still needs before it can log in (empty when it is configured)."""
    missing = []
    if not (settings.homeserver or "").strip():
        missing.append("matrix.homeserver")
    if not (settings.user_id or "").strip():
        missing.append("matrix.user_id")
    if settings.password is None and settings.access_token is None:
        missing.append("matrix.password or matrix.access_token")
    return missing


def make_matrix_adapter(app: Any) -> Adapter | None:
    """The MatrixAdapter wired to ``app`` (a Sanctum), or None when Matrix is not configured."""
    settings = app.settings.matrix
    missing = missing_settings(settings)
    if missing:
        if len(missing) < 3:  # something is set: say what is not, once, at start
            log.warning("Matrix stays off: %s not set", ", ".join(missing))
        return None
    from bot.adapters.matrix import MatrixAdapter

    return MatrixAdapter(
        settings,
        app.settings.data_dir,
        app.store.sync_state("matrix"),
        personas=app.personas,
        clock=app.clock,
    )
