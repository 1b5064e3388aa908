"""The production LLM client: any OpenAI-compatible endpoint through ``openai.AsyncOpenAI``.

One configuration (``base_url``, ``api_key``, ``model``) serves OpenAI, Ollama (``.../v1``),
LM Studio, llama.cpp server and vLLM. To stay compatible with all of them the client sends
``max_tokens`` (not ``max_completion_tokens``), sends ``response_format`` only where it is
supported, and when an endpoint rejects an optional parameter (400 naming it) it drops or
renames that parameter for that model and tries again at once.

Robustness lives here, not in the SDK (its own retries are off): bounded concurrency per
endpoint, retries with exponential backoff and jitter on 429 (Retry-After honoured), 5xx and
connection errors, a per-attempt timeout, a circuit breaker on the injected clock, and token
and latency accounting. Every failure leaves as :class:`LLMError` with a one-line message
that never contains the API key.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import openai

from bot.clock import Clock, SystemClock
from bot.config import LLMSettings
from bot.llm.base import ChatMessage, Completion, LLMError, LLMStats
from bot.llm.breaker import CircuitBreaker, CircuitOpenError

log = logging.getLogger("bot.llm")

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

# Local servers (Ollama, LM Studio, llama.cpp, vLLM) ignore the key, but the SDK insists on one.
PLACEHOLDER_KEY = "not-needed"
EMBED_BATCH = 64
# Optional request parameters an endpoint may reject; see _Request.adapt.
_OPTIONAL_PARAMS = ("response_format", "stream_options", "max_tokens", "temperature")
_REJECTION_WORDS = (
    "support",
    "unrecogni",
    "unknown",
    "unexpected",
    "not allowed",
    "not permitted",
    "extra",
)
_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.S)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the startup probe found out about the endpoint."""

    reachable: bool
    models: tuple[str, ...] = ()
    model_listed: bool = False  # the configured model appears in GET /models
    embeddings: bool = False  # embeddings work and have the configured dimension
    embeddings_model: str | None = None
    embeddings_dim: int | None = None  # the dimension the endpoint actually returned
    structured_output: bool = False  # response_format json_schema accepted
    notes: tuple[str, ...] = ()  # one line per thing that did not work

    def summary(self) -> str:
        """One line for `status`."""
        if not self.reachable:
            return "unreachable" + (f" ({self.notes[0]})" if self.notes else "")
        parts = ["reachable"]
        parts.append(
            f"embeddings {self.embeddings_model} ({self.embeddings_dim}d)"
            if self.embeddings
            else "no embeddings (recall is FTS5 only)"
        )
        parts.append("structured output" if self.structured_output else "plain JSON parsing")
        return ", ".join(parts)


# --- concurrency: one semaphore per endpoint, shared by every client in this event loop ---

_SEMAPHORES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]]
_SEMAPHORES = weakref.WeakKeyDictionary()


def endpoint_semaphore(base_url: str, size: int) -> asyncio.Semaphore:
    """The semaphore bounding requests to ``base_url``; the first caller's ``size`` wins."""
    per_loop = _SEMAPHORES.setdefault(asyncio.get_running_loop(), {})
    key = base_url.rstrip("/")
    if key not in per_loop:
        per_loop[key] = asyncio.Semaphore(max(1, size))
    return per_loop[key]


# --- failures ---


class _BadResponse(Exception):
    """The endpoint answered 2xx but not with something usable."""

    def __init__(self, message: str, *, outage: bool = True) -> None:
        super().__init__(message)
        self.outage = outage


@dataclass(slots=True)
class _Failure:
    message: str
    retryable: bool = False
    outage: bool = True  # counts towards the circuit breaker
    retry_after: float | None = None
    unsupported: str | None = None  # an optional parameter the endpoint rejected


_BEARER = re.compile(r"(?i)bearer\s+\S+")
_SK = re.compile(r"sk-[A-Za-z0-9_\-]{6,}")
_TAGS = re.compile(r"<[^>]*>")


def _looks_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype", "<html", "<head", "<body")) or "<html" in head


def _retry_after(headers: Any) -> float | None:
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            continue  # an HTTP date: rare from model servers; fall back to our own backoff
    return None


def _error_detail(body: object, fallback: str) -> str:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(error, str):
            return error
    if isinstance(body, str):
        return "HTML error page" if _looks_html(body) else body
    return fallback


class OpenAIClient:
    """The LLM protocol (bot/llm/base.py) over an OpenAI-compatible HTTP endpoint."""

    offline = False

    def __init__(
        self,
        settings: LLMSettings,
        *,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 8.0,
        max_retry_after_s: float = 60.0,
    ) -> None:
        if not settings.base_url:
            raise LLMError("no llm.base_url configured: use the offline provider instead")
        self.settings = settings
        self.clock = clock or SystemClock()
        self.stats = LLMStats()
        self.capabilities: Capabilities | None = None
        self._sleep: Sleep = sleep or asyncio.sleep
        self._rng = rng or random.Random()
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._max_retry_after_s = max_retry_after_s
        self._key = settings.api_key.get_secret_value() if settings.api_key else ""
        self._chat_url = settings.base_url.rstrip("/")
        self._embed_url = (settings.embeddings_base_url or settings.base_url).rstrip("/")
        self.host = urlsplit(self._chat_url).netloc or self._chat_url
        self.name = self.host
        self.breaker = CircuitBreaker(
            self.clock, failures=settings.breaker_failures, reset_s=settings.breaker_reset_s
        )
        # A broken embeddings endpoint must not silence the personas: its own breaker.
        self.embed_breaker = CircuitBreaker(
            self.clock, failures=settings.breaker_failures, reset_s=settings.breaker_reset_s
        )
        self._client = self._sdk(self._chat_url)
        self._embed_client = (
            self._client if self._embed_url == self._chat_url else self._sdk(self._embed_url)
        )
        # Parameters each model's endpoint rejected, learned from 400s; see _adapt.
        self._unsupported: dict[str, set[str]] = {}

    def _sdk(self, base_url: str) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=base_url,
            api_key=self._key or PLACEHOLDER_KEY,
            max_retries=0,  # ours, below: backoff, breaker and accounting in one place
            timeout=self.settings.timeout_s,
        )

    def __repr__(self) -> str:
        return f"OpenAIClient(base_url={self._chat_url!r}, model={self.settings.model!r})"

    @property
    def structured_output(self) -> bool | None:
        """Whether response_format json_schema works: False once the endpoint rejected it,
        True once the probe saw it accepted, None while unknown (then it is tried)."""
        if "response_format" in self._unsupported.get(self.settings.model, ()):
            return False
        if self.capabilities is not None and self.capabilities.structured_output:
            return True
        return None

    # --- the LLM protocol ---

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        persona_name: str | None = None,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> Completion:
        """One reply. ``response_format`` is dropped where the endpoint does not support it."""
        request = self._chat_request(messages, model, max_tokens, temperature, response_format)
        started = time.perf_counter()

        async def attempt() -> Completion:
            async with asyncio.timeout(self.settings.timeout_s):
                response = await self._client.chat.completions.create(**self._adapt(request))
            return self._completion(response, request["model"], started)

        completion = await self._run(attempt, self.breaker, model=request["model"])
        self.stats.record(completion)
        return completion

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        persona_name: str | None = None,
        model: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> AsyncIterator[str]:
        """Text deltas as they arrive. An empty or broken stream raises LLMError.

        Retries happen only before the first delta: text already shown cannot be taken back.
        """
        request = self._chat_request(messages, model, max_tokens, temperature, None)
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}
        self._check(self.breaker)
        started = time.perf_counter()
        attempt = 0
        state = _StreamState()
        done = False
        self.stats.in_flight += 1
        try:
            while True:
                state = _StreamState()
                failure: _Failure | None = None
                try:
                    async with endpoint_semaphore(self._chat_url, self.settings.max_concurrency):
                        sdk_stream = await self._client.chat.completions.create(
                            **self._adapt(request)
                        )
                        try:
                            async for delta in state.deltas(sdk_stream):
                                yield delta
                        finally:
                            await _close_quietly(sdk_stream)
                    state.finish()
                except Exception as exc:
                    failure = self._failure(exc)
                    if state.yielded:
                        failure.retryable = False
                if failure is None:
                    break
                if self._learn(request["model"], failure):
                    continue
                if failure.retryable and attempt < self.settings.max_retries:
                    attempt += 1
                    await self._backoff(attempt, failure)
                    continue
                self._fail(self.breaker, failure)
            done = True
        finally:
            self.stats.in_flight -= 1
            if not done and state.yielded:
                # The consumer stopped reading (or failed) mid-stream: the endpoint did answer.
                self.breaker.record_success()
        self.breaker.record_success()
        text = state.text
        self.stats.record(
            Completion(
                text=text,
                model=state.model or request["model"],
                provider=self.host,
                prompt_tokens=state.prompt_tokens or _estimate_tokens(request["messages"]),
                completion_tokens=state.completion_tokens or max(1, len(text) // 4),
                latency_s=time.perf_counter() - started,
            )
        )

    async def embed(self, texts: Sequence[str]) -> list[list[float]] | None:
        """Unit-length vectors from ``embeddings_model``; None when embeddings are not set up."""
        model = self.settings.embeddings_model
        if not model:
            return None
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            batch = [text if text.strip() else " " for text in texts[start : start + EMBED_BATCH]]
            vectors.extend(await self._embed_batch(model, batch, retries=True))
        for vector in vectors:
            if len(vector) != self.settings.embeddings_dim:
                raise LLMError(
                    f"embeddings from {model} have {len(vector)} dimensions, configured "
                    f"llm.embeddings_dim is {self.settings.embeddings_dim}"
                )
        return vectors

    async def probe(self) -> Capabilities:
        """Ask the endpoint what it can do: models, embeddings, structured output.

        No retries and no breaker: this runs once at startup and should answer quickly.
        """
        notes: list[str] = []
        reachable = False
        models: tuple[str, ...] = ()
        try:
            async with asyncio.timeout(self.settings.timeout_s):
                page = await self._client.models.list()
            models = tuple(str(m.id) for m in getattr(page, "data", None) or ())
            reachable = True
        except Exception as exc:
            notes.append(f"models: {self._failure(exc).message}")
        wanted = self.settings.model
        listed = wanted in models or f"{wanted}:latest" in models
        if reachable and not listed:
            shown = ", ".join(models[:5]) or "none"
            notes.append(f"model {wanted} is not listed by the endpoint (it lists: {shown})")

        structured, answered, note = await self._probe_structured()
        reachable = reachable or answered
        if note:
            notes.append(note)

        embeddings, dim = False, None
        model = self.settings.embeddings_model
        if not model:
            notes.append("embeddings not configured: recall is FTS5 only")
        else:
            try:
                vectors = await self._embed_batch(model, ["capability probe"], retries=False)
                dim = len(vectors[0])
                embeddings = dim == self.settings.embeddings_dim
                if not embeddings:
                    notes.append(
                        f"embeddings from {model} have {dim} dimensions, configured "
                        f"llm.embeddings_dim is {self.settings.embeddings_dim}"
                    )
            except LLMError as exc:
                notes.append(f"embeddings: {exc}")
        self.capabilities = Capabilities(
            reachable=reachable,
            models=models,
            model_listed=listed,
            embeddings=embeddings,
            embeddings_model=model,
            embeddings_dim=dim,
            structured_output=structured,
            notes=tuple(notes),
        )
        log.info("llm endpoint %s: %s", self.host, self.capabilities.summary())
        return self.capabilities

    async def aclose(self) -> None:
        await self._client.close()
        if self._embed_client is not self._client:
            await self._embed_client.close()

    # --- requests ---

    def _chat_request(
        self,
        messages: Sequence[ChatMessage],
        model: str | None,
        max_tokens: int | None,
        temperature: float | None,
        response_format: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if not messages:
            raise LLMError("no messages to send to the language model")
        request: dict[str, Any] = {
            "model": model or self.settings.model,
            "messages": [m.as_openai() for m in messages],
            "max_tokens": max_tokens or self.settings.max_tokens,
            "temperature": self.settings.temperature if temperature is None else temperature,
        }
        if response_format is not None and self.structured_output is not False:
            request["response_format"] = response_format
        return request

    def _adapt(self, request: dict[str, Any]) -> dict[str, Any]:
        """The request minus what this model's endpoint has told us it rejects."""
        rejected = self._unsupported.get(request["model"], set())
        adapted = {k: v for k, v in request.items() if k not in rejected}
        if "max_tokens" in rejected:
            # OpenAI's reasoning models want the newer name; everyone else wants max_tokens.
            adapted["max_completion_tokens"] = request["max_tokens"]
        return adapted

    def _learn(self, model: str, failure: _Failure) -> bool:
        """Remember a rejected optional parameter; True when the call should go again."""
        name = failure.unsupported
        if name is None:
            return False
        rejected = self._unsupported.setdefault(model, set())
        if name in rejected:
            return False
        rejected.add(name)
        log.info("llm endpoint %s rejects %s for %s; not sending it again", self.host, name, model)
        return True

    def _completion(self, response: object, model: str, started: float) -> Completion:
        if isinstance(response, str):
            kind = "an HTML page" if _looks_html(response) else "text"
            raise _BadResponse(f"endpoint answered with {kind}, not JSON")
        choices = getattr(response, "choices", None)
        if not choices:
            raise _BadResponse("endpoint answered without choices")
        message = getattr(choices[0], "message", None)
        content = getattr(message, "content", None)
        if not isinstance(content, str):
            raise _BadResponse("endpoint answered without message text")
        text = _THINK.sub("", content).strip()
        if not text:
            reason = getattr(choices[0], "finish_reason", None)
            raise _BadResponse(f"model returned an empty reply (finish: {reason})", outage=False)
        usage = getattr(response, "usage", None)
        prompt_tokens = getattr(usage, "prompt_tokens", None)
        completion_tokens = getattr(usage, "completion_tokens", None)
        return Completion(
            text=text,
            model=str(getattr(response, "model", None) or model),
            provider=self.host,
            prompt_tokens=int(prompt_tokens) if isinstance(prompt_tokens, int) else 0,
            completion_tokens=int(completion_tokens)
            if isinstance(completion_tokens, int)
            else max(1, len(text) // 4),
            latency_s=time.perf_counter() - started,
        )

    async def _embed_batch(
        self, model: str, batch: list[str], *, retries: bool
    ) -> list[list[float]]:
        async def attempt() -> list[list[float]]:
            async with asyncio.timeout(self.settings.timeout_s):
                response = await self._embed_client.embeddings.create(
                    model=model, input=batch, encoding_format="float"
                )
            if isinstance(response, str):
                raise _BadResponse("embeddings endpoint answered with text, not JSON")
            data = getattr(response, "data", None)
            if not isinstance(data, list) or len(data) != len(batch):
                raise _BadResponse("embeddings endpoint returned the wrong number of vectors")
            ordered = sorted(data, key=lambda item: getattr(item, "index", 0))
            vectors = [[float(x) for x in item.embedding] for item in ordered]
            usage = getattr(response, "usage", None)
            tokens = getattr(usage, "prompt_tokens", 0)
            self.stats.embed_calls += 1
            self.stats.embed_tokens += tokens if isinstance(tokens, int) else 0
            return vectors

        if not retries:
            try:
                async with endpoint_semaphore(self._embed_url, self.settings.max_concurrency):
                    return await attempt()
            except Exception as exc:
                raise LLMError(self._failure(exc).message) from None
        return await self._run(attempt, self.embed_breaker, url=self._embed_url)

    async def _probe_structured(self) -> tuple[bool, bool, str | None]:
        """(supported, endpoint answered at all, note)."""
        request = self._chat_request(
            [
                ChatMessage("system", "Reply with JSON only."),
                ChatMessage("user", 'Reply with {"ok": true}'),
            ],
            None,
            40,
            0.0,
            None,
        )
        request["response_format"] = json_schema_format(
            "probe",
            {
                "type": "object",
                "properties": {"ok": {"type": "boolean"}},
                "required": ["ok"],
                "additionalProperties": False,
            },
        )
        model = request["model"]
        while True:
            try:
                async with (
                    endpoint_semaphore(self._chat_url, self.settings.max_concurrency),
                    asyncio.timeout(self.settings.timeout_s),
                ):
                    await self._client.chat.completions.create(**self._adapt(request))
                return True, True, None
            except Exception as exc:
                failure = self._failure(exc)
            if failure.unsupported == "response_format" or not self._learn(model, failure):
                break
        if failure.unsupported == "response_format":
            self._unsupported.setdefault(model, set()).add("response_format")
            return False, True, f"structured output not supported: {failure.message}"
        return False, False, f"chat: {failure.message}"

    # --- retries, breaker, accounting ---

    async def _run(
        self,
        attempt: Callable[[], Awaitable[T]],
        breaker: CircuitBreaker,
        *,
        model: str | None = None,
        url: str | None = None,
    ) -> T:
        self._check(breaker)
        tries = 0
        self.stats.in_flight += 1
        try:
            while True:
                try:
                    async with endpoint_semaphore(
                        url or self._chat_url, self.settings.max_concurrency
                    ):
                        result = await attempt()
                    breaker.record_success()
                    return result
                except Exception as exc:
                    failure = self._failure(exc)
                if model is not None and self._learn(model, failure):
                    continue
                if failure.retryable and tries < self.settings.max_retries:
                    tries += 1
                    await self._backoff(tries, failure)
                    continue
                self._fail(breaker, failure)
        finally:
            self.stats.in_flight -= 1

    def _check(self, breaker: CircuitBreaker) -> None:
        try:
            breaker.check()
        except CircuitOpenError:
            self.stats.rejected += 1
            raise

    async def _backoff(self, attempt: int, failure: _Failure) -> None:
        self.stats.retries += 1
        if failure.retry_after is not None:
            delay = failure.retry_after
        else:
            ceiling = min(self._backoff_max_s, self._backoff_base_s * 2 ** (attempt - 1))
            delay = ceiling * (0.5 + self._rng.random() / 2)  # jitter: no thundering herd
        log.info("llm %s: %s; retry %d in %.2fs", self.host, failure.message, attempt, delay)
        await self._sleep(delay)

    def _fail(self, breaker: CircuitBreaker, failure: _Failure) -> Any:
        self.stats.failures += 1
        self.stats.last_error = failure.message
        if failure.outage:
            breaker.record_failure(failure.message)
        else:
            # The endpoint answered; it is up even though this request was refused.
            breaker.record_success()
        log.warning("llm %s: %s", self.host, failure.message)
        raise LLMError(failure.message)

    def _failure(self, exc: BaseException) -> _Failure:
        """Classify any exception from a call; the message is one clean line."""
        failure = self._classify(exc)
        failure.message = self._clean(failure.message)
        return failure

    def _classify(self, exc: BaseException) -> _Failure:
        host = self.host
        if isinstance(exc, LLMError):
            return _Failure(str(exc), outage=False)
        if isinstance(exc, _BadResponse):
            return _Failure(f"{exc} ({host})", outage=exc.outage)
        if isinstance(exc, (TimeoutError, openai.APITimeoutError)):
            # Not retried: the timeout is the user's patience, retrying would multiply it.
            return _Failure(f"timed out after {self.settings.timeout_s:g}s ({host})")
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            detail = _error_detail(exc.body, exc.message)
            if status == 429:
                wait = _retry_after(exc.response.headers)
                too_long = wait is not None and wait > self._max_retry_after_s
                return _Failure(
                    f"rate limited by {host}: {detail}",
                    retryable=not too_long,
                    retry_after=wait,
                )
            if status >= 500 or status == 408:
                return _Failure(f"HTTP {status} from {host}: {detail}", retryable=True)
            failure = _Failure(f"HTTP {status} from {host}: {detail}", outage=False)
            if status in (400, 422):
                failure.unsupported = _rejected_param(exc)
            if status in (401, 403):
                failure.message = f"HTTP {status} from {host}: check llm.api_key ({detail})"
            if status == 404:
                failure.message = (
                    f"HTTP 404 from {host}: check llm.base_url (usually ends in /v1) "
                    f"and the model name ({detail})"
                )
            return failure
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__
            detail = f"{type(cause).__name__}: {cause}" if cause else str(exc)
            return _Failure(f"cannot reach {host}: {detail}", retryable=True)
        if isinstance(exc, openai.APIError):
            # An error event inside a stream, or an unparseable response.
            return _Failure(f"endpoint error from {host}: {exc.message}")
        if isinstance(exc, ValueError):  # json.JSONDecodeError and pydantic errors
            return _Failure(f"garbage response from {host}: {type(exc).__name__}: {exc}")
        return _Failure(f"unusable response from {host}: {type(exc).__name__}: {exc}")

    def _clean(self, message: str) -> str:
        if self._key:
            message = message.replace(self._key, "***")
        message = _BEARER.sub("Bearer ***", message)
        message = _SK.sub("sk-***", message)
        if "<" in message and ">" in message:
            message = _TAGS.sub(" ", message)
        message = " ".join(message.split())
        return message if len(message) <= 240 else message[:239] + "…"


def json_schema_format(
    name: str, schema: dict[str, Any], *, strict: bool = False
) -> dict[str, Any]:
    """A ``response_format`` asking for JSON that follows ``schema``."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "reply"
    return {
        "type": "json_schema",
        "json_schema": {"name": safe, "schema": schema, "strict": strict},
    }


def _rejected_param(exc: openai.APIStatusError) -> str | None:
    """Which optional parameter a 400 complains about, if any."""
    param = exc.param if isinstance(exc.param, str) else ""
    text = f"{param} {_error_detail(exc.body, exc.message)}".lower()
    for name in _OPTIONAL_PARAMS:
        if param.split(".")[0] == name:
            return name
    if not any(word in text for word in _REJECTION_WORDS):
        return None  # e.g. "max_tokens is too large": a real error, not an unknown parameter
    for name in _OPTIONAL_PARAMS:
        if name in text and not (name == "max_tokens" and "max_completion_tokens" in text):
            return name
    if "max_completion_tokens" in text:
        return "max_tokens"
    return None


def _estimate_tokens(messages: list[dict[str, str]]) -> int:
    # About four characters per token: only used when the endpoint reports no usage.
    return max(1, sum(len(m.get("content", "")) for m in messages) // 4)


async def _close_quietly(sdk_stream: Any) -> None:
    close = getattr(sdk_stream, "close", None)
    if close is None:
        return
    try:
        await close()
    except Exception:  # closing a broken connection may fail again; nothing to add
        pass


class _StreamState:
    """Reads SDK chunks: text deltas, usage, finish reason; hides a leading <think> block."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.yielded = False
        self.model: str | None = None
        self.finish_reason: str | None = None
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.content_type = ""
        self._pending = ""
        self._thinking: bool | None = None  # None: not decided yet

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    async def deltas(self, sdk_stream: Any) -> AsyncIterator[str]:
        if isinstance(sdk_stream, str):
            raise _BadResponse("endpoint answered a stream request with text, not events")
        headers = getattr(getattr(sdk_stream, "response", None), "headers", None) or {}
        self.content_type = str(headers.get("content-type", "")).split(";")[0].strip()
        async for chunk in sdk_stream:
            self.model = getattr(chunk, "model", None) or self.model
            usage = getattr(chunk, "usage", None)
            if usage is not None:
                self.prompt_tokens = getattr(usage, "prompt_tokens", 0) or 0
                self.completion_tokens = getattr(usage, "completion_tokens", 0) or 0
            for choice in getattr(chunk, "choices", None) or ():
                self.finish_reason = getattr(choice, "finish_reason", None) or self.finish_reason
                delta = getattr(getattr(choice, "delta", None), "content", None)
                if isinstance(delta, str) and delta:
                    shown = self._filter(delta)
                    if shown:
                        self.parts.append(shown)
                        self.yielded = True
                        yield shown
        if self._pending and self._thinking is None:
            # Shorter than "<think>" and never decided: it was plain text after all.
            self.parts.append(self._pending)
            self.yielded = True
            yield self._pending
            self._pending = ""

    def finish(self) -> None:
        if not self.text:
            if self.content_type and "event-stream" not in self.content_type:
                raise _BadResponse(
                    f"endpoint answered a stream request with {self.content_type}, not events"
                )
            raise _BadResponse("empty stream")
        if self.finish_reason is None:
            raise _BadResponse("stream ended before the model finished")

    def _filter(self, delta: str) -> str:
        if self._thinking is False:
            return delta
        self._pending += delta
        if self._thinking is None:
            head = self._pending.lstrip()
            if not head or "<think>".startswith(head):
                return ""  # could still become "<think>": wait for more
            if not head.startswith("<think>"):
                self._thinking = False
                out, self._pending = self._pending, ""
                return out
            self._thinking = True
        end = self._pending.find("</think>")
        if end < 0:
            return ""
        out = self._pending[end + len("</think>") :].lstrip()
        self._pending = ""
        self._thinking = False
        return out
