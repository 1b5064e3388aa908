"""Steward: conversation. Answers for every persona the dispatcher cleared to speak."""

from __future__ import annotations

import asyncio

from bot.cog import Cog, listener
from bot.dispatcher import Turn
from bot.llm.base import LLMError
from bot.llm.prompt import assemble_prompt
from bot.memory.recall import recall_for_prompt, room_summary
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
        memories = await recall_for_prompt(
            self.bot.store, persona, message.author.key, message.text, message.room
        )
        summary = await room_summary(self.bot.store, persona, message.room.key)
        llm = self.bot.settings.llm
        prompt = assemble_prompt(
            persona,
            message.room,
            history,
            memories=[remembered(m) for m in memories],
            summary=summary,
            budget=max(256, llm.context_tokens - llm.max_tokens),
        )
        if prompt.history_dropped or prompt.over_budget:
            turn.decide("steward", "changed", f"prompt trimmed: {prompt.trimmed()}", persona.id)
        try:
            completion = await self.bot.llm.complete(
                prompt.messages,
                persona_name=persona.name,
                model=persona.model,
                max_tokens=llm.max_tokens,
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


def remembered(memory) -> str:
    """A memory as the persona reads it: who it is about, then what it remembers."""
    if memory.subject_name and memory.subject_name.lower() not in memory.text.lower():
        return f"About {memory.subject_name}: {memory.text}"
    return memory.text


def setup(bot) -> Steward:
    return Steward(bot)
