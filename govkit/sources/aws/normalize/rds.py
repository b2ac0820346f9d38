"""RDS instances, clusters and their manual snapshots (encryption, who may restore)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, ref, tags_from_list, unread)
from govkit.sources.aws.normalize.described import by_region_and_name
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

# (listing operation, response key, ARN key, name key, resource type, fields)
_KINDS = (
    ("DescribeDBInstances", "DBInstances", "DBInstanceArn", "DBInstanceIdentifier",
     "aws.rds.instance", ("Engine", "EngineVersion", "StorageEncrypted", "KmsKeyId",
                          "PubliclyAccessible", "DBClusterIdentifier",
                          "IAMDatabaseAuthenticationEnabled", "CACertificateIdentifier",
                          "BackupRetentionPeriod", "MultiAZ", "DBInstanceStatus",
                          "EnabledCloudwatchLogsExports")),
    ("DescribeDBClusters", "DBClusters", "DBClusterArn", "DBClusterIdentifier",
     "aws.rds.cluster", ("Engine", "EngineVersion", "StorageEncrypted", "KmsKeyId",
                         "IAMDatabaseAuthenticationEnabled", "BackupRetentionPeriod",
                         "DeletionProtection", "Status")),
    ("DescribeDBSnapshots", "DBSnapshots", "DBSnapshotArn", "DBSnapshotIdentifier",
     "aws.rds.snapshot", ("Engine", "Encrypted", "KmsKeyId", "SnapshotType",
                          "DBInstanceIdentifier", "SnapshotCreateTime")),
    ("DescribeDBClusterSnapshots", "DBClusterSnapshots", "DBClusterSnapshotArn",
     "DBClusterSnapshotIdentifier", "aws.rds.cluster_snapshot",
     ("Engine", "StorageEncrypted", "KmsKeyId", "SnapshotType", "DBClusterIdentifier",
      "SnapshotCreateTime")),
)
# (attributes operation, identifier parameter, result key, attribute list key)
_ATTRIBUTES = {"aws.rds.snapshot": ("DescribeDBSnapshotAttributes", "DBSnapshotIdentifier",
                                    "DBSnapshotAttributesResult", "DBSnapshotAttributes"),
               "aws.rds.cluster_snapshot": ("DescribeDBClusterSnapshotAttributes",
                                            "DBClusterSnapshotIdentifier",
                                            "DBClusterSnapshotAttributesResult",
                                            "DBClusterSnapshotAttributes")}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "rds"):
        records = RecordSet(snapshot, "rds", account)
        for operation, key, arn_key, name_key, resource_type, fields in _KINDS:
            pages = records.of(operation)
            yield from listing_coverage(pages, resource_type)
            attributes = (by_region_and_name(records, _ATTRIBUTES[resource_type][0],
                                             _ATTRIBUTES[resource_type][1])
                          if resource_type in _ATTRIBUTES else {})
            for page in pages:
                for index, item in enumerate(page.response.get(key) or []):
                    builder = ResourceBuilder(id=item[arn_key], type=resource_type,
                                              account=account, region=page.entry.region,
                                              name=item[name_key])
                    entry = ref(page, key, index)
                    builder.set_tags(tags_from_list(item.get("TagList")), entry)
                    builder.update({f: item.get(f) for f in fields}, entry)
                    if "Encrypted" not in builder.attributes:
                        builder.set("Encrypted", bool(item.get("StorageEncrypted")), entry)
                    if resource_type in _ATTRIBUTES:
                        _restore(builder, attributes.get((page.entry.region, item[name_key])),
                                 (page, key, index),
                                 resource_type)
                    yield builder.build()


def _restore(builder: ResourceBuilder, record: CallRecord | None,
             listed: tuple[CallRecord, str, int], resource_type: str) -> None:
    """Who may restore a manual snapshot: "all" means anyone with an AWS account."""
    page, key, index = listed
    if builder.attributes.get("SnapshotType") not in (None, "manual"):
        kind = ref(page, key, index, "SnapshotType")
        builder.set("Public", False, kind).set("SharedWithAccounts", [], kind)
        return
    if record is None or not record.entry.ok:
        reason = failure(record) if record is not None else unread(
            page, "snapshot restore attributes were not read", key, index)
        builder.fail("Public", reason).fail("SharedWithAccounts", reason)
        return
    _, _, result_key, list_key = _ATTRIBUTES[resource_type]
    result: Mapping[str, Any] = record.response.get(result_key) or {}
    attributes = list(enumerate(result.get(list_key) or []))
    position, restore = next(((n, a.get("AttributeValues") or []) for n, a in attributes
                              if a.get("AttributeName") == "restore"), (None, []))
    where: Ref = ref(record, result_key, list_key) if position is None else \
        ref(record, result_key, list_key, position)
    builder.set("Public", "all" in restore, where)
    builder.set("SharedWithAccounts", sorted(v for v in restore if v != "all"), where)
