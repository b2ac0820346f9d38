"""KMS keys, S3 buckets, the account's S3 public access block and CloudTrail.

Per regional unit (`n` is the unit's cross-region serial, see `govkit.demo.names`):

- keys `alias/nbh-phi-s3`, `alias/nbh-phi-ebs`, `alias/nbh-phi-dynamodb`: rotation on
  (compliant); `alias/nbh-phi-rds`, `alias/nbh-workspaces`: rotation off (violation);
- `nbh-patient-intake-docs-n` (phi): SSE-KMS with the customer key and a bucket key, TLS-only
  policy, versioned, public access blocked (compliant);
- `nbh-billing-statements-n` (phi): SSE-S3 (AES256) only, no TLS-only policy (violations);
- `nbh-call-recordings-n` (phi): no encryption configuration, not versioned (violations);
- `nbh-medical-records-archive-n` (phi): object lock (COMPLIANCE, 6 years), SSE-KMS with the
  customer key named by its alias ARN, TLS-only (compliant);
- `nbh-internal-reports-n` (internal): AES256, public access blocked (compliant);
- `nbh-public-website-assets` (`-n` after the first; public): no public access block and a
  policy that lets `*` read objects and upload under `uploads/` (violations: public bucket,
  public write);
- EFS `nbh-clinical-shared-n` (phi): encrypted with the EBS customer key, automatic backups
  (compliant); `nbh-imaging-scratch-n` (internal): not encrypted, no backups (violations).

Once: the account public access block with BlockPublicPolicy and RestrictPublicBuckets off
(violation); in the home region a CloudTrail log bucket without Object Lock (violation), the
`alias/nbh-cloudtrail` key and two trails: `nbh-org-audit-trail` (multi-region, KMS, log file
validation, logging: compliant), which records S3 data events for the intake and archive
buckets only (the billing and call-recording buckets' object access goes unrecorded:
violation), and `nbh-legacy-app-trail` (single region, no KMS, no validation: violation), which
records writes only, for the first billing bucket.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from govkit.demo.estate_base import (
    Counts,
    SeedContext,
    UnitKeys,
    account_arn,
    classification_tags,
    phi_tags,
    tag_list,
)
from govkit.demo.names import DEMO_ACCOUNT, home_region, region_serial, unit_suffix

# (alias stem, rotation enabled)
_UNIT_KEYS: tuple[tuple[str, bool], ...] = (
    ("nbh-phi-s3", True),
    ("nbh-phi-ebs", True),
    ("nbh-phi-rds", False),
    ("nbh-phi-dynamodb", True),
    ("nbh-workspaces", False),
)
CLOUDTRAIL_BUCKET = f"nbh-cloudtrail-logs-{DEMO_ACCOUNT}"
CLOUDTRAIL_KEY_ALIAS = "nbh-cloudtrail"
COMPLIANT_TRAIL = "nbh-org-audit-trail"
LAX_TRAIL = "nbh-legacy-app-trail"


def create_key(kms: Any, alias: str, *, rotation: bool, purpose: str) -> str:
    tags = phi_tags(application=purpose)
    key = kms.create_key(
        Description=f"Northbridge Health {purpose} encryption key",
        KeyUsage="ENCRYPT_DECRYPT",
        KeySpec="SYMMETRIC_DEFAULT",
        Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()],
    )["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{alias}", TargetKeyId=key["KeyId"])
    if rotation:
        kms.enable_key_rotation(KeyId=key["KeyId"])
    return str(key["Arn"])


def seed_unit_keys(ctx: SeedContext, region: str, unit: int) -> tuple[UnitKeys, Counts]:
    kms = ctx.clients.get("kms", region)
    suffix = unit_suffix(unit)
    arns = {
        stem: create_key(kms, f"{stem}{suffix}", rotation=rotation, purpose=stem[4:])
        for stem, rotation in _UNIT_KEYS
    }
    keys = UnitKeys(
        s3=arns["nbh-phi-s3"],
        ebs=arns["nbh-phi-ebs"],
        rds=arns["nbh-phi-rds"],
        dynamodb=arns["nbh-phi-dynamodb"],
        workspaces=arns["nbh-workspaces"],
        s3_alias=f"{arns['nbh-phi-s3'].rsplit(':', 1)[0]}:alias/nbh-phi-s3{suffix}",
    )
    return keys, Counts(kms_keys=len(arns))


def _tls_only_statement(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _policy(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _block_all(s3: Any, bucket: str) -> None:
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _encrypt(s3: Any, bucket: str, kms_key_arn: str | None) -> None:
    if kms_key_arn is None:
        default: dict[str, str] = {"SSEAlgorithm": "AES256"}
        rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
    else:
        default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_arn}
        rule = {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})


def _create_bucket(
    s3: Any, region: str, bucket: str, tags: Mapping[str, str], *, object_lock: bool = False
) -> None:
    params: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    if object_lock:
        params["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**params)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list(tags)})


def _versioning(s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def _seed_phi_buckets(s3: Any, region: str, n: int, keys: UnitKeys) -> int:
    intake = f"nbh-patient-intake-docs-{n}"
    _create_bucket(s3, region, intake, phi_tags(application="patient-intake"))
    _encrypt(s3, intake, keys.s3)
    s3.put_bucket_policy(Bucket=intake, Policy=_policy(_tls_only_statement(intake)))
    _block_all(s3, intake)
    _versioning(s3, intake)

    billing = f"nbh-billing-statements-{n}"
    _create_bucket(s3, region, billing, phi_tags(application="billing"))
    _encrypt(s3, billing, None)
    _block_all(s3, billing)
    _versioning(s3, billing)

    recordings = f"nbh-call-recordings-{n}"
    _create_bucket(s3, region, recordings, phi_tags(application="contact-centre"))
    s3.put_bucket_policy(Bucket=recordings, Policy=_policy(_tls_only_statement(recordings)))
    _block_all(s3, recordings)

    archive = f"nbh-medical-records-archive-{n}"
    _create_bucket(s3, region, archive, phi_tags(application="records-retention"),
                   object_lock=True)
    _encrypt(s3, archive, keys.s3_alias)
    s3.put_bucket_policy(Bucket=archive, Policy=_policy(_tls_only_statement(archive)))
    _block_all(s3, archive)
    s3.put_object_lock_configuration(
        Bucket=archive,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 6}},
        },
    )
    return 4


def _seed_other_buckets(s3: Any, region: str, n: int) -> int:
    reports = f"nbh-internal-reports-{n}"
    _create_bucket(s3, region, reports, classification_tags("internal", application="reporting"))
    _encrypt(s3, reports, None)
    _block_all(s3, reports)

    website = "nbh-public-website-assets" if n == 1 else f"nbh-public-website-assets-{n}"
    _create_bucket(s3, region, website, classification_tags("public", application="website"))
    _encrypt(s3, website, None)
    public_read = {
        "Sid": "PublicReadForWebsite",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{website}/*",
    }
    # left from a campaign's sign-up form: anyone may upload under uploads/
    public_upload = {
        "Sid": "PublicUploadsForSignUpForm",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{website}/uploads/*",
    }
    s3.put_bucket_policy(Bucket=website, Policy=_policy(public_read, public_upload))
    return 2


def seed_unit_buckets(ctx: SeedContext, region: str, unit: int, keys: UnitKeys) -> Counts:
    s3 = ctx.clients.get("s3", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    created = _seed_phi_buckets(s3, region, n, keys) + _seed_other_buckets(s3, region, n)
    return Counts(s3_buckets=created)


def seed_account_public_access_block(ctx: SeedContext) -> None:
    """Account-wide block with the policy half switched off (the website team asked for it)."""
    s3control = ctx.clients.get("s3control", home_region(ctx.regions))
    s3control.put_public_access_block(
        AccountId=DEMO_ACCOUNT,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )


def _seed_trail_bucket(s3: Any, region: str) -> None:
    bucket = CLOUDTRAIL_BUCKET
    _create_bucket(s3, region, bucket, classification_tags("internal", application="audit-logs"))
    _encrypt(s3, bucket, None)
    _block_all(s3, bucket)
    _versioning(s3, bucket)
    cloudtrail = {"Service": "cloudtrail.amazonaws.com"}
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": cloudtrail,
             "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
            {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": cloudtrail,
             "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{DEMO_ACCOUNT}/*",
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
            _tls_only_statement(bucket),
        ),
    )


def seed_cloudtrail(ctx: SeedContext) -> Counts:
    region = home_region(ctx.regions)
    _seed_trail_bucket(ctx.clients.get("s3", region), region)
    key_arn = create_key(ctx.clients.get("kms", region), CLOUDTRAIL_KEY_ALIAS, rotation=True,
                          purpose="cloudtrail")
    cloudtrail = ctx.clients.get("cloudtrail", region)
    tags = tag_list(classification_tags("internal", application="audit-logs"))
    cloudtrail.create_trail(
        Name=COMPLIANT_TRAIL, S3BucketName=CLOUDTRAIL_BUCKET, S3KeyPrefix="org",
        IsMultiRegionTrail=True, IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True, KmsKeyId=key_arn, TagsList=tags,
    )
    cloudtrail.create_trail(
        Name=LAX_TRAIL, S3BucketName=CLOUDTRAIL_BUCKET, S3KeyPrefix="legacy-app",
        IsMultiRegionTrail=False, IncludeGlobalServiceEvents=False,
        EnableLogFileValidation=False, TagsList=tags,
    )
    cloudtrail.put_event_selectors(TrailName=COMPLIANT_TRAIL, AdvancedEventSelectors=[{
        "Name": "PHI object access",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::nbh-patient-intake-docs-",
                                                      "arn:aws:s3:::nbh-medical-records-archive-"]},
        ]}])
    cloudtrail.put_event_selectors(TrailName=LAX_TRAIL, EventSelectors=[{
        "ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object",
                           "Values": ["arn:aws:s3:::nbh-billing-statements-1/"]}]}])
    for trail in (COMPLIANT_TRAIL, LAX_TRAIL):
        cloudtrail.start_logging(Name=account_arn("cloudtrail", f"trail/{trail}", region))
    return Counts(kms_keys=1, s3_buckets=1, cloudtrail_trails=2)


def seed_unit_file_systems(ctx: SeedContext, region: str, unit: int, keys: UnitKeys) -> Counts:
    efs = ctx.clients.get("efs", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    efs.create_file_system(CreationToken=f"nbh-clinical-shared-{n}", Encrypted=True,
                           KmsKeyId=keys.ebs, Backup=True, PerformanceMode="generalPurpose",
                           Tags=tag_list({"Name": f"nbh-clinical-shared-{n}",
                                          **phi_tags(application="clinical-documents")}))
    efs.create_file_system(CreationToken=f"nbh-imaging-scratch-{n}", Encrypted=False,
                           Tags=tag_list({"Name": f"nbh-imaging-scratch-{n}",
                                          **classification_tags("internal",
                                                                application="imaging")}))
    return Counts(efs_file_systems=2)
