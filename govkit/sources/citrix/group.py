"""One ``citrix.delivery_group`` resource: the group, who its access policies let in, and the
value in force of every setting govkit reads (pure).

Id ``citrix:SITE:delivery-group/NAME`` (NAME is the group's FullName, unique in the site, else
its Name); account SITE, region ``global``. Attributes:

- Name, FullName, DeliveryGroupId, Site, Enabled, SessionSupport (SingleSession or
  MultiSession: which of Citrix's session timers apply), Tags (a Citrix tag ``key:value`` or
  ``key=value`` as that key and value, any other tag name with an empty value);
- AccessPolicies ``[{Name, Enabled, AllowedUsers, IncludedUserFilterEnabled, IncludedUsers,
  ExcludedUsers}]`` and Users ``[{Name, Kind, Sid, AccessPolicy}]``: who the enabled access
  policies let in. Name is the account as the policy lists it (``NBH\\Meridian-Agents``),
  Kind ``group`` or ``user``. A policy letting in any authenticated user (AllowedUsers
  AnyAuthenticated, or its included users filter disabled) adds ``(any authenticated user)``,
  one letting in anonymous users ``(anonymous users)``, both of Kind ``group``;
- PolicySet (the set the group uses), Policies ``[{Policy, Priority, Applies, Reason}]``
  (each policy of that set and whether it applies: applies, conditional, not-assigned,
  excluded, disabled), and EffectiveSettings ``{setting: {Value, Policy, Priority,
  UseDefault, Text, Overridden, Conditional}}`` for every setting of
  govkit.sources.citrix.catalogue (Policy null: no policy sets it, Citrix's default is in
  force). Each setting's records are under the source key ``EffectiveSettings.<setting>``.

What the export cannot say fails the attribute (an ERROR for rules reading it): the policy
set when the group's is missing from the export, SessionSupport when absent or Unknown, Tags
when absent, Users when the export has no access policies for the group, an access policy
does not say which users it allows, or a user's IsGroup is missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from govkit.inventory.model import (
    CallFailure, Ref, Resource, ResourceBuilder, json_pointer, present_path)
from govkit.snapshot import GLOBAL_REGION, CallEntry
from govkit.sources.citrix.catalogue import SETTINGS
from govkit.sources.citrix.model import AccessPolicy, DeliveryGroup, Export, Where
from govkit.sources.citrix.resolve import Unresolved, effective, policy_set_for, verdict

GROUP = "citrix.delivery_group"
ANY_AUTHENTICATED = "(any authenticated user)"
ANONYMOUS = "(anonymous users)"
_KEY_VALUE = re.compile(r"([^:=]+)[:=](.*)", re.S)
_SPECIAL = {"AnyAuthenticated": (ANY_AUTHENTICATED,), "Any": (ANY_AUTHENTICATED, ANONYMOUS),
            "AnonymousOnly": (ANONYMOUS,), "FilteredOrAnonymous": (ANONYMOUS,)}


class At:
    """Pointers into one recorded export."""

    def __init__(self, entry: CallEntry, data: Any) -> None:
        self.entry = entry
        self.data = data

    def __call__(self, where: Where, *more: str | int) -> Ref:
        return Ref(self.entry.file, json_pointer("response", "export", *where, *more))

    def has(self, where: Where, key: str) -> bool:
        return len(present_path(self.data, (*where, key))) == len(where) + 1

    def field(self, where: Where, key: str) -> Ref:
        """The value ``key`` of the object at ``where``; the object when it has no such key."""
        return self(where, key) if self.has(where, key) else self(where)

    def unknown(self, where: Where, message: str) -> CallFailure:
        """What the export leaves unknown, pointing at the object that leaves it out."""
        return CallFailure(call=self.entry.describe(),
                           operation=f"{self.entry.service}:{self.entry.operation}",
                           code="NotInReport", message=message, file=self.entry.file,
                           pointer=json_pointer("response", "export", *where))


def delivery_group(at: At, export: Export, group: DeliveryGroup) -> Resource:
    site = at.entry.account
    builder = ResourceBuilder(id=f"citrix:{site}:delivery-group/{group.key}", type=GROUP,
                              account=site, region=GLOBAL_REGION, name=group.name)
    where = group.where
    builder.set("Site", site, Ref(at.entry.file, json_pointer("params", "site")))
    builder.set("DeliveryGroupId", group.id, at(where, "Id"))
    builder.set("FullName", group.key, at.field(where, "FullName"))
    builder.set("Enabled", group.enabled, at.field(where, "Enabled"))
    if group.tags is None:
        builder.fail("Tags", at.unknown(where, f"the export does not list the tags of "
                                               f"delivery group '{group.name}'"))
    else:
        builder.set_tags(tags_of(group.tags), at(where, "Tags"))
    if group.session_support in ("SingleSession", "MultiSession"):
        builder.set("SessionSupport", group.session_support, at(where, "SessionSupport"))
    else:
        builder.fail("SessionSupport", at.unknown(where, f"the export does not say whether "
                     f"delivery group '{group.name}' is single- or multi-session "
                     f"(SessionSupport is {group.session_support or 'absent'}), so govkit "
                     "cannot tell which of Citrix's session timers apply"))
    _access(builder, at, group)
    _settings(builder, at, export, group)
    return builder.build()


def tags_of(tags: Sequence[str]) -> dict[str, str]:
    """Citrix tags are names: ``key:value`` or ``key=value`` gives that key and value (so a
    group tagged ``data_classification:phi`` is in the PHI scope), any other name an empty
    value."""
    found: dict[str, str] = {}
    for tag in tags:
        match = _KEY_VALUE.fullmatch(tag)
        if match:
            found[match.group(1).strip()] = match.group(2).strip()
        else:
            found[tag.strip()] = ""
    return found


def _settings(builder: ResourceBuilder, at: At, export: Export, group: DeliveryGroup) -> None:
    where = group.where
    try:
        policy_set = policy_set_for(export, group)
    except Unresolved as problem:
        failure = at.unknown(where, str(problem))
        for key in ("PolicySet", "Policies", "EffectiveSettings"):
            builder.fail(key, failure)
        return
    assigned = at.field(where, "PolicySetGuid")
    policies = at(policy_set.where, "Policies")
    builder.set("PolicySet", policy_set.name, [at(policy_set.where, "Name"), assigned])
    verdicts = [verdict(policy, group.id) for policy in policy_set.policies]
    builder.set("Policies", [v.to_json() for v in verdicts], [policies, assigned])
    values: dict[str, Any] = {}
    for name, spec in SETTINGS.items():
        found = effective(spec, verdicts)
        values[name] = found.to_json()
        main = at(found.winner.setting.where) if found.winner is not None else policies
        others = [at(c.setting.where) for c in (*found.overridden, *found.conditional)]
        builder.sources[f"EffectiveSettings.{name}"] = tuple(dict.fromkeys(
            [main, *others, assigned]))
    builder.set("EffectiveSettings", values, [policies, assigned])


def _access(builder: ResourceBuilder, at: At, group: DeliveryGroup) -> None:
    where = group.where
    if group.access is None:
        failure = at.unknown(where, f"the export has no access policies "
                                    f"(AdvancedAccessPolicies) for delivery group "
                                    f"'{group.name}'")
        builder.fail("AccessPolicies", failure)
        builder.fail("Users", failure)
        return
    listed = at(where, "AdvancedAccessPolicies")
    builder.set("AccessPolicies", [_policy_json(p) for p in group.access], listed)
    users: list[dict[str, Any]] = []
    refs: list[Ref] = [listed]
    for policy in group.access:
        if not policy.enabled:
            continue
        problem = _unclear(policy)
        if problem is not None:
            builder.fail("Users", at.unknown(policy.where, problem))
            return
        refs.append(at(policy.where))
        specials = list(_SPECIAL.get(str(policy.allowed_users), ()))
        named = policy.allowed_users in ("Filtered", "FilteredOrAnonymous")
        if named and not policy.user_filter:  # the filter is off: it lets anyone in
            specials.insert(0, ANY_AUTHENTICATED)
        users.extend({"Name": special, "Kind": "group", "Sid": None,
                      "AccessPolicy": policy.name} for special in specials)
        if named and policy.user_filter:
            users.extend({"Name": p.name, "Kind": p.kind, "Sid": p.sid,
                          "AccessPolicy": policy.name} for p in policy.included)
            refs.extend(at(p.where) for p in policy.included)
    builder.set("Users", _unique(users), refs)


def _unclear(policy: AccessPolicy) -> str | None:
    """Why the users ``policy`` lets in cannot be told, or None."""
    label = f"access policy '{policy.name}'"
    if policy.allowed_users not in ("Filtered", "AnyAuthenticated", "Any", "AnonymousOnly",
                                    "FilteredOrAnonymous"):
        return f"{label} does not say which users it allows (AllowedUsers is " \
               f"{policy.allowed_users or 'absent'})"
    if policy.user_filter is None and policy.allowed_users in ("Filtered",
                                                               "FilteredOrAnonymous"):
        return f"{label} does not say whether its included users filter is enabled " \
               "(IncludedUserFilterEnabled)"
    unknown = [p.name for p in policy.included if p.kind is None]
    named = policy.allowed_users in ("Filtered", "FilteredOrAnonymous")
    if unknown and named and policy.user_filter:
        return f"{label} does not say whether {', '.join(unknown)} is a group or a user " \
               "(IsGroup)"
    return None


def _unique(users: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    kept = []
    for user in users:
        key = str(user["Name"]).casefold()
        if key not in seen:
            seen.add(key)
            kept.append(user)
    return kept


def _policy_json(policy: AccessPolicy) -> dict[str, Any]:
    return {"Name": policy.name, "Enabled": policy.enabled,
            "AllowedUsers": policy.allowed_users,
            "IncludedUserFilterEnabled": policy.user_filter,
            "IncludedUsers": [p.name for p in policy.included],
            "ExcludedUsers": [p.name for p in policy.excluded]}

