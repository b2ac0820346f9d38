"""The report benchmark renders a small synthetic run in each format named and prints its
figures (timings are not asserted); it starts from this test process's demo run."""

from __future__ import annotations

from pathlib import Path

from tests.support.scripts import run_benchmark


def test_report_benchmark_runs(demo_run_dir: Path) -> None:
    printed = run_benchmark("report_formats.py", "--results", "500",
                            "--formats", "html,csv,oscal", "--demo", str(demo_run_dir))
    assert "peak MiB" in printed
    rows = [line.split() for line in printed.splitlines()
            if line.split()[:1] in (["html"], ["csv"], ["oscal"])]
    assert [row[0] for row in rows] == ["html", "csv", "oscal"]
    assert not any("failed:" in line for line in printed.splitlines())
