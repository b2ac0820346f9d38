"""Scan benchmark: `govkit scan` against the demo estate seeded at several scales.

For each scale the emulator runs in its own process (seeded, then idle), and `govkit scan`
runs in another, so the peak RSS printed is govkit's alone. Prints, per scale: resources,
API calls, wall time, calls per second, peak RSS, and the time per resource, which stays flat
when cost grows linearly with the estate.

    python benchmarks/scan_scale.py [--scales 1,10,100] [--workers 16]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import measured_govkit, seeded_emulator

REGIONS = "us-east-1,us-west-2"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--workers", type=int, default=16)
    options = parser.parse_args()
    print(f"{'scale':>5} {'resources':>9} {'rules':>5} {'api calls':>9} {'wall s':>7} "
          f"{'calls/s':>8} {'peak MiB':>8} {'ms/resource':>11}")
    for scale in (int(s) for s in options.scales.split(",")):
        with seeded_emulator(scale) as endpoint, tempfile.TemporaryDirectory() as scratch:
            cwd = Path(scratch)
            stats = measured_govkit(["scan", "--regions", REGIONS, "--out", "runs",
                                     "--workers", str(options.workers), "--fail-on", "none"],
                                    endpoint, cwd)
            run = (cwd / "runs" / "latest").resolve()
            manifest = json.loads((run / "manifest.json").read_bytes())
            results = json.loads((run / "results" / "results.json").read_bytes())
            calls = manifest["sources"][0]["api_calls"]
            resources = len({r["resource_id"] for r in results["results"]
                             if r["status"] in ("PASS", "FAIL", "WAIVED", "ERROR")})
            print(f"{scale:>5} {resources:>9} {results['summary']['rules']:>5} {calls:>9} "
                  f"{stats['wall_seconds']:>7.2f} {calls / stats['wall_seconds']:>8.0f} "
                  f"{stats['peak_rss_mib']:>8.1f} "
                  f"{1000 * stats['wall_seconds'] / max(resources, 1):>11.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
