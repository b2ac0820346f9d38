"""S3 buckets from a plan: ``aws_s3_bucket`` merged with the resources that configure it.

Since AWS provider v4 a bucket's settings live in separate resources that name the bucket
(``bucket = aws_s3_bucket.x.id``, unknown until the bucket exists, or its name): encryption,
versioning, public access block, policy, ACL, logging and object lock. Each is merged into the
bucket it points at, found by that reference (through module variables) or by name. Without
one, the bucket's own attribute decides: known for a bucket already in the state (the
provider reads every setting back), and for a bucket the plan creates, what S3 gives every new
bucket: SSE-S3 encryption (since January 2023), all four public access block settings on and
ACLs disabled (since April 2023), no policy, versioning never enabled, no logging and no object
lock. The result is the same ``aws.s3.bucket`` resource the scan builds from S3's answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from govkit.sources.terraform.aws import cloudtrail
from govkit.sources.terraform.context import PlanContext, Unknown, policy_document
from govkit.sources.terraform.keys import Key, resolve_key
from govkit.sources.terraform.plan import AttrPath, PlannedResource
from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.policy_analysis import (
    allows_public, denies_insecure_transport, public_write_actions)

BUCKET = "aws_s3_bucket"
ENCRYPTION = "aws_s3_bucket_server_side_encryption_configuration"
VERSIONING = "aws_s3_bucket_versioning"
ACCESS_BLOCK = "aws_s3_bucket_public_access_block"
POLICY = "aws_s3_bucket_policy"
ACL = "aws_s3_bucket_acl"
LOGGING = "aws_s3_bucket_logging"
OBJECT_LOCK = "aws_s3_bucket_object_lock_configuration"
ACCOUNT_BLOCK = "aws_s3_account_public_access_block"

_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
_LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
_PUBLIC_GRANTEES = (_ALL_USERS, _AUTHENTICATED)
_OWNER = {"Grantee": {"Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}
# S3's canned ACLs as the grants GetBucketAcl answers for them
_CANNED: Mapping[str, list[dict[str, Any]]] = {
    "private": [_OWNER],
    "public-read": [_OWNER, {"Grantee": {"Type": "Group", "URI": _ALL_USERS},
                             "Permission": "READ"}],
    "public-read-write": [_OWNER,
                          {"Grantee": {"Type": "Group", "URI": _ALL_USERS}, "Permission": "READ"},
                          {"Grantee": {"Type": "Group", "URI": _ALL_USERS},
                           "Permission": "WRITE"}],
    "authenticated-read": [_OWNER, {"Grantee": {"Type": "Group", "URI": _AUTHENTICATED},
                                    "Permission": "READ"}],
    "log-delivery-write": [_OWNER,
                           {"Grantee": {"Type": "Group", "URI": _LOG_DELIVERY},
                            "Permission": "WRITE"},
                           {"Grantee": {"Type": "Group", "URI": _LOG_DELIVERY},
                            "Permission": "READ_ACP"}],
}
_BLOCK_SETTINGS = (("BlockPublicAcls", "block_public_acls"),
                   ("IgnorePublicAcls", "ignore_public_acls"),
                   ("BlockPublicPolicy", "block_public_policy"),
                   ("RestrictPublicBuckets", "restrict_public_buckets"))
NEW_BUCKET_BLOCK = {setting: True for setting, _ in _BLOCK_SETTINGS}

Found = tuple[Any, Sequence[Ref]] | CallFailure


def normalize_bucket(ctx: PlanContext, bucket: PlannedResource) -> Iterator[Resource]:
    name = ctx.value(bucket, "bucket")
    builder = ctx.builder(bucket, "aws.s3.bucket", name if isinstance(name, str) else None)
    creating = "create" in bucket.actions
    settings = _Settings(ctx, bucket, builder, creating)
    settings.apply("DefaultEncryption", ENCRYPTION, _encryption_split, "the default encryption",
                   inline=("server_side_encryption_configuration",),
                   from_inline=lambda v, at: _encryption_inline(ctx, bucket, v, at),
                   new=({"SSEAlgorithm": "AES256", "KMSMasterKeyID": None,
                         "BucketKeyEnabled": False}, "S3 encrypts every new bucket with SSE-S3"),
                   removed=({"SSEAlgorithm": "AES256", "KMSMasterKeyID": None,
                             "BucketKeyEnabled": False},
                            "DeleteBucketEncryption puts SSE-S3 back"))
    settings.apply("Versioning", VERSIONING, _versioning_split, "versioning",
                   inline=("versioning",), from_inline=lambda v, at: _versioning_inline(v),
                   new=(None, "a new bucket's versioning has never been enabled"),
                   removed=("Suspended", "deleting the resource suspends versioning"))
    settings.apply("PublicAccessBlock", ACCESS_BLOCK, _block_split, "the public access block",
                   new=(dict(NEW_BUCKET_BLOCK), "S3 blocks public access on every new bucket"),
                   removed=(None, "DeletePublicAccessBlock leaves none"))
    settings.apply("Policy", POLICY, _policy_split, "the bucket policy",
                   inline=("policy",), from_inline=lambda v, at: policy_document(v),
                   new=(None, "a new bucket has no policy"),
                   removed=(None, "DeleteBucketPolicy leaves none"))
    settings.apply("AclGrants", ACL, _acl_split, "the ACL",
                   inline=("acl",), from_inline=lambda v, at: _grants_inline(ctx, bucket),
                   new=([dict(_OWNER)], "ACLs are disabled on a new bucket"))
    settings.apply("AccessLogging", LOGGING, _logging_split, "server access logging",
                   inline=("logging",), from_inline=lambda v, at: _logging_inline(v),
                   new=(None, "a new bucket has no server access logging"),
                   removed=(None, "the provider turns logging off"))
    settings.apply("ObjectLock", OBJECT_LOCK, _object_lock_split, "object lock",
                   inline=("object_lock_configuration",),
                   from_inline=lambda v, at: _object_lock_inline(ctx, bucket),
                   new=(_object_lock_inline(ctx, bucket), "object_lock_enabled decides"))
    _key_manager(builder)
    _public(ctx, builder)
    _trails(ctx, bucket, builder)
    yield builder.build()


class _Settings:
    """Where each setting of one bucket comes from: the split resource that configures it,
    else the bucket's own (read-back) attribute, else what S3 gives a new bucket."""

    def __init__(self, ctx: PlanContext, bucket: PlannedResource, builder: ResourceBuilder,
                 creating: bool) -> None:
        self.ctx, self.bucket, self.builder, self.creating = ctx, bucket, builder, creating

    def apply(self, key: str, split_type: str,
              from_split: Callable[[PlanContext, PlannedResource], Found], what: str, *,
              new: tuple[Any, str], inline: AttrPath = (),
              from_inline: Callable[[Any, AttrPath], Any] | None = None,
              removed: tuple[Any, str] | None = None) -> None:
        ctx, bucket, builder = self.ctx, self.bucket, self.builder
        splits = ctx.linked((split_type,), "bucket", bucket, key="bucket")
        if splits:
            found = from_split(ctx, splits[0])
            if isinstance(found, CallFailure):
                builder.fail(key, found)
            else:
                value, refs = found
                builder.set(key, value, tuple(refs))
            return
        orphans = _unlinked(ctx, split_type)
        if orphans:
            # a resource setting this on a bucket the plan cannot name may set it on this one
            builder.fail(key, ctx.unknown(orphans[0], ("bucket",),
                                          what=f"the bucket it sets {what} on"))
            return
        gone = ctx.deleted_of(split_type, "bucket", bucket, "bucket")
        if gone:
            # the plan deletes what configured it: what S3 keeps once it is gone
            if removed is None:
                builder.fail(key, ctx.not_in_plan(gone[0], (
                    f"the plan deletes {gone[0].address}; what bucket {builder.name} keeps "
                    f"of {what} afterwards is not in the plan")))
            else:
                builder.set(key, removed[0], ctx.ref(gone[0]))
            return
        if inline and from_inline is not None and not ctx.is_unknown(bucket, inline) \
                and (inline[0] in bucket.values or not self.creating):
            value = ctx.value(bucket, *inline)
            builder.set(key, from_inline(value, inline), ctx.ref(bucket, inline[0])
                        if inline[0] in bucket.values else ctx.ref(bucket))
            return
        if self.creating:
            default, _why = new
            builder.set(key, default, ctx.ref(bucket))
            return
        builder.fail(key, ctx.not_in_plan(
            bucket, f"{what} of bucket {builder.name} is not managed in this plan (no "
                    f"{split_type} resource names the bucket), so it is not known here"))


def _unlinked(ctx: PlanContext, split_type: str) -> list[PlannedResource]:
    """The resources of ``split_type`` whose bucket is known only after apply and that no
    reference ties to a bucket of the plan (named through a local value, a module output or
    ``for_each`` over the buckets)."""
    found: list[PlannedResource] = ctx.memo(f"s3.unlinked.{split_type}", lambda: [
        split for split in ctx.of_type(split_type)
        if isinstance(ctx.value(split, "bucket"), Unknown)
        and not ctx.targets(split, "bucket", (BUCKET,), key="bucket")])
    return found


# --------------------------------------------------------------------------- encryption


_SSE_DEFAULT: AttrPath = ("rule", 0, "apply_server_side_encryption_by_default", 0)


def _encryption_split(ctx: PlanContext, split: PlannedResource) -> Found:
    return _encryption_at(ctx, split, ())


def _encryption_inline(ctx: PlanContext, bucket: PlannedResource, value: Any,
                       at: AttrPath) -> Any:
    found = _encryption_at(ctx, bucket, ("server_side_encryption_configuration", 0))
    return None if isinstance(found, CallFailure) else found[0]


def _encryption_at(ctx: PlanContext, resource: PlannedResource, base: AttrPath) -> Found:
    algorithm = ctx.value(resource, *base, *_SSE_DEFAULT, "sse_algorithm",
                          what="the default encryption algorithm")
    if isinstance(algorithm, Unknown):
        return algorithm.failure
    if algorithm is None:
        return None, (ctx.ref(resource),)
    key = resolve_key(ctx, resource, (*base, *_SSE_DEFAULT, "kms_master_key_id"),
                      what="the default encryption KMS key")
    bucket_key = ctx.value(resource, *base, "rule", 0, "bucket_key_enabled")
    shown = key.shown if isinstance(key, Key) else _shown_reference(ctx, resource, base)
    value = {"SSEAlgorithm": algorithm, "KMSMasterKeyID": shown,
             "BucketKeyEnabled": bucket_key is True, "_key": key}
    return value, (ctx.ref(resource, *base, *_SSE_DEFAULT),)


def _shown_reference(ctx: PlanContext, resource: PlannedResource, base: AttrPath) -> str | None:
    path = (*base, *_SSE_DEFAULT, "kms_master_key_id")
    value = ctx.value(resource, *path)
    if isinstance(value, str):
        return value
    references = ctx.references(resource, path)
    return references[0] if references else ("(known after apply)"
                                             if isinstance(value, Unknown) else None)


def _key_manager(builder: ResourceBuilder) -> None:
    """KmsKeyManager as the scan gives it: None for SSE-S3, AWS for aws:kms naming no key
    (aws/s3), else the manager of the key named."""
    if "DefaultEncryption" in builder.failures:
        builder.fail("KmsKeyManager", builder.failures["DefaultEncryption"])
        return
    encryption = builder.attributes["DefaultEncryption"]
    source = builder.sources.get("DefaultEncryption", ())
    key = encryption.pop("_key", None) if isinstance(encryption, dict) else None
    if not encryption or encryption.get("SSEAlgorithm") not in ("aws:kms", "aws:kms:dsse"):
        builder.set("KmsKeyManager", None, source)
        return
    if isinstance(key, CallFailure):
        builder.fail("KmsKeyManager", key)
    elif isinstance(key, Key) and key.manager is not None:
        builder.set("KmsKeyManager", key.manager, (*source, *key.refs))
    else:  # aws:kms naming no key: the AWS managed key aws/s3
        builder.set("KmsKeyManager", "AWS", source)


# --------------------------------------------------------------------------- other settings


def _versioning_split(ctx: PlanContext, split: PlannedResource) -> Found:
    status = ctx.value(split, "versioning_configuration", 0, "status", what="versioning status")
    if isinstance(status, Unknown):
        return status.failure
    # "Disabled" is Terraform's word for never enabled: S3 then answers no Status
    return (status if status in ("Enabled", "Suspended") else None,
            (ctx.ref(split, "versioning_configuration"),))


def _versioning_inline(value: Any) -> str | None:
    blocks = value if isinstance(value, list) else []
    return "Enabled" if blocks and isinstance(blocks[0], Mapping) and \
        blocks[0].get("enabled") is True else None


def _block_split(ctx: PlanContext, split: PlannedResource) -> Found:
    config: dict[str, bool] = {}
    for setting, attribute in _BLOCK_SETTINGS:
        value = ctx.value(split, attribute, what=attribute)
        if isinstance(value, Unknown):
            return value.failure
        config[setting] = value is True
    return config, (ctx.ref(split),)


def _policy_split(ctx: PlanContext, split: PlannedResource) -> Found:
    value = ctx.value(split, "policy", what="the bucket policy document")
    if isinstance(value, Unknown):
        return value.failure
    return policy_document(value), (ctx.ref(split, "policy"),)


def _acl_split(ctx: PlanContext, split: PlannedResource) -> Found:
    canned = ctx.value(split, "acl", what="the canned ACL")
    if isinstance(canned, Unknown):
        return canned.failure
    if isinstance(canned, str) and canned:
        return [dict(g) for g in _CANNED.get(canned, [_OWNER])], (ctx.ref(split, "acl"),)
    grants = ctx.value(split, "access_control_policy", 0, "grant", what="the ACL grants")
    if isinstance(grants, Unknown):
        return grants.failure
    return _grants(grants), (ctx.ref(split, "access_control_policy"),)


def _grants_inline(ctx: PlanContext, bucket: PlannedResource) -> list[dict[str, Any]]:
    canned = bucket.values.get("acl")
    if isinstance(canned, str) and canned:
        return [dict(g) for g in _CANNED.get(canned, [_OWNER])]
    return _grants(bucket.values.get("grant")) or [dict(_OWNER)]


def _grants(blocks: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for grant in blocks if isinstance(blocks, list) else []:
        if not isinstance(grant, Mapping):
            continue
        grantee = grant.get("grantee")
        if isinstance(grantee, list):  # aws_s3_bucket_acl: a grantee block
            grantee = grantee[0] if grantee else {}
        if not isinstance(grantee, Mapping):  # aws_s3_bucket grant: flat type/uri/id
            grantee = grant
        entry = {"Type": "Group" if grantee.get("uri") else str(grantee.get("type") or
                                                                  "CanonicalUser")}
        if grantee.get("uri"):
            entry["URI"] = str(grantee["uri"])
        permissions = grant.get("permissions") or [grant.get("permission")]
        for permission in permissions:
            out.append({"Grantee": dict(entry), "Permission": permission})
    return out


def _logging_split(ctx: PlanContext, split: PlannedResource) -> Found:
    target = ctx.value(split, "target_bucket", what="the log target bucket")
    if isinstance(target, Unknown):
        # a bucket created in the same plan: logging goes to it, whatever its name becomes
        created = ctx.targets(split, "target_bucket", (BUCKET,))
        if not created:
            return target.failure
        target = created[0].address
    prefix = ctx.value(split, "target_prefix")
    return ({"TargetBucket": target, "TargetPrefix": prefix if isinstance(prefix, str) else ""},
            (ctx.ref(split, "target_bucket"),))


def _logging_inline(value: Any) -> dict[str, Any] | None:
    blocks = value if isinstance(value, list) else []
    if not blocks or not isinstance(blocks[0], Mapping) or not blocks[0].get("target_bucket"):
        return None
    return {"TargetBucket": blocks[0]["target_bucket"],
            "TargetPrefix": blocks[0].get("target_prefix") or ""}


def _object_lock_split(ctx: PlanContext, split: PlannedResource) -> Found:
    rule = ctx.value(split, "rule", 0, "default_retention", 0, what="the default retention")
    if isinstance(rule, Unknown):
        return rule.failure
    config: dict[str, Any] = {"ObjectLockEnabled": "Enabled"}
    if isinstance(rule, Mapping):
        retention = {"Mode": rule.get("mode")}
        for attribute, field in (("days", "Days"), ("years", "Years")):
            if rule.get(attribute):
                retention[field] = rule[attribute]
        config["Rule"] = {"DefaultRetention": retention}
    return config, (ctx.ref(split),)


def _object_lock_inline(ctx: PlanContext, bucket: PlannedResource) -> dict[str, Any] | None:
    enabled = bucket.values.get("object_lock_enabled")
    blocks = bucket.values.get("object_lock_configuration")
    if enabled is not True and isinstance(blocks, list) and blocks and \
            isinstance(blocks[0], Mapping):
        enabled = blocks[0].get("object_lock_enabled") == "Enabled"
    return {"ObjectLockEnabled": "Enabled"} if enabled is True else None


# --------------------------------------------------------------------------- derived


def _public(ctx: PlanContext, builder: ResourceBuilder) -> None:
    """TlsOnly, PolicyPublic, AclPublic, Public and PublicWrite, decided as the scan decides
    them."""
    attrs, failures, sources = builder.attributes, builder.failures, builder.sources
    if "Policy" in failures:
        builder.fail("TlsOnly", failures["Policy"])
    else:
        builder.set("TlsOnly", denies_insecure_transport(_policy(attrs["Policy"])),
                    sources["Policy"])
    failed = next((failures[k] for k in ("Policy", "AclGrants", "PublicAccessBlock")
                   if k in failures), None)
    if failed is not None:
        builder.fail("Public", failed).fail("PublicWrite", failed)
        return
    writes = public_write_actions(_policy(attrs["Policy"]))
    policy_public = allows_public(_policy(attrs["Policy"]))
    acl_public = any((g.get("Grantee") or {}).get("URI") in _PUBLIC_GRANTEES
                     for g in attrs["AclGrants"] or [])
    policy, acl = sources["Policy"], sources["AclGrants"]
    builder.set("PolicyPublic", policy_public, policy)
    builder.set("PolicyPublicWriteActions", writes, policy)
    builder.set("AclPublic", acl_public, acl)
    if not writes:
        builder.set("PublicWrite", False, policy)
    if not policy_public and not acl_public:
        builder.set("Public", False, (*policy, *acl))
        return
    bucket_block = attrs["PublicAccessBlock"] or {}
    if writes and bucket_block.get("RestrictPublicBuckets"):
        builder.set("PublicWrite", False, (*sources["PublicAccessBlock"], *policy))
    needs: tuple[str, ...] = ("RestrictPublicBuckets",) if policy_public else ()
    needs += ("IgnorePublicAcls",) if acl_public else ()
    if all(bucket_block.get(s) for s in needs):
        builder.set("Public", False, (*sources["PublicAccessBlock"], *policy, *acl))
        return
    planned = ctx.by_address[builder.id]
    # the account block of the bucket's own provider configuration (its account)
    accounts = [a for a in ctx.of_type(ACCOUNT_BLOCK)
                if ctx.provider_key(a) == ctx.provider_key(planned)]
    if not accounts:
        outside = ctx.not_in_plan(
            planned,
            f"bucket {builder.name} is public by its {'policy' if policy_public else 'ACL'} "
            "unless the account's S3 public access block stops it, and this plan does not "
            "manage the account's block (aws_s3_account_public_access_block)")
        builder.fail("Public", outside)
        if "PublicWrite" not in builder.attributes:
            builder.fail("PublicWrite", outside)
        return
    account = accounts[0]
    account_block = {setting: account.values.get(attribute) is True
                     for setting, attribute in _BLOCK_SETTINGS}
    public = (policy_public and not (bucket_block.get("RestrictPublicBuckets")
                                     or account_block["RestrictPublicBuckets"])) or \
        (acl_public and not (bucket_block.get("IgnorePublicAcls")
                             or account_block["IgnorePublicAcls"]))
    builder.set("Public", public, (*policy, *acl, *sources["PublicAccessBlock"],
                                   ctx.ref(account)))
    if "PublicWrite" not in builder.attributes:
        builder.set("PublicWrite", not account_block["RestrictPublicBuckets"],
                    (*policy, *sources["PublicAccessBlock"], ctx.ref(account)))


def _policy(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _trails(ctx: PlanContext, bucket: PlannedResource, builder: ResourceBuilder) -> None:
    """Which trails of the plan record this bucket's object reads and writes, and which
    deliver their log files to it."""
    logged = cloudtrail.bucket_data_events(ctx, bucket)
    if isinstance(logged, CallFailure):
        builder.fail("DataEventLogging", logged)
    elif logged is None:
        builder.fail("DataEventLogging", ctx.not_in_plan(
            bucket, f"this plan manages no CloudTrail trail, so whether a trail records "
                    f"object reads and writes on bucket {builder.name} is not in the plan"))
    else:
        value, refs = logged
        builder.set("DataEventLogging", value, tuple(refs) or (ctx.ref(bucket),))
    names, refs = cloudtrail.log_destination_trails(ctx, bucket)
    # only the plan's own trails can be seen: a bucket no trail of the plan writes to is
    # judged as an ordinary bucket here
    builder.set("AuditLogTrails", names, tuple(refs) or (ctx.ref(bucket),))


NORMALIZERS = {BUCKET: normalize_bucket}
CONSUMED = frozenset({ENCRYPTION, VERSIONING, ACCESS_BLOCK, POLICY, ACL, LOGGING, OBJECT_LOCK,
                      ACCOUNT_BLOCK, "aws_s3_bucket_ownership_controls"})
