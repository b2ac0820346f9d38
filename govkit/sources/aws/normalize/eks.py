"""EKS clusters (``aws.eks.cluster``): the KMS key that envelope-encrypts Kubernetes secrets,
and who can reach the cluster's API endpoint, as DescribeCluster gives them for each cluster
ListClusters names.

A cluster's secrets are encrypted with a KMS key when one of its encryption configurations
covers the ``secrets`` resource. Its endpoint is open to the internet when public access is
on and the allowed sources include 0.0.0.0/0 (AWS's default when none are given)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, partition, ref, unread)
from govkit.sources.aws.normalize.described import Derived, by_region_and_name, set_described
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

CLUSTER = "aws.eks.cluster"
ANYWHERE = "0.0.0.0/0"
FIELDS = {
    "Version": ("version",),
    "Status": ("status",),
    "EndpointPublicAccess": ("resourcesVpcConfig", "endpointPublicAccess"),
    "EndpointPrivateAccess": ("resourcesVpcConfig", "endpointPrivateAccess"),
    "PublicAccessCidrs": ("resourcesVpcConfig", "publicAccessCidrs"),
}


def _secrets_key(cluster: Mapping[str, Any]) -> str | None:
    for config in cluster.get("encryptionConfig") or []:
        if "secrets" in (config.get("resources") or []):
            key = (config.get("provider") or {}).get("keyArn")
            return None if key is None else str(key)
    return None


def _open_to_internet(cluster: Mapping[str, Any]) -> bool:
    vpc = cluster.get("resourcesVpcConfig") or {}
    return bool(vpc.get("endpointPublicAccess")) and \
        ANYWHERE in (vpc.get("publicAccessCidrs") or [ANYWHERE])


DERIVED: dict[str, Derived] = {
    "SecretsKmsKeyArn": (_secrets_key, ("encryptionConfig",)),
    "EndpointOpenToInternet": (_open_to_internet, ("resourcesVpcConfig",)),
}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "eks"):
        records = RecordSet(snapshot, "eks", account)
        pages = records.of("ListClusters")
        yield from listing_coverage(pages, CLUSTER)
        described = by_region_and_name(records, "DescribeCluster", "name")
        for page in pages:
            region = page.entry.region
            for index, listed in enumerate(page.response.get("clusters") or []):
                name = str(listed)
                builder = ResourceBuilder(
                    id=f"arn:{partition(region)}:eks:{region}:{account}:cluster/{name}",
                    type=CLUSTER, account=account, region=region, name=name,
                    item=ref(page, "clusters", index))
                set_described(builder, described.get((region, name)), ("cluster",),
                              unread(page, f"cluster {name} was listed but not described",
                                     "clusters", index), FIELDS, DERIVED)
                yield builder.build()
