"""GuardDuty, per account and region (``aws.guardduty.regional_settings``): the detector
(GuardDuty allows one per account and region), whether it is enabled, and its active
high-severity findings (severity 7 or more, not archived).

No detector at all is a fact (Enabled false, and no findings to read); a failed listing, or a
detector listed but not read, leaves the state unknown. Findings listed but not read, listed
but left out of the GetFindings answer that was asked for them, or a failed finding listing,
leave the findings unknown, never "none".

Each finding is named by its id and by the resource GuardDuty says it affects (the access key
and its user, the instance, the buckets, ... as the finding's ``Resource`` details give them)."""

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
        asked = {str(i): record for record in self.read.get(detector_id, [])
                 for i in record.entry.params.get("FindingIds") or []}
        unasked = next(((page, index, i) for page, index, i in ids if i not in asked), None)
        if unasked is not None:
            page, index, finding_id = unasked
            builder.fail("HighSeverityFindings", unread(
                page, f"finding {finding_id} was listed but not read", "FindingIds", index))
            return
        # GetFindings leaving out a finding that was asked for says nothing of whether it is
        # still active: unknown, never "none"
        dropped = next(((page, index, i) for page, index, i in ids if i not in found), None)
        if dropped is not None:
            page, index, finding_id = dropped
            builder.fail("HighSeverityFindings", CallFailure.not_collected(
                "guardduty", "GetFindings", f"finding {finding_id} was listed but not returned "
                "by GetFindings", ref(page, "FindingIds", index),
                call=asked[finding_id].entry.describe()))
            return
        kept = sorted((found[i] for _, _, i in ids),
                      key=lambda pair: (-float(pair[0].get("Severity") or 0),
                                        str(pair[0].get("Id"))))
        builder.set("HighSeverityFindings", [_summary(f) for f, _ in kept],
                    [at for _, at in kept] or [ref(page, "FindingIds") for page in pages])


def _summary(finding: Mapping[str, Any]) -> dict[str, Any]:
    details = finding.get("Resource") or {}
    resource = str(details.get("ResourceType"))
    affected = affected_resource(details)
    severity = finding.get("Severity")
    # as the console shows it: canonical JSON stores 8.0 as 8
    shown = f"{severity:.1f}" if isinstance(severity, (int, float)) else str(severity)
    return {"Id": finding.get("Id"), "Type": finding.get("Type"), "Severity": severity,
            "Title": finding.get("Title"), "ResourceType": resource,
            "AffectedResource": affected, "UpdatedAt": finding.get("UpdatedAt"),
            "Summary": f"{finding.get('Type')} on "
                       f"{affected or resource + ' (not named by the finding)'} (finding "
                       f"{finding.get('Id')}, severity {shown}, updated "
                       f"{str(finding.get('UpdatedAt'))[:10]})"}


def affected_resource(resource: Mapping[str, Any]) -> str | None:
    """The resource a finding is about, as its ``Resource`` details name it (the botocore
    model's ``Resource`` shape): the access key and whose it is, the instance, the buckets,
    the cluster and the workload in it, ... None when the finding gives no identifier."""
    names: list[str] = []
    key = _mapping(resource.get("AccessKeyDetails"))
    if key.get("AccessKeyId") or key.get("UserName"):
        names.append(" of ".join(part for part in (
            key.get("AccessKeyId") and f"access key {key['AccessKeyId']}",
            key.get("UserName") and f"{key.get('UserType') or 'user'} {key['UserName']}")
            if part))
    instance = _mapping(resource.get("InstanceDetails")).get("InstanceId")
    if instance:
        names.append(f"instance {instance}")
    names += [f"bucket {bucket.get('Name') or bucket.get('Arn')}"
              for bucket in resource.get("S3BucketDetails") or []
              if isinstance(bucket, Mapping) and (bucket.get("Name") or bucket.get("Arn"))]
    for label, details, fields in _NAMED:
        value = next((v for v in (_mapping(resource.get(details)).get(f) for f in fields)
                      if v), None)
        if value:
            names.append(f"{label} {value}")
    task = _mapping(_mapping(resource.get("EcsClusterDetails")).get("TaskDetails")).get("Arn")
    if task:
        names.append(f"ECS task {task}")
    kubernetes = _mapping(resource.get("KubernetesDetails"))
    workload = _mapping(kubernetes.get("KubernetesWorkloadDetails"))
    if workload.get("Name"):
        where = "/".join(str(part) for part in (workload.get("Namespace"), workload["Name"])
                         if part)
        names.append(f"Kubernetes {workload.get('Type') or 'workload'} {where}")
    user = _mapping(kubernetes.get("KubernetesUserDetails")).get("Username")
    if user:
        names.append(f"Kubernetes user {user}")
    names += [f"volume {volume['VolumeArn']}" for volume in
              _mapping(resource.get("EbsVolumeDetails")).get("ScannedVolumeDetails") or []
              if isinstance(volume, Mapping) and volume.get("VolumeArn")]
    names += [f"model {model['ModelId']}" for model in resource.get("ModelDetails") or []
              if isinstance(model, Mapping) and model.get("ModelId")]
    return ", ".join(names) or None


# (how it is called, the Resource member describing it, its identifying fields by preference)
_NAMED = (
    ("EKS cluster", "EksClusterDetails", ("Name", "Arn")),
    ("ECS cluster", "EcsClusterDetails", ("Name", "Arn")),
    ("container", "ContainerDetails", ("Name", "Id")),
    ("function", "LambdaDetails", ("FunctionName", "FunctionArn")),
    ("DB instance", "RdsDbInstanceDetails", ("DbInstanceIdentifier", "DbInstanceArn")),
    ("DB shard group", "RdsLimitlessDbDetails", ("DbShardGroupIdentifier", "DbShardGroupArn")),
    ("database user", "RdsDbUserDetails", ("User",)),
    ("snapshot", "EbsSnapshotDetails", ("SnapshotArn",)),
    ("image", "Ec2ImageDetails", ("ImageArn",)),
    ("recovery point", "RecoveryPointDetails", ("RecoveryPointArn",)),
    ("guardrail", "BedrockGuardrailDetails", ("GuardrailArn",)),
)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
