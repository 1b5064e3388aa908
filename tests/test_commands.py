"""The command registry: typed arguments, usage, roles, scopes, cooldowns, groups, help."""

from __future__ import annotations

from typing import Literal

import pytest

from bot.clock import VirtualClock
from bot.commands import (
    Command,
    CommandRegistry,
    Rest,
    Scope,
    bind_arguments,
    command,
    group,
    tokenize,
)
from bot.message import Platform, Role, Room, User

ROOM = Room(Platform.TWITCH, "chan", "chan")
ANN = User(Platform.TWITCH, "1", "ann")


class Recorder:
    def __init__(self) -> None:
        self.lines: list[str] = []

    async def __call__(self, content) -> None:
        self.lines.append(str(content))


def registry() -> tuple[CommandRegistry, VirtualClock]:
    clock = VirtualClock(100.0)
    return CommandRegistry(clock), clock


async def run(reg, text, role=Role.EVERYONE, source=Scope.CHAT, user=ANN):
    out = Recorder()
    outcome = await reg.execute(
        text, bot=None, user=user, role=role, source=source, reply=out, room=ROOM, prefix="!"
    )
    return outcome, out.lines


def test_tokenize_quotes_and_unbalanced():
    assert [t for t, _ in tokenize('add "two words" x')] == ["add", "two words", "x"]
    assert [t for t, _ in tokenize("it's fine")] == ["it's", "fine"]


async def test_typed_arguments_and_usage():
    reg, _ = registry()

    @command("timer")
    async def timer(ctx, name: str, minutes: int, lines: int = 0, text: Rest = ""):
        return f"{name}/{minutes}/{lines}/{text}"

    reg.add(timer)
    outcome, lines = await run(reg, "timer news 10 5 Follow   the   stream!")
    assert outcome.status == "ok" and lines == ["news/10/5/Follow   the   stream!"]
    outcome, lines = await run(reg, "timer news ten")
    assert outcome.status == "usage"
    assert lines == [
        "Usage: !timer NAME MINUTES [LINES] [TEXT...] (MINUTES must be a whole number)"
    ]
    outcome, lines = await run(reg, "timer")
    assert "NAME is missing" in lines[0]


async def test_literal_bool_role_and_varargs():
    reg, _ = registry()

    @command("mode")
    async def mode(ctx, which: Literal["strict", "lenient"], on: bool, role: Role = Role.VIP):
        return f"{which} {on} {role.name}"

    @command("many")
    async def many(ctx, *names: str):
        return ",".join(names)

    reg.add(mode)
    reg.add(many)
    assert (await run(reg, "mode STRICT off moderator"))[1] == ["strict False MODERATOR"]
    outcome, lines = await run(reg, "mode loose on")
    assert outcome.status == "usage" and "expected one of strict, lenient" in lines[0]
    assert (await run(reg, "many a b c"))[1] == ["a,b,c"]
    outcome, lines = await run(reg, "mode strict on extra wat")
    assert outcome.status == "usage"


async def test_roles_scope_and_unknown_are_silent_in_chat():
    reg, _ = registry()

    @command("ban", role=Role.MODERATOR)
    async def ban(ctx, user: str):
        return f"banned {user}"

    @command("spawn", role=Role.OWNER, scope=Scope.CONSOLE)
    async def spawn(ctx, name: str):
        return f"spawned {name}"

    reg.add(ban)
    reg.add(spawn)
    outcome, lines = await run(reg, "ban bob")
    assert outcome.status == "denied" and lines == []
    outcome, lines = await run(reg, "ban bob", role=Role.MODERATOR)
    assert lines == ["banned bob"]
    # Console-only: from chat it does not exist, even for the owner.
    for role in (Role.MODERATOR, Role.OWNER):
        outcome, lines = await run(reg, "spawn nova", role=role)
        assert outcome.status == "unknown" and lines == []
    outcome, lines = await run(reg, "spawn nova", role=Role.OWNER, source=Scope.CONSOLE)
    assert lines == ["spawned nova"]
    outcome, lines = await run(reg, "whatever")
    assert outcome.status == "unknown" and lines == []
    help_chat = reg.help_lines(Role.OWNER, Scope.CHAT, "!")
    assert any("!ban" in h for h in help_chat) and not any("spawn" in h for h in help_chat)
    assert reg.help_lines(Role.EVERYONE, Scope.CHAT, "!") == []


async def test_cooldowns_per_user_and_room_on_the_clock():
    reg, clock = registry()

    @command("hug", user_cooldown=30, room_cooldown=5)
    async def hug(ctx):
        return "hug"

    reg.add(hug)
    bob = User(Platform.TWITCH, "2", "bob")
    assert (await run(reg, "hug"))[0].status == "ok"
    assert (await run(reg, "hug"))[0].status == "cooldown"  # ann, per user
    assert (await run(reg, "hug", user=bob))[0].status == "cooldown"  # room cooldown
    clock.advance(6)
    assert (await run(reg, "hug", user=bob))[0].status == "ok"
    assert (await run(reg, "hug"))[0].status == "cooldown"  # ann still cooling
    clock.advance(30)
    assert (await run(reg, "hug"))[0].status == "ok"
    # Admins are not throttled.
    assert (await run(reg, "hug", role=Role.ADMIN))[0].status == "ok"


async def test_groups_and_aliases():
    reg, _ = registry()

    class Holder:
        @group("persona", role=Role.MODERATOR)
        async def persona(self, ctx):
            return "persona list|mute|unmute"

        @persona.sub("mute", aliases=("silence",))
        async def mute(self, ctx, name: str):
            return f"muted {name}"

    holder = Holder()
    bound = Holder.persona.bind(holder)
    reg.add(bound)
    assert (await run(reg, "persona mute nova", role=Role.MODERATOR))[1] == ["muted nova"]
    assert (await run(reg, "PERSONA silence nova", role=Role.MODERATOR))[1] == ["muted nova"]
    assert (await run(reg, "persona", role=Role.MODERATOR))[1] == ["persona list|mute|unmute"]
    assert bound.children["mute"].usage("!") == "!persona mute NAME"


def test_duplicate_names_are_refused():
    reg, _ = registry()

    @command("a", aliases=("b",))
    async def a(ctx):
        pass

    @command("b")
    async def b(ctx):
        pass

    reg.add(a)
    with pytest.raises(ValueError, match="already taken"):
        reg.add(b)


def test_sync_callbacks_are_refused():
    with pytest.raises(TypeError, match="must be async"):
        command("x")(lambda ctx: None)


def test_bind_arguments_rest_keeps_spacing():
    cmd = Command("say", None, params=[])

    async def say(ctx, room: str, text: Rest):
        pass

    cmd = command("say")(say)
    _args, kwargs = bind_arguments(cmd, "lobby   hello   there ")
    assert kwargs == {"room": "lobby", "text": "hello   there"}
