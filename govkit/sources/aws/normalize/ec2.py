"""EBS: per-region default encryption, volumes, and snapshots with who may restore them."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, failure, listing_coverage, partition, ref,
    tags_from_list, unread)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "ec2"):
        records = RecordSet(snapshot, "ec2", account)
        yield from _settings(records, account)
        yield from _volumes(records, account)
        yield from _snapshots(records, account)


def _settings(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    for record in records.of("GetEbsEncryptionByDefault"):
        region = record.entry.region
        yield Coverage(type="aws.ec2.regional_settings", account=account, region=region)
        builder = ResourceBuilder(id=f"arn:{partition(region)}:ec2:{region}:{account}:settings",
                                  type="aws.ec2.regional_settings", account=account,
                                  region=region, name=f"{account}/{region}")
        apply_optional(builder, "EbsEncryptionByDefault", record,
                       lambda r: bool(r.get("EbsEncryptionByDefault")),
                       at=("EbsEncryptionByDefault",))
        yield builder.build()


def _volumes(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    pages = records.of("DescribeVolumes")
    yield from listing_coverage(pages, "aws.ec2.volume")
    for page in pages:
        region = page.entry.region
        for index, volume in enumerate(page.response.get("Volumes") or []):
            volume_id = volume["VolumeId"]
            builder = ResourceBuilder(
                id=f"arn:{partition(region)}:ec2:{region}:{account}:volume/{volume_id}",
                type="aws.ec2.volume", account=account, region=region, name=volume_id)
            entry = ref(page, "Volumes", index)
            builder.set_tags(tags_from_list(volume.get("Tags")), entry)
            builder.update({
                "Encrypted": bool(volume.get("Encrypted")), "KmsKeyId": volume.get("KmsKeyId"),
                "State": volume.get("State"), "Size": volume.get("Size"),
                "VolumeType": volume.get("VolumeType"), "CreateTime": volume.get("CreateTime"),
                "AttachedInstances": sorted(a.get("InstanceId", "") for a in
                                            volume.get("Attachments") or []),
            }, entry)
            yield builder.build()


def _snapshots(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    pages = records.of("DescribeSnapshots")
    yield from listing_coverage(pages, "aws.ec2.snapshot")
    permissions = records.by_param("DescribeSnapshotAttribute", "SnapshotId")
    for page in pages:
        region = page.entry.region
        for index, snap in enumerate(page.response.get("Snapshots") or []):
            snapshot_id = snap["SnapshotId"]
            builder = ResourceBuilder(
                id=f"arn:{partition(region)}:ec2:{region}::snapshot/{snapshot_id}",
                type="aws.ec2.snapshot", account=account, region=region, name=snapshot_id)
            entry = ref(page, "Snapshots", index)
            builder.set_tags(tags_from_list(snap.get("Tags")), entry)
            builder.update({"Encrypted": bool(snap.get("Encrypted")),
                            "KmsKeyId": snap.get("KmsKeyId"), "VolumeId": snap.get("VolumeId"),
                            "StartTime": snap.get("StartTime")}, entry)
            record = permissions.get(snapshot_id)
            if record is None or not record.entry.ok:
                reason = failure(record) if record is not None else unread(
                    page, f"restore permissions of {snapshot_id} were not read", "Snapshots",
                    index)
                builder.fail("Public", reason).fail("SharedWithAccounts", reason)
            else:
                grants = record.response.get("CreateVolumePermissions") or []
                granted = ref(record, "CreateVolumePermissions")
                builder.set("Public", any(g.get("Group") == "all" for g in grants), granted)
                builder.set("SharedWithAccounts",
                            sorted(g["UserId"] for g in grants if g.get("UserId")), granted)
            yield builder.build()
