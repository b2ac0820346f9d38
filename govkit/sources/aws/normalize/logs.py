"""CloudWatch Logs log groups (``aws.logs.log_group``): retention and the KMS key.

DescribeLogGroups leaves ``retentionInDays`` out for a group whose events never expire and
``kmsKeyId`` out for one encrypted with the service's own key; both are read as null."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from govkit import canonical

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import RecordSet, accounts_of, listing_coverage, ref
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

LOG_GROUP = "aws.logs.log_group"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "logs"):
        pages = RecordSet(snapshot, "logs", account).of("DescribeLogGroups")
        yield from listing_coverage(pages, LOG_GROUP)
        for page in pages:
            region = page.entry.region
            for index, group in enumerate(page.response.get("logGroups") or []):
                name = str(group.get("logGroupName"))
                arn = str(group.get("logGroupArn") or group.get("arn") or name).removesuffix(":*")
                builder = ResourceBuilder(id=arn, type=LOG_GROUP, account=account,
                                          region=region, name=name,
                                          item=ref(page, "logGroups", index))
                builder.set("CreationTime", _from_millis(group.get("creationTime")),
                            ref(page, "logGroups", index, "creationTime"))
                for key, field in (("RetentionInDays", "retentionInDays"),
                                   ("KmsKeyId", "kmsKeyId"), ("StoredBytes", "storedBytes"),
                                   ("LogGroupClass", "logGroupClass"),
                                   ("DataProtectionStatus", "dataProtectionStatus")):
                    builder.set(key, group.get(field), ref(page, "logGroups", index, field))
                yield builder.build()


def _from_millis(value: Any) -> str | None:
    """CloudWatch Logs gives times as milliseconds since the epoch."""
    if not isinstance(value, (int, float)):
        return None
    return canonical.iso_utc(dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc))
