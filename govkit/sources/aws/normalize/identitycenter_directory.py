"""One Identity Center instance's groups, memberships, permission sets and account
assignments, read from its records once and indexed, with why each part is unknown when it is.

A user's groups are unknown when any group's members could not be read (the user may be in
it); the permission sets a user holds are unknown when any permission set's assignments could
not be read, or a group holding one could not be read, or the name of one it holds is unknown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from govkit.inventory.model import CallFailure, Ref
from govkit.snapshot import CallRecord
from govkit.sources.aws.normalize.common import RecordSet, failure, not_collected, ref, unread


@dataclass(frozen=True)
class Assignment:
    account: str
    permission_set: str  # ARN
    principal_type: str  # USER or GROUP
    principal_id: str
    where: Ref


@dataclass
class Directory:
    instance_arn: str
    groups: dict[str, str] = field(default_factory=dict)  # GroupId -> DisplayName
    groups_source: list[Ref] = field(default_factory=list)
    groups_listing_failure: CallFailure | None = None
    unknown_members: dict[str, CallFailure] = field(default_factory=dict)  # by GroupId
    member_of: dict[str, list[tuple[str, Ref]]] = field(default_factory=dict)  # by UserId
    permission_sets: dict[str, tuple[str, Ref]] = field(default_factory=dict)  # ARN -> name
    unnamed: dict[str, CallFailure] = field(default_factory=dict)
    assignments: list[Assignment] = field(default_factory=list)
    assignments_source: list[Ref] = field(default_factory=list)
    assignments_failure: CallFailure | None = None

    @property
    def groups_failure(self) -> CallFailure | None:
        """Why a user's groups are unknown, if they are."""
        if self.groups_listing_failure is not None:
            return self.groups_listing_failure
        return next(iter(self.unknown_members.values()), None)

    def group_name(self, group_id: str) -> str:
        return self.groups.get(group_id, group_id)

    def held_by(self, user_id: str) -> tuple[list[Assignment], CallFailure | None]:
        """The assignments a user holds, directly or through a group, or why not known."""
        if self.assignments_failure is not None:
            return [], self.assignments_failure
        groups = {group for group, _ in self.member_of.get(user_id, [])}
        held: list[Assignment] = []
        for assignment in self.assignments:
            principal = assignment.principal_id
            if assignment.principal_type == "USER" and principal != user_id:
                continue
            if assignment.principal_type == "GROUP" and principal not in groups:
                why = self._members_unknown(principal)
                if why is not None:
                    return [], why
                continue
            if assignment.principal_type not in ("USER", "GROUP"):
                continue
            if assignment.permission_set in self.unnamed:
                return [], self.unnamed[assignment.permission_set]
            held.append(assignment)
        return held, None

    def _members_unknown(self, group_id: str) -> CallFailure | None:
        if self.groups_listing_failure is not None:
            return self.groups_listing_failure
        if group_id in self.unknown_members:
            return self.unknown_members[group_id]
        if group_id not in self.groups:
            return not_collected("identitystore:ListGroupMemberships",
                                 f"group {group_id} holds an assignment but is not among the "
                                 "listed groups, so its members were not read")
        return None


def _of(records: RecordSet, operation: str, **params: str) -> list[CallRecord]:
    return [r for r in records.of(operation)
            if all(r.entry.params.get(k) == v for k, v in params.items())]


def _first_failure(pages: list[CallRecord], operation: str, what: str) -> CallFailure | None:
    if not pages:
        return not_collected(operation, f"{what} were not listed")
    failed = next((p for p in pages if not p.entry.ok), None)
    return None if failed is None else failure(failed)


def _listed(pages: list[CallRecord], key: str) -> Iterator[tuple[CallRecord, int, Any]]:
    for page in pages:
        for index, item in enumerate(page.response.get(key) or []):
            yield page, index, item


def directory(sso: RecordSet, store: RecordSet, instance_arn: str, store_id: str) -> Directory:
    found = Directory(instance_arn)
    _read_groups(found, store, store_id)
    _read_permission_sets(found, sso, instance_arn)
    return found


def _read_groups(found: Directory, store: RecordSet, store_id: str) -> None:
    pages = _of(store, "ListGroups", IdentityStoreId=store_id)
    found.groups_listing_failure = _first_failure(pages, "identitystore:ListGroups",
                                                  f"the groups of identity store {store_id}")
    if found.groups_listing_failure is not None:
        return
    found.groups_source = [ref(page, "Groups") for page in pages]
    members: dict[str, list[CallRecord]] = defaultdict(list)
    for record in _of(store, "ListGroupMemberships", IdentityStoreId=store_id):
        members[str(record.entry.params.get("GroupId"))].append(record)
    for page, index, group in _listed(pages, "Groups"):
        group_id = str(group["GroupId"])
        found.groups[group_id] = str(group.get("DisplayName") or group_id)
        listing = members.get(group_id, [])
        if not listing:
            found.unknown_members[group_id] = unread(
                page, f"the members of group {found.groups[group_id]} were not listed",
                "Groups", index)
            continue
        failed = next((p for p in listing if not p.entry.ok), None)
        if failed is not None:
            found.unknown_members[group_id] = failure(failed)
            continue
        for member_page, position, membership in _listed(listing, "GroupMemberships"):
            user = (membership.get("MemberId") or {}).get("UserId")
            if user:
                found.member_of.setdefault(str(user), []).append(
                    (group_id, ref(member_page, "GroupMemberships", position)))


def _read_permission_sets(found: Directory, sso: RecordSet, instance_arn: str) -> None:
    pages = _of(sso, "ListPermissionSets", InstanceArn=instance_arn)
    found.assignments_failure = _first_failure(pages, "sso-admin:ListPermissionSets",
                                               f"the permission sets of {instance_arn}")
    if found.assignments_failure is not None:
        return
    found.assignments_source = [ref(page, "PermissionSets") for page in pages]
    described = {r.entry.params.get("PermissionSetArn"): r
                 for r in _of(sso, "DescribePermissionSet", InstanceArn=instance_arn)}
    accounts: dict[str, list[CallRecord]] = defaultdict(list)
    for record in _of(sso, "ListAccountsForProvisionedPermissionSet", InstanceArn=instance_arn):
        accounts[str(record.entry.params.get("PermissionSetArn"))].append(record)
    assigned: dict[tuple[str, str], list[CallRecord]] = defaultdict(list)
    for record in _of(sso, "ListAccountAssignments", InstanceArn=instance_arn):
        params = record.entry.params
        assigned[(str(params.get("PermissionSetArn")), str(params.get("AccountId")))].append(
            record)
    for page, index, arn in _listed(pages, "PermissionSets"):
        arn = str(arn)
        _name(found, described.get(arn), page, index, arn)
        listing = accounts.get(arn, [])
        why = _read_assignments(found, arn, listing, assigned) if listing else unread(
            page, f"the accounts of permission set {arn} were not listed", "PermissionSets",
            index)
        if why is not None and found.assignments_failure is None:
            found.assignments_failure = why


def _name(found: Directory, record: CallRecord | None, page: CallRecord, index: int,
          arn: str) -> None:
    if record is None:
        found.unnamed[arn] = unread(page, f"permission set {arn} was not described",
                                    "PermissionSets", index)
    elif not record.entry.ok:
        found.unnamed[arn] = failure(record)
    else:
        name = (record.response.get("PermissionSet") or {}).get("Name") or arn
        found.permission_sets[arn] = (str(name), ref(record, "PermissionSet", "Name"))


def _read_assignments(found: Directory, arn: str, pages: list[CallRecord],
                      assigned: Mapping[tuple[str, str], list[CallRecord]]
                      ) -> CallFailure | None:
    failed = next((p for p in pages if not p.entry.ok), None)
    if failed is not None:
        return failure(failed)
    for page, index, account in _listed(pages, "AccountIds"):
        listing = assigned.get((arn, str(account)), [])
        if not listing:
            return unread(page, f"the assignments of {arn} in account {account} were not "
                          "listed", "AccountIds", index)
        broken = next((p for p in listing if not p.entry.ok), None)
        if broken is not None:
            return failure(broken)
        for item_page, position, item in _listed(listing, "AccountAssignments"):
            found.assignments.append(Assignment(
                account=str(item.get("AccountId") or account),
                permission_set=arn,
                principal_type=str(item.get("PrincipalType")),
                principal_id=str(item.get("PrincipalId")),
                where=ref(item_page, "AccountAssignments", position)))
    return None
