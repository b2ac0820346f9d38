"""The network of each region: VPCs with their flow logs (``aws.ec2.vpc``), security groups
(``aws.ec2.security_group``) and network ACLs (``aws.ec2.network_acl``).

What the rules judge is worked out here from the rules of each group or list:
- a security group's ``AdminPortsOpenToInternet``: the remote-administration ports (SSH 22,
  RDP 3389) a TCP rule lets any IPv4 or IPv6 address reach (0.0.0.0/0, ::/0);
- a security group's ``InternetIngress``: what its inbound rules let any address reach, one
  entry per TCP or UDP port range (``tcp 443``, ``udp 1000-2000``) or ``all traffic``;
- a network ACL's ``AllowsAllIngressFromInternet``: whether the first inbound entry, in rule
  number order, that matches all traffic from 0.0.0.0/0 or ::/0 allows it.
A VPC's flow logs are those DescribeFlowLogs names for it; a failed flow-log listing leaves
them unknown, never "none". Tags are not kept: no rule scopes the network by tag, and none of
it holds data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, not_collected, partition, ref)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

VPC, SECURITY_GROUP, NETWORK_ACL = "aws.ec2.vpc", "aws.ec2.security_group", "aws.ec2.network_acl"
ADMIN_PORTS = (22, 3389)
ANYWHERE = frozenset({"0.0.0.0/0", "::/0"})
ALL_TRAFFIC = "-1"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "ec2"):
        records = RecordSet(snapshot, "ec2", account)
        yield from _vpcs(records, account)
        yield from _listed(records, account, "DescribeSecurityGroups", "SecurityGroups",
                           SECURITY_GROUP, _security_group)
        yield from _listed(records, account, "DescribeNetworkAcls", "NetworkAcls",
                           NETWORK_ACL, _network_acl)


def _builder(page: CallRecord, key: str, index: int, account: str, resource_type: str,
             path: str, name: str) -> tuple[ResourceBuilder, Ref]:
    """A builder for item ``index`` of the page's ``key`` list, ARN ending in ``path``, and
    the item's place."""
    region, entry = page.entry.region, ref(page, key, index)
    return ResourceBuilder(id=f"arn:{partition(region)}:ec2:{region}:{account}:{path}",
                           type=resource_type, account=account, region=region, name=name,
                           item=entry), entry


def _vpcs(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    pages = records.of("DescribeVpcs")
    yield from listing_coverage(pages, VPC)
    flow_pages = records.pages_by_region("DescribeFlowLogs")
    for page in pages:
        region = page.entry.region
        logs = _flow_logs(flow_pages.get(region, []))
        for index, vpc in enumerate(page.response.get("Vpcs") or []):
            vpc_id = str(vpc.get("VpcId"))
            builder, entry = _builder(page, "Vpcs", index, account, VPC, f"vpc/{vpc_id}",
                                      vpc_id)
            builder.update({"VpcId": vpc_id, "CidrBlock": vpc.get("CidrBlock"),
                            "IsDefault": bool(vpc.get("IsDefault"))}, entry)
            if isinstance(logs, CallFailure):
                builder.fail("FlowLogs", logs)
                builder.fail("ActiveFlowLogs", logs)
            else:
                found = logs.get(vpc_id, [])
                items = [item for item, _ in found]
                sources = [source for _, source in found] or \
                    [ref(p, "FlowLogs") for p in flow_pages.get(region, [])]
                builder.set("FlowLogs", items, sources)
                builder.set("ActiveFlowLogs", sum(1 for i in items if i["Status"] == "ACTIVE"),
                            sources)
            yield builder.build()


def _flow_logs(pages: Sequence[CallRecord]) -> dict[str, list[tuple[dict[str, Any], Ref]]] | \
        CallFailure:
    """Flow logs by the resource (VPC) they watch; the failure when they were not all read."""
    if not pages:
        return not_collected("ec2:DescribeFlowLogs", "the region's flow logs were not read")
    failed = next((p for p in pages if not p.entry.ok), None)
    if failed is not None:
        return failure(failed)
    found: dict[str, list[tuple[dict[str, Any], Ref]]] = {}
    for page in pages:
        for index, log in enumerate(page.response.get("FlowLogs") or []):
            item = {"FlowLogId": log.get("FlowLogId"), "TrafficType": log.get("TrafficType"),
                    "Status": log.get("FlowLogStatus"),
                    "Destination": log.get("LogDestination") or log.get("LogGroupName")}
            found.setdefault(str(log.get("ResourceId")), []).append(
                (item, ref(page, "FlowLogs", index)))
    return found


def _listed(records: RecordSet, account: str, operation: str, key: str, resource_type: str,
            build: Callable[[Mapping[str, Any], CallRecord, int, str], Resource]
            ) -> Iterator[Resource | Coverage]:
    pages = records.of(operation)
    yield from listing_coverage(pages, resource_type)
    for page in pages:
        for index, item in enumerate(page.response.get(key) or []):
            yield build(item, page, index, account)


def _ports(permission: Mapping[str, Any]) -> tuple[str, int, int]:
    protocol = str(permission.get("IpProtocol", ALL_TRAFFIC))
    if protocol == ALL_TRAFFIC:
        return protocol, 0, 65535
    return protocol, int(permission.get("FromPort", 0)), int(permission.get("ToPort", 65535))


def _from_anywhere(permission: Mapping[str, Any]) -> bool:
    return any(r.get("CidrIp") in ANYWHERE for r in permission.get("IpRanges") or []) or \
        any(r.get("CidrIpv6") in ANYWHERE for r in permission.get("Ipv6Ranges") or [])


def _security_group(group: Mapping[str, Any], page: CallRecord, index: int,
                    account: str) -> Resource:
    group_id = str(group.get("GroupId"))
    builder, entry = _builder(page, "SecurityGroups", index, account, SECURITY_GROUP,
                              f"security-group/{group_id}", str(group.get("GroupName") or
                                                                group_id))
    ingress = group.get("IpPermissions") or []
    egress = group.get("IpPermissionsEgress") or []
    builder.update({"GroupId": group_id, "VpcId": group.get("VpcId"),
                    "IsDefault": group.get("GroupName") == "default",
                    "IngressRules": len(ingress), "EgressRules": len(egress)}, entry)
    exposed = sorted({port for permission in ingress if _from_anywhere(permission)
                      for protocol, low, high in [_ports(permission)]
                      if protocol in ("tcp", "6", ALL_TRAFFIC)
                      for port in ADMIN_PORTS if low <= port <= high})
    builder.set("AdminPortsOpenToInternet", exposed,
                ref(page, "SecurityGroups", index, "IpPermissions"))
    builder.set("InternetIngress", internet_ingress(ingress),
                ref(page, "SecurityGroups", index, "IpPermissions"))
    return builder.build()


def internet_ingress(ingress: Sequence[Mapping[str, Any]]) -> list[str]:
    """What the inbound rules ``ingress`` let any address reach: ``all traffic``, or each TCP
    and UDP port range as ``tcp 443`` / ``tcp 1024-65535``; other protocols (ICMP) are left
    out."""
    found: set[str] = set()
    for permission in ingress:
        if not _from_anywhere(permission):
            continue
        protocol, low, high = _ports(permission)
        name = {"6": "tcp", "17": "udp"}.get(protocol, protocol)
        if protocol == ALL_TRAFFIC:
            found.add("all traffic")
        elif name in ("tcp", "udp"):
            found.add(f"{name} {low}" if low == high else f"{name} {low}-{high}")
    return sorted(found)


def _network_acl(acl: Mapping[str, Any], page: CallRecord, index: int,
                 account: str) -> Resource:
    acl_id = str(acl.get("NetworkAclId"))
    builder, entry = _builder(page, "NetworkAcls", index, account, NETWORK_ACL,
                              f"network-acl/{acl_id}", acl_id)
    builder.update({"NetworkAclId": acl_id, "VpcId": acl.get("VpcId"),
                    "IsDefault": bool(acl.get("IsDefault")),
                    "Subnets": sorted(str(a.get("SubnetId"))
                                      for a in acl.get("Associations") or [])}, entry)
    inbound = sorted((e for e in acl.get("Entries") or [] if not e.get("Egress")),
                     key=lambda e: int(e.get("RuleNumber", 32767)))
    everything = next((e for e in inbound if str(e.get("Protocol")) == ALL_TRAFFIC and
                       (e.get("CidrBlock") in ANYWHERE or e.get("Ipv6CidrBlock") in ANYWHERE)),
                      None)
    builder.set("AllowsAllIngressFromInternet",
                everything is not None and everything.get("RuleAction") == "allow",
                ref(page, "NetworkAcls", index, "Entries"))
    return builder.build()
