"""One Matrix account's client session: login, stored credentials and its own sync loop.

The bot's main account and every spawned persona each run one. A session logs in with a stored
token when it has one (password login once, then never again unless the token is refused),
syncs in the background, retries with backoff when the homeserver is unreachable, and hands
each sync response to the adapter before it persists ``next_batch``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    LocalProtocolError,
    LoginResponse,
    ProfileGetDisplayNameResponse,
    Response,
    SyncResponse,
    WhoamiResponse,
)

from bot.adapters.base import AdapterError, NotPermitted

log = logging.getLogger(__name__)
# nio logs every event it folds into room state at INFO; keep that out of the bot's log.
for _name in ("nio.rooms", "nio.client.base_client", "nio.client.async_client"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)

R = TypeVar("R", bound=Response)

TOKEN_ERRORS = frozenset({"M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"})
RATE_LIMITED = "M_LIMIT_EXCEEDED"
MAX_RATE_RETRIES = 6
# Lazy-loaded members: Synapse sends the member counts as a summary and only the members whose
# events we see, so a room of ten thousand costs what a room of ten does.
SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": ["m.direct"]},
    "room": {
        "state": {"lazy_load_members": True},
        "timeline": {"limit": 50},
        "ephemeral": {"types": []},
        "account_data": {"types": []},
    },
}


class SyncStateStore(Protocol):
    """Where sync tokens and small adapter state live (the store backs it in the app)."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...


class MemorySyncState:
    """A dict-backed SyncStateStore (tests, and a bot run without a store)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def set(self, key: str, value: str) -> None:
        self.values[key] = value


class JsonFileSyncState:
    """A SyncStateStore in one JSON file, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._values: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._values is None:
            try:
                data = json.loads(self.path.read_text("utf-8"))
                self._values = {str(k): str(v) for k, v in data.items()}
            except (OSError, ValueError, AttributeError):
                self._values = {}
        return self._values

    async def get(self, key: str) -> str | None:
        return self._load().get(key)

    async def set(self, key: str, value: str) -> None:
        values = self._load()
        values[key] = value
        write_private_json(self.path, values)


class ShieldedSyncState:
    """Writes that finish even when the task awaiting them is cancelled.

    Sync loops are cancelled at stop, often mid-write; a store transaction cut in half would
    leave the database connection inside an open transaction. Each write runs as its own task
    that the cancellation does not reach, and :meth:`settle` waits for the ones in flight.
    """

    def __init__(self, inner: SyncStateStore) -> None:
        self.inner = inner
        self._writes: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"ShieldedSyncState({self.inner!r})"

    async def get(self, key: str) -> str | None:
        return await self.inner.get(key)

    async def set(self, key: str, value: str) -> None:
        task = asyncio.ensure_future(self.inner.set(key, value))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        await asyncio.shield(task)

    async def settle(self) -> None:
        """Wait for the writes in flight (a failed one was already reported to its caller)."""
        while self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)


def write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` readable by the owner only (0600), replacing the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@dataclass
class Credentials:
    """What a session needs to come back without a password login."""

    homeserver: str
    user_id: str
    device_id: str
    access_token: str
    password: str | None = None  # persona accounts: to log in again and to deactivate
    persona: str | None = None

    def __repr__(self) -> str:
        return f"Credentials({self.user_id!r}, device={self.device_id!r}, persona={self.persona!r})"

    @classmethod
    def load(cls, path: Path) -> Credentials | None:
        try:
            data = json.loads(path.read_text("utf-8"))
            return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as error:
            log.warning("ignoring unreadable Matrix credentials %s: %s", path, error)
            return None

    def save(self, path: Path) -> None:
        write_private_json(path, {k: v for k, v in asdict(self).items() if v is not None})


class NotConfigured(AdapterError):
    """The account cannot log in as configured; retrying will not help."""


class SessionError(AdapterError):
    """A transient failure of the session (the sync loop retries)."""


SyncHandler = Callable[["AccountSession", SyncResponse, bool], Awaitable[None]]


class AccountSession:
    """A logged-in nio client with its own sync loop."""

    def __init__(
        self,
        homeserver: str,
        credentials_path: Path,
        store: SyncStateStore,
        on_sync: SyncHandler,
        *,
        user_id: str | None = None,
        password: str | None = None,
        access_token: str | None = None,
        device_name: str = "sanctum",
        persona: str | None = None,
        sync_timeout_ms: int = 30000,
        retry_initial_s: float = 1.0,
        retry_max_s: float = 60.0,
        on_state: Callable[[AccountSession], None] | None = None,
    ) -> None:
        self.homeserver = homeserver.rstrip("/")
        self.credentials_path = credentials_path
        self.store = store
        self.on_sync = on_sync
        self.user_id = user_id or ""
        self._password = password
        self._configured_token = access_token
        self.device_name = device_name
        self.persona = persona
        self.sync_timeout_ms = sync_timeout_ms
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.on_state = on_state
        config = AsyncClientConfig(
            max_limit_exceeded=0,  # 429s come back to us: call() honours retry_after_ms
            max_timeouts=0,  # connection errors too: the sync loop owns the backoff
            request_timeout=30,
            encryption_enabled=False,
            store_sync_tokens=False,
        )
        self.client = AsyncClient(self.homeserver, self.user_id, config=config)
        self.state = "stopped"
        self.connected = False
        self.ready = asyncio.Event()
        self.joined: set[str] = set()
        self.direct: dict[str, list[str]] = {}  # m.direct: user id -> room ids
        self.display_name = ""
        self.cutoff = 0.0  # events older than this (seconds) are never delivered
        self._task: asyncio.Task[None] | None = None
        self._login_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"AccountSession({self.user_id!r}, persona={self.persona!r}, state={self.state!r})"

    @property
    def token_key(self) -> str:
        return f"matrix:next_batch:{self.user_id}"

    @property
    def password(self) -> str | None:
        return self._password

    @property
    def direct_rooms(self) -> set[str]:
        return {room for rooms in self.direct.values() for room in rooms}

    def _set_state(self, state: str, connected: bool | None = None) -> None:
        self.state = state
        if connected is not None:
            self.connected = connected
        if self.on_state is not None:
            self.on_state(self)

    # -- login ---------------------------------------------------------------------------------

    async def login(self) -> None:
        """Log in: the stored token, else the configured token, else the password (once)."""
        async with self._login_lock:
            if self.client.access_token and self.client.user_id:
                return
            stored = Credentials.load(self.credentials_path)
            if (
                stored is not None
                and stored.homeserver == self.homeserver
                and (not self.user_id or stored.user_id == self.user_id)
            ):
                self._password = self._password or stored.password
                if await self._try_token(stored.access_token, stored.device_id):
                    return
            if self._configured_token and await self._try_token(self._configured_token, ""):
                self._save()
                return
            await self._password_login(stored.device_id if stored else None)

    async def relogin(self, stale_token: str | None = None) -> bool:
        """Log in again with the password after the server refused the token."""
        async with self._login_lock:
            if stale_token is not None and self.client.access_token not in ("", stale_token):
                return True  # another task already did it
            if not self._password:
                return False
            log.warning("Matrix token for %s was refused; logging in again", self.user_id)
            await self._password_login(self.client.device_id or None)
            return True

    async def _try_token(self, token: str, device_id: str) -> bool:
        self.client.restore_login(self.user_id or "@unknown:invalid", device_id or "", token)
        resp = await self._raw_call(self.client.whoami)
        if isinstance(resp, WhoamiResponse):
            self.user_id = resp.user_id
            self.client.user_id = resp.user_id
            self.client.user = resp.user_id
            self.client.device_id = resp.device_id or device_id or self.client.device_id
            return True
        self.client.access_token = ""
        if isinstance(resp, ErrorResponse) and resp.status_code in TOKEN_ERRORS:
            return False
        raise SessionError(f"checking the access token failed: {resp}")

    async def _password_login(self, device_id: str | None) -> None:
        if not self._password or not self.user_id:
            raise NotConfigured(
                f"cannot log in {self.user_id or 'to Matrix'}: "
                "set matrix.user_id with matrix.password or matrix.access_token"
            )
        self.client.access_token = ""
        self.client.user = self.user_id
        if device_id:
            self.client.device_id = device_id
        resp = await self._raw_call(
            lambda: self.client.login(self._password, device_name=self.device_name)
        )
        if not isinstance(resp, LoginResponse):
            code = getattr(resp, "status_code", "")
            if code in ("M_FORBIDDEN", "M_USER_DEACTIVATED", "M_INVALID_USERNAME"):
                raise NotConfigured(f"login of {self.user_id} refused: {resp}")
            raise SessionError(f"login of {self.user_id} failed: {resp}")
        self.user_id = resp.user_id
        self._save()

    def _save(self) -> None:
        Credentials(
            homeserver=self.homeserver,
            user_id=self.client.user_id,
            device_id=self.client.device_id or "",
            access_token=self.client.access_token,
            password=self._password if self.persona else None,
            persona=self.persona,
        ).save(self.credentials_path)

    async def _raw_call(self, factory: Callable[[], Awaitable[Any]]) -> Any:
        """One request; unreachable homeservers become SessionError."""
        try:
            return await factory()
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise SessionError(
                f"cannot reach {self.homeserver} ({error.__class__.__name__})"
            ) from None

    async def call(self, what: str, factory: Callable[[], Awaitable[R]]) -> R:
        """A request with the adapter's error rules.

        M_LIMIT_EXCEEDED waits retry_after_ms and retries; a refused token logs in again once;
        M_FORBIDDEN is NotPermitted; anything else is a one-line AdapterError.
        """
        relogged = False
        for _ in range(MAX_RATE_RETRIES + 1):
            token = self.client.access_token
            try:
                resp = await self._raw_call(factory)
            except LocalProtocolError:
                resp = None  # nio: not logged in (a soft logout cleared the token)
            if resp is not None and not isinstance(resp, ErrorResponse):
                return resp
            code = resp.status_code if resp is not None else "M_UNKNOWN_TOKEN"
            if code == RATE_LIMITED:
                wait = (resp.retry_after_ms if resp and resp.retry_after_ms else 1000) / 1000
                log.info("%s: rate limited, retrying in %.2f s", what, wait)
                await asyncio.sleep(min(wait, 60.0))
                continue
            if code in TOKEN_ERRORS and not relogged:
                relogged = True
                if await self.relogin(token):
                    continue
            message = resp.message if resp is not None else "not logged in"
            if code == "M_FORBIDDEN":
                raise NotPermitted(f"{what}: {message}")
            raise AdapterError(f"{what}: {code or 'error'} {message}".strip())
        raise AdapterError(f"{what}: still rate limited after {MAX_RATE_RETRIES} retries")

    # -- sync ----------------------------------------------------------------------------------

    def start(self, cutoff: float) -> None:
        self.cutoff = cutoff
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"matrix-sync {self.user_id}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.client.close()
        self._set_state("stopped", connected=False)

    async def _sync(self, since: str | None, timeout_ms: int, limit: int) -> SyncResponse:
        sync_filter = json.loads(json.dumps(SYNC_FILTER))
        sync_filter["room"]["timeline"]["limit"] = limit
        relogins = 0
        while True:
            token = self.client.access_token
            resp = await self._raw_call(
                lambda: self.client.sync(timeout=timeout_ms, sync_filter=sync_filter, since=since)
            )
            if isinstance(resp, SyncResponse):
                return resp
            code = getattr(resp, "status_code", None)
            if code == RATE_LIMITED:
                await asyncio.sleep(min((resp.retry_after_ms or 1000) / 1000, 60.0))
                continue
            if code in TOKEN_ERRORS:
                relogins += 1
                if relogins <= 2 and await self.relogin(token):
                    continue
                raise NotConfigured(
                    f"the token of {self.user_id} was refused and no password is set"
                )
            raise SessionError(f"sync failed: {resp}")

    async def _run(self) -> None:
        delay = self.retry_initial_s
        attempt = 0
        while True:
            try:
                self._set_state("connecting" if attempt == 0 else self.state)
                await self.login()
                await self._sync_forever()
            except asyncio.CancelledError:
                raise
            except NotConfigured as error:
                log.error("Matrix %s: %s", self.user_id or "account", error)
                self._set_state(f"failed: {error}", connected=False)
                # Nothing will change by itself; try again rarely in case the server recovers.
                delay = self.retry_max_s
            except Exception as error:  # the loop must survive anything
                attempt += 1
                reason = str(error).splitlines()[0] if str(error) else error.__class__.__name__
                log.warning("Matrix %s: %s; retrying in %.1f s", self.user_id, reason, delay)
                self._set_state(
                    f"retrying in {delay:.0f} s (attempt {attempt}): {reason}", connected=False
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry_max_s)

    async def _load_profile(self) -> None:
        """Our display name, for mentions by name; a failure here costs only that."""
        with contextlib.suppress(Exception):
            resp = await self.client.get_displayname(self.user_id)
            if isinstance(resp, ProfileGetDisplayNameResponse) and resp.displayname:
                self.display_name = resp.displayname

    async def _sync_forever(self) -> None:
        if not self.display_name:
            await self._load_profile()
        token = await self.store.get(self.token_key) or None
        # A full snapshot first: room state, member summaries, m.direct and pending invites.
        # Its timeline is delivered only on a first run, when no token says where we were.
        snapshot = await self._sync(since=None, timeout_ms=0, limit=1 if token else 20)
        await self.on_sync(self, snapshot, token is None)
        if token is None:
            token = snapshot.next_batch
            await self.store.set(self.token_key, token)
        self._connected()
        self.ready.set()
        while True:
            resp = await self._sync(since=token, timeout_ms=self.sync_timeout_ms, limit=50)
            await self.on_sync(self, resp, True)
            token = resp.next_batch
            await self.store.set(self.token_key, token)
            if not self.connected:
                self._connected()

    def _connected(self) -> None:
        log.info("Matrix %s connected (%d rooms)", self.user_id, len(self.joined))
        self._set_state("connected", connected=True)

    async def request_json(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """A raw authenticated client-API request (account data and other nio gaps)."""
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.client.access_token}",
        }
        data = json.dumps(body) if body is not None else None
        resp = await self._raw_call(lambda: self.client.send(method, path, data, headers))
        try:
            reply = await resp.json(content_type=None)
        except ValueError:
            reply = {}
        finally:
            resp.release()
        return resp.status, reply if isinstance(reply, dict) else {}
