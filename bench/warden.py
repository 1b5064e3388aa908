"""How many messages per second the Warden assesses on one core, next to a naive filter.

    .venv/bin/python bench/warden.py [--messages 200000] [--rounds 3] [--repeat 0.5]

The chat mix (the headline): 65% everyday lines written for this benchmark (short reactions,
emotes, questions), 30% ordinary lines drawn from every labelled set in cogs/warden/data
(conversations in 30+ languages written to resemble real chat, hard cases included: scam talk,
links, code, other scripts) and 5% spam and scams from those sets, from 2,000 chatters of mixed
roles, in one room, on virtual time, with the rules and the text model. Half the lines are typed
exactly as in the pool (real chat repeats: "gg", "KEKW", a spam bot's same line); the other
half are varied the way chatters do (a reply's @name, an emote or a number after it, a spam
bot's rotating token), so most are unique and the text cache cannot inflate the figure: its hit
rate is printed, and the headline gives the engine without the cache too (a chat that repeats
itself less). The hard mix draws its 30% from the development set alone, whose ordinary lines
lean on scam topics on purpose. Messages are built before timing; only ``assess`` is timed, in
CPU time of this process; rounds interleave the runners and the best round counts (a shared
machine has slow spells: compare within one run, and read the machine line). The baseline is
what streamers use today: a Nightbot-style list of regexes (links, caps, symbols, repeated
characters, emote count, a phrase blacklist) run one by one.

How realistic the mix is: lines average about 23 characters (real Twitch chat runs a little
longer); 5% spam is more than most chats see outside a bot raid, and spam is the expensive
path. "caught"/"flagged" are measured on lines the rules and the model were built from: a
sanity check, not a recall figure (``python -m cogs.warden.train --held-out SET`` measures).
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import VirtualClock
from bot.message import Message, Platform, Role, Room, User
from cogs.warden.checks import EMOTES
from cogs.warden.engine import WardenEngine
from cogs.warden.evaluate import load
from cogs.warden.train import SETS, sequence_labelled

DATA = Path(__file__).resolve().parents[1] / "cogs" / "warden" / "data"

# Everyday chat: what most of a real stream chat looks like (short, emotes, reactions,
# questions), written for this benchmark. Drawn 65% of the time; the labelled dev set's ordinary
# lines (which lean on tricky topics on purpose) 30%; spam and scams 5%.
EVERYDAY = """lol|LUL|KEKW|gg|nice|W|L|true|same|real|hi|hey|hello chat|hi chat|yo|
what game is this?|pog|
lets gooo|LETS GO|that was close|no way|NO WAY|Kappa|LMAO|lmao|hahaha|haha|yes|nope|yep|monkaS|
he's so good|clip it|clip that|rip|F|o7|what's the song?|good morning|gm|gn chat|brb|back|
lurking|first time here|hype|sheesh|how long is the stream today?|can you play the other map?|
so clean|mods are fast|ty|thanks|thank you|is that a new keyboard?|chat is wild today|🔥🔥|😂|
❤️|gg wp 👏|Привет всем|こんにちは|hola!|oh no|OMEGALUL|Sadge|PepeHands|catJAM|EZ|ez|
that jump though|go left|go right|behind you|watch out|heal|reload|nice shot|what a play|
how did he do that|skill|luck|unlucky|he's cooked|we're so back|it's over|trust|believe|
I can't breathe lol|my sides|dead|💀|😭😭|true true|facts|based|ratio|no shot|bro what|
what happened|I missed it|did he die?|F in chat|RIP|GG|gg ez|ggs|one more|again!|
let him cook|he's cooking|chat is this real|poggers|Pog|POG|PogChamp|LULW|KEKW KEKW|
that boss is hard|use the shield|dodge|parry|so close|almost|next time|you got this|
good luck|gl|glhf|have fun|hi from Germany|hello from Brazil|evening all|morning chat|
how are you|how's your day|good, you?|eating dinner|brb food|back from work|just woke up|
it's 2am here|can't sleep|same here|me too|omg|OMG|wow|WOW|amazing|beautiful|cute|
the cat!|pet the dog|doggo|hydrate|stretch|posture check|love this song|banger|vibes|
volume up pls|mic is quiet|can't hear you|audio is fine now|lag?|it's lagging|fine for me|
which rank are you?|what's your sens?|what mouse?|nice setup|new emote?|love the emotes|
thanks for the stream|bye chat|see ya|cya|gn|good night|take care|stay safe|later|peace""".replace(
    "\n", ""
).split("|")
_BASE_LINK = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|gg|tv|io|xyz|ru|me|co|ly|live|shop|gift)\b"
)
_BASE_REPEAT = re.compile(r"(.)\1{9,}")
_BASE_SYMBOLS = re.compile(r"[^\w\s]")
_BASE_BLACKLIST = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"free\s*nitro", r"nitro\s*gift", r"buy\s*(viewers|followers)", r"cheap\s*viewers",
        r"big\s*follows", r"become\s*famous", r"viewbot", r"steam\s*gift", r"free\s*robux",
        r"free\s*vbucks", r"crypto\s*giveaway", r"btc\s*giveaway", r"airdrop",
        r"dm\s*me\s*to\s*earn",
        r"verify\s*your\s*account", r"discord\s*staff", r"twitch\s*staff", r"trade\s*offer",
        r"skins?\s*giveaway", r"send\s*\d+.*receive", r"telegram", r"whatsapp", r"sub\s*4\s*sub",
        r"follow\s*4\s*follow", r"promot(e|ion)\s*your", r"@everyone", r"@here", r"grabify",
        r"iplogger",
        r"bit\.ly",
    )
]  # fmt: skip
_ALLOWED = ("youtube.com", "youtu.be", "twitch.tv", "wikipedia.org", "github.com")


def baseline(text: str) -> bool:
    """A Nightbot-style filter: True when the message would be acted on."""
    for m in _BASE_LINK.finditer(text):
        if not any(a in m.group(0).lower() for a in _ALLOWED):
            return True
    if len(text) >= 15:
        letters = sum(1 for c in text if c.isalpha())
        if letters and sum(1 for c in text if c.isupper()) / letters > 0.7:
            return True
        if len(_BASE_SYMBOLS.findall(text)) / len(text) > 0.5:
            return True
    if _BASE_REPEAT.search(text):
        return True
    if sum(1 for w in text.split() if w in EMOTES) > 10:
        return True
    return any(p.search(text) for p in _BASE_BLACKLIST)


# Words that vary a line the way real chat does: a reply to someone, an emote or emoji after
# it, more letters or marks, a number. Short reactions are mostly typed as they are.
_TAILS = ("KEKW", "LUL", "Kappa", "PogChamp", "monkaS", "Sadge", "catJAM", "😂", "🔥", "💀",
          "lol", "lmao", "!!", "??", "...", ":)", "xD", "haha", "fr", "ngl")  # fmt: skip
_WORDS = (
    "boss",
    "map",
    "round",
    "wave",
    "level",
    "run",
    "clip",
    "song",
    "game",
    "fight",
    "jump",
    "build",
    "deck",
    "match",
    "stream",
    "raid",
    "play",
    "shot",
    "dodge",
    "pull",
)


def vary(text: str, rng: random.Random, users: int) -> str:
    """A variant of ``text`` as another chatter would type it (its label does not change)."""
    kind = rng.random()
    if kind < 0.3:
        return f"@user{rng.randrange(users)} {text}"
    if kind < 0.55:
        return f"{text} {rng.choice(_TAILS)}"
    if kind < 0.7:
        return f"{text} {rng.choice(_TAILS)} {rng.choice(_TAILS)}"
    if kind < 0.85:
        return f"{text} {rng.choice(_WORDS)} {rng.randrange(2, 400)}"
    return text + text[-1:] * rng.randrange(1, 5) if text[-1:].isalpha() else f"{text}!"


def spam_variant(text: str, rng: random.Random) -> str:
    """Spam bots rotate a token so exact-match filters miss them."""
    code = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(6))
    return f"{text} {code}" if rng.random() < 0.5 else f"{code} {text}"


def pools(kind: str) -> tuple[list[str], list[str]]:
    """Ordinary lines and spam/scam lines to draw from. "chat": every labelled set's ordinary
    lines (chat conversations in 30+ languages, written to resemble real chat, hard cases
    included) and its spam and scams (but lines labelled spam only for their place in a flood
    or repeat, whose text is innocent). "hard": the development set's alone, whose ordinary lines
    lean on scam topics on purpose (discord, money, crypto, viewers, links)."""
    if kind == "hard":
        examples = load(DATA / "dev.jsonl")
        ordinary = [e.text for e in examples if e.label == "ok" and e.author is None]
        bad = [e.text for e in examples if e.label != "ok" and e.author is None]
        return ordinary, bad
    ordinary, bad = [], []
    for name in SETS:
        examples = load(DATA / f"{name}.jsonl")
        for e, sequence in zip(examples, sequence_labelled(examples), strict=True):
            if e.label == "ok":
                ordinary.append(e.text)
            elif not sequence:
                bad.append(e.text)
    return ordinary, bad


def build_mix(
    n: int, seed: int = 7, repeat: float = 0.5, pool: str = "chat"
) -> tuple[list[Message], list[bool], list[str]]:
    """``repeat``: the share of draws typed exactly as in the pool (everyday reactions,
    copied lines, a bot's same message); the rest are varied, so mostly unique. ``pool``: see
    :func:`pools`. 65% everyday lines, 30% ordinary lines from the pool, 5% spam and scams."""
    rng = random.Random(seed)
    ordinary, bad = pools(pool)
    room = Room(Platform.TWITCH, "bench", "bench", member_count=5000)
    roles = (
        [Role.EVERYONE] * 80
        + [Role.REGULAR] * 8
        + [Role.SUBSCRIBER] * 10
        + [Role.VIP] * 1
        + [Role.MODERATOR]
    )
    users = [
        User(Platform.TWITCH, f"u{i}", f"user{i}", f"User{i}", role=rng.choice(roles))
        for i in range(2000)
    ]
    messages, labels, kinds = [], [], []
    ts = 0.0
    for i in range(n):
        ts += rng.expovariate(40.0)  # a busy chat: ~40 messages per second
        draw = rng.random()
        kind = "spam/scam" if draw < 0.05 else "ordinary" if draw < 0.35 else "everyday"
        text = rng.choice(
            bad if kind == "spam/scam" else ordinary if kind == "ordinary" else EVERYDAY
        )
        if rng.random() >= repeat:
            text = spam_variant(text, rng) if kind == "spam/scam" else vary(text, rng, len(users))
        messages.append(Message(str(i), room, rng.choice(users), text, ts))
        labels.append(kind == "spam/scam")
        kinds.append(kind)
    return messages, labels, kinds


def run_engine(messages: list[Message], text_cache: int = 4096) -> tuple[float, list[bool], float]:
    """CPU seconds, the flags, and the share of texts the engine had analysed before."""
    clock = VirtualClock(0.0)
    engine = WardenEngine(clock, text_cache=text_cache)
    assess = engine.assess
    flags = []
    start = time.process_time()
    for msg in messages:
        clock._now = msg.ts  # VirtualClock.set() without its max(): the timestamps only grow
        flags.append(assess(msg).severity > 0)
    return time.process_time() - start, flags, engine.stats.cache_hit_rate


def run_uncached(messages: list[Message]) -> tuple[float, list[bool], float]:
    return run_engine(messages, text_cache=0)


def run_baseline(messages: list[Message]) -> tuple[float, list[bool], float]:
    flags = []
    start = time.process_time()
    for msg in messages:
        flags.append(msg.author.role < Role.MODERATOR and baseline(msg.text))
    return time.process_time() - start, flags, 0.0


def loop_ns() -> float:
    """How fast this machine runs Python, so the figures below can be compared elsewhere."""
    start = time.process_time()
    for _ in range(2_000_000):
        pass
    return (time.process_time() - start) / 2_000_000 * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--repeat", type=float, default=0.5,
        help="share of lines typed exactly as in the pool (the rest are varied; default 0.5)",
    )  # fmt: skip
    args = parser.parse_args()
    messages, labels, kinds = build_mix(args.messages, repeat=args.repeat)
    hard, hard_labels, _ = build_mix(args.messages, repeat=args.repeat, pool="hard")
    # The pool of prebuilt messages is the harness's, not the engine's: keep the collector from
    # walking it again and again while the engines are timed (a bot holds no such pile).
    gc.collect()
    gc.freeze()
    n = len(messages)
    distinct = len({m.text for m in messages})
    print(f"chat mix: {n} messages ({distinct} distinct texts), {sum(labels)} spam/scam "
          f"({sum(labels) / n:.1%}), {sum(not m.text.isascii() for m in messages) / n:.1%} "
          f"non-ASCII, 2000 chatters, mean length "
          f"{sum(len(m.text) for m in messages) / n:.0f} characters")  # fmt: skip
    print(f"machine: an empty Python loop takes {loop_ns():.0f} ns per iteration (CPU time)")
    runners = (
        ("warden", run_engine, messages, labels),
        ("warden, no text cache", run_uncached, messages, labels),
        ("baseline (regex list)", run_baseline, messages, labels),
        ("warden, hard mix", run_engine, hard, hard_labels),
        ("hard mix, no cache", run_uncached, hard, hard_labels),
    )
    # A running bot has seen chat before: the text model's word memory and the lexicon's are
    # warmed on another draw of the same mix (other lines and variants: the timed mix's rarer
    # words are still new to them).
    run_engine(build_mix(args.messages // 4, seed=8, repeat=args.repeat)[0])
    # Rounds interleave the runners, so a slow spell of a shared machine hits them alike; the
    # best round of each counts.
    best = [float("inf")] * len(runners)
    results: list[tuple[list[bool], float]] = [([], 0.0)] * len(runners)
    for _ in range(args.rounds):
        for i, (_, runner, mix, _) in enumerate(runners):
            elapsed, flags, hit_rate = runner(mix)
            if elapsed < best[i]:
                best[i] = elapsed
            results[i] = (flags, hit_rate)
    lines = []
    for (name, runner, mix, truth), elapsed, (flags, hit_rate) in zip(
        runners, best, results, strict=True
    ):
        caught = sum(f and b for f, b in zip(flags, truth, strict=True))
        wrong = sum(f and not b for f, b in zip(flags, truth, strict=True))
        cache = f", text cache hits {hit_rate:.1%}" if runner is run_engine else ""
        lines.append(
            f"{name:22} {len(mix) / elapsed:>10,.0f} msg/s  {elapsed / len(mix) * 1e6:6.2f} us/msg"
            f"  caught {caught / max(1, sum(truth)):.1%} of spam/scam, "
            f"flagged {wrong / max(1, len(mix) - sum(truth)):.2%} of ordinary{cache}"
        )
    print(
        f"headline: {n / best[0]:,.0f} msg/s on the chat mix with the text cache, "
        f"{n / best[1]:,.0f} msg/s without it (a chat that repeats itself less)"
    )
    print("\n".join(lines))
    print("  (caught/flagged: on lines the rules and the model were built from; a sanity check,")
    print("   not a measurement: python -m cogs.warden.train --held-out SET measures)")
    # Where the time goes: each kind of message on its own (same chatters, same pace).
    parts = []
    for kind in ("everyday", "ordinary", "spam/scam"):
        subset = [m for m, k in zip(messages, kinds, strict=True) if k == kind]
        runs = [run_engine(subset) for _ in range(args.rounds)]
        fastest = min(r[0] for r in runs)
        parts.append(f"{kind} {fastest / len(subset) * 1e6:.1f} us ({runs[0][2]:.0%} repeats)")
    print("warden by kind: " + ", ".join(parts) + " per message")


if __name__ == "__main__":
    main()
