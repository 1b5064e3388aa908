"""Numbered SQL migrations applied in order and tracked by ``PRAGMA user_version``.

Migrations are forward-only: each file ``NNNN_name.sql`` runs once, in a transaction, and sets
user_version to NNNN. Numbers may have gaps. A database whose version is newer than the newest
file here was written by a newer Sanctum and is refused rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import aiosqlite

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class SchemaTooNew(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    folder = resources.files("bot.memory") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def latest_version() -> int:
    migrations = available()
    return migrations[-1].version if migrations else 0


async def current_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0])


async def migrate(db: aiosqlite.Connection, *, where: str = "the database") -> list[str]:
    """Apply what is missing; return the names applied."""
    version = await current_version(db)
    newest = latest_version()
    if version > newest:
        raise SchemaTooNew(
            f"{where} has schema version {version}, newer than this Sanctum knows ({newest}); "
            "upgrade Sanctum or point --data at another directory"
        )
    applied = []
    for migration in available():
        if migration.version <= version:
            continue
        script = f"BEGIN;\n{migration.sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
        try:
            await db.executescript(script)
        except Exception:
            await db.execute("ROLLBACK") if db.in_transaction else None
            raise
        applied.append(migration.name)
    return applied
