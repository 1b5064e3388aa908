"""The production LLM client against a local server speaking the OpenAI wire protocol."""

from __future__ import annotations

import asyncio
import logging
import math
import random
import socket
from contextlib import aclosing

import pytest
from pydantic import SecretStr

from bot.clock import VirtualClock
from bot.config import LLMSettings
from bot.llm.base import ChatMessage, LLMError
from bot.llm.breaker import BreakerState, CircuitBreaker, CircuitOpenError
from bot.llm.factory import make_llm
from bot.llm.offline import OfflineProvider
from bot.llm.openai_client import OpenAIClient, json_schema_format
from bot.llm.outage import OutageNotices
from tests.fakes.openai_server import EMBEDDINGS, FakeOpenAIServer, cosine, embed_text

KEY = "sk-test-SECRETKEY-0123456789"
HI = [ChatMessage("system", "You are Luna."), ChatMessage("user", "hello there friend")]


class Sleeps:
    """Records backoff delays instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def settings_for(server: FakeOpenAIServer, **overrides: object) -> LLMSettings:
    values: dict[str, object] = {
        "base_url": server.base_url,
        "api_key": SecretStr(KEY),
        "model": "fake-chat",
        "embeddings_model": "fake-embed",
        "embeddings_dim": 384,
        "timeout_s": 5.0,
        "max_retries": 2,
        "breaker_failures": 3,
        "breaker_reset_s": 60.0,
    }
    values.update(overrides)
    return LLMSettings.model_validate(values)


@pytest.fixture
async def server():
    async with FakeOpenAIServer() as srv:
        yield srv


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(1000.0)


@pytest.fixture
async def make_client(server, sleeps, clock):
    made: list[OpenAIClient] = []

    def make(**overrides: object) -> OpenAIClient:
        client = OpenAIClient(
            settings_for(server, **overrides), clock=clock, sleep=sleeps, rng=random.Random(7)
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


# --- round trips and accounting ---


async def test_complete_round_trip(server, make_client):
    client = make_client()
    completion = await client.complete(HI)
    assert completion.text == "echo: hello there friend"
    assert completion.model == "fake-chat"
    assert completion.provider == f"127.0.0.1:{server.port}"
    assert not completion.offline
    assert (completion.prompt_tokens, completion.completion_tokens) == (6, 4)
    [request] = server.chat_requests
    assert request.model == "fake-chat"
    assert request.messages == [m.as_openai() for m in HI]
    assert request.stream is False
    assert request.body["max_tokens"] == 300
    assert "max_completion_tokens" not in request.body
    assert request.response_format is None
    assert request.headers["Authorization"] == f"Bearer {KEY}"


async def test_stream_round_trip_and_usage(server, make_client):
    client = make_client()
    server.reply("The moon is out tonight.")
    deltas = [delta async for delta in client.stream(HI)]
    assert len(deltas) > 1
    assert "".join(deltas) == "The moon is out tonight."
    [request] = server.chat_requests
    assert request.stream is True
    assert request.body["stream_options"] == {"include_usage": True}
    assert client.stats.calls == 1
    assert (client.stats.prompt_tokens, client.stats.completion_tokens) == (6, 5)
    assert client.stats.in_flight == 0


async def test_token_and_latency_accounting(server, make_client):
    client = make_client()
    await client.complete(HI)
    await client.complete([ChatMessage("user", "one two three")])
    [_ async for _ in client.stream(HI)]
    stats = client.stats
    assert stats.calls == 3
    assert stats.prompt_tokens == 6 + 3 + 6
    assert stats.completion_tokens == 4 + 4 + 4
    assert len(stats.latencies) == 3 and all(x >= 0 for x in stats.latencies)
    assert stats.latency_p50() is not None
    assert (stats.failures, stats.retries, stats.in_flight) == (0, 0, 0)


async def test_per_call_model_override_reaches_the_server(server, make_client):
    client = make_client()
    completion = await client.complete(HI, model="persona-model")
    [_ async for _ in client.stream(HI, model="stream-model")]
    await client.complete(HI)
    assert [r.model for r in server.chat_requests] == ["persona-model", "stream-model", "fake-chat"]
    assert completion.model == "persona-model"


async def test_no_api_key_sends_a_placeholder(server, make_client):
    client = make_client(api_key=None)
    await client.complete(HI)
    assert server.chat_requests[0].headers["Authorization"] == "Bearer not-needed"


async def test_think_blocks_are_not_shown(server, make_client):
    client = make_client()
    server.reply("<think>they said hello; be brief</think>\nHello!", "<think>hm</think>Hi there")
    assert (await client.complete(HI)).text == "Hello!"
    assert "".join([d async for d in client.stream(HI)]) == "Hi there"


# --- retries ---


async def test_429_retries_honour_retry_after_then_succeed(server, make_client, sleeps):
    client = make_client()
    server.fail("status", status=429, retry_after="3", times=2)
    completion = await client.complete(HI)
    assert completion.text == "echo: hello there friend"
    assert sleeps.delays == [3.0, 3.0]
    assert len(server.chat_requests) == 3
    assert client.stats.retries == 2


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_retries_with_growing_jittered_backoff(server, make_client, sleeps, status):
    client = make_client()
    server.fail("status", status=status, times=2)
    assert (await client.complete(HI)).text.startswith("echo:")
    first, second = sleeps.delays
    assert 0.25 <= first <= 0.5  # base 0.5s, jitter in [50%, 100%]
    assert 0.5 <= second <= 1.0
    assert client.breaker.state is BreakerState.CLOSED


async def test_stream_retries_before_the_first_delta(server, make_client, sleeps):
    client = make_client()
    server.fail("status", status=503)
    assert "".join([d async for d in client.stream(HI)]) == "echo: hello there friend"
    assert len(sleeps.delays) == 1


async def test_gives_up_after_max_retries(server, make_client, sleeps):
    client = make_client(max_retries=2)
    server.fail("status", status=500, times=10)
    with pytest.raises(LLMError) as caught:
        await client.complete(HI)
    assert len(server.chat_requests) == 3
    assert len(sleeps.delays) == 2
    assert "HTTP 500" in str(caught.value) and "\n" not in str(caught.value)
    assert client.stats.failures == 1 and client.stats.last_error == str(caught.value)
    assert client.stats.in_flight == 0


async def test_an_absurd_retry_after_is_not_waited_out(server, make_client, sleeps):
    client = make_client()
    server.fail("status", status=429, retry_after="3600")
    with pytest.raises(LLMError, match="rate limited"):
        await client.complete(HI)
    assert sleeps.delays == [] and len(server.chat_requests) == 1


async def test_client_errors_are_not_retried_and_do_not_open_the_breaker(server, make_client):
    client = make_client(breaker_failures=1)
    server.fail("status", status=400, message="context length exceeded", times=2)
    for _ in range(2):
        with pytest.raises(LLMError, match=r"HTTP 400.*context length exceeded"):
            await client.complete(HI)
    assert len(server.chat_requests) == 2
    assert client.breaker.state is BreakerState.CLOSED


async def test_rejected_max_tokens_is_renamed_for_that_model(server, make_client):
    client = make_client()
    server.fail(
        "status",
        status=400,
        param="max_tokens",
        message="Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
    )
    await client.complete(HI, model="reasoner")
    await client.complete(HI, model="reasoner")
    await client.complete(HI)
    first, second, third, fourth = server.chat_requests
    assert "max_tokens" in first.body
    assert "max_tokens" not in second.body and second.body["max_completion_tokens"] == 300
    assert "max_tokens" not in third.body
    assert fourth.model == "fake-chat" and fourth.body["max_tokens"] == 300


async def test_a_real_max_tokens_error_is_not_mistaken_for_an_unknown_parameter(
    server, make_client
):
    client = make_client()
    server.fail("status", status=400, message="max_tokens is too large: 300", times=1)
    with pytest.raises(LLMError, match="too large"):
        await client.complete(HI)
    await client.complete(HI)
    assert [r.body.get("max_tokens") for r in server.chat_requests] == [300, 300]


async def test_wrong_base_url_gets_a_hint(server, make_client):
    client = make_client(base_url=server.base_url.removesuffix("/v1"))
    with pytest.raises(LLMError, match=r"HTTP 404 .*ends in /v1"):
        await client.complete(HI)


async def test_a_reader_that_stops_early_leaves_nothing_behind(server, make_client):
    client = make_client()
    server.reply("one two three four five")
    async with asyncio.timeout(5), aclosing(client.stream(HI)) as deltas:
        async for delta in deltas:
            assert delta == "one "
            break
    assert client.stats.in_flight == 0
    assert client.breaker.state is BreakerState.CLOSED
    assert (await client.complete(HI)).text.startswith("echo:")


async def test_unsupported_response_format_falls_back_once(make_client):
    async with FakeOpenAIServer(supports_response_format=False) as server:
        client = OpenAIClient(settings_for(server))
        try:
            fmt = json_schema_format("x", {"type": "object"})
            await client.complete(HI, response_format=fmt)
            await client.complete(HI, response_format=fmt)
            formats = [r.response_format for r in server.chat_requests]
            assert formats == [fmt, None, None]
        finally:
            await client.aclose()


# --- bad answers: every failure is a one-line LLMError ---


@pytest.mark.parametrize(
    ("kind", "status", "streaming", "expected"),
    [
        ("garbage", None, False, "garbage response"),
        ("garbage", None, True, "application/json, not events"),
        ("html", 200, False, "HTML page, not JSON"),
        ("html", 200, True, "text/html, not events"),
        ("html", 502, False, "HTTP 502 .*HTML error page"),
        ("html", 502, True, "HTTP 502 .*HTML error page"),
        ("empty_stream", None, True, "empty stream"),
        ("empty_stream", None, False, "without choices"),
        ("status", 500, False, "HTTP 500"),
        ("status", 500, True, "HTTP 500"),
    ],
)
async def test_bad_answers_surface_as_llm_error(
    server, make_client, kind, status, streaming, expected
):
    client = make_client()
    server.fail(kind, status=status, times=10)
    with pytest.raises(LLMError, match=expected) as caught:
        if streaming:
            [_ async for _ in client.stream(HI)]
        else:
            await client.complete(HI)
    assert "\n" not in str(caught.value) and len(str(caught.value)) <= 240
    assert "<" not in str(caught.value)
    assert client.stats.in_flight == 0


async def test_stream_cut_midway_raises_after_the_partial_text(server, make_client):
    client = make_client()
    server.reply("one two three four five six")
    server.fail("cut_stream")
    received: list[str] = []
    with pytest.raises(LLMError, match="cannot reach"):
        async for delta in client.stream(HI):
            received.append(delta)
    assert "".join(received) == "one two "
    assert len(server.chat_requests) == 1  # text was already out: no retry
    assert client.stats.failures == 1


async def test_timeout_is_an_llm_error(server, make_client):
    client = make_client(timeout_s=0.3)
    server.fail("delay", delay_s=30)
    with pytest.raises(LLMError, match=r"timed out after 0\.3s"):
        await client.complete(HI)
    server.fail("delay", delay_s=30)
    with pytest.raises(LLMError, match="timed out"):
        [_ async for _ in client.stream(HI)]
    assert len(server.chat_requests) == 2  # timeouts are not retried


async def test_unreachable_endpoint_is_an_llm_error(make_client, sleeps):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = OpenAIClient(
        LLMSettings(base_url=f"http://127.0.0.1:{port}/v1", max_retries=1), sleep=sleeps
    )
    try:
        with pytest.raises(LLMError, match="cannot reach"):
            await client.complete(HI)
        assert len(sleeps.delays) == 1
        capabilities = await client.probe()
        assert not capabilities.reachable
        assert capabilities.summary().startswith("unreachable")
    finally:
        await client.aclose()


async def test_api_key_never_appears_in_errors_or_logs(server, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(max_retries=1)
    server.fail("echo_auth", times=5)
    with pytest.raises(LLMError) as caught:
        await client.complete(HI)
    assert "upstream rejected header" in str(caught.value)
    server.fail("echo_auth", times=5)
    with pytest.raises(LLMError) as caught_stream:
        [_ async for _ in client.stream(HI)]
    for text in (str(caught.value), str(caught_stream.value), caplog.text, repr(client)):
        assert KEY not in text
        assert "SECRETKEY" not in text


async def test_wrong_api_key_says_so_without_echoing_it(make_client):
    async with FakeOpenAIServer(api_key="the-right-key") as server:
        client = OpenAIClient(settings_for(server))
        try:
            with pytest.raises(LLMError, match=r"HTTP 401.*check llm.api_key") as caught:
                await client.complete(HI)
            assert KEY not in str(caught.value)
        finally:
            await client.aclose()


# --- concurrency ---


async def test_concurrency_bound_is_shared_by_clients_of_one_endpoint(server, make_client):
    first = make_client(max_concurrency=3)
    second = make_client(max_concurrency=3)
    server.hold()
    calls = [
        asyncio.create_task((first if i % 2 else second).complete([ChatMessage("user", f"m{i}")]))
        for i in range(8)
    ]
    async with asyncio.timeout(5):
        await server.wait_in_flight(3)
    await asyncio.sleep(0.2)  # room for a fourth request to (wrongly) arrive
    assert server.in_flight == 3
    assert len(server.chat_requests) == 3
    assert first.stats.in_flight + second.stats.in_flight == 8
    server.release()
    replies = await asyncio.gather(*calls)
    assert sorted(r.text for r in replies) == sorted(f"echo: m{i}" for i in range(8))
    assert server.high_water == 3
    assert first.stats.in_flight == second.stats.in_flight == 0


# --- circuit breaker and outage notices ---


async def test_breaker_opens_fails_fast_and_half_opens(server, make_client, clock):
    client = make_client(max_retries=0, breaker_failures=2, breaker_reset_s=60)
    server.fail("status", status=503, times=2)
    for _ in range(2):
        with pytest.raises(LLMError, match="HTTP 503"):
            await client.complete(HI)
    assert client.breaker.state is BreakerState.OPEN

    with pytest.raises(CircuitOpenError, match=r"^language model unavailable: ") as caught:
        await client.complete(HI)
    with pytest.raises(CircuitOpenError):
        [_ async for _ in client.stream(HI)]
    assert isinstance(caught.value, LLMError)
    assert len(server.chat_requests) == 2  # refused without calling the endpoint
    assert client.stats.rejected == 2

    clock.advance(59)
    assert client.breaker.state is BreakerState.OPEN
    clock.advance(1)
    assert client.breaker.state is BreakerState.HALF_OPEN

    server.fail("status", status=503)  # the trial fails: open again for another window
    with pytest.raises(LLMError, match="HTTP 503"):
        await client.complete(HI)
    assert client.breaker.state is BreakerState.OPEN
    clock.advance(60)
    assert (await client.complete(HI)).text.startswith("echo:")  # the trial succeeds
    assert client.breaker.state is BreakerState.CLOSED
    assert (await client.complete(HI)).text.startswith("echo:")


async def test_half_open_lets_one_trial_through(server, make_client, clock):
    client = make_client(max_retries=0, breaker_failures=1, breaker_reset_s=30)
    server.fail("status", status=500)
    with pytest.raises(LLMError):
        await client.complete(HI)
    clock.advance(30)
    server.hold()
    trial = asyncio.create_task(client.complete(HI))
    async with asyncio.timeout(5):
        await server.wait_in_flight(1)
    with pytest.raises(CircuitOpenError):
        await client.complete(HI)
    server.release()
    assert (await trial).text.startswith("echo:")
    assert client.breaker.state is BreakerState.CLOSED


def test_breaker_trial_whose_caller_vanished_expires():
    clock = VirtualClock()
    breaker = CircuitBreaker(clock, failures=1, reset_s=10)
    breaker.record_failure("boom")
    clock.advance(10)
    assert breaker.allow()  # the trial, never reported back
    assert not breaker.allow()
    clock.advance(10)
    assert breaker.allow()
    assert breaker.last_error == "boom"


def test_outage_notices_once_per_room_per_window():
    clock = VirtualClock()
    notices = OutageNotices(clock, every_s=600)
    assert notices.notice_for("local:lobby") == notices.text
    assert notices.notice_for("local:lobby") is None
    assert notices.notice_for("twitch:chan") == notices.text
    clock.advance(599)
    assert notices.notice_for("local:lobby") is None
    clock.advance(1)
    assert notices.notice_for("local:lobby") == notices.text
    assert "can't think right now" in notices.text


async def test_an_outage_gives_each_room_one_notice(server, make_client, clock):
    """Many messages in two rooms during an outage: one short notice per room, no pile-up."""
    client = make_client(max_retries=0, breaker_failures=2, breaker_reset_s=60)
    notices = OutageNotices(clock, every_s=client.settings.outage_notice_every_s)
    server.fail("status", status=502, times=100)
    said: list[tuple[str, str]] = []
    for i in range(20):
        room = ("local:a", "local:b")[i % 2]
        try:
            await client.complete([ChatMessage("user", f"hi {i}")])
        except LLMError:
            if (text := notices.notice_for(room)) is not None:
                said.append((room, text))
        clock.advance(5)
    assert [room for room, _ in said] == ["local:a", "local:b"]
    assert len(server.chat_requests) <= 2 + 20 * 5 // 60 + 1  # the breaker held the rest back


# --- embeddings and the capability probe ---


async def test_embeddings_round_trip(server, make_client):
    client = make_client()
    vectors = await client.embed(["Alice loves her kitten", "", "The car engine broke down"])
    assert vectors is not None and len(vectors) == 3
    for vector in vectors:
        assert len(vector) == 384
        assert math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-6)
    [request] = server.embedding_requests
    assert request.model == "fake-embed"
    assert request.body["encoding_format"] == "float"
    assert client.stats.embed_calls == 1


async def test_paraphrases_embed_closer_than_unrelated_texts(make_client):
    client = make_client()
    anchor, paraphrase, unrelated = await client.embed(
        [
            "Alice loves her kitten",
            "alice adores cats",
            "The car engine broke down on the highway",
        ]
    )
    assert cosine(anchor, paraphrase) > 0.8
    assert cosine(anchor, unrelated) < 0.3
    assert cosine(anchor, paraphrase) > cosine(anchor, unrelated)
    assert embed_text("Bob works as a nurse") == embed_text("bob's job: nurse")


async def test_embeddings_unconfigured_is_none(server, make_client):
    client = make_client(embeddings_model=None)
    assert await client.embed(["anything"]) is None
    assert server.embedding_requests == []


async def test_embeddings_dimension_mismatch_is_a_clear_error(make_client):
    async with FakeOpenAIServer(embedding_dim=768) as server:
        client = OpenAIClient(settings_for(server))
        try:
            with pytest.raises(LLMError, match=r"768 dimensions.*embeddings_dim is 384"):
                await client.embed(["hello"])
            capabilities = await client.probe()
            assert not capabilities.embeddings and capabilities.embeddings_dim == 768
        finally:
            await client.aclose()


async def test_embedding_failures_do_not_open_the_chat_breaker(server, make_client):
    client = make_client(max_retries=0, breaker_failures=1)
    server.fail("status", status=500, path=EMBEDDINGS)
    with pytest.raises(LLMError, match="HTTP 500"):
        await client.embed(["hello"])
    assert client.embed_breaker.state is BreakerState.OPEN
    assert client.breaker.state is BreakerState.CLOSED
    assert (await client.complete(HI)).text.startswith("echo:")


async def test_probe_reports_capabilities(server, make_client):
    client = make_client()
    capabilities = await client.probe()
    assert capabilities.reachable and capabilities.model_listed
    assert capabilities.models == ("fake-chat", "fake-embed")
    assert capabilities.embeddings and capabilities.embeddings_dim == 384
    assert capabilities.structured_output and client.structured_output is True
    assert capabilities.notes == ()
    assert "structured output" in capabilities.summary()
    probe_request = server.chat_requests[-1]
    assert probe_request.response_format["type"] == "json_schema"


async def test_probe_without_structured_output_or_embeddings(make_client):
    async with FakeOpenAIServer(supports_response_format=False) as server:
        client = OpenAIClient(settings_for(server, embeddings_model=None, model="absent"))
        try:
            capabilities = await client.probe()
            assert capabilities.reachable
            assert not capabilities.model_listed
            assert not capabilities.structured_output and client.structured_output is False
            assert not capabilities.embeddings
            notes = " | ".join(capabilities.notes)
            assert "not listed" in notes and "FTS5 only" in notes
            assert "structured output not supported" in notes
            await client.complete(HI, response_format=json_schema_format("x", {}))
            assert server.chat_requests[-1].response_format is None
        finally:
            await client.aclose()


# --- the factory and the offline provider ---


async def test_make_llm_offline_without_base_url():
    llm = make_llm(LLMSettings())
    assert isinstance(llm, OfflineProvider) and llm.offline
    completion = await llm.complete([ChatMessage("user", "are you there?")], persona_name="Luna")
    assert "Luna" in completion.text and "offline" in completion.text
    assert completion.offline
    streamed = "".join([d async for d in llm.stream(HI, persona_name="Luna")])
    assert "Luna" in streamed and "offline" in streamed
    assert await llm.embed(["x"]) is None


async def test_make_llm_client_with_base_url(server):
    llm = make_llm(settings_for(server))
    try:
        assert isinstance(llm, OpenAIClient) and not llm.offline
        assert (await llm.complete(HI)).text == "echo: hello there friend"
    finally:
        await llm.aclose()
