"""IAM Identity Center users (``aws.identitystore.user``): the account vocabulary
(``govkit.inventory.accounts``), the groups each user is in, and which permission set it holds in
which account, directly or through a group.

What Identity Center does not keep is a failure on its attribute, never a guess: no last
sign-in (only CloudTrail has it), no disabling history, and MFA is enforced by the identity
source. A user whose ``UserStatus`` the answer leaves out (moto does) has ``Active`` failed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.accounts import emails
from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.snapshot import CallRecord, Snapshot
from govkit.sources.aws.normalize.account_fields import iso_time
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, not_collected, partition, ref, unread)
from govkit.sources.aws.normalize.identitycenter_directory import Assignment, Directory, directory
from govkit.sources.aws.services.identitycenter import (
    ENTERPRISE_EXTENSION, IDENTITY_STORE, SSO_ADMIN)
from govkit.sources.interface import NormalizeContext

TYPE = "aws.identitystore.user"
LISTING = "identitystore:ListUsers"
NOT_KEPT = {
    "LastSignInAt": "Identity Center keeps no last sign-in time: sign-ins are recorded only in "
                    "CloudTrail (signin.amazonaws.com and sso.amazonaws.com events), which "
                    "govkit does not collect",
    "DisableEvents": "Identity Center keeps no history of disabling a user: it is in "
                     "CloudTrail (identitystore UpdateUser events), which govkit does not "
                     "collect",
    "MfaFactors": "MFA is enforced by the identity source (the external IdP, or Identity "
                  "Center's own MFA settings) and not listed per user by identitystore; check "
                  "the IdP's users",
    "Admin": "whether a permission set grants administrator rights (its managed and inline "
             "policies) is not collected; PermissionSets names what the user holds",
    "Applications": "application assignments (sso-admin ListApplicationAssignmentsForPrincipal) "
                    "are not collected",
}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, SSO_ADMIN):
        sso = RecordSet(snapshot, SSO_ADMIN, account)
        store = RecordSet(snapshot, IDENTITY_STORE, account)
        instances = sso.of("ListInstances")
        yield from listing_coverage([*instances, *store.of("ListUsers")], TYPE)
        for record in instances:
            if not record.entry.ok:
                continue
            for index, instance in enumerate(record.response.get("Instances") or []):
                yield from _instance_users(sso, store, record, index, instance)


def _instance_users(sso: RecordSet, store: RecordSet, listing: CallRecord, index: int,
                    instance: Mapping[str, Any]) -> Iterator[Resource | Coverage]:
    store_id = str(instance.get("IdentityStoreId"))
    pages = [r for r in store.of("ListUsers") if r.entry.params.get("IdentityStoreId") == store_id]
    if not pages:
        entry = listing.entry
        yield Coverage(type=TYPE, account=entry.account, region=entry.region, source=entry.file,
                       failure=_absent(listing, f"the users of identity store {store_id} were "
                                       "not listed", "Instances", index))
        return
    if not all(p.entry.ok for p in pages):
        return  # the coverage failure makes every rule on the type ERROR
    found = directory(sso, store, str(instance.get("InstanceArn")), store_id)
    for page in pages:
        for position, user in enumerate(page.response.get("Users") or []):
            yield _user(page, position, user, found)


def _user(page: CallRecord, index: int, user: Mapping[str, Any], found: Directory) -> Resource:
    region = page.entry.region
    user_id = str(user["UserId"])
    name = str(user.get("UserName") or user_id)
    entry = ref(page, "Users", index)
    builder = ResourceBuilder(
        id=str(user.get("UserArn") or f"arn:{partition(region)}:identitystore:::user/{user_id}"),
        type=TYPE, account=page.entry.account, region=region, name=name, item=entry)
    listed = sorted(user.get("Emails") or [], key=lambda e: not e.get("Primary"))
    builder.update({
        "UserId": user_id, "UserName": user.get("UserName"),
        "DisplayName": user.get("DisplayName"), "IdentityStoreId": user.get("IdentityStoreId"),
        "InstanceArn": found.instance_arn, "System": "identitycenter", "Login": name,
        "Emails": emails([e.get("Value") for e in listed]),
        "ExternalIds": [str(e.get("Id")) for e in user.get("ExternalIds") or [] if e.get("Id")],
        "DisabledAt": None, "DisableEventsSince": None,
    }, entry)
    builder.set("CreatedAt", iso_time(user.get("CreatedAt")),
                ref(page, "Users", index, "CreatedAt"))
    _status(builder, page, index, user)
    _employee_id(builder, page, index, user)
    for key, why in NOT_KEPT.items():
        builder.fail(key, not_collected(LISTING, why))
    _groups(builder, user_id, found)
    _assignments(builder, user_id, found)
    return builder.build()


def _absent(page: CallRecord, message: str, *path: str | int) -> CallFailure:
    """The call answered, but without the value: as much an ERROR as a failed call."""
    return dataclasses.replace(unread(page, message, *path), code="NotCollected")


def _status(builder: ResourceBuilder, page: CallRecord, index: int,
            user: Mapping[str, Any]) -> None:
    status = user.get("UserStatus")
    if status is None:
        missing = _absent(page, f"the answer gives no UserStatus for {builder.name}: whether "
                          "the user is enabled is unknown", "Users", index)
        builder.fail("Active", missing).fail("Status", missing)
        return
    builder.update({"Active": status == "ENABLED", "Status": status},
                   ref(page, "Users", index, "UserStatus"))


def _employee_id(builder: ResourceBuilder, page: CallRecord, index: int,
                 user: Mapping[str, Any]) -> None:
    if ENTERPRISE_EXTENSION not in (page.entry.params.get("Extensions") or []):
        builder.fail("EmployeeId", not_collected(
            LISTING, "the enterprise extension (employeeNumber) was not asked for: the "
            "installed botocore does not know ListUsers' Extensions parameter; upgrade it"))
        return
    enterprise = (user.get("Extensions") or {}).get(ENTERPRISE_EXTENSION) or {}
    number = enterprise.get("employeeNumber") if isinstance(enterprise, Mapping) else None
    builder.set("EmployeeId", str(number) if number else None,
                ref(page, "Users", index, "Extensions", ENTERPRISE_EXTENSION, "employeeNumber"))


def _groups(builder: ResourceBuilder, user_id: str, found: Directory) -> None:
    if found.groups_failure is not None:
        builder.fail("Groups", found.groups_failure)
        return
    memberships = found.member_of.get(user_id, [])
    builder.set("Groups", sorted({found.group_name(g) for g, _ in memberships}),
                [*found.groups_source, *(where for _, where in memberships)])


def _assignments(builder: ResourceBuilder, user_id: str, found: Directory) -> None:
    held, why = found.held_by(user_id)
    if why is not None:
        builder.fail("PermissionSets", why).fail("Assignments", why)
        return
    names: dict[str, str] = {}
    refs: list[Ref] = list(found.assignments_source)
    memberships = dict(found.member_of.get(user_id, []))  # GroupId -> where it is listed
    for assignment in held:
        name, where = found.permission_sets[assignment.permission_set]
        names[assignment.permission_set] = name
        refs += [assignment.where, where]
        if assignment.principal_type == "GROUP":
            refs.append(memberships[assignment.principal_id])
    builder.set("PermissionSets", sorted(set(names.values())), refs)
    builder.set("Assignments", sorted(
        ({"AccountId": a.account, "PermissionSet": names[a.permission_set],
          "Via": _via(a, found)} for a in held),
        key=lambda item: (item["AccountId"], item["PermissionSet"], item["Via"])), refs)


def _via(assignment: Assignment, found: Directory) -> str:
    return "user" if assignment.principal_type == "USER" else \
        found.group_name(assignment.principal_id)
