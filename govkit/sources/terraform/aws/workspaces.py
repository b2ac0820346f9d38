"""WorkSpaces directories, WorkSpaces and IP access control groups as a plan leaves them.

The shapes are those of govkit.sources.aws.normalize.workspaces and ip_groups
(DescribeWorkspaceDirectories, DescribeWorkspaces, DescribeIpGroups). A directory's
``IpGroupRules`` are the rules of the ``aws_workspaces_ip_group`` resources of the plan its
``ip_group_ids`` name (by reference, or by a known group id); a group created by the plan has
no id yet, so it is shown as ``<address>.id``. The provider does not manage a directory's
client properties (``ReconnectEnabled``), so they are never in the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from govkit.sources.terraform.aws.appstream import created_unset
from govkit.sources.terraform.context import PlanContext, Unknown
from govkit.sources.terraform.keys import put_key_arn
from govkit.sources.terraform.plan import PlannedResource
from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.ip_groups import prefix_length

DIRECTORY = "aws.workspaces.directory"
WORKSPACE = "aws.workspaces.workspace"
IP_GROUP = "aws.workspaces.ip_group"
TF_DIRECTORY = "aws_workspaces_directory"
TF_WORKSPACE = "aws_workspaces_workspace"
TF_IP_GROUP = "aws_workspaces_ip_group"

# workspace_access_properties -> WorkspaceAccessProperties
DEVICE_TYPES = {"device_type_windows": "DeviceTypeWindows", "device_type_osx": "DeviceTypeOsx",
                "device_type_web": "DeviceTypeWeb", "device_type_ios": "DeviceTypeIos",
                "device_type_android": "DeviceTypeAndroid",
                "device_type_chromeos": "DeviceTypeChromeOs",
                "device_type_zeroclient": "DeviceTypeZeroClient",
                "device_type_linux": "DeviceTypeLinux"}
SELF_SERVICE = {"restart_workspace": "RestartWorkspace",
                "increase_volume_size": "IncreaseVolumeSize",
                "change_compute_type": "ChangeComputeType",
                "switch_running_mode": "SwitchRunningMode",
                "rebuild_workspace": "RebuildWorkspace"}
CREATION = {"enable_internet_access": "EnableInternetAccess",
            "user_enabled_as_local_administrator": "UserEnabledAsLocalAdministrator",
            "enable_maintenance_mode": "EnableMaintenanceMode",
            "default_ou": "DefaultOu", "custom_security_group_id": "CustomSecurityGroupId"}
WORKSPACE_PROPERTIES = {"compute_type_name": "ComputeTypeName",
                        "root_volume_size_gib": "RootVolumeSizeGib",
                        "user_volume_size_gib": "UserVolumeSizeGib",
                        "running_mode": "RunningMode",
                        "running_mode_auto_stop_timeout_in_minutes":
                            "RunningModeAutoStopTimeoutInMinutes"}


def _first(value: Any) -> Mapping[str, Any]:
    """A ``MaxItems: 1`` block's object; {} when unset (the API then answers none)."""
    blocks = [v for v in value or [] if isinstance(v, Mapping)]
    return blocks[0] if blocks else {}


def _set(block: Mapping[str, Any], fields: Mapping[str, str],
         convert: Callable[[Any], Any] = lambda v: v) -> dict[str, Any]:
    return {api: convert(block[tf]) for tf, api in fields.items()
            if block.get(tf) is not None and block.get(tf) != ""}


def self_service(value: Any) -> dict[str, Any]:
    """``self_service_permissions`` booleans as the API's ENABLED / DISABLED."""
    return _set(_first(value), SELF_SERVICE, lambda v: "ENABLED" if v else "DISABLED")


def creation_properties(value: Any) -> dict[str, Any]:
    return _set(_first(value), CREATION)


# --------------------------------------------------------------------------- directories


def _directory(ctx: PlanContext, resource: PlannedResource) -> Iterable[Resource]:
    name = resource.values.get("directory_name")
    builder = ctx.builder(resource, DIRECTORY, name)
    ctx.put(builder, "DirectoryId", resource, ("directory_id",))
    ctx.put(builder, "DirectoryType", resource, ("directory_type",))
    ctx.put(builder, "Tenancy", resource, ("tenancy",))
    ctx.put(builder, "SelfservicePermissions", resource, ("self_service_permissions",),
            self_service)
    ctx.put(builder, "WorkspaceCreationProperties", resource,
            ("workspace_creation_properties",), creation_properties)
    _access(ctx, builder, resource)
    _ip_groups(ctx, builder, resource)
    builder.fail("ClientProperties", ctx.not_in_plan(
        resource, "the directory's client properties (ReconnectEnabled) are not in the plan: "
                  "the AWS provider does not manage them, so they are set outside Terraform "
                  "(aws workspaces modify-client-properties)"))
    yield builder.build()


def _access(ctx: PlanContext, builder: ResourceBuilder, resource: PlannedResource) -> None:
    """``WorkspaceAccessProperties`` and ``AllowedDeviceTypes``. A device type the block
    leaves unset keeps whatever AWS holds (ModifyWorkspaceAccessProperties gets only those
    set), which the plan does not say."""
    path = ("workspace_access_properties",)
    value = ctx.value(resource, *path, what="the device types allowed to connect")
    if isinstance(value, Unknown):
        builder.fail("WorkspaceAccessProperties", value.failure)
        builder.fail("AllowedDeviceTypes", value.failure)
        return
    block = _first(value)
    unset = [tf for tf in DEVICE_TYPES if not block.get(tf)]
    if unset:
        failure = ctx.not_in_plan(resource, (
            f"workspace_access_properties does not set {', '.join(unset)}, so whether those "
            "devices may connect is what AWS already holds (or its default), not in the plan"))
        builder.fail("WorkspaceAccessProperties", failure)
        builder.fail("AllowedDeviceTypes", failure)
        return
    access = _set(block, DEVICE_TYPES)
    where = ctx.ref(resource, *path, 0)
    builder.set("WorkspaceAccessProperties", access, where)
    builder.set("AllowedDeviceTypes", sorted(k.removeprefix("DeviceType") for k, v in
                                             access.items() if v == "ALLOW"), where)


def _ip_groups(ctx: PlanContext, builder: ResourceBuilder, resource: PlannedResource) -> None:
    """``IpGroupIds`` and ``IpGroupRules``, from the groups of the plan they name."""
    value = ctx.value(resource, "ip_group_ids", what="the IP access control groups")
    if isinstance(value, Unknown) and created_unset(resource, "ip_group_ids"):
        # registering a directory attaches no group; the provider attaches only those named
        builder.set("IpGroupIds", [], ctx.ref(resource))
        builder.set("IpGroupRules", [], ctx.ref(resource))
        return
    groups = ctx.targets(resource, "ip_group_ids", (TF_IP_GROUP,))
    known = [v for v in (value if isinstance(value, list) else []) if isinstance(v, str)]
    if isinstance(value, Unknown) and not groups:
        builder.fail("IpGroupIds", value.failure)
        builder.fail("IpGroupRules", value.failure)
        return
    ids: list[str] = list(known)
    members: list[tuple[str, PlannedResource | None]] = [
        (group_id, _group_with_id(ctx, group_id)) for group_id in known]
    for group in groups:
        shown = _group_id(group)
        if shown not in ids:
            ids.append(shown)
            members.append((shown, group))
    where = [ctx.ref(resource, "ip_group_ids")] if "ip_group_ids" in resource.values \
        else [ctx.ref(resource)]
    builder.set("IpGroupIds", ids, where)
    rules = _rules(ctx, resource, members, where)
    if isinstance(rules, CallFailure):
        builder.fail("IpGroupRules", rules)
    else:
        builder.set("IpGroupRules", rules[0], rules[1])


def _group_id(group: PlannedResource) -> str:
    """A group's id, or how the plan names it while the id is known only after apply."""
    value = group.values.get("id")
    return value if isinstance(value, str) and value else f"{group.address}.id"


def _group_with_id(ctx: PlanContext, group_id: str) -> PlannedResource | None:
    return next((g for g in ctx.of_type(TF_IP_GROUP) if g.values.get("id") == group_id), None)


def _rules(ctx: PlanContext, directory: PlannedResource,
           members: list[tuple[str, PlannedResource | None]], where: list[Ref]
           ) -> tuple[list[dict[str, Any]], list[Ref]] | CallFailure:
    rules: list[dict[str, Any]] = []
    refs = list(where)
    for group_id, group in members:
        if group is None:
            return ctx.not_in_plan(directory, (
                f"IP access control group {group_id} is not managed by this plan, so its "
                "rules are not in the plan"))
        value = ctx.value(group, "rules", what=f"the rules of IP group {group.address}")
        if isinstance(value, Unknown):
            return value.failure
        name = group.values.get("name")
        for rule in [r for r in value or [] if isinstance(r, Mapping)]:
            text = str(rule.get("source") or "")
            rules.append({"GroupId": group_id, "GroupName": str(name or group_id),
                          "ipRule": text, "ruleDesc": rule.get("description") or None,
                          "PrefixLength": prefix_length(text)})
        refs.append(ctx.ref(group, "rules") if "rules" in group.values else ctx.ref(group))
    return rules, refs


# --------------------------------------------------------------------------- IP groups


def _ip_group(ctx: PlanContext, resource: PlannedResource) -> Iterable[Resource]:
    builder = ctx.builder(resource, IP_GROUP, resource.values.get("name"))
    ctx.put(builder, "GroupId", resource, ("id",))
    ctx.put(builder, "GroupName", resource, ("name",))
    ctx.put(builder, "GroupDescription", resource, ("description",))
    ctx.put(builder, "Rules", resource, ("rules",), lambda value: [
        {"ipRule": str(r.get("source") or ""), "ruleDesc": r.get("description") or None}
        for r in value or [] if isinstance(r, Mapping)])
    yield builder.build()


# --------------------------------------------------------------------------- WorkSpaces


def _workspace(ctx: PlanContext, resource: PlannedResource) -> Iterable[Resource]:
    builder = ctx.builder(resource, WORKSPACE)
    ctx.put(builder, "UserName", resource, ("user_name",))
    ctx.put(builder, "DirectoryId", resource, ("directory_id",))
    ctx.put(builder, "State", resource, ("state",))
    # the provider's default for both flags is false; DescribeWorkspaces then omits them and
    # the live normaliser reads the absence as false
    for attribute, key in (("root_volume_encryption_enabled", "RootVolumeEncryptionEnabled"),
                           ("user_volume_encryption_enabled", "UserVolumeEncryptionEnabled")):
        ctx.put(builder, key, resource, (attribute,), bool)
    put_key_arn(ctx, builder, "VolumeEncryptionKey", resource, "volume_encryption_key",
                "the volume encryption key")
    ctx.put(builder, "WorkspaceProperties", resource, ("workspace_properties",),
            lambda value: _set(_first(value), WORKSPACE_PROPERTIES))
    yield builder.build()


NORMALIZERS: dict[str, Callable[[PlanContext, PlannedResource], Iterable[Resource]]] = {
    TF_DIRECTORY: _directory,
    TF_WORKSPACE: _workspace,
    TF_IP_GROUP: _ip_group,
}
CONSUMED: frozenset[str] = frozenset()
