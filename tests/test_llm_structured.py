"""JSON validated by pydantic, with and without the endpoint's structured output support."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from bot.config import LLMSettings
from bot.llm.base import ChatMessage, LLMError
from bot.llm.offline import OfflineProvider
from bot.llm.openai_client import OpenAIClient
from bot.llm.structured import StructuredReplyError, ask_structured, extract_json, parse_reply
from tests.fakes.openai_server import FakeOpenAIServer


class Fact(BaseModel):
    subject: str
    text: str
    importance: int = Field(ge=1, le=5)


class Facts(BaseModel):
    facts: list[Fact]


GOOD = {"facts": [{"subject": "alice", "text": "Alice has a cat named Miso", "importance": 3}]}
ASK = [
    ChatMessage("system", "You extract durable facts from a conversation."),
    ChatMessage("user", "alice: my cat Miso knocked over my coffee again"),
]


def client_for(server: FakeOpenAIServer, **overrides: object) -> OpenAIClient:
    settings = {"base_url": server.base_url, "model": "fake-chat", "max_retries": 0}
    settings.update(overrides)
    return OpenAIClient(LLMSettings.model_validate(settings))


async def test_structured_output_where_supported():
    async with FakeOpenAIServer() as server:
        client = client_for(server)
        try:
            server.reply(json.dumps(GOOD))
            facts = await ask_structured(client, ASK, Facts)
            assert facts == Facts.model_validate(GOOD)
            [request] = server.chat_requests
            fmt = request.response_format
            assert fmt["type"] == "json_schema"
            assert fmt["json_schema"]["name"] == "Facts"
            assert fmt["json_schema"]["schema"] == Facts.model_json_schema()
            system = request.messages[0]
            assert system["role"] == "system"
            assert system["content"].startswith("You extract durable facts")
            assert "JSON schema" in system["content"]
            assert [m["role"] for m in request.messages] == ["system", "user"]
        finally:
            await client.aclose()


async def test_plain_json_parsing_where_unsupported():
    async with FakeOpenAIServer(supports_response_format=False) as server:
        client = client_for(server)
        try:
            server.reply(
                f"Sure! Here are the facts:\n```json\n{json.dumps(GOOD)}\n```\nAnything else?"
            )
            facts = await ask_structured(client, ASK, Facts)
            assert facts.facts[0].subject == "alice"
            # Rejected once (400 naming response_format), then asked again without it.
            assert [r.response_format is None for r in server.chat_requests] == [False, True]
            server.reply(json.dumps(GOOD))
            await ask_structured(client, ASK, Facts)
            assert server.chat_requests[-1].response_format is None
        finally:
            await client.aclose()


async def test_probe_said_unsupported_so_response_format_is_never_sent():
    async with FakeOpenAIServer(supports_response_format=False) as server:
        client = client_for(server)
        try:
            await client.probe()
            sent_before = len(server.chat_requests)
            server.reply(json.dumps(GOOD))
            await ask_structured(client, ASK, Facts)
            assert len(server.chat_requests) == sent_before + 1
            assert server.chat_requests[-1].response_format is None
        finally:
            await client.aclose()


async def test_one_retry_with_the_error_fed_back():
    async with FakeOpenAIServer() as server:
        client = client_for(server)
        try:
            bad = {"facts": [{"subject": "alice", "text": "has a cat", "importance": 9}]}
            server.reply(json.dumps(bad), json.dumps(GOOD))
            facts = await ask_structured(client, ASK, Facts)
            assert facts == Facts.model_validate(GOOD)
            first, second = server.chat_requests
            assert second.messages[: len(first.messages)] == first.messages
            assistant, feedback = second.messages[-2:]
            assert assistant == {"role": "assistant", "content": json.dumps(bad)}
            assert feedback["role"] == "user"
            assert "facts.0.importance" in feedback["content"]
        finally:
            await client.aclose()


async def test_persistent_invalid_json_fails_after_one_retry():
    async with FakeOpenAIServer() as server:
        client = client_for(server)
        try:
            server.reply("I think Alice likes cats.", "Alice likes cats, I said.", "{}")
            with pytest.raises(LLMError, match="Facts invalid after a retry") as caught:
                await ask_structured(client, ASK, Facts)
            assert "\n" not in str(caught.value)
            assert len(server.chat_requests) == 2
        finally:
            await client.aclose()


async def test_the_offline_provider_cannot_do_structured_output():
    with pytest.raises(LLMError, match="structured output needs a language model"):
        await ask_structured(OfflineProvider(), ASK, Facts)


async def test_an_endpoint_failure_is_an_llm_error():
    async with FakeOpenAIServer() as server:
        client = client_for(server)
        try:
            server.fail("garbage")
            with pytest.raises(LLMError, match="garbage response"):
                await ask_structured(client, ASK, Facts)
        finally:
            await client.aclose()


# --- tolerant parsing ---


@pytest.mark.parametrize(
    "reply",
    [
        '{"a": 1}',
        '```json\n{"a": 1}\n```',
        '```\n{"a": 1}\n```',
        'Here you go: {"a": 1} — hope that helps!',
        'Note: {not json}. The answer: {"a": 1}',
        '<think>the user wants {"a": 2}?</think>{"a": 1}',
    ],
)
def test_extract_json_tolerates_fences_and_prose(reply):
    assert extract_json(reply) == {"a": 1}


def test_extract_json_keeps_braces_inside_strings():
    assert extract_json('ok {"text": "a } b { c", "n": [1, 2]} done') == {
        "text": "a } b { c",
        "n": [1, 2],
    }


@pytest.mark.parametrize("reply", ["", "no json here", "{broken", "```json\n```"])
def test_extract_json_without_json_is_a_one_line_error(reply):
    with pytest.raises(StructuredReplyError) as caught:
        extract_json(reply)
    assert "\n" not in str(caught.value)


def test_a_bare_list_is_accepted_for_a_one_list_model():
    facts = parse_reply(json.dumps(GOOD["facts"]), Facts)
    assert facts.facts[0].importance == 3


def test_validation_errors_name_the_field():
    with pytest.raises(StructuredReplyError, match=r"facts\.0\.importance"):
        parse_reply('{"facts": [{"subject": "a", "text": "b", "importance": 0}]}', Facts)
