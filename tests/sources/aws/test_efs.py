"""EFS file systems from the demo estate on a moto server over HTTP: the unencrypted scratch
file system and the one without backups FAIL naming the file system, "no backup policy"
(PolicyNotFound) is an answer pointing at its error code, and a denied policy read is an
ERROR naming the call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.demo.names import DEMO_ACCOUNT
from govkit.demo.run import aws_environment
from govkit.inventory.build import build_inventory
from govkit.policy.evaluate import Settings, evaluate_rule
from govkit.policy.loader import load_policy_set
from govkit.results import Status
from govkit.run import Run
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize.common import failed_calls
from govkit.sources.aws.scan import AwsService, ScanRequest, plan_and_run
from tests.conftest import Estate
from tests.support.faultproxy import FaultProxy, fast_retries

REGION = "us-east-1"


def test_planted_file_systems_fail_and_compliant_ones_pass(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.efs.file_system"}
    encrypted = results[("efs-file-system-encrypted", "nbh-imaging-scratch-1")]
    assert encrypted.status is Status.FAIL
    assert encrypted.message.startswith("file system nbh-imaging-scratch-1 (fs-")
    assert "is not encrypted at rest (encrypted: false)" in encrypted.message
    backup = results[("efs-file-system-backup-enabled", "nbh-imaging-scratch-2")]
    assert backup.status is Status.FAIL and "backup policy: not set" in backup.message
    [record] = backup.records
    assert "DescribeBackupPolicy" in record.file and record.pointer == "/error_code"
    for rule_id in ("efs-file-system-encrypted", "efs-file-system-backup-enabled"):
        assert results[(rule_id, "nbh-clinical-shared-1")].status is Status.PASS
    assert not [e for e in failed_calls(Snapshot.open(demo_run.path))
                if e.service == "efs"]  # PolicyNotFound answers are facts


@pytest.fixture
def proxy(estate: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=estate.endpoint_url) as running, \
            aws_environment(running.endpoint_url), fast_retries():
        yield running


def test_a_denied_backup_policy_read_is_an_error_naming_it(proxy: FaultProxy,
                                                           tmp_path: Path) -> None:
    code = proxy.inject_access_denied("efs", "DescribeBackupPolicy")
    writer = SnapshotWriter(tmp_path)
    plan_and_run(ScanRequest(regions=(REGION,), services=(AwsService.EFS,)), writer)
    writer.write_index()
    inventory = build_inventory(Snapshot.open(tmp_path), [DEMO_ACCOUNT], regions=[REGION])
    rule = load_policy_set().by_id()["efs-file-system-backup-enabled"]
    results = list(evaluate_rule(rule, inventory, settings=Settings(),
                                 now=dt.datetime.now(dt.timezone.utc)))
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("efs:DescribeBackupPolicy" in r.message and code in r.message for r in results)
