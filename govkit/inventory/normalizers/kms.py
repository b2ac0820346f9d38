"""KMS keys with manager, state, rotation, aliases and tags; and key look-ups for other
services ("is this bucket's key customer managed?")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Resource, ResourceBuilder
from govkit.inventory.normalizers.common import (
    NormalizeContext, RecordSet, accounts_of, apply_optional, failure, listing_coverage,
    tags_from_list)
from govkit.snapshot import Snapshot

METADATA_FIELDS = ("KeyManager", "KeyState", "KeySpec", "KeyUsage", "Origin", "Description",
                   "Enabled", "MultiRegion", "DeletionDate", "CreationDate")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "kms"):
        records = RecordSet(snapshot, "kms", account)
        listings = records.of("ListKeys")
        yield from listing_coverage(listings, "aws.kms.key")
        aliases = _aliases_by_key(records)
        described = records.by_param("DescribeKey", "KeyId")
        rotation = records.by_param("GetKeyRotationStatus", "KeyId")
        tags = records.by_param("ListResourceTags", "KeyId")
        for listing in listings:
            for key in listing.response.get("Keys") or []:
                yield _key(key, listing, described.get(key["KeyId"]),
                           rotation.get(key["KeyId"]), tags.get(key["KeyId"]),
                           aliases.get((listing.entry.region, key["KeyId"]), []), account)


def _aliases_by_key(records: RecordSet) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for page in records.of("ListAliases"):
        for alias in page.response.get("Aliases") or []:
            if alias.get("TargetKeyId"):
                found.setdefault((page.entry.region, alias["TargetKeyId"]), []).append(
                    alias["AliasName"])
    return found


def _key(key: dict[str, Any], listing: Any, described: Any, rotation: Any, tags: Any,
         aliases: list[str], account: str) -> Resource:
    builder = ResourceBuilder(id=key["KeyArn"], type="aws.kms.key", account=account,
                              region=listing.entry.region, name=key["KeyId"])
    builder.set("Aliases", sorted(aliases), listing.entry.file)
    missing = CallFailure.from_entry(listing.entry, "key was listed but not described")
    if described is None or not described.entry.ok:
        reason = failure(described) if described is not None else missing
        for field in (*METADATA_FIELDS, "RotationEnabled", "Tags"):
            builder.fail(field, reason)
        return builder.build()
    meta = described.response.get("KeyMetadata", {})
    builder.update({f: meta.get(f) for f in METADATA_FIELDS}, described.entry.file)
    if meta.get("KeyManager") != "CUSTOMER":
        builder.set("RotationEnabled", True, described.entry.file)  # AWS rotates its keys
        return builder.build()
    rotatable = meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT" and \
        meta.get("Origin", "AWS_KMS") == "AWS_KMS"
    if rotatable:
        apply_optional(builder, "RotationEnabled", rotation,
                       lambda r: bool(r.get("KeyRotationEnabled")), missing)
        if rotation is not None and rotation.entry.ok:
            builder.set("RotationPeriodInDays", rotation.response.get("RotationPeriodInDays"),
                        rotation.entry.file)
    else:
        builder.set("RotationEnabled", None, described.entry.file)
    if tags is not None and tags.entry.ok:
        builder.set_tags(tags_from_list(tags.response.get("Tags"), "TagKey", "TagValue"),
                         tags.entry.file)
    elif tags is not None:
        builder.fail("Tags", failure(tags))
    return builder.build()


def key_directory(snapshot: Snapshot, ctx: NormalizeContext, account: str) -> KeyDirectory:
    """The account's key directory, read from the snapshot once per normalisation."""
    directory: KeyDirectory = ctx.once("kms-keys", account,
                                       lambda: KeyDirectory(snapshot, account))
    return directory


class KeyDirectory:
    """Resolves a key reference (ARN, id, alias) to its manager: CUSTOMER or AWS."""

    def __init__(self, snapshot: Snapshot, account: str) -> None:
        records = RecordSet(snapshot, "kms", account)
        self.account = account
        self._aliases: dict[tuple[str, str], str] = {}
        for page in records.of("ListAliases"):
            for alias in page.response.get("Aliases") or []:
                if alias.get("TargetKeyId"):
                    self._aliases[(page.entry.region, alias["AliasName"])] = alias["TargetKeyId"]
        self._managers: dict[str, str] = {}
        self._failures: dict[str, CallFailure] = {}
        for key_id, record in records.by_param("DescribeKey", "KeyId").items():
            if record.entry.ok:
                self._managers[str(key_id)] = record.response["KeyMetadata"]["KeyManager"]
            else:
                self._failures[str(key_id)] = failure(record)

    def manager(self, reference: str | None, region: str) -> tuple[str | None, CallFailure | None]:
        """``("CUSTOMER"|"AWS"|None, failure)`` for a key reference used in ``region``."""
        if not reference:
            return None, None
        parts = reference.split(":")
        if reference.startswith("arn:") and len(parts) > 5:
            region, account, resource = parts[3], parts[4], parts[5]
            if account != self.account:
                return "CUSTOMER", None  # AWS managed keys cannot be used across accounts
            reference = resource
        if reference.startswith("alias/aws/"):
            return "AWS", None
        if reference.startswith("alias/"):
            target = self._aliases.get((region, reference))
            if target is None:
                return None, None
            reference = target
        key_id = reference.removeprefix("key/")
        if key_id in self._failures:
            return None, self._failures[key_id]
        return self._managers.get(key_id), None
