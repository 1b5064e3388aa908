"""Cogs load, unload and reload at runtime; a failed reload keeps the old cog."""

from __future__ import annotations

import sys
import textwrap

import pytest

from bot.cog import CogError
from bot.message import Platform

GOOD = '''
from bot.cog import Cog, listener, task
from bot.commands import command


class Echoer(Cog, name="echoer"):
    """Test cog."""
    seen = []

    @command("ping")
    async def ping(self, ctx):
        return "pong {VERSION}"

    @listener("message")
    async def on_message(self, turn):
        type(self).seen.append(turn.message.text)

    @task(every=60)
    async def tick(self):
        pass
'''


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield folder
    for name in [m for m in sys.modules if m.startswith("plugins")]:
        del sys.modules[name]


def write(folder, body: str) -> None:
    (folder / "echoer.py").write_text(textwrap.dedent(body))
    for name in [m for m in sys.modules if m.startswith("plugins.echoer")]:
        sys.modules[name].__cached__ = None
    import importlib

    importlib.invalidate_caches()


async def run(app, text):
    message = app.local.make_message("lobby", text)
    return await app.dispatcher.handle(message)


async def test_load_unload_reload_and_rollback(app, plugin_dir):
    write(plugin_dir, GOOD.replace("{VERSION}", "v1"))
    assert await app.cogs.load("plugins.echoer") == ["echoer"]
    turn = await run(app, "!ping")
    assert [m.text for m in turn.sent] == ["pong v1"]
    assert "cog:echoer:tick" in app.scheduler

    # A reload with new code takes effect.
    write(plugin_dir, GOOD.replace("{VERSION}", "v2").replace("pong", "pong!"))
    (plugin_dir / "echoer.py").touch()
    await app.cogs.reload("echoer")
    turn = await run(app, "!ping")
    assert turn.sent[0].text.startswith("pong")

    # A broken reload keeps the old cog running.
    write(plugin_dir, "this is not python(")
    with pytest.raises(CogError, match="failed to import"):
        await app.cogs.reload("echoer")
    turn = await run(app, "!ping")
    assert turn.sent and turn.sent[0].text.startswith("pong")

    # A cog_load that raises also rolls back.
    write(
        plugin_dir,
        GOOD.replace("{VERSION}", "v3")
        + """
    async def cog_load(self):
        raise RuntimeError("refuses to start")
""",
    )
    with pytest.raises(CogError, match="previous version is still running"):
        await app.cogs.reload("echoer")
    assert (await run(app, "!ping")).sent

    assert await app.cogs.unload("echoer") == ["echoer"]
    assert (await run(app, "!ping")).sent == []
    assert "cog:echoer:tick" not in app.scheduler


async def test_load_errors_are_one_line(app):
    with pytest.raises(CogError, match=r"no cog module cogs\.nothing_here"):
        await app.cogs.load("nothing_here")
    with pytest.raises(CogError, match="already loaded"):
        await app.cogs.load("steward")
    with pytest.raises(CogError, match="no loaded cog"):
        await app.cogs.unload("ghost")


async def test_bundled_cogs_are_loaded(app):
    assert {"core", "admin", "steward"} <= set(app.cogs.cogs)
    assert app.local.room("lobby").platform is Platform.LOCAL
