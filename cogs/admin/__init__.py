"""The owner's console commands (console-only: chat can never reach them, whatever a
moderator types). One cog, ``admin``, assembled from a mixin per area:

- :mod:`cogs.admin.rooms`: rooms, join, leave, create_channel, add_participant, say, as,
  fetch_all, fetch_new;
- :mod:`cogs.admin.personas`: personas, persona show|edit, spawn, despawn;
- :mod:`cogs.admin.maintenance`: status, cogs, logs tail, rotate_logs, backup,
  purge_and_seed, quit.

``help`` is the built-in core command; ``memory ...`` and ``warden ...`` come from their cogs.
Every action is written to the store's audit log.
"""

from __future__ import annotations

from bot.cog import Cog
from cogs.admin.maintenance import MaintenanceCommands
from cogs.admin.personas import PersonaCommands
from cogs.admin.rooms import RoomCommands


class Admin(RoomCommands, PersonaCommands, MaintenanceCommands, Cog, name="admin"):
    """The owner's console commands."""


def setup(bot) -> Admin:
    return Admin(bot)


__all__ = ["Admin", "setup"]
