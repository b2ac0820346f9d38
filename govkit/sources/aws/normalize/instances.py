"""EC2 instances (``aws.ec2.instance``) from DescribeInstances, joined with what Systems
Manager reports about them.

From the instance listing: state, launch time, public and private addresses, the instance
metadata service options (``HttpTokens``, ``HttpEndpoint``), whether Nitro Enclaves are on,
security groups, instance profile and tags. The resource is named by its ``Name`` tag, or its
id when it has none. From the region's security groups (DescribeSecurityGroups): the
instance's ``InternetIngress``, what any internet address may reach through the groups it
has, as ``network.internet_ingress`` words it; unknown when the groups were not all read.

From Systems Manager, in the same account and region:
- ``SsmManaged``: whether DescribeInstanceInformation lists the instance (its agent has
  registered with Systems Manager), with the agent's ``SsmPingStatus``;
- ``PatchCompliance``: the status of the instance's Patch compliance summary
  (ListResourceComplianceSummaries with ComplianceType Patch): COMPLIANT, NON_COMPLIANT, or
  None when no patch scan has reported for it; ``MissingPatches``, how many patches the
  summary counts as non-compliant, and ``PatchSeverity``, the summary's overall severity.
Either listing failed, or not made in the region, leaves its fields unknown (an ERROR naming
the call), never "not managed" or "no patch data".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, not_collected, partition, ref,
    tags_from_list)
from govkit.sources.aws.normalize.network import internet_ingress
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

INSTANCE = "aws.ec2.instance"
MANAGED = "DescribeInstanceInformation"
COMPLIANCE = "ListResourceComplianceSummaries"

# an instance's item in the SSM answer: the item and where it sits
Found = dict[str, tuple[Mapping[str, Any], Ref]]


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "ec2"):
        records = RecordSet(snapshot, "ec2", account)
        ssm = RecordSet(snapshot, "ssm", account)
        managed = ssm.pages_by_region(MANAGED)
        compliance = ssm.pages_by_region(COMPLIANCE)
        groups = records.pages_by_region("DescribeSecurityGroups")
        pages = records.of("DescribeInstances")
        yield from listing_coverage(pages, INSTANCE)
        for page in pages:
            region = page.entry.region
            exposure = _exposure(groups.get(region, []))
            agents = _by_instance(managed.get(region, []), "InstanceInformationList", MANAGED)
            patches = _by_instance(compliance.get(region, []), "ResourceComplianceSummaryItems",
                                   COMPLIANCE, resource_key="ResourceId")
            for r_index, reservation in enumerate(page.response.get("Reservations") or []):
                for index, instance in enumerate(reservation.get("Instances") or []):
                    at = ("Reservations", r_index, "Instances", index)
                    builder = _instance(page, at, instance, account)
                    _ingress(builder, instance, exposure, ref(page, *at, "SecurityGroups"))
                    _ssm(builder, str(instance.get("InstanceId")), agents, patches,
                         managed.get(region, []), compliance.get(region, []))
                    yield builder.build()


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


Exposure = dict[str, tuple[list[str], Ref]]


def _exposure(pages: Sequence[CallRecord]) -> Exposure | CallFailure:
    """Each security group's internet ingress, by group id, or why they are not all known."""
    if not pages:
        return not_collected("ec2:DescribeSecurityGroups",
                             "the security groups of the instance's region were not read")
    failed = next((p for p in pages if not p.entry.ok), None)
    if failed is not None:
        return failure(failed)
    return {str(group.get("GroupId")): (internet_ingress(group.get("IpPermissions") or []),
                                        ref(page, "SecurityGroups", index, "IpPermissions"))
            for page in pages
            for index, group in enumerate(page.response.get("SecurityGroups") or [])}


def _ingress(builder: ResourceBuilder, instance: Mapping[str, Any],
             exposure: Exposure | CallFailure, attached: Ref) -> None:
    if isinstance(exposure, CallFailure):
        builder.fail("InternetIngress", exposure)
        return
    found: set[str] = set()
    sources: list[Ref] = []
    for group in instance.get("SecurityGroups") or []:
        group_id = str(group.get("GroupId"))
        if group_id not in exposure:
            builder.fail("InternetIngress", not_collected(
                "ec2:DescribeSecurityGroups",
                f"security group {group_id} of instance {instance.get('InstanceId')} is not in "
                "the region's listing"))
            return
        ports, where = exposure[group_id]
        found.update(ports)
        sources.append(where)
    # the groups' rules, or, with no group at all, the empty list of groups
    builder.set("InternetIngress", sorted(found), sources or [attached])


def _by_instance(pages: Sequence[CallRecord], key: str, operation: str,
                 resource_key: str = "InstanceId") -> Found | CallFailure:
    """The region's SSM items by instance id, or why they are not all known."""
    if not pages:
        return not_collected(f"ssm:{operation}",
                             "Systems Manager was not read in the instance's region")
    failed = next((p for p in pages if not p.entry.ok), None)
    if failed is not None:
        return failure(failed)
    found: Found = {}
    for page in pages:
        for index, item in enumerate(page.response.get(key) or []):
            found[str(item.get(resource_key))] = (item, ref(page, key, index))
    return found


def _ssm(builder: ResourceBuilder, instance_id: str, agents: Found | CallFailure,
         patches: Found | CallFailure, agent_pages: Sequence[CallRecord],
         patch_pages: Sequence[CallRecord]) -> None:
    if isinstance(agents, CallFailure):
        builder.fail("SsmManaged", agents).fail("SsmPingStatus", agents)
    elif instance_id in agents:
        agent, where = agents[instance_id]
        builder.set("SsmManaged", True, where)
        builder.set("SsmPingStatus", agent.get("PingStatus"), where)
    else:  # absent from every page of the listing: each page is the proof
        listed = [ref(p, "InstanceInformationList") for p in agent_pages]
        builder.set("SsmManaged", False, listed).set("SsmPingStatus", None, listed)
    if isinstance(patches, CallFailure):
        for key in ("PatchCompliance", "MissingPatches", "PatchSeverity"):
            builder.fail(key, patches)
    elif instance_id in patches:
        summary, where = patches[instance_id]
        builder.set("PatchCompliance", summary.get("Status"), where)
        missing = (summary.get("NonCompliantSummary") or {}).get("NonCompliantCount")
        builder.set("MissingPatches", missing, where)
        builder.set("PatchSeverity", summary.get("OverallSeverity"), where)
    else:
        listed = [ref(p, "ResourceComplianceSummaryItems") for p in patch_pages]
        for key in ("PatchCompliance", "MissingPatches", "PatchSeverity"):
            builder.set(key, None, listed)
