"""Running govkit's demo and benchmark scripts as a user would, in processes of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def run_benchmark(script: str, *args: str) -> str:
    """What ``benchmarks/<script> ARGS`` prints; the test fails with its output if it fails."""
    process = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], check=False,
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stdout + process.stderr
    return process.stdout


def govkit_demo(out: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``govkit demo --out OUT`` in a child process, without this process's AWS settings
    (``env`` adds to its environment); what it printed, and the run it made. Never in this
    process: moto's backends are global to a process, so the demo's emulator would wipe and
    reseed the session's shared estate under the tests that scanned it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | env
    process = subprocess.run([sys.executable, "-m", "govkit", "demo", "--out", str(out)],
                             capture_output=True, text=True, env=clean, timeout=600,
                             check=False)
    return process, (out / "latest").resolve()
