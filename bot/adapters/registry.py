"""Platform adapters the app starts when they are configured.

Each factory takes the app and returns an adapter, or None when its platform is not configured.
Imports happen inside the factories so an SDK is loaded only when its platform is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.adapters.base import Adapter
from bot.adapters.matrix_factory import make_matrix_adapter

FACTORIES: list[Callable[[Any], Adapter | None]] = [make_matrix_adapter]
