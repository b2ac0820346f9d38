"""EFS file systems from the demo estate on a moto server over HTTP: the unencrypted scratch
file system and the one without backups FAIL naming the file system, "no backup policy"
(PolicyNotFound) is an answer pointing at its error code, and a denied policy read is an
ERROR naming the call."""

from __future__ import annotations

from pathlib import Path

from govkit.results import Status
from govkit.run import Run
from govkit.snapshot import Snapshot
from govkit.sources.aws.normalize.common import failed_calls
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture


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


def test_a_denied_backup_policy_read_is_an_error_naming_it(proxy: FaultProxy,
                                                           tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.EFS,
                                        "DescribeBackupPolicy", "efs-file-system-backup-enabled")
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("efs:DescribeBackupPolicy" in r.message and code in r.message for r in results)
