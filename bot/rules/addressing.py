"""Addressing: which personas a message speaks to (step 5 of the dispatcher).

The DM rule: in a direct room, or a room with exactly two members, the persona in it is
addressed. The mention rule: in a group room a persona is addressed only when a platform
mention names it, or one of its names or aliases appears as a whole word, case-insensitive,
with or without '@' ("@Luna!!!" and "LUNABOT are you awake" address Luna; "lunar eclipse" and
"@lunatic123" do not). Notices from others and edits are never answered; other bots
only when ``answer_bots`` is on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.message import Message, MessageKind, Room
from bot.personas import SYSTEM_PERSONA, Persona, PersonaRegistry

if TYPE_CHECKING:
    from bot.dispatcher import Dispatcher, Turn

_NOTICE = MessageKind.NOTICE


def alias_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word, case-insensitive, optional '@': "@Luna!!!" yes, "lunar", "@lunatic1" no.

    Not preceded by a word character or '@' (so "me@luna.example" is not a mention), not
    followed by a word character.
    """
    alternatives = "|".join(
        r"\s+".join(re.escape(part) for part in name.split())
        for name in sorted(names, key=len, reverse=True)
        if name
    )
    return re.compile(rf"(?<![\w@])@?(?:{alternatives})(?!\w)", re.IGNORECASE)


class AddressingStep:
    """Which personas are spoken to: the DM rule and the mention rule."""

    name = "addressing"

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        # persona id -> (the Persona it was built for, its pattern, casefolded first words)
        self._patterns: dict[str, tuple[Persona, re.Pattern[str], tuple[str, ...]]] = {}
        # room key -> (the Room, the registry and its version it was made from, the present
        # personas' name entries, all their first words): who is in a room changes rarely.
        self._present: dict[str, tuple[Room, PersonaRegistry, int, tuple, tuple[str, ...]]] = {}

    def present(self, room: Room) -> tuple[tuple[Persona, re.Pattern[str], tuple[str, ...]], ...]:
        """The personas in ``room`` (as ``PersonaRegistry.present_in``), with their names."""
        return self._present_entry(room)[3]

    def _present_entry(self, room: Room) -> tuple:
        registry = self.dispatcher.personas
        cached = self._present.get(room.key)
        if (
            cached is not None
            and cached[2] == registry.version
            and cached[1] is registry
            and (
                cached[0] is room
                or (cached[0].name == room.name and cached[0].personas == room.personas)
            )
        ):
            return cached
        entries = tuple(self._names(p) for p in registry.present_in(room))
        words = tuple(dict.fromkeys(w for entry in entries for w in entry[2]))
        if len(self._present) >= 10_000:
            self._present.clear()
        cached = (room, registry, registry.version, entries, words)
        self._present[room.key] = cached
        return cached

    def _names(self, persona: Persona) -> tuple[Persona, re.Pattern[str], tuple[str, ...]]:
        cached = self._patterns.get(persona.id)
        if cached is None or cached[0] is not persona:  # personas are frozen: new one, new names
            names = persona.names()
            firsts = {name.split()[0].casefold() for name in names if name.strip()}
            # "lunabot" holds "luna": testing the shorter word alone finds both.
            words = tuple(w for w in firsts if not any(o != w and o in w for o in firsts))
            cached = (persona, alias_pattern(names), words)
            self._patterns[persona.id] = cached
        return cached

    def mentions(self, persona: Persona, message: Message, folded: str | None = None) -> str | None:
        """Why ``message`` addresses ``persona`` (None: it does not). ``folded`` is the
        message text casefolded, when the caller has it."""
        if message.mentions:
            account = persona.account(message.platform)
            if persona.id in message.mentions or (account and account in message.mentions):
                return "platform mention"
        cached = self._names(persona)
        # A substring test first: most chat never names the persona, and the regex (with its
        # look-behind at every position) costs several times more than a miss here.
        if folded is None:
            folded = message.text.casefold()
        for word in cached[2]:
            if word in folded:
                break
        else:
            return None
        match = cached[1].search(message.text)
        return f"named as {match.group(0)!r}" if match else None

    def run(self, turn: Turn) -> None:
        message = turn.message
        dispatcher = self.dispatcher
        echo_of = turn.echo_of
        if echo_of is None:
            if message.kind is _NOTICE:
                turn.decide(self.name, "skipped", "notices from others are never answered")
                return
            if message.edit_of is not None:
                # The original was answered (or not) when it came; a fixed typo is no new turn.
                turn.decide(self.name, "skipped", "edits are not answered again")
                return
            if message.author.is_bot and not dispatcher.settings.answer_bots:
                turn.decide(self.name, "skipped", "other bots are not answered (answer_bots off)")
                return
        elif echo_of == SYSTEM_PERSONA:
            return  # the bot's own voice (command replies) addresses nobody
        room = message.room
        registry = dispatcher.personas
        cached = self._present.get(room.key)
        if (
            cached is None
            or cached[0] is not room
            or cached[2] != registry.version
            or cached[1] is not registry
        ):
            cached = self._present_entry(room)  # the hit above is its fast path, inlined
        present = cached[3]
        words = cached[4]
        if room.is_direct or room.member_count == 2:  # room.is_private, inlined
            personas = [entry[0] for entry in present]
            if not room.personas:
                default = dispatcher.personas.default
                personas = [default] if default is not None and default.enabled else []
            for persona in personas:
                if persona.id != echo_of:
                    turn.addressed[persona.id] = "direct room"
                    turn.decide(self.name, "addressed", "direct room", persona.id)
            return
        if not present:
            return
        # The hot path: a line in a group room, which mostly names nobody. One casefold and one
        # substring test per first name of all the room's personas at once; then, per persona,
        # the skip (a Decision only when someone reads the decisions).
        mentioned = message.mentions
        folded = message.text.casefold()
        if not mentioned:
            for word in words:
                if word in folded:
                    break
            else:
                if echo_of is None:
                    if len(present) == 1 and turn._skipped is None:
                        turn._skipped = (present[0][0].id,)  # skip_unmentioned(), inlined
                    else:
                        for entry in present:
                            turn.skip_unmentioned(entry[0].id)
                return
        for persona, pattern, names in present:
            persona_id = persona.id
            if persona_id == echo_of:
                continue
            if mentioned:
                why = self.mentions(persona, message, folded)
            else:
                why = None
                for word in names:
                    if word in folded:
                        match = pattern.search(message.text)
                        if match:
                            why = f"named as {match.group(0)!r}"
                        break
            if why:
                turn.addressed[persona_id] = why
                turn.decide(self.name, "addressed", why, persona_id)
            elif echo_of is None:
                turn.skip_unmentioned(persona_id)  # the Decision is made when it is read
