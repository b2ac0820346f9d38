"""DynamoDB Accelerator clusters (``aws.dax.cluster``): server-side encryption of the cache
nodes' disks and the encryption of the cluster endpoint, as DescribeClusters lists them."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, partition, ref)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

CLUSTER = "aws.dax.cluster"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "dax"):
        pages = RecordSet(snapshot, "dax", account).of("DescribeClusters")
        yield from listing_coverage(pages, CLUSTER)
        for page in pages:
            region = page.entry.region
            for index, cluster in enumerate(page.response.get("Clusters") or []):
                name = str(cluster.get("ClusterName"))
                builder = ResourceBuilder(
                    id=str(cluster.get("ClusterArn") or
                           f"arn:{partition(region)}:dax:{region}:{account}:cache/{name}"),
                    type=CLUSTER, account=account, region=region, name=name,
                    item=ref(page, "Clusters", index))
                for key in ("Status", "NodeType", "ClusterEndpointEncryptionType"):
                    builder.set(key, cluster.get(key), ref(page, "Clusters", index, key))
                builder.set("SSEStatus", (cluster.get("SSEDescription") or {}).get("Status"),
                            ref(page, "Clusters", index, "SSEDescription", "Status"))
                yield builder.build()
