"""Warden actions on Matrix: redaction, kick, ban, and timeouts as power-level mutes.

A timeout sets the user's power level below the level needed to send messages and a timer
puts it back; when the bot may ban but not edit power levels, it bans, then unbans and invites
the user back.
Pending timers are kept in the sync-state store, so a restart still lifts them. Every action
checks the bot's power first and raises :class:`NotPermitted` with a one-line reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable
from typing import Any

from nio import MatrixRoom, RoomGetStateEventResponse

from bot.adapters.base import AdapterError, ModAction, ModerationKind, NotPermitted
from bot.adapters.matrix_format import message_content
from bot.adapters.matrix_normalize import creators, user_level
from bot.adapters.matrix_session import AccountSession, SyncStateStore
from bot.clock import Clock

log = logging.getLogger(__name__)

TIMERS_KEY = "matrix:timers"
DEFAULT_TIMEOUT_S = 600


def _level(value: float) -> str:
    return "creator" if math.isinf(value) else str(int(value))


def can_moderate(mroom: MatrixRoom, user_id: str) -> bool:
    """Whether ``user_id`` may both redact and kick in the room."""
    defaults = mroom.power_levels.defaults
    mine = user_level(mroom, user_id)
    return mine >= defaults.redact and mine >= defaults.kick


class Moderator:
    """Carries out ModActions with the bot's main account."""

    def __init__(
        self, main: Callable[[], AccountSession], state: SyncStateStore, clock: Clock
    ) -> None:
        self._main = main
        self.state = state
        self.clock = clock
        self._timers: dict[str, asyncio.Task[None]] = {}

    async def apply(self, action: ModAction, room_id: str) -> None:
        main = self._main()
        kind = action.kind
        target = action.user.id
        if kind is ModerationKind.FLAG:
            return
        if kind is ModerationKind.WARN:
            text = f"{action.user.label}: {action.reason or 'please mind the room rules.'}"
            content = message_content(text, msgtype="m.notice", mention_ids=[target])
            await main.call(
                "warn", lambda: main.client.room_send(room_id, "m.room.message", content)
            )
            return
        mroom = main.client.rooms.get(room_id)
        if mroom is None or room_id not in main.joined:
            raise AdapterError(f"the bot is not in room {action.room.label}")
        me = main.user_id
        label = f"{action.user.label} in {action.room.label}"
        reason = action.reason or None
        defaults = mroom.power_levels.defaults
        if kind is ModerationKind.DELETE:
            if not action.message_id:
                raise AdapterError("delete needs a message id")
            mine = user_level(mroom, me)
            if target != me and mine < defaults.redact:
                raise NotPermitted(
                    f"cannot delete messages in {action.room.label}: the bot has power level "
                    f"{_level(mine)}, redacting needs {defaults.redact}"
                )
            message_id = action.message_id
            await main.call(
                "delete message", lambda: main.client.room_redact(room_id, message_id, reason)
            )
        elif kind is ModerationKind.KICK:
            self._check(mroom, me, target, defaults.kick, "kick", label)
            await main.call(f"kick {label}", lambda: main.client.room_kick(room_id, target, reason))
        elif kind is ModerationKind.BAN:
            self._check(mroom, me, target, defaults.ban, "ban", label)
            await main.call(f"ban {label}", lambda: main.client.room_ban(room_id, target, reason))
        elif kind is ModerationKind.TIMEOUT:
            seconds = action.seconds or DEFAULT_TIMEOUT_S
            await self._timeout(main, mroom, room_id, target, seconds, label)
        else:  # pragma: no cover - every kind is handled above
            raise AdapterError(f"matrix cannot {kind.value}")

    @staticmethod
    def _check(mroom: MatrixRoom, me: str, target: str, needed: int, verb: str, label: str) -> None:
        mine = user_level(mroom, me)
        theirs = user_level(mroom, target)
        if mine < needed or mine <= theirs:
            raise NotPermitted(
                f"cannot {verb} {label}: the bot has power level {_level(mine)}, "
                f"{verb} needs {needed} and more than the user's {_level(theirs)}"
            )

    async def _timeout(
        self,
        main: AccountSession,
        mroom: MatrixRoom,
        room_id: str,
        user_id: str,
        seconds: int,
        label: str,
    ) -> None:
        resp = await main.call(
            "read power levels",
            lambda: main.client.room_get_state_event(room_id, "m.room.power_levels"),
        )
        content = dict(resp.content) if isinstance(resp, RoomGetStateEventResponse) else {}
        users = dict(content.get("users") or {})
        events = content.get("events") or {}
        default = int(content.get("users_default", 0))
        owners = creators(mroom)
        mine = math.inf if main.user_id in owners else int(users.get(main.user_id, default))
        theirs = math.inf if user_id in owners else int(users.get(user_id, default))
        needed = int(events.get("m.room.power_levels", content.get("state_default", 50)))
        events_default = int(content.get("events_default", 0))
        muted = min(int(events.get("m.room.message", events_default)), events_default) - 1
        until = self.clock.now() + seconds
        if mine >= needed and mine > theirs:
            previous = users.get(user_id)
            users[user_id] = muted
            content["users"] = users
            await main.call(
                f"mute {label}",
                lambda: main.client.room_put_state(room_id, "m.room.power_levels", content),
            )
            await self._add_timer(
                {"kind": "unmute", "room": room_id, "user": user_id, "until": until,
                 "level": muted, "previous": previous}
            )  # fmt: skip
            return
        ban_level = int(content.get("ban", 50))
        if mine >= ban_level and mine > theirs:
            await main.call(
                f"ban {label}", lambda: main.client.room_ban(room_id, user_id, "timeout")
            )
            await self._add_timer(
                {"kind": "unban", "room": room_id, "user": user_id, "until": until}
            )
            return
        raise NotPermitted(
            f"cannot time out {label}: the bot has power level {_level(mine)}, muting needs "
            f"{needed} (or {ban_level} to ban) and more than the user's {_level(theirs)}"
        )

    # -- timers --------------------------------------------------------------------------------

    async def _load(self) -> list[dict[str, Any]]:
        raw = await self.state.get(TIMERS_KEY)
        try:
            timers = json.loads(raw) if raw else []
        except ValueError:
            timers = []
        return [t for t in timers if isinstance(t, dict)] if isinstance(timers, list) else []

    async def _save_without(self, room: Any, user: Any, add: dict[str, Any] | None = None) -> None:
        timers = [t for t in await self._load() if (t.get("room"), t.get("user")) != (room, user)]
        if add is not None:
            timers.append(add)
        await self.state.set(TIMERS_KEY, json.dumps(timers))

    async def _add_timer(self, timer: dict[str, Any]) -> None:
        await self._save_without(timer["room"], timer["user"], timer)
        self._arm(timer)

    async def rearm(self) -> None:
        """Arm every stored timer (at start: mutes set before a restart still end)."""
        for timer in await self._load():
            self._arm(timer)

    def cancel(self) -> None:
        for task in self._timers.values():
            task.cancel()
        self._timers.clear()

    def _arm(self, timer: dict[str, Any]) -> None:
        key = f"{timer.get('room')}|{timer.get('user')}"
        old = self._timers.pop(key, None)
        if old is not None:
            old.cancel()
        self._timers[key] = asyncio.create_task(self._fire(key, timer), name=f"matrix {key}")

    async def _fire(self, key: str, timer: dict[str, Any]) -> None:
        await asyncio.sleep(max(0.0, float(timer.get("until", 0)) - self.clock.now()))
        try:
            await self._lift(timer)
        except Exception as error:
            log.warning("could not lift the Matrix %s of %s: %s", timer.get("kind"), key, error)
            return  # kept in the store: the next start tries again
        finally:
            self._timers.pop(key, None)
        await self._save_without(timer.get("room"), timer.get("user"))

    async def _lift(self, timer: dict[str, Any]) -> None:
        main = self._main()
        room_id, user_id = str(timer["room"]), str(timer["user"])
        if timer.get("kind") == "unban":
            await main.call("unban", lambda: main.client.room_unban(room_id, user_id))
            # The ban put them out of the room; a timeout that ended lets them back in.
            try:
                await main.call("invite back", lambda: main.client.room_invite(room_id, user_id))
            except AdapterError as error:
                log.info("could not invite %s back to %s: %s", user_id, room_id, error)
            return
        resp = await main.call(
            "read power levels",
            lambda: main.client.room_get_state_event(room_id, "m.room.power_levels"),
        )
        content = dict(resp.content)
        users = dict(content.get("users") or {})
        if users.get(user_id) != timer.get("level"):
            return  # someone changed it since: theirs to keep
        if timer.get("previous") is None:
            users.pop(user_id, None)
        else:
            users[user_id] = timer["previous"]
        content["users"] = users
        await main.call(
            "unmute", lambda: main.client.room_put_state(room_id, "m.room.power_levels", content)
        )
