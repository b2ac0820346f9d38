"""Redshift provisioned clusters (``aws.redshift.cluster``): encryption at rest and its key,
public accessibility, automated snapshot retention, audit logging and tags."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, listing_coverage, partition, ref, tags_from_list,
    unread)
from govkit.sources.aws.normalize.described import by_region_and_name
from govkit.sources.aws.normalize.kms import key_directory
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

CLUSTER = "aws.redshift.cluster"
FIELDS = ("ClusterStatus", "NodeType", "NumberOfNodes", "Encrypted", "KmsKeyId",
          "PubliclyAccessible", "AutomatedSnapshotRetentionPeriod", "ClusterCreateTime")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "redshift"):
        records = RecordSet(snapshot, "redshift", account)
        pages = records.of("DescribeClusters")
        yield from listing_coverage(pages, CLUSTER)
        logging = by_region_and_name(records, "DescribeLoggingStatus", "ClusterIdentifier")
        keys = key_directory(snapshot, ctx, account)
        for page in pages:
            region = page.entry.region
            for index, cluster in enumerate(page.response.get("Clusters") or []):
                name = str(cluster.get("ClusterIdentifier"))
                entry = ref(page, "Clusters", index)
                builder = ResourceBuilder(
                    id=f"arn:{partition(region)}:redshift:{region}:{account}:cluster:{name}",
                    type=CLUSTER, account=account, region=region, name=name, item=entry)
                builder.set_tags(tags_from_list(cluster.get("Tags")),
                                 ref(page, "Clusters", index, "Tags"))
                for key in FIELDS:
                    builder.set(key, cluster.get(key), ref(page, "Clusters", index, key))
                keys.set_manager(builder, cluster.get("KmsKeyId"), region,
                                 ref(page, "Clusters", index, "KmsKeyId"),
                                 encrypted=bool(cluster.get("Encrypted")))
                apply_optional(builder, "AuditLogging", logging.get((region, name)),
                               lambda r: bool(r.get("LoggingEnabled")), unread(
                                   page, f"cluster {name} was listed but its logging status "
                                         "was not read", "Clusters", index),
                               at=("LoggingEnabled",))
                yield builder.build()
