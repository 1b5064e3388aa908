"""Lookalike folding: turn evasive spellings back into plain lowercase ASCII before matching.

Three layers, each a precomputed ``str.translate`` table or one compiled regex:

* :func:`fold` maps fullwidth forms, styled alphabets (math bold, circled, small caps), accented
  Latin letters and, when the message is mostly Latin, Cyrillic/Greek homoglyphs onto ASCII, and
  strips combining marks and invisible characters, counting what it removed (zalgo, lookalikes).
  A sentence that is genuinely Russian, Greek, Japanese or Arabic keeps its letters: only words
  that mix scripts are folded there, so real foreign text is never called a lookalike.
* :func:`match_text` builds the text scam rules and blocklists run on: letters spaced out are
  joined ("f r e e" -> "free", "s u b   t o   m e" -> "sub to me"), leetspeak inside words is
  undone ("n1tr0" -> "nitro"), ``l`` and ``i`` collapse into one letter, punctuation and emoji
  become spaces. :func:`spaced_out` measures how much of a message is spelt out that way.
* :func:`skeleton` applies the same letter rules to a rule or term, so both sides agree.

Everything ASCII takes a fast path: ``isascii()`` then ``lower()``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import AnyStr, NamedTuple

# Cyrillic and Greek letters (and a few Latin-script oddities) that pass for Latin ones.
_HOMOGLYPHS = {
    # Cyrillic lowercase / uppercase
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y", "ɡ": "g", "ɑ": "a", "ı": "i", "ȷ": "j",
    "ǀ": "l", "ꮃ": "w", "ꭰ": "d",
    "А": "a", "В": "b", "Е": "e", "Ё": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
    "С": "c", "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ї": "i", "Ј": "j", "Һ": "h",
    "Ԁ": "d", "Ԛ": "q", "Ԝ": "w", "Ӏ": "l", "Ү": "y",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ϳ": "j",
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "Ϲ": "c",
    # Armenian and Cherokee letters seen in the wild
    "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ց": "g", "Ꭺ": "a", "Ꮯ": "c", "Ꭼ": "e", "Ꮃ": "w",
}  # fmt: skip

# Small capitals (there is no small capital x).
_SMALL_CAPS = dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz", strict=True))

# Marks that stack on any letter (the zalgo material). Script-specific vowel signs (Devanagari,
# Arabic harakat, Thai) are outside these blocks and are left alone.
_MARK_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                (0xFE20, 0xFE2F))  # fmt: skip
_INVISIBLE = (0x00AD, 0x034F, 0x180E, 0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063,
              0xFEFF, *range(0xFE00, 0xFE10))  # fmt: skip
_DOTS = (0x3002, 0xFF61, 0x2024, 0xFE52, 0x2219, 0x22C5, 0x30FB)
_STYLED_RANGES = ((0x2070, 0x209F), (0x2100, 0x214F), (0x2460, 0x24FF), (0x1D400, 0x1D7FF),
                  (0x1D2C, 0x1D6A), (0x1F100, 0x1F149))  # fmt: skip
# Pictographs, dingbats, arrows, shapes, box drawing, blocks, braille: not words.
EMOJI_RANGES = ((0x2190, 0x21FF), (0x2300, 0x23FF), (0x2500, 0x27BF), (0x2800, 0x28FF),
                (0x2B00, 0x2BFF), (0x1F000, 0x1F0FF), (0x1F1E6, 0x1F1FF),
                (0x1F200, 0x1FAFF))  # fmt: skip


def _build_tables() -> tuple[dict[int, str | None], dict[int, str | None], frozenset[int]]:
    basic: dict[int, str | None] = {}
    for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):  # accented Latin -> base letter
        base = unicodedata.normalize("NFKD", chr(cp))[:1]
        if base.isascii() and base.isalpha():
            basic[cp] = base
    styled: set[int] = set()
    for lo, hi in _STYLED_RANGES:
        for cp in range(lo, hi + 1):
            text = unicodedata.normalize("NFKC", chr(cp))
            if len(text) == 1 and text.isascii() and text.isalnum():
                basic[cp] = text
                styled.add(cp)
    for base in (0x1F150, 0x1F170):  # negative circled / squared capitals (no decomposition)
        for i in range(26):
            basic[base + i] = chr(ord("a") + i)
            styled.add(base + i)
    for ch, letter in _SMALL_CAPS.items():
        basic[ord(ch)] = letter
        styled.add(ord(ch))
    for cp in range(0xFF01, 0xFF5F):  # fullwidth ASCII
        basic[cp] = chr(cp - 0xFEE0)
        styled.add(cp)
    # Latin letters with a stroke or a ligature have no decomposition: their plain reading.
    for ch, plain in {"đ": "d", "Đ": "d", "ı": "i", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o",
                      "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th",
                      "ħ": "h"}.items():  # fmt: skip
        basic[ord(ch)] = plain
    basic[0x3000] = " "
    for cp in _DOTS:
        basic[cp] = "."
    for lo, hi in _MARK_RANGES:
        for cp in range(lo, hi + 1):
            basic[cp] = None
    for cp in _INVISIBLE:
        basic[cp] = None
    full = dict(basic)
    for ch, letter in _HOMOGLYPHS.items():
        full[ord(ch)] = letter
    return basic, full, frozenset(styled)


FOLD_BASIC, FOLD_FULL, _STYLED = _build_tables()
HOMOGLYPH_CHARS = frozenset(_HOMOGLYPHS)

_MARKS_RE = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _MARK_RANGES) + "]+")
_LATIN_RE = re.compile(r"[a-zA-Z\u00c0-\u024f\u1e00-\u1eff]")
_CYRGR_RE = re.compile(r"[\u0370-\u03ff\u0400-\u052f\u1f00-\u1fff]")
_WORD_RE = re.compile(r"[^\W\d_]+")
_STYLED_RE = re.compile(
    "[\uff21-\uff3a\uff41-\uff5a\u24b6-\u24e9\U0001d400-\U0001d7ff\U0001f130-\U0001f189"
    + "".join(_SMALL_CAPS)
    + "]"
)


def _ranges(codes: Iterable[int]) -> str:
    """A regex character class body for these code points, as ranges."""
    out = []
    run: list[int] = []
    for cp in sorted(codes):
        if run and cp == run[-1] + 1:
            run.append(cp)
            continue
        if run:
            out.append(f"\\U{run[0]:08x}-\\U{run[-1]:08x}")
        run = [cp]
    if run:
        out.append(f"\\U{run[0]:08x}-\\U{run[-1]:08x}")
    return "".join(out)


# Any character FOLD_BASIC changes: text without one is left as it is (translating a long
# non-Latin text character by character through a dict costs microseconds).
_NEEDS_BASIC = re.compile(f"[{_ranges(FOLD_BASIC)}]")


def _basic(text: str) -> str:
    return text.translate(FOLD_BASIC) if _NEEDS_BASIC.search(text) else text


class Folded(NamedTuple):
    """A message folded for matching, with what the folding had to undo."""

    text: str  # folded and lowercased
    marks: int = 0  # combining marks stripped
    max_stack: int = 0  # most marks on a single letter
    lookalikes: int = 0  # words disguised with letters from another script
    styled: int = 0  # letters from styled alphabets (fullwidth, math bold, circled...)
    foreign: bool = False  # mostly non-Latin letters: a real foreign-language message


def fold(text: str) -> Folded:
    """Fold ``text`` for matching. ASCII input costs one ``lower()``."""
    if text.isascii():
        return Folded(text.lower())
    marks = max_stack = 0
    if _MARKS_RE.search(text):
        for run in _MARKS_RE.findall(text):
            marks += len(run)
            max_stack = max(max_stack, len(run))
    styled = len(_STYLED_RE.findall(text)) if _STYLED_RE.search(text) else 0
    if _CYRGR_RE.search(text) is None:
        return Folded(_basic(text).lower(), marks, max_stack, 0, styled)
    if not styled and _LATIN_RE.search(text) is None:
        # Cyrillic or Greek without a Latin letter: a real foreign message, with no word that
        # mixes scripts (the loop below would fold nothing but the basics, word by word).
        return Folded(_basic(text).lower(), marks, max_stack, 0, 0, True)
    foreign_letters = len(_CYRGR_RE.findall(text))
    # A link's letters are no part of the language a message is written in ("гайд по смокам:
    # https://www.youtube.com/watch?v=..." is Russian).
    prose = _URL_RE.sub(" ", text) if "://" in text else text
    latin = len(_LATIN_RE.findall(prose)) + styled
    if latin >= foreign_letters:
        # Mostly Latin: a Cyrillic/Greek letter that looks Latin is a disguise, in a word that
        # mixes scripts or is made of lookalikes only. A real word of the other script stays
        # as it is ("Подписывайтесь" next to a long link is Russian, not a disguise).
        looks = 0
        parts = []
        for word in re.split(r"(\W+)", text):
            if not word or _CYRGR_RE.search(word) is None:
                parts.append(word.translate(FOLD_BASIC))
            elif _disguised(word, latin_text=True) or _LATIN_RE.search(word) is not None:
                looks += _disguised(word, latin_text=True)
                parts.append(word.translate(FOLD_FULL))
            else:
                parts.append(word.translate(FOLD_BASIC))
        return Folded("".join(parts).lower(), marks, max_stack, looks, styled)
    # Mostly Cyrillic/Greek: a real foreign message. Fold only words that mix scripts.
    looks = 0
    parts = []
    for word in re.split(r"(\W+)", text):
        if word and _disguised(word, latin_text=False):
            looks += 1
            parts.append(word.translate(FOLD_FULL))
        else:
            parts.append(word.translate(FOLD_BASIC))
    return Folded("".join(parts).lower(), marks, max_stack, looks, styled, foreign=True)


_URL_RE = re.compile(r"https?://\S+")


def _disguised(word: str, *, latin_text: bool) -> bool:
    """A word mixing Latin with Cyrillic/Greek, or (in Latin text) made only of homoglyphs."""
    has_latin = _LATIN_RE.search(word) is not None
    has_foreign = _CYRGR_RE.search(word) is not None
    if has_latin and has_foreign:
        return True
    if latin_text and has_foreign and len(word) >= 3:
        return all(ch in HOMOGLYPH_CHARS for ch in word)
    return False


def disguised_words(text: str) -> list[str]:
    """The words of ``text`` that :func:`fold` counts as lookalikes in a mostly Cyrillic/Greek
    text, folded and lowercased ("ΚΕΚW", Greek capitals and a W, gives "kekw")."""
    return [
        word.translate(FOLD_FULL).lower()
        for word in re.split(r"\W+", text)
        if word and _disguised(word, latin_text=False)
    ]


# --- match text -------------------------------------------------------------------------------

# Three or more single letters or digits, each followed by one separator: "f r e e", "n.i.t.r.o".
_SPACED_RE = re.compile(r"(?<![^\W_])(?:[^\W_][ .\-_*|+~,/]){2,}[^\W_](?![^\W_])")
SPACED_LETTERS = _SPACED_RE
_SPACED_SEP = re.compile(r"[ .\-_*|+~,/]")
# Words mixing letters with leet digits or symbols: "fr33", "n1tr0", "$team", "c@sh".
_LEET_RE = re.compile(r"(?<![\w@$])(?!@)(?=[\w@$]*[a-z])[\w@$]*[013457@$][\w@$]*")
_NUMBER_UNIT = re.compile(r"\$?\d[\d.,]*(?:[a-z]{1,3})?\$?")
_LEET = str.maketrans("013457@$", "oieastas")
# A mail address's "@" (the provider after it, in skeleton spelling: "l" reads "i").
_MAIL = re.compile(r".@(?:gmaii|gmaiis|outiook|hotmaii|yahoo|proton|icioud|maii|aoi|iive|gmx)")


def _build_skeleton() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): " " for c in '!"#&()*,-./:;<=>?[\\]^_`{|}~\t\r\n'}
    table[ord("'")] = None
    table[0x2019] = None  # right single quote: "don’t" -> "dont"
    table[ord("l")] = "i"  # l and i read alike (and so does a leet 1)
    for lo, hi in EMOJI_RANGES:
        for cp in range(lo, hi + 1):
            table[cp] = " "
    for cp in (0x2018, 0x201C, 0x201D, 0x00AB, 0x00BB, 0x2026, 0x2014, 0x2013, 0x00B7):
        table[cp] = " "
    return table


_SKELETON = _build_skeleton()
_LEET_CHARS = frozenset("013457@$")


def _unleet(m: re.Match[str]) -> str:
    word = m.group()
    if _NUMBER_UNIT.fullmatch(word) or _MAIL.search(word):
        return word  # "100k", "3rd", "5am": numbers; "bob@gmail": an address
    return word.translate(_LEET)


def _unspace(m: re.Match[str]) -> str:
    return _SPACED_SEP.sub("", m.group())


def match_text(folded: str) -> str:
    """The text rules match against: spaced letters joined, leet undone, ``l`` read as ``i``,
    punctuation and emoji turned into spaces, single spaces. Digits that are numbers stay."""
    return " ".join(match_tokens(folded))


# ASCII fast path: one bytes.translate lowercases, reads l as i and blanks punctuation.
_PUNCT = b'!"#&()*,-./:;<=>?[\\]^_`{|}~\t\r\n\x0b\x0c'
ASCII_SKELETON = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZl" + _PUNCT,
    b"abcdefghijkimnopqrstuvwxyzi" + b" " * len(_PUNCT),
)
_LEET_SEARCH = re.compile(rb"[013457@$]").search
_LEET_BYTES = bytes.maketrans(b"013457@$", b"oieastas")
# A word _unleet_bytes may change: not starting with "@", holding a small letter and a leet
# character (numbers and units among them are sorted out there).
# A leet character with a small letter after it in the same word. Read forwards and backwards,
# it finds any word holding both, scanning only from leet characters (quick: most are letters).
_LEET_THEN_LETTER = re.compile(rb"[013457@$][^ a-z]*[a-z]").search


def _leet_word(data: bytes) -> bool:
    """Whether a word holds a small letter and a leet character (it may start with "@", which
    never changes: this only rules out work for :func:`_unleet_bytes`)."""
    return _LEET_THEN_LETTER(data) is not None or _LEET_THEN_LETTER(data[::-1]) is not None


_LEET_WORDS = re.compile(rb"(?<![^ ])(?!@)(?=[^ ]*[a-z])(?=[^ ]*[013457@$])[^ ]+").sub
_NUMBER_UNIT_BYTES = re.compile(rb"\$?\d[\d$%+]*(?:[a-z]{1,3})?\$?")
# Every byte but a space becomes "x" (three one-letter words read " x x x "), leet digits and
# symbols become "1": two C-level scans answer both questions.
SHAPE = bytes(32 if b == 32 else 49 if chr(b) in "013457@$" else 120 for b in range(256))


def match_tokens(folded: str) -> list[str]:
    """The words of :func:`match_text`, computed without building it for ASCII input."""
    if folded.isascii():
        data = folded.encode().translate(ASCII_SKELETON, b"'")
        return ascii_tokens(data, data.translate(SHAPE))
    text = folded
    if _SPACED_RE.search(text):
        text = _SPACED_RE.sub(_unspace, text)
        if "  " in text:
            # "s u b   t o   m e": the two-letter words between wide gaps too.
            text = " ".join(_join_singles(text.split(" "), ""))
    if not _LEET_CHARS.isdisjoint(text):
        text = _LEET_RE.sub(_unleet, text)
    return text.translate(_SKELETON).split()


def ascii_tokens(data: bytes, shape: bytes) -> list[str]:
    """:func:`match_tokens` of ASCII text, given ``data`` (the text through ASCII_SKELETON, with
    apostrophes deleted) and ``shape`` (``data`` through SHAPE)."""
    leet = b"1" in shape
    if has_singles(shape):
        words = _join_singles(data.split(b" "), b"")
    elif not leet or not _leet_word(data[data.find(b" ") + 1 :] if data[:1] == b"@" else data):
        # No word that leetspeak could change ("wave 12", "@ann123 hi": a leading @name never
        # changes, and the search runs on the rest).
        return data.decode().split()
    else:
        return _LEET_WORDS(_unleet_match, data).decode().split()
    if leet:
        words = [_unleet_bytes(w) for w in words]
    return b" ".join(words).decode().split()


def _unleet_match(m: re.Match[bytes]) -> bytes:
    return _unleet_bytes(m.group())


def has_singles(shape: bytes) -> bool:
    """Three one-character words in a row (leet digits count as characters)."""
    if b" " not in shape:
        return False
    shape = shape.replace(b"1", b"x")
    return b"x x x" in shape and b" x x x " in b" " + shape + b" "


def _unleet_bytes(word: bytes) -> bytes:
    if word.isalpha() or word.isdigit() or word[:1] == b"@" or _LEET_SEARCH(word) is None:
        return word
    if b"@" in word[1:] and _MAIL.search(word.decode()):
        return word  # an address ("bob@gmail"): its "@" is no leet "a"
    if not any(97 <= b <= 122 for b in word) or _NUMBER_UNIT_BYTES.fullmatch(word):
        return word  # a number ("100", "3rd", "5am", "$20"), not leetspeak
    return word.translate(_LEET_BYTES)


def _join_singles(parts: list[AnyStr], empty: AnyStr) -> list[AnyStr]:
    """Join runs of three or more one-letter words ("f r e e" -> "free"), and runs of two with a
    wide gap on both sides ("s u b   t o   m e" -> "sub to me"); drop empties (the gaps)."""
    out: list[AnyStr] = []
    run: list[AnyStr] = []
    gap = True  # what came before the current run: a gap (or the start) rather than a word
    for part in (*parts, empty):
        if len(part) == 1:
            run.append(part)
            continue
        if len(run) >= 3 or (len(run) == 2 and gap and not part):
            out.append(empty.join(run))
        else:
            out.extend(run)
        run = []
        if part:
            out.append(part)
        gap = not part
    return out


# Chat reactions people spell out letter by letter ("L M A O", "G G   W P"), letters squeezed.
def _squeeze(word: str) -> str:
    """Runs of one letter squeezed: "looool" -> "lol"."""
    return "".join(ch for i, ch in enumerate(word) if i == 0 or word[i - 1] != ch)


_REACTIONS = frozenset(
    _squeeze(w.replace("l", "i"))
    for w in "lol lmao lmfao rofl omg gg ggwp wp gj ez pog pogu poggers rip f w l kek kekw hype "
    "yes no wow hi hey bye gn gm ty thx nice wtf why what ok go lets letsgo ha haha xd owo uwu "
    "ace clutch yo sheesh yay".split()
)


def spaced_out(folded: str) -> tuple[int, int]:
    """Letters spelt out one by one ("f o l l o w   m e") and all letters and digits, in
    folded text: a message made mostly of spaced letters is written to slip past filters.
    Spelt-out reactions ("L M A O", "G G") do not count."""
    parts = folded.translate(_SKELETON).split(" ")
    total = sum(len(p) for p in parts)
    spaced = 0
    run: list[str] = []
    gap = True
    for part in (*parts, ""):
        if len(part) == 1:
            run.append(part)
            continue
        if len(run) >= 3 or (len(run) == 2 and gap and not part):
            word = "".join(run)
            if _squeeze(word) not in _REACTIONS:
                spaced += len(word)
        run = []
        gap = not part
    return spaced, total


def skeleton(term: str) -> str:
    """A rule, term or keyword in the same alphabet as :func:`match_text` output."""
    return match_text(fold(term).text).strip()


def skeleton_pattern(source: str) -> str:
    """A regex source written in plain English, rewritten for match text (``l`` reads ``i``).

    Only literal letters change: the rules this is used on never contain an escape with ``l``.
    """
    if "\\l" in source or "\\L" in source:
        raise ValueError("rule sources must not use escapes containing 'l'")
    return source.replace("l", "i")
