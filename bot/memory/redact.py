"""Redaction: secrets and contact details never reach a stored memory.

Applied to every memory text the repository stores and to the conversation lines the Librarian
sends to the model for extraction. Each finding becomes a bracketed placeholder ("[email]",
"[phone]", "[secret]"...) so the sentence still reads. It errs towards redacting: a false
positive costs a detail, a false negative leaks a password into the persona's memory.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S
)
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{1,15}://)[^\s/:@]+:[^\s/@]+@")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
# Well-known credential shapes: OpenAI, Stripe, GitHub, Slack, AWS, Google, GitLab, Hugging
# Face, npm, Twitch chat oauth, Matrix access tokens, Discord bot tokens.
_KNOWN_TOKEN = re.compile(
    r"\b(?:"
    r"sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}"
    r"|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}"
    r"|(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"
    r"|AIza[0-9A-Za-z_-]{30,}"
    r"|glpat-[A-Za-z0-9_-]{16,}"
    r"|hf_[A-Za-z0-9]{20,}"
    r"|npm_[A-Za-z0-9]{20,}"
    r"|oauth:[a-z0-9]{20,}"
    r"|sy[tn]_[A-Za-z0-9_]{10,}"
    r"|[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"
    r")"
)
# "password: hunter2", "my api key is abc123", "token=...": keep the keyword, hide the value.
_KEYWORD_SECRET = re.compile(
    r"(?i)\b(pass(?:word|wd|phrase|code)?|pwd|pin(?:\s*code)?|api[\s_-]?key|secret(?:\s*key)?"
    r"|(?:access|auth|bearer|refresh|bot)?[\s_-]?token|bearer|2fa(?:\s*code)?|otp)"
    r"(\s*(?:is|was|=|:|->)\s*)"
    r"(?!\[)([^\s,;]{3,})"
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w.])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]?\d{2,5}){1,4}(?![\w])"
)
_DATE = re.compile(r"^(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4})$")
_TIME_OR_RANGE = re.compile(r"^\d{1,4}\s*-\s*\d{1,4}$")
# Long random-looking strings: at least 24 characters mixing digits and letters.
_GENERIC = re.compile(r"(?<![\w-])[A-Za-z0-9_\-+/]{24,}={0,2}(?![\w-])")


def _luhn(digits: str) -> bool:
    total, double = 0, False
    for char in reversed(digits):
        value = int(char)
        if double:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
        double = not double
    return total % 10 == 0


@dataclass(slots=True)
class Redaction:
    """The redacted text and what was found, by kind."""

    text: str
    found: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.found)


def _sub(
    pattern: re.Pattern[str],
    result: Redaction,
    kind: str,
    replace: Callable[[re.Match[str]], str | None],
) -> None:
    def apply(match: re.Match[str]) -> str:
        out = replace(match)
        if out is None:
            return match.group(0)
        result.found[kind] += 1
        return out

    result.text = pattern.sub(apply, result.text)


def _card(match: re.Match[str]) -> str | None:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card number]" if 13 <= len(digits) <= 19 and _luhn(digits) else None


def _phone(match: re.Match[str]) -> str | None:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        return None
    if _DATE.match(raw.strip()) or _TIME_OR_RANGE.match(raw.strip()):
        return None
    return "[phone]"


def _generic(match: re.Match[str]) -> str | None:
    token = match.group(0)
    has_digit = any(c.isdigit() for c in token)
    has_alpha = any(c.isalpha() for c in token)
    if not (has_digit and has_alpha):
        return None
    if sum(c.isdigit() for c in token) < 4:
        return None  # long ordinary compounds ("state-of-the-art-2") stay
    return "[secret]"


def redact(text: str) -> Redaction:
    """``text`` with secrets replaced by placeholders, and a count of what was replaced."""
    result = Redaction(text)
    _sub(_PRIVATE_KEY, result, "private key", lambda m: "[private key]")
    _sub(_URL_CREDENTIALS, result, "credentials", lambda m: f"{m.group(1)}[secret]@")
    _sub(_JWT, result, "token", lambda m: "[secret]")
    _sub(_KNOWN_TOKEN, result, "token", lambda m: "[secret]")
    _sub(_KEYWORD_SECRET, result, "password", lambda m: f"{m.group(1)}{m.group(2)}[secret]")
    _sub(_EMAIL, result, "email", lambda m: "[email]")
    _sub(_IBAN, result, "bank account", lambda m: "[bank account]")
    _sub(_CARD, result, "card number", _card)
    _sub(_SSN, result, "id number", lambda m: "[id number]")
    _sub(_PHONE, result, "phone", _phone)
    _sub(_GENERIC, result, "token", _generic)
    return result


def redact_text(text: str) -> str:
    return redact(text).text
