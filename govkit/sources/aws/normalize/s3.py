"""S3 buckets: encryption, policy (public? TLS-only?), ACL, public access blocks at bucket and
account level, versioning, object lock and tags."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, failure, listing_coverage, not_configured,
    parse_policy, ref, tags_from_list, unread)
from govkit.sources.interface import NormalizeContext
from govkit.sources.aws.normalize.kms import KeyDirectory, key_directory
from govkit.sources.aws.normalize.policy_analysis import (
    allows_public, denies_insecure_transport, public_write_actions)
from govkit.sources.aws.normalize.trails import (
    Trail, TrailDirectory, bucket_data_events, log_destination_trails, organization_trails,
    trail_directory)
from govkit.sources.aws.services.s3 import bucket_region_of
from govkit.snapshot import CallRecord, Snapshot

_PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers",
                    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
_BUCKET_OPERATIONS = ("GetBucketLocation", "GetBucketTagging", "GetBucketEncryption",
                      "GetBucketPolicy", "GetPublicAccessBlock", "GetBucketAcl",
                      "GetBucketVersioning", "GetObjectLockConfiguration", "GetBucketLogging")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "s3"):
        records = RecordSet(snapshot, "s3", account)
        listings = records.of("ListBuckets")
        yield from listing_coverage(listings, "aws.s3.bucket")
        by_bucket = {op: records.by_param(op, "Bucket") for op in _BUCKET_OPERATIONS}
        account_block = RecordSet(snapshot, "s3control", account).of("GetPublicAccessBlock")
        keys = key_directory(snapshot, ctx, account)
        trails = trail_directory(snapshot, ctx, account)
        org_trails = organization_trails(snapshot, ctx)
        for listing in listings:
            for index, bucket in enumerate(listing.response.get("Buckets") or []):
                calls = {op: found.get(bucket["Name"]) for op, found in by_bucket.items()}
                region = _region(bucket, calls)
                if region is not None and ctx.scanned_regions and \
                        region not in ctx.scanned_regions:
                    continue  # outside the regions scanned: not read, not judged
                builder = _bucket(bucket, (listing, index), calls,
                                  account_block[-1] if account_block else None, keys, account)
                _audit_logging(builder, trails, org_trails,
                               log_destination_trails(snapshot, ctx, bucket["Name"]))
                yield builder.build()


def _region(bucket: Mapping[str, Any], calls: Mapping[str, CallRecord | None]) -> str | None:
    """The bucket's region: from the listing, its location, or where it was read; else None."""
    if bucket.get("BucketRegion"):
        return str(bucket["BucketRegion"])
    location = calls.get("GetBucketLocation")
    if location is not None and location.entry.ok:
        return bucket_region_of(location.response)
    return next((r.entry.region for r in calls.values()
                 if r is not None and r.entry.operation != "GetBucketLocation"), None)


def _bucket(bucket: Mapping[str, Any], listed: tuple[CallRecord, int],
            calls: Mapping[str, CallRecord | None], account_block: CallRecord | None,
            keys: KeyDirectory, account: str) -> ResourceBuilder:
    name = bucket["Name"]
    region = _region(bucket, calls) or "us-east-1"
    builder = ResourceBuilder(id=f"arn:aws:s3:::{name}", type="aws.s3.bucket", account=account,
                              region=region, name=name)
    listing, index = listed
    builder.set("CreationDate", bucket.get("CreationDate"),
                ref(listing, "Buckets", index, "CreationDate"))
    location = calls.get("GetBucketLocation")
    missing = (failure(location) if location is not None and not location.entry.ok
               else unread(listing, f"bucket {name} was not read", "Buckets", index))
    tagging = calls["GetBucketTagging"]
    apply_optional(builder, "Tags", tagging, lambda r: tags_from_list(r.get("TagSet")), missing,
                   at=("TagSet",))
    if "Tags" in builder.attributes:
        builder.tags = dict(builder.attributes["Tags"] or {})
        builder.attributes["Tags"] = dict(builder.tags)
    apply_optional(builder, "DefaultEncryption", calls["GetBucketEncryption"], _encryption,
                   missing, at=("ServerSideEncryptionConfiguration",))
    _key_manager(builder, keys, region)
    for key, operation, value_of, at in _SETTINGS:
        apply_optional(builder, key, calls[operation], value_of, missing, at=(at,))
    _derived(builder, account_block)
    return builder


# attribute, the call it comes from, its value in the answer, where that sits in the answer
_SETTINGS: tuple[tuple[str, str, Any, str], ...] = (
    ("Policy", "GetBucketPolicy", lambda r: parse_policy(r.get("Policy")), "Policy"),
    ("PublicAccessBlock", "GetPublicAccessBlock",
     lambda r: r.get("PublicAccessBlockConfiguration"), "PublicAccessBlockConfiguration"),
    ("AclGrants", "GetBucketAcl", lambda r: r.get("Grants") or [], "Grants"),
    ("Versioning", "GetBucketVersioning", lambda r: r.get("Status"), "Status"),
    ("ObjectLock", "GetObjectLockConfiguration", lambda r: r.get("ObjectLockConfiguration"),
     "ObjectLockConfiguration"),
    ("AccessLogging", "GetBucketLogging", lambda r: r.get("LoggingEnabled"), "LoggingEnabled"),
)


def _audit_logging(builder: ResourceBuilder, trails: TrailDirectory, org_trails: list[Trail],
                   destination: tuple[list[str], list[Ref]] | CallFailure) -> None:
    """Which trails record this bucket's object reads and writes, and which deliver their own
    log files here (an audit-log bucket)."""
    logged = bucket_data_events(trails, org_trails, builder.id, builder.region)
    for key, found in (("DataEventLogging", logged), ("AuditLogTrails", destination)):
        if isinstance(found, CallFailure):
            builder.fail(key, found)
        else:
            value, refs = found
            builder.set(key, value, refs)


def _encryption(response: Mapping[str, Any]) -> dict[str, Any] | None:
    rules = (response.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    if not rules:
        return None
    default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
    return {"SSEAlgorithm": default.get("SSEAlgorithm"),
            "KMSMasterKeyID": default.get("KMSMasterKeyID"),
            "BucketKeyEnabled": bool(rules[0].get("BucketKeyEnabled", False))}


def _key_manager(builder: ResourceBuilder, keys: KeyDirectory, region: str) -> None:
    if "DefaultEncryption" in builder.failures:
        builder.fail("KmsKeyManager", builder.failures["DefaultEncryption"])
        return
    encryption = builder.attributes["DefaultEncryption"] or {}
    algorithm = encryption.get("SSEAlgorithm")
    source = builder.sources["DefaultEncryption"]
    if algorithm not in ("aws:kms", "aws:kms:dsse"):
        builder.set("KmsKeyManager", None, source)
        return
    reference = encryption.get("KMSMasterKeyID") or "alias/aws/s3"
    manager, failed, key_refs = keys.resolve(reference, region)
    if failed is not None:
        builder.fail("KmsKeyManager", failed)
    else:
        builder.set("KmsKeyManager", manager, [*source, *key_refs])


def _block(config: Mapping[str, Any] | None, setting: str) -> bool:
    return bool((config or {}).get(setting))


def _derived(builder: ResourceBuilder, account_block: CallRecord | None) -> None:
    """TLS-only, and whether the bucket is public once both public access blocks apply."""
    attrs = builder.attributes
    if "Policy" in builder.failures:
        builder.fail("TlsOnly", builder.failures["Policy"])
    else:
        builder.set("TlsOnly", denies_insecure_transport(attrs["Policy"]),
                    builder.sources["Policy"])
    needed = ("Policy", "AclGrants", "PublicAccessBlock")
    failed = next((builder.failures[k] for k in needed if k in builder.failures), None)
    if failed is not None:
        builder.fail("Public", failed).fail("PublicWrite", failed)
        return
    writes = public_write_actions(attrs["Policy"])
    builder.set("PolicyPublicWriteActions", writes, builder.sources["Policy"])
    policy_public = allows_public(attrs["Policy"])
    acl_public = any((g.get("Grantee") or {}).get("URI") in _PUBLIC_GRANTEES
                     for g in attrs["AclGrants"] or [])
    policy, acl = builder.sources["Policy"], builder.sources["AclGrants"]
    builder.set("PolicyPublic", policy_public, policy)
    builder.set("AclPublic", acl_public, acl)
    if not writes:
        builder.set("PublicWrite", False, policy)
    if not policy_public and not acl_public:
        builder.set("Public", False, [*policy, *acl])
        return
    if account_block is None or not (account_block.entry.ok or
                                     not_configured(account_block.entry)):
        unread_block = failure(account_block) if account_block is not None else CallFailure(
            call="s3control:GetPublicAccessBlock", operation="s3control:GetPublicAccessBlock",
            code="NotCollected", message="account public access block not read", file="")
        builder.fail("Public", unread_block)
        if writes:
            builder.fail("PublicWrite", unread_block)
        return
    account_config = account_block.response.get("PublicAccessBlockConfiguration")
    bucket_config = attrs["PublicAccessBlock"]

    def blocked(setting: str) -> bool:
        return _block(bucket_config, setting) or _block(account_config, setting)

    public = (policy_public and not blocked("RestrictPublicBuckets")) or \
        (acl_public and not blocked("IgnorePublicAcls"))
    grants = [*(policy if policy_public else ()), *(acl if acl_public else ())]
    blocks = [*builder.sources["PublicAccessBlock"],
              ref(account_block, "PublicAccessBlockConfiguration")]
    builder.set("Public", public, [*grants, *blocks])
    if writes:
        builder.set("PublicWrite", not blocked("RestrictPublicBuckets"), [*policy, *blocks])
