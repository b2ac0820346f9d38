"""The "glass window": WorkSpaces and WorkSpaces Secure Browser.

Per region, once (AWS allows ten Simple AD directories per region, so these do not scale): a
VPC `nbh-vdi` with two subnets, the security groups `nbh-vdi-agents` (HTTPS from the vendor's
network: compliant) and `nbh-vdi-admin` (RDP from anywhere: violation), and two Simple AD
directories registered with WorkSpaces:

- `agents.vdi.northbridgehealth.example`, hardened: users are not local administrators, no
  internet access, self-service actions disabled, client reconnect disabled (compliant);
- `staff.vdi.northbridgehealth.example`, lax: local administrators, internet access,
  self-service enabled, reconnect left on (violations).

Per regional unit: two agent WorkSpaces in the hardened directory and two staff WorkSpaces in
the lax one; in each directory the first has root and user volumes encrypted with
`alias/nbh-workspaces` (compliant) and the second is not encrypted (violation).

Per account unit, in the home region: Secure Browser portals `nbh-meridian-agent-portal`
(clipboard, transfer and printing disabled, 10 minute idle timeout, encrypted with the
`alias/nbh-secure-browser` customer key: compliant), `nbh-billing-support-portal` (copy,
download and print enabled, AWS owned key: violations) and `nbh-pilot-portal` (no user settings
at all, AWS owned key: violations).
"""

from __future__ import annotations

from typing import Any

from govkit.demo.estate_base import (
    Counts,
    RegionDirectories,
    SeedContext,
    UnitKeys,
    classification_tags,
    phi_tags,
    tag_list,
)
from govkit.demo.names import (
    AGENTS_PER_UNIT,
    HARDENED_DIRECTORY,
    LAX_DIRECTORY,
    STAFF,
    VENDOR_TAG,
    agent_id,
    agent_number,
    agent_user,
    employee_id,
    home_region,
    staff_user,
    unit_suffix,
)
from govkit.demo.estate_storage import create_key
from govkit.errors import GovkitError

WORKSPACES_BUNDLE = "wsb-bh8rsxt14"
VENDOR_NETWORK = "203.0.113.0/24"  # the vendor's contact centre (a documentation range)
_DIRECTORY_PASSWORD = "Demo-only-Dir3ctory!"
_DISABLED_SELF_SERVICE = {
    "RestartWorkspace": "DISABLED",
    "IncreaseVolumeSize": "DISABLED",
    "ChangeComputeType": "DISABLED",
    "SwitchRunningMode": "DISABLED",
    "RebuildWorkspace": "DISABLED",
}


def _seed_network(ec2: Any, region: str, region_index: int) -> tuple[str, ...]:
    cidr = 40 + region_index
    vpc = ec2.create_vpc(
        CidrBlock=f"10.{cidr}.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": tag_list({"Name": "nbh-vdi"})}],
    )["Vpc"]["VpcId"]
    subnets = []
    for index, zone in enumerate(("a", "b")):
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.{cidr}.{index + 1}.0/24", AvailabilityZone=f"{region}{zone}",
            TagSpecifications=[{"ResourceType": "subnet",
                                "Tags": tag_list({"Name": f"nbh-vdi-private-{zone}"})}],
        )["Subnet"]["SubnetId"]
        subnets.append(str(subnet))
    for name, port, source in (("nbh-vdi-agents", 443, VENDOR_NETWORK),
                               ("nbh-vdi-admin", 3389, "0.0.0.0/0")):
        group = ec2.create_security_group(GroupName=name, Description=f"{name} access",
                                          VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
            "IpRanges": [{"CidrIp": source}]}])
    return tuple(subnets)


def _register_directory(ctx: SeedContext, region: str, name: str, subnets: tuple[str, ...],
                        *, self_service: bool) -> str:
    vpc_id = ctx.clients.get("ec2", region).describe_subnets(
        SubnetIds=list(subnets))["Subnets"][0]["VpcId"]
    tags = tag_list(phi_tags(application="vdi"))
    directory = ctx.clients.get("ds", region).create_directory(
        Name=name, ShortName=name.split(".")[0].upper(), Password=_DIRECTORY_PASSWORD,
        Size="Small", VpcSettings={"VpcId": vpc_id, "SubnetIds": list(subnets)}, Tags=tags,
    )["DirectoryId"]
    ctx.clients.get("workspaces", region).register_workspace_directory(
        DirectoryId=directory, SubnetIds=list(subnets), EnableSelfService=self_service,
        Tenancy="SHARED", Tags=tags,
    )
    return str(directory)


def seed_region_directories(ctx: SeedContext, region: str) -> tuple[RegionDirectories, Counts]:
    subnets = _seed_network(ctx.clients.get("ec2", region), region, ctx.regions.index(region))
    hardened = _register_directory(ctx, region, HARDENED_DIRECTORY, subnets, self_service=False)
    lax = _register_directory(ctx, region, LAX_DIRECTORY, subnets, self_service=True)
    workspaces = ctx.clients.get("workspaces", region)
    workspaces.modify_workspace_creation_properties(
        ResourceId=hardened,
        WorkspaceCreationProperties={"EnableInternetAccess": False,
                                     "UserEnabledAsLocalAdministrator": False,
                                     "EnableMaintenanceMode": True},
    )
    workspaces.modify_selfservice_permissions(
        ResourceId=hardened, SelfservicePermissions=_DISABLED_SELF_SERVICE)
    workspaces.modify_client_properties(
        ResourceId=hardened,
        ClientProperties={"ReconnectEnabled": "DISABLED", "LogUploadEnabled": "ENABLED"},
    )
    workspaces.modify_workspace_creation_properties(
        ResourceId=lax,
        WorkspaceCreationProperties={"EnableInternetAccess": True,
                                     "UserEnabledAsLocalAdministrator": True,
                                     "EnableMaintenanceMode": True},
    )
    directories = RegionDirectories(hardened_id=hardened, lax_id=lax, subnet_ids=subnets)
    return directories, Counts(vpcs=1, subnets=len(subnets), workspaces_directories=2)


def _workspace(directory_id: str, user: str, tags: dict[str, str],
               encryption_key: str | None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "DirectoryId": directory_id,
        "UserName": user,
        "BundleId": WORKSPACES_BUNDLE,
        "WorkspaceProperties": {"RunningMode": "AUTO_STOP",
                                "RunningModeAutoStopTimeoutInMinutes": 60,
                                "ComputeTypeName": "STANDARD"},
        "Tags": tag_list(tags),
    }
    if encryption_key is not None:
        request.update(RootVolumeEncryptionEnabled=True, UserVolumeEncryptionEnabled=True,
                       VolumeEncryptionKey=encryption_key)
    return request


def seed_unit_workspaces(ctx: SeedContext, region: str, unit: int, keys: UnitKeys,
                         directories: RegionDirectories) -> Counts:
    offset = 2 * ctx.regions.index(region)
    requests = []
    for index in range(2):
        position = (offset + index) % AGENTS_PER_UNIT
        number = agent_number(unit, position)
        tags = phi_tags(vendor=VENDOR_TAG, vendor_agent_id=agent_id(number))
        key = keys.workspaces if index == 0 else None
        requests.append(_workspace(directories.hardened_id, agent_user(number), tags, key))
    for index in range(2):
        position = (offset + index) % len(STAFF)
        user = staff_user(STAFF[position].handle, unit).removesuffix(".nbh")
        tags = phi_tags(employee_id=employee_id(unit, position))
        key = keys.workspaces if index == 0 else None
        requests.append(_workspace(directories.lax_id, user, tags, key))
    result = ctx.clients.get("workspaces", region).create_workspaces(Workspaces=requests)
    if result["FailedRequests"]:
        failure = result["FailedRequests"][0]
        raise GovkitError(f"create_workspaces failed in {region}: {failure.get('ErrorMessage')}")
    return Counts(workspaces=len(requests))


def seed_unit_secure_browser(ctx: SeedContext, unit: int) -> Counts:
    web = ctx.clients.get("workspaces-web", home_region(ctx.regions))
    suffix = unit_suffix(unit)
    tags = tag_list(classification_tags("phi", application="secure-browser"))
    locked = web.create_user_settings(
        copyAllowed="Disabled", pasteAllowed="Disabled", downloadAllowed="Disabled",
        uploadAllowed="Disabled", printAllowed="Disabled", idleDisconnectTimeoutInMinutes=10,
        disconnectTimeoutInMinutes=60, tags=tags,
    )["userSettingsArn"]
    open_settings = web.create_user_settings(
        copyAllowed="Enabled", pasteAllowed="Disabled", downloadAllowed="Enabled",
        uploadAllowed="Disabled", printAllowed="Enabled", idleDisconnectTimeoutInMinutes=60,
        disconnectTimeoutInMinutes=600, tags=tags,
    )["userSettingsArn"]
    key = create_key(ctx.clients.get("kms", home_region(ctx.regions)),
                     f"nbh-secure-browser{suffix}", rotation=True, purpose="secure-browser")
    portals = (  # (name, user settings, customer managed key)
        (f"nbh-meridian-agent-portal{suffix}", locked, key),
        (f"nbh-billing-support-portal{suffix}", open_settings, None),
        (f"nbh-pilot-portal{suffix}", None, None),
    )
    for name, settings, portal_key in portals:
        params: dict[str, Any] = {"displayName": name, "tags": tags}
        if portal_key is not None:
            params["customerManagedKey"] = portal_key
        portal = web.create_portal(**params)["portalArn"]
        if settings is not None:
            web.associate_user_settings(portalArn=portal, userSettingsArn=settings)
    return Counts(web_portals=len(portals), web_user_settings=2, kms_keys=1)
