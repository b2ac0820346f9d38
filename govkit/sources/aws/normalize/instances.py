"""EC2 instances (``aws.ec2.instance``) from DescribeInstances: state, launch time, public
and private addresses, the instance metadata service options (``HttpTokens``,
``HttpEndpoint``), whether Nitro Enclaves are on, security groups, instance profile and
tags. The resource is named by its ``Name`` tag, or its id when it has none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, partition, ref, tags_from_list)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

INSTANCE = "aws.ec2.instance"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "ec2"):
        records = RecordSet(snapshot, "ec2", account)
        pages = records.of("DescribeInstances")
        yield from listing_coverage(pages, INSTANCE)
        for page in pages:
            for r_index, reservation in enumerate(page.response.get("Reservations") or []):
                for index, instance in enumerate(reservation.get("Instances") or []):
                    at = ("Reservations", r_index, "Instances", index)
                    yield _instance(page, at, instance, account).build()


def _instance(page: CallRecord, at: tuple[str | int, ...], instance: Mapping[str, Any],
              account: str) -> ResourceBuilder:
    region = page.entry.region
    instance_id = str(instance.get("InstanceId"))
    tags = tags_from_list(instance.get("Tags"))
    entry = ref(page, *at)
    builder = ResourceBuilder(
        id=f"arn:{partition(region)}:ec2:{region}:{account}:instance/{instance_id}",
        type=INSTANCE, account=account, region=region, name=tags.get("Name") or instance_id,
        item=entry)
    builder.set_tags(tags, ref(page, *at, "Tags"))
    metadata = instance.get("MetadataOptions") or {}
    profile = instance.get("IamInstanceProfile") or {}
    builder.update({
        "InstanceId": instance_id, "InstanceType": instance.get("InstanceType"),
        "ImageId": instance.get("ImageId"), "VpcId": instance.get("VpcId"),
        "SubnetId": instance.get("SubnetId"),
        "PrivateIpAddress": instance.get("PrivateIpAddress"),
        "IamInstanceProfile": profile.get("Arn"),
        "SecurityGroups": sorted(str(g.get("GroupId")) for g in
                                 instance.get("SecurityGroups") or []),
    }, entry)
    builder.set("State", (instance.get("State") or {}).get("Name"), ref(page, *at, "State"))
    builder.set("LaunchTime", instance.get("LaunchTime"), ref(page, *at, "LaunchTime"))
    builder.set("PublicIpAddress", instance.get("PublicIpAddress"),
                ref(page, *at, "PublicIpAddress"))
    builder.set("HttpTokens", metadata.get("HttpTokens"),
                ref(page, *at, "MetadataOptions", "HttpTokens"))
    builder.set("HttpEndpoint", metadata.get("HttpEndpoint"),
                ref(page, *at, "MetadataOptions", "HttpEndpoint"))
    # AWS always answers EnclaveOptions; an answer without it has enclaves off
    builder.set("EnclaveEnabled", bool((instance.get("EnclaveOptions") or {}).get("Enabled")),
                ref(page, *at, "EnclaveOptions", "Enabled"))
    return builder

