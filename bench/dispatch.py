"""Dispatch benchmark: Sanctum's per-message path against discord.py's, in the same run.

The chat: 90 % ordinary lines of 5 to 30 words, 10 % commands (half of them ``!ping``, the rest
other bots' commands), 5 % of the ordinary lines naming the persona (a third of those with a
real ``<@bot>`` mention). Every line is a Discord ``MESSAGE_CREATE`` payload as the gateway
sends it: its JSON text is decoded right before the line is handed over (as the websocket reader
would, so the dict is fresh and in cache), and that decoding is outside the timed part, the same
for both bots (they would share one websocket reader). The clock runs from handing the ``d`` dict
over until everything it caused is done, summed over the lines.

Definitions (the figures this prints)
-------------------------------------
- **discord.py full path**: ``ConnectionState.parsers["MESSAGE_CREATE"]`` (the function the
  gateway calls: ``parse_message_create`` builds the ``discord.Message``, its author Member,
  mentions and caches it, then dispatches ``on_message``, which discord.py runs as one task per
  event) -> ``Bot.on_message`` -> ``Bot.process_commands``, with one cog answering ``!ping``.
  The reply's send is stubbed at the HTTP boundary (``HTTPClient.request`` returns the message
  JSON Discord would), so discord.py builds the sent Message as usual.
- **Sanctum full path**: ``DiscordNormalizer.message`` (bot/adapters/discord_normalize.py:
  gateway JSON -> ``bot.message.Message``) -> ``Dispatcher.handle``, awaited in turn, with all
  the issue-3 rules on: echo/dedupe, record, checks, commands (``!ping`` answered by a bench cog,
  the moderation cog's custom-command lookup for the others), addressing (mention and name
  rules, the "not mentioned in a group room" decision per persona), the mute and ping-pong gates,
  and on the way out the cog filters, mute, quiet, safety, length and Discord's 5-per-5-s rate
  limit per channel (queued replies go out through the scheduler's pump on virtual time: the
  app's clock is virtual and moves with the chat's timestamps, 10 ms per line, set by the loop
  as one attribute store). The reply goes through a stub adapter that builds the
  response JSON Discord would return and normalises it; the sent message comes back through
  ``handle`` as our echo (recorded, seen by every rule).
- On **both** sides every reply also comes back later on the gateway as a ``MESSAGE_CREATE`` of
  the bot's own message, as on Discord: discord.py parses and dispatches it (process_commands
  ignores bots), Sanctum normalises it and the echo step drops it as a duplicate.
- **recording off / on**: the message log off, or on with every message stored (inbound lines
  and our replies) by the log's writer thread, which works while the loop goes on; with
  recording on the time is the timed loop plus the final flush (until the last batch is
  committed), and the stored count is checked in every round.
- **rate** = chat lines / timed seconds (the time of the yields to the event loop included:
  that is where discord.py runs its on_message tasks and Sanctum its queued sends); each rate
  is the median of ``--rounds`` rounds, the two bots measured alternately in each round, so
  load from other processes hits both alike (the per-round figures are printed too). Each run
  starts from a fresh bot and a full ``gc.collect()``; collections during the run count.
  ``ratio_vs_discordpy`` = Sanctum full path (recording off) / discord.py full path;
  ``ratio_vs_discordpy_recording_on`` the same with recording on.
- **via submit**: the same Sanctum path, but each message handed to ``Dispatcher.submit``, as
  a live adapter delivers it (the steps that need no waiting run at once; a task is made only
  from the first step that must wait, such as a reply); printed beside the headline so the live
  path's figure is never hidden.
- **pre-built objects** (the earlier comparison, still printed, not the headline): already
  built ``discord.Message`` objects through ``Bot.process_commands`` only, against already
  normalised Messages through ``Dispatcher.handle`` only (no parsing on either side, no gateway
  echoes; all objects built before the clock starts, one timed loop). Building a
  discord.Message is most of discord.py's cost, so this ratio is far lower.
- **latency**: per chat line, normalise + ``handle`` (including, for a ``!ping``, the reply and
  its echo), recording off, in a separate pass (timing every call slows the loop).
- **with the Warden**: the full path, recording off, with ``cogs.warden`` loaded too (its
  inbound check on every message), when that cog loads; otherwise a line says why not.

Persona replies are not measured: the Steward is not loaded (its cost is the language model's).

Run: ``.venv/bin/python bench/dispatch.py`` (``--messages N --rounds R --seed S``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import discord  # noqa: E402
from discord.ext import commands as dcommands  # noqa: E402

from bot.adapters.base import Adapter  # noqa: E402
from bot.adapters.discord_normalize import DiscordNormalizer  # noqa: E402
from bot.app import Sanctum  # noqa: E402
from bot.clock import VirtualClock  # noqa: E402
from bot.cog import Cog  # noqa: E402
from bot.commands import command  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.llm.offline import OfflineProvider  # noqa: E402
from bot.message import Message, Outgoing, Platform  # noqa: E402
from bot.personas import SYSTEM_PERSONA  # noqa: E402

WORDS = (
    "the a an and but so lol lmao gg nice play chat stream game boss fight run jump again "
    "what why how when today tonight music song vibe hype pog kappa omegalul clip that was "
    "insane clean smooth rough laggy cool sweet wild honestly literally maybe never always "
    "first last next level map item build strat team win lose close call good bad"
).split()
OTHER_COMMANDS = ("!lurk", "!followage", "!uptime", "!so streamer", "!discord", "!8ball will I win")
DISCORD_EPOCH_MS = 1_420_070_400_000
T0_MS = 1_700_000_000_000
STEP_MS = 10  # 100 chat lines a second
YIELD_EVERY = 256
GUILD_ID = "900000000000000001"
BOT_ID = "900000000000000002"
CHANNEL_BASE = 910_000_000_000_000_000
USER_BASE = 920_000_000_000_000_000
MENTION = f"<@{BOT_ID}>"


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
            if rng.random() < 0.05:  # some lines name the persona, a third by a real mention
                name = rng.choice(("luna", "@Luna", "LUNA", MENTION))
                words.insert(rng.randrange(len(words) + 1), name)
            text = " ".join(words)
        lines.append(Line(rng.randrange(users), rng.randrange(channels), text))
    return lines


# -- gateway JSON -----------------------------------------------------------------------------


def snowflake(ms: int, sequence: int) -> str:
    return str(((ms - DISCORD_EPOCH_MS) << 22) | (sequence & 0xFFF))


def iso(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return f"{_iso_seconds(seconds)}.{millis:03d}000+00:00"


@functools.lru_cache(maxsize=64)
def _iso_seconds(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def user_json(user_id: str, name: str, bot: bool = False) -> dict:
    data = {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": None if bot else name.title(),
        "avatar": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        "avatar_decoration_data": None,
        "clan": None,
        "public_flags": 0,
    }
    if bot:
        data["bot"] = True
    return data


def member_json() -> dict:
    return {
        "roles": [],
        "premium_since": None,
        "pending": False,
        "nick": None,
        "mute": False,
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "flags": 0,
        "deaf": False,
        "communication_disabled_until": None,
        "banner": None,
        "avatar": None,
    }


def guild_json(channels: int) -> dict:
    return {
        "id": GUILD_ID,
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
                "id": GUILD_ID,
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
        "members": [{"user": user_json(BOT_ID, "sanctum-bench", bot=True), **member_json()}],
        "channels": [
            {
                "id": str(CHANNEL_BASE + k),
                "type": 0,
                "guild_id": GUILD_ID,
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


def message_json(
    message_id: str,
    ms: int,
    channel_id: str,
    author: dict,
    content: str,
    mentions: list[dict] | None = None,
) -> dict:
    """A MESSAGE_CREATE ``d`` in a guild channel, with every field the gateway sends."""
    return {
        "type": 0,
        "tts": False,
        "timestamp": iso(ms),
        "pinned": False,
        "nonce": message_id,
        "mentions": mentions or [],
        "mention_roles": [],
        "mention_everyone": False,
        "member": member_json(),
        "id": message_id,
        "flags": 0,
        "embeds": [],
        "edited_timestamp": None,
        "content": content,
        "components": [],
        "channel_type": 0,
        "channel_id": channel_id,
        "author": author,
        "attachments": [],
        "guild_id": GUILD_ID,
    }


BOT_MENTION = {**user_json(BOT_ID, "sanctum-bench", bot=True), "member": member_json()}


def gateway_payloads(chat: list[Line]) -> list[str]:
    """The chat as MESSAGE_CREATE JSON texts (decoded per run, so each run has fresh dicts)."""
    texts = []
    for i, line in enumerate(chat):
        ms = T0_MS + i * STEP_MS
        author = user_json(str(USER_BASE + line.user), f"user{line.user}")
        mentions = [BOT_MENTION] if MENTION in line.text else None
        data = message_json(
            snowflake(ms, i), ms, str(CHANNEL_BASE + line.channel), author, line.text, mentions
        )
        texts.append(json.dumps(data))
    return texts


class ReplyIds:
    """Message ids for the replies, unique and in time order like Discord's."""

    def __init__(self) -> None:
        self.sequence = 0

    def next(self, ms: int) -> str:
        self.sequence += 1
        return snowflake(ms, 0x800 | self.sequence)


# -- Sanctum ----------------------------------------------------------------------------------


class ChatClock(VirtualClock):
    """Virtual time moved by the chat's own timestamps: the loop stores ``at`` (as the
    discord.py side stores its reply clock), the cheapest way to move a clock."""

    def __init__(self, start: float) -> None:
        super().__init__(start)
        self.at = start

    def now(self) -> float:
        return self.at

    def set(self, value: float) -> None:
        self.at = max(self.at, float(value))

    def advance(self, seconds: float) -> float:
        self.at += max(0.0, float(seconds))
        return self.at


class PingCog(Cog, name="bench"):
    """Answers !ping (the same job as the discord.py cog)."""

    @command("ping")
    async def ping(self, ctx) -> str:
        return "pong"


class BenchDiscord(Adapter):
    """Discord's HTTP boundary, stubbed: a send answers the message JSON Discord would return,
    normalised as the adapter would; the same message is queued to come back on the gateway."""

    platform = Platform.DISCORD

    def __init__(self, clock: VirtualClock, normalizer: DiscordNormalizer) -> None:
        super().__init__()
        self.clock = clock
        self.normalizer = normalizer
        self.ids = ReplyIds()
        self.gateway: list[dict] = []  # our own messages, to arrive as MESSAGE_CREATE later
        self.author = user_json(BOT_ID, "sanctum-bench", bot=True)
        self._voices: dict[str, object] = {}

    async def send(self, out: Outgoing) -> Message:
        ms = int(self.clock.now() * 1000)
        message_id = self.ids.next(ms)
        self.gateway.append(message_json(message_id, ms, out.room.id, self.author, out.text))
        sent = self.normalizer.message(
            message_json(message_id, ms, out.room.id, self.author, out.text)
        )
        persona = out.persona or SYSTEM_PERSONA  # the adapter knows whose words it sent
        voice = self._voices.get(persona)
        if voice is None:
            voice = self._voices[persona] = replace(sent.author, persona=persona)
        return Message(
            sent.id, sent.room, voice, sent.text, sent.ts, sent.mentions, out.reply_to, sent.kind
        )


@dataclass(slots=True)
class SanctumRun:
    seconds: float  # until every message is handled and, with recording on, stored
    dispatch_seconds: float  # until every message is handled (the store may still be writing)
    latencies_ns: list[int]
    replies: int
    stored: int
    expected: int
    warden: str | None = None  # why the Warden could not be loaded, when asked for


async def sanctum_app(
    tmp: str, clock: VirtualClock, channels: int
) -> tuple[Sanctum, DiscordNormalizer, BenchDiscord]:
    settings = Settings(
        data_dir=Path(tmp), personas_dir=REPO / "personas", cogs=["cogs.moderation"]
    )
    bot = Sanctum(settings, clock=clock, llm=OfflineProvider())
    await bot.start(connect_platforms=False)
    await bot.cogs.add(PingCog(bot), PingCog.__module__)
    luna = bot.personas.get("luna")
    if luna is not None:  # the bot account speaks for Luna: "<@bot>" addresses her
        bot.personas.add(luna.model_copy(update={"accounts": {Platform.DISCORD: BOT_ID}}))
    normalizer = DiscordNormalizer(
        moderator_role_ids=bot.dispatcher.roles.moderator_role_ids(Platform.DISCORD)
        if hasattr(bot.dispatcher.roles, "moderator_role_ids")
        else ()
    )
    normalizer.add_guild(guild_json(channels))
    adapter = BenchDiscord(clock, normalizer)
    await bot.add_adapter(adapter)
    return bot, normalizer, adapter


async def run_sanctum(
    texts: list[str],
    channels: int,
    *,
    recording: bool,
    mode: str = "handle",  # handle | submit | timed | prebuilt
    warden: bool = False,
) -> SanctumRun:
    with tempfile.TemporaryDirectory(prefix="sanctum-bench-") as tmp:
        clock = ChatClock(T0_MS / 1000)
        bot, normalizer, adapter = await sanctum_app(tmp, clock, channels)
        warden_error = None
        if warden:
            try:
                await bot.cogs.load("warden")
            except Exception as error:  # the bench never fails on the Warden
                warden_error = f"{type(error).__name__}: {error}".splitlines()[0][:160]
        dispatcher = bot.dispatcher
        dispatcher.recording = recording
        handle = dispatcher.handle
        submit = dispatcher.submit
        run_due = bot.scheduler.run_due
        normalize = normalizer.message
        gateway = adapter.gateway
        loads = json.loads
        now_ns = time.perf_counter_ns
        n = len(texts)
        latencies: list[int] = []
        elapsed = 0
        gc.collect()
        if warden_error is not None:
            pass
        elif mode == "prebuilt":  # Dispatcher.handle only, no gateway echoes (earlier comparison)
            messages = [normalize(loads(text)) for text in texts]
            gc.collect()
            start = now_ns()
            for i, message in enumerate(messages):
                clock.at = message.ts
                await handle(message)
                if i % YIELD_EVERY == 0:
                    await run_due()
                    await asyncio.sleep(0)
            elapsed = now_ns() - start
            gateway.clear()
        else:
            timed = mode == "timed"
            deliver = submit if mode == "submit" else handle
            for i, text in enumerate(texts):
                data = loads(text)  # the websocket reader's work: not timed, on either side
                start = now_ns()
                message = normalize(data)
                clock.at = message.ts
                await deliver(message)
                if timed:
                    latencies.append(now_ns() - start)
                if gateway:  # our replies, back on the gateway: dropped as duplicates
                    for echo in gateway:
                        await deliver(normalize(echo))
                    gateway.clear()
                if i % YIELD_EVERY == 0:
                    await run_due()  # the rate-limit pump (and any timer), on virtual time
                    await asyncio.sleep(0)  # submit: the tasks of waiting turns run here
                elapsed += now_ns() - start
            start = now_ns()
            await dispatcher.drain()
            while gateway:
                for echo in gateway[:]:
                    gateway.remove(echo)
                    await deliver(normalize(echo))
                await dispatcher.drain()
            elapsed += now_ns() - start
        dispatched = elapsed / 1e9
        start = now_ns()
        if recording:
            await bot.store.flush()
        seconds = dispatched + (now_ns() - start) / 1e9
        sent = adapter.ids.sequence
        stored = await bot.store.messages.count() if recording else 0
        await bot.stop()
    return SanctumRun(seconds, dispatched, latencies, sent, stored, n + sent, warden_error)


# -- discord.py -------------------------------------------------------------------------------


class DpyPing(dcommands.Cog):
    def __init__(self) -> None:
        self.answered = 0

    @dcommands.command()
    async def ping(self, ctx: dcommands.Context) -> None:
        self.answered += 1
        await ctx.send("pong")


async def discordpy_bot(
    channels: int, clock_ms: list[int], gateway: list[dict]
) -> tuple[dcommands.Bot, DpyPing]:
    intents = discord.Intents.default()
    intents.message_content = True
    bot = dcommands.Bot(command_prefix="!", intents=intents, help_command=None)
    await bot._async_setup_hook()
    state = bot._connection
    state.user = discord.ClientUser(state=state, data=user_json(BOT_ID, "sanctum-bench", True))
    state.parse_guild_create(guild_json(channels))
    cog = DpyPing()
    await bot.add_cog(cog)
    ids = ReplyIds()
    author = user_json(BOT_ID, "sanctum-bench", bot=True)

    async def fake_request(route, **kwargs):
        # The HTTP boundary: answer what Discord would for POST /channels/{id}/messages, and
        # queue the same message to arrive on the gateway, as Discord does.
        content = (kwargs.get("json") or {}).get("content", "")
        ms = clock_ms[0]
        message_id = ids.next(ms)
        channel_id = str(route.channel_id)
        gateway.append(message_json(message_id, ms, channel_id, author, content))  # its own dict
        return message_json(message_id, ms, channel_id, author, content)

    bot.http.request = fake_request  # type: ignore[method-assign]
    return bot, cog


def _discordpy_tasks() -> list[asyncio.Task]:
    current = asyncio.current_task()
    return [
        t for t in asyncio.all_tasks() if t is not current and t.get_name().startswith("discord.py")
    ]


async def run_discordpy(
    texts: list[str], channels: int, *, prebuilt: bool = False
) -> tuple[float, int]:
    clock_ms = [T0_MS]
    gateway: list[dict] = []
    bot, cog = await discordpy_bot(channels, clock_ms, gateway)
    state = bot._connection
    parse = state.parsers["MESSAGE_CREATE"]  # what the gateway calls for this event
    loads = json.loads
    now_ns = time.perf_counter_ns
    elapsed = 0
    gc.collect()
    if prebuilt:  # process_commands only (the earlier comparison): no parsing, no echoes
        messages = []
        for text in texts:
            data = loads(text)
            channel, _ = state._get_guild_channel(data)
            messages.append(discord.Message(state=state, channel=channel, data=data))
        process = bot.process_commands
        gc.collect()
        start = now_ns()
        for i, message in enumerate(messages):
            await process(message)
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        elapsed = now_ns() - start
    else:
        for i, text in enumerate(texts):
            data = loads(text)  # the websocket reader's work: not timed, on either side
            start = now_ns()
            clock_ms[0] = T0_MS + i * STEP_MS
            parse(data)  # builds the Message, schedules on_message -> process_commands
            if gateway:  # our replies, back on the gateway
                for echo in gateway:
                    parse(echo)
                gateway.clear()
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # the on_message tasks run here
            elapsed += now_ns() - start
        start = now_ns()
        while pending := _discordpy_tasks():
            await asyncio.gather(*pending)
            for echo in gateway:
                parse(echo)
            gateway.clear()
        elapsed += now_ns() - start
    await bot.close()
    return elapsed / 1e9, cog.answered


# -- main -------------------------------------------------------------------------------------


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--channels", type=int, default=20)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    chat = synthetic_chat(args.messages, args.users, args.channels, args.seed)
    texts = gateway_payloads(chat)
    n = len(chat)
    commands = sum(1 for line in chat if line.text.startswith("!"))
    pings = sum(1 for line in chat if line.text == "!ping")
    named = sum(1 for line in chat if "luna" in line.text.lower() or MENTION in line.text)
    mentions = sum(1 for line in chat if MENTION in line.text)
    print(
        f"chat: {n} MESSAGE_CREATE payloads (avg {sum(map(len, texts)) // n} bytes of JSON), "
        f"{commands} commands ({pings} !ping), {named} name the persona ({mentions} by <@id>), "
        f"{args.users} users, {args.channels} channels; {args.rounds} rounds, medians"
    )

    rates: dict[str, list[float]] = {
        k: [] for k in ("dpy", "off", "on", "on_handled", "submit", "warden", "dpy_pre", "pre")
    }
    dpy_answered = replies = stored = expected = 0
    missing: list[str] = []
    warden_error = None
    for _ in range(args.rounds):
        seconds, dpy_answered = await run_discordpy(texts, args.channels)
        rates["dpy"].append(n / seconds)
        off = await run_sanctum(texts, args.channels, recording=False)
        rates["off"].append(n / off.seconds)
        on = await run_sanctum(texts, args.channels, recording=True)
        rates["on"].append(n / on.seconds)
        rates["on_handled"].append(n / on.dispatch_seconds)
        replies, stored, expected = on.replies, on.stored, on.expected
        if stored != expected:
            missing.append(f"{stored} of {expected}")
        sub = await run_sanctum(texts, args.channels, recording=False, mode="submit")
        rates["submit"].append(n / sub.seconds)
        if warden_error is None:
            warded = await run_sanctum(texts, args.channels, recording=False, warden=True)
            warden_error = warded.warden
            if warden_error is None:
                rates["warden"].append(n / warded.seconds)
        seconds, _ = await run_discordpy(texts, args.channels, prebuilt=True)
        rates["dpy_pre"].append(n / seconds)
        pre = await run_sanctum(texts, args.channels, recording=False, mode="prebuilt")
        rates["pre"].append(n / pre.seconds)
    timed = await run_sanctum(texts, args.channels, recording=False, mode="timed")

    med = {k: statistics.median(v) if v else 0.0 for k, v in rates.items()}
    dpy = med["dpy"]
    p50 = percentile(timed.latencies_ns, 0.50) / 1000
    p99 = percentile(timed.latencies_ns, 0.99) / 1000
    print(
        f"discord.py full path (MESSAGE_CREATE -> parse_message_create -> on_message task -> "
        f"process_commands): {dpy:,.0f} msg/s ({dpy_answered} pongs)"
    )
    print(
        f"sanctum full path (MESSAGE_CREATE -> DiscordNormalizer -> Dispatcher.handle), "
        f"recording off: {med['off']:,.0f} msg/s ({replies} pongs, paced by Discord's "
        "5-per-5-s limit per channel and its queue)"
    )
    print(
        f"sanctum full path, recording on: {med['on']:,.0f} msg/s until all is stored "
        f"({med['on_handled']:,.0f} msg/s until all is handled, the store writing behind); "
        f"stored {stored} of {expected} ({n} inbound + {replies} replies, counted after a flush)"
        + (f"  MISSING MESSAGES in a round: {', '.join(missing)}" if missing else "")
    )
    print(
        f"sanctum full path via Dispatcher.submit (as live adapters deliver; a task only "
        f"from a step that waits), recording off: {med['submit']:,.0f} msg/s, "
        f"ratio {med['submit'] / dpy:.2f}"
    )
    if warden_error is None:
        print(
            f"with the Warden (cogs.warden loaded), full path, recording off: "
            f"{med['warden']:,.0f} msg/s, ratio {med['warden'] / dpy:.2f}"
        )
    else:
        print(f"with the Warden: not measured (cogs.load('warden') failed: {warden_error})")
    print(
        f"pre-built objects, NOT the headline (no parsing on either side): discord.py "
        f"process_commands {med['dpy_pre']:,.0f} msg/s, sanctum Dispatcher.handle "
        f"{med['pre']:,.0f} msg/s, ratio_prebuilt {med['pre'] / med['dpy_pre']:.2f}"
    )
    print(
        f"sanctum per-message latency (normalise + handle, recording off): p50 {p50:.1f} us, "
        f"p99 {p99:.1f} us"
    )
    per_round = ", ".join(
        f"{d:,.0f}/{off:,.0f}/{on:,.0f}"
        for d, off, on in zip(rates["dpy"], rates["off"], rates["on"], strict=True)
    )
    print(
        f"rounds (discord.py / sanctum off / sanctum on, msg/s): {per_round}; ratios off "
        + ", ".join(f"{off / d:.2f}" for d, off in zip(rates["dpy"], rates["off"], strict=True))
        + "; on "
        + ", ".join(f"{on / d:.2f}" for d, on in zip(rates["dpy"], rates["on"], strict=True))
    )
    print(f"ratio_vs_discordpy_recording_on: {med['on'] / dpy:.2f}")
    print(f"ratio_vs_discordpy: {med['off'] / dpy:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
