"""WorkSpaces Pools and IP access control groups, created in the WorkSpaces emulator that
sits beside moto (`govkit.demo.aws_extra.workspaces`), through boto3 over HTTP.

Per region: the IP access control group `agents-vdi` with the egress ranges of Meridian's
delivery centres in Manila (a /24) and Cebu (a /25) and Northbridge's IT VPN (one address).
Its id is the stable hash `govkit.demo.names.ip_group_id(region)`, the id that
`govkit.demo.fixups` attaches to the hardened personal directory `agents.vdi...`.

In the home region, once (not scaled), two pool directories and a pool in each. Both deny web
and mobile clients, disable client reconnect and admit sessions only through `agents-vdi`,
so the directory rules pass on them; their streaming settings differ:

- `nbh-agents-pools`: clipboard in both directions and local printing DISABLED, home folders
  off; its pool `nbh-meridian-agents` disconnects idle users after 10 minutes, disconnected
  sessions after 15 and ends sessions after 8 hours (compliant);
- `nbh-overflow-pools`: local printing and pasting into the session ENABLED, copying out of
  the session left at the default (enabled), home folders on; its pool `nbh-overflow-desk`
  sets no idle timeout and keeps disconnected sessions for an hour (violations).

The estate summary does not count pools or groups: its kinds are those moto holds.
"""

from __future__ import annotations

from typing import Any

from govkit.demo.estate_base import Counts, SeedContext, tag_list, phi_tags
from govkit.demo.estate_vdi import WORKSPACES_BUNDLE
from govkit.demo.names import VENDOR_TAG, home_region, ip_group_id
from govkit.errors import GovkitError

IP_GROUP = "agents-vdi"
EGRESS_RULES = (
    {"ipRule": "203.0.113.0/24", "ruleDesc": "Meridian Manila delivery centre"},
    {"ipRule": "198.51.100.0/25", "ruleDesc": "Meridian Cebu delivery centre"},
)
VPN_RULE = {"ipRule": "192.0.2.10/32", "ruleDesc": "Northbridge IT VPN"}
MANAGED_DEVICES_ONLY = {"DeviceTypeWeb": "DENY", "DeviceTypeIos": "DENY",
                        "DeviceTypeAndroid": "DENY", "DeviceTypeChromeOs": "DENY"}
LOCKED_STREAMING = {
    "StreamingExperiencePreferredProtocol": "UDP",
    "UserSettings": [
        {"Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "DISABLED"},
        {"Action": "CLIPBOARD_COPY_FROM_LOCAL_DEVICE", "Permission": "DISABLED"},
        {"Action": "PRINTING_TO_LOCAL_DEVICE", "Permission": "DISABLED"},
        {"Action": "SMART_CARD", "Permission": "ENABLED"},
    ],
    "StorageConnectors": [{"ConnectorType": "HOME_FOLDER", "Status": "DISABLED"}],
}
OPEN_STREAMING = {
    "StreamingExperiencePreferredProtocol": "TCP",
    "UserSettings": [
        {"Action": "CLIPBOARD_COPY_FROM_LOCAL_DEVICE", "Permission": "ENABLED",
         "MaximumLength": 20971520},
        {"Action": "PRINTING_TO_LOCAL_DEVICE", "Permission": "ENABLED"},
    ],
    "StorageConnectors": [{"ConnectorType": "HOME_FOLDER", "Status": "ENABLED"}],
}
# (directory, its description, streaming properties, pool, pool settings)
POOLS: tuple[tuple[str, str, dict[str, Any], str, dict[str, Any]], ...] = (
    ("nbh-agents-pools", "Meridian scheduling agents", LOCKED_STREAMING, "nbh-meridian-agents",
     {"Description": "Meridian patient scheduling desk", "Capacity": {"DesiredUserSessions": 20},
      "TimeoutSettings": {"IdleDisconnectTimeoutInSeconds": 600,
                          "DisconnectTimeoutInSeconds": 900,
                          "MaxUserDurationInSeconds": 28800},
      "ApplicationSettings": {"Status": "DISABLED"}}),
    ("nbh-overflow-pools", "After hours overflow desk", OPEN_STREAMING, "nbh-overflow-desk",
     {"Description": "After hours billing questions overflow",
      "Capacity": {"DesiredUserSessions": 5},
      "TimeoutSettings": {"DisconnectTimeoutInSeconds": 3600,
                          "MaxUserDurationInSeconds": 57600},
      "ApplicationSettings": {"Status": "ENABLED", "SettingsGroup": "overflow-desk"}}),
)


def seed_vdi_pools(ctx: SeedContext) -> Counts:
    """The IP group in every region, then the pools in the home region."""
    for region in ctx.regions:
        _seed_ip_group(ctx, region)
    home = home_region(ctx.regions)
    for directory, description, streaming, pool, settings in POOLS:
        directory_id = _register_pool_directory(ctx, home, directory, description, streaming)
        _create_pool(ctx, home, directory_id, pool, settings)
    return Counts()


def _seed_ip_group(ctx: SeedContext, region: str) -> None:
    workspaces = ctx.clients.get("workspaces", region)
    group = workspaces.create_ip_group(
        GroupName=IP_GROUP, GroupDesc="Meridian Contact Services delivery centre egress",
        UserRules=list(EGRESS_RULES), Tags=tag_list({"vendor": VENDOR_TAG}))["GroupId"]
    if group != ip_group_id(region):
        raise GovkitError(f"IP access control group {IP_GROUP} in {region} got id {group}, "
                          f"not {ip_group_id(region)}, which the fixups attach")
    workspaces.authorize_ip_rules(GroupId=group, UserRules=[VPN_RULE])


def _register_pool_directory(ctx: SeedContext, region: str, name: str, description: str,
                             streaming: dict[str, Any]) -> str:
    workspaces = ctx.clients.get("workspaces", region)
    directory = str(workspaces.register_workspace_directory(
        WorkspaceType="POOLS", WorkspaceDirectoryName=name,
        WorkspaceDirectoryDescription=description, UserIdentityType="CUSTOMER_MANAGED",
        Tenancy="SHARED", Tags=tag_list(phi_tags(application="vdi-pools")))["DirectoryId"])
    workspaces.modify_streaming_properties(ResourceId=directory, StreamingProperties=streaming)
    workspaces.modify_workspace_access_properties(
        ResourceId=directory, WorkspaceAccessProperties=MANAGED_DEVICES_ONLY)
    workspaces.modify_client_properties(
        ResourceId=directory, ClientProperties={"ReconnectEnabled": "DISABLED"})
    workspaces.associate_ip_groups(DirectoryId=directory, GroupIds=[ip_group_id(region)])
    return directory


def _create_pool(ctx: SeedContext, region: str, directory_id: str, name: str,
                 settings: dict[str, Any]) -> None:
    workspaces = ctx.clients.get("workspaces", region)
    pool = workspaces.create_workspaces_pool(
        PoolName=name, BundleId=WORKSPACES_BUNDLE, DirectoryId=directory_id,
        RunningMode="AUTO_STOP", Tags=tag_list(phi_tags(vendor=VENDOR_TAG)),
        **settings)["WorkspacesPool"]
    # capacity is raised after creation, as teams do once a pool proves itself
    desired = settings["Capacity"]["DesiredUserSessions"]
    workspaces.update_workspaces_pool(PoolId=pool["PoolId"],
                                      Capacity={"DesiredUserSessions": desired + 5})
