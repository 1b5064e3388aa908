"""Dispatch benchmark: Sanctum's dispatcher against discord.py's ``Bot.process_commands``.

One synthetic chat (90 % ordinary lines of 5 to 30 words, 10 % commands, some lines naming the
persona) goes through both, in the same run, on the same machine:

- Sanctum: the app built as in the tests (real store in a temp dir, offline provider, virtual
  clock moving 10 ms per message), with every rule on: echo/dedupe, record, checks, commands
  (``!ping`` answered by a bench cog, the moderation cog's custom-command lookup for the
  others), addressing, the mute and ping-pong gates, and on the way out the outbound filters,
  safety, length, mute, quiet and the rate limit. The rooms are Discord channels (the local
  adapter standing in, as in replay), so Discord's 5-per-5-s window is really applied to the
  ``pong`` replies, which come back through the dispatcher as echoes and are stored too.
  Persona replies are NOT part of the measurement: the Steward is not loaded, because its cost
  is the language model's and the prompt's, not the dispatcher's; messages naming the persona
  still go through addressing and every gate.
- discord.py: ``commands.Bot`` with one cog answering ``!ping``; real ``discord.Message``
  objects built from gateway JSON through the ConnectionState (no network), the reply's
  ``send`` stubbed at the HTTP boundary (``HTTPClient.request`` returns the message JSON a
  server would), so the rest of the reply path runs.

Both sides get pre-built message objects (parsing the platform payload is not timed) and the
same yields to the event loop (every 256 messages). Each rate is the median of ``--rounds``.
With recording on, the time includes the final flush, and the stored count is verified.

Run: ``.venv/bin/python bench/dispatch.py`` (``--messages N --rounds R --seed S``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import discord  # noqa: E402
from discord.ext import commands as dcommands  # noqa: E402

from bot.adapters.local import LocalAdapter  # noqa: E402
from bot.app import Sanctum  # noqa: E402
from bot.clock import VirtualClock  # noqa: E402
from bot.cog import Cog  # noqa: E402
from bot.commands import command  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.llm.offline import OfflineProvider  # noqa: E402
from bot.message import Message, Platform, User  # noqa: E402

WORDS = (
    "the a an and but so lol lmao gg nice play chat stream game boss fight run jump again "
    "what why how when today tonight music song vibe hype pog kappa omegalul clip that was "
    "insane clean smooth rough laggy cool sweet wild honestly literally maybe never always "
    "first last next level map item build strat team win lose close call good bad"
).split()
OTHER_COMMANDS = ("!lurk", "!followage", "!uptime", "!so streamer", "!discord", "!8ball will I win")
T0 = 1_700_000_000.0
STEP_S = 0.01  # 100 messages a second of chat
YIELD_EVERY = 256
GUILD_ID = 900_000_000_000_000_001
BOT_ID = 900_000_000_000_000_002
CHANNEL_BASE = 910_000_000_000_000_000
USER_BASE = 920_000_000_000_000_000


@dataclass(frozen=True, slots=True)
class Line:
    user: int
    channel: int
    text: str


def synthetic_chat(count: int, users: int, channels: int, seed: int) -> list[Line]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.05:
            text = "!ping"
        elif roll < 0.10:
            text = rng.choice(OTHER_COMMANDS)
        else:
            words = [rng.choice(WORDS) for _ in range(rng.randint(5, 30))]
            if rng.random() < 0.05:  # some lines name the persona
                words.insert(rng.randrange(len(words) + 1), rng.choice(("luna", "@Luna", "LUNA")))
            text = " ".join(words)
        lines.append(Line(rng.randrange(users), rng.randrange(channels), text))
    return lines


# -- Sanctum ----------------------------------------------------------------------------------


class PingCog(Cog, name="bench"):
    """Answers !ping (the same job as the discord.py cog)."""

    @command("ping")
    async def ping(self, ctx) -> str:
        return "pong"


@dataclass(slots=True)
class SanctumRun:
    seconds: float  # until every message is handled and, with recording on, stored
    dispatch_seconds: float  # until every message is handled (the store may still be writing)
    latencies_ns: list[int]
    replies: int
    stored: int
    expected: int


async def run_sanctum(
    chat: list[Line], channels: int, *, recording: bool, timed: bool
) -> SanctumRun:
    with tempfile.TemporaryDirectory(prefix="sanctum-bench-") as tmp:
        settings = Settings(
            data_dir=Path(tmp), personas_dir=REPO / "personas", cogs=["cogs.moderation"]
        )
        clock = VirtualClock(T0)
        bot = Sanctum(settings, clock=clock, llm=OfflineProvider())
        await bot.start(connect_platforms=False)
        await bot.cogs.add(PingCog(bot), PingCog.__module__)
        discord_room = LocalAdapter(
            bot.personas, clock=clock, platform=Platform.DISCORD, create_lobby=False
        )
        await bot.add_adapter(discord_room)
        rooms = [discord_room.ensure_room(f"chan-{k}", member_count=50) for k in range(channels)]
        users: dict[int, User] = {}
        messages = []
        for i, line in enumerate(chat):
            user = users.get(line.user)
            if user is None:
                user = users[line.user] = User(
                    Platform.DISCORD,
                    str(USER_BASE + line.user),
                    f"user{line.user}",
                    f"User {line.user}",
                )
            messages.append(
                Message(str(i + 1), rooms[line.channel], user, line.text, T0 + i * STEP_S)
            )
        dispatcher = bot.dispatcher
        dispatcher.recording = recording
        handle = dispatcher.handle
        run_due = bot.scheduler.run_due
        latencies: list[int] = []
        gc.collect()
        start = time.perf_counter()
        if timed:
            now_ns = time.perf_counter_ns
            for i, message in enumerate(messages):
                clock.set(message.ts)
                t = now_ns()
                await handle(message)
                latencies.append(now_ns() - t)
                if i % YIELD_EVERY == 0:
                    await run_due()
                    await asyncio.sleep(0)
        else:
            for i, message in enumerate(messages):
                clock.set(message.ts)
                await handle(message)
                if i % YIELD_EVERY == 0:
                    await run_due()  # the rate-limit pump (and any timer), on virtual time
                    await asyncio.sleep(0)
        dispatched = time.perf_counter() - start
        if recording:
            await bot.store.flush()
        seconds = time.perf_counter() - start
        sent = dispatcher.handled - len(messages)  # every reply came back once as an echo
        stored = await bot.store.messages.count() if recording else 0
        await bot.stop()
    return SanctumRun(seconds, dispatched, latencies, sent, stored, len(messages) + sent)


# -- discord.py -------------------------------------------------------------------------------


class DpyPing(dcommands.Cog):
    def __init__(self) -> None:
        self.answered = 0

    @dcommands.command()
    async def ping(self, ctx: dcommands.Context) -> None:
        self.answered += 1
        await ctx.send("pong")


def _user_json(user_id: int, name: str, bot: bool = False) -> dict:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def _guild_json(channels: int) -> dict:
    return {
        "id": str(GUILD_ID),
        "name": "bench",
        "icon": None,
        "owner_id": str(USER_BASE),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "large": False,
        "member_count": 50,
        "unavailable": False,
        "roles": [
            {
                "id": str(GUILD_ID),
                "name": "@everyone",
                "permissions": "1071698660929",
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "threads": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "members": [
            {
                "user": _user_json(BOT_ID, "sanctum-bench", bot=True),
                "roles": [],
                "joined_at": "2024-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        ],
        "channels": [
            {
                "id": str(CHANNEL_BASE + k),
                "type": 0,
                "guild_id": str(GUILD_ID),
                "name": f"chan-{k}",
                "position": k,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
            }
            for k in range(channels)
        ],
    }


def _message_json(message_id: int, channel_id: int, author: dict, content: str) -> dict:
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "guild_id": str(GUILD_ID),
        "author": author,
        "content": content,
        "timestamp": "2024-01-01T00:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "member": {
            "roles": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        },
    }


async def run_discordpy(chat: list[Line], channels: int) -> tuple[float, int]:
    intents = discord.Intents.default()
    intents.message_content = True
    bot = dcommands.Bot(command_prefix="!", intents=intents, help_command=None)
    await bot._async_setup_hook()
    state = bot._connection
    state.user = discord.ClientUser(state=state, data=_user_json(BOT_ID, "sanctum-bench", bot=True))
    state.parse_guild_create(_guild_json(channels))
    guild = bot.get_guild(GUILD_ID)
    cog = DpyPing()
    await bot.add_cog(cog)
    next_id = [990_000_000_000_000_000]
    bot_author = _user_json(BOT_ID, "sanctum-bench", bot=True)

    async def fake_request(route, **kwargs):
        # The HTTP boundary: answer what Discord would for POST /channels/{id}/messages.
        next_id[0] += 1
        content = (kwargs.get("json") or {}).get("content", "")
        return _message_json(next_id[0], route.channel_id, bot_author, content)

    bot.http.request = fake_request  # type: ignore[method-assign]
    authors = {}
    messages = []
    for i, line in enumerate(chat):
        author = authors.get(line.user)
        if author is None:
            author = authors[line.user] = _user_json(USER_BASE + line.user, f"user{line.user}")
        channel = guild.get_channel(CHANNEL_BASE + line.channel)
        data = _message_json(930_000_000_000_000_000 + i, channel.id, author, line.text)
        messages.append(discord.Message(state=state, channel=channel, data=data))
    process = bot.process_commands
    gc.collect()
    start = time.perf_counter()
    for i, message in enumerate(messages):
        await process(message)
        if i % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    seconds = time.perf_counter() - start
    await bot.close()
    return seconds, cog.answered


# -- main -------------------------------------------------------------------------------------


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--channels", type=int, default=20)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    chat = synthetic_chat(args.messages, args.users, args.channels, args.seed)
    n = len(chat)
    commands = sum(1 for line in chat if line.text.startswith("!"))
    pings = sum(1 for line in chat if line.text == "!ping")
    named = sum(1 for line in chat if "luna" in line.text.lower())
    print(
        f"chat: {n} messages, {commands} commands ({pings} !ping), {named} name the persona, "
        f"{args.users} users, {args.channels} channels; {args.rounds} rounds, medians"
    )
    print(
        "persona replies: not measured (Steward not loaded: that cost is the LLM's);"
        " !ping replies are, on both sides"
    )

    dpy_rates, on_rates, on_dispatch_rates, off_rates = [], [], [], []
    dpy_answered = sanctum_replies = stored = expected = 0
    for _ in range(args.rounds):
        seconds, dpy_answered = await run_discordpy(chat, args.channels)
        dpy_rates.append(n / seconds)
        off = await run_sanctum(chat, args.channels, recording=False, timed=False)
        off_rates.append(n / off.seconds)
        on = await run_sanctum(chat, args.channels, recording=True, timed=False)
        on_rates.append(n / on.seconds)
        on_dispatch_rates.append(n / on.dispatch_seconds)
        sanctum_replies, stored, expected = on.replies, on.stored, on.expected
    timed = await run_sanctum(chat, args.channels, recording=False, timed=True)

    dpy = statistics.median(dpy_rates)
    rec_on = statistics.median(on_rates)
    rec_off = statistics.median(off_rates)
    p50 = percentile(timed.latencies_ns, 0.50) / 1000
    p99 = percentile(timed.latencies_ns, 0.99) / 1000
    print(f"discord.py process_commands: {dpy:,.0f} msg/s ({dpy_answered} pongs sent)")
    print(
        f"sanctum dispatch, recording on: {rec_on:,.0f} msg/s until all is stored "
        f"({statistics.median(on_dispatch_rates):,.0f} msg/s until all is handled, the store "
        f"writing behind); stored {stored} of {expected} ({n} inbound + {sanctum_replies} "
        "replies, counted after a flush)" + ("" if stored == expected else "  MISSING MESSAGES")
    )
    print(
        f"sanctum dispatch, recording off: {rec_off:,.0f} msg/s "
        f"({sanctum_replies} pongs, paced by Discord's 5-per-5-s limit and its queue)"
    )
    print(f"sanctum dispatch latency: p50 {p50:.1f} us, p99 {p99:.1f} us (recording off)")
    print(f"ratio_vs_discordpy_recording_on: {rec_on / dpy:.2f}")
    print(f"ratio_vs_discordpy: {rec_off / dpy:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
