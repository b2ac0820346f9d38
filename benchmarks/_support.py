"""Helpers for the benchmarks: a seeded emulator in its own process, an organisation with the
demo estate spread over its accounts, and measured runs."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MANAGEMENT = "123456789012"
REGIONS = ("us-east-1", "us-west-2")
# an organisation scan of the spread estate, at one evaluation time
ORG_SCAN = ["scan", "--org", "--role-name", "GovkitReadOnly", "--regions", ",".join(REGIONS),
            "--evaluated-at", "2026-12-02T12:00:00Z", "--fail-on", "none"]


def peak_rss_mib() -> float:
    """This process's own peak resident set. Linux's getrusage() ru_maxrss survives fork and
    exec (a small child started by a big benchmark reports the benchmark's peak), so the
    kernel's high-water mark of this address space, VmHWM, is read where there is one."""
    import resource
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


MEASURE = inspect.getsource(peak_rss_mib) + """
import sys, json, time
stats_path = sys.argv.pop()
from govkit.cli import main
started = time.perf_counter()
try:
    main()
finally:
    with open(stats_path, "w") as handle:
        json.dump({"peak_rss_mib": peak_rss_mib(),
                   "seconds": time.perf_counter() - started}, handle)
"""


@contextmanager
def seeded_emulator(scale: int) -> Iterator[str]:
    """A moto server seeded at ``scale`` in a separate process; yields its endpoint URL."""
    with tempfile.TemporaryDirectory() as scratch:
        port_file = Path(scratch) / "endpoint"
        process = subprocess.Popen(
            [sys.executable, "-m", "govkit.demo.serve", "--scale", str(scale),
             "--port-file", str(port_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 900
            while not port_file.exists():
                if process.poll() is not None:
                    raise RuntimeError(f"emulator exited: {process.stderr.read()}")
                if time.monotonic() > deadline:
                    raise RuntimeError("emulator did not start in 15 minutes")
                time.sleep(0.2)
            yield port_file.read_text().strip()
        finally:
            process.terminate()
            process.wait(timeout=30)


def measured_govkit(args: Sequence[str], endpoint_url: str, cwd: Path,
                    extra_env: Mapping[str, str] | None = None) -> dict[str, float]:
    """Run ``govkit ARGS`` in a fresh process; wall time and that process's peak RSS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint_url,
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               **(extra_env or {}))
    stats_file = cwd / "stats.json"
    started = time.perf_counter()
    process = subprocess.run([sys.executable, "-c", MEASURE, *args, str(stats_file)],
                             check=False, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise RuntimeError(f"govkit exited {process.returncode}: {process.stderr[-2000:]}")
    stats: dict[str, float] = json.loads(stats_file.read_text())
    stats["wall_seconds"] = wall
    return stats


@dataclass(frozen=True)
class Organisation:
    endpoint: str
    accounts: list[str]  # the management account and the members, sorted
    seeded_at: dt.datetime


@contextmanager
def spread_organisation(scale: int, accounts: int) -> Iterator[Organisation]:
    """The demo estate at ``scale`` spread over an organisation of ``accounts`` accounts: the
    management account holds the whole demo estate at ``scale / accounts`` units, each member
    as many units of its storage per region (govkit.demo.members), seeded through the role an
    organisation scan assumes."""
    import boto3

    from govkit.demo.members import seed_members
    units = max(1, scale // accounts)
    with seeded_emulator(units) as endpoint:
        organizations = boto3.client("organizations", endpoint_url=endpoint,
                                     region_name="us-east-1", aws_access_key_id="testing",
                                     aws_secret_access_key="testing")
        organizations.create_organization(FeatureSet="ALL")
        for number in range(accounts - 1):
            organizations.create_account(Email=f"member{number}@clinic.example",
                                         AccountName=f"Member {number}")
        ids = sorted(a["Id"] for a in organizations.list_accounts()["Accounts"])
        began = time.perf_counter()
        now = dt.datetime.now(dt.timezone.utc)
        seeded = seed_members(endpoint, [a for a in ids if a != MANAGEMENT], units=units,
                              regions=REGIONS, now=now)
        print(f"estate: demo at {units} units in {MANAGEMENT}, and {units} storage units per "
              f"region in each of {accounts - 1} members ({seeded.total()} member resources; "
              f"{time.perf_counter() - began:.0f} s to seed)")
        yield Organisation(endpoint, ids, now)


def emulator_floor(endpoint: str, seconds: float = 3.0, threads: int = 16) -> float:
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
