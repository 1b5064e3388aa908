"""`sanctum replay`: run a chat transcript through the real dispatcher, on virtual time.

Input is JSON Lines, one message per line (see README, "Replay"). Each line runs through the
same pipeline as live chat, on the local platform standing in for the line's ``platform`` (so
that platform's limits apply), with the offline provider, a temporary store and a virtual clock
set from the line's ``ts``. Replies the bot sends come back through the dispatcher as its own
echoes, so later lines see them. Output is one JSON object per input line, in input order.
"""

from __future__ import annotations

import json
import tempfile
from collections import deque
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from bot.adapters.local import LocalAdapter
from bot.app import Sanctum
from bot.clock import VirtualClock
from bot.config import Settings
from bot.dispatcher import Turn
from bot.llm.offline import OfflineProvider
from bot.message import Platform, Role, User
from bot.personas import SYSTEM_PERSONA

REQUIRED = ("room", "author", "text")
SUPPRESSING = {"skipped", "suppressed", "refused", "queued", "error", "dropped"}
START_TS = 1_700_000_000.0


class LineError(ValueError):
    pass


def _parse_line(raw: str, number: int) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise LineError(f"line {number}: not JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(data, dict):
        raise LineError(f"line {number}: expected a JSON object")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise LineError(f"line {number}: missing required key(s): {', '.join(missing)}")
    for key in REQUIRED:
        if not isinstance(data[key], str):
            raise LineError(f"line {number}: {key!r} must be a string")
    if not data["room"].strip() or not data["author"].strip():
        raise LineError(f"line {number}: 'room' and 'author' must not be empty")
    return data


def summarize(turn: Turn) -> dict[str, Any]:
    replies: list[dict[str, str]] = []
    suppressed: list[dict[str, str]] = []
    moderation: list[dict[str, str]] = []
    decisions: list[str] = []
    spoke: set[str] = set()
    for each in turn.walk():
        for sent in each.sent:
            persona = sent.author.persona or SYSTEM_PERSONA
            replies.append({"persona": persona, "text": sent.text})
            spoke.add(persona)
        for verdict in each.verdicts:
            moderation.append({"action": verdict.action, "reason": verdict.reason})
        for decision in each.decisions:
            decisions.append(str(decision))
    for each in turn.walk():
        for decision in each.decisions:
            if (
                decision.persona
                and decision.persona != SYSTEM_PERSONA
                and decision.outcome in SUPPRESSING
            ):
                entry = {
                    "persona": decision.persona,
                    "reason": f"{decision.step}: {decision.reason}",
                }
                if entry not in suppressed:
                    suppressed.append(entry)
    return {
        "replies": replies,
        "suppressed": suppressed,
        "moderation": moderation,
        "decisions": decisions,
    }


class Replay:
    def __init__(
        self, personas_dir: Path, *, settings: Settings | None = None, data_dir: Path | None = None
    ) -> None:
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="sanctum-replay-")
        base = settings or Settings()
        self.settings = base.model_copy(
            update={
                "data_dir": data_dir or Path(self._tmp.name),  # type: ignore[union-attr]
                "personas_dir": personas_dir,
            }
        )
        self.clock = VirtualClock(START_TS)
        self.bot = Sanctum(self.settings, clock=self.clock, llm=OfflineProvider())
        self.adapters: dict[Platform, LocalAdapter] = {}
        self.last_ts = START_TS - 1

    async def __aenter__(self) -> Replay:
        await self.bot.start(connect_platforms=False)
        self.adapters[Platform.LOCAL] = self.bot.local
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.bot.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    async def adapter(self, platform: Platform) -> LocalAdapter:
        adapter = self.adapters.get(platform)
        if adapter is None:
            adapter = LocalAdapter(
                self.bot.personas, clock=self.clock, platform=platform, create_lobby=False
            )
            await self.bot.add_adapter(adapter)
            self.adapters[platform] = adapter
        return adapter

    async def run_line(self, data: dict[str, Any], number: int) -> dict[str, Any]:
        line_id = str(data.get("id", number))
        try:
            platform = Platform(str(data.get("platform", "local")).lower())
        except ValueError:
            raise LineError(f"line {number}: unknown platform {data.get('platform')!r}") from None
        try:
            role = Role.parse(data.get("role", "everyone"))
        except ValueError as error:
            raise LineError(f"line {number}: {error}") from None
        ts = data.get("ts")
        if ts is None:
            ts = self.last_ts + 1
        elif not isinstance(ts, int | float):
            raise LineError(f"line {number}: 'ts' must be a number")
        self.last_ts = float(ts)
        self.clock.set(float(ts))
        background = await self.run_background()

        adapter = await self.adapter(platform)
        direct = bool(data.get("direct", False))
        members = data.get("members")
        if members is not None and (not isinstance(members, int) or members < 1):
            raise LineError(f"line {number}: 'members' must be a positive whole number")
        member_count = members if members is not None else (2 if direct else 3)
        default_persona = self.bot.personas.default
        persona = data.get("persona") or (default_persona.id if default_persona else None)
        private = direct or member_count == 2
        room = adapter.ensure_room(
            data["room"],
            direct=direct,
            member_count=member_count,
            personas=(persona,) if private and persona else None,
        )
        author_id = data["author"]
        our_persona = self.bot.personas.get(author_id)
        author = User(
            platform,
            author_id,
            author_id,
            str(data.get("author_name") or author_id),
            is_bot=bool(data.get("bot", False)) or our_persona is not None,
            role=role,
            persona=our_persona.id if our_persona else None,
        )
        mentions = data.get("mentions") or []
        if not isinstance(mentions, list):
            raise LineError(f"line {number}: 'mentions' must be a list")
        message = adapter.make_message(
            room.id,
            data["text"],
            author=author,
            message_id=line_id,
            mentions=tuple(str(m) for m in mentions),
            ts=float(ts),
        )
        turn = await self.bot.dispatcher.handle(message)
        await self.bot.dispatcher.drain()
        result = {"id": line_id, **summarize(turn)}
        if background["replies"] or background["suppressed"]:
            result["background"] = background
        return result

    async def run_background(self) -> dict[str, list[dict[str, str]]]:
        """Run what is due at this line's time on the scheduler (timers, replies leaving a
        rate-limit queue) and say what it sent or held back. Those messages answer no line, so
        they show as the ``background`` of the line at whose time they happened."""
        dispatcher = self.bot.dispatcher
        handled = dispatcher.handled
        outer, dispatcher.loose_decisions = dispatcher.loose_decisions, deque(maxlen=500)
        try:
            await self.bot.scheduler.run_due()
            await dispatcher.drain()
        finally:
            loose, dispatcher.loose_decisions = dispatcher.loose_decisions, outer
            outer.extend(loose)
        count = min(dispatcher.handled - handled, len(dispatcher.recent))
        turns = list(dispatcher.recent)[len(dispatcher.recent) - count :]
        nested = {id(follow) for each in turns for follow in each.followups}
        replies: list[dict[str, str]] = []
        decisions = list(loose)
        for top in turns:
            if id(top) in nested:
                continue
            for each in top.walk():
                if each.echo_of is not None:
                    replies.append({"persona": each.echo_of, "text": each.message.text})
                decisions.extend(each.decisions)
        suppressed: list[dict[str, str]] = []
        for decision in decisions:  # the bot's own voice too: a held timer is news here
            if decision.outcome in SUPPRESSING:
                entry = {
                    "persona": decision.persona or SYSTEM_PERSONA,
                    "reason": f"{decision.step}: {decision.reason}",
                }
                if entry not in suppressed:
                    suppressed.append(entry)
        return {"replies": replies, "suppressed": suppressed}

    async def run(self, lines: Iterable[str]) -> AsyncIterator[dict[str, Any]]:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                data = _parse_line(raw, number)
                yield await self.run_line(data, number)
            except LineError as error:
                line_id = number
                try:
                    maybe = json.loads(raw)
                    if isinstance(maybe, dict) and "id" in maybe:
                        line_id = maybe["id"]
                except (json.JSONDecodeError, TypeError):
                    pass
                yield {"id": str(line_id), "error": str(error)}


async def replay_lines(
    lines: Iterable[str], personas_dir: Path, settings: Settings | None = None
) -> list[dict[str, Any]]:
    async with Replay(personas_dir, settings=settings) as replay:
        return [result async for result in replay.run(lines)]
