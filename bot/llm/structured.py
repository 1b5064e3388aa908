"""Ask the model for JSON validated by a pydantic model.

Where the endpoint supports it, the request carries ``response_format`` (json_schema); either
way the prompt states the schema and the reply is parsed tolerantly (```json fences, prose
around the object), because small local models and servers without structured output still
mostly get it right. An invalid reply earns exactly one retry with the validation error fed
back; a second invalid reply raises :class:`LLMError` (the caller skips and logs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.llm.base import LLM, ChatMessage, LLMError
from bot.llm.openai_client import json_schema_format

M = TypeVar("M", bound=BaseModel)

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|json5)?[ \t]*\n?(.*?)```", re.S)
_THINK = re.compile(r"<think>.*?</think>", re.S)
_MAX_STARTS = 64  # candidate "{" / "[" positions tried in a chatty reply


class StructuredReplyError(ValueError):
    """A reply that is not JSON, or not JSON of the expected shape; the text is one line."""


def extract_json(text: str) -> Any:
    """The first JSON value in ``text``: whole, inside a ``` fence, or after leading prose."""
    text = _THINK.sub("", text).strip()
    candidates = [m.group(1).strip() for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            pass
        starts = [i for i, ch in enumerate(candidate) if ch in "{["][:_MAX_STARTS]
        for start in starts:
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except ValueError:
                continue
            return value
    snippet = " ".join(text.split())[:80]
    raise StructuredReplyError(f"no JSON found in the reply: {snippet!r}")


def parse_reply(text: str, schema: type[M]) -> M:
    """Parse and validate one reply against ``schema``."""
    value = extract_json(text)
    fields = list(schema.model_fields)
    if isinstance(value, list) and len(fields) == 1:
        value = {fields[0]: value}  # a bare list for a model that wraps one list: accept it
    try:
        return schema.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"
            for err in exc.errors()[:3]
        )
        raise StructuredReplyError(f"{exc.error_count()} validation error(s): {problems}") from None


def schema_instruction(schema: type[BaseModel]) -> str:
    return (
        "Answer with one JSON object and nothing else (no prose, no code fence). "
        "It must match this JSON schema:\n" + json.dumps(schema.model_json_schema())
    )


def _with_instruction(messages: Sequence[ChatMessage], instruction: str) -> list[ChatMessage]:
    # Folded into the first system message: some chat templates refuse a second one.
    out = list(messages)
    if out and out[0].role == "system":
        out[0] = ChatMessage("system", f"{out[0].content}\n\n{instruction}", out[0].name)
    else:
        out.insert(0, ChatMessage("system", instruction))
    return out


async def ask_structured(
    llm: LLM,
    messages: Sequence[ChatMessage],
    schema: type[M],
    *,
    model: str | None = None,
    max_tokens: int | None = None,
    temperature: float | None = 0.2,
) -> M:
    """A ``schema`` instance from the model, or LLMError after one failed retry."""
    if llm.offline:
        raise LLMError("structured output needs a language model; only the offline one is set up")
    prompt = _with_instruction(messages, schema_instruction(schema))
    extra: dict[str, Any] = {}
    # Only clients that know about response_format get it, and only unless probed unsupported.
    if getattr(llm, "structured_output", False) is not False:
        extra["response_format"] = json_schema_format(schema.__name__, schema.model_json_schema())
    error: StructuredReplyError | None = None
    for attempt in range(2):
        completion = await llm.complete(  # type: ignore[call-arg]
            prompt, model=model, max_tokens=max_tokens, temperature=temperature, **extra
        )
        try:
            return parse_reply(completion.text, schema)
        except StructuredReplyError as exc:
            error = exc
        if attempt == 0:
            prompt = [
                *prompt,
                ChatMessage("assistant", completion.text),
                ChatMessage(
                    "user",
                    f"That reply was not valid ({error}). Reply again with only the JSON "
                    "object, matching the schema exactly.",
                ),
            ]
    raise LLMError(f"structured output for {schema.__name__} invalid after a retry: {error}")
