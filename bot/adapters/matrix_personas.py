"""Persona accounts on Matrix: spawn and despawn, each all or nothing.

Spawn creates the account (shared-secret registration or the admin API, display name set at
creation), logs in, joins the requested rooms (the bot invites first where it can) and starts
the persona's own session; its credentials are stored 0600 under the data dir. A spawn that
fails half-way leaves the rooms it joined and deactivates the account it created. Despawn
leaves every room (the bot kicks where leaving fails) and deactivates the account with erase.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from bot.adapters.base import AdapterError, Unsupported
from bot.adapters.matrix_session import AccountSession, Credentials
from bot.message import Platform

if TYPE_CHECKING:
    from bot.adapters.matrix import MatrixAdapter
    from bot.personas import Persona

log = logging.getLogger(__name__)


class PersonaSpawner:
    def __init__(self, adapter: MatrixAdapter) -> None:
        self.adapter = adapter

    def user_id_for(self, persona: Persona) -> str:
        account = persona.accounts.get(Platform.MATRIX)
        if account:
            return account
        server = self.adapter._require_main().user_id.split(":", 1)[1]
        return f"@{self.adapter.settings.persona_prefix}{persona.id}:{server}"

    async def spawn(self, persona: Persona, rooms: list[str]) -> dict[str, str]:
        adapter = self.adapter
        main = adapter._require_main()
        if persona.id in adapter.sessions:
            raise AdapterError(f"persona {persona.id} already has a Matrix account here")
        if not adapter.admin.can_create:
            raise Unsupported(
                "matrix cannot create persona accounts: set matrix.registration_shared_secret "
                "or matrix.admin_token"
            )
        user_id = self.user_id_for(persona)
        password = secrets.token_urlsafe(24)
        path = adapter.persona_credentials_path(persona.id)
        created = False
        token: str | None = None
        session: AccountSession | None = None
        try:
            room_ids = [await adapter.resolve_room(r) for r in rooms]
            login = await adapter.admin.create_user(user_id, password, persona.name)
            created = True
            token = login.get("access_token")
            if token:
                Credentials(
                    adapter.homeserver,
                    login.get("user_id", user_id),
                    login.get("device_id", ""),
                    token,
                    password=password,
                    persona=persona.id,
                ).save(path)
            session = adapter._new_session(
                path, user_id=user_id, password=password, persona=persona.id
            )
            await session.login()
            session.display_name = persona.name
            for room_id in room_ids:
                await self._join(main, session, room_id, persona.id)
        except BaseException as error:
            await self._undo(session, user_id, password, token, created, path)
            if isinstance(error, AdapterError):
                raise
            if isinstance(error, Exception):
                raise AdapterError(f"spawning {persona.id} failed: {error}") from error
            raise
        adapter.sessions[persona.id] = session
        session.start(adapter.clock.now())
        return {
            "user_id": session.user_id,
            "device_id": session.client.device_id or "",
            "access_token": session.client.access_token,
        }

    @staticmethod
    async def _join(
        main: AccountSession, session: AccountSession, room_id: str, persona_id: str
    ) -> None:
        if room_id in main.joined:
            with contextlib.suppress(AdapterError):  # already invited, or a public room
                await main.call(
                    "invite persona", lambda: main.client.room_invite(room_id, session.user_id)
                )
        await session.call(f"join {room_id} as {persona_id}", lambda: session.client.join(room_id))
        session.joined.add(room_id)

    async def _undo(
        self,
        session: AccountSession | None,
        user_id: str,
        password: str,
        token: str | None,
        created: bool,
        path: Path,
    ) -> None:
        if session is not None:
            token = session.client.access_token or token
            for room_id in list(session.joined):
                with contextlib.suppress(Exception):
                    await session.call("leave", lambda r=room_id: session.client.room_leave(r))
        if created:
            try:
                await self.adapter.admin.deactivate(user_id, own_token=token, own_password=password)
            except Exception as error:
                log.error("could not remove the half-made account %s: %s", user_id, error)
        if session is not None:
            await session.stop()
        path.unlink(missing_ok=True)  # noqa: ASYNC240 - one tiny local file

    async def despawn(self, persona: Persona) -> None:
        adapter = self.adapter
        main = adapter._require_main()
        path = adapter.persona_credentials_path(persona.id)
        session = adapter.sessions.get(persona.id)
        if session is None:
            creds = Credentials.load(path)
            if creds is not None:
                session = adapter._new_session(
                    path, user_id=creds.user_id, password=creds.password, persona=persona.id
                )
        if session is None:
            user_id = persona.accounts.get(Platform.MATRIX)
            if not user_id:
                raise AdapterError(f"persona {persona.id} has no Matrix account here")
            if not adapter.admin.can_deactivate:
                raise Unsupported(
                    f"cannot deactivate {user_id}: no stored credentials and no matrix.admin_token"
                )
            await adapter.admin.deactivate(user_id)
            return
        if not session.client.access_token:
            with contextlib.suppress(Exception):
                await session.login()
        user_id, password = session.user_id, session.password
        # What would make the deactivation fail is found out before any room is left.
        await adapter.admin.check_deactivate(
            user_id, own_token=session.client.access_token, own_password=password
        )
        left = await self._leave_all(main, session)
        await session.stop()
        adapter.sessions.pop(persona.id, None)
        try:
            await adapter.admin.deactivate(
                user_id, own_token=session.client.access_token, own_password=password
            )
        except Exception as error:
            if path.exists():  # keep the persona as it was: despawn can be tried again
                lost = await self._revive(persona.id, path, user_id, password, left)
                if lost:
                    raise AdapterError(
                        f"{error}; {persona.id} could not rejoin {', '.join(lost)}"
                    ) from error
            raise
        path.unlink(missing_ok=True)
        await adapter.sync_state.set(session.token_key, "")

    async def _revive(
        self, persona_id: str, path: Path, user_id: str, password: str | None, rooms: list[str]
    ) -> list[str]:
        """Restart a persona whose despawn failed, back in the rooms it left; the rooms it
        could not rejoin (a private room the bot is not in) are returned."""
        adapter = self.adapter
        revived = adapter._new_session(path, user_id=user_id, password=password, persona=persona_id)
        lost: list[str] = []
        try:
            await revived.login()
        except Exception as error:
            log.error("could not log %s in again after a failed despawn: %s", user_id, error)
            lost = list(rooms)
        else:
            main = adapter._require_main()
            for room_id in rooms:
                try:
                    await self._join(main, revived, room_id, persona_id)
                except Exception as error:
                    log.warning("%s could not rejoin %s: %s", persona_id, room_id, error)
                    lost.append(room_id)
        adapter.sessions[persona_id] = revived
        revived.start(adapter.clock.now())
        return lost

    @staticmethod
    async def _leave_all(main: AccountSession, session: AccountSession) -> list[str]:
        """Leave every room (the bot kicks where leaving fails); the rooms it was in."""
        rooms = set(session.joined)
        if session.client.access_token:
            with contextlib.suppress(Exception):
                resp = await session.call("list rooms", session.client.joined_rooms)
                rooms.update(resp.rooms)
        for room_id in sorted(rooms):
            try:
                await session.call("leave", lambda r=room_id: session.client.room_leave(r))
            except Exception:
                with contextlib.suppress(Exception):
                    await main.call(
                        "kick persona",
                        lambda r=room_id: main.client.room_kick(r, session.user_id, "despawned"),
                    )
            session.joined.discard(room_id)
        return sorted(rooms)
