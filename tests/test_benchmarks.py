"""The benchmark scripts run (at tiny sizes) and print their figures.

Timings are not asserted here: benchmarks measure, tests check behaviour.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize(("script", "args", "expected"), [
    ("scan_scale.py", ["--scales", "1", "--workers", "4"], "calls/s"),
    ("evaluate_throughput.py", ["--resources", "500"], "evaluations/s"),
    ("bundle_throughput.py", ["--mib", "8", "--files", "4"], "of sha256sum"),
    ("people_scale.py", ["--hr", "300", "--okta", "300", "--iam", "150", "--page-size", "50"],
     "join + evaluation"),
    ("report_formats.py", ["--results", "500", "--formats", "html,csv,oscal"], "peak MiB"),
    ("gate_plan.py", ["--resources", "200", "--checkov", "/nonexistent"], "govkit gate:"),
    ("shard_scale.py", ["--scale", "1", "--accounts", "2", "--shards", "2"],
     "results equal to the one-process scan: yes"),
    ("config_scale.py", ["--scale", "2", "--accounts", "2"],
     "results equal to the direct scan: yes"),
])
def test_benchmark_script_runs(script: str, args: list[str], expected: str) -> None:
    process = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], check=False,
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stdout + process.stderr
    assert expected in process.stdout
