"""GuardDuty findings of the demo estate, served beside moto (which keeps detectors but no
findings) by the demo's GuardDuty findings emulator over HTTP: the home region's unarchived
credential exfiltration finding FAILs naming its type, id, severity and the access key and
role it affects, while the archived high-severity and the low-severity findings do not count;
a region without a detector is left to guardduty-enabled; denied finding reads are ERRORs
naming the call. On hand-built snapshots: a finding listed but left out of the GetFindings
answer is an ERROR naming it, and each finding names the resource its details give."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from govkit.demo.names import DEMO_ACCOUNT
from govkit.inventory.build import build_inventory
from govkit.policy.evaluate import Settings, evaluate_rule
from govkit.policy.loader import load_policy_set
from govkit.results import Result, Status
from govkit.run import Run
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULE = "guardduty-no-high-severity-findings"


def test_the_active_high_severity_finding_fails_its_region(demo_run: Run) -> None:
    results = [r for r in demo_run.evaluation.results if r.rule_id == RULE]
    [home] = results  # the second region has no detector: out of this rule's scope
    assert home.resource_name == "123456789012/us-east-1"
    assert home.status is Status.FAIL
    snapshot = Snapshot.open(demo_run.path)
    [read] = [snapshot.load(e) for e in snapshot.select("guardduty", "GetFindings")]
    [finding_id] = [f["Id"] for f in read.response["Findings"]
                    if f["Type"].startswith("UnauthorizedAccess:")]
    assert home.message.startswith(
        "GuardDuty in us-east-1 has 1 active high-severity finding(s) (severity 7 or more, not "
        "archived): UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS on "
        "access key ASIAIOSFODNN7NBHSCHD of AssumedRole nbh-scheduling-app (finding "
        f"{finding_id}, severity 8.0, updated ")
    assert "BitcoinTool" not in home.message and "PortProbe" not in home.message
    # the finding as GetFindings answered it, and the detector listing that scoped the rule
    assert sorted((r.file.rsplit("/", 1)[-1].split(".")[0], r.pointer)
                  for r in home.records) == [("GetFindings", "/response/Findings/0"),
                                             ("ListDetectors", "/response/DetectorIds/0")]


@pytest.mark.parametrize("operation", ["ListFindings", "GetFindings"])
def test_a_denied_finding_read_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path,
                                                     operation: str) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.GUARDDUTY, operation, RULE)
    assert [r.status for r in results] == [Status.ERROR]
    assert f"guardduty:{operation}" in results[0].message and code in results[0].message


DETECTOR = "0d4f6bf15ffb82bbe637e85eae8874ab"


def _results(tmp_path: Path, findings: list[dict[str, Any]],
             listed: list[str] | None = None) -> list[Result]:
    """The rule's results on a hand-built us-east-1 snapshot whose detector lists ``listed``
    (by default the ids of ``findings``) and answers GetFindings with ``findings``."""
    writer = SnapshotWriter(tmp_path)
    ids = [str(f["Id"]) for f in findings] if listed is None else listed

    def record(operation: str, params: dict[str, Any], response: dict[str, Any]) -> None:
        writer.record(account=DEMO_ACCOUNT, region="us-east-1", service="guardduty",
                      operation=operation, params=params, response=response,
                      started_at=dt.datetime.now(dt.UTC), duration_ms=1)

    record("ListDetectors", {}, {"DetectorIds": [DETECTOR]})
    record("GetDetector", {"DetectorId": DETECTOR},
           {"Status": "ENABLED", "FindingPublishingFrequency": "SIX_HOURS"})
    record("ListFindings", {"DetectorId": DETECTOR}, {"FindingIds": ids})
    record("GetFindings", {"DetectorId": DETECTOR, "FindingIds": ids}, {"Findings": findings})
    writer.write_index()
    inventory = build_inventory(Snapshot.open(tmp_path), [DEMO_ACCOUNT], regions=["us-east-1"])
    rule = load_policy_set().by_id()[RULE]
    return list(evaluate_rule(rule, inventory, settings=Settings(),
                              now=dt.datetime.now(dt.UTC)))


def _finding(finding_id: str, kind: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"Id": finding_id, "Type": kind, "Severity": 8.0, "Title": kind,
            "UpdatedAt": "2026-12-01T14:00:00.000Z", "Resource": resource}


def test_a_finding_listed_but_not_returned_is_an_error_naming_it(tmp_path: Path) -> None:
    """GetFindings leaving out a finding it was asked for tells nothing of that finding: the
    region is an ERROR naming it, never a PASS."""
    [result] = _results(tmp_path, [], listed=["7bc1d2e3f4a5b6c7d8e9f0a1b2c3d4e5"])
    assert result.status is Status.ERROR
    assert "finding 7bc1d2e3f4a5b6c7d8e9f0a1b2c3d4e5 was listed but not returned by " \
           "GetFindings" in result.message
    assert result.message.startswith("cannot evaluate: guardduty:GetFindings (DetectorId=")
    assert result.failure is not None and "ListFindings" in result.failure["file"]


def test_each_finding_names_its_id_and_the_resource_it_affects(tmp_path: Path) -> None:
    findings = [
        _finding("1a" * 16, "Backdoor:EC2/C&CActivity.B",
                 {"ResourceType": "Instance",
                  "InstanceDetails": {"InstanceId": "i-0a1b2c3d4e5f60718"}}),
        _finding("2b" * 16, "Exfiltration:S3/AnomalousBehavior",
                 {"ResourceType": "S3Bucket", "S3BucketDetails": [
                     {"Name": "nbh-claims-archive",
                      "Arn": "arn:aws:s3:::nbh-claims-archive"}],
                  "AccessKeyDetails": {"AccessKeyId": "ASIAIOSFODNN7NBHCLMS",
                                       "UserName": "nbh-claims-batch",
                                       "UserType": "AssumedRole"}}),
        _finding("3c" * 16, "Policy:Kubernetes/AnonymousAccessGranted",
                 {"ResourceType": "EKSCluster"}),
    ]
    [result] = _results(tmp_path, findings)
    assert result.status is Status.FAIL
    assert "Backdoor:EC2/C&CActivity.B on instance i-0a1b2c3d4e5f60718 (finding " \
           f"{'1a' * 16}, severity 8.0, updated 2026-12-01)" in result.message
    assert "Exfiltration:S3/AnomalousBehavior on access key ASIAIOSFODNN7NBHCLMS of " \
           "AssumedRole nbh-claims-batch, bucket nbh-claims-archive (finding " \
           f"{'2b' * 16}, severity 8.0, updated 2026-12-01)" in result.message
    assert "Policy:Kubernetes/AnonymousAccessGranted on EKSCluster (not named by the " \
           f"finding) (finding {'3c' * 16}, severity 8.0" in result.message
