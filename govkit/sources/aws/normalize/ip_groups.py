"""WorkSpaces IP access control groups, and the rules of the groups each directory uses.

A group (``aws.workspaces.ip_group``) lists the source ranges it admits, each
``{"ipRule": CIDR, "ruleDesc": ...}`` as the API names them. A directory admits sessions only
from the ranges of its attached groups: :func:`set_ip_group_rules` gives a directory's
resource those rules (``IpGroupRules``, each with its group and prefix length), or the call
that kept them unknown, so a rule on the directory judges the sources without reading two
resources.

Tags are not collected (one DescribeTags call per group): no rule scopes groups by tag.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, not_collected, partition, ref)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

SERVICE = "workspaces"
OPERATION = "DescribeIpGroups"
GROUP = "aws.workspaces.ip_group"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, SERVICE):
        pages = [snapshot.load(e) for e in snapshot.select(SERVICE, OPERATION, account)]
        yield from listing_coverage(pages, GROUP)
        for page in pages:
            for index, group in enumerate(page.response.get("Result") or []):
                yield _group(group, page, index, account)


def prefix_length(rule: str) -> int | None:
    """The prefix length of an ``ipRule`` (a bare address is /32, or /128); None when it is
    not an address or range."""
    try:
        return ipaddress.ip_network(rule.strip(), strict=False).prefixlen
    except ValueError:
        return None


def _group(group: Mapping[str, Any], page: CallRecord, index: int, account: str) -> Resource:
    region = page.entry.region
    group_id = str(group.get("groupId"))
    builder = ResourceBuilder(
        id=f"arn:{partition(region)}:workspaces:{region}:{account}:workspaceipgroup/{group_id}",
        type=GROUP, account=account, region=region, name=str(group.get("groupName") or group_id))
    rules = [{"ipRule": str(r.get("ipRule") or ""), "ruleDesc": r.get("ruleDesc")}
             for r in group.get("userRules") or []]
    builder.update({"GroupId": group_id, "GroupName": group.get("groupName"),
                    "GroupDescription": group.get("groupDesc")}, ref(page, "Result", index))
    builder.set("Rules", rules, ref(page, "Result", index, "userRules"))
    return builder.build()


def set_ip_group_rules(builder: ResourceBuilder, records: RecordSet, region: str,
                       group_ids: Sequence[str]) -> None:
    """Give a directory's resource ``IpGroupRules``: every rule of the groups ``group_ids``
    (its ``ipGroupIds``) in ``region``, each ``{"GroupId", "GroupName", "ipRule",
    "ruleDesc", "PrefixLength"}`` (PrefixLength None: not an address), or the failure of the
    call that should have listed them."""
    if not group_ids:  # nothing attached: no rules, whatever the listing says
        builder.set("IpGroupRules", [], builder.sources.get("IpGroupIds", ()))
        return
    pages = [r for r in records.of(OPERATION) if r.entry.region == region]
    failed = next((p for p in pages if not p.entry.ok), None)
    if failed is not None:
        builder.fail("IpGroupRules", failure(failed))
        return
    listed: dict[str, tuple[CallRecord, int, Mapping[str, Any]]] = {
        str(g.get("groupId")): (page, index, g) for page in pages
        for index, g in enumerate(page.response.get("Result") or [])}
    if not pages:
        builder.fail("IpGroupRules", not_collected(
            f"{SERVICE}:{OPERATION}", f"the IP access control groups of {region} were not "
            "listed"))
        return
    missing = [g for g in group_ids if g not in listed]
    if missing:
        builder.fail("IpGroupRules", _not_listed(pages[-1], missing))
        return
    rules: list[dict[str, Any]] = []
    sources: list[Ref] = list(builder.sources.get("IpGroupIds", ()))
    for group_id in group_ids:
        page, index, group = listed[group_id]
        sources.append(ref(page, "Result", index, "userRules"))
        for rule in group.get("userRules") or []:
            text = str(rule.get("ipRule") or "")
            rules.append({"GroupId": group_id,
                          "GroupName": str(group.get("groupName") or group_id),
                          "ipRule": text, "ruleDesc": rule.get("ruleDesc"),
                          "PrefixLength": prefix_length(text)})
    builder.set("IpGroupRules", rules, sources)


def _not_listed(page: CallRecord, missing: Sequence[str]) -> CallFailure:
    """The directory names groups the listing does not hold (deleted while the scan ran):
    their rules are unknown."""
    return dataclasses.replace(
        CallFailure.from_entry(page.entry, f"IP access control group {', '.join(missing)} "
                               "attached to the directory is not in the answer"),
        code="NotCollected", pointer=ref(page, "Result").pointer)
