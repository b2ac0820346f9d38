"""Faults on the wire: a denied or throttled call makes its checks ERROR (naming the call),
never PASS; throttling that clears is retried away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.demo.run import aws_environment
from govkit.errors import EXIT_INCOMPLETE
from govkit.results import Status, exit_code_for
from govkit.run import Run, RunOptions, scan
from govkit.snapshot import Snapshot
from tests.conftest import Estate, demo_request
from tests.support.faultproxy import FaultProxy


@pytest.fixture
def proxy(estate: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=estate.endpoint_url) as running, \
            aws_environment(running.endpoint_url):
        yield running


def run_through(tmp_path: Path, **overrides: object) -> Run:
    return scan(demo_request(max_attempts=3, **overrides), RunOptions(out=tmp_path))


def statuses(run: Run, rule_id: str) -> set[Status]:
    return {r.status for r in run.evaluation.results if r.rule_id == rule_id}


def test_denied_bucket_encryption_makes_encryption_checks_error(proxy: FaultProxy,
                                                                tmp_path: Path) -> None:
    proxy.inject("s3", "GetBucketEncryption", "AccessDenied")
    run = run_through(tmp_path)
    errors = [r for r in run.evaluation.results if r.rule_id == "s3-phi-bucket-kms-encryption"]
    assert errors and all(r.status is Status.ERROR for r in errors)
    assert all("s3:GetBucketEncryption" in r.message and "AccessDenied" in r.message
               for r in errors)
    assert errors[0].failure is not None and errors[0].failure["file"].endswith(".json")
    assert statuses(run, "s3-bucket-not-public") <= {Status.PASS, Status.FAIL,
                                                     Status.WAIVED}, \
        "rules that do not read encryption are still judged"
    assert exit_code_for(run.evaluation, None) == EXIT_INCOMPLETE


def test_denied_authorization_details_makes_every_iam_principal_check_error(
        proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.inject("iam", "GetAccountAuthorizationDetails", "AccessDenied")
    run = run_through(tmp_path)
    iam_results = [r for r in run.evaluation.results
                   if r.resource_type in ("aws.iam.user", "aws.iam.group", "aws.iam.role")]
    assert iam_results and {r.status for r in iam_results} == {Status.ERROR}
    assert all("iam:GetAccountAuthorizationDetails" in r.message for r in iam_results)


def test_throttling_that_clears_is_retried_and_recorded(proxy: FaultProxy,
                                                        tmp_path: Path) -> None:
    proxy.inject("ec2", "DescribeVolumes", "RequestLimitExceeded", times=2)
    run = run_through(tmp_path)
    assert statuses(run, "ebs-volume-encrypted") == {Status.PASS, Status.FAIL}
    volume_calls = [c for c in proxy.calls if c.operation == "DescribeVolumes"]
    assert sum(c.injected for c in volume_calls) == 2
    assert len(volume_calls) >= 4  # two throttled attempts, then a success in each region
    entries = [e for e in Snapshot.open(run.path).select("ec2", "DescribeVolumes")]
    assert all(e.ok for e in entries)


def test_throttling_that_never_clears_is_error(proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.inject("kms", "ListKeys", "ThrottlingException")
    run = run_through(tmp_path)
    kms = [r for r in run.evaluation.results if r.resource_type == "aws.kms.key"]
    assert kms and {r.status for r in kms} == {Status.ERROR}
    assert all("kms:ListKeys" in r.message and "ThrottlingException" in r.message for r in kms)
