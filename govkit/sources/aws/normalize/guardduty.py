"""GuardDuty, per account and region (``aws.guardduty.regional_settings``): the detector
(GuardDuty allows one per account and region), whether it is enabled, and its active
high-severity findings (severity 7 or more, not archived).

No detector at all is a fact (Enabled false, and no findings to read); a failed listing, or a
detector listed but not read, leaves the state unknown. Findings listed but not read, or a
failed finding listing, leave the findings unknown, never "none"."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, not_collected, ref, regional_settings, unread)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

SETTINGS = "aws.guardduty.regional_settings"
STATE_FIELDS = ("DetectorId", "DetectorStatus", "Enabled", "FindingPublishingFrequency",
                "HighSeverityFindings")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "guardduty"):
        records = RecordSet(snapshot, "guardduty", account)
        detectors = records.by_param("GetDetector", "DetectorId")
        findings = _Findings(records)
        for region, pages in sorted(records.pages_by_region("ListDetectors").items()):
            coverage, builder = regional_settings(SETTINGS, "guardduty", account, region,
                                                  pages[0].entry.file)
            yield coverage
            _detector(builder, pages, detectors)
            detector_id = builder.attributes.get("DetectorId")
            if detector_id is not None and "DetectorStatus" in builder.attributes:
                findings.apply(builder, str(detector_id))
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
                        "FindingPublishingFrequency": None, "HighSeverityFindings": None},
                       ref(pages[0], "DetectorIds"))
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


class _Findings:
    """The active high-severity findings of each detector: the id listing's pages and the
    GetFindings reads that followed them."""

    def __init__(self, records: RecordSet) -> None:
        self.listed: dict[str, list[CallRecord]] = {}
        for record in records.of("ListFindings"):
            self.listed.setdefault(str(record.entry.params.get("DetectorId")), []).append(record)
        self.read: dict[str, list[CallRecord]] = {}
        for record in records.of("GetFindings"):
            self.read.setdefault(str(record.entry.params.get("DetectorId")), []).append(record)

    def apply(self, builder: ResourceBuilder, detector_id: str) -> None:
        pages = self.listed.get(detector_id)
        if not pages:
            builder.fail("HighSeverityFindings", not_collected(
                "guardduty:ListFindings", f"the findings of detector {detector_id} were not "
                "listed"))
            return
        failed = next((r for r in [*pages, *self.read.get(detector_id, [])]
                       if not r.entry.ok), None)
        if failed is not None:
            builder.fail("HighSeverityFindings", failure(failed))
            return
        ids = [(page, index, str(finding_id)) for page in pages
               for index, finding_id in enumerate(page.response.get("FindingIds") or [])]
        found: dict[str, tuple[Mapping[str, Any], Ref]] = {}
        for record in self.read.get(detector_id, []):
            for index, finding in enumerate(record.response.get("Findings") or []):
                found[str(finding.get("Id"))] = (finding, ref(record, "Findings", index))
        asked = {str(i) for record in self.read.get(detector_id, [])
                 for i in record.entry.params.get("FindingIds") or []}
        unasked = next(((page, index, i) for page, index, i in ids if i not in asked), None)
        if unasked is not None:
            page, index, finding_id = unasked
            builder.fail("HighSeverityFindings", unread(
                page, f"finding {finding_id} was listed but not read", "FindingIds", index))
            return
        # a listed finding GetFindings no longer returns was deleted in between: not active
        kept = sorted((found[i] for _, _, i in ids if i in found),
                      key=lambda pair: (-float(pair[0].get("Severity") or 0),
                                        str(pair[0].get("Id"))))
        builder.set("HighSeverityFindings", [_summary(f) for f, _ in kept],
                    [at for _, at in kept] or [ref(page, "FindingIds") for page in pages])


def _summary(finding: Mapping[str, Any]) -> dict[str, Any]:
    resource = str((finding.get("Resource") or {}).get("ResourceType"))
    severity = finding.get("Severity")
    # as the console shows it: canonical JSON stores 8.0 as 8
    shown = f"{severity:.1f}" if isinstance(severity, (int, float)) else str(severity)
    return {"Id": finding.get("Id"), "Type": finding.get("Type"), "Severity": severity,
            "Title": finding.get("Title"), "ResourceType": resource,
            "UpdatedAt": finding.get("UpdatedAt"),
            "Summary": f"{finding.get('Type')} (severity {shown}, {resource}, updated "
                       f"{str(finding.get('UpdatedAt'))[:10]})"}
