"""Configuration items as AWS Config writes them, read into the inventory a direct scan builds.

The items follow Config's published shapes: a bucket item as GetResourceConfigHistory and the
batch gets return it (the access control list JSON-encoded twice, unset settings as "null
documents" or left out), group grantees as bare names, DynamoDB's acronyms lower-cased.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from govkit.inventory.build import build_inventory
from govkit.inventory.model import Resource
from govkit.sources.aws import session as sessions
from govkit.sources.aws.awsconfig import derive
from govkit.sources.aws.awsconfig.plan import ConfigPlan
from govkit.sources.aws.awsconfig.query import ConfigData, Health, Listed, _item
from govkit.snapshot import Snapshot, SnapshotWriter

ACCOUNT = "111122223333"
REGION = "eu-west-1"
CAPTURED = dt.datetime(2026, 12, 1, 16, 36, 15, tzinfo=dt.timezone.utc)
OWNER = "cdc98e52d2f6c1c5b23c4b7e6fa8c0a6b4f1d3e2a1b0c9d8e7f6a5b4c3d2e1f0"


def bucket_item(name: str, **supplementary: Any) -> dict[str, Any]:
    """An S3 bucket's item; ``supplementary`` replaces the ordinary bucket's settings."""
    acl = {"grantSet": None, "grantList": [{"grantee": {"id": OWNER, "displayName": None},
                                            "permission": "FullControl"}],
           "owner": {"displayName": None, "id": OWNER}, "isRequesterCharged": False}
    settings: dict[str, Any] = {
        "AccessControlList": json.dumps(json.dumps(acl)),
        "BucketAccelerateConfiguration": '{"status":null}',
        "BucketLoggingConfiguration": '{"destinationBucketName":null,"logFilePrefix":null}',
        "BucketNotificationConfiguration": '{"configurations":{}}',
        "BucketPolicy": '{"policyText":null}',
        "BucketVersioningConfiguration": '{"status":"Off","isMfaDeleteEnabled":null}',
        "IsRequesterPaysEnabled": "false",
        "ServerSideEncryptionConfiguration": '{"rules":[{"applyServerSideEncryptionByDefault":'
                                             '{"sseAlgorithm":"AES256","kmsMasterKeyID":null}}]}',
    }
    settings.update({k: v if isinstance(v, str) else json.dumps(v)
                     for k, v in supplementary.items()})
    return {"version": "1.3", "accountId": ACCOUNT,
            "configurationItemCaptureTime": CAPTURED.isoformat(),
            "configurationItemStatus": "OK", "configurationStateId": "1566454962646",
            "arn": f"arn:aws:s3:::{name}", "resourceType": "AWS::S3::Bucket",
            "resourceId": name, "resourceName": name, "awsRegion": REGION,
            "availabilityZone": "Regional", "resourceCreationTime": "2019-04-25T15:31:25.000Z",
            "configuration": json.dumps({"name": name, "owner": {"displayName": None,
                                                                 "id": OWNER},
                                         "creationDate": "2019-04-25T15:31:25.000Z"}),
            "supplementaryConfiguration": settings}


def table_item(name: str) -> dict[str, Any]:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f3c9a52-6f4e-4f0b-9d51-5c0e2b7d9a11"
    return {"version": "1.3", "accountId": ACCOUNT,
            "configurationItemCaptureTime": CAPTURED.isoformat(),
            "configurationItemStatus": "OK", "arn": arn, "resourceType": "AWS::DynamoDB::Table",
            "resourceId": name, "resourceName": name, "awsRegion": REGION,
            "configuration": json.dumps({
                "tableName": name, "tableArn": arn, "tableStatus": "ACTIVE",
                "creationDateTime": "2026-03-02T10:00:00.000Z", "deletionProtectionEnabled": True,
                "ssedescription": {"status": "ENABLED", "ssetype": "KMS",
                                   "kmsmasterKeyArn": key}}),
            "supplementaryConfiguration": {"ContinuousBackupsDescription": json.dumps({
                "continuousBackupsStatus": "ENABLED",
                "pointInTimeRecoveryDescription": {"pointInTimeRecoveryStatus": "ENABLED"}})}}


def inventory_from(tmp_path: Path, raw_items: list[dict[str, Any]]) -> tuple[list[Resource],
                                                                             ConfigPlan]:
    """The items as batch get and query answers in a snapshot, derived, then normalised."""
    writer = SnapshotWriter(tmp_path)
    now = dt.datetime.now(dt.timezone.utc)
    query = writer.record(account=ACCOUNT, region=REGION, service="config",
                          operation="SelectResourceConfig", params={"page": 1},
                          started_at=now, duration_ms=1, response={"Results": []})
    batch = writer.record(account=ACCOUNT, region=REGION, service="config",
                          operation="BatchGetResourceConfig", params={}, started_at=now,
                          duration_ms=1, response={"baseConfigurationItems": raw_items})
    items = [_item(raw, batch.file, f"/response/baseConfigurationItems/{i}")
             for i, raw in enumerate(raw_items)]
    rows = [Listed(type=i.type, account=i.account, region=i.region, id=i.id, name=i.name,
                   captured_at=i.captured_at, status="OK", file=query.file) for i in items]
    target = sessions.AccountSession(ACCOUNT, boto3.Session(region_name=REGION))
    context = derive.Context(writer=writer, targets=[target], regions=(REGION,),
                             home_region=REGION, health={(ACCOUNT, REGION): Health()},
                             data=ConfigData(health={}, rows=rows, items=items,
                                             queries={(ACCOUNT, REGION): query.file}))
    plan = ConfigPlan()
    for derivation in derive.DERIVATIONS:
        derivation.apply(context, plan)
    writer.write_index()
    inventory = build_inventory(Snapshot.open(tmp_path), [ACCOUNT], regions=[REGION])
    return list(inventory.resources), plan


def bucket(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r.type == "aws.s3.bucket" and r.name == name)


def test_an_ordinary_bucket_reads_as_the_api_would_answer(tmp_path: Path) -> None:
    resources, plan = inventory_from(tmp_path, [bucket_item("cf-templates-eu-west-1")])
    found = bucket(resources, "cf-templates-eu-west-1")
    attributes = found.attributes
    assert found.region == REGION
    assert attributes["DefaultEncryption"] == {"SSEAlgorithm": "AES256", "KMSMasterKeyID": None,
                                               "BucketKeyEnabled": False}
    assert attributes["Policy"] is None and attributes["TlsOnly"] is False
    assert attributes["Versioning"] is None and attributes["AccessLogging"] is None
    assert attributes["PublicAccessBlock"] is None and attributes["ObjectLock"] is None
    assert attributes["Tags"] == {} and found.tags == {}
    assert attributes["AclPublic"] is False
    # Config records the account's block only once it is set: the API is asked for it
    assert len(plan.tasks) == 1


def test_group_grants_and_set_settings_keep_their_meaning(tmp_path: Path) -> None:
    acl = {"grantSet": None, "owner": {"displayName": None, "id": OWNER},
           "isRequesterCharged": False,
           "grantList": [{"grantee": {"id": OWNER, "displayName": None},
                          "permission": "FullControl"},
                         {"grantee": "AllUsers", "permission": "Read"},
                         {"grantee": "LogDelivery", "permission": "Write"}]}
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::nbh-phi", "arn:aws:s3:::nbh-phi/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    item = bucket_item(
        "nbh-phi", AccessControlList=json.dumps(json.dumps(acl)),
        BucketPolicy={"policyText": json.dumps(policy)},
        BucketVersioningConfiguration={"status": "Enabled", "isMfaDeleteEnabled": False},
        BucketLoggingConfiguration={"destinationBucketName": "nbh-logs",
                                    "logFilePrefix": "phi/"},
        ServerSideEncryptionConfiguration={"rules": [{"applyServerSideEncryptionByDefault": {
            "sseAlgorithm": "aws:kms", "kmsMasterKeyID": "alias/nbh-phi"},
            "bucketKeyEnabled": True}]},
        PublicAccessBlockConfiguration={"blockPublicAcls": True, "ignorePublicAcls": False,
                                        "blockPublicPolicy": True,
                                        "restrictPublicBuckets": True},
        BucketTaggingConfiguration={"tagSets": [{"tags": {"data_classification": "phi"}}]},
        ObjectLockConfiguration={"objectLockEnabled": "Enabled", "rule": {"defaultRetention": {
            "mode": "COMPLIANCE", "days": None, "years": 6}}})
    resources, _ = inventory_from(tmp_path, [item])
    found = bucket(resources, "nbh-phi")
    attributes = found.attributes
    assert found.tags == {"data_classification": "phi"}
    assert attributes["AclPublic"] is True  # AllUsers may read
    assert {(g["Grantee"].get("URI"), g["Permission"]) for g in attributes["AclGrants"]} == {
        (None, "FULL_CONTROL"), ("http://acs.amazonaws.com/groups/global/AllUsers", "READ"),
        ("http://acs.amazonaws.com/groups/s3/LogDelivery", "WRITE")}
    assert attributes["TlsOnly"] is True
    assert attributes["Versioning"] == "Enabled"
    assert attributes["AccessLogging"] == {"TargetBucket": "nbh-logs", "TargetPrefix": "phi/"}
    assert attributes["DefaultEncryption"] == {"SSEAlgorithm": "aws:kms",
                                               "KMSMasterKeyID": "alias/nbh-phi",
                                               "BucketKeyEnabled": True}
    assert attributes["ObjectLock"] == {"ObjectLockEnabled": "Enabled", "Rule": {
        "DefaultRetention": {"Mode": "COMPLIANCE", "Years": 6}}}
    assert attributes["PublicAccessBlock"]["IgnorePublicAcls"] is False


def test_each_value_points_at_a_derived_record_naming_its_item(tmp_path: Path) -> None:
    resources, _ = inventory_from(tmp_path, [bucket_item("nbh-phi")])
    ref = bucket(resources, "nbh-phi").sources["DefaultEncryption"][0]
    record = json.loads((tmp_path / ref.file).read_text())
    assert record["operation"] == "GetBucketEncryption"
    assert record["derived_from"]["pointer"] == "/response/baseConfigurationItems/0"
    assert record["derived_from"]["captured_at"] == "2026-12-01T16:36:15Z"


def test_a_dynamodb_item_reads_with_its_acronyms_restored(tmp_path: Path) -> None:
    resources, plan = inventory_from(tmp_path, [table_item("nbh-appointments")])
    table = next(r for r in resources if r.type == "aws.dynamodb.table")
    assert table.attributes["SSEType"] == "KMS"
    assert table.attributes["KmsKeyArn"].endswith(":key/0f3c9a52-6f4e-4f0b-9d51-5c0e2b7d9a11")
    assert table.attributes["PointInTimeRecovery"] == "ENABLED"
    assert table.attributes["DeletionProtectionEnabled"] is True
    assert len(plan.tasks) == 2  # the account block and the table's tags (batch gets carry none)


@pytest.mark.parametrize("text", ['"{\\"a\\": 1}"', '{"a": 1}'])
def test_supplementary_values_are_decoded_however_often_they_were_encoded(text: str) -> None:
    raw = bucket_item("x", Extra=text)
    assert _item(raw, "f", "/p").supplementary["Extra"] == {"a": 1}
