"""Helpers for the benchmarks: a seeded emulator in its own process, and measured runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

MEASURE = """
import resource, sys, json, time
stats_path = sys.argv.pop()
from govkit.cli import main
started = time.perf_counter()
try:
    main()
finally:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(stats_path, "w") as handle:
        json.dump({"peak_rss_mib": peak_kib / 1024,
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
