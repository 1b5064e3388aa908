"""A local OpenAI-compatible HTTP server for tests: the real wire protocol on 127.0.0.1.

Endpoints (under ``/v1``):

- ``POST /chat/completions``: a JSON ``chat.completion``, or with ``"stream": true`` a
  ``text/event-stream`` of ``data: {chat.completion.chunk}`` lines ending in ``data: [DONE]``,
  with a usage chunk (empty ``choices``) first when ``stream_options.include_usage`` is set.
- ``POST /embeddings``: ``{"object": "list", "data": [{"embedding": [...]}]}``; float lists, or
  base64 little-endian float32 when ``encoding_format`` is ``"base64"`` (what the SDK asks for
  by default).
- ``GET /models``: the model list.

Replies are scripted (:meth:`FakeOpenAIServer.reply`) or, by default, ``"echo: <last user
text>"``. Token usage counts whitespace-separated words. Faults are queued per request with
:meth:`FakeOpenAIServer.fail`. Every request is recorded (:attr:`requests`) together with the
high-water mark of simultaneous requests (:attr:`high_water`); :meth:`hold` parks requests
until :meth:`release` so a test can look at them in flight.

The embedding function (:func:`embed_text`) is deterministic and puts paraphrases close
together: lowercase word tokens, stop words dropped, a crude suffix stemmer, a small synonym
table folding words onto one canonical term ("adores" -> "love", "kitten" -> "cat"), then
feature hashing of each term (blake2b, two signed buckets per term) into ``dim`` dimensions,
normalised to unit length. Texts sharing meaning-bearing words score high cosine similarity;
texts sharing none score near zero.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import re
import socket
import struct
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

FaultKind = Literal[
    "status",  # an error status with an OpenAI-style JSON error body
    "html",  # an HTML error page (status 502 unless given)
    "garbage",  # 200 with Content-Type application/json and a body that is not JSON
    "empty_stream",  # streams: only "data: [DONE]"; plain requests: no choices
    "cut_stream",  # streams: two deltas, then the connection drops; plain: half a body
    "delay",  # answer normally after delay_s (longer than the client's timeout)
    "echo_auth",  # 500 whose body quotes the request's Authorization header
]

CHAT = "/v1/chat/completions"
EMBEDDINGS = "/v1/embeddings"
MODELS = "/v1/models"


# --- the embedding function ---

_STOP = frozenset(
    "a an the and or but of to in on at for with by from is are was were be been being am "
    "i me my you your he him his she her it its we us our they them their this that these "
    "those do does did has have had so very really just about as into than then there".split()
)
_SYNONYMS: dict[str, str] = {}
for _canon, _words in {
    "love": "love loves loved adore adores adored enjoy enjoys enjoyed like likes liked fond fan",
    "hate": "hate hates hated dislike dislikes disliked loathe loathes detest detests",
    "cat": "cat cats kitten kittens kitty feline",
    "dog": "dog dogs puppy puppies pup hound doggo canine",
    "car": "car cars automobile vehicle auto",
    "home": "home house houses apartment flat",
    "big": "big large huge enormous giant",
    "small": "small little tiny miniature",
    "happy": "happy glad joyful cheerful pleased",
    "sad": "sad unhappy upset gloomy",
    "movie": "movie movies film films cinema",
    "music": "music song songs tune tunes",
    "food": "food meal meals dish dishes",
    "eat": "eat eats ate eaten eating",
    "job": "job work works worked career occupation",
    "coffee": "coffee espresso latte cappuccino",
    "birthday": "birthday bday",
    "live": "live lives lived living reside resides resided",
    "city": "city town",
    "sister": "sister sis",
    "brother": "brother bro",
    "game": "game games gaming videogame videogames",
    "play": "play plays played playing",
    "allergic": "allergic allergy allergies",
    "begin": "begin begins began start starts started",
}.items():
    for _word in _words.split():
        _SYNONYMS[_word] = _canon

_SUFFIXES = ("ingly", "edly", "ing", "ies", "ed", "es", "ly", "s")
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            return stem + "y" if suffix == "ies" else stem
    return word


def terms(text: str) -> list[str]:
    """The canonical terms of ``text``, in order (what :func:`embed_text` hashes)."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 2:  # "s" of "bob's" carries no meaning
            continue
        canon = _SYNONYMS.get(word) or _SYNONYMS.get(_stem(word)) or _stem(word)
        out.append(canon)
    return out


def embed_text(text: str, dim: int = 384) -> list[float]:
    """A deterministic unit vector for ``text`` in which paraphrases land close together."""
    vector = [0.0] * dim
    for term in terms(text):
        digest = hashlib.blake2b(term.encode(), digest_size=16).digest()
        for slot in range(2):
            chunk = int.from_bytes(digest[slot * 8 : slot * 8 + 8], "little")
            sign = 1.0 if chunk & 1 else -1.0
            vector[(chunk >> 1) % dim] += sign
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:
        vector[0] = 1.0  # empty or stop-words-only text: a fixed unit vector
        return vector
    return [x / norm for x in vector]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


# --- the server ---


@dataclass
class Fault:
    kind: FaultKind
    status: int | None = None
    retry_after: str | None = None  # the Retry-After header value for a 429
    delay_s: float = 5.0
    path: str | None = None  # only requests to this path; None: any POST
    times: int = 1
    message: str | None = None  # the error message of a "status" fault
    param: str | None = None  # the error's "param" (a 400 naming a rejected parameter)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any = None  # parsed JSON, or None

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream")) if isinstance(self.body, dict) else False

    @property
    def response_format(self) -> dict[str, Any] | None:
        return self.body.get("response_format") if isinstance(self.body, dict) else None


@dataclass
class FakeOpenAIServer:
    """``async with FakeOpenAIServer() as server:`` then point a client at ``server.base_url``."""

    model: str = "fake-chat"
    embedding_model: str = "fake-embed"
    embedding_dim: int = 384
    supports_response_format: bool = True
    api_key: str | None = None  # when set, other keys get a 401
    reply_fn: Callable[[RecordedRequest], str] | None = None

    requests: list[RecordedRequest] = field(default_factory=list)
    in_flight: int = 0
    high_water: int = 0
    port: int = 0
    _faults: list[Fault] = field(default_factory=list)
    _replies: deque[str] = field(default_factory=deque)
    _gate: asyncio.Event | None = None
    _closing: asyncio.Event | None = None
    _moved: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- scripting ---

    def reply(self, *texts: str) -> None:
        """Queue the texts of the next chat replies, in order."""
        self._replies.extend(texts)

    def fail(
        self,
        kind: FaultKind,
        *,
        times: int = 1,
        status: int | None = None,
        retry_after: str | None = None,
        delay_s: float = 5.0,
        path: str | None = CHAT,
        message: str | None = None,
        param: str | None = None,
    ) -> None:
        """Make the next ``times`` matching requests fail this way."""
        self._faults.append(Fault(kind, status, retry_after, delay_s, path, times, message, param))

    def hold(self) -> None:
        """Park incoming requests (counted in flight) until :meth:`release`."""
        self._gate = asyncio.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()

    async def wait_in_flight(self, count: int) -> None:
        """Until ``count`` requests are in flight; bound it with ``asyncio.timeout``."""
        while self.in_flight < count:
            self._moved.clear()
            await self._moved.wait()

    def _enter(self) -> None:
        self.in_flight += 1
        self.high_water = max(self.high_water, self.in_flight)
        self._moved.set()

    def _leave(self) -> None:
        self.in_flight -= 1
        self._moved.set()

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == CHAT]

    @property
    def embedding_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == EMBEDDINGS]

    # --- lifecycle ---

    async def __aenter__(self) -> FakeOpenAIServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_post(CHAT, self._chat)
        app.router.add_post(EMBEDDINGS, self._embeddings)
        app.router.add_get(MODELS, self._models)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        if self._closing is not None:
            self._closing.set()
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- handlers ---

    async def _record(self, request: web.Request) -> RecordedRequest:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        recorded = RecordedRequest(request.method, request.path, dict(request.headers), body)
        self.requests.append(recorded)
        return recorded

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.path is None or fault.path == path:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        if self.api_key is None:
            return None
        if request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        return _error(401, "Incorrect API key provided.", "invalid_request_error")

    async def _models(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        if denied := self._unauthorized(request):
            return denied
        data = [
            {"id": name, "object": "model", "created": 0, "owned_by": "fake"}
            for name in (self.model, self.embedding_model)
        ]
        return web.json_response({"object": "list", "data": data})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        self._enter()
        try:
            return await self._chat_inner(request, recorded)
        finally:
            self._leave()

    async def _chat_inner(
        self, request: web.Request, recorded: RecordedRequest
    ) -> web.StreamResponse:
        if self._gate is not None:
            await self._gate.wait()
        if denied := self._unauthorized(request):
            return denied
        fault = self._take_fault(CHAT)
        if fault is not None and fault.kind != "delay":
            early = self._fault_response(fault, request)
            if early is not None:
                return early
        if fault is not None and fault.kind == "delay":
            await self._pause(fault.delay_s)
        body = recorded.body
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return _error(400, "messages is required", "invalid_request_error", "messages")
        if body.get("response_format") is not None and not self.supports_response_format:
            return _error(
                400,
                "response_format is not supported by this server",
                "invalid_request_error",
                "response_format",
            )
        model = str(body.get("model") or self.model)
        text = self._reply_text(recorded)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(text.split()),
            "total_tokens": prompt_tokens + len(text.split()),
        }
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return await self._stream(request, model, text, usage if include_usage else None, fault)
        if fault is not None and fault.kind == "empty_stream":
            return web.json_response(_completion(model, None, usage))
        if fault is not None and fault.kind == "cut_stream":
            return await self._cut_body(request, json.dumps(_completion(model, text, usage)))
        return web.json_response(_completion(model, text, usage))

    def _fault_response(self, fault: Fault, request: web.Request) -> web.Response | None:
        if fault.kind == "status":
            status = fault.status or 500
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
            kind = {429: "rate_limit_exceeded", 400: "invalid_request_error"}.get(
                status, "server_error"
            )
            message = fault.message or f"fake fault {status}"
            return _error(status, message, kind, fault.param, headers=headers)
        if fault.kind == "html":
            page = (
                "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
                "<body><h1>Bad Gateway</h1><p>nginx</p></body></html>"
            )
            return web.Response(status=fault.status or 502, text=page, content_type="text/html")
        if fault.kind == "garbage":
            return web.Response(
                status=fault.status or 200,
                text='{"id": "chatcmpl-x", "choices": [tru',
                content_type="application/json",
            )
        if fault.kind == "echo_auth":
            seen = request.headers.get("Authorization", "")
            return _error(fault.status or 500, f"upstream rejected header {seen!r}", "server_error")
        return None  # empty_stream and cut_stream shape the normal answer

    async def _stream(
        self,
        request: web.Request,
        model: str,
        text: str,
        usage: dict[str, int] | None,
        fault: Fault | None,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        if fault is not None and fault.kind == "empty_stream":
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
            return response
        pieces = re.findall(r"\S+\s*|\s+", text) or [text]
        await response.write(_sse(_chunk(model, {"role": "assistant", "content": ""})))
        for index, piece in enumerate(pieces):
            await response.write(_sse(_chunk(model, {"content": piece})))
            if fault is not None and fault.kind == "cut_stream" and index == 1:
                _drop(request)
                return response
        await response.write(_sse(_chunk(model, {}, finish_reason="stop")))
        if usage is not None:
            await response.write(_sse(_chunk(model, None, usage=usage)))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _cut_body(self, request: web.Request, body: str) -> web.StreamResponse:
        data = body.encode()
        response = web.StreamResponse(
            headers={"Content-Type": "application/json", "Content-Length": str(len(data))}
        )
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        _drop(request)
        return response

    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        recorded = await self._record(request)
        self._enter()
        try:
            if self._gate is not None:
                await self._gate.wait()
            if denied := self._unauthorized(request):
                return denied
            fault = self._take_fault(EMBEDDINGS)
            if fault is not None:
                if fault.kind == "delay":
                    await self._pause(fault.delay_s)
                elif early := self._fault_response(fault, request):
                    return early
            body = recorded.body
            inputs = body.get("input") if isinstance(body, dict) else None
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not all(isinstance(t, str) for t in inputs):
                return _error(
                    400,
                    "input must be a string or a list of strings",
                    "invalid_request_error",
                    "input",
                )
            if any(not t for t in inputs):
                return _error(
                    400, "input cannot be an empty string", "invalid_request_error", "input"
                )
            as_base64 = body.get("encoding_format") == "base64"
            data = []
            for index, text in enumerate(inputs):
                vector = embed_text(text, self.embedding_dim)
                encoded: Any = vector
                if as_base64:
                    encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
                data.append({"object": "embedding", "index": index, "embedding": encoded})
            tokens = sum(len(t.split()) for t in inputs)
            return web.json_response(
                {
                    "object": "list",
                    "data": data,
                    "model": body.get("model") or self.embedding_model,
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                }
            )
        finally:
            self._leave()

    # --- helpers ---

    def _reply_text(self, recorded: RecordedRequest) -> str:
        if self._replies:
            return self._replies.popleft()
        if self.reply_fn is not None:
            return self.reply_fn(recorded)
        last = next(
            (m.get("content", "") for m in reversed(recorded.messages) if m.get("role") == "user"),
            "",
        )
        return f"echo: {last}"

    async def _pause(self, seconds: float) -> None:
        # Ends early when the server closes, so a test never waits out the whole delay.
        assert self._closing is not None
        try:
            async with asyncio.timeout(seconds):
                await self._closing.wait()
        except TimeoutError:
            pass


def _error(
    status: int,
    message: str,
    kind: str,
    param: str | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = {"error": {"message": message, "type": kind, "param": param, "code": None}}
    return web.json_response(body, status=status, headers=headers)


def _completion(model: str, text: str | None, usage: dict[str, int]) -> dict[str, Any]:
    choices = []
    if text is not None:
        choices.append(
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        )
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": usage,
        "system_fingerprint": "fp_fake",
    }


def _chunk(
    model: str,
    delta: dict[str, Any] | None,
    *,
    finish_reason: str | None = None,
    usage: dict[str, int] | None = None,
) -> dict[str, Any]:
    choices = []
    if delta is not None:
        choices.append(
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        )
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": choices,
        "usage": usage,
    }


def _sse(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def _drop(request: web.Request) -> None:
    """Cut the connection mid-body, as a crashed server or proxy would."""
    if request.transport is not None:
        request.transport.abort()
