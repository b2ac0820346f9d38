"""DynamoDB tables: which key encrypts them (AWS owned, AWS managed or customer) and tags."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, failure, listing_coverage, partition, ref,
    tags_from_list, unread)
from govkit.sources.aws.normalize.described import by_region_and_name
from govkit.sources.interface import NormalizeContext
from govkit.sources.aws.normalize.kms import key_directory
from govkit.snapshot import Snapshot


def _recovery_status(response: Mapping[str, Any]) -> str | None:
    description = response.get("ContinuousBackupsDescription") or {}
    recovery = description.get("PointInTimeRecoveryDescription") or {}
    status = recovery.get("PointInTimeRecoveryStatus")
    return None if status is None else str(status)


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "dynamodb"):
        records = RecordSet(snapshot, "dynamodb", account)
        pages = records.of("ListTables")
        yield from listing_coverage(pages, "aws.dynamodb.table")
        described = by_region_and_name(records, "DescribeTable", "TableName")
        tags = records.by_param("ListTagsOfResource", "ResourceArn")
        backups = by_region_and_name(records, "DescribeContinuousBackups", "TableName")
        keys = key_directory(snapshot, ctx, account)
        for page in pages:
            region = page.entry.region
            for index, name in enumerate(page.response.get("TableNames") or []):
                arn = f"arn:{partition(region)}:dynamodb:{region}:{account}:table/{name}"
                builder = ResourceBuilder(id=arn, type="aws.dynamodb.table", account=account,
                                          region=region, name=name)
                record = described.get((region, name))
                if record is None or not record.entry.ok:
                    reason = failure(record) if record is not None else unread(
                        page, f"table {name} was listed but not described", "TableNames",
                        index)
                    for field in ("SSEType", "KmsKeyArn", "KmsKeyManager", "Tags",
                                  "PointInTimeRecovery"):
                        builder.fail(field, reason)
                    yield builder.build()
                    continue
                table = record.response.get("Table", {})
                sse = table.get("SSEDescription") or {}
                # no SSEDescription: encrypted with a key AWS owns and the customer cannot see
                sse_type = sse.get("SSEType") if sse.get("Status") in ("ENABLED", "UPDATING") \
                    else "AWS_OWNED"
                encryption = ref(record, "Table", "SSEDescription")
                builder.update({"SSEType": sse_type, "KmsKeyArn": sse.get("KMSMasterKeyArn")},
                               encryption)
                builder.update({"TableStatus": table.get("TableStatus"),
                                "DeletionProtectionEnabled":
                                    table.get("DeletionProtectionEnabled")}, ref(record, "Table"))
                manager, failed, key_refs = keys.resolve(sse.get("KMSMasterKeyArn"), region) \
                    if sse_type == "KMS" else (None, None, [])
                if failed is not None:
                    builder.fail("KmsKeyManager", failed)
                else:
                    builder.set("KmsKeyManager", manager, [encryption, *key_refs])
                apply_optional(builder, "PointInTimeRecovery", backups.get((region, name)),
                               _recovery_status, unread(
                                   record, "continuous backups were not read", "Table"),
                               at=("ContinuousBackupsDescription",
                                   "PointInTimeRecoveryDescription",
                                   "PointInTimeRecoveryStatus"))
                tag_record = tags.get(table.get("TableArn", arn))
                if tag_record is not None and tag_record.entry.ok:
                    builder.set_tags(tags_from_list(tag_record.response.get("Tags")),
                                     ref(tag_record, "Tags"))
                else:
                    builder.fail("Tags", failure(tag_record) if tag_record is not None else
                                 unread(record, "tags were not read", "Table"))
                yield builder.build()
