"""Per-user facts that come from org-wide reads: group memberships, app assignments, admin
role holders and System Log events.

Each is a :class:`Lookup`: the values for each user with the Refs they came from, or one
failure that leaves them unknown for every user (a failed group listing or member page, a
failed app listing, a failed assignees call, a failed or malformed log page). A partial
answer is never used: a user missing from a half-read listing must not look clean.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from govkit.inventory.model import CallFailure, Ref
from govkit.sources.okta import api
from govkit.sources.okta.records import (
    TenantRecords, below, failure_of, items, mapping, okta_instant, whole_body)


@dataclass(frozen=True)
class Lookup:
    """Values per user id, each with its Refs; ``empty`` is what was read to learn that a user
    has none; ``failure`` leaves every user's value unknown."""

    by_user: Mapping[str, list[tuple[Any, tuple[Ref, ...]]]] = field(default_factory=dict)
    empty: Ref | None = None
    failure: CallFailure | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def _missing(records: TenantRecords, operation: str, what: str) -> Lookup:
    return Lookup(failure=records.not_collected(operation, f"{what} were not read"))


@dataclass(frozen=True)
class _Entity:
    """A group or app from its listing, with where it sits and its display name."""

    id: str
    name: str
    ref: Ref
    name_ref: Ref
    item: Mapping[str, Any]


def _entities(records: TenantRecords, operation: str, name_path: tuple[str, ...]
              ) -> list[_Entity]:
    found: list[_Entity] = []
    for record in records.listing(operation):
        for ref, item in items(record):
            node: Any = item
            for part in name_path:
                node = node.get(part) if isinstance(node, Mapping) else None
            found.append(_Entity(str(item.get("id")), str(node or item.get("id")), ref,
                                 below(ref, item, *name_path), item))
    return found


def groups(records: TenantRecords) -> Lookup:
    """Group names by member; ``extra`` holds each group's member count with the pages it
    was counted on, or the failure that leaves it unknown."""
    return _assignments(records, api.LIST_GROUPS, api.LIST_GROUP_MEMBERS, ("profile", "name"),
                        "groups", "members")


def applications(records: TenantRecords) -> Lookup:
    """Labels of ACTIVE apps by user assigned, directly (scope USER) or through a group."""
    return _assignments(records, api.LIST_APPS, api.LIST_APP_USERS, ("label",), "apps",
                        "assigned users", keep=lambda app: app.get("status") == "ACTIVE")


def _assignments(records: TenantRecords, listing_op: str, members_op: str,
                 name_path: tuple[str, ...], noun: str, members: str,
                 keep: Callable[[Mapping[str, Any]], bool] | None = None) -> Lookup:
    listing = records.listing(listing_op)
    if not listing:
        return _missing(records, listing_op, f"the {noun} of the org")
    failed = failure_of(listing)
    if failed is not None:
        return Lookup(failure=failed)
    pages = records.per_entity(members_op)
    by_user: dict[str, list[tuple[Any, tuple[Ref, ...]]]] = defaultdict(list)
    per_entity: dict[str, tuple[int, tuple[Ref, ...]] | CallFailure] = {}
    first: CallFailure | None = None
    for entity in _entities(records, listing_op, name_path):
        if keep is not None and not keep(entity.item):
            continue
        own = pages.get(entity.id)
        problem = failure_of(own) if own else records.not_collected(
            members_op, f"the {members} of {entity.name} were not read", entity.ref)
        if problem is not None:
            per_entity[entity.id] = problem
            first = first or problem
            continue
        count = 0
        for page in own or []:
            for ref, member in items(page):
                count += 1
                by_user[str(member.get("id"))].append((entity.name, (ref, entity.name_ref)))
        per_entity[entity.id] = (count, tuple(whole_body(page) for page in own or []))
    return Lookup(by_user=by_user, empty=whole_body(listing[0]), failure=first,
                  extra=per_entity)


def admins(records: TenantRecords) -> Lookup:
    """The users holding an admin role, from the one role-assignees listing."""
    listing = records.listing(api.LIST_ADMIN_ASSIGNEES)
    if not listing:
        return _missing(records, api.LIST_ADMIN_ASSIGNEES, "the admin role holders")
    failed = failure_of(listing)
    if failed is not None:
        return Lookup(failure=failed)
    by_user: dict[str, list[tuple[Any, tuple[Ref, ...]]]] = defaultdict(list)
    for page in listing:
        for ref, assignee in items(page):
            by_user[str(assignee.get("id"))].append((True, (ref,)))
    return Lookup(by_user=by_user, empty=whole_body(listing[0]))


def _instant(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def disable_events(records: TenantRecords) -> Lookup:
    """Deactivate and suspend events by target user, within the query's window (an export
    may hold more than was asked for); ``extra`` holds the window's start and its Ref."""
    listing = records.listing(api.LIST_LOG_EVENTS)
    if not listing:
        return _missing(records, api.LIST_LOG_EVENTS, "the System Log events")
    failed = failure_of(listing)
    if failed is not None:
        return Lookup(failure=failed)
    query = listing[0].entry.params.get("query") or {}
    since, until = _instant(query.get("since")), _instant(query.get("until"))
    by_user: dict[str, list[tuple[Any, tuple[Ref, ...]]]] = defaultdict(list)
    for page in listing:
        for ref, event in items(page):
            published = _instant(event.get("published"))
            if event.get("eventType") not in api.DISABLE_EVENT_TYPES or published is None or \
                    (since and published < since) or (until and published >= until):
                continue
            actor = mapping(event.get("actor"))
            found = {"At": okta_instant(event.get("published")),
                     "Event": event.get("eventType"), "Actor": actor.get("alternateId")}
            for target in event.get("target") or []:
                if isinstance(target, Mapping) and target.get("type", "User") == "User":
                    by_user[str(target.get("id"))].append((found, (ref,)))
    since_ref = Ref(listing[0].entry.file, "/params/query/since")
    return Lookup(by_user=by_user, empty=whole_body(listing[0]),
                  extra={"since": okta_instant(query.get("since")), "since_ref": since_ref})
