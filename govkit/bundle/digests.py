"""Streaming SHA-256 of every file in a run directory (memory flat in file size)."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from pathlib import Path

from govkit.bundle.errors import BundleError

CHUNK = 1 << 20
ATTESTATIONS = "attestations"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def evidence_files(run_dir: Path) -> Iterator[Path]:
    """Every regular file outside attestations/, as sorted relative POSIX paths.

    Links and special files are refused: verification refuses them too, and signing a link
    would sign whatever it points to.
    """
    found = []
    for path in run_dir.rglob("*"):
        relative = path.relative_to(run_dir)
        if relative.parts[0] == ATTESTATIONS:
            continue
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            continue
        if not stat.S_ISREG(mode):
            raise BundleError(f"{path}: links and special files cannot be signed as evidence")
        found.append(relative)
    yield from sorted(found, key=lambda p: p.as_posix())
