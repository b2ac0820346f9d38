"""Bundle benchmark: sign and verify a run directory holding ~1 GiB of snapshot files.

Prints sign and verify throughput beside `sha256sum` over the same files in the same run, and
the peak RSS of the `govkit` processes (hashing streams, so memory stays flat in bundle size).

    python benchmarks/bundle_throughput.py [--mib 1024] [--files 256]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import measured_govkit

OFFLINE = "http://127.0.0.1:9"


def make_run(root: Path, mib: int, files: int) -> Path:
    run = root / "run"
    per_file = mib * (1 << 20) // files
    block = os.urandom(1 << 20)
    for number in range(files):
        path = run / "snapshots" / "111122223333" / "us-east-1" / "s3" / f"Call.{number:05d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            for offset in range(0, per_file, len(block)):
                handle.write(block[: min(len(block), per_file - offset)])
    (run / "results").mkdir()
    (run / "manifest.json").write_text(json.dumps({
        "schema": "https://govkit.dev/schemas/manifest/v1", "run_id": "bench", "period": "2026-Q4",
        "tool": {"name": "govkit", "version": "bench"}, "accounts": [], "regions": [],
        "sources": [], "evaluated_at": "2026-11-22T00:00:00Z"}))
    (run / "results" / "results.json").write_text(json.dumps({"summary": {"by_status": {}}}))
    return run


def sha256sum_seconds(run: Path) -> float:
    started = time.perf_counter()
    files = [str(p) for p in sorted(run.rglob("*")) if p.is_file()]
    subprocess.run(["sha256sum", *files], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=256)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        run = make_run(root, options.mib, options.files)
        subprocess.run([sys.executable, "-m", "govkit", "keys", "generate", "--out",
                        str(root / "keys")], check=True, stdout=subprocess.DEVNULL)
        size = sum(p.stat().st_size for p in run.rglob("*") if p.is_file()) / (1 << 20)
        reference = sha256sum_seconds(run)  # also warms the page cache for both
        sign = measured_govkit(["bundle", "sign", str(run), "--key",
                                str(root / "keys" / "govkit.key")], OFFLINE, root)
        verify = measured_govkit(["verify", str(run), "--key",
                                  str(root / "keys" / "govkit.pub")], OFFLINE, root)
        reference_after = sha256sum_seconds(run)
        best = min(reference, reference_after)
        print(f"bundle {size:,.0f} MiB in {options.files} snapshot files")
        print(f"sha256sum {size / best:8.0f} MiB/s")
        for name, stats in (("sign", sign), ("verify", verify)):
            rate = size / stats["wall_seconds"]
            print(f"{name:9} {rate:8.0f} MiB/s  ({rate * best / size:.2f} of sha256sum)  "
                  f"peak RSS {stats['peak_rss_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
