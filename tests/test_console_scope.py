"""One registry, one permission model: console-only commands are never reachable from chat.

Every console-only command is typed in chat by a moderator, an admin, an owner and a Twitch
broadcaster (OWNER there), with arguments that would work at the console. Each attempt must
meet silence (an unknown command: no reply, no persona answering) and change nothing.
"""

from __future__ import annotations

import pytest

from bot.adapters.local import LOBBY, LocalAdapter
from bot.commands import Scope
from bot.message import Platform, Role, User

# Arguments that would succeed at the console, so a leak would show as an effect.
ARGUMENTS = {
    "say": "lobby I am the owner now",
    "as": "luna say lobby I was made to say this",
    "join": "local backroom",
    "leave": "local lobby",
    "create_channel": "local secret",
    "add_participant": "lobby intruder",
    "invite": "lobby intruder",
    "persona": "show luna",
    "spawn": "Mallory --prompt obey me",
    "despawn": "luna",
    "fetch_all": "lobby",
    "fetch_new": "lobby",
    "cogs": "unload steward",
    "logs": "tail 50",
    "rotate_logs": "",
    "backup": "",
    "purge_and_seed": "--yes",
    "quit": "",
    "exit": "",
    "status": "",
    "rooms": "",
    "personas": "",
    "memory": "forget luna all",
    "warden": "off",
}

CHATTERS = [
    User(Platform.LOCAL, "mod", "mod", "Mod", role=Role.MODERATOR),
    User(Platform.LOCAL, "admin", "admin", "Admin", role=Role.ADMIN),
    User(Platform.LOCAL, "boss", "boss", "Boss", role=Role.OWNER),
    # The broadcaster is OWNER on Twitch: still chat, so still no console command.
    User(Platform.TWITCH, "caster", "caster", "Caster", role=Role.OWNER),
]


def console_only(app) -> list[str]:
    return sorted(
        name
        for cmd in app.commands.all()
        if cmd.scope is Scope.CONSOLE
        for name in (cmd.name, *cmd.aliases)
    )


@pytest.mark.parametrize("chatter", CHATTERS, ids=lambda u: u.role.name.lower())
async def test_console_only_commands_meet_silence_in_chat(app, chatter):
    names = console_only(app)
    for required in (
        "spawn",
        "despawn",
        "purge_and_seed",
        "backup",
        "cogs",
        "say",
        "as",
        "quit",
        "persona",
        "status",
    ):
        assert required in names
    where = app.local
    if chatter.platform is Platform.TWITCH:  # a local adapter standing in for Twitch
        where = LocalAdapter(app.personas, clock=app.clock, platform=Platform.TWITCH)
        await app.add_adapter(where)
    personas, rooms = sorted(app.personas.ids()), {r.id for r in app.local.rooms()}
    cogs, count = set(app.cogs.cogs), await app.store.messages.count()

    for name in names:
        text = f"!{name} {ARGUMENTS.get(name, '')}".strip()  # other cogs' commands too
        message = where.make_message(LOBBY, text, author=chatter)
        turn = await app.dispatcher.handle(message)
        await app.dispatcher.drain()
        chat_twin = app.commands.get(name, Scope.CHAT)
        if chat_twin is not None and chat_twin.scope is not Scope.CONSOLE:
            # A chat command of the same name (moderation's `!persona list|mute|unmute`) ran:
            # the console's `persona show` did not.
            assert chat_twin.cog.name != "admin"
            assert all("system_prompt" not in m.text for m in turn.sent), text
            continue
        assert turn.sent == [], f"{text!r} got an answer: {[m.text for m in turn.sent]}"
        assert turn.followups == [], text
        assert any("unknown command" in d.reason for d in turn.decisions), text

    # Nothing happened.
    assert sorted(app.personas.ids()) == personas
    assert {r.id for r in app.local.rooms()} == rooms
    assert set(app.cogs.cogs) == cogs
    assert not app.stop_requested.is_set()
    assert not (app.settings.data_dir / "backups").exists()
    assert await app.store.messages.count() >= count + len(names)  # nothing was purged
    assert [a for _, actor, a, _ in await app.store.audit.recent() if "console" in actor] == []
    said = [m.text for m in where.log(LOBBY) + app.local.log(LOBBY) if m.author.is_bot]
    assert "I was made to say this" not in said and "I am the owner now" not in said


async def test_chat_help_never_lists_console_commands(app):
    owner = CHATTERS[2]
    turn = await app.dispatcher.handle(app.local.make_message(LOBBY, "!help", author=owner))
    [reply] = [m.text for m in turn.sent]
    for name in ("spawn", "purge_and_seed", "backup", "cogs", "fetch_all", "rotate_logs"):
        assert name not in reply
    turn = await app.dispatcher.handle(
        app.local.make_message(LOBBY, "!help spawn", author=CHATTERS[0])
    )
    assert [m.text for m in turn.sent] in ([], ["No command !spawn that you can run."])


async def test_the_console_runs_as_owner_and_sees_both_scopes(app):
    from console.app import capture_console

    console, out = capture_console(app)
    assert await console.execute("help")
    listed = out.getvalue()
    assert "spawn" in listed and "help" in listed  # console-only and shared commands
    assert "quiet" not in listed  # chat-only moderation commands stay in chat


def test_a_chat_only_and_a_console_only_command_may_share_a_name(clock):
    from bot.commands import CommandRegistry, command

    @command("persona", scope=Scope.CHAT)
    async def chat_persona(ctx) -> str:
        return "chat"

    @command("persona", scope=Scope.CONSOLE, role=Role.OWNER)
    async def console_persona(ctx) -> str:
        return "console"

    @command("persona", scope=Scope.ANY)
    async def both(ctx) -> str:
        return "both"

    registry = CommandRegistry(clock)
    registry.add(chat_persona)
    registry.add(console_persona)
    with pytest.raises(ValueError, match="already taken"):
        registry.add(both)  # a command for both scopes would be ambiguous
    assert registry.get("persona", Scope.CHAT) is chat_persona
    assert registry.get("persona", Scope.CONSOLE) is console_persona
    assert registry.chat_visible("persona")
    assert registry.visible(Role.OWNER, Scope.CONSOLE) == [console_persona]
    assert registry.visible(Role.OWNER, Scope.CHAT) == [chat_persona]
    registry.remove("persona")  # the newer one goes first
    assert registry.get("persona", Scope.CONSOLE) is chat_persona  # (not allowed there)
    assert not registry.get("persona", Scope.CONSOLE).allowed(Role.OWNER, Scope.CONSOLE)
    registry.add(console_persona)
    assert registry.get("persona", Scope.CONSOLE) is console_persona


async def test_both_personas_run_in_their_own_place(app):
    from console.app import capture_console

    console, out = capture_console(app)
    assert await console.execute("persona show luna")
    assert 'name = "Luna"' in out.getvalue()
    mod = CHATTERS[0]
    turn = await app.dispatcher.handle(app.local.make_message(LOBBY, "!persona list", author=mod))
    assert [m.text for m in turn.sent] == ["Personas: Luna (luna)."]
