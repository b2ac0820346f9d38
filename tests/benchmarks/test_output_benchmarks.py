"""The bundle and gate benchmarks run (at tiny sizes) and print their figures; the others
are beside this file and in tests/report/. Timings are not asserted."""

from __future__ import annotations

import pytest

from tests.support.scripts import run_benchmark


@pytest.mark.parametrize(("script", "args", "expected"), [
    ("bundle_throughput.py", ["--mib", "8", "--files", "4"], "of sha256sum"),
    ("gate_plan.py", ["--resources", "200", "--checkov", "/nonexistent"], "govkit gate:"),
])
def test_benchmark_script_runs(script: str, args: list[str], expected: str) -> None:
    assert expected in run_benchmark(script, *args)
