"""The persona registry's persistence: atomic create/edit/spawn/despawn, ids, restarts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.base import Adapter, AdapterError
from bot.app import Sanctum
from bot.clock import VirtualClock
from bot.llm.offline import OfflineProvider
from bot.memory.store import Store
from bot.message import Outgoing, Platform
from bot.persona_store import SPAWN_TEMPLATE, PersonaError, PersonaService
from bot.personas import LoreEntry, Persona, PersonaRegistry, load_persona_file, persona_toml
from tests.conftest import NOVA, PERSONAS, make_settings


class AccountAdapter(Adapter):
    """A local adapter that makes persona accounts, or refuses to, as told."""

    platform = Platform.MATRIX

    def __init__(
        self, registry: PersonaRegistry, *, spawn_error: str = "", despawn_error: str = ""
    ):
        super().__init__()
        self.registry = registry
        self.spawn_error = spawn_error
        self.despawn_error = despawn_error
        self.calls: list[tuple[str, str, bool]] = []  # (what, persona, registered at the time)
        self.accounts: dict[str, str] = {}

    async def send(self, out: Outgoing):
        raise AdapterError("this adapter only makes accounts")

    async def spawn_persona(self, persona: Persona, rooms: list[str]) -> dict[str, str]:
        self.calls.append(("spawn", persona.id, persona.id in self.registry))
        if self.spawn_error:
            raise AdapterError(self.spawn_error)
        user_id = f"@{persona.id}:hs.test"
        self.accounts[persona.id] = user_id
        return {"user_id": user_id, "device_id": "DEV", "access_token": "never-stored"}

    async def despawn_persona(self, persona: Persona) -> None:
        self.calls.append(("despawn", persona.id, persona.id in self.registry))
        if self.despawn_error:
            raise AdapterError(self.despawn_error)
        self.accounts.pop(persona.id, None)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "personas"
    path.mkdir()
    (path / "luna.toml").write_text((PERSONAS / "luna.toml").read_text())
    return path


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(tmp_path / "sanctum.db", clock=VirtualClock(1_700_000_000.0))
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def service(store: Store, folder: Path) -> PersonaService:
    service = PersonaService(store, PersonaRegistry(), folder)
    report = await service.load()
    assert report.loaded == ["luna"] and not report.problems
    return service


def snapshot(service: PersonaService) -> tuple:
    files = sorted(p.name for p in service.personas_dir.rglob("*"))
    texts = {p.name: p.read_bytes() for p in service.personas_dir.glob("*.toml")}
    return files, texts, sorted(service.registry.ids())


async def rows(service: PersonaService) -> dict[str, str]:
    found = await service.store.fetchall("SELECT id, source FROM personas ORDER BY id")
    return {r[0]: r[1] for r in found}


async def fail_db_writes(store: Store) -> None:
    """A real SQLite failure on the next persona write."""
    await store.db.execute(
        "CREATE TEMP TRIGGER no_personas BEFORE INSERT ON personas"
        " BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    )
    await store.db.execute(
        "CREATE TEMP TRIGGER no_persona_updates BEFORE UPDATE ON personas"
        " BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    )


# -- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("../evil", "path separators"),
        ("a/b", "path separators"),
        ("a\\b", "path separators"),
        ("..", "path separators"),
        ("sanctum", "reserved"),
        ("everyone", "reserved"),
        ("Nova", "must be a slug"),
        ("", "cannot be empty"),
        ("x" * 40, "must be a slug"),
    ],
)
def test_unusable_ids_are_refused_before_any_file_is_touched(service, bad, why):
    with pytest.raises(PersonaError, match=why):
        service.path_for(bad)


async def test_spawn_refuses_reserved_and_taken_ids(service: PersonaService):
    before = snapshot(service)
    with pytest.raises(PersonaError, match="reserved"):
        await service.spawn("Sanctum")
    with pytest.raises(PersonaError, match="'luna' already exists"):
        await service.spawn("Luna")
    with pytest.raises(PersonaError, match="path separators"):
        await service.spawn("Nova", persona_id="../nova")
    with pytest.raises(PersonaError, match="needs a name"):
        await service.spawn("   ")
    assert snapshot(service) == before


async def test_create_refuses_an_existing_file(service: PersonaService):
    (service.personas_dir / "nova.toml").write_text("not even toml [")
    with pytest.raises(PersonaError, match="already exists"):
        await service.create(Persona(id="nova", name="Nova", system_prompt="p"))
    assert (service.personas_dir / "nova.toml").read_text() == "not even toml ["


# -- create, edit, delete ----------------------------------------------------------------------


async def test_create_writes_file_row_and_registry(service: PersonaService):
    lore = (LoreEntry(keys=("comet",), content="Comets are dirty snowballs."),)
    nova = Persona(id="nova", name="Nova", system_prompt="You are Nova.", lore=lore)
    await service.create(nova)
    assert service.registry.get("nova") == nova
    assert load_persona_file(service.personas_dir / "nova.toml") == nova
    assert (await rows(service))["nova"] == "file"
    assert (await service.repo.get("nova")).persona == nova
    assert not list(service.personas_dir.glob("*.tmp"))


async def test_a_failed_database_write_leaves_no_file(service: PersonaService):
    before = snapshot(service)
    await fail_db_writes(service.store)
    with pytest.raises(PersonaError, match="disk says no"):
        await service.create(Persona(id="nova", name="Nova", system_prompt="p"))
    assert snapshot(service) == before
    assert "nova" not in await rows(service)


async def test_edit_applies_valid_toml_verbatim(service: PersonaService):
    text = service.toml_text("luna").replace('"curious"', '"very curious"')
    text = "# my notes stay\n" + text
    persona = await service.apply_toml("luna", text)
    assert "very curious" in persona.traits
    assert service.registry.get("luna") == persona
    assert (service.personas_dir / "luna.toml").read_text() == text
    assert (await service.repo.get("luna")).persona == persona


async def test_an_edit_keeps_the_file_mode(service: PersonaService):
    path = service.personas_dir / "luna.toml"
    path.chmod(0o644)
    await service.apply_toml("luna", service.toml_text("luna") + "\n# noted\n")
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('name = "Luna"\nsystem_prompt = "p"\n[style]\nmax_length = 5\n', "style.max_length"),
        ('name = "Luna"\nsystem_prompt = "p"\nmood = "odd"\n', "mood"),
        ('name = "Luna"\nsystem_prompt = "p"\n[[lore]]\ncontent = "no keys"\n', "lore.0"),
        ('id = "nova"\nname = "Luna"\nsystem_prompt = "p"\n', "id"),
    ],
)
async def test_a_bad_edit_is_rolled_back_and_names_the_field(service, text, field):
    before = snapshot(service)
    old = service.registry.get("luna")
    with pytest.raises(PersonaError) as caught:
        await service.apply_toml("luna", text)
    assert f"field '{field}" in str(caught.value) and "luna.toml" in str(caught.value)
    assert snapshot(service) == before and service.registry.get("luna") is old


async def test_broken_toml_edit_is_refused(service: PersonaService):
    with pytest.raises(PersonaError, match="invalid TOML"):
        await service.apply_toml("luna", 'name = "unterminated\n')


async def test_an_edit_whose_database_write_fails_restores_the_file(service: PersonaService):
    before = snapshot(service)
    await fail_db_writes(service.store)
    luna = service.registry.get("luna")
    with pytest.raises(PersonaError, match="disk says no"):
        await service.update(luna.model_copy(update={"traits": ("changed",)}))
    assert snapshot(service) == before and service.registry.get("luna") is luna


async def test_delete_parks_the_file(service: PersonaService):
    await service.delete("luna")
    assert "luna" not in service.registry and "luna" not in await rows(service)
    assert not (service.personas_dir / "luna.toml").exists()
    parked = list((service.personas_dir / ".removed").glob("luna.*.toml"))
    assert len(parked) == 1 and load_persona_file_text(parked[0]).name == "Luna"
    with pytest.raises(PersonaError, match="no persona 'luna'"):
        await service.delete("luna")


def load_persona_file_text(path: Path) -> Persona:
    from bot.personas import parse_persona_toml

    return parse_persona_toml(path.read_text(), source=path, expected_id="luna")


# -- spawn and despawn -------------------------------------------------------------------------


async def test_spawn_without_adapter_uses_the_template(service: PersonaService):
    persona = await service.spawn("Nova Star", rooms=["lobby"])
    assert persona.id == "nova-star" and persona.rooms == ("lobby",)
    assert persona.system_prompt == SPAWN_TEMPLATE.replace("{name}", "Nova Star")
    assert (await rows(service))["nova-star"] == "spawned"
    text = (service.personas_dir / "nova-star.toml").read_text()
    assert text.startswith("# Nova Star: spawned by Sanctum")
    assert load_persona_file(service.personas_dir / "nova-star.toml") == persona


async def test_spawn_with_adapter_stores_the_account(service: PersonaService):
    adapter = AccountAdapter(service.registry)
    persona = await service.spawn("Nova", prompt="You are Nova, terse.", adapter=adapter)
    assert adapter.calls == [("spawn", "nova", True)]  # registered while the account is made
    assert persona.accounts == {Platform.MATRIX: "@nova:hs.test"}
    assert service.registry.by_account(Platform.MATRIX, "@nova:hs.test") == persona
    assert persona.system_prompt == "You are Nova, terse."
    text = (service.personas_dir / "nova.toml").read_text()
    assert "@nova:hs.test" in text and "never-stored" not in text
    stored = await service.store.fetchone("SELECT data FROM personas WHERE id = 'nova'")
    assert "never-stored" not in stored[0] and json.loads(stored[0])["accounts"]


async def test_spawn_rolls_back_everything_when_the_adapter_fails(service: PersonaService):
    before = snapshot(service)
    adapter = AccountAdapter(service.registry, spawn_error="homeserver said no")
    with pytest.raises(PersonaError) as caught:
        await service.spawn("Nova", adapter=adapter)
    assert "homeserver said no" in str(caught.value) and "nothing was created" in str(caught.value)
    assert snapshot(service) == before
    assert "nova" not in service.registry and "nova" not in await rows(service)
    # The id is free again: a later spawn works.
    adapter.spawn_error = ""
    await service.spawn("Nova", adapter=adapter)
    assert "nova" in service.registry


async def test_spawn_removes_the_account_when_saving_fails(service: PersonaService):
    before = snapshot(service)
    adapter = AccountAdapter(service.registry)
    await fail_db_writes(service.store)
    with pytest.raises(PersonaError, match="disk says no"):
        await service.spawn("Nova", adapter=adapter)
    assert [c[0] for c in adapter.calls] == ["spawn", "despawn"]
    assert adapter.accounts == {}
    assert snapshot(service) == before


async def test_despawn_removes_the_account_first(service: PersonaService):
    adapter = AccountAdapter(service.registry)
    await service.spawn("Nova", adapter=adapter)
    await service.despawn("nova", adapter=adapter)
    # The adapter ran while the persona still existed, and only then was it removed.
    assert adapter.calls[-1] == ("despawn", "nova", True)
    assert "nova" not in service.registry and "nova" not in await rows(service)
    assert not (service.personas_dir / "nova.toml").exists()
    assert service.registry.by_account(Platform.MATRIX, "@nova:hs.test") is None


async def test_a_failed_despawn_keeps_the_persona(service: PersonaService):
    adapter = AccountAdapter(service.registry)
    persona = await service.spawn("Nova", adapter=adapter)
    before = snapshot(service)
    adapter.despawn_error = "rate limited"
    with pytest.raises(PersonaError, match=r"rate limited.*the persona is kept"):
        await service.despawn("nova", adapter=adapter)
    assert snapshot(service) == before and service.registry.get("nova") == persona
    assert (await rows(service))["nova"] == "spawned"


async def test_adapter_returning_no_user_id_is_a_failed_spawn(service: PersonaService):
    class Mute(AccountAdapter):
        async def spawn_persona(self, persona, rooms):
            await super().spawn_persona(persona, rooms)
            return {}

    adapter = Mute(service.registry)
    with pytest.raises(PersonaError, match="returned no user id"):
        await service.spawn("Nova", adapter=adapter)
    assert "nova" not in service.registry and adapter.accounts == {}


# -- restarts ----------------------------------------------------------------------------------


async def reopen(tmp_path: Path, folder: Path) -> tuple[Store, PersonaService, object]:
    store = Store(tmp_path / "sanctum.db", clock=VirtualClock(1_700_000_100.0))
    await store.open()
    service = PersonaService(store, PersonaRegistry(), folder)
    return store, service, await service.load()


async def test_spawned_and_imported_personas_survive_a_restart(tmp_path, store, folder):
    service = PersonaService(store, PersonaRegistry(), folder)
    await service.load()
    nova = await service.spawn("Nova", adapter=AccountAdapter(service.registry))
    lore = (LoreEntry(keys=("kestrel",), content="A ship.", priority=3),)
    pip = await service.create(
        Persona(id="pip", name="Pip", system_prompt="p", lore=lore), source="card"
    )
    await store.close()
    # The spawned persona's file is lost; the database still has it.
    (folder / "nova.toml").unlink()
    store2, again, report = await reopen(tmp_path, folder)
    try:
        assert sorted(report.loaded) == ["luna", "nova", "pip"] and not report.problems
        assert again.registry.get("nova") == nova and again.source_of("nova") == "spawned"
        assert again.registry.get("pip") == pip and again.source_of("pip") == "card"
        assert again.registry.by_account(Platform.MATRIX, "@nova:hs.test") == nova
    finally:
        await store2.close()


async def test_a_file_wins_over_the_database_and_it_is_reported(tmp_path, store, folder):
    service = PersonaService(store, PersonaRegistry(), folder)
    await service.load()
    await service.spawn("Nova")
    await store.close()
    (folder / "nova.toml").write_text(NOVA)  # hand-written, different
    store2, again, report = await reopen(tmp_path, folder)
    try:
        assert again.registry.get("nova").system_prompt == "You are Nova, a terse stargazer."
        assert any(
            "differs from the spawned copy" in n and "file wins" in n for n in report.notices
        )
        assert (await again.repo.get("nova")).persona == again.registry.get("nova")
    finally:
        await store2.close()


async def test_a_broken_file_runs_the_last_good_copy(tmp_path, store, folder):
    service = PersonaService(store, PersonaRegistry(), folder)
    await service.load()
    luna = service.registry.get("luna")
    await store.close()
    (folder / "luna.toml").write_text("name = [")
    store2, again, report = await reopen(tmp_path, folder)
    try:
        assert again.registry.get("luna") == luna
        assert any("invalid TOML" in e for e in report.errors)
        assert any("last good copy" in n for n in report.notices)
    finally:
        await store2.close()


async def test_a_deleted_hand_written_file_stays_gone(tmp_path, store, folder):
    service = PersonaService(store, PersonaRegistry(), folder)
    await service.load()
    await store.close()
    (folder / "luna.toml").unlink()
    store2, again, report = await reopen(tmp_path, folder)
    try:
        assert "luna" not in again.registry
        assert any("file is gone" in n for n in report.notices)
    finally:
        await store2.close()


async def test_a_corrupt_database_row_is_reported_not_fatal(tmp_path, store, folder):
    service = PersonaService(store, PersonaRegistry(), folder)
    await service.load()
    async with store.transaction() as db:
        await db.execute("INSERT INTO personas VALUES ('ghost', '{\"name\": 3}', 'spawned', 0, 0)")
    await store.close()
    store2, again, report = await reopen(tmp_path, folder)
    try:
        assert "ghost" not in again.registry and "luna" in again.registry
        assert any("database persona 'ghost'" in e and "field 'name'" in e for e in report.errors)
    finally:
        await store2.close()


async def test_the_app_loads_database_personas_at_start(tmp_path: Path, folder: Path):
    settings = make_settings(tmp_path, folder)
    bot = Sanctum(settings, clock=VirtualClock(1_700_000_000.0), llm=OfflineProvider())
    await bot.start(connect_platforms=False)
    try:
        await bot.persona_service.spawn("Nova")
    finally:
        await bot.stop()
    (folder / "nova.toml").unlink()
    bot = Sanctum(settings, clock=VirtualClock(1_700_000_000.0), llm=OfflineProvider())
    await bot.start(connect_platforms=False)
    try:
        assert sorted(bot.personas.ids()) == ["luna", "nova"]
        turn = await bot.dispatcher.handle(bot.local.make_message("lobby", "hi nova"))
        assert any(m.author.persona == "nova" for m in turn.sent)
    finally:
        await bot.stop()


def test_rendered_toml_round_trips(tmp_path: Path):
    persona = Persona(
        id="odd",
        name="Odd",
        system_prompt='quotes """ and \\ backslashes\r\nand CRLF',
        description="tab\there",
        lore=(LoreEntry(constant=True, content="always"),),
        accounts={Platform.MATRIX: "@odd:hs"},
    )
    path = tmp_path / "odd.toml"
    path.write_text(persona_toml(persona, header="a header\n\nwith a blank line"))
    assert load_persona_file(path) == persona
