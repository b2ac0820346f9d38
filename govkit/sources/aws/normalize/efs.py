"""EFS file systems (``aws.efs.file_system``): encryption at rest and its key, automatic
backups and tags.

DescribeBackupPolicy answers a file system that never had a backup policy with
PolicyNotFound: that is the setting (no automatic backups), not a failed call."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, listing_coverage, ref, tags_from_list, unread)
from govkit.sources.aws.normalize.kms import key_directory
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

FILE_SYSTEM = "aws.efs.file_system"


def _backup_status(response: Mapping[str, Any]) -> str | None:
    status = (response.get("BackupPolicy") or {}).get("Status")
    return None if status is None else str(status)


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "efs"):
        records = RecordSet(snapshot, "efs", account)
        pages = records.of("DescribeFileSystems")
        yield from listing_coverage(pages, FILE_SYSTEM)
        backups = records.by_param("DescribeBackupPolicy", "FileSystemId")
        keys = key_directory(snapshot, ctx, account)
        for page in pages:
            region = page.entry.region
            for index, fs in enumerate(page.response.get("FileSystems") or []):
                fs_id = str(fs.get("FileSystemId"))
                entry = ref(page, "FileSystems", index)
                builder = ResourceBuilder(id=str(fs.get("FileSystemArn") or fs_id),
                                          type=FILE_SYSTEM, account=account, region=region,
                                          name=str(fs.get("Name") or fs_id), item=entry)
                builder.set_tags(tags_from_list(fs.get("Tags")),
                                 ref(page, "FileSystems", index, "Tags"))
                for key in ("FileSystemId", "Encrypted", "KmsKeyId", "LifeCycleState",
                            "PerformanceMode", "ThroughputMode", "NumberOfMountTargets"):
                    builder.set(key, fs.get(key), ref(page, "FileSystems", index, key))
                keys.set_manager(builder, fs.get("KmsKeyId"), region,
                                 ref(page, "FileSystems", index, "KmsKeyId"),
                                 encrypted=bool(fs.get("Encrypted")))
                missing = unread(page, f"file system {fs_id} was listed but its backup policy "
                                       "was not read", "FileSystems", index)
                apply_optional(builder, "BackupPolicyStatus", backups.get(fs_id),
                               _backup_status, missing, at=("BackupPolicy", "Status"))
                yield builder.build()
