"""The gate and the scan agree: each rule gives the same verdict on a plan and on a scan of the
estate that plan builds once applied.

One estate is written twice: as a Terraform plan (AWS provider v5 shapes, first apply: ids
unknown) and as the same resources made with boto3 on a real moto server, which govkit then
scans. moto predates two 2023 S3 defaults (SSE-S3 and all public access blocked on every new
bucket), so where the plan leaves a bucket to S3's defaults the moto estate sets them as S3
itself would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest

from govkit.demo.run import aws_environment
from govkit.sources.terraform.inventory import build
from govkit.sources.terraform.plan import parse_plan
from govkit.results import Result
from govkit.run import RunOptions, scan
from govkit.sources.aws.scan import AwsService, ScanRequest
from tests.sources.terraform.planbuilder import Planned, plan
from tests.sources.terraform.support import judged
from tests.support.moto_process import moto_process

REGION = "us-east-1"
OUTSIDE = "210987654321"  # the vendor's account
PHI = {"data_classification": "phi"}
ADMIN = json.dumps({"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
MARKETPLACE = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "aws-marketplace:*", "Resource": "*"}]})
READ = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::nbh-agree-intake/*"}]})


def _trust(external_id: bool) -> str:
    statement: dict[str, object] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                    "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"}}
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": "nbh-7Q2x"}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _tls_only(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


# ------------------------------------------------------------------ the estate as a plan


def _bucket(name: str, bucket: str, tags: dict[str, str]) -> Planned:
    return Planned("aws_s3_bucket", name, {"bucket": bucket, "tags": tags or None,
                                           "tags_all": tags, "force_destroy": False},
                   unknown=["arn", "id", "policy", "versioning", "logging", "grant", "acl",
                            "server_side_encryption_configuration",
                            "object_lock_configuration"])


def _on(name: str) -> dict[str, list[str]]:
    return {"bucket": [f"aws_s3_bucket.{name}.id", f"aws_s3_bucket.{name}"]}


def _planned_estate() -> dict[str, object]:
    sse_key = "rule.0.apply_server_side_encryption_by_default.0.kms_master_key_id"
    resources = [
        Planned("aws_kms_key", "phi", {"description": "PHI", "enable_key_rotation": True,
                                       "is_enabled": True}, unknown=["arn", "id", "key_id"]),
        Planned("aws_kms_key", "stale", {"description": "no rotation",
                                         "enable_key_rotation": False, "is_enabled": True},
                unknown=["arn", "id", "key_id"]),
        _bucket("intake", "nbh-agree-intake", PHI),
        Planned("aws_s3_bucket_server_side_encryption_configuration", "intake", {
            "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}],
                      "bucket_key_enabled": True}]},
            unknown=["bucket", "id", sse_key],
            refs={**_on("intake"), sse_key: ["aws_kms_key.phi.arn", "aws_kms_key.phi"]}),
        Planned("aws_s3_bucket_versioning", "intake", {
            "versioning_configuration": [{"status": "Enabled"}]}, unknown=["bucket", "id"],
            refs=_on("intake")),
        Planned("aws_s3_bucket_public_access_block", "intake", {
            "block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
            "restrict_public_buckets": True}, unknown=["bucket", "id"], refs=_on("intake")),
        Planned("aws_s3_bucket_policy", "intake", {"policy": _tls_only("nbh-agree-intake")},
                unknown=["bucket", "id"], refs=_on("intake")),
        Planned("aws_s3_bucket_logging", "intake", {"target_prefix": "intake/"},
                unknown=["bucket", "id", "target_bucket"],
                refs={**_on("intake"), "target_bucket": ["aws_s3_bucket.logs.id",
                                                         "aws_s3_bucket.logs"]}),
        _bucket("logs", "nbh-agree-logs", {}),
        _bucket("billing", "nbh-agree-billing", PHI),
        _bucket("scans", "nbh-agree-scans", PHI),
        Planned("aws_s3_bucket_server_side_encryption_configuration", "scans", {
            "bucket": "nbh-agree-scans",
            "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}],
                      "bucket_key_enabled": False}]}, unknown=["id"]),
        Planned("aws_s3_bucket_versioning", "scans", {
            "bucket": "nbh-agree-scans", "versioning_configuration": [{"status": "Suspended"}]},
            unknown=["id"]),
        Planned("aws_cloudtrail", "audit", {
            "name": "nbh-agree-trail", "s3_bucket_name": "nbh-agree-logs",
            "enable_log_file_validation": True, "enable_logging": True,
            "is_multi_region_trail": True, "include_global_service_events": True,
            "cloud_watch_logs_group_arn": None, "cloud_watch_logs_role_arn": None,
            "event_selector": [{"read_write_type": "All", "include_management_events": True,
                                "data_resource": [{"type": "AWS::S3::Object", "values": [
                                    "arn:aws:s3:::nbh-agree-intake/"]}]}]},
            unknown=["arn", "id", "kms_key_id", "home_region"],
            refs={"kms_key_id": ["aws_kms_key.phi.arn", "aws_kms_key.phi"]}),
        Planned("aws_ebs_encryption_by_default", "this", {"enabled": True}, unknown=["id"]),
        Planned("aws_ebs_volume", "phi", {"availability_zone": "us-east-1a", "size": 20,
                                          "encrypted": True, "tags_all": PHI},
                unknown=["arn", "id", "kms_key_id"]),
        Planned("aws_db_instance", "open", {
            "identifier": "nbh-agree-open", "engine": "postgres", "instance_class": "db.t3.micro",
            "allocated_storage": 20, "storage_encrypted": False, "publicly_accessible": True,
            "backup_retention_period": 0, "multi_az": False, "username": "app",
            "enabled_cloudwatch_logs_exports": None},
            unknown=["arn", "id", "kms_key_id", "endpoint", "address"]),
        Planned("aws_db_instance", "closed", {
            "identifier": "nbh-agree-closed", "engine": "postgres",
            "instance_class": "db.t3.micro", "allocated_storage": 20, "storage_encrypted": True,
            "publicly_accessible": False, "backup_retention_period": 14, "multi_az": True,
            "username": "app", "enabled_cloudwatch_logs_exports": ["postgresql"]},
            unknown=["arn", "id", "kms_key_id", "endpoint", "address"]),
        Planned("aws_db_snapshot", "open", {
            "db_instance_identifier": "nbh-agree-open",
            "db_snapshot_identifier": "nbh-agree-open-export", "shared_accounts": None},
            unknown=["db_snapshot_arn", "encrypted", "engine", "id", "kms_key_id",
                     "snapshot_type"],
            refs={"db_instance_identifier": ["aws_db_instance.open.identifier",
                                             "aws_db_instance.open"]}),
        Planned("aws_rds_cluster", "aurora", {
            "cluster_identifier": "nbh-agree-aurora", "engine": "aurora-postgresql",
            "engine_mode": "provisioned", "master_username": "app",
            "storage_encrypted": True, "backup_retention_period": 7},
            unknown=["arn", "id", "kms_key_id", "endpoint"]),
        Planned("aws_ebs_snapshot", "phi", {"description": "baseline", "tags_all": PHI},
                unknown=["arn", "encrypted", "id", "kms_key_id", "owner_id", "volume_id",
                         "volume_size"],
                refs={"volume_id": ["aws_ebs_volume.phi.id", "aws_ebs_volume.phi"]}),
        Planned("aws_dynamodb_table", "notes", {
            "name": "nbh-agree-notes", "billing_mode": "PAY_PER_REQUEST", "hash_key": "id",
            "attribute": [{"name": "id", "type": "S"}], "tags_all": PHI,
            "server_side_encryption": [{"enabled": True}],
            "point_in_time_recovery": [{"enabled": True}]},
            unknown=["arn", "id", "server_side_encryption.0.kms_key_arn"],
            refs={"server_side_encryption.0.kms_key_arn": ["aws_kms_key.phi.arn",
                                                           "aws_kms_key.phi"]}),
        Planned("aws_dynamodb_table", "claims", {
            "name": "nbh-agree-claims", "billing_mode": "PAY_PER_REQUEST", "hash_key": "id",
            "attribute": [{"name": "id", "type": "S"}], "tags_all": PHI,
            "server_side_encryption": [], "point_in_time_recovery": [{"enabled": False}]},
            unknown=["arn", "id"]),
        Planned("aws_iam_role", "vendor_open", {"name": "AgreeVendorOpen", "path": "/",
                                                "assume_role_policy": _trust(False)},
                unknown=["arn", "id", "unique_id", "create_date"]),
        Planned("aws_iam_role", "vendor_sealed", {"name": "AgreeVendorSealed", "path": "/",
                                                  "assume_role_policy": _trust(True)},
                unknown=["arn", "id", "unique_id", "create_date"]),
        Planned("aws_iam_policy", "admin", {"name": "AgreeAdmin", "path": "/",
                                            "policy": ADMIN}, unknown=["arn", "id"]),
        Planned("aws_iam_policy", "read", {"name": "AgreeRead", "path": "/",
                                           "policy": READ}, unknown=["arn", "id"]),
        Planned("aws_iam_role_policy_attachment", "vendor_open", {},
                unknown=["id", "role", "policy_arn"],
                refs={"role": ["aws_iam_role.vendor_open.name", "aws_iam_role.vendor_open"],
                      "policy_arn": ["aws_iam_policy.admin.arn", "aws_iam_policy.admin"]}),
        Planned("aws_iam_role_policy_attachment", "vendor_sealed", {},
                unknown=["id", "role", "policy_arn"],
                refs={"role": ["aws_iam_role.vendor_sealed.name", "aws_iam_role.vendor_sealed"],
                      "policy_arn": ["aws_iam_policy.read.arn", "aws_iam_policy.read"]}),
        Planned("aws_iam_user", "agent", {"name": "agree-agent", "path": "/"},
                unknown=["arn", "id", "unique_id"]),
        Planned("aws_iam_user_policy_attachment", "agent", {},
                unknown=["id", "user", "policy_arn"],
                refs={"user": ["aws_iam_user.agent.name", "aws_iam_user.agent"],
                      "policy_arn": ["aws_iam_policy.admin.arn", "aws_iam_policy.admin"]}),
        Planned("aws_iam_group", "ops", {"name": "agree-ops", "path": "/"},
                unknown=["arn", "id", "unique_id"]),
        Planned("aws_iam_group_policy_attachment", "ops", {},
                unknown=["id", "group", "policy_arn"],
                refs={"group": ["aws_iam_group.ops.name", "aws_iam_group.ops"],
                      "policy_arn": ["aws_iam_policy.admin.arn", "aws_iam_policy.admin"]}),
        Planned("aws_iam_group_policy", "ops_marketplace", {"name": "AgreeMarketplace",
                                                            "policy": MARKETPLACE},
                unknown=["id", "group"],
                refs={"group": ["aws_iam_group.ops.name", "aws_iam_group.ops"]}),
    ]
    return plan(resources, region=REGION)


# ------------------------------------------------------------------ the same estate, applied


@dataclass(frozen=True)
class Applied:
    ids: dict[str, str]  # plan address -> what the scan names the resource
    results: tuple[Result, ...]


def _client(service: str, url: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=url, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _apply(url: str) -> dict[str, str]:
    """Make the planned estate with boto3, as Terraform's apply would; the scan's name or id
    of each resource, by plan address."""
    kms, s3, iam = _client("kms", url), _client("s3", url), _client("iam", url)
    ec2, rds, ddb = _client("ec2", url), _client("rds", url), _client("dynamodb", url)
    trail = _client("cloudtrail", url)
    phi_key = kms.create_key(Description="PHI")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=phi_key["KeyId"])
    stale = kms.create_key(Description="no rotation")["KeyMetadata"]
    ids = {"aws_kms_key.phi": phi_key["Arn"], "aws_kms_key.stale": stale["Arn"]}

    def bucket(address: str, name: str, phi: bool) -> None:
        s3.create_bucket(Bucket=name)
        if phi:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
                {"Key": "data_classification", "Value": "phi"}]})
        # S3 gives every new bucket these since 2023; moto does not
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        ids[address] = name

    bucket("aws_s3_bucket.logs", "nbh-agree-logs", False)
    s3.put_bucket_acl(Bucket="nbh-agree-logs", ACL="log-delivery-write")
    bucket("aws_s3_bucket.intake", "nbh-agree-intake", True)
    s3.put_bucket_encryption(Bucket="nbh-agree-intake", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": phi_key["Arn"]},
            "BucketKeyEnabled": True}]})
    s3.put_bucket_versioning(Bucket="nbh-agree-intake",
                             VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket="nbh-agree-intake", Policy=_tls_only("nbh-agree-intake"))
    s3.put_bucket_logging(Bucket="nbh-agree-intake", BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": "nbh-agree-logs", "TargetPrefix": "intake/"}})
    bucket("aws_s3_bucket.billing", "nbh-agree-billing", True)
    bucket("aws_s3_bucket.scans", "nbh-agree-scans", True)
    s3.put_bucket_encryption(Bucket="nbh-agree-scans", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    s3.put_bucket_versioning(Bucket="nbh-agree-scans",
                             VersioningConfiguration={"Status": "Suspended"})

    created = trail.create_trail(Name="nbh-agree-trail", S3BucketName="nbh-agree-logs",
                                 IsMultiRegionTrail=True, EnableLogFileValidation=True,
                                 IncludeGlobalServiceEvents=True, KmsKeyId=phi_key["Arn"])
    trail.put_event_selectors(TrailName="nbh-agree-trail", EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object",
                           "Values": ["arn:aws:s3:::nbh-agree-intake/"]}]}])
    trail.start_logging(Name="nbh-agree-trail")
    ids["aws_cloudtrail.audit"] = created["TrailARN"]

    ec2.enable_ebs_encryption_by_default()
    ids["aws_ebs_encryption_by_default.this"] = f"123456789012/{REGION}"
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=20, Encrypted=True,
                               TagSpecifications=[{"ResourceType": "volume", "Tags": [
                                   {"Key": "data_classification", "Value": "phi"}]}])
    ids["aws_ebs_volume.phi"] = volume["VolumeId"]

    rds.create_db_instance(DBInstanceIdentifier="nbh-agree-open", Engine="postgres",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="app", MasterUserPassword="not-a-secret-1",
                           StorageEncrypted=False, PubliclyAccessible=True,
                           BackupRetentionPeriod=0, MultiAZ=False)
    rds.create_db_instance(DBInstanceIdentifier="nbh-agree-closed", Engine="postgres",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="app", MasterUserPassword="not-a-secret-1",
                           StorageEncrypted=True, PubliclyAccessible=False,
                           BackupRetentionPeriod=14, MultiAZ=True,
                           EnableCloudwatchLogsExports=["postgresql"])
    ids["aws_db_instance.open"], ids["aws_db_instance.closed"] = \
        "nbh-agree-open", "nbh-agree-closed"
    rds.create_db_snapshot(DBSnapshotIdentifier="nbh-agree-open-export",
                           DBInstanceIdentifier="nbh-agree-open")
    ids["aws_db_snapshot.open"] = "nbh-agree-open-export"
    rds.create_db_cluster(DBClusterIdentifier="nbh-agree-aurora", Engine="aurora-postgresql",
                          MasterUsername="app", MasterUserPassword="not-a-secret-1",
                          StorageEncrypted=True, BackupRetentionPeriod=7)
    ids["aws_rds_cluster.aurora"] = "nbh-agree-aurora"
    snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"], Description="baseline")
    ids["aws_ebs_snapshot.phi"] = snapshot["SnapshotId"]

    for name, key, recovery in (("nbh-agree-notes", phi_key["Arn"], True),
                                ("nbh-agree-claims", None, False)):
        spec = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key} if key else \
            {"Enabled": False}
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         SSESpecification=spec,
                         Tags=[{"Key": "data_classification", "Value": "phi"}])
        if recovery:
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True})
    ids["aws_dynamodb_table.notes"], ids["aws_dynamodb_table.claims"] = \
        "nbh-agree-notes", "nbh-agree-claims"

    admin = iam.create_policy(PolicyName="AgreeAdmin", PolicyDocument=ADMIN)["Policy"]["Arn"]
    read = iam.create_policy(PolicyName="AgreeRead", PolicyDocument=READ)["Policy"]["Arn"]
    for address, role, sealed, policy in (("aws_iam_role.vendor_open", "AgreeVendorOpen",
                                           False, admin),
                                          ("aws_iam_role.vendor_sealed", "AgreeVendorSealed",
                                           True, read)):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=_trust(sealed))
        iam.attach_role_policy(RoleName=role, PolicyArn=policy)
        ids[address] = role
    iam.create_user(UserName="agree-agent")
    iam.attach_user_policy(UserName="agree-agent", PolicyArn=admin)
    ids["aws_iam_user.agent"] = "agree-agent"
    iam.create_group(GroupName="agree-ops")
    iam.attach_group_policy(GroupName="agree-ops", PolicyArn=admin)
    iam.put_group_policy(GroupName="agree-ops", PolicyName="AgreeMarketplace",
                         PolicyDocument=MARKETPLACE)
    ids["aws_iam_group.ops"] = "agree-ops"
    return ids


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Applied]:
    services = (AwsService.IAM, AwsService.S3, AwsService.EC2, AwsService.RDS, AwsService.KMS,
                AwsService.DYNAMODB, AwsService.CLOUDTRAIL)
    with moto_process() as url:
        ids = _apply(url)
        with aws_environment(url):
            run = scan(ScanRequest(regions=(REGION,), home_region=REGION, workers=4,
                                   services=services),
                       RunOptions(out=tmp_path_factory.mktemp("runs")))
        yield Applied(ids, run.evaluation.results)


@pytest.fixture(scope="module")
def planned() -> dict[tuple[str, str], Result]:
    return judged(build(parse_plan(_planned_estate(), "plan.json"), "plan.json"))


# (rule, plan address, the verdict both must give)
PAIRS = [
    ("s3-phi-bucket-kms-encryption", "aws_s3_bucket.intake", "PASS"),
    ("s3-phi-bucket-kms-encryption", "aws_s3_bucket.billing", "FAIL"),
    ("s3-phi-bucket-kms-encryption", "aws_s3_bucket.scans", "FAIL"),
    ("s3-phi-bucket-versioning-enabled", "aws_s3_bucket.intake", "PASS"),
    ("s3-phi-bucket-versioning-enabled", "aws_s3_bucket.scans", "FAIL"),
    ("s3-phi-bucket-public-access-block", "aws_s3_bucket.billing", "PASS"),
    ("s3-phi-bucket-tls-only", "aws_s3_bucket.intake", "PASS"),
    ("s3-phi-bucket-tls-only", "aws_s3_bucket.billing", "FAIL"),
    ("s3-phi-bucket-access-logging", "aws_s3_bucket.intake", "PASS"),
    ("s3-phi-bucket-access-logging", "aws_s3_bucket.billing", "FAIL"),
    ("s3-phi-bucket-data-events-logged", "aws_s3_bucket.intake", "PASS"),
    ("s3-phi-bucket-data-events-logged", "aws_s3_bucket.billing", "FAIL"),
    ("s3-bucket-not-public", "aws_s3_bucket.intake", "PASS"),
    ("s3-bucket-no-public-write", "aws_s3_bucket.intake", "PASS"),
    ("s3-bucket-no-public-write", "aws_s3_bucket.billing", "PASS"),
    ("s3-bucket-tls-only", "aws_s3_bucket.intake", "PASS"),
    ("s3-bucket-tls-only", "aws_s3_bucket.billing", "FAIL"),
    ("s3-bucket-tls-only", "aws_s3_bucket.logs", "FAIL"),
    ("s3-bucket-default-encryption", "aws_s3_bucket.intake", "PASS"),
    ("s3-bucket-default-encryption", "aws_s3_bucket.billing", "PASS"),
    ("s3-bucket-default-encryption", "aws_s3_bucket.scans", "PASS"),
    ("data-classification-tagged", "aws_s3_bucket.intake", "PASS"),
    ("data-classification-tagged", "aws_s3_bucket.logs", "FAIL"),
    ("data-classification-tagged", "aws_ebs_volume.phi", "PASS"),
    ("s3-audit-log-bucket-object-lock", "aws_s3_bucket.logs", "FAIL"),
    ("kms-cmk-rotation-enabled", "aws_kms_key.phi", "PASS"),
    ("kms-cmk-rotation-enabled", "aws_kms_key.stale", "FAIL"),
    ("kms-cmk-not-pending-deletion", "aws_kms_key.phi", "PASS"),
    ("cloudtrail-trail-kms-encrypted", "aws_cloudtrail.audit", "PASS"),
    ("cloudtrail-trail-log-file-validation", "aws_cloudtrail.audit", "PASS"),
    ("cloudtrail-trail-cloudwatch-logs", "aws_cloudtrail.audit", "FAIL"),
    ("ebs-encryption-by-default", "aws_ebs_encryption_by_default.this", "PASS"),
    ("ebs-volume-encrypted", "aws_ebs_volume.phi", "PASS"),
    ("rds-instance-storage-encrypted", "aws_db_instance.open", "FAIL"),
    ("rds-instance-storage-encrypted", "aws_db_instance.closed", "PASS"),
    ("rds-instance-not-publicly-accessible", "aws_db_instance.open", "FAIL"),
    ("rds-instance-not-publicly-accessible", "aws_db_instance.closed", "PASS"),
    ("rds-instance-backup-enabled", "aws_db_instance.open", "FAIL"),
    ("rds-instance-backup-enabled", "aws_db_instance.closed", "PASS"),
    ("rds-instance-multi-az", "aws_db_instance.open", "FAIL"),
    ("rds-instance-multi-az", "aws_db_instance.closed", "PASS"),
    ("rds-instance-logs-exported", "aws_db_instance.open", "FAIL"),
    ("rds-instance-logs-exported", "aws_db_instance.closed", "PASS"),
    ("dynamodb-phi-table-kms-encryption", "aws_dynamodb_table.notes", "PASS"),
    ("dynamodb-phi-table-kms-encryption", "aws_dynamodb_table.claims", "FAIL"),
    ("dynamodb-phi-table-point-in-time-recovery", "aws_dynamodb_table.notes", "PASS"),
    ("dynamodb-phi-table-point-in-time-recovery", "aws_dynamodb_table.claims", "FAIL"),
    ("iam-external-role-requires-external-id", "aws_iam_role.vendor_open", "FAIL"),
    ("iam-external-role-requires-external-id", "aws_iam_role.vendor_sealed", "PASS"),
    ("iam-external-role-no-admin-policies", "aws_iam_role.vendor_open", "FAIL"),
    ("iam-external-role-no-admin-policies", "aws_iam_role.vendor_sealed", "PASS"),
    ("iam-user-no-direct-policies", "aws_iam_user.agent", "FAIL"),
    ("iam-user-no-admin-policies", "aws_iam_user.agent", "FAIL"),
    ("iam-group-no-admin-policies", "aws_iam_group.ops", "FAIL"),
    ("iam-group-inline-no-wildcard-marketplace-subscribe", "aws_iam_group.ops", "FAIL"),
    ("iam-user-inline-no-wildcard-marketplace-subscribe", "aws_iam_user.agent", "PASS"),
    ("iam-role-inline-no-wildcard-marketplace-subscribe", "aws_iam_role.vendor_sealed",
     "PASS"),
    ("rds-snapshot-encrypted", "aws_db_snapshot.open", "FAIL"),
    ("rds-snapshot-not-public", "aws_db_snapshot.open", "PASS"),
    ("rds-snapshot-not-shared-externally", "aws_db_snapshot.open", "PASS"),
    ("rds-cluster-storage-encrypted", "aws_rds_cluster.aurora", "PASS"),
    ("ebs-snapshot-encrypted", "aws_ebs_snapshot.phi", "PASS"),
    ("ebs-snapshot-not-public", "aws_ebs_snapshot.phi", "PASS"),
    ("ebs-snapshot-not-shared-externally", "aws_ebs_snapshot.phi", "PASS"),
    ("aws-phi-in-hipaa-eligible-service", "aws_s3_bucket.intake", "PASS"),
    ("aws-phi-in-hipaa-eligible-service", "aws_dynamodb_table.notes", "PASS"),
    ("aws-phi-in-hipaa-eligible-service", "aws_ebs_volume.phi", "PASS"),
]


def _live(applied: Applied, rule_id: str, address: str) -> Result:
    ident = applied.ids[address]
    found = [r for r in applied.results if r.rule_id == rule_id and (
        r.resource_id == ident or r.resource_name == ident or r.resource_id.endswith(ident)
        or r.resource_id.endswith(f"/{ident}") or r.resource_id.endswith(f":{ident}"))]
    assert len(found) == 1, (rule_id, ident, [(r.resource_id, r.resource_name)
                                              for r in applied.results if r.rule_id == rule_id])
    return found[0]


@pytest.mark.parametrize(("rule_id", "address", "verdict"), PAIRS,
                         ids=[f"{r}:{a}" for r, a, _ in PAIRS])
def test_gate_and_scan_agree(applied: Applied, planned: dict[tuple[str, str], Result],
                             rule_id: str, address: str, verdict: str) -> None:
    live = _live(applied, rule_id, address)
    gated = planned[(rule_id, address)]
    assert (gated.status.value, live.status.value) == (verdict, verdict), \
        f"gate: {gated.message}\nscan: {live.message}"


def test_pairs_cover_every_rule_the_scan_judges_on_these_types(applied: Applied) -> None:
    judged_types = {"aws.s3.bucket", "aws.kms.key", "aws.cloudtrail.trail",
                    "aws.ec2.regional_settings", "aws.ec2.volume", "aws.ec2.snapshot",
                    "aws.rds.instance", "aws.rds.snapshot", "aws.rds.cluster",
                    "aws.dynamodb.table"}
    scanned = {r.rule_id for r in applied.results if r.resource_type in judged_types}
    assert scanned <= {rule for rule, _, _ in PAIRS}, scanned - {r for r, _, _ in PAIRS}
