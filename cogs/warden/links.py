"""Links in chat: finding them however they are written, and judging where they point.

:func:`find_links` reads folded text (see :mod:`cogs.warden.normalize`): schemes, ``www.``, bare
domains with a real TLD, and the usual disguises ("discord dot gg", "steam[.]com", "(dot)" with
any real TLD, a space before a dot, fullwidth dots, already folded to ``.``). What is not a link:
a sentence break ("ask chat. Chat, ..."), a file name ("main.py"), a name from tech talk with a
capital after the dot ("ASP.NET", "System.IO"). :class:`LinkJudge` sorts each domain into
allowed, phishing (shipped list, lookalike letters, brand typosquats by folding and edit
distance, brand names on foreign domains with a bait word), shortener or just a link;
:func:`suspicious_tld`, :func:`lure_in` and :func:`promo_target` add what normal mode weighs
(a throwaway TLD, a lure in the name, a creator's channel that self-promotion points to).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

# TLDs that make a bare "word.tld" a link without a scheme or path. Two-letter English words
# (in, is, it, me, to, us, so, no, at, be...) are left out: "ok.so" is a sentence, not a site.
STRONG_TLDS = frozenset(
    """
com net org info biz io gg tv xyz ru su cn uk de fr nl pl br jp kr ca au es eu ly gl cc ws pw tk
ml ga cf gq ua kz vn mx ar cl co mobi icu cx vg ai st gov edu
""".split()
)
# Generic TLDs that are also English words: a bare domain only when typed in lowercase after
# the dot, so "done.Live now" stays a sentence while "free-drop.live" is a link.
WORD_TLDS = frozenset(
    """
live fun top shop store site online club link click gift gifts promo space money win bet rocks
cloud news tech digital website app dev pro vip fund art sbs cfd today world life best help
support team chat zone email codes tools services center network group company agency finance
loan solutions systems media social trade market deals sale events games game ninja guru one
buzz rest bar cam monster quest homes lat autos boats lol gold host page work jobs careers
""".split()
)
# Where a dot disguised with spaces (" . ", " .net") may point.
_OBFUSCATION_TLDS = sorted(STRONG_TLDS | WORD_TLDS, key=len, reverse=True)

# Two-letter country codes that are everyday English words: "the green dot is me" is no link.
_ENGLISH_CC = frozenset("am as at be by do id in is it la me my no so to us ad an or pa ma".split())
# Known short hosts whose TLD is an English word.
SHORT_HOSTS = frozenset({"youtu.be", "t.me", "wa.me", "t.co", "t.ly", "s.id", "fb.me", "x.com"})
SHORTENERS = frozenset(
    """
bit.ly bitly.com tinyurl.com goo.gl cutt.ly is.gd v.gd rb.gy shorturl.at ow.ly buff.ly
rebrand.ly tiny.cc s.id t.ly shorte.st adf.ly tiny.one shrtco.de u.to clck.ru
""".split()
)
DEFAULT_ALLOWLIST = frozenset(
    """
youtube.com youtu.be twitch.tv wikipedia.org wikimedia.org wiktionary.org github.com
githubusercontent.com gitlab.com python.org pypi.org readthedocs.io stackoverflow.com
stackexchange.com reddit.com redd.it imgur.com giphy.com tenor.com twitter.com x.com bsky.app
spotify.com soundcloud.com bandcamp.com steampowered.com steamcommunity.com discord.com
matrix.org element.io archive.org google.com duckduckgo.com mozilla.org speedrun.com
howlongtobeat.com fandom.com pcgamingwiki.com nexusmods.com itch.io epicgames.com gog.com
nintendo.com playstation.com xbox.com minecraft.net bbc.co.uk bbc.com roblox.com
discordapp.com discordstatus.com ea.com ubisoft.com blizzard.com battle.net riotgames.com
leagueoflegends.com playvalorant.com rockstargames.com bungie.net mojang.com discord.gift
""".split()
)

# Words before a disguised dot that make it English ("the dot com era", "moved to .NET").
_STOPWORDS = frozenset(
    "the a an this that whole old big early first polka late new to of in on at for with from by "
    "and or is use using via into".split()
)

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Labels are matched possessively (no backtracking inside a word) and checked afterwards.
_URL_RE = re.compile(
    r"(?<![\w@.\-])"
    r"(?P<scheme>[a-z][a-z0-9+.\-]{1,15}://)?"
    r"(?P<host>(?:[a-z0-9_\-]++\.)+(?P<tld>xn--[a-z0-9\-]{2,59}|[a-z]{2,24})"
    r"|(?<=://)\d{1,3}(?:\.\d{1,3}){3})"
    r"(?P<port>:\d{1,5})?"
    r"(?P<path>[/?#][^\s<>\"\]]*)?"  # no "]": "[shown](target)" is two links
    r"(?![\w\-])"
)
# TLDs that no sentence starts with: "site. com" is a disguise, "we won. Chat" is not.
_NO_SENTENCE_TLDS = ("com", "org", "ru", "xyz", "biz", "su", "tk", "pw")
# Explicit disguises: "[.]", "(dot)", " dot ". The word after must be a real TLD (checked in
# _undisguise). Spaces around a dot count with a space before it (" . ", " .net"); a space
# after a dot alone is a sentence break ("ask chat. Chat, ..."), unless no sentence starts so.
# "dot" in other languages: bracketed, any of them stands for a dot ("site(nokta)com"); between
# spaces only before a TLD no sentence has after that word ("ponto com", not "ponto de vista").
DOT_WORDS = ("punto", "ponto", "punkt", "point", "nokta", "kropka", "titik", "tochka", "точка",
             "крапка", "τελεια", "نقطة", "डॉट", "点", "點", "닷", "ドット")  # fmt: skip
_DOTS_RE = "|".join(DOT_WORDS)
_SPACED_DOTS_RE = "|".join(w for w in DOT_WORDS if w != "point")  # "at this point net worth"
_FOREIGN_DOT_TLDS = "com|net|org|ru|br|ua|pl|tr|xyz|shop|store|online|site|live|gg|tv|io|info|biz|top|club|cc|vip|cn"
_OBFUSCATION_RE = re.compile(
    r"(?<=[a-z0-9])"
    rf"(?:(?P<explicit>\s*[\[({{<]\s*(?:\.|d[o0]t|{_DOTS_RE})\s*[\])}}>]\s*|\s+d[o0]t\s+)"
    r"(?=(?P<tld>[a-z0-9]{2,24})(?![a-z0-9\-]))"
    rf"|\s+(?:{_SPACED_DOTS_RE})\s+(?=(?:{_FOREIGN_DOT_TLDS})(?![a-z0-9\-]))"
    r"|\s+\.\s*|\s*[*\u00b7\u2022]\s*"
    rf"(?=(?:{'|'.join(_OBFUSCATION_TLDS)})(?![a-z0-9\-]))"
    rf"|\.\s+(?=(?:{'|'.join(_NO_SENTENCE_TLDS)})(?![a-z0-9\-])))"
)
_TRAILING = ".,!?;:)]}'\"*"
_SPACED_WWW = re.compile(r"(?<![a-z0-9])w w w ?\. ?")
# Leet in the TLD itself: "d1sc0rd-g1ft.c0m".
_LEET_TLD_RE = re.compile(r"(?<=[a-z0-9])\.(c0m|0rg|n3t)(?![a-z0-9])")
_LEET_TLD = str.maketrans("03", "oe")


# A star or a middle dot standing for the dot: "viewbooster*com".
_ALT_DOT = re.compile(
    rf"[a-z0-9]\s*[*\u00b7\u2022]\s*(?:{'|'.join(_OBFUSCATION_TLDS)})(?![a-z0-9\-])"
)


def _undisguise(m: re.Match[str], raw: str | None = None) -> str:
    """The dot a disguise stands for, or the text as it was: a word that is no TLD after "dot",
    or a capital after ". " (a sentence: "the end. Org chart"), in ``raw`` when it lines up."""
    tld = m.group("tld")
    if tld is not None:  # leet in the TLD too: "dot c0m"
        return "." if tld.translate(_LEET_TLD) in _EXPLICIT_TLDS else m.group(0)
    found = m.group(0)
    if found[:1] == "." and raw is not None and len(raw) == len(m.string):
        if raw[m.end() : m.end() + 1].isupper() and not _shouting(raw):
            return found
    return "."


class Link(NamedTuple):
    """One link as found in folded text."""

    text: str  # as matched (after undoing a disguised dot)
    domain: str  # host in lowercase without a leading "www."
    obfuscated: bool = False  # written to slip past filters ("dot com", "[.]", spaces)
    scheme: bool = False
    path: str = ""
    # The server of a Matrix id ("@alice:example.org"): not a link to post, but its domain is
    # still judged for phishing ("@x:dlscord-gift.com").
    matrix_id: bool = False


_OBFUSCATION_SET = frozenset(_OBFUSCATION_TLDS)


def might_have_link(folded: str) -> bool:
    """A cheap, conservative test: False means :func:`find_links` would find nothing."""
    if "dot" in folded or "d0t" in folded or "://" in folded:
        return True
    if _DOT_WORD.search(folded) and _FOREIGN_DOT.search(folded):
        return True
    if ("*" in folded or "\u00b7" in folded or "\u2022" in folded) and _ALT_DOT.search(folded):
        return True
    i = folded.find(".")
    while i != -1:
        after = folded[i + 1 : i + 2]
        if after.isalnum():
            before = folded[i - 1 : i]
            if not (before.isdigit() and after.isdigit()) and (before.isalnum() or before == " "):
                return True
        elif after == " ":
            # "discord . gg": only when a TLD follows ("chat. Chat" is a sentence break).
            # The TLD's letters only: "site . net/pack" has a path after it.
            segment = folded[i + 2 : i + 12].split(" ", 1)[0]
            word = segment.split("/", 1)[0].rstrip(_TRAILING)
            if word in _NO_SENTENCE_TLDS or (folded[i - 1 : i] == " " and word in _OBFUSCATION_SET):
                return True
            if "/" in segment and word in ALL_TLDS:
                return True  # "sbi-rewardz . in/redeem": any TLD before a path
        elif after in ")]}>":
            return True
        i = folded.find(".", i + 1)
    return False


# A Matrix user id, room alias or room id up to its ":" (the server name follows).
_MATRIX_ID_BEFORE = re.compile(r"(?<![\w@#!+])[@#!+][\w.=\-/]+:$")
_HOST_RE = re.compile(rf"(?:{_LABEL}\.)+(?:xn--[a-z0-9\-]{{2,59}}|[a-z]{{2,24}})")


# The words alone first: a plain alternation of literals, which the regex engine scans for by
# their first letters (the full pattern below tries every position).
_DOT_WORD = re.compile(_DOTS_RE)
_FOREIGN_DOT = re.compile(rf"(?:{_DOTS_RE})\s*[\])}}>]|\s(?:{_SPACED_DOTS_RE})\s")


def _maybe_disguised(folded: str) -> bool:
    """Whether a disguised dot may be present (cheaper than the regex that undoes them)."""
    if "dot" in folded or "d0t" in folded or " ." in folded:
        return True
    if _DOT_WORD.search(folded) and _FOREIGN_DOT.search(folded):
        return True
    if ". " in folded and any(". " + tld in folded for tld in _NO_SENTENCE_TLDS):
        return True
    if "*" in folded or "\u00b7" in folded or "\u2022" in folded:
        return True
    return any(opener + "." in folded or opener + " ." in folded for opener in "[({<")


def find_links(folded: str, raw: str | None = None) -> list[Link]:
    """Links in ``folded`` (lowercase, see :func:`~cogs.warden.normalize.fold`).

    ``raw`` is the original text when it is ASCII: it lets "done.Live" (a capital after the dot)
    read as a missing space rather than a domain.
    """
    text = folded
    if _maybe_disguised(folded) and _OBFUSCATION_RE.search(folded):
        text = _OBFUSCATION_RE.sub(lambda m: _undisguise(m, raw), folded)
    if "w w w" in text:
        text = _SPACED_WWW.sub("www.", text)  # "w w w . site . com"
    if (".c0m" in text or ".0rg" in text or ".n3t" in text) and _LEET_TLD_RE.search(text):
        text = _LEET_TLD_RE.sub(lambda m: "." + m.group(1).translate(_LEET_TLD), text)
    found: list[Link] = []
    for m in _URL_RE.finditer(text):
        host = m.group("host")
        if not _HOST_RE.fullmatch(host) and not host[:1].isdigit():
            # A label starting or ending with "-", longer than 63, or with "_" (a name like
            # "my_file.py", not a host), unless a disguised dot made it ("name_tv d0t tv").
            if "_" not in host or text is folded or host in folded:
                continue
        scheme = m.group("scheme") is not None
        start = m.start()
        matrix_id = bool(
            not scheme
            and text[start - 1 : start] == ":"
            and _MATRIX_ID_BEFORE.search(text, max(0, start - 256), start)
        )  # the server of a Matrix id: "@alice:example.org", "#room:example.org"
        path = (m.group("path") or "").rstrip(_TRAILING)
        tld = m.group("tld") or ""
        if host.startswith("www."):
            domain = host[4:]
        else:
            domain = host
        obfuscated = text is not folded and host not in folded
        if (
            not scheme
            and not host.startswith("www.")
            and not (obfuscated and tld in _EXPLICIT_TLDS)
            and not _bare_ok(domain, tld, path, m, raw)
        ):
            continue
        if obfuscated and not scheme:
            # "the dot com era": a disguised dot after a stopword is English, not a link.
            first = domain.split(".", 1)[0]
            if first in _STOPWORDS or len(first) < 2:
                continue
            if tld in ("net", "io") and not path and _tech_name(domain, tld, m, raw):
                continue  # "ASP .NET", "System .IO": a name from tech talk
        found.append(
            Link(m.group(0).rstrip(_TRAILING), domain, obfuscated, scheme, path, matrix_id)
        )
    return found


def _bare_ok(domain: str, tld: str, path: str, m: re.Match[str], raw: str | None) -> bool:
    if domain in SHORT_HOSTS or domain in SHORTENERS:
        return True
    if tld not in ALL_TLDS and squash(domain) in _SQUASHED_OFFICIAL:
        return True  # no real TLD, but it reads as a brand's own domain: "discord.glft"
    if not path and _tech_name(domain, tld, m, raw) and impersonation(domain) is None:
        return False
    if tld in STRONG_TLDS or tld.startswith("xn--"):
        return True
    if path.startswith("/") and len(path) > 1 and (len(tld) == 2 or tld in WORD_TLDS):
        return True
    if tld in SUSPICIOUS_TLDS and ((path.startswith("/") and len(path) > 1) or "-" in domain):
        return True  # "roblox-exec-free.download/setup.exe": a throwaway TLD, not a word
    if tld in WORD_TLDS:
        if raw is not None and len(raw) == len(m.string):
            return raw[m.start("tld")].islower()
        return True
    if len(tld) == 2 and tld in ALL_TLDS and _site_shaped(domain):
        return True  # "kyc-update-portal.in", "loja.com.br"-like "pay.co.in": no sentence
    return False


# Second-level names under a country code: "co.in", "com.ng", "org.pa".
_SECOND_LEVEL = frozenset("co com net org gov ac edu".split())


def _site_shaped(domain: str) -> bool:
    """Whether a bare name under a country code that is no link by itself ("in", "ng") reads
    as a site, not words: hyphenated ("kyc-update-portal.in") or second-level ("pay.com.ng")."""
    labels = domain.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        return True
    first = labels[-2] if len(labels) >= 2 else ""
    return "-" in first and len(first) >= 6 and not first.startswith("-")


# TLDs that mostly host throwaway and abuse sites (registries' own abuse reports): a link to
# one is a signal that adds to others, never a verdict alone.
SUSPICIOUS_TLDS = frozenset(
    """
xyz top click icu buzz monster rest cfd sbs bond cyou quest lol gq ga cf ml tk pw su work
support zip mov date stream download racing review party men loan win bid trade webcam science
faith accountant cricket kim country gdn bet casino poker biz gift gifts
""".split()
)


def suspicious_tld(domain: str) -> str | None:
    """The TLD of ``domain`` when it is one of :data:`SUSPICIOUS_TLDS`."""
    tld = domain.rsplit(".", 1)[-1]
    return tld if tld in SUSPICIOUS_TLDS else None


# Words that lure in a domain's name ("keyshop-deals", "free-skins"), read between hyphens only:
# "freecodecamp" is one word, not a lure.
LURES = frozenset(
    """
free gift gifts cheap deal deals sale discount promo bonus casino bet bets win winner prize
prizes reward rewards giveaway giveaways claim drop drops cash earn money robux vbucks hack hacks
cheat cheats aimbot generator skin skins loot case cases crate crates keys codes nitro airdrop
verify verification billing restore recovery refund cashback kyc unlock reactivate
hadiah natal promocao premio premios sorteo sorteio reintegro reintegros reembolso tasas pago
verificacion verificar doplata oplata wyplata platnosc odbior iade odeme hediye cekilis destek
gutschein zahlung erneuern kakunin uriage epidtrymka dopomoga vyplata
""".split()
)


@lru_cache(maxsize=4096)
def lure_in(domain: str) -> str | None:
    """A lure word between hyphens in the registered name of ``domain``, if any."""
    name = registrable(domain).split(".", 1)[0]
    if "-" not in name:
        return None
    return next((part for part in name.split("-") if part in LURES), None)


# File extensions that are also country codes: "main.py", "README.md", "run.sh", "script.pl".
FILE_TLDS = frozenset("py sh rs md pl ps so mk ml zip mov sc sv tf mo gs".split())


def _tech_name(domain: str, tld: str, m: re.Match[str], raw: str | None) -> bool:
    """A dotted name from code or tech talk rather than a site: a file name ("main.py"), or a
    name with a capital after the dot in text that is not shouting ("ASP.NET", "System.IO")."""
    if tld in FILE_TLDS and domain.count(".") == 1 and "-" not in domain:
        return True
    if raw is None:
        return False
    if len(raw) == len(m.string):
        written = raw[m.start("tld") : m.end("tld")]
    else:  # a disguised dot was undone: find the name in the original
        host = m.group("host")
        at = raw.lower().find(host)
        if at == -1:
            return False
        written = raw[at + len(host) - len(tld) : at + len(host)]
    return not written.islower() and not _shouting(raw)  # shouted, a capital TLD is a link


def _shouting(raw: str) -> bool:
    """Capitals almost everywhere: then a capital says nothing about a word."""
    return sum(map(str.isupper, raw)) >= 0.6 * sum(map(str.isalpha, raw))


def normalize_domain(value: str) -> str:
    """A domain a moderator typed ("https://Example.com/x", "*.example.com") -> "example.com".

    Raises ValueError with a one-line reason when it is not a domain.
    """
    text = value.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    text = text.removeprefix("*.").removeprefix("www.").strip(".")
    if not re.fullmatch(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,24}}|xn--[a-z0-9\-]{{2,59}})", text):
        raise ValueError(f"not a domain: {value!r} (expected something like example.com)")
    return text


def parents(domain: str) -> Iterable[str]:
    """``a.b.example.com`` -> itself, ``b.example.com``, ``example.com`` (never the bare TLD)."""
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        yield ".".join(labels[i:])


_SECOND_LEVEL = frozenset("co com org net gov ac edu ne or go".split())


def registrable(domain: str) -> str:
    """The part of a domain its owner registered: ``x.y.example.co.uk`` -> ``example.co.uk``."""
    labels = domain.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


class DomainSet:
    """Domains with their subdomains: ``twitch.tv`` covers ``clips.twitch.tv``."""

    __slots__ = ("_domains",)

    def __init__(self, domains: Iterable[str] = ()) -> None:
        self._domains = frozenset(d.lower().strip(".") for d in domains if d)

    def __contains__(self, domain: object) -> bool:
        if not isinstance(domain, str):
            return False
        return any(p in self._domains for p in parents(domain))

    def __len__(self) -> int:
        return len(self._domains)

    def __or__(self, other: DomainSet) -> DomainSet:
        return DomainSet(self._domains | other._domains)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._domains))


class PhishingList(DomainSet):
    """The shipped list of phishing domains (``data/phishing_domains.txt``), plus any extras."""

    __slots__ = ()

    @classmethod
    def load(cls, extra: Iterable[str] = ()) -> PhishingList:
        text = (
            resources.files("cogs.warden").joinpath("data/phishing_domains.txt").read_text("utf-8")
        )
        return cls([*parse_domain_lines(text), *extra])


def parse_domain_lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            out.append(line)
    return out


def _load_tlds() -> frozenset[str]:
    text = resources.files("cogs.warden").joinpath("data/tlds.txt").read_text("utf-8")
    return frozenset(t for t in parse_domain_lines(text) if t.isalpha())


# Every real TLD: an explicitly disguised dot ("meetnow dot date", "flixfree (.) stream") may
# point at any of them.
ALL_TLDS = _load_tlds()
_EXPLICIT_TLDS = (ALL_TLDS - _ENGLISH_CC) | _OBFUSCATION_SET


# --- brands and typosquats ---------------------------------------------------------------------

_DISCORD = ("discord.com", "discord.gg", "discordapp.com", "discordapp.net", "discord.gift",
            "discord.media", "discord.new", "discordstatus.com", "discord.dev",
            "dis.gd")  # fmt: skip
_STEAM = ("steampowered.com", "steamcommunity.com", "steamstatic.com", "steam.tv", "s.team",
          "steamgames.com", "steamusercontent.com", "steamchina.com", "steamdeck.com")  # fmt: skip
BRANDS: dict[str, tuple[str, ...]] = {
    "discord": _DISCORD,
    "nitro": _DISCORD,
    "steam": _STEAM,
    "steamcommunity": _STEAM,
    "steampowered": _STEAM,
    "twitch": (
        "twitch.tv",
        "twitch.com",
        "twitchcdn.net",
        "twitchsvc.net",
        "ttvnw.net",
        "jtvnw.net",
    ),
    "epicgames": ("epicgames.com", "epicgames.dev", "unrealengine.com", "fortnite.com"),
    "epic": ("epicgames.com",),
    "fortnite": ("fortnite.com", "epicgames.com"),
    "roblox": ("roblox.com", "rbxcdn.com", "roblox.cn"),
    "robux": ("roblox.com",),
    "paypal": ("paypal.com", "paypal.me", "paypalobjects.com"),
    "youtube": ("youtube.com", "youtu.be", "ytimg.com"),
    "google": ("google.com", "googleusercontent.com", "goo.gl", "youtube.com"),
    "microsoft": ("microsoft.com", "live.com", "xbox.com", "office.com"),
    "xbox": ("xbox.com", "xboxlive.com"),
    "playstation": ("playstation.com", "playstation.net", "sony.com"),
    "minecraft": ("minecraft.net", "mojang.com", "minecraft.wiki"),
    "instagram": ("instagram.com",),
    "tiktok": ("tiktok.com",),
    "twitter": ("twitter.com", "x.com", "t.co"),
    "facebook": ("facebook.com", "fb.com", "fb.me"),
    "binance": ("binance.com",),
    "coinbase": ("coinbase.com",),
    "metamask": ("metamask.io",),
    "opensea": ("opensea.io",),
    "blizzard": ("blizzard.com", "battle.net"),
    "battlenet": ("battle.net",),
    "riotgames": ("riotgames.com",),
    "valorant": ("playvalorant.com", "riotgames.com"),
    "spotify": ("spotify.com",),
    "telegram": ("telegram.org", "t.me"),
    "whatsapp": ("whatsapp.com", "wa.me"),
    "counterstrike": ("counter-strike.net",),
    "csgo": ("counter-strike.net",),
    "apple": ("apple.com", "icloud.com"),
    "appleid": ("apple.com",),
    "icloud": ("icloud.com", "apple.com"),
    "amazon": ("amazon.com", "amazon.co.uk", "amazon.de"),
    "netflix": ("netflix.com",),
    "ebay": ("ebay.com",),
    "github": ("github.com", "github.io", "githubusercontent.com"),
    "matrix": ("matrix.org", "matrix.to"),
    "element": ("element.io",),
    "lichess": ("lichess.org",),
    "chesscom": ("chess.com",),
    "riot": ("riotgames.com",),
    "leagueoflegends": ("leagueoflegends.com",),
    # Shops, parcels, banks, wallets and state services whose names phishing texts borrow.
    "aliexpress": ("aliexpress.com",),
    "allegro": ("allegro.pl",),
    "mercadolivre": ("mercadolivre.com.br",),
    "mercadolibre": ("mercadolibre.com",),
    "mercadopago": ("mercadopago.com",),
    "shopee": ("shopee.com",),
    "tokopedia": ("tokopedia.com",),
    "lazada": ("lazada.com",),
    "trendyol": ("trendyol.com",),
    "vinted": ("vinted.com",),
    "olx": ("olx.com",),
    "mercari": ("mercari.com", "mercari.jp"),
    "rakuten": ("rakuten.co.jp", "rakuten.com"),
    "temu": ("temu.com",),
    "zalando": ("zalando.com",),
    "dhl": ("dhl.com", "dhl.de"),
    "fedex": ("fedex.com",),
    "usps": ("usps.com",),
    "royalmail": ("royalmail.com",),
    "inpost": ("inpost.pl",),
    "correos": ("correos.es",),
    "paytm": ("paytm.com",),
    "phonepe": ("phonepe.com",),
    "sbi": ("sbi.co.in", "onlinesbi.sbi"),
    "hdfc": ("hdfcbank.com",),
    "icici": ("icicibank.com",),
    "bbva": ("bbva.com", "bbva.es"),
    "santander": ("santander.com",),
    "sparkasse": ("sparkasse.de",),
    "revolut": ("revolut.com",),
    "hsbc": ("hsbc.com",),
    "chase": ("chase.com",),
    "gtbank": ("gtbank.com",),
    "privat24": ("privat24.ua", "privatbank.ua"),
    "privatbank": ("privatbank.ua",),
    "monobank": ("monobank.ua",),
    "papara": ("papara.com",),
    "diia": ("diia.gov.ua",),
    "edevlet": ("turkiye.gov.tr",),
    "kakao": ("kakao.com", "kakaocorp.com"),
    "ledger": ("ledger.com",),
    "trezor": ("trezor.io",),
    "walletconnect": ("walletconnect.com",),
    "trustwallet": ("trustwallet.com",),
    "kraken": ("kraken.com",),
    "bybit": ("bybit.com",),
    "myfitnesspal": ("myfitnesspal.com",),
    "moonton": ("moonton.com",),
    "mlbb": ("mobilelegends.com",),
    "garena": ("garena.com",),
}
# Brands that are everyday words ("matrix-fans.net", "element-studio.com"): only with a lure.
_WORD_BRANDS = frozenset(
    {"matrix", "element", "apple", "riot", "amazon", "allegro", "correos", "santander", "chase",
     "ledger", "kraken", "temu", "sparkasse"}
)  # fmt: skip
# Brands that own their name under most country TLDs (google.de is Google's).
_ANY_CC_TLD = frozenset(
    {"google", "paypal", "amazon", "microsoft", "playstation", "xbox", "youtube", "aliexpress",
     "mercadolivre", "mercadolibre", "mercadopago", "shopee", "lazada", "vinted", "olx", "dhl",
     "fedex", "santander", "bbva", "hsbc", "zalando", "rakuten", "temu", "revolut", "sparkasse"}
)  # fmt: skip
OFFICIAL = frozenset(d for domains in BRANDS.values() for d in domains)
# Third-party sites with a brand in their name that are not phishing.
KNOWN_GOOD = frozenset(
    """
steamgifts.com steamdb.info steamcharts.com steamladder.com steamrep.com twitchtracker.com
twitchmetrics.net streamelements.com streamlabs.com discordbotlist.com discords.com top.gg
disboard.org robloxden.com rolimons.com csgostash.com paypalobjects.com
""".split()
)
BAIT = frozenset(
    """
gift gifts nitro free claim promo drop drops giveaway giveaways airdrop bonus reward rewards prize
prizes login signin verify verification secure security support help appeal account accounts
auth oauth trade trading tradeoffer skins skin case cases market event events offer cash wallet
connect unlock recovery confirm community app generator gen robux vbucks boost premium official
update restore billing payment pay refund cashback kyc pin tan pushtan renew tracking parcel
customs delivery fee
hadiah natal promocao premio sorteo sorteio reintegro reintegros reembolso envios tasas pago
verificacion cliente doplata oplata wyplata platnosc odbior iade iadeislem odeme hediye cekilis
destek kargo gutschein zahlung zollgebuehr erneuern einloesen sendung kakunin uriage
epidtrymka dopomoga vyplata bezpieczna
""".split()
)
# Real words one edit away from a brand: never typosquats by themselves.
_NEAR_WORDS = frozenset(
    """
stream steak steal stem seam team steamy discard disco intro nitrous twitchy twitcher switch
paypay epics epico robiox xboxs google tiktoks vented shoppe papaya tresor revolt impost
kakapo chasse
""".split()
)

_SQUASH = str.maketrans("013457", "oieast")


def squash(label: str) -> str:
    """Fold a domain label the way a reader's eye does: leet digits, rn -> m, vv -> w, l -> i."""
    text = label.lower().translate(_SQUASH)
    if "rn" in text:
        text = text.replace("rn", "m")
    if "vv" in text:
        text = text.replace("vv", "w")
    return text.replace("l", "i")


_BRAND_SKELETONS: dict[str, str] = {squash(b): b for b in BRANDS}
_SQUASHED_OFFICIAL: dict[str, str] = {squash(d): d for d in OFFICIAL}
_BAIT_SKELETONS = frozenset(squash(b) for b in BAIT)
# In a fixed order (longest first) for the glued-lure search: a set's order changes with the
# hash seed, and so would which brand a reason names.
_BAIT_BY_LENGTH = tuple(sorted(_BAIT_SKELETONS, key=lambda b: (-len(b), b)))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap counts one), stopping past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _near_brand(s: str) -> str | None:
    """The brand a squashed label imitates, by edit distance, or None. "cl" also reads as "d"
    ("discorcl")."""
    found = _near(s)
    if found is None and ("cl" in s or "ci" in s):  # squashed, "cl" reads "ci"
        found = _near(s.replace("cl", "d").replace("ci", "d"))
    return found


def _near(s: str) -> str | None:
    for skel, brand, n, limit in _NEAR_BY_FIRST.get(s[:1], ()):
        if abs(len(s) - n) <= limit and edit_distance(s, skel, limit) <= limit:
            return brand
    return None


# The brands typos are looked for, by first letter (a typo keeps it: "dlscord", "stearn"), with
# their length and the edits allowed. Not brands that are everyday words ("apply", "elements",
# "metrix" are words, not typos), nor names under five letters.
_NEAR_BY_FIRST: dict[str, list[tuple[str, str, int, int]]] = {}
for _skel, _brand in _BRAND_SKELETONS.items():
    if _brand not in _WORD_BRANDS and len(_skel) >= 5:
        _NEAR_BY_FIRST.setdefault(_skel[:1], []).append(
            (_skel, _brand, len(_skel), 2 if len(_skel) >= 9 else 1)
        )


class Impersonation(NamedTuple):
    brand: str
    kind: str  # "typo": a misspelt brand; "brand": the real name on someone else's domain
    bait: bool  # a lure word (gift, nitro, login...) is in the domain too


@lru_cache(maxsize=4096)
def impersonation(domain: str) -> Impersonation | None:
    """Whether ``domain`` pretends to be a well-known brand's site."""
    reg = registrable(domain)
    if reg in OFFICIAL or reg in KNOWN_GOOD:
        return None
    twin = _SQUASHED_OFFICIAL.get(squash(reg))
    if twin is not None:
        return Impersonation(twin.split(".", 1)[0], "typo", False)  # "dlscord.gift", "discord.glft"
    labels = domain.split(".")
    if reg.split(".", 1)[0] in _ANY_CC_TLD and len(labels[-1]) == 2:
        return None
    bait = False
    found: Impersonation | None = None
    for label in labels[:-1]:
        parts = label.split("-")
        candidates = [*parts, "".join(parts)] if len(parts) > 1 else parts
        for part in candidates:
            if not part:
                continue
            s = squash(part)
            if s in _BAIT_SKELETONS:
                bait = True
                continue
            hit = _brand_in(part, s)
            if hit is not None:
                brand, kind, has_bait = hit
                bait = bait or has_bait
                if found is None or (found.kind == "brand" and kind == "typo"):
                    found = Impersonation(brand, kind, bait)
    if found is None:
        return None
    if found.kind == "brand" and not bait and (len(found.brand) < 5 or found.brand in _WORD_BRANDS):
        return None  # "epic.org", "xbox-fans.net": a short common word, no lure
    return Impersonation(found.brand, found.kind, bait)


def _brand_in(part: str, s: str) -> tuple[str, str, bool] | None:
    brand = _BRAND_SKELETONS.get(s)
    if brand is not None:
        return brand, ("brand" if part == brand else "typo"), False
    if part in _NEAR_WORDS:
        return None
    near = _near_brand(s)
    if near is not None:
        return near, "typo", False
    # A brand glued to a lure: "discordgift", "freenitro", "steamtrade".
    for bait in _BAIT_BY_LENGTH:
        if len(s) > len(bait) + 3:
            rest = None
            if s.endswith(bait):
                rest = s[: -len(bait)]
            elif s.startswith(bait):
                rest = s[len(bait) :]
            if rest:
                brand = _BRAND_SKELETONS.get(rest) or _near_brand(rest)
                if brand is not None:
                    kind = "brand" if squash(brand) == rest and brand in part else "typo"
                    return brand, kind, True
    return None


# File types that run when opened (Windows programs and scripts, Android packages, Java).
_PROGRAM = re.compile(
    r"\.(?:exe|scr|bat|cmd|msi|apk|jar|vbs|vbe|ps1|lnk|pif|hta|cpl|wsf)(?:[?#]|$)", re.IGNORECASE
)


# A masked link, "[shown text](target)" in Discord and Matrix markdown.
_MASKED = re.compile(r"\[([^\]\n]{4,200})\]\(\s*<?(?:[a-z][a-z0-9+.\-]*://)?([^\s/)>?#]+)")


def masked_mismatch(raw: str) -> tuple[str, str] | None:
    """A masked link whose text shows one site and whose target is another: ("discord.gift",
    "dlscord-app.gift") for "[discord.gift/x](https://dlscord-app.gift/x)"."""
    if "](" not in raw:
        return None
    for m in _MASKED.finditer(raw.lower()):
        shown = find_links(m.group(1))
        if not shown:
            continue
        target = normalize_domain(m.group(2))
        if target and all(registrable(link.domain) != registrable(target) for link in shown):
            return shown[0].domain, target
    return None


class LinkFinding(NamedTuple):
    link: Link
    kind: str  # "allowed" | "phishing" | "brand" | "shortener" | "link"
    score: float  # what the phishing check adds (0 for an ordinary link)
    reason: str


class LinkJudge:
    """Judges links against an allowlist, the phishing list and brand impersonation."""

    __slots__ = ("_seen", "allow", "phishing")

    def __init__(self, allow: DomainSet, phishing: DomainSet) -> None:
        self.allow = allow
        self.phishing = phishing
        self._seen: dict[str, tuple[str, float, str]] = {}  # domain -> (kind, score, reason)

    def judge(self, link: Link, *, lookalike: bool = False) -> LinkFinding:
        """``lookalike``: the domain only reads like this after folding foreign letters."""
        domain = link.domain
        if lookalike:
            return LinkFinding(link, "phishing", 3.0, f"lookalike letters in {domain}")
        if link.path and _PROGRAM.search(link.path) and domain not in self.allow:
            # "sign our contract: offers.example/contract.scr": a program to run, from a stranger
            return LinkFinding(link, "phishing", 2.0, f"a program to download from {domain}")
        seen = self._seen.get(domain)
        if seen is None:
            finding = self._judge(link)
            if len(self._seen) >= 4096:  # bounded: forget all, the lists are quick to ask again
                self._seen.clear()
            self._seen[domain] = finding[1:]
            return finding
        return LinkFinding(link, *seen)

    def _judge(self, link: Link) -> LinkFinding:
        domain = link.domain
        if domain in self.allow and not link.obfuscated:  # "d i s c o r d . g i f t": hiding
            return LinkFinding(link, "allowed", 0.0, "")
        if domain in self.phishing:
            return LinkFinding(link, "phishing", 3.0, f"known phishing domain {domain}")
        imp = impersonation(domain)
        if imp is not None:
            if imp.kind == "typo":
                return LinkFinding(link, "phishing", 3.0, f"{domain} imitates {imp.brand}")
            if imp.bait:
                return LinkFinding(link, "phishing", 3.0, f"{domain} poses as {imp.brand}")
            return LinkFinding(link, "brand", 1.0, f"{domain} uses the name {imp.brand}")
        if domain in SHORTENERS:
            return LinkFinding(link, "shortener", 0.0, f"link shortener {domain}")
        return LinkFinding(link, "link", 0.0, f"link to {domain}")


# --- creators' pages -----------------------------------------------------------------------------

# Sites where a path names a creator's channel or profile: "twitch.tv/NAME". The value is how
# the name is written in the path: "" the first segment, "@" a first segment starting with "@".
_CHANNEL_SITES: dict[str, str] = {
    "twitch.tv": "", "kick.com": "", "trovo.live": "", "instagram.com": "",
    "soundcloud.com": "", "twitter.com": "", "x.com": "", "facebook.com": "",
    "patreon.com": "", "onlyfans.com": "", "linktr.ee": "", "ko-fi.com": "",
    "threads.net": "@", "tiktok.com": "@", "youtube.com": "@", "t.me": "",
    "discord.gg": "", "bsky.app": "", "space.bilibili.com": "", "audiomack.com": "",
    "bandcamp.com": "", "vk.com": "", "chzzk.naver.com": "", "afreecatv.com": "",
}  # fmt: skip
# First path segments that are a site's own pages, not somebody's channel.
_SITE_PAGES = frozenset(
    """
videos directory clip clips settings p downloads jobs search subscriptions inventory drops
wallet prime turbo friends messages login signup store team watch shorts playlist results feed
explore reels stories share intent home hashtag i about help legal privacy terms policies
""".split()
)


@lru_cache(maxsize=4096)
def promo_target(link: Link) -> str | None:
    """The creator a link advertises: a channel or profile ("twitch.tv/NAME" gives "name"), ""
    for a video on a video site or a server invite, None for anything else (a clip, a wiki page,
    a site's own page). Self-promotion is a request to follow, sub or watch plus one of these."""
    domain = link.domain
    if domain.startswith(("m.", "mobile.")):
        domain = domain.split(".", 1)[1]
    if domain in ("youtu.be", "discord.gg") or (
        domain == "youtube.com" and link.path.startswith(("/watch", "/shorts/", "/live/"))
    ):
        return ""
    if domain == "open.spotify.com" and link.path.startswith("/artist/"):
        return ""
    style = _CHANNEL_SITES.get(domain)
    if style is None:
        return None
    parts = [p for p in link.path.split("?", 1)[0].split("/") if p]
    if not parts:
        return None
    first = parts[0].lower()
    if domain == "youtube.com" and first in ("c", "channel", "user") and len(parts) > 1:
        return parts[1].lower()
    if style == "@" and not first.startswith("@"):
        return None
    name = first.removeprefix("@")
    if not name or name in _SITE_PAGES or (len(parts) > 2 and domain != "soundcloud.com"):
        return None
    return name
