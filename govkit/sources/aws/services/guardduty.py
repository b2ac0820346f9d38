"""GuardDuty: the region's detectors, each one's status, and its active high-severity
findings (severity 7 or more, not archived): their ids, then the findings themselves (one
detector per account and region is all GuardDuty allows)."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.calls import Caller
from govkit.sources.aws.tasks import ServiceScope, Task

HIGH_SEVERITY = 7  # GuardDuty's HIGH band starts at 7.0, CRITICAL at 9.0
ACTIVE_HIGH = {"Criterion": {"severity": {"Gte": HIGH_SEVERITY},
                             "service.archived": {"Eq": ["false"]}}}
FINDINGS_PER_READ = 50  # GetFindings takes at most 50 ids


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _detectors(scope)]


def _detectors(scope: ServiceScope) -> None:
    guardduty = scope.caller("guardduty")
    for page in guardduty.pages("list_detectors"):
        if not page.ok:
            return
        for detector_id in page.response.get("DetectorIds") or []:
            guardduty.call("get_detector", DetectorId=detector_id)
            _high_severity_findings(guardduty, detector_id)


def _high_severity_findings(guardduty: Caller, detector_id: str) -> None:
    ids: list[str] = []
    for page in guardduty.pages("list_findings", DetectorId=detector_id,
                                FindingCriteria=ACTIVE_HIGH):
        if not page.ok:
            return
        ids.extend(page.response.get("FindingIds") or [])
    for start in range(0, len(ids), FINDINGS_PER_READ):
        guardduty.call("get_findings", DetectorId=detector_id,
                       FindingIds=ids[start:start + FINDINGS_PER_READ])
