"""The Citrix export as govkit reads it: typed records of the policy sets with their policies
(settings and filters), and of the delivery groups with their access policies.

Pure, and run twice: when an export is collected (a bad export is refused before anything is
recorded) and when the recorded export is normalised, from the record alone. The export is
first checked against export.schema.json, then read; every problem is an
:class:`ExportProblem` naming the JSON path of the value at fault
(``PolicySets.0.Policies.2.Settings.1.SettingValue``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema

from govkit.sources.citrix.catalogue import SETTINGS, ValueProblem, parse_value

EXPORT_SCHEMA = Path(__file__).with_name("export.schema.json")
Where = tuple[str | int, ...]

SITE_POLICIES = "SitePolicies"
DELIVERY_GROUP_POLICIES = "DeliveryGroupPolicies"
TEMPLATE_SETS = frozenset({"SiteTemplates", "CustomTemplates"})  # never applied to sessions
DESKTOP_GROUP = "DesktopGroup"
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"


class ExportProblem(Exception):
    """A value of the export that cannot be used, at JSON path ``where``."""

    def __init__(self, where: Where, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message

    @property
    def key(self) -> str:
        return ".".join(str(part) for part in self.where)


@dataclass(frozen=True, kw_only=True)
class Setting:
    name: str
    value: Any  # the value in force: the setting's default when use_default
    use_default: bool
    where: Where


@dataclass(frozen=True, kw_only=True)
class Filter:
    type: str
    allowed: bool
    enabled: bool
    data: str | None
    group_id: str | None  # a DesktopGroup filter's delivery group id, in lower case
    where: Where

    @property
    def mode(self) -> str:
        return "Allow" if self.allowed else "Deny"


@dataclass(frozen=True, kw_only=True)
class Policy:
    name: str
    priority: int
    enabled: bool
    description: str | None
    settings: Mapping[str, Setting]
    filters: tuple[Filter, ...]
    set_name: str
    set_type: str
    where: Where

    def label(self) -> str:
        return f"policy '{self.name}' (priority {self.priority})"


@dataclass(frozen=True, kw_only=True)
class PolicySet:
    guid: str  # lower case
    name: str
    type: str
    policies: tuple[Policy, ...]  # highest priority (lowest number) first
    where: Where


@dataclass(frozen=True, kw_only=True)
class Principal:
    name: str  # as the access policy lists it: DOMAIN\name, else the UPN, else the display name
    kind: str | None  # "group" or "user"; None: the export does not say
    sid: str | None
    where: Where


@dataclass(frozen=True, kw_only=True)
class AccessPolicy:
    name: str | None
    enabled: bool
    allowed_users: str | None
    user_filter: bool | None  # IncludedUserFilterEnabled (None: not in the export)
    included: tuple[Principal, ...]
    excluded: tuple[Principal, ...]
    where: Where


@dataclass(frozen=True, kw_only=True)
class DeliveryGroup:
    id: str  # lower case
    name: str
    key: str  # FullName (unique in the site), else Name: labels the resource id
    enabled: bool | None
    session_support: str | None
    policy_set: str | None  # PolicySetGuid in lower case; None: not in the export
    tags: tuple[str, ...] | None
    access: tuple[AccessPolicy, ...] | None  # None: the export has no access policies
    where: Where


@dataclass(frozen=True)
class Export:
    policy_sets: tuple[PolicySet, ...]
    groups: tuple[DeliveryGroup, ...]


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(EXPORT_SCHEMA.read_text("utf-8")))


def check_schema(data: Any) -> None:
    """``data`` against export.schema.json: ExportProblem at the first, deepest violation."""
    errors = list(_validator().iter_errors(data))
    if not errors:
        return
    error = jsonschema.exceptions.best_match(errors) or errors[0]
    where: list[str | int] = list(error.absolute_path)
    message = str(error.message)
    if error.validator in ("anyOf", "oneOf") and error.context:
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        where, message = list(deepest.absolute_path), str(deepest.message)
    raise ExportProblem(tuple(where), message)


def parse_export(data: Any) -> Export:
    """The export, checked and typed; ExportProblem naming the path of the first problem."""
    check_schema(data)
    sets = tuple(_policy_set(item, ("PolicySets", s))
                 for s, item in enumerate(data["PolicySets"]))
    _unique([(p.name.casefold(), p.where) for p in sets], "Name", "policy sets are both "
            "named '{}'")
    _unique([(p.guid, p.where) for p in sets], "PolicySetGuid", "policy sets both have the "
            "id {}")
    site = [p for p in sets if p.type == SITE_POLICIES]
    if len(site) > 1:
        raise ExportProblem((*site[1].where, "PolicySetType"), "a site has one policy set of "
                            "type SitePolicies; this export has two")
    groups = tuple(_group(item, ("DeliveryGroups", g))
                   for g, item in enumerate(data["DeliveryGroups"]))
    _unique([(g.id, g.where) for g in groups], "Id", "delivery groups both have the id {}")
    _unique([(g.key.casefold(), g.where) for g in groups], "Name",
            "delivery groups are both named '{}'")
    return Export(sets, groups)


def _unique(keys: Sequence[tuple[str, Where]], field: str, message: str) -> None:
    seen: dict[str, Where] = {}
    for key, where in keys:
        if key in seen:
            raise ExportProblem((*where, field), f"{message.format(key)} "
                                f"({'.'.join(map(str, seen[key]))} and "
                                f"{'.'.join(map(str, where))})")
        seen[key] = where


def _policy_set(item: Mapping[str, Any], where: Where) -> PolicySet:
    name, kind = str(item["Name"]), str(item["PolicySetType"])
    policies = tuple(sorted((_policy(p, (*where, "Policies", i), name, kind)
                             for i, p in enumerate(item["Policies"])),
                            key=lambda p: p.priority))
    _unique([(p.name.casefold(), p.where) for p in policies], "PolicyName",
            f"two policies of policy set '{name}' are named '{{}}'")
    _unique([(str(p.priority), p.where) for p in policies], "Priority",
            f"two policies of policy set '{name}' have priority {{}}")
    return PolicySet(guid=str(item["PolicySetGuid"]).lower(), name=name, type=kind,
                     policies=policies, where=where)


def _policy(item: Mapping[str, Any], where: Where, set_name: str, set_type: str) -> Policy:
    settings: dict[str, Setting] = {}
    for position, raw in enumerate(item["Settings"]):
        setting = _setting(raw, (*where, "Settings", position))
        if setting.name in settings:
            raise ExportProblem((*setting.where, "SettingName"), f"policy "
                                f"'{item['PolicyName']}' sets {setting.name} twice")
        settings[setting.name] = setting
    filters = tuple(_filter(raw, (*where, "Filters", position))
                    for position, raw in enumerate(item["Filters"]))
    return Policy(name=str(item["PolicyName"]), priority=int(item["Priority"]),
                  enabled=bool(item["IsEnabled"]), description=item.get("Description"),
                  settings=MappingProxyType(settings), filters=filters, set_name=set_name,
                  set_type=set_type, where=where)


def _setting(item: Mapping[str, Any], where: Where) -> Setting:
    name = str(item["SettingName"])
    use_default = bool(item.get("UseDefault", False))
    spec = SETTINGS.get(name)
    if use_default:
        value = spec.default if spec is not None else None
    else:
        if "SettingValue" not in item or item["SettingValue"] is None:
            raise ExportProblem((*where, "SettingValue"), f"{name} has no value and does not "
                                "use its default (UseDefault is false)")
        try:
            value = parse_value(name, item["SettingValue"])
        except ValueProblem as problem:
            raise ExportProblem((*where, "SettingValue"), str(problem)) from None
    return Setting(name=name, value=value, use_default=use_default, where=where)


def _filter(item: Mapping[str, Any], where: Where) -> Filter:
    kind, data = str(item["FilterType"]), item.get("FilterData")
    group_id = None
    if kind == DESKTOP_GROUP:
        group_id = _group_of(data, (*where, "FilterData"))
    return Filter(type=kind, allowed=bool(item["IsAllowed"]), enabled=bool(item["IsEnabled"]),
                  data=data, group_id=group_id, where=where)


def _group_of(data: Any, where: Where) -> str:
    """The delivery group id in a DesktopGroup filter's data, ``{"server": ..., "uuid": ...}``
    as a JSON string (key case does not matter)."""
    try:
        parsed = json.loads(data) if isinstance(data, str) else None
    except json.JSONDecodeError:
        parsed = None
    uuid = None
    if isinstance(parsed, dict):
        uuid = {str(k).casefold(): v for k, v in parsed.items()}.get("uuid")
    if not isinstance(uuid, str) or not uuid.strip():
        raise ExportProblem(where, "a DesktopGroup filter's data must be a JSON object with "
                            f"the delivery group's id, {{\"uuid\": \"...\"}}, not "
                            f"{json.dumps(data)}")
    return uuid.strip().lower()


def _group(item: Mapping[str, Any], where: Where) -> DeliveryGroup:
    name = str(item["Name"])
    access = None
    if item.get("AdvancedAccessPolicies") is not None:
        access = tuple(_access(raw, (*where, "AdvancedAccessPolicies", position))
                       for position, raw in enumerate(item["AdvancedAccessPolicies"]))
    policy_set = item.get("PolicySetGuid")
    tags = item.get("Tags")
    return DeliveryGroup(
        id=str(item["Id"]).lower(), name=name, key=str(item.get("FullName") or name),
        enabled=item.get("Enabled"), session_support=item.get("SessionSupport"),
        policy_set=str(policy_set).lower() if policy_set is not None else None,
        tags=tuple(str(t) for t in tags) if tags is not None else None,
        access=access, where=where)


def _access(item: Mapping[str, Any], where: Where) -> AccessPolicy:
    def principals(field: str) -> tuple[Principal, ...]:
        return tuple(_principal(raw, (*where, field, position))
                     for position, raw in enumerate(item.get(field) or []))

    return AccessPolicy(name=item.get("Name"), enabled=bool(item["Enabled"]),
                        allowed_users=item.get("AllowedUsers"),
                        user_filter=item.get("IncludedUserFilterEnabled"),
                        included=principals("IncludedUsers"),
                        excluded=principals("ExcludedUsers"), where=where)


def _principal(item: Mapping[str, Any], where: Where) -> Principal:
    name = next((str(item[key]).strip() for key in ("SamName", "PrincipalName", "DisplayName")
                 if isinstance(item.get(key), str) and item[key].strip()), None)
    if name is None:
        raise ExportProblem(where, "an access policy user or group has no SamName, "
                            "PrincipalName or DisplayName")
    is_group = item.get("IsGroup")
    kind = None if is_group is None else ("group" if is_group else "user")
    return Principal(name=name, kind=kind, sid=item.get("Sid"), where=where)
