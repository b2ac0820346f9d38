"""WorkSpaces Pools, each with the streaming settings of its directory.

A pool (``DescribeWorkspacesPools``) carries its own ``TimeoutSettings`` and
``ApplicationSettings``; what users may move between the session and their device
(``UserSettings``: clipboard in each direction, printing, smart cards) and the storage
connectors (home folders) are the ``StreamingProperties`` of the pool's directory, as
``DescribeWorkspaceDirectories`` returns them. ``StreamingProperties`` None: the directory
sets none, and the service's defaults apply. A directory that could not be read fails the
attribute with the call that failed.

Pools carry no tags in their description and DescribeTags does not document pools, so Tags
are not collected (the attribute fails as NotCollected, as for WorkSpaces and portals).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    accounts_of, failure, listing_coverage, not_collected, ref)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

SERVICE = "workspaces"
POOL = "aws.workspaces.pool"
POOL_FIELDS = ("PoolId", "PoolName", "State", "DirectoryId", "Description", "BundleId",
               "RunningMode", "CapacityStatus", "CreatedAt")

Located = tuple[CallRecord, int]  # a directory's record and its position in "Directories"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, SERVICE):
        pages = [snapshot.load(e) for e in
                 snapshot.select(SERVICE, "DescribeWorkspacesPools", account)]
        yield from listing_coverage(pages, POOL)
        if not pages:
            continue
        directories = [snapshot.load(e) for e in
                       snapshot.select(SERVICE, "DescribeWorkspaceDirectories", account)]
        located = _located(directories)
        for page in pages:
            for index, pool in enumerate(page.response.get("WorkspacesPools") or []):
                yield _pool(pool, page, index, account, directories, located)


def _located(directories: list[CallRecord]) -> dict[tuple[str, Any], Located]:
    """Each directory, by (region, DirectoryId), in the latest answer that describes it."""
    found: dict[tuple[str, Any], Located] = {}
    for record in directories:
        for position, directory in enumerate(record.response.get("Directories") or []):
            found[(record.entry.region, directory.get("DirectoryId"))] = (record, position)
    return found


def _pool(pool: Mapping[str, Any], page: CallRecord, index: int, account: str,
          directories: list[CallRecord], located: Mapping[tuple[str, Any], Located]
          ) -> Resource:
    region = page.entry.region
    builder = ResourceBuilder(id=str(pool["PoolArn"]), type=POOL, account=account,
                              region=region, name=str(pool.get("PoolName") or pool["PoolId"]))
    entry = ref(page, "WorkspacesPools", index)
    builder.update({f: pool.get(f) for f in POOL_FIELDS}, entry)
    builder.set("Errors", list(pool.get("Errors") or []), entry)
    for key in ("TimeoutSettings", "ApplicationSettings"):
        value = pool.get(key)
        builder.set(key, dict(value) if isinstance(value, Mapping) else None,
                    ref(page, "WorkspacesPools", index, key))
    directory_id = str(pool.get("DirectoryId"))
    _streaming(builder, directory_id, page, index, located.get((region, directory_id)),
               [d for d in directories if d.entry.region == region])
    return builder.build()


def _streaming(builder: ResourceBuilder, directory_id: str, page: CallRecord, index: int,
               found: Located | None, directories: list[CallRecord]) -> None:
    """``StreamingProperties`` (and the directory's ``UserIdentityType``) from the latest
    answer that describes the pool's directory (``found``), or why they are unknown."""
    if found is None:
        reason = _unknown_directory(directory_id, page, index, directories)
        builder.fail("StreamingProperties", reason).fail("UserIdentityType", reason)
        return
    record, position = found
    directory = record.response["Directories"][position]
    streaming = directory.get("StreamingProperties")
    builder.set("StreamingProperties",
                dict(streaming) if isinstance(streaming, Mapping) else None,
                ref(record, "Directories", position, "StreamingProperties"))
    builder.set("UserIdentityType", directory.get("UserIdentityType"),
                ref(record, "Directories", position, "UserIdentityType"))


def _unknown_directory(directory_id: str, page: CallRecord, index: int,
                       directories: list[CallRecord]) -> CallFailure:
    failed = next((d for d in directories if not d.entry.ok), None)
    if failed is not None:
        return failure(failed)
    if not directories:
        return not_collected(f"{SERVICE}:DescribeWorkspaceDirectories",
                             f"directory {directory_id} of the pool was not described")
    return dataclasses.replace(
        CallFailure.from_entry(page.entry, f"directory {directory_id} of the pool is in no "
                               "DescribeWorkspaceDirectories answer"),
        code="NotCollected", pointer=ref(page, "WorkspacesPools", index, "DirectoryId").pointer)
