"""One real Synapse for the whole test session; it fails (never skips) if it cannot start."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from .synapse import Synapse, SynapseError, start_synapse


@pytest.fixture(scope="session")
def synapse() -> Iterator[Synapse]:
    try:
        server = start_synapse()
    except SynapseError as error:
        pytest.fail(f"Synapse could not start:\n{error}", pytrace=False)
    yield server
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)
