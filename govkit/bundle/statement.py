"""The in-toto Statement v1 that a bundle signs: every evidence file with its SHA-256, and a
govkit predicate summarising the run."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import rfc8785

from govkit.bundle.digests import evidence_files, sha256_file
from govkit.bundle.errors import BundleError
from govkit.snapshot import Snapshot

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://govkit.dev/attestations/evidence-run/v1"
MANIFEST = "manifest.json"
RESULTS = "results/results.json"


def subjects(run_dir: Path) -> list[dict[str, Any]]:
    return [{"name": relative.as_posix(), "digest": {"sha256": sha256_file(run_dir / relative)}}
            for relative in evidence_files(run_dir)]


def _read(run_dir: Path, name: str) -> Mapping[str, Any]:
    path = run_dir / name
    if not path.is_file():
        raise BundleError(f"{path}: missing; is {run_dir} a govkit run directory?")
    data = Snapshot.read_json(path)
    if not isinstance(data, dict):
        raise BundleError(f"{path}: not a JSON object")
    return data


def predicate(manifest: Mapping[str, Any], results: Mapping[str, Any]) -> dict[str, Any]:
    """What an auditor reads first: who collected what, when, and the outcome."""
    return {
        "tool": manifest.get("tool"),
        "run_id": manifest.get("run_id"),
        "period": manifest.get("period"),
        "started_at": manifest.get("started_at"),
        "finished_at": manifest.get("finished_at"),
        "evaluated_at": manifest.get("evaluated_at"),
        "accounts": manifest.get("accounts"),
        "regions": manifest.get("regions"),
        "sources": [{k: s.get(k) for k in ("type", "caller_account", "services", "api_calls")}
                    for s in manifest.get("sources") or []],
        "policies": manifest.get("policies"),
        "results": (results.get("summary") or {}).get("by_status"),
    }


def build_statement(run_dir: Path) -> bytes:
    """The canonical JSON bytes of the statement over ``run_dir``."""
    manifest = _read(run_dir, MANIFEST)
    results = _read(run_dir, RESULTS)
    statement: dict[str, Any] = {"_type": STATEMENT_TYPE, "subject": subjects(run_dir),
                 "predicateType": PREDICATE_TYPE, "predicate": predicate(manifest, results)}
    data: bytes = rfc8785.dumps(statement)
    return data
