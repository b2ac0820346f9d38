"""Random damage to a signed bundle: never verified, never a traceback.

Replay is left out here (it has its own tests): every damage is caught before it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from govkit.bundle import keys
from govkit.bundle.sign import sign_run
from govkit.bundle.signers import KeySigner
from govkit.bundle.verify import KeyVerifier, verify_run
from govkit.errors import GovkitError
from govkit.run import Run


@pytest.fixture(scope="module")
def signed(demo_run: Run, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, KeyVerifier]:
    folder = tmp_path_factory.mktemp("signed")
    key_files = keys.generate(folder / "keys")
    run_dir = folder / "run"
    shutil.copytree(demo_run.path, run_dir)
    sign_run(run_dir, KeySigner(keys.load_private(key_files.private)))
    return run_dir, KeyVerifier(keys.load_public(key_files.public))


MUTATIONS = st.sampled_from(["flip", "truncate", "append", "delete", "add", "empty"])


def mutate(run_dir: Path, kind: str, file_pick: int, position: int, bit: int) -> bool:
    """Damage one file; False when it is no damage: the signature envelope laid out anew as
    the same JSON (a whitespace byte appended). The signature covers the payload inside the
    envelope, not the envelope's layout, so that still verifies, as it should."""
    files = sorted(p for p in run_dir.rglob("*") if p.is_file())
    target = files[file_pick % len(files)]
    data = bytearray(target.read_bytes())
    before = _envelope(target)
    if kind == "flip" and data:
        data[position % len(data)] ^= 1 << (bit % 8)
        target.write_bytes(bytes(data))
    elif kind == "truncate":
        target.write_bytes(bytes(data[: position % max(len(data), 1)]))
    elif kind == "append":
        target.write_bytes(bytes(data) + bytes([bit % 256]))
    elif kind == "delete":
        target.unlink()
    elif kind == "add":
        (target.parent / f"added-{position}.json").write_bytes(b"{}")
    else:
        target.write_bytes(b"")
    return before is None or _envelope(target) != before


def _envelope(path: Path) -> Any:
    """The envelope's JSON, when ``path`` is the signature envelope and reads as JSON."""
    if path.parent.name != "attestations" or not path.exists():
        return None
    try:
        return json.loads(path.read_bytes())
    except ValueError:
        return None

@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=MUTATIONS, file_pick=st.integers(0, 10_000), position=st.integers(0, 1 << 20),
       bit=st.integers(0, 255))
def test_damaged_bundle_never_verifies(signed: tuple[Path, KeyVerifier], kind: str,
                                       file_pick: int, position: int, bit: int) -> None:
    run_dir, verifier = signed
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "run"
        shutil.copytree(run_dir, copy)
        assume(mutate(copy, kind, file_pick, position, bit))
        try:
            report = verify_run(copy, verifier)
        except GovkitError:
            return  # reported as bad input (exit 2), never as a traceback
        assert not report.ok, [(c.name, c.detail) for c in report.checks]
