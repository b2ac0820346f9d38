"""GuardDuty, per account and region (``aws.guardduty.regional_settings``): the detector
(GuardDuty allows one per account and region) and whether it is enabled.

No detector at all is a fact (Enabled false); a failed listing, or a detector listed but not
read, leaves the state unknown."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import CallFailure, Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, ref, regional_settings, unread)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

SETTINGS = "aws.guardduty.regional_settings"
STATE_FIELDS = ("DetectorId", "DetectorStatus", "Enabled", "FindingPublishingFrequency")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "guardduty"):
        records = RecordSet(snapshot, "guardduty", account)
        detectors = records.by_param("GetDetector", "DetectorId")
        for region, pages in sorted(records.pages_by_region("ListDetectors").items()):
            coverage, builder = regional_settings(SETTINGS, "guardduty", account, region,
                                                  pages[0].entry.file)
            yield coverage
            _detector(builder, pages, detectors)
            yield builder.build()


def _detector(builder: ResourceBuilder, pages: list[CallRecord],
              detectors: dict[str, CallRecord]) -> None:
    failed = next((p for p in pages if not p.entry.ok), None)
    if failed is not None:
        for key in STATE_FIELDS:
            builder.fail(key, failure(failed))
        return
    listed = [(page, index, str(detector_id)) for page in pages
              for index, detector_id in enumerate(page.response.get("DetectorIds") or [])]
    if not listed:
        builder.update({"DetectorId": None, "DetectorStatus": None, "Enabled": False,
                        "FindingPublishingFrequency": None}, ref(pages[0], "DetectorIds"))
        return
    page, index, detector_id = listed[0]
    builder.set("DetectorId", detector_id, ref(page, "DetectorIds", index))
    record = detectors.get(detector_id)
    if record is None or not record.entry.ok:
        reason: CallFailure = failure(record) if record is not None else unread(
            page, f"detector {detector_id} was listed but not read", "DetectorIds", index)
        for key in STATE_FIELDS[1:]:
            builder.fail(key, reason)
        return
    status = record.response.get("Status")
    builder.set("DetectorStatus", status, ref(record, "Status"))
    builder.set("Enabled", status == "ENABLED", ref(record, "Status"))
    builder.set("FindingPublishingFrequency", record.response.get("FindingPublishingFrequency"),
                ref(record, "FindingPublishingFrequency"))
