"""EBS volumes and snapshots, RDS instances, clusters and snapshots, DynamoDB tables.

Per regional unit (`n` is the unit's cross-region serial, `YYYYMMDD` the seeding day):

| resource | state | verdict |
| --- | --- | --- |
| volume `ehr-app-data-n` (phi) | encrypted, `alias/nbh-phi-ebs` | compliant |
| volume `scheduling-app-root-n` (unclassified) | encrypted, AWS managed key | violation |
| volume `patient-portal-db-n` (phi) | not encrypted | violation |
| volume `billing-export-scratch-n` (phi) | not encrypted | violation |
| snapshot `ehr-app-data-n-YYYYMMDD` | encrypted, private | compliant |
| snapshot `patient-portal-db-n-YYYYMMDD` | not encrypted, private | violation |
| snapshot `billing-export-scratch-n-YYYYMMDD` | not encrypted, shared with everyone | violation |
| DB instance `nbh-ehr-db-n` (postgres) | KMS `alias/nbh-phi-rds`, logs exported | compliant |
| DB instance `nbh-scheduling-db-n` (mysql) | not encrypted, no logs exported | violations |
| DB cluster `nbh-claims-aurora-n` (aurora-postgresql) | encrypted | compliant |
| DB cluster `nbh-analytics-aurora-n` (aurora-postgresql) | not encrypted | violation |
| DB snapshot `nbh-ehr-db-n-manual-YYYYMMDD` | encrypted, private | compliant |
| DB snapshot `nbh-scheduling-db-n-manual-YYYYMMDD` | not encrypted, private | violation |
| DB snapshot `nbh-scheduling-db-n-export-YYYYMMDD` | not encrypted, restorable by all | violation |
| Redshift `nbh-analytics-warehouse-n` (phi) | encrypted, private, audit logging | compliant |
| Redshift `nbh-ops-reporting-n` (internal) | not encrypted, public, no logging | violations |
| table `nbh-appointments-n` (phi) | SSE with `alias/nbh-phi-dynamodb` | compliant |
| table `nbh-patient-contacts-n` (phi) | default (AWS owned key) encryption | violation |
| table `nbh-call-queue-metrics-n` (internal) | default encryption | compliant |

EBS encryption by default is switched on in the first region after its volumes exist (those
volumes predate it) and left off elsewhere (violation).
"""

from __future__ import annotations

from typing import Any

from govkit.demo.estate_base import (
    Counts,
    SeedContext,
    UnitKeys,
    classification_tags,
    date_label,
    phi_tags,
    tag_list,
)
from govkit.demo.names import region_serial

_DB_PASSWORD = "Demo-only-not-a-secret-1"


def _create_volume(ec2: Any, region: str, name: str, tags: dict[str, str], *,
                   encrypted: bool, kms_key_arn: str | None = None, size: int = 100) -> str:
    params: dict[str, Any] = {
        "AvailabilityZone": f"{region}a",
        "Size": size,
        "VolumeType": "gp3",
        "Encrypted": encrypted,
        "TagSpecifications": [
            {"ResourceType": "volume", "Tags": tag_list({"Name": name, **tags})}
        ],
    }
    if kms_key_arn is not None:
        params["KmsKeyId"] = kms_key_arn
    return str(ec2.create_volume(**params)["VolumeId"])


def _create_snapshot(ec2: Any, volume_id: str, name: str, tags: dict[str, str]) -> str:
    snapshot = ec2.create_snapshot(
        VolumeId=volume_id,
        Description=f"Nightly backup of {volume_id}",
        TagSpecifications=[
            {"ResourceType": "snapshot", "Tags": tag_list({"Name": name, **tags})}
        ],
    )
    return str(snapshot["SnapshotId"])


def seed_unit_ebs(ctx: SeedContext, region: str, unit: int, keys: UnitKeys) -> Counts:
    ec2 = ctx.clients.get("ec2", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    day = date_label(ctx.now)
    ehr = _create_volume(ec2, region, f"ehr-app-data-{n}", phi_tags(application="ehr"),
                         encrypted=True, kms_key_arn=keys.ebs, size=500)
    # tagged by its team, but never classified: no PHI rule can tell what it holds
    _create_volume(ec2, region, f"scheduling-app-root-{n}",
                   {"environment": "production", "owner": "northbridge-health",
                    "application": "scheduling"}, encrypted=True, size=50)
    portal = _create_volume(ec2, region, f"patient-portal-db-{n}",
                            phi_tags(application="patient-portal"), encrypted=False, size=200)
    scratch = _create_volume(ec2, region, f"billing-export-scratch-{n}",
                             phi_tags(application="billing"), encrypted=False)
    _create_snapshot(ec2, ehr, f"ehr-app-data-{n}-{day}", phi_tags(application="ehr"))
    _create_snapshot(ec2, portal, f"patient-portal-db-{n}-{day}",
                     phi_tags(application="patient-portal"))
    shared = _create_snapshot(ec2, scratch, f"billing-export-scratch-{n}-{day}",
                              phi_tags(application="billing"))
    ec2.modify_snapshot_attribute(
        SnapshotId=shared,
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    return Counts(ebs_volumes=4, ebs_snapshots=3)


def enable_ebs_default_encryption(ctx: SeedContext) -> None:
    ctx.clients.get("ec2", ctx.regions[0]).enable_ebs_encryption_by_default()


def _create_instance(rds: Any, name: str, engine: str, kms_key_arn: str | None,
                     tags: dict[str, str], log_exports: list[str]) -> None:
    params: dict[str, Any] = {
        "DBInstanceIdentifier": name,
        "DBInstanceClass": "db.r6g.large",
        "Engine": engine,
        "AllocatedStorage": 200,
        "MasterUsername": "nbhadmin",
        "MasterUserPassword": _DB_PASSWORD,
        "StorageEncrypted": kms_key_arn is not None,
        "PubliclyAccessible": False,
        "BackupRetentionPeriod": 7,
        "Tags": tag_list(tags),
    }
    if kms_key_arn is not None:
        params["KmsKeyId"] = kms_key_arn
    if log_exports:
        params["EnableCloudwatchLogsExports"] = log_exports
    rds.create_db_instance(**params)


def _create_cluster(rds: Any, name: str, kms_key_arn: str | None,
                    tags: dict[str, str]) -> None:
    params: dict[str, Any] = {
        "DBClusterIdentifier": name,
        "Engine": "aurora-postgresql",
        "EngineVersion": "15.4",
        "MasterUsername": "nbhadmin",
        "MasterUserPassword": _DB_PASSWORD,
        "StorageEncrypted": kms_key_arn is not None,
        "BackupRetentionPeriod": 7,
        "Tags": tag_list(tags),
    }
    if kms_key_arn is not None:
        params["KmsKeyId"] = kms_key_arn
    rds.create_db_cluster(**params)


def seed_unit_rds(ctx: SeedContext, region: str, unit: int, keys: UnitKeys) -> Counts:
    rds = ctx.clients.get("rds", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    day = date_label(ctx.now)
    ehr, scheduling = f"nbh-ehr-db-{n}", f"nbh-scheduling-db-{n}"
    _create_instance(rds, ehr, "postgres", keys.rds, phi_tags(application="ehr"),
                     ["postgresql", "upgrade"])
    _create_instance(rds, scheduling, "mysql", None, phi_tags(application="scheduling"), [])
    _create_cluster(rds, f"nbh-claims-aurora-{n}", keys.rds, phi_tags(application="claims"))
    _create_cluster(rds, f"nbh-analytics-aurora-{n}", None,
                    phi_tags(application="population-health"))
    snapshots = (
        (f"{ehr}-manual-{day}", ehr),
        (f"{scheduling}-manual-{day}", scheduling),
        (f"{scheduling}-export-{day}", scheduling),
    )
    for snapshot, instance in snapshots:
        rds.create_db_snapshot(
            DBSnapshotIdentifier=snapshot,
            DBInstanceIdentifier=instance,
            Tags=tag_list(phi_tags(application="backup")),
        )
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier=snapshots[2][0],
        AttributeName="restore",
        ValuesToAdd=["all"],
    )
    return Counts(rds_instances=2, rds_clusters=2, rds_snapshots=len(snapshots))


def _create_table(dynamodb: Any, name: str, key: str, tags: dict[str, str],
                  kms_key_arn: str | None) -> None:
    params: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        "Tags": tag_list(tags),
    }
    if kms_key_arn is not None:
        params["SSESpecification"] = {
            "Enabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": kms_key_arn,
        }
    dynamodb.create_table(**params)


def seed_unit_dynamodb(ctx: SeedContext, region: str, unit: int, keys: UnitKeys) -> Counts:
    dynamodb = ctx.clients.get("dynamodb", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    _create_table(dynamodb, f"nbh-appointments-{n}", "appointment_id",
                  phi_tags(application="scheduling"), keys.dynamodb)
    _create_table(dynamodb, f"nbh-patient-contacts-{n}", "patient_id",
                  phi_tags(application="contact-centre"), None)
    _create_table(dynamodb, f"nbh-call-queue-metrics-{n}", "queue_id",
                  classification_tags("internal", application="contact-centre"), None)
    return Counts(dynamodb_tables=3)


def seed_unit_redshift(ctx: SeedContext, region: str, unit: int, keys: UnitKeys) -> Counts:
    """After the unit's buckets: the warehouse logs to its internal-reports bucket."""
    redshift = ctx.clients.get("redshift", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    common = {"NodeType": "ra3.xlplus", "MasterUsername": "nbhadmin",
              "MasterUserPassword": _DB_PASSWORD, "AutomatedSnapshotRetentionPeriod": 7}
    redshift.create_cluster(ClusterIdentifier=f"nbh-analytics-warehouse-{n}", Encrypted=True,
                            KmsKeyId=keys.rds, PubliclyAccessible=False,
                            Tags=tag_list(phi_tags(application="analytics")), **common)
    redshift.enable_logging(ClusterIdentifier=f"nbh-analytics-warehouse-{n}",
                            BucketName=f"nbh-internal-reports-{n}",
                            S3KeyPrefix=f"redshift/{n}/")
    redshift.create_cluster(ClusterIdentifier=f"nbh-ops-reporting-{n}", Encrypted=False,
                            PubliclyAccessible=True,
                            Tags=tag_list(classification_tags("internal",
                                                              application="reporting")),
                            **common)
    return Counts(redshift_clusters=2)
