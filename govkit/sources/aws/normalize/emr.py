"""EMR clusters (``aws.emr.cluster``): the master node's public DNS name and the subnet, as
DescribeCluster gives them for each active cluster ListClusters names.

The master node is public when its public DNS name is an amazonaws.com host name (a master
with a public IP address gets an ``ec2-…amazonaws.com`` name); a master in a private subnet has
an internal name (``ip-10-0-0-1.ec2.internal``) there, or none. This is how Prowler's
emr_cluster_master_nodes_no_public_ip decides."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, partition, ref, unread)
from govkit.sources.aws.normalize.described import Derived, by_region_and_name, set_described
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

CLUSTER = "aws.emr.cluster"
PUBLIC_DOMAIN = ".amazonaws.com"
FIELDS = {
    "MasterPublicDnsName": ("MasterPublicDnsName",),
    "Ec2SubnetId": ("Ec2InstanceAttributes", "Ec2SubnetId"),
    "ReleaseLabel": ("ReleaseLabel",),
}


def _master_public(cluster: Mapping[str, Any]) -> bool:
    return PUBLIC_DOMAIN in str(cluster.get("MasterPublicDnsName") or "")


DERIVED: dict[str, Derived] = {"MasterPublic": (_master_public, ("MasterPublicDnsName",))}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "emr"):
        records = RecordSet(snapshot, "emr", account)
        pages = records.of("ListClusters")
        yield from listing_coverage(pages, CLUSTER)
        described = by_region_and_name(records, "DescribeCluster", "ClusterId")
        for page in pages:
            region = page.entry.region
            for index, cluster in enumerate(page.response.get("Clusters") or []):
                cluster_id = str(cluster.get("Id"))
                builder = ResourceBuilder(
                    id=str(cluster.get("ClusterArn") or
                           f"arn:{partition(region)}:elasticmapreduce:{region}:{account}:"
                           f"cluster/{cluster_id}"),
                    type=CLUSTER, account=account, region=region,
                    name=str(cluster.get("Name") or cluster_id),
                    item=ref(page, "Clusters", index))
                builder.set("ClusterId", cluster_id, ref(page, "Clusters", index, "Id"))
                builder.set("State", (cluster.get("Status") or {}).get("State"),
                            ref(page, "Clusters", index, "Status", "State"))
                set_described(builder, described.get((region, cluster_id)), ("Cluster",),
                              unread(page, f"cluster {cluster_id} was listed but not "
                                           "described", "Clusters", index), FIELDS, DERIVED)
                yield builder.build()
