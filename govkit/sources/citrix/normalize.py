"""From the recorded Citrix exports to ``citrix.policy`` and ``citrix.delivery_group``
resources (pure: the record alone is read, so a snapshot normalises the same way again).

``citrix.policy`` — id ``citrix:SITE:policy/NAME`` for the site's policies (the SitePolicies
set), ``citrix:SITE:policy/SET/NAME`` for a delivery group policy set's; account SITE, region
``global``. Attributes: Name, PolicySet, PolicySetType, Priority, Enabled, Description,
Settings ``{name: value}`` (typed as govkit.sources.citrix.catalogue reads them; null for a
setting set to its default), DefaultedSettings (those names), Filters
``[{Type, Value, Mode, Enabled}]`` (a DesktopGroup filter's Value is the delivery group's
name, or its id when the export has no such group; Mode is Allow or Deny). Policies of
template sets (SiteTemplates, CustomTemplates) are never applied and are not normalised.

``citrix.delivery_group`` — see govkit.sources.citrix.group.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.errors import InputError
from govkit.inventory.model import CallFailure, Coverage, Resource, ResourceBuilder
from govkit.snapshot import GLOBAL_REGION, Snapshot
from govkit.sources.citrix.group import GROUP, At, delivery_group
from govkit.sources.citrix.model import (
    SITE_POLICIES, TEMPLATE_SETS, DeliveryGroup, Export, ExportProblem, Policy, PolicySet,
    parse_export)
from govkit.sources.interface import NormalizeContext

SERVICE = "citrix"
OPERATION = "ReadPolicyExport"
POLICY = "citrix.policy"
TYPES = (POLICY, GROUP)


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    """Every policy and delivery group of every recorded Citrix export, and the coverage of
    both types per site."""
    for entry in snapshot.select(SERVICE, OPERATION):
        if not entry.ok:
            failure = CallFailure.from_entry(entry)
            for kind in TYPES:
                yield Coverage(type=kind, account=entry.account, region=GLOBAL_REGION,
                               failure=failure, source=entry.file)
            continue
        record = snapshot.load(entry)
        try:
            export = parse_export(record.response.get("export"))
        except ExportProblem as problem:
            raise InputError(entry.file, "the recorded Citrix export does not read: "
                             f"{problem.message}", field=problem.key or None) from None
        yield from _resources(At(entry, record.response["export"]), export)
        for kind in TYPES:
            yield Coverage(type=kind, account=entry.account, region=GLOBAL_REGION,
                           source=entry.file)


def _resources(at: At, export: Export) -> Iterator[Resource]:
    names = {group.id: group for group in export.groups}
    for policy_set in export.policy_sets:
        if policy_set.type in TEMPLATE_SETS:
            continue
        for policy in policy_set.policies:
            yield _policy(at, at.entry.account, policy_set, policy, names)
    for group in export.groups:
        yield delivery_group(at, export, group)


def policy_id(site: str, policy_set: PolicySet, policy: Policy) -> str:
    if policy_set.type == SITE_POLICIES:
        return f"citrix:{site}:policy/{policy.name}"
    return f"citrix:{site}:policy/{policy_set.name}/{policy.name}"


def _policy(at: At, site: str, policy_set: PolicySet, policy: Policy,
            groups: Mapping[str, DeliveryGroup]) -> Resource:
    builder = ResourceBuilder(id=policy_id(site, policy_set, policy), type=POLICY,
                              account=site, region=GLOBAL_REGION, name=policy.name)
    where = policy.where
    whole = at(where)
    builder.set("PolicySet", policy_set.name, at(policy_set.where, "Name"))
    builder.set("PolicySetType", policy_set.type, at(policy_set.where, "PolicySetType"))
    builder.set("Priority", policy.priority, at(where, "Priority"))
    builder.set("Enabled", policy.enabled, at(where, "IsEnabled"))
    builder.set("Description", policy.description, at.field(where, "Description"))
    builder.set("Settings", {name: setting.value for name, setting in policy.settings.items()},
                at(where, "Settings"))
    builder.set("DefaultedSettings", sorted(name for name, setting in policy.settings.items()
                                            if setting.use_default), at(where, "Settings"))
    builder.set("Filters", [_filter(f.type, f.data, f.group_id, groups) | {
        "Mode": f.mode, "Enabled": f.enabled} for f in policy.filters], at(where, "Filters"))
    builder.set_tags({}, whole)  # a Citrix policy has no tags
    return builder.build()


def _filter(kind: str, data: str | None, group_id: str | None,
            groups: Mapping[str, DeliveryGroup]) -> dict[str, Any]:
    if group_id is not None:
        group = groups.get(group_id)
        return {"Type": kind, "Value": group.name if group is not None else group_id}
    return {"Type": kind, "Value": data}

