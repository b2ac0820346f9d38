"""Faults on the wire: a denied or throttled call makes its checks ERROR (naming the call),
never PASS; throttling that clears is retried away."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from govkit.sources.aws.scan import AwsService
from govkit.demo.names import DEMO_ACCOUNT, PARTITION
from govkit.policy.evaluate import Settings
from govkit.report.terminal import print_summary
from govkit.demo.run import aws_environment
from govkit.errors import EXIT_INCOMPLETE
from govkit.results import Status, exit_code_for
from govkit.run import Run, RunOptions, scan
from govkit.snapshot import Snapshot
from tests.conftest import Estate, demo_request
from tests.support.faultproxy import FaultProxy, fast_retries


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


# (service, operation, error code, a rule that depends on the call)
DENIALS = [
    ("s3", "GetBucketPolicy", "AccessDenied", "s3-phi-bucket-tls-only"),
    ("s3control", "GetPublicAccessBlock", "AccessDenied", "s3-account-public-access-block"),
    ("iam", "GetAccountPasswordPolicy", "AccessDenied", "iam-password-policy-strong"),
    ("iam", "GetCredentialReport", "AccessDenied", "iam-user-mfa-console"),
    ("cloudtrail", "DescribeTrails", "AccessDeniedException",
     "cloudtrail-multi-region-trail-secured"),
    ("workspaces", "DescribeClientProperties", "AccessDeniedException",
     "workspaces-directory-reconnect-disabled"),
    ("ec2", "DescribeSnapshotAttribute", "UnauthorizedOperation", "ebs-snapshot-not-public"),
    ("kms", "GetKeyRotationStatus", "AccessDeniedException", "kms-cmk-rotation-enabled"),
    ("rds", "DescribeDBSnapshotAttributes", "AccessDenied", "rds-snapshot-not-public"),
    ("workspaces-web", "GetUserSettings", "AccessDeniedException",
     "vdi-download-blocked"),
    ("s3", "GetBucketLogging", "AccessDenied", "s3-phi-bucket-access-logging"),
    ("dynamodb", "DescribeContinuousBackups", "AccessDeniedException",
     "dynamodb-phi-table-point-in-time-recovery"),
]


@pytest.fixture(scope="module")
def denied_run(estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> Run:
    with FaultProxy(upstream=estate.endpoint_url) as running, \
            aws_environment(running.endpoint_url):
        for service, operation, code, _ in DENIALS:
            running.inject(service, operation, code)
        return run_through(tmp_path_factory.mktemp("denied"))


@pytest.mark.parametrize(("service", "operation", "code", "rule_id"), DENIALS,
                         ids=[d[1] for d in DENIALS])
def test_denied_call_makes_its_rule_error_never_pass(denied_run: Run, service: str,
                                                     operation: str, code: str,
                                                     rule_id: str) -> None:
    results = [r for r in denied_run.evaluation.results if r.rule_id == rule_id]
    errors = [r for r in results if r.status is Status.ERROR]
    assert any(f"{service}:{operation}" in r.message and code in r.message for r in errors), \
        [(r.status, r.message) for r in results]
    # whatever was still judged (e.g. automated snapshots, which cannot be shared) was judged
    # without the failed call's data
    marker = f"/{service}/{operation}."
    for result in results:
        if result.status is not Status.ERROR:
            assert not any(marker in path for path in result.evidence), result


CREDENTIAL_RULES = ("iam-user-mfa-console", "iam-user-access-key-rotated",
                    "iam-user-console-password-unused")


def test_rules_reading_the_credential_report_state_when_it_was_generated(demo_run: Run) -> None:
    judged = [r for r in demo_run.evaluation.results if r.rule_id in CREDENTIAL_RULES
              and r.status in (Status.PASS, Status.FAIL)]
    assert judged
    assert all(re.search(r"credential report generated 20\d\d-\d\d-\d\dT[\d:]+Z", r.message)
               for r in judged), [r.message for r in judged]
    unrelated = [r for r in demo_run.evaluation.results
                 if r.rule_id == "iam-user-no-admin-policies"]
    assert unrelated and not any("credential report" in r.message for r in unrelated)


@pytest.fixture
def old_report(estate: Estate) -> Iterator[dt.datetime]:
    """The emulator's credential report, generated six hours ago (IAM reuses such a report
    when generating a new one is denied)."""
    from moto.iam.models import iam_backends

    backend = iam_backends[DEMO_ACCOUNT][PARTITION]
    saved = getattr(backend, "govkit_report_generated_at", None)
    backend.generate_report()
    backend.govkit_report_generated_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
    try:
        yield backend.govkit_report_generated_at
    finally:
        backend.govkit_report_generated_at = saved


def test_a_reused_stale_credential_report_makes_its_rules_error_naming_its_age(
        proxy: FaultProxy, old_report: dt.datetime, tmp_path: Path) -> None:
    proxy.inject("iam", "GenerateCredentialReport", "AccessDenied")
    run = run_through(tmp_path)
    for rule_id in CREDENTIAL_RULES:
        results = [r for r in run.evaluation.results if r.rule_id == rule_id]
        assert results and {r.status for r in results} == {Status.ERROR}, rule_id
        message = results[0].message
        assert "StaleCredentialReport" not in message  # the explanation, not just a code
        assert f"generated at {old_report:%Y-%m-%dT%H}" in message, message
        assert re.search(r"6(\.\d)? hours before the scan started; the limit is 4 hours",
                         message), message
    assert {f["operation"] for f in run.evaluation.failed_calls} == \
        {"iam:GenerateCredentialReport"}


def test_a_longer_allowed_report_age_accepts_the_same_report(
        proxy: FaultProxy, old_report: dt.datetime, tmp_path: Path) -> None:
    proxy.inject("iam", "GenerateCredentialReport", "AccessDenied")
    run = scan(demo_request(max_attempts=3), RunOptions(
        out=tmp_path, settings=Settings(credential_report_max_age_hours=8)))
    results = [r for r in run.evaluation.results if r.rule_id == "iam-user-mfa-console"]
    assert {r.status for r in results} == {Status.PASS, Status.FAIL}
    # still incomplete: the refresh was denied, and the summary says so
    assert exit_code_for(run.evaluation, None) == EXIT_INCOMPLETE
    console = Console(record=True, width=200)
    print_summary(console, run.evaluation, run_dir=str(run.path))
    shown = console.export_text()
    assert "1 API call failed" in shown and "iam:GenerateCredentialReport" in shown


def test_an_unreadable_group_policy_leaves_its_members_error_not_pass(
        proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.inject("iam", "GetPolicy", "AccessDenied")
    run = run_through(tmp_path)
    # jsmith is an administrator only through SecurityAdmins, which holds AdministratorAccess
    results = [r for r in run.evaluation.results if r.rule_id == "iam-user-no-admin-policies"
               and r.resource_name == "jsmith.nbh"]
    assert [r.status for r in results] == [Status.ERROR]
    assert "iam:GetPolicy" in results[0].message and "AccessDenied" in results[0].message


def test_aws_max_attempts_is_honoured(proxy: FaultProxy, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    proxy.inject_throttling("kms", "ListKeys")
    with fast_retries():
        run = scan(demo_request(services=(AwsService.KMS,)), RunOptions(out=tmp_path))
    assert len(proxy.calls_for("kms", "ListKeys")) == 2 * 2  # two regions, two attempts each
    assert exit_code_for(run.evaluation, None) == EXIT_INCOMPLETE


KEY_RULES = ("iam-user-access-key-rotated", "iam-user-access-key-unused",
             "iam-user-single-active-access-key")


def test_denied_access_key_listing_makes_key_rules_error_for_users_with_keys(
        proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.inject("iam", "ListAccessKeys", "AccessDenied")
    run = run_through(tmp_path)
    listed = {e.params["UserName"] for e in Snapshot.open(run.path).select("iam",
                                                                           "ListAccessKeys")}
    assert listed == {"mgarcia.nbh", "rpatel.nbh", "svc-claims-export"}, listed
    for rule_id in KEY_RULES:
        results = {r.resource_name: r for r in run.evaluation.results if r.rule_id == rule_id}
        for user in ("mgarcia.nbh", "rpatel.nbh", "svc-claims-export"):
            error = results[user]
            assert error.status is Status.ERROR, (rule_id, user, error.message)
            assert "iam:ListAccessKeys" in error.message and "AccessDenied" in error.message
            assert error.failure is not None
            assert error.failure["operation"] == "iam:ListAccessKeys"
            [record] = error.records
            assert "/iam/ListAccessKeys." in record.file and record.pointer == "/error_message"
        # users without keys need no listing: they are still judged (or out of scope)
        others = [r for name, r in results.items() if name not in listed
                  and r.resource_type == "aws.iam.user"]
        assert all(r.status is not Status.ERROR for r in others), rule_id
    judged = [r for r in run.evaluation.results if r.rule_id in KEY_RULES
              and r.resource_name not in listed and r.status is Status.PASS]
    assert judged
    # the rest of the credential report is still used
    assert statuses(run, "iam-user-mfa-console") <= {Status.PASS, Status.FAIL, Status.WAIVED}
    assert exit_code_for(run.evaluation, None) == EXIT_INCOMPLETE
