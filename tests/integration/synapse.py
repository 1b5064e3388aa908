"""A real Synapse homeserver for the integration tests: one per test session, on 127.0.0.1.

It runs from the project venv (the `integration` extra), on SQLite, with a registration shared
secret and every `rc_*` limit raised. If it cannot start, :func:`start_synapse` raises with the
tail of its log: the tests fail loudly rather than skip.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVER_NAME = "sanctum.test"
_RAISED = {"per_second": 1000, "burst_count": 1000}

CONFIG_TEMPLATE = """\
server_name: "{server_name}"
pid_file: "{dir}/homeserver.pid"
public_baseurl: "http://127.0.0.1:{port}/"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{dir}/homeserver.db"
media_store_path: "{dir}/media"
signing_key_path: "{dir}/signing.key"
log_config: "{dir}/log.yaml"
report_stats: false
registration_shared_secret: "{secret}"
enable_registration: false
trusted_key_servers: []
suppress_key_server_warning: true
bcrypt_rounds: 4
presence:
  enabled: false
url_preview_enabled: false
{ratelimits}
"""

LOG_CONFIG = """\
version: 1
formatters:
  plain:
    format: "%(asctime)s %(levelname)s %(name)s %(message)s"
handlers:
  file:
    class: logging.FileHandler
    filename: "{dir}/homeserver.log"
    formatter: plain
root:
  level: WARNING
  handlers: [file]
loggers:
  synapse.access:
    level: WARNING
disable_existing_loggers: false
"""


def _ratelimits() -> str:
    limit = json.dumps(_RAISED)
    lines = [
        f"rc_message: {limit}",
        f"rc_registration: {limit}",
        f"rc_login: {json.dumps({k: _RAISED for k in ('address', 'account', 'failed_attempts')})}",
        f"rc_joins: {json.dumps({'local': _RAISED, 'remote': _RAISED})}",
        f"rc_joins_per_room: {limit}",
        f"rc_invites: {json.dumps({k: _RAISED for k in ('per_room', 'per_user', 'per_issuer')})}",
        f"rc_room_creation: {limit}",
        f"rc_admin_redaction: {limit}",
        f"rc_3pid_validation: {limit}",
        f"rc_presence: {json.dumps({'per_user': _RAISED})}",
    ]
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SynapseError(RuntimeError):
    pass


@dataclass
class Synapse:
    """A running homeserver and the admin account registered on it."""

    directory: Path
    port: int
    secret: str
    process: subprocess.Popen[bytes] | None = None
    admin_user: str = ""
    admin_token: str = ""
    server_name: str = SERVER_NAME
    _log_handle: Any = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "homeserver.log"

    def log_tail(self, lines: int = 40) -> str:
        text = ""
        for path in (self.log_path, self.directory / "stderr.log"):
            if path.exists():
                text += f"--- {path.name} ---\n"
                text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text or "(no log written)"

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"

    # -- HTTP helpers (blocking, for fixtures and assertions) ---------------------------------

    def request(
        self, method: str, path: str, body: dict | None = None, token: str | None = None
    ) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                return error.code, json.loads(payload or b"{}")
            except ValueError:
                return error.code, {"error": payload.decode(errors="replace")}

    def register(self, localpart: str, password: str, admin: bool = False) -> dict:
        """Shared-secret registration; returns the login response (user_id, access_token...)."""
        _, nonce = self.request("GET", "/_synapse/admin/v1/register")
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        kind = b"admin" if admin else b"notadmin"
        mac.update(
            b"\x00".join([nonce["nonce"].encode(), localpart.encode(), password.encode(), kind])
        )
        body = {
            "nonce": nonce["nonce"],
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        status, reply = self.request("POST", "/_synapse/admin/v1/register", body)
        if status != 200:
            raise SynapseError(f"registering {localpart} failed: {status} {reply}")
        return reply

    def login(self, user_id: str, password: str) -> tuple[int, dict]:
        body = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user_id},
            "password": password,
        }
        return self.request("POST", "/_matrix/client/v3/login", body)

    # -- lifecycle ----------------------------------------------------------------------------

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise SynapseError(
                    f"Synapse exited with code {self.process.returncode}\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(
                    self.base_url + "/_matrix/client/versions", timeout=1
                ) as resp:
                    if resp.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise SynapseError(f"Synapse did not answer within {timeout:.0f} s\n{self.log_tail()}")

    def stop(self) -> None:
        proc = self.process
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None


def _die_with_parent() -> None:
    """Linux: the homeserver gets SIGTERM if the test process dies without cleaning up."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def write_config(directory: Path, port: int, secret: str, extra: str = "") -> Path:
    (directory / "media").mkdir(parents=True, exist_ok=True)
    (directory / "log.yaml").write_text(LOG_CONFIG.format(dir=directory))
    config = directory / "homeserver.yaml"
    config.write_text(
        CONFIG_TEMPLATE.format(
            server_name=SERVER_NAME,
            dir=directory,
            port=port,
            secret=secret,
            ratelimits=_ratelimits(),
        )
        + extra
    )
    return config


def start_synapse(directory: Path | None = None, extra_config: str = "") -> Synapse:
    """Start Synapse in ``directory`` (a new temp dir by default) and register an admin.

    Raises :class:`SynapseError` with the tail of the homeserver's log if it does not come up.
    """
    owned = directory is None  # a temp dir of our own is removed if the start fails
    directory = Path(directory or tempfile.mkdtemp(prefix="sanctum-synapse-"))
    secret = secrets.token_hex(16)
    port = free_port()
    config = write_config(directory, port, secret, extra_config)
    server = Synapse(directory=directory, port=port, secret=secret)
    server._log_handle = open(directory / "stderr.log", "wb")  # closed in stop()
    env = dict(os.environ, SYNAPSE_CACHE_FACTOR="0.5")
    try:
        server.process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(config)],
            cwd=directory,
            stdout=server._log_handle,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    except OSError as error:
        server.stop()
        if owned:
            shutil.rmtree(directory, ignore_errors=True)
        raise SynapseError(f"cannot run {sys.executable}: {error}") from error
    try:
        server.wait_ready()
        reply = server.register("admin", "admin-password", admin=True)
        server.admin_user = reply["user_id"]
        server.admin_token = reply["access_token"]
    except BaseException as error:
        server.stop()
        tail = server.log_tail()
        if owned:
            shutil.rmtree(directory, ignore_errors=True)
        if isinstance(error, SynapseError) and "---" not in str(error):
            raise SynapseError(f"{error}\n{tail}") from None
        raise
    return server
