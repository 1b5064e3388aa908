"""One small class per check. Each looks at one aspect of a message and returns a Hit or None.

Checks share a :class:`View` of the message (folded text, match text, tokens, links found once)
and a :class:`Ctx` (the message, the room's compiled rules, the author's state, the time). Every
check starts with a cheap test that lets ordinary chat out in a few hundred nanoseconds; the
engine sums the scores. Score scale: 1.0 is "remove this" in normal mode, 0.6 is "flag it".
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import regex

from cogs.warden.contacts import contact_offer
from cogs.warden.lexicon import AUDIENCE, FOLLOWME, LEXICON, LONELY, MINE, RECOVER, WARN
from cogs.warden.links import (
    DOT_WORDS,
    Link,
    LinkFinding,
    LinkJudge,
    find_links,
    lure_in,
    masked_mismatch,
    might_have_link,
    promo_target,
    suspicious_tld,
)
from cogs.warden.model import MIN_CHARS, TextModel, worth_scoring
from cogs.warden.normalize import (
    ASCII_SKELETON,
    FOLD_BASIC,
    SHAPE,
    SPACED_LETTERS,
    Folded,
    ascii_tokens,
    disguised_words,
    fold,
    has_singles,
    match_tokens,
    skeleton,
    spaced_out,
)
from cogs.warden.scams import (
    ANCHORS,
    Rule,
    ScamMatch,
    asks_contact,
    candidates,
    disclaims,
    match_scam,
)
from cogs.warden.shapes import match_shapes, viable

if TYPE_CHECKING:
    from bot.message import Message
    from cogs.warden.engine import RoomRules


class Hit(NamedTuple):
    check: str
    score: float
    reason: str


_SPACED_RE = re.compile(r"(?<![^\W_])(?:[^\W_] ?[.] ?|[^\W_] ){3,}[^\W_]")
_SQUEEZE_RE = re.compile(r"(?<=\S) (?=\S)")
# A run of three or more single characters between single spaces ("s t e a m . c o m").
_SINGLES_RUN = re.compile(r"(?<!\S)(?:\S ){2,}\S(?!\S)")
_PLAIN = Folded("")  # what folding found in ASCII text: nothing
# Shared and never changed: most texts have no link, and kept Views are many.
_NO_LINKS: list[Link] = []
_NO_FINDINGS: list[LinkFinding] = []
_DOT_WORDS = frozenset(skeleton(w) for w in DOT_WORDS)
_LEXICON_ANCHORS = LEXICON.anchors
_SPECIAL = _DOT_WORDS | _LEXICON_ANCHORS | ANCHORS
# Pictographic emoji, their joiners, variation selectors and keycaps: nothing to fold.
_EMOJI_CLASS = (
    "\U0001f000-\U0001faff\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\u200d\ufe0f\u20e3"
)
_NOT_PLAIN_EMOJI = re.compile(f"[^\\x00-\\x7f{_EMOJI_CLASS}]")
_PLAIN_EMOJI = re.compile(f"[{_EMOJI_CLASS}]+")
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")

# Gates: which kinds of check a message can possibly trigger. The engine runs a check only
# when its gate bit is set, so ordinary chat skips most checks without calling them.
STATE = 1  # per-user memory (flood, repetition); off for edits
LINK = 2  # something that may be a link
SCAM = 4  # every anchor group of some scam rule has a word here
BLOCK = 8  # the room has patterns, or a blocked term's word is present
AT = 16  # a mention
CAPS = 32  # enough capital letters
SYMBOLS = 64  # enough symbols
RUN = 128  # a word long enough to hold a run of repeated characters
LONG = 256  # longer than the room allows
EMOTE = 512  # enough words or emoji for a wall
UNICODE = 1024  # non-ASCII: zalgo, lookalikes
SPACED = 2048  # mostly letters spelt out one by one ("f o l l o w   m e")
MODEL = 4096  # long enough, or a link, a scam word or an "@name": worth the text model's time
ALWAYS = 8191
# A message is spelt out when this many letters, and this share of all, are spaced singles.
SPACED_MIN = 7
SPACED_SHARE = 0.6

# Byte classes of ASCII text, counted with bytes.count: 1 capital, 2 small, 3 digit, 4 space,
# 5 symbol.
CLASSES = bytes(
    1
    if 65 <= b <= 90
    else 2
    if 97 <= b <= 122
    else 3
    if 48 <= b <= 57
    else 4
    if b in b" \t\r\n\x0b\x0c"
    else 5
    for b in range(256)
)


class View:
    """A message's text analysed once, shared by every check."""

    __slots__ = (
        "_classes",
        "_counts",
        "_findings",
        "_judge",
        "_links",
        "_lookalike_domains",
        "_model",
        "_model_p",
        "_scam",
        "_scam_link",
        "ascii",
        "concepts",
        "fold",
        "folded",
        "gates",
        "mtext",
        "plan_checks",
        "plan_hits",
        "plan_permit",
        "raw",
        "room_gates",
        "room_token",
        "scam_rules",
        "spaced",
        "tokens",
    )  # fmt: skip

    def __init__(self, text: str) -> None:
        self.raw = text
        self.spaced = 0  # letters spelt out one by one (set with the SPACED gate)
        ascii = self.ascii = text.isascii()
        if ascii:
            self.fold = _PLAIN
            folded = self.folded = text.lower()
            gates = 0
            # match_tokens() inlined for the common case: no leetspeak, no spaced letters.
            data = text.encode().translate(ASCII_SKELETON, b"'")
            shape = data.translate(SHAPE)
            if (
                data[:1] == b"@"
                and b"1" not in shape[shape.find(b" ") + 1 :]
                and not has_singles(shape)
            ):
                # A reply ("@ann123 what game is this?"): only its "@name" has a character
                # leetspeak uses, and a leading "@name" never changes (see ascii_tokens).
                tokens = data.decode().split()
            elif b"1" in shape or b"x x x" in shape:
                tokens = ascii_tokens(data, shape)
                if shape.count(b" ") >= SPACED_MIN - 1 and has_singles(shape):
                    gates |= self._spaced(folded)
            else:
                tokens = data.decode().split()
        elif _NOT_PLAIN_EMOJI.search(text) is None:
            # ASCII plus emoji ("gg wp 👏"): nothing to fold; emoji are spaces to the words.
            self.fold = _PLAIN
            folded = self.folded = _PLAIN_EMOJI.sub(" ", text).lower()
            gates = UNICODE | EMOTE
            tokens = match_tokens(folded)
        else:
            self.fold = fold(text)
            folded = self.folded = self.fold.text
            gates = UNICODE | EMOTE
            tokens = match_tokens(folded)
        if (
            gates & UNICODE
            and folded.count(" ") >= SPACED_MIN - 1
            and SPACED_LETTERS.search(folded)
        ):
            gates |= self._spaced(folded)
        # A tuple: the collector stops tracking a tuple of strings, and kept Views are many.
        self.tokens = tokens = tuple(tokens)
        self.mtext = " ".join(tokens)
        # One look for the words that scam rules, the lexicon and foreign "dots" start from:
        # most chat has none of them and skips all three.
        special = not _SPECIAL.isdisjoint(tokens)
        if (
            "." in folded
            or "dot" in folded
            or "d0t" in folded
            or "*" in folded  # what stands for a dot in a disguised link
            or "\u00b7" in folded
            or "\u2022" in folded
            # "dot" in other languages: "(punto)" (one look for these words and the lexicon's)
            or (special and not _DOT_WORDS.isdisjoint(tokens))
        ) and (might_have_link(folded) or (" . " in folded and _SPACED_RE.search(folded))):
            gates |= LINK
        self.scam_rules: tuple[Rule, ...] = ()
        if special and not ANCHORS.isdisjoint(tokens):
            # The scam rules whose every anchor group has a word here: none, and the scam
            # check has nothing to do.
            rules = candidates(tokens)
            if rules:
                self.scam_rules = tuple(rules)
                gates |= SCAM
        # The multilingual concepts (lexicon.py) the shapes combine, when they may make one.
        concepts = 0
        # Folded to ASCII ("gg 👏", accents): only the word list can match, as in ASCII text.
        plain = ascii or folded.isascii()
        if not plain or (special and not _LEXICON_ANCHORS.isdisjoint(tokens)):
            concepts = LEXICON.concepts(tokens, folded, plain)
            if concepts:
                link_or_at = bool(gates & LINK) or "@" in folded
                if not link_or_at and concepts & (FOLLOWME | MINE | RECOVER):
                    link_or_at = has_handle(folded)  # "channel: name_tv", 'search "Name"'
                if viable(concepts, folded, link_or_at=link_or_at):
                    gates |= SCAM
                else:
                    concepts &= WARN  # no shape; a warning still disarms the rules
        self.concepts = concepts
        if (
            len(text) >= MIN_CHARS
            or gates & (LINK | SCAM)
            or ("@" in text and worth_scoring(text, len(text), gates, LINK | SCAM))
            or (not ascii and worth_scoring(text, len(text), gates, LINK | SCAM))
        ):
            gates |= MODEL
        self.gates = gates
        self._model: TextModel | None = None  # the model that gave _model_p
        self._model_p = 0.0
        # What one room's settings add to the gates, and for which settings (RoomRules.gates).
        self.room_token: object = None
        self.room_gates = 0
        self._judge: LinkJudge | None = None  # the judge that made _findings
        # The hits of the last plan of pure checks run on this text (see WardenEngine.assess).
        self.plan_checks: tuple[Check, ...] | None = None
        self.plan_hits: tuple[Hit, ...] = ()
        self.plan_permit = False  # those hits hold for authors without a link permit only
        self._scam_link: tuple[bool, bool, bool] | None = None  # the flags that made _scam
        # Made when first asked for (None until then; an unset slot would cost an exception).
        self._classes: bytes | None = None
        self._counts: tuple[int, int, int] | None = None
        self._links: list[Link] | None = None
        # A View depends on the text alone, so the engine keeps it for exact repeats ("gg").

    def model_probability(self, model: TextModel) -> float:
        """The text model's probability for this text (kept: it depends on the text alone)."""
        if self._model is not model:
            self._model_p = model.probability(self)
            self._model = model
        return self._model_p

    def _spaced(self, folded: str) -> int:
        """The SPACED gate when most of the text is spelt out letter by letter (sets spaced)."""
        spaced, total = spaced_out(folded)
        if spaced >= SPACED_MIN and spaced >= SPACED_SHARE * total:
            self.spaced = spaced
            return SPACED
        return 0

    def classes(self) -> bytes:
        """ASCII only: each byte replaced by its class (see CLASSES)."""
        classes = self._classes
        if classes is None:
            classes = self._classes = self.raw.encode().translate(CLASSES)
        return classes

    def counts(self) -> tuple[int, int, int]:
        """Capitals, small letters and digits in the raw text (as str.isupper, str.islower and
        str.isdigit count them, character by character), shared by the caps check and the
        model. The ASCII part is counted in C through CLASSES; only the rest char by char."""
        counts = self._counts
        if counts is None:
            if self.ascii:
                classes = self.classes()
                counts = (classes.count(1), classes.count(2), classes.count(3))
            else:
                raw = self.raw
                classes = raw.encode("ascii", "ignore").translate(CLASSES)
                rest = _ASCII_RUNS.sub("", raw)
                counts = (
                    classes.count(1) + sum(map(str.isupper, rest)),
                    classes.count(2) + sum(map(str.islower, rest)),
                    classes.count(3) + sum(map(str.isdigit, rest)),
                )
            self._counts = counts
        return counts

    def links(self) -> list[Link]:
        if self._links is not None:
            return self._links
        self._links = _NO_LINKS
        self._lookalike_domains: frozenset[str] = frozenset()
        if self.gates & LINK:
            folded = self.folded
            self._links = find_links(folded, self.raw if self.ascii else None)
            if self._links and self.fold.lookalikes:
                # Domains that only exist after folding foreign letters are disguised.
                basic = self.raw.translate(FOLD_BASIC).lower()
                plain = {link.domain for link in find_links(basic)}
                self._lookalike_domains = frozenset(
                    link.domain for link in self._links if link.domain not in plain
                )
            if " . " in folded and _SPACED_RE.search(folded):
                # "w w w . s i t e . c o m": read it with the single spaces squeezed out.
                # First the spelt-out runs alone ("s t e a m . c o m free skins"), then every
                # single space ("w w w . s i t e . c o m").
                seen = {link.domain for link in self._links}
                joined = _SINGLES_RUN.sub(lambda m: m.group().replace(" ", ""), folded)
                for text in (joined, _SQUEEZE_RE.sub("", folded)):
                    for link in find_links(text):
                        if link.domain not in seen:
                            seen.add(link.domain)
                            self._links.append(link._replace(obfuscated=True))
        return self._links

    def findings(self, judge: LinkJudge) -> list[LinkFinding]:
        """The links judged by ``judge`` (a room's allowlist): kept for the last judge asked."""
        if self._judge is judge:
            return self._findings
        links = self.links()  # sets _lookalike_domains
        looks = self._lookalike_domains
        self._findings: list[LinkFinding] = (
            [judge.judge(link, lookalike=link.domain in looks) for link in links]
            if links
            else _NO_FINDINGS
        )
        self._judge = judge
        return self._findings

    def scam(
        self,
        link: bool,
        channel: bool = False,
        promote: bool = False,
        anylink: bool = False,
        risky: bool | None = None,
        profile: bool | None = None,
    ) -> ScamMatch | None:
        """:func:`match_scam` and the concept shapes on this text, the stronger of the two, kept
        (it depends on the text and the flags only). ``risky``: a link that is more than an
        ordinary one (phishing, disguised, shortened, a throwaway TLD); None: any ``link``."""
        risky = link if risky is None else risky
        key = (link, channel, promote, anylink, risky, profile)
        if self._scam_link == key:
            return self._scam
        handle = None
        found: ScamMatch | None = None
        if self.scam_rules:
            if any(r.category == "promo" for r in self.scam_rules):
                handle = has_handle(self.folded)
            found = match_scam(
                self.mtext,
                self.tokens,
                link=link,
                channel=channel,
                promote=promote,
                rules=self.scam_rules,
                handle=bool(handle),
                risky=risky,
                warned=bool(self.concepts & WARN),
                profile=profile,
            )
        concepts = self.concepts
        if concepts & ~WARN:
            mtext = self.mtext
            words = frozenset(self.tokens)
            if handle is None:
                handle = bool(
                    concepts & (FOLLOWME | MINE | AUDIENCE | LONELY | RECOVER)
                ) and has_handle(self.folded)
            shape = match_shapes(
                concepts,
                self.folded,
                self.raw,
                link=link,
                channel=channel,
                profile=bool(profile),
                anylink=anylink,
                handle=handle,
                promote=promote,
                asks=lambda: asks_contact(mtext, words),
                disclaims=lambda: disclaims(mtext, words, link=link, risky=risky),
            )
            if shape is not None and (found is None or shape.score > found.score):
                found = ScamMatch(shape.category, shape.score, shape.reason)
        self._scam: ScamMatch | None = found
        self._scam_link = key
        return found


class UserState:
    """What the flood and repetition checks remember about one user in one room.

    One flat list, oldest first, two slots per message: its time and its match text (None when
    too short to compare). Both checks read it; the engine notes each message once
    (:func:`note`). Small and flat on purpose: thousands of chatters' states must stay
    cache-friendly, and a message costs no allocation here.
    """

    __slots__ = ("id", "log", "name")

    def __init__(self, user_id: str, name: str) -> None:
        self.id = user_id
        self.name = name
        self.log: list[float | str | None] = []  # [t0, line0, t1, line1, ...]

    @property
    def last(self) -> float:
        """When this user was last heard (0 when never)."""
        return self.log[-2] if self.log else 0.0  # type: ignore[return-value]

    def reset(self) -> None:
        self.log.clear()


def note(rules: RoomRules, user: UserState, view: View, now: float) -> None:
    """Log one message for the flood and repetition checks (the engine does this inline)."""
    log = user.log
    log.append(now)
    log.append(view.mtext or view.raw)
    if log[0] < now - rules.memory_s or len(log) > rules.memory_slots:  # type: ignore[operator]
        note_trim(rules, log, now)


def note_trim(rules: RoomRules, log: list[float | str | None], now: float) -> None:
    """Forget what the flood and repetition checks can never use again."""
    horizon = now - rules.memory_s
    i = 0
    end = len(log)
    while i < end and log[i] < horizon:  # type: ignore[operator]
        i += 2
    if len(log) - i > rules.memory_slots:
        i = len(log) - rules.memory_slots
    del log[:i]


class Ctx:
    """Everything a check may read about one message."""

    __slots__ = ("_permitted", "first", "hits", "msg", "now", "personal", "rules", "user", "view")

    def __init__(self, msg: Message, view: View, rules: RoomRules, user: UserState, now: float):
        # The hits so far (the engine's list); the pure checks' start at ``first`` (before them:
        # flood and repetition, which depend on the user's memory, not on the text).
        self.hits: list[Hit] = []
        self.first = 0
        self.msg = msg
        self.view = view
        self.rules = rules
        self.user = user
        self.now = now
        self._permitted: bool | None = None
        # A check read who the author is (beyond a permit): its hits hold for this author only.
        self.personal = False

    @property
    def permitted(self) -> bool:
        """Whether the author holds a link permit (``!permit``)."""
        if self._permitted is None:
            author = self.msg.author
            self._permitted = self.rules.ladder.is_permitted(author.id, author.name)
        return self._permitted


class Check:
    name: ClassVar[str]
    gate: ClassVar[int] = ALWAYS  # the View gates under which this check can fire
    stateful: ClassVar[bool] = False  # keeps per-user memory (skipped for edits)
    # Reads only the View and the room's rules (plus ``msg.mentions``, ``permitted`` and, when it
    # sets ``Ctx.personal``, the author: the engine watches all three): its result may be kept
    # for the next exact repeat of the text.
    pure: ClassVar[bool] = False
    description: ClassVar[str] = ""

    def run(self, c: Ctx) -> Hit | None:
        raise NotImplementedError


# An account named in a message: "@name" after some words (a leading "@bob" is a reply), or a
# platform followed by a name with a digit or "_" ("my insta is ana_draws").
_AT_HANDLE = re.compile(r"\S\s+@[a-z0-9_][\w.]{2,}")
_PLATFORM_HANDLE = re.compile(
    r"\b(?:twitch|insta|instagram|ig|tiktok|youtube|yt|kick|twitter|snap|snapchat|afreeca|"
    r"chzzk|bilibili|facebook|fb)\b"
    r"\s*(?:[:\-]|is|at|on)?\s*@?[a-z0-9_.]*[_\d][a-z0-9_.]*"
    # "channel: name_tv", "ID: sup_yeonwoo": a colon and a name, not "channel 2" or "id 404"
    r"|\b(?:channel|kanal|canal|chaine|id)\s*:\s*@?[a-z][a-z0-9_.]*[_\d][a-z0-9_.]*"
    r"|(?:群号|群號|qq群)\s*[:：]?\s*\d{5,}"  # a QQ group to join
)
# A Discord tag ("FiokMento#4420") or a phone number ("+380 93 xxx"): looked for only when the
# text has a "#" or a "+" (a pattern of its own keeps the one above quick to scan).
_TAG_OR_PHONE = re.compile(
    r"\b[a-z][a-z0-9_.]{2,}#\d{4}\b|(?<![\w+])\+\d{1,3}[ -]?\d{2,4}[ -]?[\dx]{2,}"
)
# A name to look up: quoted next to a search word or a site ('search "StarGirl" on chzzk',
# '치지직에서 "별빛소녀" 검색', 'B站搜“阿星”', 'on FB gaming, "Lodi Kyle Plays"').
_SEARCH = (
    r"(?:search|zoek|zoeken|such|sucht|suche|busca|buscar|buscame|procura|procurem|cherche|"
    r"cherchez|cerca|cercate|ищи|ищите|найди|найдите|szukaj|cari|ara|aratin|tim|검색|搜|検索|"
    r"youtube|twitch|tiktok|kick|fb gaming|facebook|chzzk|치지직|아프리카|b站|bilibili|抖音)"
)
_QUOTED = r"[\"“«「『][^\"”»」』]{2,40}[\"”»」』]"
_SEARCH_NAME = re.compile(rf"{_SEARCH}[^\"“«「『]{{0,24}}{_QUOTED}|{_QUOTED}.{{0,6}}{_SEARCH}")


def has_handle(folded: str) -> bool:
    """Whether ``folded`` names an account a self-promoter wants followed."""
    if "@" in folded and _AT_HANDLE.search(folded):
        return True
    if _PLATFORM_HANDLE.search(folded) is not None:
        return True
    if ("#" in folded or "+" in folded) and _TAG_OR_PHONE.search(folded) is not None:
        return True
    return _SEARCH_NAME.search(folded) is not None


def _ramp(value: float, start: float, full: float, low: float, high: float) -> float:
    """``low`` at ``start``, rising linearly to ``high`` at ``full`` and staying there."""
    if full <= start:
        return high
    share = min(1.0, max(0.0, (value - start) / (full - start)))
    return round(low + (high - low) * share, 2)


# --- links and phishing ------------------------------------------------------------------------


class LinksCheck(Check):
    name = "links"
    gate = LINK
    pure = True
    description = (
        "links: any not allowlisted in strict mode; otherwise disguised, shortened or odd ones"
    )

    def run(self, c: Ctx) -> Hit | None:
        findings = c.view.findings(c.rules.judge)
        if not findings:
            return None
        if c.rules.strict_links:
            hit = _strict_links(findings, c.rules.link_score)
        elif _explains_domains(c.view.folded) or (
            c.view.concepts & WARN and _tld_mentions_only(findings, c.view.folded)
        ):
            # "look before the first slash: gift-claims.click, that's not discord"; "that's
            # phishing, look at the .ru part"
            hit = None
        else:
            hit = _risky_links(findings, c.rules.link_score)
        own = _own_channel(c, findings)
        if own is not None and (hit is None or own.score > hit.score):
            hit = own
        if (
            hit is not None
            and hit.score < 1.0
            and not c.view.ascii
            and _POINTER.search(c.view.raw) is not None
        ):
            hit = Hit(self.name, round(hit.score + 0.3, 2), hit.reason + " (pointed at)")
        if hit is None or c.permitted:
            return None
        return hit


# Someone explaining a scam's address: the word "domain" and a verdict on it. Adverts say
# "new domain" too, so the verdict is needed ("not", "fake", "the real one"); phishing and
# impersonation are the phishing check's, whatever is said around them.
_DOMAIN_WORD = re.compile(
    r"\b(?:domain|domains|dominio|dominios|domaine|domein|домен\w*|adresa|address|adres|"
    r"adresse|ends with|ends in|eindigt op|endet auf|konci|koncowka|koncovka)\b"
)
_DOMAIN_VERDICT = re.compile(
    r"\b(?:not|no|dont|don t|fake|falso|falsa|real|verdadeiro|verdadero|never|nunca|scam|"
    r"golpe|estafa|не|фейк|фальш\w*|neni|nie|niet|nicht|phishing|phishingu|podvod|"
    r"oszustwo|klasyka)\b"
)


def _tld_mentions_only(findings: list[LinkFinding], folded: str) -> bool:
    """Whether every link found is a word next to a TLD named on its own ("het .ru deel"):
    a space before the dot, none after it, no path and no scheme."""
    for f in findings:
        link = f.link
        name, _, tld = link.domain.rpartition(".")
        if not link.obfuscated or link.path or link.scheme or f"{name} .{tld}" not in folded:
            return False
    return True


def _explains_domains(folded: str) -> bool:
    return _DOMAIN_WORD.search(folded) is not None and _DOMAIN_VERDICT.search(folded) is not None


# An arrow or a pointing hand right before a link: how adverts point at their site.
_POINTER = re.compile(r"(?:[\u2192\u27a1\u21d2\u27f6\u279c\u2794]|\U0001f449)\ufe0f?\s*"
                      r"(?:https?://)?[\w-]+\.\w")  # fmt: skip


def _strict_links(findings: list[LinkFinding], plain: float) -> Hit | None:
    """Nightbot's rule: every link that is not allowlisted goes (and every disguised one)."""
    bad = [
        f for f in findings if (f.kind != "allowed" or f.link.obfuscated) and not f.link.matrix_id
    ]
    if not bad:
        return None
    score = plain
    reason = f"link to {bad[0].link.domain}"
    if any(f.link.obfuscated for f in bad):
        score += 0.5
        reason = f"disguised link to {next(f.link.domain for f in bad if f.link.obfuscated)}"
    if any(f.kind == "shortener" for f in bad):
        score += 0.3
        reason += " (shortened)"
    return Hit("links", min(score, 1.5), reason)


def _risky_links(findings: list[LinkFinding], plain: float) -> Hit | None:
    """Normal mode: an ordinary link scores ``plain`` (below the flag line on its own); what
    makes a link suspect adds to it: a disguise, a shortener hiding where it goes, a TLD that
    mostly hosts throwaway sites, a bare IP address."""
    best: tuple[float, str] | None = None
    for f in findings:
        link = f.link
        if link.matrix_id:
            continue
        if f.kind == "allowed":
            if not link.obfuscated:
                continue
            found = (0.5, f"disguised link to {link.domain}")
        elif link.obfuscated:
            found = (max(1.0, plain), f"disguised link to {link.domain}")
        elif f.kind == "shortener":
            found = (max(0.8, plain), f"shortened link {link.domain}")
        else:
            score, reason = plain, f"link to {link.domain}"
            tld = suspicious_tld(link.domain)
            if tld:
                score, reason = score + 0.3, f"{reason} (.{tld})"
            elif link.domain[-1:].isdigit():
                score, reason = score + 0.5, f"{reason} (a bare address)"
            lure = lure_in(link.domain)
            if lure:
                score, reason = score + 0.3, f"{reason} ('{lure}' in the name)"
            found = (round(score, 2), reason)
        if best is None or found[0] > best[0]:
            best = found
    if best is None or best[0] <= 0:
        return None
    return Hit("links", min(best[0], 1.5), best[1])


_NAME_FOLD = str.maketrans("", "", "_-. ")


def _own_channel(c: Ctx, findings: list[LinkFinding]) -> Hit | None:
    """A link to the author's own channel ("twitch.tv/NAME" from NAME): self-promotion."""
    author = None
    for f in findings:
        target = promo_target(f.link)
        if not target:
            continue
        if author is None:
            c.personal = True  # the answer depends on who posts it
            a = c.msg.author
            author = {n.lower().translate(_NAME_FOLD) for n in (a.name, a.display, a.id) if n}
        name = target.translate(_NAME_FOLD)
        if len(name) >= 3 and (name in author or any(len(n) >= 4 and n in name for n in author)):
            return Hit("links", 1.0, f"links to the author's own channel ({f.link.domain})")
    return None


class PhishingCheck(Check):
    name = "phishing"
    gate = LINK
    pure = True
    description = "known phishing domains, lookalike domains and brand typosquats"

    def run(self, c: Ctx) -> Hit | None:
        findings = c.view.findings(c.rules.judge)
        if not findings:
            return None
        masked = masked_mismatch(c.view.raw)
        if masked is not None:
            return Hit(self.name, 3.0, f"a link that shows {masked[0]} and opens {masked[1]}")
        worst: LinkFinding | None = None
        for f in findings:
            if f.score > 0 and (worst is None or f.score > worst.score):
                worst = f
        if worst is None:
            return None
        return Hit(self.name, worst.score, worst.reason)


# --- shape of the text -------------------------------------------------------------------------


class CapsCheck(Check):
    name = "caps"
    gate = CAPS
    pure = True
    description = "long messages written mostly in capitals (emote names not counted)"

    def run(self, c: Ctx) -> Hit | None:
        raw = c.view.raw
        cfg = c.rules.config
        minimum = cfg.caps_min_letters
        if len(raw) < minimum:
            return None
        if c.view.ascii:
            classes = c.view.classes()
            upper = classes.count(1)
            if upper < minimum:
                return None
            letters = upper + classes.count(2)
        else:
            upper = c.view.counts()[0]
            if upper < minimum:
                return None
            letters = sum(map(str.isalpha, raw))
        if upper < cfg.caps_share * letters:
            return None
        # Emote names (KEKW, OMEGALUL) are capitals by nature: not shouting. Nor is one word
        # repeated through most of the message ("GIGACHAD GIGACHAD ..."): that is an emote
        # wall, which the emote check judges by its size.
        emotes = c.rules.emotes
        words = raw.split()
        top = _dominant(words)
        kept = "".join(w for w in words if w not in emotes and w != top)
        upper = sum(map(str.isupper, kept))
        letters = sum(map(str.isalpha, kept))
        if upper < minimum or upper < cfg.caps_share * letters:
            return None
        score = _ramp(upper, minimum, 3 * minimum, 0.3, 1.0)
        return Hit(self.name, score, f"{upper} capital letters ({100 * upper // letters}%)")


def _dominant(words: list[str]) -> str | None:
    """The word that makes up most (60%+) of a message of three or more words, if any."""
    if len(words) < 3:
        return None
    top, n = Counter(words).most_common(1)[0]
    return top if n >= 3 and n >= 0.6 * len(words) else None


# Symbols: anything but letters, digits, combining marks (the vowel signs of Indic scripts,
# Arabic harakat, decomposed accents), joiners, spaces and emoji.
_SYMBOL_QUICK = re.compile(r"[^\w\s\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u200d\ufe0f]")
_SYMBOL_RE = regex.compile(
    r"[^\w\s\p{M}\u200c\u200d\ufe0f\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]"
)


class SymbolsCheck(Check):
    name = "symbols"
    gate = SYMBOLS
    pure = True
    description = "messages made mostly of symbols, box drawing or braille art"

    def run(self, c: Ctx) -> Hit | None:
        raw = c.view.raw
        minimum = c.rules.config.symbols_min
        if len(raw) < minimum:
            return None
        if c.view.ascii:
            count = c.view.classes().count(5)
        else:
            # Marks count as symbols in the quick pattern: only a text it calls symbol-heavy
            # is counted again with the letters and marks of every script.
            count = len(_SYMBOL_QUICK.findall(raw))
            if count >= minimum:
                count = len(_SYMBOL_RE.findall(raw))
        if count < minimum:
            return None
        visible = len(raw) - raw.count(" ")
        if count < c.rules.config.symbols_share * visible:
            return None
        score = _ramp(count, minimum, 2 * minimum, 0.6, 1.0)
        return Hit(self.name, score, f"{count} symbols")


_EMOJI_RE = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
_CUSTOM_EMOJI = re.compile(r"<a?:\w+:\d+>|:\w{2,}:")


class EmotesCheck(Check):
    name = "emotes"
    gate = EMOTE
    pure = True
    description = "walls of emotes, emoji or one word repeated"

    def run(self, c: Ctx) -> Hit | None:
        raw = c.view.raw
        limit = c.rules.config.max_emotes
        emoji = 0 if c.view.ascii else len(_EMOJI_RE.findall(raw))
        if not emoji and len(raw) <= 2 * limit:
            return None
        parts = raw.split()
        if len(parts) + emoji <= limit:
            return None
        emotes = c.rules.emotes
        count = emoji + sum(
            1 for w in parts if w in emotes or (":" in w and _CUSTOM_EMOJI.fullmatch(w))
        )
        same = 0
        if len(parts) - len(set(parts)) >= limit:  # some word may occur more than `limit` times
            same = Counter(parts).most_common(1)[0][1]
            if 2 * same < len(parts):
                # "the" eleven times in a long story: a wall needs a dominant word, or one
                # phrase said again and again ("this chat is mine now this chat is ...").
                same = len(parts) if len(parts) >= 2 * limit and _chanted(parts) else 0
        wall = max(count, same)
        if wall <= limit:
            return None
        score = _ramp(wall, limit, 2 * limit, 0.7, 1.2)
        what = "emotes" if count >= same else "repeated words"
        return Hit(self.name, score, f"wall of {wall} {what}")


def _chanted(words: list[str]) -> bool:
    """Whether ``words`` are mostly one phrase of up to 8 words, four times or more."""
    n = len(words)
    for period in range(2, min(8, n // 4) + 1):
        same = sum(1 for i in range(period, n) if words[i] == words[i - period])
        if same >= 0.8 * (n - period):
            return True
    return False


@lru_cache(maxsize=16)
def _run_pattern(run: int) -> re.Pattern[str]:
    """A run of ``run`` characters made of one repeated 1-, 2- or 3-character chunk."""
    two, three = max(1, run // 2 - 1), max(1, run // 3 - 1)
    return re.compile(rf"(\S)\1{{{run - 1},}}|(\S\S)\2{{{two},}}|(\S\S\S)\3{{{three},}}")


class RepeatedCharsCheck(Check):
    name = "repeated"
    gate = RUN
    pure = True
    description = "long runs of one character or a short chunk (aaaa..., hahaha...)"

    def run(self, c: Ctx) -> Hit | None:
        raw = c.view.raw
        run = c.rules.config.repeat_char_run
        if len(raw) < run or max(map(len, raw.split())) < run:
            return None  # a run has no spaces, so some word must be that long
        pattern = _run_pattern(run)
        if pattern.search(raw) is None:
            return None
        longest = max(m.end() - m.start() for m in pattern.finditer(raw))
        return Hit(self.name, 0.7 if longest < 2 * run else 1.0, f"{longest} repeated characters")


class LengthCheck(Check):
    name = "length"
    gate = LONG
    pure = True
    description = "very long messages"

    def run(self, c: Ctx) -> Hit | None:
        size = len(c.view.raw)
        limit = c.rules.config.max_length
        if size <= limit:
            return None
        return Hit(self.name, 0.6 if size <= 2 * limit else 1.0, f"{size} characters")


# "@name" not inside a word, an email or a URL path ("youtube.com/@channel").
_MENTION_RE = re.compile(r"(?<![\w./])@(\w(?:[\w\-.]*\w)?)|<@[!&]?(\d+)>")
_MASS = frozenset({"everyone", "here", "room", "channel", "all"})
_MASS_AT = re.compile("@(?:" + "|".join(_MASS) + ")")  # on lowercase text: a mass name may follow
# A room-wide name talked about, not used: quoted ("`@room`"), after a word that names it
# ("disable @room", "the @everyone role") or before one ("@room pings", "@here mentions").
_MASS_TALK_BEFORE = re.compile(
    r"(?:[\"'`“«]|\b(?:from|about|disable|disabled|of|with|use|uses|using|the|no|stop|"
    r"type|typed|typing|restrict|restricted|allow|allows|block|mute|muted|needed for|"
    r"required for|ping|pinging|send|sending|mandar|enviar|usar))\s*$",
    re.IGNORECASE,
)
# Used with .match(raw, pos), which anchors at pos ("^" would only match at 0).
_MASS_TALK_AFTER = re.compile(
    r"(?:[\"'`”»]|\s+(?:pings?|pinged|pinging|mentions?|notifications?|role|tags?|"
    r"is (?:restricted|disabled|locked|blocked|off|muted))\b)",
    re.IGNORECASE,
)


def _talked_about(raw: str, m: re.Match[str]) -> bool:
    if m.start() and raw.rstrip().endswith("?") and "\n" not in raw:
        return True  # a question about it: "how do they send @everyone?"
    before = raw[max(0, m.start() - 24) : m.start()]
    return bool(_MASS_TALK_BEFORE.search(before) or _MASS_TALK_AFTER.match(raw, m.end()))


class MentionsCheck(Check):
    name = "mentions"
    gate = AT
    pure = True
    description = "mass mentions and @everyone/@here/@room pings"

    def run(self, c: Ctx) -> Hit | None:
        view = c.view
        raw = view.raw
        given = c.msg.mentions
        if "@" not in raw and not given:
            return None
        limit = c.rules.config.max_mentions
        if (
            view.ascii
            and len(given) + raw.count("@") <= limit
            and "<@&" not in raw
            and _MASS_AT.search(view.folded) is None
        ):
            return None  # too few "@" to name too many people, and no room-wide name
        names: set[str] = set(given)
        mass = False
        for m in _MENTION_RE.finditer(raw):
            name = (m.group(1) or m.group(2)).lower()
            if m.group(0).startswith("<@&") or (name in _MASS and not _talked_about(raw, m)):
                mass = True
            else:
                names.add(name)
        score = 0.0
        reasons = []
        if mass:
            score += 0.7
            reasons.append("pings everyone")
        if len(names) > limit:
            score += _ramp(len(names), limit, 3 * limit, 1.0, 1.5)
            reasons.append(f"mentions {len(names)} people")
        if not score:
            return None
        return Hit(self.name, score, ", ".join(reasons))


# --- per-user memory ---------------------------------------------------------------------------


class FloodCheck(Check):
    name = "flood"
    gate = STATE
    stateful = True
    description = "too many messages from one user in a short window"

    def run(self, c: Ctx) -> Hit | None:
        return flood(c.rules, c.user, c.now)


def flood(rules: RoomRules, user: UserState, now: float) -> Hit | None:
    """Whether this message makes too many in the window (the engine runs it inline)."""
    log = user.log
    span = 2 * rules.flood_messages
    if len(log) >= span and now - log[-span] <= rules.flood_window_s:  # type: ignore[operator]
        return flood_hit(rules)
    return None


def flood_hit(rules: RoomRules) -> Hit:
    n = rules.flood_messages
    return Hit("flood", 1.0, f"more than {n} messages in {rules.flood_window_s:g} s")


# Words that pad a repeated line without changing it ("pls", "lol", "is", "the", "u" for
# "you"), in match-text spelling.
_FILLER = frozenset(
    skeleton(w)
    for w in "pls plz please lol lool lmao haha hahaha ok okay bro guys man dude fr omg so just "
    "really very now again is are am was the a an this that it its u you ur your r".split()
)
_RUNS = re.compile(r"(.)\1{2,}")  # "loool", "ㅋㅋㅋㅋㅋ", "!!!!": squeezed to two


@lru_cache(maxsize=4096)
def repeat_key(line: str) -> str:
    """A line (its match text, or its raw text when that is empty: emoji) as the repetition
    check compares it: its words without fillers (or all of them when there is nothing else:
    "lol"), runs of one character squeezed to two ("ㅋㅋㅋㅋ" and "ㅋㅋㅋㅋㅋㅋ" are the same
    laugh). The memory keeps the line; keys are made only when a user repeats often enough."""
    if _FILLER.isdisjoint(line.split()):
        key = line
    else:
        tokens = line.split()
        key = " ".join([t for t in tokens if t not in _FILLER] or tokens)
    if len(key) > 2 and _RUNS.search(key):
        key = _RUNS.sub(r"\1\1", key)
    return key


_MAX_LINES = 8  # earlier lines a new one is compared with
MIN_LINE = 5  # shorter keys ("gg", "lol", "KEKW") repeat only when exactly the same
MEMORY_SLOTS = 128  # at most this many messages per user are remembered (flooders)


class RepetitionCheck(Check):
    name = "repetition"
    gate = STATE
    stateful = True
    description = "one user repeating the same or nearly the same line"

    def run(self, c: Ctx) -> Hit | None:
        return repetition(c.rules, c.user, c.view, c.now)


def repetition(rules: RoomRules, user: UserState, view: View, now: float) -> Hit | None:
    """Whether this line repeats the user's recent ones (the engine runs it inline)."""
    line_now = view.mtext or view.raw
    key = repeat_key(line_now)
    if not key:
        return None
    log = user.log
    oldest = now - rules.repeat_window_s
    span = rules.repeat_span
    if len(log) < span or log[-span] < oldest:  # type: ignore[operator]
        return None  # too few earlier messages in the window for this one to be too many
    enough = rules.repeat_count - 1
    same = 0
    size = len(key)
    short = size < MIN_LINE
    low, high = 0.5 * size, 2 * size
    head, tail = key[:3], key[-3:]
    words: frozenset[str] | None = None
    seen = 0
    i = len(log) - 2
    while i >= 0 and seen < _MAX_LINES:  # the last 8 lines in the window, newest first
        if log[i] < oldest:  # type: ignore[operator]
            break
        line = log[i + 1]
        i -= 2
        if line is None:
            continue
        seen += 1
        if line != line_now:
            line = repeat_key(line)  # type: ignore[arg-type]
            if line != key:
                # Near duplicates: similar length, the same start or end, then one small
                # edit in one place ("whats the song name" / "what is the song name") or
                # most words shared (fillers ignored).
                if (
                    short
                    or not low <= len(line) <= high
                    or (line[:3] != head and line[-3:] != tail)
                ):
                    continue
                if not _one_edit(key, line):
                    if key[:5] not in line and line[:5] not in key:
                        continue
                    if words is None:
                        words = frozenset(key.split())
                    other = frozenset(line.split())
                    if len(words) < 2 or len(other) < 2:
                        continue
                    shared = len(words & other)
                    if shared / len(words | other) < rules.config.near_duplicate and not (
                        # One line is the other plus a word ("... lol 2"), not a different
                        # line ("message number 3" after "message number 0").
                        shared == min(len(words), len(other)) and abs(len(words) - len(other)) == 1
                    ):
                        continue
        same += 1
        if same >= enough:
            break
    if same + 1 < rules.repeat_count:
        return None
    return Hit("repetition", 1.0, f"same line {same + 1} times in {rules.repeat_window_s:g} s")


def _one_edit(a: str, b: str) -> bool:
    """Whether two keys differ in one place by a few characters, spaces aside ("whats song
    name" / "what song name"), and not only by a number that changed (a counter: "attempt 3"
    / "attempt 4" are different lines)."""
    a, b = a.replace(" ", ""), b.replace(" ", "")
    if len(a) < len(b):
        a, b = b, a
    n = len(b)
    if n < 8 or len(a) - n > 2:
        return False
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    s = 0
    while s < n - p and a[-1 - s] == b[-1 - s]:
        s += 1
    da, db = a[p : len(a) - s], b[p : n - s]
    if len(da) > 2 or len(db) > 2:
        return False
    return not (da and db and (any(c.isdigit() for c in da) or any(c.isdigit() for c in db)))


# --- words and letters -------------------------------------------------------------------------


class BlocklistCheck(Check):
    name = "blocklist"
    gate = BLOCK
    pure = True
    description = "the room's blocked terms and /regexes/"

    def run(self, c: Ctx) -> Hit | None:
        blocklist = c.rules.blocklist
        if not blocklist:
            return None
        view = c.view
        if not blocklist.has_patterns and blocklist.anchors.isdisjoint(view.tokens):
            return None
        hit = blocklist.match(view.mtext, view.tokens, view.folded)
        if hit is None:
            return None
        return Hit(self.name, c.rules.config.block_score, f"blocked: {hit.entry}")


class ZalgoCheck(Check):
    name = "zalgo"
    gate = UNICODE
    pure = True
    description = "stacked combining marks (zalgo text)"

    def run(self, c: Ctx) -> Hit | None:
        f = c.view.fold
        if f.max_stack < 3:
            # No language stacks three marks on a letter; decomposed Vietnamese has two on
            # some. Without a stack of three, only a density no writing uses is zalgo.
            if f.marks < 12 or f.marks < sum(map(str.isalpha, f.text)):
                return None
        return Hit(self.name, 0.8 if f.marks < 30 else 1.2, f"{f.marks} stacked marks")


class LookalikeCheck(Check):
    name = "lookalike"
    gate = UNICODE | SPACED
    pure = True
    description = (
        "words disguised with lookalike letters or styled alphabets, or spelt out letter by letter"
    )

    def run(self, c: Ctx) -> Hit | None:
        view = c.view
        if view.spaced:
            # A signal that adds to what the letters say ("f o l l o w   m e"), not a verdict:
            # "f i n a l l y" is emphasis. A whole sentence spelt out is a wall.
            score = 0.4 if view.spaced < 16 else 0.6
            return Hit(self.name, score, f"{view.spaced} letters spelt out one by one")
        f = view.fold
        if f.lookalikes and not (f.foreign and _emotes_only(view.raw)):
            score = min(1.2, 0.7 + 0.2 * (f.lookalikes - 1))
            return Hit(self.name, round(score, 2), f"{f.lookalikes} words with lookalike letters")
        if f.styled >= 4:
            return Hit(self.name, 0.2, "styled letters")
        return None


def _emotes_only(raw: str) -> bool:
    """Whether every lookalike word of a Greek or Cyrillic text is an emote typed on that
    keyboard ("ΚΕΚW τον έφαγε ο δράκος": KEKW with Greek capitals)."""
    words = disguised_words(raw)
    return bool(words) and all(w in _EMOTES_LOWER for w in words)


class ScamCheck(Check):
    name = "scam"
    gate = SCAM
    pure = True
    description = "scam shapes: selling viewers, fake Nitro, fake staff, crypto, fake verification"

    def run(self, c: Ctx) -> Hit | None:
        if not (c.view.scam_rules or c.view.concepts):
            return None
        findings = c.view.findings(c.rules.judge)
        link = any(f.kind != "allowed" and not f.link.matrix_id for f in findings)
        anylink = any(not f.link.matrix_id for f in findings)
        # A channel, a video or an invite, allowlisted or not: what self-promotion points to.
        targets = [promo_target(f.link) for f in findings]
        channel = any(t is not None for t in targets)
        # A channel, a profile or a server invite, not a single video ("go watch the vod at ...").
        profile = any(targets) or any(f.link.domain == "discord.gg" for f in findings)
        # Whoever may post links may promote with them: those exempt from the links check (by
        # role, which the engine's plans follow, so kept hits stay right) and permit holders.
        promote = False
        if link or channel:
            cfg = c.rules.config
            exempt = cfg.exempt.get("links")
            promote = (
                "links" in cfg.disabled
                or (exempt is not None and c.msg.author.role >= exempt)
                or c.permitted
            )
        risky = link and any(_risky(f) for f in findings)
        m = c.view.scam(link, channel, promote, anylink, risky, profile)
        if m is None or m.score <= 0:
            return None
        return Hit(self.name, m.score, f"{m.category}: {m.reason}")


def _risky(f: LinkFinding) -> bool:
    """A link that is more than an ordinary one: a warning next to it is a pretext."""
    if f.kind in ("phishing", "brand", "shortener") or f.link.obfuscated:
        return True
    if f.kind != "link":
        return False
    domain = f.link.domain
    return bool(suspicious_tld(domain) or lure_in(domain) or domain[-1:].isdigit())


class ContactCheck(Check):
    name = "contact"
    gate = MODEL
    pure = True
    description = "a messenger account or a phone number to take the talk elsewhere, with an offer"

    def run(self, c: Ctx) -> Hit | None:
        view = c.view
        offer = contact_offer(view.raw.lower())
        if offer is None:
            return None
        if view.concepts & WARN or disclaims(
            view.mtext, frozenset(view.tokens), link=False, risky=False
        ):
            return None  # "don't write to wa 0812..., it's a scam"
        return Hit(self.name, offer.score, offer.reason)


class ModelCheck(Check):
    name = "model"
    gate = MODEL
    pure = True
    description = "a learned model of spam and scam texts (cogs/warden/model.py)"

    def run(self, c: Ctx) -> Hit | None:
        rules = c.rules
        model = rules.model
        if model is None:
            return None
        if c.first < len(c.hits) and sum(h.score for h in c.hits[c.first :]) >= rules.thresholds[1]:
            return None  # the rules remove it already: nothing for the model to add
        view = c.view
        p = view.model_probability(model)
        if p < model.flag_at:
            return None
        findings = [f for f in view.findings(rules.judge) if not f.link.matrix_id]
        if (
            findings
            and _tld_mentions_only(findings, view.folded)
            and (view.concepts & WARN or _explains_domains(view.folded))
        ):
            return None  # "the address ends in .xyz, that's not Steam": a link's part, named
        if findings:
            # Links to domains the room's moderators allowed (``!warden allow``) are theirs to
            # judge: the model knows only the default allowlist.
            own = rules.own_allow
            if own and all(f.kind == "allowed" and f.link.domain in own for f in findings):
                return None
            # Whoever may post links may promote with them (as in ScamCheck): those exempt from
            # the links check and permit holders. Phishing and scam shapes still apply to them.
            cfg = rules.config
            exempt = cfg.exempt.get("links")
            if (
                "links" in cfg.disabled
                or (exempt is not None and c.msg.author.role >= exempt)
                or c.permitted
            ):
                return None
        return Hit(self.name, model.score(p), f"language model of spam and scams: {p:.2f}")


ALL_CHECKS: tuple[Check, ...] = (
    FloodCheck(),
    RepetitionCheck(),
    LinksCheck(),
    PhishingCheck(),
    ScamCheck(),
    BlocklistCheck(),
    MentionsCheck(),
    CapsCheck(),
    SymbolsCheck(),
    EmotesCheck(),
    RepeatedCharsCheck(),
    LengthCheck(),
    ZalgoCheck(),
    LookalikeCheck(),
    ContactCheck(),
    ModelCheck(),
)
CHECK_NAMES = tuple(check.name for check in ALL_CHECKS)


# Global Twitch emotes and widely used third-party (BTTV/FFZ/7TV) emote names. A room adds its
# own channel emotes through its config.
EMOTES = frozenset(
    """
Kappa KappaPride Keepo Kreygasm PogChamp PogBones LUL TriHard BibleThump ResidentSleeper
SeemsGood NotLikeThis FailFish DansGame SwiftRage WutFace HeyGuys VoHiYo CoolCat CoolStoryBob
BabyRage 4Head PJSalt MrDestructoid DoritosChip TwitchUnity HSWP BloodTrail CorgiDerp OSFrog
PunOko TheIlluminati StinkyCheese SMOrc Jebaited CurseLit PopCorn GivePLZ TakeNRG KomodoHype
TPFufun TehePelo PraiseIt panicBasket BegWan EleGiggle KPOPheart TwitchLit duDudu FrankerZ
RalpherZ OhMyDog PartyHat Squid1 Squid2 Squid3 Squid4 HolidayCookie ModLove NomNom
KEKW OMEGALUL LULW Pog POGGERS PogU Poggers PagMan PagChomp monkaS monkaW monkaHmm monkaGIGA
Sadge PepeHands FeelsBadMan FeelsGoodMan FeelsStrongMan FeelsOkayMan PepeLaugh pepeLaugh
peepoHappy peepoSad peepoClap peepoLeave peepoArrive widepeepoHappy widepeepoSad catJAM
pepeJAM pepeD ratJAM blobDance Clap EZ EZY 5Head 3Head Pepega PepegaAim WeirdChamp OkayChamp
Clueless Copium Hopium Aware Susge SUSSY HYPERS COGGERS KEKWait Kapp KappaHD Kappu LULE
gachiGASM gachiBASS HeyGuys forsenE xqcL NODDERS NOPERS peepoGiggles ICANT Stare Bedge
BOOBA modCheck Chatting ppL ppHop peepoSitting FeelsWeirdMan PauseChamp Pausechamp WAYTOODANK
HUH Madge Deadge Okayeg Wokege Classic PogO Smadge COPIUM OMEGADANCE EZClap TriKool
""".split()
)
_EMOTES_LOWER = frozenset(e.lower() for e in EMOTES)
