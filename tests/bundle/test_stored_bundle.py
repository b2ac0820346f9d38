"""A signed bundle made by an earlier govkit still verifies and replays byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

BUNDLES = Path(__file__).resolve().parent.parent / "data" / "bundles"
ARCHIVE = BUNDLES / "demo-2026-q4.tar.gz"
PUBLIC_KEY = BUNDLES / "demo-2026-q4.pub"


def test_the_stored_demo_bundle_verifies_and_replays(tmp_path: Path) -> None:
    process = subprocess.run([sys.executable, "-m", "govkit", "verify", str(ARCHIVE),
                              "--key", str(PUBLIC_KEY), "--replay"], capture_output=True,
                             text=True, check=False, cwd=tmp_path, timeout=300)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "byte for byte" in process.stdout and "VERIFIED" in process.stdout


def test_the_stored_findings_point_at_their_records() -> None:
    with tarfile.open(ARCHIVE) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("results/results.json"))
        handle = archive.extractfile(member)
        assert handle is not None
        results = json.loads(handle.read())["results"]
    failed = [r for r in results if r["status"] == "FAIL"]
    assert failed and all(r["id"] and r["records"] for r in failed)
    keys = [r for r in failed if r["rule_id"] == "iam-user-access-key-rotated"]
    assert keys and all("access key AKIA…" in r["message"] for r in keys)
