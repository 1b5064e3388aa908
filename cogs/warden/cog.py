"""The Warden cog: every inbound message through the engine, every persona text through the
outbound check, verdicts carried out on the platform and stored.

- ``inspect`` (an inbound check, step 3): judges each message with
  :meth:`~cogs.warden.engine.WardenEngine.judge`. Our personas' words and the bot's own voice are
  never judged as chat (the dispatcher skips echoes; the check skips them too). A removal is
  carried out with :func:`bot.moderation_actions.carry_out` (delete; delete and time out; delete
  and ban), a first offence gets a one-line warning in the bot's voice, and every verdict is
  stored (``!warden log``, the console, replay's ``moderation`` key).
- ``screen`` (an outbound filter): persona text passes the link and mention check, so nobody can
  make a persona repeat a phishing link or ping a room.
- Per-room settings: ``[cog.warden]`` (see :mod:`cogs.warden.settings`), then what moderators
  changed, stored per room and restored at start. Commands: :mod:`cogs.warden.commands`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot.adapters.base import ModAction, ModerationKind
from bot.cog import Cog, check, outbound
from bot.dispatcher import SendContext, Turn, Verdict, shorten
from bot.message import Message, Outgoing
from bot.moderation_actions import carry_out
from bot.personas import SYSTEM_PERSONA
from cogs.warden.commands import WardenCommands, one_line_error
from cogs.warden.engine import Judgement, WardenConfig, WardenEngine
from cogs.warden.ladder import Action
from cogs.warden.records import WARDEN, Record, records
from cogs.warden.settings import WardenSettings

if TYPE_CHECKING:
    from bot.app import Sanctum

# What each action asks of the platform: the message always goes when a user is removed.
_STEPS: dict[Action, tuple[ModerationKind, ...]] = {
    Action.FLAG: (ModerationKind.FLAG,),
    Action.DELETE: (ModerationKind.DELETE,),
    Action.TIMEOUT: (ModerationKind.DELETE, ModerationKind.TIMEOUT),
    Action.BAN: (ModerationKind.DELETE, ModerationKind.BAN),
}
MAX_WARNING = 200


class Warden(WardenCommands, Cog, name="warden"):
    """Spam, scam and flood moderation with an escalation ladder."""

    settings_model = WardenSettings

    def __init__(self, bot: Sanctum) -> None:
        super().__init__(bot)
        self.settings: WardenSettings
        self.engine = WardenEngine(
            bot.clock, default=self.settings.base(), text_cache=self.settings.text_cache
        )
        self.records = records(bot.store)
        self.changes: dict[str, dict[str, Any]] = {}  # room key -> fields moderators changed
        self._last_warning: dict[str, float] = {}  # room key -> when a warning was last posted

    async def cog_load(self) -> None:
        await self.records.ensure()
        stored = await self.records.rooms()
        for key in sorted(set(self.settings.rooms) | set(stored)):
            changes = stored.get(key, {})
            try:
                config = WardenConfig.model_validate({**self.settings.room_data(key), **changes})
            except ValidationError as error:
                self.log.warning(
                    "warden settings stored for %s ignored: %s", key, one_line_error(error)
                )
                config = self.settings.room_config(key)
                changes = {}
            self.changes[key] = changes
            self.engine.configure(key, config)

    # -- inbound ---------------------------------------------------------------------------

    @check()
    async def inspect(self, turn: Turn) -> Verdict | None:
        """Judge one chat message; carry out and store what the ladder decides."""
        msg = turn.message
        author = msg.author
        if turn.echo_of is not None or author.persona is not None or author.id == SYSTEM_PERSONA:
            return None  # our own words are checked on the way out (screen), not as chat
        if turn.role != author.role:  # the role the dispatcher resolved (configured owners...)
            msg = dataclasses.replace(msg, author=dataclasses.replace(author, role=turn.role))
        judgement = self.engine.judge(msg, remember=not self._command(msg))
        assessment = judgement.assessment
        if assessment.skipped:
            turn.decide(
                "checks",
                "error",
                f"warden: check(s) {', '.join(assessment.skipped)} failed and were skipped",
            )
        if judgement.action is Action.ALLOW:
            return None
        checks = ", ".join(dict.fromkeys(assessment.checks))
        reason = shorten(f"{checks} (score {assessment.score:g}): {assessment.reason}", 300)
        await self._carry_out(turn, msg, judgement, checks)
        return Verdict(judgement.action.value, reason, removes=judgement.removes, check=self.name)

    def _command(self, msg: Message) -> bool:
        """A registered chat command ("!help"): paced by the command flood guard, so it is not
        counted for flood or repetition (its content is still judged)."""
        prefix = self.bot.dispatcher.prefix_for(msg.room)
        text = msg.text
        if not text.startswith(prefix) or len(text) == len(prefix):
            return False
        name = text[len(prefix) :].split(None, 1)[0] if text[len(prefix)].isalpha() else ""
        return bool(name) and self.bot.commands.chat_visible(name)

    async def _carry_out(self, turn: Turn, msg: Message, judgement: Judgement, checks: str) -> None:
        verdict = judgement.verdict
        reports = []
        for kind in _STEPS[verdict.action]:
            action = ModAction(
                kind,
                msg.room,
                msg.author,
                message_id=msg.id,
                seconds=verdict.seconds if kind is ModerationKind.TIMEOUT else None,
                reason=f"warden: {checks}",
            )
            reports.append(await carry_out(self.bot, action))
        if judgement.warning:
            await self._warn(turn, msg, judgement.warning)
        assessment = judgement.assessment
        record = Record(
            ts=self.bot.clock.now(),
            room_key=msg.room.key,
            message_id=msg.id,
            user_id=msg.author.id,
            user_name=msg.author.label,
            action=verdict.action.value,
            checks=tuple(dict.fromkeys(assessment.checks)),
            score=assessment.score,
            actor=WARDEN,
            reason=assessment.reason,
            seconds=verdict.seconds,
            outcome="; ".join(reports),
            excerpt=msg.text,
        )
        try:
            await self.records.add(record)
        except Exception:  # a full disk must not stop the moderation itself
            self.log.exception("warden verdict not stored")

    async def _warn(self, turn: Turn, msg: Message, text: str) -> None:
        """One short line in the bot's own voice; at most one per room every warning_gap_s."""
        key = msg.room.key
        now = self.bot.clock.now()
        last = self._last_warning.get(key)
        if last is not None and now - last < self.settings.warning_gap_s:
            turn.decide("checks", "skipped", "warden: warning not posted (one per room at a time)")
            return
        self._last_warning[key] = now
        line = shorten(" ".join(text.split()), MAX_WARNING)
        out = Outgoing(msg.room, line, persona=None, cause=msg.id)
        await self.bot.dispatcher.send(out, turn=turn)

    # -- outbound --------------------------------------------------------------------------

    @outbound()
    async def screen(self, out: Outgoing, send: SendContext) -> Outgoing | None:
        """Persona text: phishing and disguised links refused, other links cut, pings defused."""
        if out.persona is None or out.persona == SYSTEM_PERSONA:
            return out  # the bot's own voice: moderators' texts and command replies
        result = self.engine.outbound(out.room, out.text)
        if result.refused:
            send.decide("outbound-filters", "refused", f"warden: {result.reasons[0]}", out.persona)
            return None
        if result.changed:
            send.decide("outbound-filters", "changed", f"warden: {'; '.join(result.reasons)}",
                        out.persona)  # fmt: skip
            return out.with_text(result.text)
        return out

    # -- settings --------------------------------------------------------------------------

    async def apply_change(self, key: str, config: WardenConfig, actor: str) -> None:
        """Remember what differs from the room's configured settings, and store it."""
        layer = self.settings.room_data(key)
        data = config.model_dump(mode="json")
        changes = {k: v for k, v in data.items() if layer.get(k) != v}
        self.changes[key] = changes
        await self.records.save_room(key, changes, actor)


def setup(bot: Sanctum) -> Warden:
    return Warden(bot)
