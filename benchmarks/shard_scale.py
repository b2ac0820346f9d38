"""Sharding benchmark: one scan process against N shard processes run at once, then the merge.

The emulator serves the demo estate at ``--scale`` spread over an organisation of
``--accounts`` accounts (benchmarks/_support.py: the demo estate in the management account at
``scale / accounts`` units, as many units of storage in each member), scanned through the role
govkit assumes in each, in two regions. Prints the one-process
scan, each shard's wall time, API calls and peak RSS, the slowest shard (what a job engine waits
for), the merge, whether the merged results equal the one-process scan's (they must), and the
emulator's own rate of answers to its cheapest call, the floor no scan against it can beat.

    python benchmarks/shard_scale.py [--scale 10] [--accounts 8] [--shards 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import MEASURE, ORG_SCAN, emulator_floor, measured_govkit, spread_organisation


def _calls(run: Path) -> int:
    manifest = json.loads((run / "manifest.json").read_text())
    return int(manifest["sources"][0]["api_calls"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--accounts", type=int, default=8)
    parser.add_argument("--shards", type=int, default=4)
    options = parser.parse_args()
    with spread_organisation(options.scale, options.accounts) as organisation, \
            tempfile.TemporaryDirectory() as scratch:
        root, endpoint = Path(scratch), organisation.endpoint
        (root / "whole").mkdir()
        whole = measured_govkit([*ORG_SCAN, "--out", "runs"], endpoint, root / "whole")
        whole_run = (root / "whole" / "runs" / "latest").resolve()
        floor = emulator_floor(endpoint)
        print(f"emulator alone: {floor:.0f} answers/s to sts:GetCallerIdentity from 16 threads "
              f"(a scan's floor: {_calls(whole_run) / floor:.1f} s for its calls)")
        print(f"one process: {whole['wall_seconds']:.1f} s, {_calls(whole_run)} API calls "
              f"({_calls(whole_run) / whole['wall_seconds']:.0f}/s), peak "
              f"{whole['peak_rss_mib']:.0f} MiB (scale {options.scale}, "
              f"{options.accounts} accounts)")
        began = time.perf_counter()
        jobs = []
        for index in range(1, options.shards + 1):
            folder = root / f"shard{index}"
            folder.mkdir()
            jobs.append((folder, _start(endpoint, [*ORG_SCAN, "--shard",
                                                   f"{index}/{options.shards}", "--out",
                                                   "runs"], folder)))
        for index, (folder, job) in enumerate(jobs, 1):
            job.wait()
            stats = json.loads((folder / "stats.json").read_text())
            run = (folder / "runs" / "latest").resolve()
            print(f"  shard {index}/{options.shards}: {stats['seconds']:.1f} s, {_calls(run)} "
                  f"API calls, peak {stats['peak_rss_mib']:.0f} MiB")
        shards_wall = time.perf_counter() - began
        print(f"{options.shards} shards at once: {shards_wall:.1f} s wall "
              f"({whole['wall_seconds'] / shards_wall:.2f}x the one process)")
        (root / "merged").mkdir()
        merged = measured_govkit(["merge", *(str((root / f"shard{i}" / "runs" / "latest")
                                                 .resolve())
                                             for i in range(1, options.shards + 1)),
                                  "--out", "runs", "--fail-on", "none"], endpoint,
                                 root / "merged")
        merged_run = (root / "merged" / "runs" / "latest").resolve()
        same = _results(merged_run) == _results(whole_run)
        print(f"merge: {merged['wall_seconds']:.1f} s, peak {merged['peak_rss_mib']:.0f} MiB; "
              f"results equal to the one-process scan: {'yes' if same else 'NO'}")
        return 0 if same else 1


def _start(endpoint: str, args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint,
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return subprocess.Popen([sys.executable, "-c", MEASURE, *args, str(cwd / "stats.json")],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _results(run: Path) -> list[object]:
    return list(json.loads((run / "results" / "results.json").read_text())["results"])


if __name__ == "__main__":
    raise SystemExit(main())
