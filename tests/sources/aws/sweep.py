"""The operation sweep: every operation the demo scan makes, failing one at a time.

Nothing that FAILs without faults may PASS, or vanish, when one call fails, unless an ERROR
covers it; every fault leaves the evidence marked incomplete (exit 3) and shows up where a user
looks: an ERROR result naming the call, or (for the few calls that only refresh or validate
something) the run's list of failed calls.

To stay fast, each faulted run re-collects only the service whose call is faulted, through a
fault-injecting proxy in front of the shared emulator, and takes every other service's records
from one unfaulted scan: collectors of different services never read each other's answers, so
the merged snapshot is the one a full faulted scan would record.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govkit import canonical
from govkit.sources.aws import eligible
from govkit.sources.aws.scan import AwsService, plan_and_run
from govkit.demo.run import aws_environment
from govkit.results import Evaluation, Status, exit_code_for
from govkit.run import MANIFEST, Run, RunOptions, evaluate_run, scan
from govkit.snapshot import INDEX_FILE, CallEntry, Snapshot, SnapshotWriter
from tests.conftest import Estate, demo_request
from tests.support.faultproxy import FaultProxy, fast_retries

# calls made by another service's collector
COLLECTOR_OF = {"s3control": AwsService.S3, "sso-admin": AwsService.IDENTITY_CENTER,
                "identitystore": AwsService.IDENTITY_CENTER, "elbv2": AwsService.ELB}
# calls whose failure no rule result can show: each is listed in the run's failed calls
ONLY_IN_FAILED_CALLS = {
    # asks IAM to refresh the report; the report read afterwards carries its own age
    ("iam", "GenerateCredentialReport"),
    # validates --regions, which the demo gives; a failure leaves the regions as given
    ("ec2", "DescribeRegions"),
    # who may open a stack feeds the vendor matrix, which a scan without a vendor register
    # (this one) does not judge; tests/sources/register shows the ERROR it gives there
    ("appstream", "DescribeUserStackAssociations"),
}


@pytest.fixture(scope="module")
def baseline(estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> Run:
    with aws_environment(estate.endpoint_url):
        return scan(demo_request(), RunOptions(out=tmp_path_factory.mktemp("baseline")))


@pytest.fixture(scope="module")
def proxy(estate: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=estate.endpoint_url) as running, \
            aws_environment(running.endpoint_url), fast_retries():
        yield running


def aws_calls(run_dir: Path) -> list[CallEntry]:
    """The AWS API calls a run recorded: every entry but the HIPAA eligible services list
    each AWS scan records beside them (a file govkit reads, not a call)."""
    return [e for e in Snapshot.open(run_dir).entries if e.service != eligible.SERVICE]


# API operations whose IAM action is named otherwise
IAM_ACTION = {("s3", "ListBuckets"): "s3:ListAllMyBuckets",
              ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
              ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
              ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
              ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
              # API Gateway authorises every read as the HTTP verb on the resource path
              ("apigateway", "GetRestApis"): "apigateway:GET",
              ("apigateway", "GetStages"): "apigateway:GET"}
# services whose IAM action prefix is not their API name
IAM_PREFIX = {"sso-admin": "sso", "efs": "elasticfilesystem", "elb": "elasticloadbalancing",
              "elbv2": "elasticloadbalancing", "opensearch": "es", "emr": "elasticmapreduce"}
READ_ONLY_POLICY = Path(__file__).resolve().parents[3] / "docs" / "govkit-readonly-policy.json"


def not_allowed_by_read_only_policy(run_dir: Path) -> list[str]:
    """The IAM actions a run's calls needed that the documented read-only policy lacks."""
    policy = json.loads(READ_ONLY_POLICY.read_text())
    allowed = {a for statement in policy["Statement"] for a in statement["Action"]}
    needed = {IAM_ACTION.get((e.service, e.operation),
                             f"{IAM_PREFIX.get(e.service, e.service)}:{e.operation}")
              for e in aws_calls(run_dir)}
    return sorted(needed - allowed)


def operations(run: Run) -> list[tuple[str, str]]:
    return sorted({(e.service, e.operation) for e in aws_calls(run.path)})


def _services_of(collector: AwsService) -> set[str]:
    return {collector.value} | {s for s, c in COLLECTOR_OF.items() if c is collector}


def faulted(baseline: Run, proxy: FaultProxy, service: str, operation: str, code: str,
            work: Path) -> Evaluation:
    """Re-collect ``service`` with every ``operation`` call failing with ``code``, merge it
    with the baseline's other services, and evaluate the result as a run directory."""
    collector = COLLECTOR_OF.get(service) or AwsService(service)
    run_dir = work / f"{service}.{operation}.{code}"
    shutil.copytree(baseline.path / "policies", run_dir / "policies")
    shutil.copy(baseline.path / MANIFEST, run_dir / MANIFEST)
    proxy.clear()
    proxy.inject(service, operation, code)
    writer = SnapshotWriter(run_dir)
    plan_and_run(demo_request(services=(collector,), max_attempts=2), writer)
    fresh = writer.write_index()
    redone = _services_of(collector) | {"ec2:DescribeRegions", eligible.SERVICE}
    kept: list[CallEntry] = []
    for entry in Snapshot.open(baseline.path).entries:
        if entry.service in redone or f"{entry.service}:{entry.operation}" in redone:
            continue
        (run_dir / entry.file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(baseline.path / entry.file, run_dir / entry.file)
        kept.append(entry)
    calls = sorted([*kept, *fresh], key=lambda e: e.file)
    canonical.write_json(run_dir / INDEX_FILE, {"calls": [e.to_json() for e in calls]})
    return evaluate_run(run_dir)[1]


def problems(baseline: Evaluation, run: Evaluation, service: str, operation: str) -> list[str]:
    found: list[str] = []
    after = {(r.rule_id, r.resource_id): r for r in run.results}
    errors = [r for r in run.results if r.status is Status.ERROR]
    for before in baseline.results:
        if before.status is not Status.FAIL:
            continue
        now: Any = after.get((before.rule_id, before.resource_id))
        if now is not None and now.status is Status.PASS:
            found.append(f"{before.rule_id} on {before.resource_name} went FAIL -> PASS")
        elif now is None and not any(e.rule_id == before.rule_id and
                                     e.account == before.account for e in errors):
            found.append(f"{before.rule_id} on {before.resource_name} vanished with no ERROR")
    if exit_code_for(run, None) != 3:
        found.append("the evidence is not marked incomplete (exit code is not 3)")
    named = f"{service}:{operation}"
    if not any(named in str((c.get("operation"), c.get("call"))) for c in run.failed_calls):
        found.append(f"{named} is not in the run's failed calls")
    shown = any(named in r.message or named == (r.failure or {}).get("operation")
                for r in errors)
    if not shown and (service, operation) not in ONLY_IN_FAILED_CALLS:
        found.append(f"no ERROR result names {named}: the call feeds nothing a user sees")
    return found


def sweep(baseline: Run, proxy: FaultProxy, code_of: Any, work: Path) -> list[str]:
    """Fault each operation in turn with ``code_of(service)``; what went wrong, if anything."""
    assert not baseline.evaluation.incomplete, baseline.evaluation.failed_calls
    swept = operations(baseline)
    assert len(swept) >= 40, swept  # the sweep really covers the scan
    # while working on a few services, GOVKIT_SWEEP_ONLY=lambda,apigateway sweeps just theirs
    only = {s for s in os.environ.get("GOVKIT_SWEEP_ONLY", "").split(",") if s}
    if only:
        swept = [(s, o) for s, o in swept if s in only]
    report: list[str] = []
    for service, operation in swept:
        code = code_of(service)
        run = faulted(baseline, proxy, service, operation, code, work)
        report += [f"{service}:{operation} {code}: {p}"
                   for p in problems(baseline.evaluation, run, service, operation)]
    return report
