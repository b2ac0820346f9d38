"""Sharding benchmark: one scan process against N shard processes run at once, then the merge.

The emulator serves the demo estate at ``--scale`` in the management account of an
organisation with ``--accounts`` accounts in all (the members are empty: the demo seeds one
account), scanned through the role govkit assumes in each, in two regions. Prints the one-process
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

from _support import MEASURE, measured_govkit, seeded_emulator

SCAN = ["scan", "--org", "--role-name", "GovkitReadOnly", "--regions", "us-east-1,us-west-2",
        "--evaluated-at", "2026-12-02T12:00:00Z", "--fail-on", "none"]


def _organisation(endpoint: str, accounts: int) -> None:
    import boto3
    organizations = boto3.client("organizations", endpoint_url=endpoint,
                                 region_name="us-east-1", aws_access_key_id="testing",
                                 aws_secret_access_key="testing")
    organizations.create_organization(FeatureSet="ALL")
    for number in range(accounts - 1):
        organizations.create_account(Email=f"member{number}@clinic.example",
                                     AccountName=f"Member {number}")


def _emulator_floor(endpoint: str, seconds: float = 3.0, threads: int = 16) -> float:
    """The emulator's own answers per second to the cheapest read (sts:GetCallerIdentity)
    from as many threads as a scan uses: the rate no scan against it can beat."""
    import threading

    import boto3
    client = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def work(slot: int) -> None:
        while time.perf_counter() < stop:
            client.get_caller_identity()
            done[slot] += 1

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.perf_counter() - began)


def _calls(run: Path) -> int:
    manifest = json.loads((run / "manifest.json").read_text())
    return int(manifest["sources"][0]["api_calls"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--accounts", type=int, default=8)
    parser.add_argument("--shards", type=int, default=4)
    options = parser.parse_args()
    with seeded_emulator(options.scale) as endpoint, tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        _organisation(endpoint, options.accounts)
        (root / "whole").mkdir()
        whole = measured_govkit([*SCAN, "--out", "runs"], endpoint, root / "whole")
        whole_run = (root / "whole" / "runs" / "latest").resolve()
        floor = _emulator_floor(endpoint)
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
            jobs.append((folder, _start(endpoint, [*SCAN, "--shard",
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
