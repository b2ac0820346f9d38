"""Okta users and groups from the snapshot: pure, deterministic, failing closed.

``okta.user`` (id ``okta:<tenant>:user/<userId>``) sets every attribute of the account
vocabulary (govkit.inventory.accounts) plus Okta's own fields (Status, UserType,
Organization, Department, Activated, StatusChanged, LastUpdated). ``okta.group`` (id
``okta:<tenant>:group/<groupId>``) has Description, Type, Created, LastMembershipUpdated and
Members (the member count). Okta has no tags: Tags is left uncollected, so a PHI-tag-scoped
rule on Okta users is an ERROR rather than silently out of scope.

What could not be read fails exactly what depended on it: a failed users listing gives a
failed coverage entry and no users (never an empty PASS); a failed group listing or member
page fails Groups on every user; a failed apps listing or app-users page fails Applications on
every user; a failed factors call fails that user's MfaFactors; a failed admin-assignees
call fails Admin on every user; a failed or malformed log page fails DisableEvents (and
DisableEventsSince) on every user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from govkit.inventory import accounts
from govkit.inventory.model import Coverage, Ref, Resource, ResourceBuilder
from govkit.snapshot import GLOBAL_REGION, CallRecord, Snapshot
from govkit.sources.interface import NormalizeContext
from govkit.sources.okta import api, lookups
from govkit.sources.okta.lookups import Lookup
from govkit.sources.okta.records import (
    TenantRecords, below, failure_of, items, mapping, okta_instant, whole_body)

DISABLED_STATUSES = frozenset({"SUSPENDED", "DEPROVISIONED"})
PHISHING_RESISTANT = frozenset({"webauthn", "u2f", "signed_nonce"})
USER_TYPE, GROUP_TYPE = "okta.user", "okta.group"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    """Every Okta user and group in ``snapshot``, with the coverage of their listings."""
    del ctx  # Okta needs nothing from the run beyond its records
    for tenant in sorted({e.account for e in snapshot.select("okta")}):
        records = TenantRecords(snapshot, tenant)
        memberships = lookups.groups(records)
        yield from _users(records, memberships)
        yield from _groups(records, memberships)


def _users(records: TenantRecords, memberships: Lookup) -> Iterator[Resource | Coverage]:
    tenant = records.tenant
    listing = records.listing(api.LIST_USERS, api.LIST_DEPROVISIONED_USERS)
    failed = failure_of(listing)
    if not listing:
        token = failure_of(records.listing(api.GET_ACCESS_TOKEN))
        failed = token or records.not_collected(api.LIST_USERS, "the users were not listed")
    if failed is not None:
        yield Coverage(type=USER_TYPE, account=tenant, region=GLOBAL_REGION, failure=failed)
        return
    yield Coverage(type=USER_TYPE, account=tenant, region=GLOBAL_REGION,
                   source=listing[0].entry.file)
    users = _by_id(listing)
    del listing  # each user's item of its page is let go once the user is built
    shared = {"Groups": memberships, "Applications": lookups.applications(records),
              "Admin": lookups.admins(records), "DisableEvents": lookups.disable_events(records)}
    factors = records.per_entity_entries(api.LIST_FACTORS)
    for user_id in sorted(users):
        ref, user = users.pop(user_id)
        builder = _user(tenant, user_id, ref, user)
        _shared(builder, user_id, shared)
        pages = factors.get(user_id)
        _factors(builder, records, user_id, ref, user, records.load(pages) if pages else None)
        yield builder.build()


def _by_id(listing: list[CallRecord]) -> dict[str, tuple[Ref, Mapping[str, Any]]]:
    """Each listed user with its place; a user deactivated between the two listings is in
    both, and the later one wins."""
    users: dict[str, tuple[Ref, Mapping[str, Any]]] = {}
    for page in listing:
        for ref, user in items(page):
            if isinstance(user.get("id"), str):
                users[user["id"]] = (ref, user)
    return users


def _user(tenant: str, user_id: str, ref: Ref, user: Mapping[str, Any]) -> ResourceBuilder:
    profile = mapping(user.get("profile"))

    def at(*path: str) -> Ref:
        return below(ref, user, *path)

    status = str(user.get("status") or "")
    login = profile.get("login")
    builder = ResourceBuilder(id=f"okta:{tenant}:user/{user_id}", type=USER_TYPE,
                              account=tenant, region=GLOBAL_REGION, name=str(login or user_id),
                              item=ref)
    builder.set("System", "okta", ref)
    builder.set("Login", login, at("profile", "login"))
    builder.set("Emails", accounts.emails(profile.get("email"), login, profile.get("secondEmail")),
                [at("profile", "email"), at("profile", "login"), at("profile", "secondEmail")])
    builder.set("EmployeeId", profile.get("employeeNumber") or None,
                at("profile", "employeeNumber"))
    external = profile.get("externalId")  # a custom attribute some orgs sync from their HRIS
    builder.set("ExternalIds", [str(external)] if external else [],
                at("profile", "externalId"))
    builder.set("Active", status not in DISABLED_STATUSES, at("status"))
    builder.set("Status", status or None, at("status"))
    builder.set("CreatedAt", okta_instant(user.get("created")), at("created"))
    builder.set("LastSignInAt", okta_instant(user.get("lastLogin")), at("lastLogin"))
    builder.set("DisabledAt", okta_instant(user.get("statusChanged"))
                if status in DISABLED_STATUSES else None, [at("statusChanged"), at("status")])
    for key, path in (("UserType", ("profile", "userType")),
                      ("Organization", ("profile", "organization")),
                      ("Department", ("profile", "department"))):
        builder.set(key, profile.get(path[1]), at(*path))
    for key, name in (("Activated", "activated"), ("StatusChanged", "statusChanged"),
                      ("LastUpdated", "lastUpdated")):
        builder.set(key, okta_instant(user.get(name)), at(name))
    return builder


_MAKERS: Mapping[str, Callable[[list[Any]], Any]] = {
    "Groups": lambda values: sorted(set(values)),
    "Applications": lambda values: sorted(set(values)),
    "Admin": lambda values: bool(values),
    "DisableEvents": lambda values: sorted(values, key=lambda e: (str(e["At"]),
                                                                  str(e["Event"]))),
}


def _shared(builder: ResourceBuilder, user_id: str, shared: Mapping[str, Lookup]) -> None:
    for key, lookup in shared.items():
        if lookup.failure is not None:
            builder.fail(key, lookup.failure)
            if key == "DisableEvents":
                builder.fail("DisableEventsSince", lookup.failure)
            continue
        found = lookup.by_user.get(user_id, [])
        refs = [r for _, refs in sorted(found, key=lambda f: repr(f[0])) for r in refs]
        builder.set(key, _MAKERS[key]([value for value, _ in found]),
                    refs or ([lookup.empty] if lookup.empty else []))
        if key == "DisableEvents":
            builder.set("DisableEventsSince", lookup.extra.get("since"),
                        lookup.extra["since_ref"])


def _factors(builder: ResourceBuilder, records: TenantRecords, user_id: str, ref: Ref,
             user: Mapping[str, Any], pages: list[CallRecord] | None) -> None:
    """Enrolled, ACTIVE factors; a deactivated user's are not read (it cannot sign in)."""
    if user.get("status") == "DEPROVISIONED":
        builder.fail("MfaFactors", records.not_collected(
            api.LIST_FACTORS, "factors are not read for DEPROVISIONED (deactivated) users",
            below(ref, user, "status")))
        return
    if not pages:
        builder.fail("MfaFactors", records.not_collected(
            api.LIST_FACTORS, f"the factors of user {user_id} were not read", ref))
        return
    failed = failure_of(pages)
    if failed is not None:
        builder.fail("MfaFactors", failed)
        return
    found: list[dict[str, Any]] = []
    refs: list[Ref] = []
    for page in pages:
        for factor_ref, factor in items(page):
            if factor.get("status") == "ACTIVE":
                kind = str(factor.get("factorType") or "")
                found.append({"Type": kind, "PhishingResistant": kind in PHISHING_RESISTANT})
                refs.append(factor_ref)
    builder.set("MfaFactors", found, refs or [whole_body(pages[0])])


def _groups(records: TenantRecords, memberships: Lookup) -> Iterator[Resource | Coverage]:
    tenant = records.tenant
    listing = records.listing(api.LIST_GROUPS)
    if not listing:
        return
    failed = failure_of(listing)
    yield Coverage(type=GROUP_TYPE, account=tenant, region=GLOBAL_REGION, failure=failed,
                   source=None if failed else listing[0].entry.file)
    if failed is not None:
        return
    for page in listing:
        for ref, group in items(page):
            group_id = str(group.get("id"))
            profile = mapping(group.get("profile"))
            builder = ResourceBuilder(id=f"okta:{tenant}:group/{group_id}", type=GROUP_TYPE,
                                      account=tenant, region=GLOBAL_REGION,
                                      name=str(profile.get("name") or group_id))
            builder.set("Description", profile.get("description"),
                        below(ref, group, "profile", "description"))
            builder.set("Type", group.get("type"), below(ref, group, "type"))
            builder.set("Created", okta_instant(group.get("created")),
                        below(ref, group, "created"))
            builder.set("LastMembershipUpdated",
                        okta_instant(group.get("lastMembershipUpdated")),
                        below(ref, group, "lastMembershipUpdated"))
            counted = memberships.extra.get(group_id)
            if isinstance(counted, tuple):
                builder.set("Members", counted[0], counted[1])
            else:
                builder.fail("Members", counted or records.not_collected(
                    api.LIST_GROUP_MEMBERS, "the members were not read", ref))
            yield builder.build()
