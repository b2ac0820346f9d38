"""The organisation benchmarks (shards and the AWS Config path) run at tiny sizes and find
the same results as a one-process direct scan. Timings are not asserted."""

from __future__ import annotations

from tests.support.scripts import run_benchmark


def test_shards_benchmark_runs() -> None:
    printed = run_benchmark("shard_scale.py", "--scale", "1", "--accounts", "2", "--shards", "2")
    assert "results equal to the one-process scan: yes" in printed


def test_aws_config_benchmark_runs() -> None:
    printed = run_benchmark("config_scale.py", "--scale", "2", "--accounts", "2")
    assert "results equal to the direct scan: yes" in printed
