"""Running a benchmark script at a tiny size, as a user would run it."""

from __future__ import annotations

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
