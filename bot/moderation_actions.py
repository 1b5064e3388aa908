"""Carry out a moderation action on its platform and say in one line what happened.

The Warden and the moderators' commands decide; this runs the decision through the room's
adapter. Nothing here raises: a platform that refuses (the bot lacks the power, the platform
cannot do it, it is not connected) gives a one-line warning in the log, which the console shows
above the prompt, and the same line comes back to the caller to show or store.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.adapters.base import AdapterError, ModAction, ModerationKind, NotPermitted

log = logging.getLogger(__name__)

# What the bot tried, as "cannot <verb> ..." reads it.
_VERBS = {
    ModerationKind.FLAG: "flag",
    ModerationKind.WARN: "warn",
    ModerationKind.DELETE: "redact",
    ModerationKind.TIMEOUT: "time out",
    ModerationKind.KICK: "kick",
    ModerationKind.BAN: "ban",
}


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def done_line(action: ModAction) -> str:
    """What was done, e.g. "matrix: timed out Bob in Lobby for 60 s (spam)"."""
    who, where = action.user.label, action.room.label
    kind = action.kind
    if kind is ModerationKind.DELETE:
        what = f"deleted a message of {who} in {where}"
    elif kind is ModerationKind.TIMEOUT:
        seconds = f" for {action.seconds} s" if action.seconds else ""
        what = f"timed out {who} in {where}{seconds}"
    else:
        past = {"flag": "flagged", "warn": "warned", "kick": "kicked", "ban": "banned"}
        what = f"{past[kind.value]} {who} in {where}"
    reason = f" ({action.reason})" if action.reason else ""
    return f"{action.room.platform.value}: {what}{reason}"


def refused_line(action: ModAction, error: BaseException) -> str:
    """Why it was not done, e.g. "matrix: cannot redact in Lobby: the bot lacks the power..."."""
    platform = action.room.platform.value
    target = "" if action.kind is ModerationKind.DELETE else f" {action.user.label}"
    head = f"{platform}: cannot {_VERBS[action.kind]}{target} in {action.room.label}"
    detail = _first_line(error)
    if isinstance(error, NotPermitted):
        if detail.startswith("cannot ") and ": " in detail:
            detail = detail.split(": ", 1)[1]  # the adapter's own "cannot ... in ...:" again
        return f"{head}: the bot lacks the power to do that ({detail})"
    return f"{head}: {detail}"


async def carry_out(app: Any, action: ModAction) -> str:
    """Apply ``action`` through the adapter of its room's platform; return the one-line report.

    A flag touches nothing on the platform. Failures are logged as warnings, never raised.
    """
    if action.kind is ModerationKind.FLAG:
        line = done_line(action)
        log.info("%s", line)
        return line
    platform = action.room.platform
    adapter = app.adapters.get(platform)
    try:
        if adapter is None:
            raise AdapterError(f"{platform.value} is not connected")
        await adapter.moderate(action)
    except AdapterError as error:
        line = refused_line(action, error)
        log.warning("%s", line)
        return line
    except Exception as error:  # an SDK surprise must not take the bot down
        line = refused_line(action, error)
        log.warning("%s", line, exc_info=True)
        return line
    line = done_line(action)
    log.info("%s", line)
    return line
