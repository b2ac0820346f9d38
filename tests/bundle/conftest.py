"""Fixtures: copies of the shared demo run, so tests can sign and tamper freely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govkit.bundle import keys
from govkit.run import Run


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    keys.generate(folder, keys.Algorithm.ECDSA_P256, name="ecdsa")
    keys.generate(folder, keys.Algorithm.ED25519, name="ed25519")
    keys.generate(folder, keys.Algorithm.ECDSA_P256, name="other")
    return folder


@pytest.fixture
def run_copy(demo_run: Run, tmp_path: Path) -> Path:
    target = tmp_path / demo_run.path.name
    shutil.copytree(demo_run.path, target)
    return target
