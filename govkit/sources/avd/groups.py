"""Application groups and who is assigned to them, per subscription.

An application group publishes a host pool's desktop or RemoteApps (``hostPoolArmPath``); a
person may open it when they, or a group they are in, hold the built-in role "Desktop
Virtualization User" at the application group or at a scope above it. Each application group
is an ``azure.avd.application_group``; its ``Assignments`` are those role assignments:
``{PrincipalId, PrincipalType, DisplayName, Scope}``, DisplayName as the Azure CLI looked it up
(``principalName``) or None, since ARM itself names principals only by object id.

An assignment listing that failed, or was never made, fails the Assignments of the
application groups it covers (and of their host pools), never "nobody".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from govkit.inventory.model import (
    CallFailure, Coverage, Ref, Resource, ResourceBuilder, json_pointer)
from govkit.snapshot import GLOBAL_REGION
from govkit.sources.avd import queries as q
from govkit.sources.avd.listings import Records
from govkit.sources.linked_pages import Listing

APPLICATION_GROUP = "azure.avd.application_group"


def not_collected(operation: str, message: str, ref: Ref | None = None, *,
                  call: str | None = None) -> CallFailure:
    return CallFailure.not_collected(q.SERVICE, operation, message, ref, call=call)


def field_path(item: Mapping[str, Any], name: str) -> tuple[str, ...] | None:
    """Where ARM's property ``name`` is in an item: under ``properties`` (ARM), or at the top
    (the Azure CLI lifts ``properties`` up); None when the answer does not carry it."""
    nested = item.get("properties")
    if isinstance(nested, Mapping) and name in nested:
        return ("properties", name)
    if name in item:
        return (name,)
    return None


def field_value(item: Mapping[str, Any], name: str) -> Any:
    path = field_path(item, name)
    node: Any = item
    for part in path or ():
        node = node[part]
    return node if path else None


def at(ref: Ref, *path: str) -> Ref:
    return Ref(ref.file, ref.pointer + json_pointer(*path))


def arm_common(builder: ResourceBuilder, item: Mapping[str, Any], ref: Ref, subscription: str,
               parsed: tuple[str, ...] | None) -> None:
    """What every ARM resource has: ResourceGroup and Subscription (from the id, ``parsed``),
    Location and Tags (an item without ``tags`` has none)."""
    builder.set("ResourceGroup", parsed[1] if parsed else None, at(ref, "id"))
    builder.set("Subscription", subscription, at(ref, "id"))
    builder.set("Location", item.get("location"), at(ref, "location"))
    tags = item.get("tags")
    builder.set_tags({str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping)
                     else {}, at(ref, "tags"))


@dataclass
class Group:
    """One application group as listed, and who may open it."""

    id: str
    name: str
    item: Mapping[str, Any]
    ref: Ref
    assignments: list[dict[str, Any]] = field(default_factory=list)
    assignment_refs: list[Ref] = field(default_factory=list)
    failure: CallFailure | None = None

    @property
    def host_pool(self) -> str:
        return str(field_value(self.item, "hostPoolArmPath") or "")


@dataclass
class Groups:
    """The application groups of one subscription (``failure``: the listing's, if any)."""

    listing: Listing | None
    failure: CallFailure | None
    members: list[Group] = field(default_factory=list)

    @property
    def listing_ref(self) -> Ref:
        return Ref(self.listing.head.entry.file) if self.listing else Ref("")

    def of_pool(self, pool_id: str) -> list[Group]:
        key = pool_id.casefold()
        return [g for g in self.members if g.host_pool.casefold() == key]


def groups_of(records: Records, subscription: str) -> Groups:
    found = records.listings(subscription, q.LIST_APPLICATION_GROUPS)
    if not found:
        return Groups(None, not_collected(q.LIST_APPLICATION_GROUPS, "the application groups "
                                          f"of subscription {subscription} were never listed"))
    listing = found[-1]
    groups = Groups(listing, listing.failure)
    if listing.failure is not None:
        return groups
    # each listing with the scope it was asked for, worked out once for every group
    assignments = [(q.scope_of(lst.path).casefold(), lst)
                   for lst in records.listings(subscription, q.LIST_ROLE_ASSIGNMENTS)]
    for item, ref in listing.items():
        group = Group(str(item.get("id") or ""), str(item.get("name") or ""), item, ref)
        _assign(group, subscription, assignments)
        groups.members.append(group)
    return groups


def _assign(group: Group, subscription: str, listings: list[tuple[str, Listing]]) -> None:
    """Who holds Desktop Virtualization User over ``group``, from the listings covering it
    (``listings``: each with its scope, casefolded): its own ``atScope()`` listing (live), or
    the subscription's export."""
    whole = f"/subscriptions/{subscription}".casefold()
    own = group.id.casefold()
    covering = [lst for scope, lst in listings
                if scope == own or (lst.exported and scope == whole)]
    if not covering:
        group.failure = not_collected(q.LIST_ROLE_ASSIGNMENTS, "the role assignments of "
                                      f"application group {group.name} were never listed",
                                      group.ref)
        return
    failed = next((lst.failure for lst in covering if lst.failure is not None), None)
    if failed is not None:
        group.failure = failed
        return
    seen: set[str] = set()
    for listing in covering:
        group.assignment_refs.append(Ref(listing.head.entry.file))
        for item, ref in listing.items():
            assignment = _assignment(item, group.id)
            if assignment is None or assignment["Id"] in seen:
                continue
            seen.add(assignment["Id"])
            group.assignments.append({k: v for k, v in assignment.items() if k != "Id"})
            group.assignment_refs.append(ref)
    order = sorted(range(len(group.assignments)),
                   key=lambda i: (group.assignments[i]["PrincipalType"] or "",
                                  group.assignments[i]["PrincipalId"]))
    group.assignments = [group.assignments[i] for i in order]


def _assignment(item: Mapping[str, Any], group_id: str) -> dict[str, Any] | None:
    """A Desktop Virtualization User assignment covering ``group_id``, or None."""
    scope = str(field_value(item, "scope") or "")
    role = str(field_value(item, "roleDefinitionId") or "")
    if not q.is_desktop_user_role(role, item.get("roleDefinitionName")) or \
            not q.applies_to(scope, group_id):
        return None
    name = item.get("principalName")
    return {"Id": str(item.get("id") or f"{scope}:{field_value(item, 'principalId')}"),
            "PrincipalId": str(field_value(item, "principalId") or ""),
            "PrincipalType": field_value(item, "principalType"),
            "DisplayName": str(name) if name else None, "Scope": scope}


def application_groups(groups: Groups, subscription: str) -> Iterator[Resource | Coverage]:
    listing = groups.listing
    yield Coverage(type=APPLICATION_GROUP, account=subscription, region=GLOBAL_REGION,
                   failure=groups.failure,
                   source=listing.head.entry.file if listing else None)
    for group in groups.members:
        yield _resource(group, subscription)


def _resource(group: Group, subscription: str) -> Resource:
    item, ref = group.item, group.ref
    parsed = q.parse_id(group.id, "applicationGroups")
    builder = ResourceBuilder(id=group.id, type=APPLICATION_GROUP, account=subscription,
                              region=str(item.get("location") or GLOBAL_REGION),
                              name=group.name)
    arm_common(builder, item, ref, subscription, parsed)
    workspace = field_path(item, "workspaceArmPath")  # absent: in no workspace
    builder.set("Workspace", field_value(item, "workspaceArmPath"),
                at(ref, *workspace) if workspace else ref)
    for key, name in (("ApplicationGroupType", "applicationGroupType"),
                      ("HostPool", "hostPoolArmPath")):
        path = field_path(item, name)
        if path is None:
            builder.fail(key, not_collected(q.LIST_APPLICATION_GROUPS, f"the answer has no "
                                            f"{name} for this application group", ref))
        else:
            builder.set(key, field_value(item, name), at(ref, *path))
    if group.failure is not None:
        builder.fail("Assignments", group.failure)
    else:
        builder.set("Assignments", group.assignments, group.assignment_refs)
    return builder.build()
