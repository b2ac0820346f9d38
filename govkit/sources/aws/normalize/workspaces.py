"""WorkSpaces directories (the glass window's settings) and WorkSpaces (volume encryption).

Neither carries tags: WorkSpaces tags are not collected, since no rule scopes by them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.account_fields import set_workspace_fields
from govkit.sources.aws.normalize.ip_groups import set_ip_group_rules
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, partition, ref, unread)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

DEVICE_PREFIX = "DeviceType"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "workspaces"):
        records = RecordSet(snapshot, "workspaces", account)
        yield from _directories(records, account)
        yield from _workspaces(records, account)


def _client_properties(records: RecordSet
                       ) -> dict[str, tuple[CallRecord, Mapping[str, Any], Ref]]:
    """Each directory's client properties, the call that read them and where they are in its
    answer (the whole list when the answer left the directory out: no properties set)."""
    found: dict[str, tuple[CallRecord, Mapping[str, Any], Ref]] = {}
    for record in records.of("DescribeClientProperties"):
        for directory_id in record.entry.params.get("ResourceIds") or []:
            found[directory_id] = (record, {}, ref(record, "ClientPropertiesList"))
        for index, item in enumerate(record.response.get("ClientPropertiesList") or []):
            found[item["ResourceId"]] = (record, item.get("ClientProperties") or {},
                                         ref(record, "ClientPropertiesList", index,
                                             "ClientProperties"))
    return found


def _directories(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    pages = records.of("DescribeWorkspaceDirectories")
    yield from listing_coverage(pages, "aws.workspaces.directory")
    clients = _client_properties(records)
    for page in pages:
        region = page.entry.region
        for index, directory in enumerate(page.response.get("Directories") or []):
            directory_id = directory["DirectoryId"]
            builder = ResourceBuilder(
                id=f"arn:{partition(region)}:workspaces:{region}:{account}:directory/"
                   f"{directory_id}",
                type="aws.workspaces.directory", account=account, region=region,
                name=directory.get("DirectoryName") or directory_id)
            access = directory.get("WorkspaceAccessProperties") or {}
            groups = directory.get("ipGroupIds") or []  # some endpoints send "" for none
            builder.update({
                "DirectoryId": directory_id,
                "DirectoryType": directory.get("DirectoryType"),
                "State": directory.get("State"),
                "WorkspaceAccessProperties": access,
                "AllowedDeviceTypes": sorted(k.removeprefix(DEVICE_PREFIX) for k, v in
                                             access.items() if v == "ALLOW"),
                "WorkspaceCreationProperties":
                    directory.get("WorkspaceCreationProperties") or {},
                "SelfservicePermissions": directory.get("SelfservicePermissions") or {},
                "IpGroupIds": list(groups) if isinstance(groups, list) else [],
                "SamlProperties": directory.get("SamlProperties"),
                "CertificateBasedAuthProperties":
                    directory.get("CertificateBasedAuthProperties"),
                "Tenancy": directory.get("Tenancy"),
            }, ref(page, "Directories", index))
            set_ip_group_rules(builder, records, region, builder.attributes["IpGroupIds"])
            client = clients.get(directory_id)
            if client is None:
                builder.fail("ClientProperties", unread(
                    page, "client properties were not read", "Directories", index))
            elif not client[0].entry.ok:
                builder.fail("ClientProperties", failure(client[0]))
            else:
                builder.set("ClientProperties", dict(client[1]), client[2])
            yield builder.build()


def _workspaces(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    pages = records.of("DescribeWorkspaces")
    yield from listing_coverage(pages, "aws.workspaces.workspace")
    for page in pages:
        region = page.entry.region
        for index, workspace in enumerate(page.response.get("Workspaces") or []):
            workspace_id = workspace["WorkspaceId"]
            builder = ResourceBuilder(
                id=f"arn:{partition(region)}:workspaces:{region}:{account}:workspace/"
                   f"{workspace_id}",
                type="aws.workspaces.workspace", account=account, region=region,
                name=workspace_id)
            # the API leaves the encryption flags out when they are false
            builder.update({
                "UserName": workspace.get("UserName"),
                "DirectoryId": workspace.get("DirectoryId"),
                "State": workspace.get("State"),
                "RootVolumeEncryptionEnabled":
                    bool(workspace.get("RootVolumeEncryptionEnabled", False)),
                "UserVolumeEncryptionEnabled":
                    bool(workspace.get("UserVolumeEncryptionEnabled", False)),
                "VolumeEncryptionKey": workspace.get("VolumeEncryptionKey") or None,
                "WorkspaceProperties": workspace.get("WorkspaceProperties") or {},
            }, ref(page, "Workspaces", index))
            set_workspace_fields(builder, workspace, ref(page, "Workspaces", index))
            # tags are not collected: no rule scopes WorkSpaces by tag (Tags stays unknown)
            yield builder.build()
