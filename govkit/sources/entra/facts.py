"""What the tenant-wide listings say about each user: group memberships, application
assignments, MFA registration, disabling events in the audit log, and whether the app may read
employeeLeaveDateTime. Each is computed once per tenant; a listing that failed fails the
attribute it feeds on every user (the failure is the value), never an empty answer."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from govkit.inventory.model import CallFailure, Ref, json_pointer
from govkit.sources.entra import queries as q
from govkit.sources.entra.listings import Records, utc
from govkit.sources.linked_pages import Listing, body_of, failure_of

# methodsRegistered values that are no second factor (self-service password reset only, or
# legacy app passwords that bypass MFA), and those bound to the origin (phishing-resistant).
NOT_MFA = frozenset({"email", "securityQuestion", "appPassword"})
PHISHING_RESISTANT = frozenset({
    "fido2", "fido2SecurityKey", "windowsHelloForBusiness", "passKeyDeviceBound",
    "passKeyDeviceBoundAuthenticator", "passKeyDeviceBoundWindowsHello",
    "macOsSecureEnclaveKey", "passKeySynced"})


def not_collected(operation: str, message: str, ref: Ref | None = None, *,
                  call: str | None = None) -> CallFailure:
    return CallFailure.not_collected(q.SERVICE, operation, message, ref, call=call)


def _all_ok(listings: list[Listing], operation: str) -> CallFailure | None:
    if not listings:
        return not_collected(operation, f"{operation} was never called")
    return next((lst.failure for lst in listings if lst.failure is not None), None)


def _head_ref(listings: list[Listing]) -> Ref:
    return Ref(listings[0].head.entry.file) if listings else Ref("")


@dataclass
class Memberships:
    """Group names, and which groups each object (user or group) is a direct member of."""

    failure: CallFailure | None = None
    names: dict[str, tuple[str, Ref]] = field(default_factory=dict)
    parents: dict[str, list[tuple[str, Ref]]] = field(default_factory=lambda: defaultdict(list))
    listing: Ref = Ref("")

    def direct(self, object_id: str) -> list[tuple[str, Ref]]:
        return self.parents.get(object_id, [])

    def of(self, user_id: str) -> tuple[list[str], list[Ref]]:
        """Names of the groups ``user_id`` belongs to, directly or through nested groups."""
        seen: dict[str, list[Ref]] = {}
        todo = [user_id]
        while todo:
            for group_id, ref in self.direct(todo.pop()):
                if group_id not in seen:
                    seen[group_id] = [ref, self.names[group_id][1]]
                    todo.append(group_id)
        ordered = sorted(seen, key=lambda g: self.names[g][0].lower())
        refs = [ref for g in ordered for ref in seen[g]]
        return [self.names[g][0] for g in ordered], refs or [self.listing]


def memberships(records: Records) -> Memberships:
    groups = records.listings(q.LIST_GROUPS)
    found = Memberships(failure=_all_ok(groups, q.LIST_GROUPS), listing=_head_ref(groups))
    if found.failure:
        return found
    for item, ref in groups[-1].items():
        found.names[str(item.get("id"))] = (str(item.get("displayName") or item.get("id")),
                                            Ref(ref.file, ref.pointer + "/displayName"))
    members = {q.owner_id(lst.path, q.GROUPS_PATH): lst
               for lst in records.listings(q.LIST_GROUP_MEMBERS)}
    for group_id in found.names:
        listing = members.get(group_id)
        if listing is None or listing.failure is not None:
            found.failure = listing.failure if listing else not_collected(
                q.LIST_GROUP_MEMBERS, f"the members of group {group_id} were not collected",
                found.names[group_id][1])
            return found
        for member, ref in listing.items():
            found.parents[str(member.get("id"))].append((group_id, ref))
    return found


@dataclass
class Assignments:
    """Applications assigned to each user directly, and to each group."""

    failure: CallFailure | None = None
    by_principal: dict[str, list[tuple[str, Ref]]] = field(
        default_factory=lambda: defaultdict(list))
    group_assigned: bool = False
    listing: Ref = Ref("")

    def of(self, user_id: str, groups: Memberships) -> tuple[list[str], list[Ref]] | CallFailure:
        """Applications of a user: assigned to it, or to a group it is a direct member of
        (Entra does not pass a group's assignments on to members of nested groups)."""
        if self.failure is not None:
            return self.failure
        if self.group_assigned and groups.failure is not None:
            return groups.failure  # who is in the assigned groups is unknown
        found = list(self.by_principal.get(user_id, []))
        for group_id, member_ref in groups.direct(user_id):
            found += [(name, ref) for name, ref in self.by_principal.get(group_id, [])]
            if group_id in self.by_principal:
                found.append(("", member_ref))
        names = sorted({name for name, _ in found if name}, key=str.lower)
        return names, [ref for _, ref in found] or [self.listing]


def assignments(records: Records) -> Assignments:
    principals = records.listings(q.LIST_SERVICE_PRINCIPALS)
    found = Assignments(failure=_all_ok(principals, q.LIST_SERVICE_PRINCIPALS),
                        listing=_head_ref(principals))
    if found.failure:
        return found
    assigned = {q.owner_id(lst.path, q.SERVICE_PRINCIPALS_PATH): lst
                for lst in records.listings(q.LIST_APP_ROLE_ASSIGNED_TO)}
    for principal, principal_ref in principals[-1].items():
        listing = assigned.get(str(principal.get("id")))
        if listing is None or listing.failure is not None:
            found.failure = listing.failure if listing else not_collected(
                q.LIST_APP_ROLE_ASSIGNED_TO, f"the assignments of application "
                f"{principal.get('displayName')} were not collected", principal_ref)
            return found
        for item, ref in listing.items():
            kind = str(item.get("principalType") or "")
            if kind not in ("User", "Group"):
                continue
            found.group_assigned |= kind == "Group"
            name = str(item.get("resourceDisplayName") or principal.get("displayName") or "")
            found.by_principal[str(item.get("principalId"))].append(
                (name, Ref(ref.file, ref.pointer + "/resourceDisplayName")))
    return found


@dataclass
class Registrations:
    """Each user's entry in the authentication methods registration report."""

    failure: CallFailure | None
    entries: dict[str, tuple[Mapping[str, Any], Ref]]
    listing: Ref

    def of(self, user_id: str) -> tuple[Mapping[str, Any], Ref] | CallFailure:
        if self.failure is not None:
            return self.failure
        if user_id not in self.entries:  # the report leaves disabled accounts out
            return CallFailure(
                call=f"{q.SERVICE}:{q.LIST_REGISTRATION_DETAILS}",
                operation=f"{q.SERVICE}:{q.LIST_REGISTRATION_DETAILS}", code="NotInReport",
                message="the authentication methods registration report has no entry for "
                        "this user (Graph leaves disabled accounts out of it)",
                file=self.listing.file)
        return self.entries[user_id]


def registrations(records: Records) -> Registrations:
    listings = records.listings(q.LIST_REGISTRATION_DETAILS)
    failure = _all_ok(listings, q.LIST_REGISTRATION_DETAILS)
    entries = {} if failure else {str(item.get("id")): (item, ref)
                                  for item, ref in listings[-1].items()}
    return Registrations(failure, entries, _head_ref(listings))


def mfa_factors(methods: Any) -> list[dict[str, Any]]:
    return [{"Type": str(m), "PhishingResistant": m in PHISHING_RESISTANT}
            for m in (methods if isinstance(methods, list) else []) if m not in NOT_MFA]


@dataclass
class DisableEvent:
    at: str
    event: str
    actor: str | None
    ref: Ref

    def to_item(self) -> dict[str, Any]:
        return {"At": self.at, "Event": self.event, "Actor": self.actor}


@dataclass
class Audits:
    """Disabling events per user, and the window the audit log was searched over."""

    failure: CallFailure | None
    events: dict[str, list[DisableEvent]]
    since: str | None
    since_ref: Ref
    listings: list[Ref]


def audits(records: Records) -> Audits:
    listings = records.listings(q.LIST_DIRECTORY_AUDITS)
    failure = _all_ok(listings, q.LIST_DIRECTORY_AUDITS)
    since = q.audit_since(listings[0].query.get("$filter")) if listings else None
    since_ref = Ref(listings[0].head.entry.file, json_pointer("params", "query", "$filter")) \
        if listings else Ref("")
    events: dict[str, list[DisableEvent]] = defaultdict(list)
    seen: set[str] = set()
    for listing in [] if failure else listings:
        for item, ref in listing.items():
            if str(item.get("id")) in seen or not _disabling(item):
                continue
            seen.add(str(item.get("id")))
            for target in item.get("targetResources") or []:
                if str(target.get("type") or target.get("Type") or "").lower() == "user":
                    events[str(target.get("id"))].append(DisableEvent(
                        utc(item.get("activityDateTime")) or "",
                        str(item.get("activityDisplayName")),
                        _actor(item), Ref(ref.file, ref.pointer + "/activityDateTime")))
    for found in events.values():
        found.sort(key=lambda e: e.at)
    return Audits(failure, events, since, since_ref, [Ref(lst.head.entry.file)
                                                     for lst in listings])


def _disabling(item: Mapping[str, Any]) -> bool:
    if str(item.get("result") or "success").lower() != "success":
        return False
    activity = item.get("activityDisplayName")
    if activity in (q.DISABLE_ACCOUNT, q.DELETE_USER):
        return True
    if activity != q.UPDATE_USER:
        return False
    return any(str(p.get("displayName")) == "AccountEnabled" and _false(p.get("newValue"))
               for t in item.get("targetResources") or []
               for p in t.get("modifiedProperties") or [])


def _false(value: Any) -> bool:
    """Audit values are JSON text of a list: ``"[false]"`` (or ``"[\\"False\\"]"``)."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        parsed = value
    first = parsed[0] if isinstance(parsed, list) and parsed else parsed
    return first is False or str(first).lower() == "false"


def _actor(item: Mapping[str, Any]) -> str | None:
    initiated = item.get("initiatedBy") or {}
    user, app = initiated.get("user") or {}, initiated.get("app") or {}
    return user.get("userPrincipalName") or app.get("displayName") or None


def leave_date_permission(records: Records) -> CallFailure | None:
    """None when the app holds a permission to read employeeLeaveDateTime; else why not."""
    graph = records.of(q.GET_GRAPH_SERVICE_PRINCIPAL)
    own = records.listings(q.LIST_OWN_APP_ROLE_ASSIGNMENTS)
    if not graph:
        return not_collected(q.GET_GRAPH_SERVICE_PRINCIPAL, "Microsoft Graph's permissions "
                             "were not read, so the grant of User-LifeCycleInfo.Read.All is "
                             "unknown")
    if not graph[-1].entry.ok:
        return failure_of(graph[-1])
    failure = _all_ok(own, q.LIST_OWN_APP_ROLE_ASSIGNMENTS)
    if failure:
        return failure
    body = body_of(graph[-1])
    roles = {str(r.get("id")): str(r.get("value")) for r in body.get("appRoles") or []}
    granted = {roles.get(str(item.get("appRoleId")), "") for item, _ in own[-1].items()
               if str(item.get("resourceId")) == str(body.get("id"))}
    if granted & q.LIFECYCLE_PERMISSIONS:
        return None
    return not_collected(
        q.LIST_OWN_APP_ROLE_ASSIGNMENTS, "the app is not granted User-LifeCycleInfo.Read.All, "
        "and without it Graph answers employeeLeaveDateTime with null",
        Ref(own[-1].head.entry.file, "/response/body/value"))
