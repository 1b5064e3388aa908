"""The outbound check: what a persona says passes the link and mention checks before it is sent.

Nobody can talk a persona into repeating a phishing link or pinging a whole room. Phishing and
lookalike links refuse the text outright; other links that are not allowlisted are cut out;
``@everyone``, ``@here``, ``@room``, role pings and mass mentions are neutralized with a
zero-width space so they read the same and ping nobody.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cogs.warden.checks import View
from cogs.warden.links import LinkJudge

ZWSP = "\u200b"
LINK_REMOVED = "[link removed]"
_MASS_RE = re.compile(r"(?<![\w./])@(everyone|here|room|channel)\b", re.IGNORECASE)
_ROLE_RE = re.compile(r"<@&(\d+)>")
_USER_RE = re.compile(r"<@!?(\d+)>|(?<![\w./])@(\w[\w\-.]*\w|\w)")


@dataclass(frozen=True, slots=True)
class OutboundResult:
    text: str  # what may be sent ("" when refused)
    reasons: tuple[str, ...] = ()
    refused: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.reasons)


def check_outbound(text: str, judge: LinkJudge, *, max_mentions: int = 5) -> OutboundResult:
    """Clean ``text`` for sending, or refuse it."""
    reasons: list[str] = []
    view = View(text)
    cleaned = text
    for finding in view.findings(judge):
        if finding.kind == "allowed":
            continue
        if finding.kind in ("phishing", "brand"):
            return OutboundResult("", (f"refused: {finding.reason}",), refused=True)
        if finding.link.matrix_id:
            continue  # "@alice:example.org" names a person
        link = finding.link
        start = cleaned.lower().find(link.text)
        if start == -1:
            # Disguised ("dot com", lookalike letters): it cannot be cut cleanly, so refuse.
            return OutboundResult("", (f"refused: disguised link to {link.domain}",), refused=True)
        cleaned = cleaned[:start] + LINK_REMOVED + cleaned[start + len(link.text) :]
        reasons.append(f"removed link to {link.domain}")
    if "@" in cleaned:
        cleaned, n = _MASS_RE.subn(lambda m: f"@{ZWSP}{m.group(1)}", cleaned)
        if n:
            reasons.append("neutralized a room-wide ping")
        cleaned, n = _ROLE_RE.subn(lambda m: f"@{ZWSP}role", cleaned)
        if n:
            reasons.append("neutralized a role ping")
        mentioned = {m.group(1) or m.group(2).lower() for m in _USER_RE.finditer(cleaned)}
        if len(mentioned) > max_mentions:
            cleaned = _USER_RE.sub(lambda m: f"@{ZWSP}{m.group(1) or m.group(2)}", cleaned)
            reasons.append(f"neutralized {len(mentioned)} mentions")
    return OutboundResult(cleaned, tuple(reasons))
