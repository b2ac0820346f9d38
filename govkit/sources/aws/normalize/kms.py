"""KMS keys with manager, state, rotation and aliases; and key look-ups for other
services ("is this bucket's key customer managed?")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, failure, listing_coverage, not_collected, ref, unread)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

METADATA_FIELDS = ("KeyManager", "KeyState", "KeySpec", "KeyUsage", "Origin", "Description",
                   "Enabled", "MultiRegion", "DeletionDate", "CreationDate")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "kms"):
        records = RecordSet(snapshot, "kms", account)
        listings = records.of("ListKeys")
        yield from listing_coverage(listings, "aws.kms.key")
        directory = key_directory(snapshot, ctx, account)
        described = records.by_param("DescribeKey", "KeyId")
        rotation = records.by_param("GetKeyRotationStatus", "KeyId")
        for listing in listings:
            for index, key in enumerate(listing.response.get("Keys") or []):
                builder = _key(key, listing, index, described.get(key["KeyId"]),
                               rotation.get(key["KeyId"]), account)
                aliases = directory.aliases_of(listing.entry.region, key["KeyId"])
                if isinstance(aliases, CallFailure):
                    builder.fail("Aliases", aliases)
                else:
                    builder.set("Aliases", aliases,
                                directory.alias_refs(listing.entry.region, key["KeyId"]))
                yield builder.build()


def _key(key: dict[str, Any], listing: CallRecord, index: int, described: CallRecord | None,
         rotation: CallRecord | None, account: str) -> ResourceBuilder:
    builder = ResourceBuilder(id=key["KeyArn"], type="aws.kms.key", account=account,
                              region=listing.entry.region, name=key["KeyId"])
    missing = unread(listing, "key was listed but not described", "Keys", index)
    if described is None or not described.entry.ok:
        reason = failure(described) if described is not None else missing
        for field in (*METADATA_FIELDS, "RotationEnabled"):
            builder.fail(field, reason)
        return builder
    meta = described.response.get("KeyMetadata", {})
    metadata = ref(described, "KeyMetadata")
    builder.update({f: meta.get(f) for f in METADATA_FIELDS}, metadata)
    if meta.get("KeyManager") != "CUSTOMER":
        # AWS rotates its keys
        builder.set("RotationEnabled", True, ref(described, "KeyMetadata", "KeyManager"))
        return builder
    rotatable = meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT" and \
        meta.get("Origin", "AWS_KMS") == "AWS_KMS"
    if rotatable:
        apply_optional(builder, "RotationEnabled", rotation,
                       lambda r: bool(r.get("KeyRotationEnabled")), missing,
                       at=("KeyRotationEnabled",))
        if rotation is not None and rotation.entry.ok:
            builder.set("RotationPeriodInDays", rotation.response.get("RotationPeriodInDays"),
                        ref(rotation, "RotationPeriodInDays"))
    else:
        builder.set("RotationEnabled", None, metadata)
    # tags are not collected: no rule scopes keys by tag (the build marks Tags unknown)
    return builder


def key_directory(snapshot: Snapshot, ctx: NormalizeContext, account: str) -> KeyDirectory:
    """The account's key directory, read from the snapshot once per normalisation."""
    directory: KeyDirectory = ctx.once("kms-keys", account,
                                       lambda: KeyDirectory(snapshot, account))
    return directory


class KeyDirectory:
    """Resolves a key reference (ARN, id, alias) to its manager: CUSTOMER or AWS.

    A reference that cannot be resolved because a listing failed is a failure, never "not
    customer managed": an alias needs that region's aliases, a key id that region's keys.
    """

    def __init__(self, snapshot: Snapshot, account: str) -> None:
        records = RecordSet(snapshot, "kms", account)
        self.account = account
        self._aliases: dict[tuple[str, str], str] = {}
        self._alias_entries: dict[tuple[str, str], Ref] = {}
        self._alias_pages: dict[str, list[CallRecord]] = {}
        for page in records.of("ListAliases"):
            self._alias_pages.setdefault(page.entry.region, []).append(page)
            for index, alias in enumerate(page.response.get("Aliases") or []):
                if alias.get("TargetKeyId"):
                    self._aliases[(page.entry.region, alias["AliasName"])] = alias["TargetKeyId"]
                    self._alias_entries[(page.entry.region, alias["AliasName"])] = \
                        ref(page, "Aliases", index)
        self._key_listings: dict[str, CallFailure | None] = {}
        for page in records.of("ListKeys"):
            if self._key_listings.get(page.entry.region) is None:
                self._key_listings[page.entry.region] = (None if page.entry.ok
                                                         else failure(page))
        self._managers: dict[str, str] = {}
        self._manager_refs: dict[str, Ref] = {}
        self._failures: dict[str, CallFailure] = {}
        for key_id, record in records.by_param("DescribeKey", "KeyId").items():
            if record.entry.ok:
                self._managers[str(key_id)] = record.response["KeyMetadata"]["KeyManager"]
                self._manager_refs[str(key_id)] = ref(record, "KeyMetadata", "KeyManager")
            else:
                self._failures[str(key_id)] = failure(record)

    def _alias_failure(self, region: str) -> CallFailure | None:
        pages = self._alias_pages.get(region)
        if not pages:
            return not_collected("kms:ListAliases", f"the aliases of {region} were not read")
        bad = next((p for p in pages if not p.entry.ok), None)
        return None if bad is None else failure(bad)

    def alias_refs(self, region: str, key_id: str) -> list[Ref]:
        """The alias entries naming ``key_id`` (the alias lists, when none does)."""
        found = [entry for (where, name), entry in sorted(self._alias_entries.items())
                 if where == region and self._aliases[(where, name)] == key_id]
        return found or [ref(page, "Aliases") for page in self._alias_pages.get(region, [])]

    def aliases_of(self, region: str, key_id: str) -> list[str] | CallFailure:
        failed = self._alias_failure(region)
        if failed is not None:
            return failed
        return sorted(name for (where, name), target in self._aliases.items()
                      if where == region and target == key_id)

    def set_manager(self, builder: ResourceBuilder, reference: str | None, region: str,
                    source: Ref, *, encrypted: bool = True) -> None:
        """Set the builder's ``KmsKeyManager`` from the key ``reference`` (read at ``source``)
        names: None when not ``encrypted``, the failure when the key cannot be resolved."""
        manager, failed, refs = self.resolve(reference, region) if encrypted else \
            (None, None, [])
        if failed is not None:
            builder.fail("KmsKeyManager", failed)
        else:
            builder.set("KmsKeyManager", manager, [source, *refs])

    def manager(self, reference: str | None, region: str) -> tuple[str | None, CallFailure | None]:
        """``("CUSTOMER"|"AWS"|None, failure)`` for a key reference used in ``region``."""
        manager, failed, _ = self.resolve(reference, region)
        return manager, failed

    def resolve(self, reference: str | None, region: str
                ) -> tuple[str | None, CallFailure | None, list[Ref]]:
        """:meth:`manager`, with the records that told: the alias entry naming the key and
        the key's description."""
        if not reference:
            return None, None, []
        parts = reference.split(":")
        if reference.startswith("arn:") and len(parts) > 5:
            region, account, resource = parts[3], parts[4], parts[5]
            if account != self.account:
                return "CUSTOMER", None, []  # AWS managed keys cannot be used across accounts
            reference = resource
        if reference.startswith("alias/aws/"):
            return "AWS", None, []
        refs: list[Ref] = []
        if reference.startswith("alias/"):
            failed = self._alias_failure(region)
            if failed is not None:
                return None, failed, []
            target = self._aliases.get((region, reference))
            if target is None:
                return None, None, []  # no such alias: the data is not under a key we know
            refs.append(self._alias_entries[(region, reference)])
            reference = target
        key_id = reference.removeprefix("key/")
        if key_id in self._failures:
            return None, self._failures[key_id], []
        if key_id not in self._managers:
            listed = self._key_listings.get(region, not_collected(
                "kms:ListKeys", f"the keys of {region} were not read"))
            if listed is not None:
                return None, listed, []
            return None, None, refs
        return self._managers[key_id], None, [*refs, self._manager_refs[key_id]]
