"""Prompt assembly: who the persona is, then the room's recent messages.

Messages the persona itself wrote become ``assistant`` turns; everyone else's become ``user``
turns prefixed with the speaker's name, so the model knows who said what in a group room.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.llm.base import ChatMessage
from bot.message import Message, Room
from bot.personas import Persona
from bot.platforms import limits_for


def system_prompt(persona: Persona, room: Room) -> str:
    parts = [persona.system_prompt.strip()]
    if persona.traits:
        parts.append("Traits: " + ", ".join(persona.traits) + ".")
    limit = min(persona.style.max_length, limits_for(room.platform).max_length)
    style = f"Keep each reply under {limit} characters"
    if persona.style.one_line or limits_for(room.platform).one_line:
        style += ", on one line"
    parts.append(style + ". Never use @everyone or @here, and never start a reply with '!'.")
    where = "a direct conversation" if room.is_private else f"the group room {room.label}"
    parts.append(f"You are {persona.name}, talking on {room.platform.value} in {where}.")
    return "\n\n".join(parts)


def history_messages(persona: Persona, history: Sequence[Message]) -> list[ChatMessage]:
    turns: list[ChatMessage] = []
    for message in history:
        if message.author.persona == persona.id:
            turns.append(ChatMessage("assistant", message.text))
        else:
            turns.append(ChatMessage("user", f"{message.author.label}: {message.text}"))
    return turns


def build_prompt(persona: Persona, room: Room, history: Sequence[Message]) -> list[ChatMessage]:
    return [
        ChatMessage("system", system_prompt(persona, room)),
        *history_messages(persona, history),
    ]
