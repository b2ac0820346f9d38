"""Sign a run directory: write ``attestations/govkit.sigstore.json``."""

from __future__ import annotations

from pathlib import Path

from govkit.bundle.digests import ATTESTATIONS
from govkit.bundle.errors import BundleError
from govkit.bundle.signers import Signer
from govkit.bundle.statement import build_statement
from govkit.canonical import write_atomic

BUNDLE_FILE = f"{ATTESTATIONS}/govkit.sigstore.json"


def sign_run(run_dir: Path, signer: Signer, *, replace: bool = False) -> Path:
    if not (run_dir / "manifest.json").is_file():
        raise BundleError(f"{run_dir}: not a govkit run directory (no manifest.json)")
    target = run_dir / BUNDLE_FILE
    if target.exists() and not replace:
        raise BundleError(f"{target} already exists; use --force to sign again")
    bundle = signer.sign_statement(build_statement(run_dir))
    write_atomic(target, bundle)
    return target
