"""Steward: conversation. Answers for every persona the dispatcher cleared to speak."""

from __future__ import annotations

import asyncio

from bot.cog import Cog, listener
from bot.dispatcher import Turn
from bot.llm.base import LLMError
from bot.llm.prompt import build_prompt
from bot.message import Outgoing
from bot.personas import Persona


class Steward(Cog, name="steward"):
    """Conversation: answers when a persona is addressed."""

    @listener("message")
    async def on_message(self, turn: Turn) -> None:
        speakers = [self.bot.personas.get(p) for p in turn.speakers]
        speakers = [p for p in speakers if p is not None and "converse" in p.behaviours]
        if not speakers:
            return
        await asyncio.gather(*(self.answer(turn, persona) for persona in speakers))

    async def answer(self, turn: Turn, persona: Persona) -> None:
        message = turn.message
        window = self.bot.settings.dispatch.history_window
        history = await self.bot.store.messages.recent(message.room, window)
        if not history or history[-1].id != message.id:
            history.append(message)  # recording is off (benchmarks) or still in flight
        prompt = build_prompt(persona, message.room, history)
        try:
            completion = await self.bot.llm.complete(
                prompt,
                persona_name=persona.name,
                model=persona.model,
                temperature=persona.temperature,
            )
        except LLMError as error:
            turn.decide("steward", "error", f"no reply: {error}", persona.id)
            self.log.warning("%s could not answer in %s: %s", persona.id, message.room.key, error)
            # During an outage each room hears one short notice per window, not a pile-up.
            notice = self.bot.outage_notices.notice_for(message.room.key)
            if notice:
                await self.bot.dispatcher.send(
                    Outgoing(
                        message.room,
                        notice,
                        persona=persona.id,
                        reply_to=message.id,
                        cause=message.id,
                    ),
                    turn=turn,
                )
            return
        await self.bot.dispatcher.send(
            Outgoing(
                message.room,
                completion.text,
                persona=persona.id,
                reply_to=message.id,
                cause=message.id,
            ),
            turn=turn,
        )


def setup(bot) -> Steward:
    return Steward(bot)
