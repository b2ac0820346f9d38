"""Which groups each user belongs to, from the groups listing and each group's members.

Membership is followed through nested groups (a member of type GROUP makes every member of
that group a member of this one, as Google applies it to access), and a member of type
CUSTOMER makes every user of the tenant a member. Each group a user is in is traced to the
member entries that put them there. If the groups listing, or any group's members listing,
failed or was never made, Groups is a failure on every user: a user must not look
group-less because one listing was lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from govkit.inventory.accounts import normalise_email
from govkit.inventory.model import CallFailure, Ref
from govkit.sources.google import api
from govkit.sources.google.records import (
    TenantRecords, body_ref, first_failure, items, malformed)

ALL_USERS = "*"  # a CUSTOMER member: everyone in the tenant


@dataclass
class Memberships:
    failure: CallFailure | None = None
    names: dict[str, str] = field(default_factory=dict)  # group id → name
    # member key (user id, e-mail, group id, ALL_USERS) → [(group id, member entry)]
    direct: dict[str, list[tuple[str, Ref]]] = field(default_factory=lambda: defaultdict(list))
    listing: Ref | None = None  # what says "these are all the groups"

    def of(self, user_id: str, emails: Iterable[str]) -> tuple[list[str], list[Ref]]:
        """The names of the groups the user is in (sorted) and the entries that show it."""
        refs: list[Ref] = []
        seen: set[str] = set()
        todo = [g for key in (user_id, *emails, ALL_USERS) for g in self.direct.get(key, [])]
        while todo:
            group, ref = todo.pop(0)
            refs.append(ref)
            if group in seen:
                continue
            seen.add(group)
            todo += self.direct.get(group, [])  # the groups this group is a member of
        names = sorted({self.names.get(g, g) for g in seen})
        return names, (refs or ([self.listing] if self.listing else []))


def memberships(records: TenantRecords) -> Memberships:
    found = Memberships()
    pages = records.listing(api.LIST_GROUPS, api.GROUPS_PATH)
    if not pages:
        found.failure = records.not_collected(api.LIST_GROUPS, "the groups were not listed")
        return found
    found.failure = first_failure(pages)
    if found.failure is not None:
        return found
    found.listing = body_ref(pages[0])
    for page in pages:
        groups = items(page, "groups")
        if groups is None:
            found.failure = malformed(page, "the body holds no list of groups")
            return found
        for index, group in enumerate(groups):
            group_id = str(group.get("id") or "")
            if not group_id:
                found.failure = malformed(page, "a group without an id", "groups", index)
                return found
            found.names[group_id] = str(group.get("name") or group.get("email") or group_id)
    for group_id in found.names:
        found.failure = _members(records, group_id, found)
        if found.failure is not None:
            return found
    return found


def _members(records: TenantRecords, group_id: str, found: Memberships) -> CallFailure | None:
    pages = records.listing(api.LIST_GROUP_MEMBERS, api.members_path(group_id))
    if not pages:
        return records.not_collected(api.LIST_GROUP_MEMBERS, f"the members of group "
                                     f"{found.names[group_id]} ({group_id}) were not listed")
    failure = first_failure(pages)
    if failure is not None:
        return failure
    for page in pages:
        members = items(page, "members")
        if members is None:
            return malformed(page, "the body holds no list of members")
        for index, member in enumerate(members):
            for key in _keys(member):
                found.direct[key].append((group_id, body_ref(page, "members", index)))
    return None


def _keys(member: Mapping[str, Any]) -> list[str]:
    """How a member entry names who it is: user id and e-mail, a group's id, or everyone."""
    kind = str(member.get("type") or "USER").upper()
    if kind == "CUSTOMER":
        return [ALL_USERS]
    keys = [str(member["id"])] if member.get("id") else []
    email = normalise_email(member.get("email") if isinstance(member.get("email"), str)
                            else None)
    if kind != "GROUP" and email:
        keys.append(email)
    return keys
