"""Synapse account administration for persona accounts.

Two ways to create a user: shared-secret registration (``registration_shared_secret``: a nonce
from ``GET /_synapse/admin/v1/register`` and an HMAC-SHA1 over nonce, user, password and
admin flag) or the admin API (``admin_token``: ``PUT /_synapse/admin/v2/users/<id>``). Removal
is ``POST /_synapse/admin/v1/deactivate/<id>`` with ``erase``; without an admin token the account
deactivates itself through the client API with its own password.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.adapters.base import AdapterError, NotPermitted, Unsupported


class AdminError(AdapterError):
    """An account operation on the homeserver failed."""


def registration_mac(secret: str, nonce: str, user: str, password: str, admin: bool) -> str:
    """Synapse's shared-secret registration MAC (HMAC-SHA1, NUL-separated fields)."""
    mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha1)
    kind = b"admin" if admin else b"notadmin"
    mac.update(
        b"\x00".join([nonce.encode("utf-8"), user.encode("utf-8"), password.encode("utf-8"), kind])
    )
    return mac.hexdigest()


def _one_line(status: int, reply: dict[str, Any]) -> str:
    code = reply.get("errcode", f"HTTP {status}")
    text = str(reply.get("error", "")).splitlines()[0] if reply.get("error") else ""
    return f"{code} {text}".strip()


class SynapseAdmin:
    """The few Synapse admin and account calls persona spawn and despawn need."""

    def __init__(
        self,
        homeserver: str,
        *,
        shared_secret: str | None = None,
        admin_token: str | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self.homeserver = homeserver.rstrip("/")
        self._secret = shared_secret or None
        self._token = admin_token or None
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never the secret or the token
        return f"SynapseAdmin({self.homeserver!r})"

    @property
    def can_create(self) -> bool:
        return bool(self._secret or self._token)

    @property
    def can_deactivate(self) -> bool:
        return bool(self._token)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self, method: str, path: str, body: dict | None = None, token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body) if body is not None else None
        try:
            async with self._session.request(
                method, self.homeserver + path, data=data, headers=headers
            ) as resp:
                try:
                    reply = await resp.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    reply = {}
                return resp.status, reply if isinstance(reply, dict) else {}
        except (TimeoutError, aiohttp.ClientError) as error:
            raise AdminError(
                f"cannot reach {self.homeserver}: {error.__class__.__name__}"
            ) from None

    # -- creation ------------------------------------------------------------------------------

    async def create_user(self, user_id: str, password: str, display_name: str) -> dict[str, str]:
        """Create ``user_id``; return login data (user_id, device_id, access_token) or {}.

        Refuses an id that already exists: an account we did not create is never taken over.
        """
        localpart = user_id[1:].split(":", 1)[0]
        if self._secret:
            return await self._register(localpart, password, display_name)
        if self._token:
            await self._admin_create(user_id, password, display_name)
            return {}
        raise Unsupported(
            "matrix cannot create persona accounts: set matrix.registration_shared_secret "
            "or matrix.admin_token"
        )

    async def _register(self, localpart: str, password: str, display_name: str) -> dict[str, str]:
        status, nonce = await self.request("GET", "/_synapse/admin/v1/register")
        if status != 200 or "nonce" not in nonce:
            raise AdminError(f"shared-secret registration unavailable: {_one_line(status, nonce)}")
        assert self._secret is not None
        body = {
            "nonce": nonce["nonce"],
            "username": localpart,
            "displayname": display_name,
            "password": password,
            "admin": False,
            "mac": registration_mac(self._secret, nonce["nonce"], localpart, password, False),
        }
        status, reply = await self.request("POST", "/_synapse/admin/v1/register", body)
        if status == 403:
            raise NotPermitted(f"registration refused: {_one_line(status, reply)}")
        if status != 200:
            raise AdminError(f"cannot register {localpart}: {_one_line(status, reply)}")
        return {k: str(reply[k]) for k in ("user_id", "device_id", "access_token") if k in reply}

    async def _admin_create(self, user_id: str, password: str, display_name: str) -> None:
        path = f"/_synapse/admin/v2/users/{quote(user_id, safe='')}"
        status, reply = await self.request("GET", path, token=self._token)
        if status == 200:
            raise AdminError(f"{user_id} already exists on the homeserver")
        if status in (401, 403):
            raise NotPermitted(f"the admin token was refused: {_one_line(status, reply)}")
        body = {"password": password, "displayname": display_name, "admin": False}
        status, reply = await self.request("PUT", path, body, token=self._token)
        if status not in (200, 201):
            raise AdminError(f"cannot create {user_id}: {_one_line(status, reply)}")

    # -- removal -------------------------------------------------------------------------------

    async def check_deactivate(
        self, user_id: str, *, own_token: str | None = None, own_password: str | None = None
    ) -> None:
        """Raise now when :meth:`deactivate` is bound to fail, before despawn changes anything.

        With an admin token: the token must be an admin's. Without: the account needs its own
        token and password (the password itself is checked only by the deactivation).
        """
        if self._token:
            path = f"/_synapse/admin/v2/users/{quote(user_id, safe='')}"
            status, reply = await self.request("GET", path, token=self._token)
            if status in (401, 403):
                raise NotPermitted(
                    f"cannot deactivate {user_id}: the admin token was refused "
                    f"({_one_line(status, reply)})"
                )
            return
        if not (own_token and own_password):
            raise Unsupported(
                f"cannot deactivate {user_id}: no matrix.admin_token and no stored password"
            )

    async def deactivate(
        self,
        user_id: str,
        *,
        own_token: str | None = None,
        own_password: str | None = None,
    ) -> None:
        """Deactivate ``user_id`` and erase its data (admin API, else the account itself)."""
        if self._token:
            path = f"/_synapse/admin/v1/deactivate/{quote(user_id, safe='')}"
            status, reply = await self.request("POST", path, {"erase": True}, token=self._token)
            if status in (401, 403):
                raise NotPermitted(f"cannot deactivate {user_id}: {_one_line(status, reply)}")
            if status != 200:
                raise AdminError(f"cannot deactivate {user_id}: {_one_line(status, reply)}")
            return
        if not (own_token and own_password):
            raise Unsupported(
                f"cannot deactivate {user_id}: no matrix.admin_token and no stored password"
            )
        body = {
            "erase": True,
            "auth": {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": user_id},
                "password": own_password,
            },
        }
        status, reply = await self.request(
            "POST", "/_matrix/client/v3/account/deactivate", body, token=own_token
        )
        if status != 200:
            raise AdminError(f"cannot deactivate {user_id}: {_one_line(status, reply)}")
