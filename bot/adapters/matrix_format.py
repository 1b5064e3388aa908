"""Outgoing Matrix message content: markdown -> formatted_body, replies, mention safety.

Raw HTML in the text is escaped, never passed through: a persona's words cannot inject markup.
Every message carries ``m.mentions``, which turns off the legacy body-based ``@room`` push rule.
"""

from __future__ import annotations

import html
from typing import Any

from markdown_it import MarkdownIt

from bot.message import MessageKind

_MD = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("strikethrough")
_ROOM_PING = "@room"
_DEFUSED = "@\u2060room"  # a word joiner: reads the same, pings nobody


def render_markdown(text: str) -> str | None:
    """HTML for ``text``, or None when markdown adds nothing to the plain body."""
    rendered = _MD.render(text).strip()
    plain = f"<p>{html.escape(text, quote=False)}</p>"
    if rendered == plain or not rendered:
        return None
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]  # a single paragraph needs no wrapper
    return rendered


def defuse(text: str) -> str:
    """Never ping a whole room, whatever a persona writes."""
    return text.replace(_ROOM_PING, _DEFUSED) if _ROOM_PING in text else text


def msgtype_for(kind: MessageKind, default: str) -> str:
    if kind is MessageKind.EMOTE:
        return "m.emote"
    if kind is MessageKind.NOTICE:
        return "m.notice"
    return default


def message_content(
    text: str,
    *,
    msgtype: str = "m.notice",
    reply_to: str | None = None,
    mention_ids: list[str] | None = None,
) -> dict[str, Any]:
    """The ``m.room.message`` content for ``text`` (markdown allowed)."""
    body = defuse(text)
    content: dict[str, Any] = {"msgtype": msgtype, "body": body}
    formatted = render_markdown(body)
    if formatted is not None:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = formatted
    content["m.mentions"] = {"user_ids": sorted(set(mention_ids or []))}
    if reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    return content
