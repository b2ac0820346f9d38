"""GuardDuty findings of the demo estate, served beside moto (which keeps detectors but no
findings) by the demo's GuardDuty findings emulator over HTTP: the home region's unarchived
credential exfiltration finding FAILs naming its type and severity, while the archived
high-severity and the low-severity findings do not count; a region without a detector is
left to guardduty-enabled; denied finding reads are ERRORs naming the call."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.results import Status
from govkit.run import Run
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
    assert home.message.startswith(
        "GuardDuty in us-east-1 has 1 active high-severity finding(s) (severity 7 or more, not "
        "archived): UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS "
        "(severity 8.0, AccessKey, updated ")
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
