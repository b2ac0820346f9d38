"""GuardDuty: the region's detectors and each one's status (one detector per account and
region is all GuardDuty allows)."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _detectors(scope)]


def _detectors(scope: ServiceScope) -> None:
    guardduty = scope.caller("guardduty")
    for page in guardduty.pages("list_detectors"):
        if not page.ok:
            return
        for detector_id in page.response.get("DetectorIds") or []:
            guardduty.call("get_detector", DetectorId=detector_id)
