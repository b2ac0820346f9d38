"""Entra users from the recorded Graph answers: one ``entra.user`` per user of each tenant.

Every user sets the account vocabulary of govkit.inventory.accounts (System "entra") plus
Graph's own facts (UserType, EmployeeType, CompanyName, Department, DisplayName,
EmployeeHireDate, EmployeeLeaveDateTime, LastSignInAttemptAt, LastNonInteractiveSignInAt,
MfaRegistered). Each value has a Ref to the place it was read; each value that could not be
read is a failure naming the call:

- the users listing failed: the tenant's ``entra.user`` coverage is that failure, no users;
- signInActivity refused (no Entra ID P1/P2 licence, or no AuditLog.Read.All): LastSignInAt,
  LastSignInAttemptAt and LastNonInteractiveSignInAt fail on every user, all pointing at the
  one refused call;
- groups, app role assignments, the registration report, the directory audits: a failed
  listing fails Groups, Applications, MfaFactors/Admin/MfaRegistered, DisableEvents/DisabledAt
  on every user; a user the registration report leaves out (Graph omits disabled accounts)
  has MfaFactors, Admin and MfaRegistered failed as NotInReport;
- employeeLeaveDateTime without User-LifeCycleInfo.Read.All (Graph answers null): fails.

LastSignInAt is signInActivity.lastSuccessfulSignInDateTime, which counts successful sign-ins
of any kind (interactive or not) and excludes failed attempts; null means no successful
sign-in is on record (Graph fills it since December 2023 only, and nothing else stands in for
it: lastSignInDateTime includes failed attempts). DisabledAt is the earliest disabling audit
event in the window for a disabled account ("Disable account", "Delete user", or "Update user"
setting AccountEnabled to false), else null.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from govkit.inventory import accounts
from govkit.inventory.model import (
    CallFailure, Coverage, Ref, Resource, ResourceBuilder, json_pointer)
from govkit.snapshot import GLOBAL_REGION, Snapshot
from govkit.sources.entra import facts
from govkit.sources.entra import queries as q
from govkit.sources.entra.listings import Records, utc
from govkit.sources.linked_pages import Listing, failure_of
from govkit.sources.interface import NormalizeContext

RESOURCE_TYPE = "entra.user"
SIGN_IN_FIELDS = {"LastSignInAt": "lastSuccessfulSignInDateTime",
                  "LastSignInAttemptAt": "lastSignInDateTime",
                  "LastNonInteractiveSignInAt": "lastNonInteractiveSignInDateTime"}
GRAPH_FIELDS = {"UserType": "userType", "EmployeeType": "employeeType",
                "CompanyName": "companyName", "Department": "department",
                "DisplayName": "displayName", "EmployeeId": "employeeId",
                "Login": "userPrincipalName"}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for tenant in sorted({e.account for e in snapshot.select(q.SERVICE)}):
        yield from _tenant(Records(snapshot, q.SERVICE, tenant), tenant)


@dataclass(frozen=True)
class _Tenant:
    tenant: str
    listing: Listing
    sign_in_refused: CallFailure | None
    groups: facts.Memberships
    apps: facts.Assignments
    mfa: facts.Registrations
    audits: facts.Audits
    leave_date: CallFailure | None


def _tenant(records: Records, tenant: str) -> Iterator[Resource | Coverage]:
    listing, refused, failure = _users_listing(records)
    if listing is None or failure is not None:
        yield Coverage(type=RESOURCE_TYPE, account=tenant, region=GLOBAL_REGION,
                       failure=failure, source=listing.head.entry.file if listing else None)
        return
    yield Coverage(type=RESOURCE_TYPE, account=tenant, region=GLOBAL_REGION,
                   source=listing.head.entry.file)
    known = _Tenant(tenant, listing, refused, facts.memberships(records),
                    facts.assignments(records), facts.registrations(records),
                    facts.audits(records), facts.leave_date_permission(records))
    for user, ref in listing.items():
        yield _user(known, user, ref)


def _users_listing(records: Records
                   ) -> tuple[Listing | None, CallFailure | None, CallFailure | None]:
    """(the users listing to read, why signInActivity is missing, why users are missing)."""
    found = records.listings(q.LIST_USERS)
    with_sign_in = [lst for lst in found if q.selects_sign_in(lst.query)]
    without = [lst for lst in found if not q.selects_sign_in(lst.query)]
    if with_sign_in and with_sign_in[-1].ok:
        return with_sign_in[-1], None, None
    if without:
        refused = _refusal(with_sign_in[-1]) if with_sign_in else facts.not_collected(
            q.LIST_USERS, "the users were listed without signInActivity")
        return without[-1], refused, without[-1].failure
    if with_sign_in:
        return with_sign_in[-1], None, with_sign_in[-1].failure
    tokens = records.of(q.ACQUIRE_TOKEN)
    if tokens:
        return None, None, failure_of(tokens[-1])
    return None, None, facts.not_collected(q.LIST_USERS, "the users were never listed")


def _refusal(listing: Listing) -> CallFailure:
    """The refused signInActivity call, with Graph's reason and what it needs."""
    page = listing.pages[-1]
    try:
        error = json.loads(page.error_message or "").get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    reason = f"{error.get('code')}: {error.get('message')}" if error.get("code") else \
        (page.error_message or "refused")
    return failure_of(page, f"{reason} (Graph gives signInActivity only to an app holding "
                            "AuditLog.Read.All, in a tenant with a Microsoft Entra ID P1 or "
                            "P2 licence)")


def _at(ref: Ref, *path: str) -> Ref:
    return Ref(ref.file, ref.pointer + json_pointer(*path))


def _user(known: _Tenant, user: Mapping[str, Any], ref: Ref) -> Resource:
    user_id = str(user.get("id"))
    upn = str(user.get("userPrincipalName") or user_id)
    builder = ResourceBuilder(id=f"entra:{known.tenant}:user/{user_id}", type=RESOURCE_TYPE,
                              account=known.tenant, region=GLOBAL_REGION, name=upn, item=ref)
    read = _Reader(builder, user, ref, known.listing)
    builder.set("System", "entra", ref)
    for key, prop in GRAPH_FIELDS.items():
        read(key, prop)
    login = user.get("userPrincipalName")  # a guest's (x_domain#EXT#@tenant) is no mailbox
    builder.set("Emails", accounts.emails(user.get("mail"), None if "#EXT#" in str(login)
                                          else login, user.get("otherMails")),
                [_at(ref, "mail"), _at(ref, "userPrincipalName"), _at(ref, "otherMails")])
    read("ExternalIds", "onPremisesImmutableId", lambda v: [str(v)] if v else [])
    read("Active", "accountEnabled", lambda v: v is True)
    read("Status", "accountEnabled", lambda v: "enabled" if v is True else "disabled")
    for key, prop in (("CreatedAt", "createdDateTime"), ("EmployeeHireDate", "employeeHireDate")):
        read(key, prop, utc)
    if known.leave_date is not None:
        builder.fail("EmployeeLeaveDateTime", known.leave_date)
    else:
        read("EmployeeLeaveDateTime", "employeeLeaveDateTime", utc)
    _sign_in(builder, read, known.sign_in_refused)
    _groups_and_apps(builder, known, user_id)
    _registration(builder, known.mfa.of(user_id))
    _disabling(builder, known.audits, user_id, user.get("accountEnabled"), ref)
    return builder.build()


class _Reader:
    """Sets attributes from the user's selected properties; a property Graph's answer does
    not carry at all (an export made without it) fails the attribute."""

    def __init__(self, builder: ResourceBuilder, user: Mapping[str, Any], ref: Ref,
                 listing: Listing) -> None:
        self.builder, self.user, self.ref, self.listing = builder, user, ref, listing

    def __call__(self, key: str, prop: str, convert: Callable[[Any], Any] | None = None,
                 *path: str) -> None:
        node: Any = self.user
        for part in (prop, *path):
            if not isinstance(node, Mapping) or part not in node:
                entry = self.listing.head.entry
                self.builder.fail(key, facts.not_collected(
                    entry.operation, f"Graph's answer has no {'.'.join((prop, *path))} for "
                    "this user", self.ref, call=entry.describe()))
                return
            node = node[part]
        self.builder.set(key, convert(node) if convert else node, _at(self.ref, prop, *path))


def _sign_in(builder: ResourceBuilder, read: _Reader, refused: CallFailure | None) -> None:
    for key, prop in SIGN_IN_FIELDS.items():
        if refused is not None:
            builder.fail(key, refused)
        elif isinstance(read.user.get(q.SIGN_IN_ACTIVITY), Mapping):
            read(key, q.SIGN_IN_ACTIVITY, utc, prop)
        else:  # selected and null: no sign-in activity on record
            read(key, q.SIGN_IN_ACTIVITY, lambda _v: None)


def _groups_and_apps(builder: ResourceBuilder, known: _Tenant, user_id: str) -> None:
    if known.groups.failure is not None:
        builder.fail("Groups", known.groups.failure)
    else:
        names, refs = known.groups.of(user_id)
        builder.set("Groups", names, refs)
    apps = known.apps.of(user_id, known.groups)
    if isinstance(apps, CallFailure):
        builder.fail("Applications", apps)
    else:
        builder.set("Applications", apps[0], apps[1])


def _registration(builder: ResourceBuilder,
                  entry: tuple[Mapping[str, Any], Ref] | CallFailure) -> None:
    if isinstance(entry, CallFailure):
        for key in ("MfaFactors", "Admin", "MfaRegistered"):
            builder.fail(key, entry)
        return
    item, ref = entry
    for key, prop, convert in (("MfaFactors", "methodsRegistered", facts.mfa_factors),
                               ("Admin", "isAdmin", _is_true),
                               ("MfaRegistered", "isMfaRegistered", _is_true)):
        if prop in item:
            builder.set(key, convert(item[prop]), _at(ref, prop))
        else:
            builder.fail(key, facts.not_collected(
                q.LIST_REGISTRATION_DETAILS, f"the registration report has no {prop} for "
                "this user", ref))


def _is_true(value: Any) -> bool:
    return value is True


def _disabling(builder: ResourceBuilder, audits: facts.Audits, user_id: str, enabled: Any,
               user_ref: Ref) -> None:
    if audits.since is None and audits.failure is not None:  # never searched
        builder.fail("DisableEventsSince", audits.failure)
    else:
        builder.set("DisableEventsSince", audits.since, audits.since_ref)
    if audits.failure is not None:
        builder.fail("DisableEvents", audits.failure).fail("DisabledAt", audits.failure)
        return
    events = audits.events.get(user_id, [])
    builder.set("DisableEvents", [e.to_item() for e in events],
                [e.ref for e in events] or audits.listings)
    enabled_ref = _at(user_ref, "accountEnabled")
    if enabled is True or not events:
        builder.set("DisabledAt", None, [enabled_ref, *audits.listings])
    else:
        builder.set("DisabledAt", utc(events[0].at), [events[0].ref, enabled_ref])
