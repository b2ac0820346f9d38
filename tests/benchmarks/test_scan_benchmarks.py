"""The scan, evaluation and people benchmarks run (at tiny sizes) and print their figures.

Timings are not asserted: benchmarks measure, tests check behaviour. The benchmarks are split
over several files so that test workers run them side by side.
"""

from __future__ import annotations

import pytest

from tests.support.scripts import run_benchmark


@pytest.mark.parametrize(("script", "args", "expected"), [
    ("scan_scale.py", ["--scales", "1", "--workers", "4"], "calls/s"),
    ("evaluate_throughput.py", ["--resources", "500"], "evaluations/s"),
    ("people_scale.py", ["--hr", "300", "--okta", "300", "--iam", "150", "--page-size", "50"],
     "join + evaluation"),
])
def test_benchmark_script_runs(script: str, args: list[str], expected: str) -> None:
    assert expected in run_benchmark(script, *args)
