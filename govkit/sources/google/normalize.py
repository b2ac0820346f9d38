"""Google Workspace users as account resources (``google.user``), one per user listed.

Each user carries the account vocabulary every identity source shares
(:data:`govkit.inventory.accounts.ACCOUNT_FIELDS`) and Google's own facts (OrgUnitPath,
Suspended, Archived, SuspensionReason, IsEnrolledIn2Sv, IsEnforcedIn2Sv), each traced to the
field of the users page it came from. Fail closed: when the users listing failed there are no
users, only a failed listing coverage; a lost groups or members listing fails Groups, a lost
audit-log query fails DisableEvents, DisableEventsSince and DisabledAt, on every user.

What Google does not say is a failure, never a guess: the Directory API has no per-user
listing of application assignments, so Applications is ``NotCollected`` on every user.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from govkit.inventory.accounts import emails
from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.snapshot import GLOBAL_REGION, CallRecord, Snapshot
from govkit.sources.google import api
from govkit.sources.google.activity import DisableLog, disable_log
from govkit.sources.google.membership import Memberships, memberships
from govkit.sources.google.records import (
    TenantRecords, body_ref, first_failure, iso, items, malformed, parse_time)
from govkit.sources.interface import NormalizeContext

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

At = Callable[..., Ref]  # a path under this user's entry → where it sits in the page


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    """Every tenant's users and the outcome of each users listing."""
    del ctx  # nothing about Google depends on the run's AWS accounts or regions
    for tenant in sorted({e.account for e in snapshot.select(api.SERVICE)}):
        yield from _tenant(TenantRecords(snapshot, tenant))


def _tenant(records: TenantRecords) -> Iterator[Resource | Coverage]:
    pages = records.listing(api.LIST_USERS, api.USERS_PATH)
    failure = _listing_failure(records, pages)
    yield Coverage(type=api.USER_TYPE, account=records.tenant, region=GLOBAL_REGION,
                   failure=failure, source=pages[0].entry.file if pages else None)
    if failure is not None:
        return
    groups, log = memberships(records), disable_log(records)
    applications = CallFailure(
        call=f"google:applications in {records.tenant}/global",
        operation="google:applications", code="NotCollected", file="",
        message="Google Directory does not list application assignments: the Admin SDK has "
                "no per-user listing of the apps a user can open")
    for page in pages:
        for index, user in enumerate(items(page, "users") or []):
            at = functools.partial(body_ref, page, "users", index)
            yield _user(records.tenant, user, at, groups, log, applications)


def _listing_failure(records: TenantRecords, pages: list[CallRecord]) -> CallFailure | None:
    if not pages:
        return records.token_failure("directory") or records.not_collected(
            api.LIST_USERS, "the users were not listed")
    failed = first_failure(pages)
    if failed is not None:
        return failed
    for page in pages:
        users = items(page, "users")
        if users is None:
            return malformed(page, "the body holds no list of users")
        for index, user in enumerate(users):
            if not all(isinstance(user.get(k), str) and user[k] for k in ("id", "primaryEmail")):
                return malformed(page, "a user without an id or primaryEmail", "users", index)
    return None


def _user(tenant: str, user: Mapping[str, Any], at: At, groups: Memberships, log: DisableLog,
          applications: CallFailure) -> Resource:
    builder = ResourceBuilder(id=f"google:{tenant}:user/{user['id']}", type=api.USER_TYPE,
                              account=tenant, region=GLOBAL_REGION, name=user["primaryEmail"],
                              item=at())
    addresses = _identity(builder, user, at)
    active = _status(builder, user, at)
    _disabling(builder, log, addresses, active, at)
    if groups.failure is not None:
        builder.fail("Groups", groups.failure)
    else:
        names, refs = groups.of(str(user["id"]), addresses)
        builder.set("Groups", names, refs)
    builder.fail("Applications", applications)
    builder.set("MfaFactors", mfa_factors(user), at("isEnrolledIn2Sv"))
    builder.set("Admin", user.get("isAdmin") is True or user.get("isDelegatedAdmin") is True,
                [at("isAdmin"), at("isDelegatedAdmin")])
    return builder.build()


def mfa_factors(user: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The second factors the Directory shows: only whether 2-Step Verification is enrolled.

    An enrolled user has one factor, ``{"Type": "2sv", "PhishingResistant": false}``. Which
    methods they use (security keys, passkeys, the Google prompt, codes) is not in the
    Directory user, so no Google factor is ever claimed phishing-resistant: a rule that
    demands phishing-resistant factors fails Google users rather than passing on a guess.
    """
    return [{"Type": "2sv", "PhishingResistant": False}] if user.get("isEnrolledIn2Sv") is True \
        else []


def _identity(builder: ResourceBuilder, user: Mapping[str, Any], at: At) -> list[str]:
    aliases = [e.get("address") for e in user.get("emails") or [] if isinstance(e, Mapping)]
    addresses = emails(user["primaryEmail"], [a for a in aliases if isinstance(a, str)])
    builder.set("System", api.SYSTEM, at())
    builder.set("Login", user["primaryEmail"], at("primaryEmail"))
    builder.set("Emails", addresses, [at("primaryEmail"), at("emails")])
    employee: tuple[str, Ref] | None = None
    others: list[str] = []
    external = user.get("externalIds")
    for index, entry in enumerate(external if isinstance(external, list) else []):
        value = entry.get("value") if isinstance(entry, Mapping) else None
        if value is None or value == "":
            continue
        if entry.get("type") == "organization" and employee is None:
            employee = (str(value), at("externalIds", index, "value"))
        elif entry.get("type") != "organization":
            others.append(str(value))
    builder.set("EmployeeId", employee[0] if employee else None,
                employee[1] if employee else at("externalIds"))
    builder.set("ExternalIds", others, at("externalIds"))
    builder.set("CreatedAt", iso(user.get("creationTime")), at("creationTime"))
    builder.set("LastSignInAt", last_sign_in(user.get("lastLoginTime")), at("lastLoginTime"))
    builder.set("OrgUnitPath", user.get("orgUnitPath"), at("orgUnitPath"))
    return addresses


def last_sign_in(value: Any) -> str | None:
    """``lastLoginTime``, or None for Google's never-signed-in value (the 1970 epoch)."""
    parsed = parse_time(value)
    if parsed == _EPOCH:
        return None
    return iso(value)


def _status(builder: ResourceBuilder, user: Mapping[str, Any], at: At) -> bool:
    suspended, archived = user.get("suspended") is True, user.get("archived") is True
    state = [at("suspended"), at("archived")]
    status = "archived" if archived else "suspended" if suspended else "active"
    builder.set("Active", not suspended and not archived, state)
    builder.set("Status", status, state)
    builder.set("Suspended", suspended, at("suspended"))
    builder.set("Archived", archived, at("archived"))
    builder.set("SuspensionReason", user.get("suspensionReason"), at("suspensionReason"))
    builder.set("IsEnrolledIn2Sv", user.get("isEnrolledIn2Sv") is True, at("isEnrolledIn2Sv"))
    builder.set("IsEnforcedIn2Sv", user.get("isEnforcedIn2Sv") is True, at("isEnforcedIn2Sv"))
    return not suspended and not archived


def _disabling(builder: ResourceBuilder, log: DisableLog, addresses: list[str], active: bool,
               at: At) -> None:
    """DisableEvents from the audit log; DisabledAt: for a user who is not active, the first
    disabling event in the window (null when it happened before ``DisableEventsSince``)."""
    if log.failure is not None:
        for key in ("DisableEvents", "DisableEventsSince", "DisabledAt"):
            builder.fail(key, log.failure)
        return
    events = log.of(addresses)
    builder.set("DisableEvents", [e.to_json() for e in events],
                [e.ref for e in events] or log.searched)
    builder.set("DisableEventsSince", log.since, log.since_refs or log.searched)
    state = [at("suspended"), at("archived")]
    if active or not events:
        builder.set("DisabledAt", None, state + ([] if active else log.searched))
    else:
        builder.set("DisabledAt", events[0].at, [events[0].ref, *state])
