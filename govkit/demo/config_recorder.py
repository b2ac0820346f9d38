"""What AWS Config's recorder would hold for the emulated estate: S3 buckets (with their
supplementary configuration), the account's public access block and DynamoDB tables, read
through the services' APIs and written as configuration items into a :class:`ConfigService`.

The shapes are Config's own (awslabs/aws-config-resource-schema and items AWS publishes),
written here from the API's answers, the opposite way to govkit's reading of them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError

from govkit.demo.clients import install_s3control_endpoint_fix
from govkit.demo.config_service import ConfigService

_PERMISSIONS = {"FULL_CONTROL": "FullControl", "READ": "Read", "WRITE": "Write",
                "READ_ACP": "ReadAcp", "WRITE_ACP": "WriteAcp"}
_DYNAMODB_KEYS = {"SSEDescription": "ssedescription", "SSEType": "ssetype",
                  "KMSMasterKeyArn": "kmsmasterKeyArn", "KMSMasterKeyId": "kmsmasterKeyId"}


def _text(moment: Any) -> Any:
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(dt.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment


def _config_keys(value: Any, renames: Mapping[str, str] = {}) -> Any:
    """The API's keys as Config writes them: first letter lowered, some acronyms whole."""
    if isinstance(value, Mapping):
        return {renames.get(k, k[:1].lower() + k[1:]): _config_keys(v, renames)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_config_keys(v, renames) for v in value]
    return _text(value)


def _answer(call: Any, **params: Any) -> dict[str, Any] | None:
    """The API's answer, or None for its "nothing configured" errors."""
    try:
        answer: dict[str, Any] = call(**params)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code", "").startswith(("NoSuch", "ObjectLock",
                                                                      "ServerSide")):
            return None
        raise
    answer.pop("ResponseMetadata", None)
    return answer


def _grantee(grantee: Mapping[str, Any]) -> Any:
    if grantee.get("Type") == "Group":
        return str(grantee.get("URI", "")).rsplit("/", 1)[-1]
    return {"id": grantee.get("ID"), "displayName": grantee.get("DisplayName")}


def _bucket(s3: Any, name: str, created: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    acl = _answer(s3.get_bucket_acl, Bucket=name) or {}
    owner = acl.get("Owner") or {}
    supplementary: dict[str, Any] = {
        # encoded twice, as Config does
        "AccessControlList": json.dumps(json.dumps({
            "grantSet": None,
            "grantList": [{"grantee": _grantee(g.get("Grantee") or {}),
                           "permission": _PERMISSIONS.get(g.get("Permission"),
                                                          g.get("Permission"))}
                          for g in acl.get("Grants") or []],
            "owner": {"displayName": owner.get("DisplayName"), "id": owner.get("ID")},
            "isRequesterCharged": False})),
        "BucketAccelerateConfiguration": {"status": None},
        "BucketNotificationConfiguration": {"configurations": {}},
        "IsRequesterPaysEnabled": "false",
    }
    policy = _answer(s3.get_bucket_policy, Bucket=name)
    supplementary["BucketPolicy"] = {"policyText": (policy or {}).get("Policy")}
    versioning = _answer(s3.get_bucket_versioning, Bucket=name) or {}
    supplementary["BucketVersioningConfiguration"] = {
        "status": versioning.get("Status") or "Off",
        "isMfaDeleteEnabled": None if "MFADelete" not in versioning
        else versioning["MFADelete"] == "Enabled"}
    logging = (_answer(s3.get_bucket_logging, Bucket=name) or {}).get("LoggingEnabled") or {}
    supplementary["BucketLoggingConfiguration"] = {
        "destinationBucketName": logging.get("TargetBucket"),
        "logFilePrefix": logging.get("TargetPrefix")}
    encryption = _answer(s3.get_bucket_encryption, Bucket=name)
    if encryption is not None:
        rules = encryption["ServerSideEncryptionConfiguration"].get("Rules") or []
        supplementary["ServerSideEncryptionConfiguration"] = {"rules": [
            {"applyServerSideEncryptionByDefault": {
                "sseAlgorithm": (r.get("ApplyServerSideEncryptionByDefault") or {})
                .get("SSEAlgorithm"),
                "kmsMasterKeyID": (r.get("ApplyServerSideEncryptionByDefault") or {})
                .get("KMSMasterKeyID")},
             "bucketKeyEnabled": bool(r.get("BucketKeyEnabled", False))} for r in rules]}
    block = _answer(s3.get_public_access_block, Bucket=name)
    if block is not None:
        supplementary["PublicAccessBlockConfiguration"] = _config_keys(
            block["PublicAccessBlockConfiguration"])
    tags = _answer(s3.get_bucket_tagging, Bucket=name)
    if tags is not None and tags.get("TagSet"):
        supplementary["BucketTaggingConfiguration"] = {
            "tagSets": [{"tags": {t["Key"]: t["Value"] for t in tags["TagSet"]}}]}
    lock = _answer(s3.get_object_lock_configuration, Bucket=name)
    if lock is not None:
        found = lock.get("ObjectLockConfiguration") or {}
        retention = (found.get("Rule") or {}).get("DefaultRetention") or {}
        supplementary["ObjectLockConfiguration"] = {
            "objectLockEnabled": found.get("ObjectLockEnabled"),
            "rule": {"defaultRetention": {"mode": retention.get("Mode"),
                                          "days": retention.get("Days"),
                                          "years": retention.get("Years")}}}
    configuration = {"name": name, "owner": {"displayName": owner.get("DisplayName"),
                                              "id": owner.get("ID")},
                     "creationDate": _text(created)}
    return configuration, supplementary


def record(service: ConfigService, session: boto3.Session, *, endpoint_url: str, account: str,
           regions: Iterable[str], captured_at: dt.datetime) -> int:
    """Record the account's S3 buckets and account block (in ``regions``) and DynamoDB
    tables as configuration items captured at ``captured_at``; returns how many."""
    regions = tuple(regions)
    count = 0
    s3 = session.client("s3", endpoint_url=endpoint_url, region_name=regions[0])
    for bucket in s3.list_buckets().get("Buckets") or []:
        name = bucket["Name"]
        location = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
        if location not in regions:
            continue
        configuration, supplementary = _bucket(s3, name, bucket.get("CreationDate"))
        service.put_item(account=account, region=location, resource_type="AWS::S3::Bucket",
                         resource_id=name, name=name, arn=f"arn:aws:s3:::{name}",
                         configuration=configuration, supplementary=supplementary,
                         captured_at=captured_at)
        count += 1
    control = session.client("s3control", endpoint_url=endpoint_url, region_name=regions[0])
    install_s3control_endpoint_fix(control, endpoint_url)
    block = (_answer(control.get_public_access_block, AccountId=account) or {}).get(
        "PublicAccessBlockConfiguration")
    for region in regions if block is not None else ():
        service.put_item(account=account, region=region,
                         resource_type="AWS::S3::AccountPublicAccessBlock", resource_id=account,
                         name=None, arn="", captured_at=captured_at,
                         configuration=_config_keys(block))
        count += 1
    for region in regions:
        dynamodb = session.client("dynamodb", endpoint_url=endpoint_url, region_name=region)
        for page in dynamodb.get_paginator("list_tables").paginate():
            for name in page.get("TableNames") or []:
                table = dynamodb.describe_table(TableName=name)["Table"]
                backups = dynamodb.describe_continuous_backups(TableName=name)
                service.put_item(
                    account=account, region=region, resource_type="AWS::DynamoDB::Table",
                    resource_id=name, name=name, arn=table["TableArn"],
                    configuration=_config_keys(table, _DYNAMODB_KEYS),
                    supplementary={"ContinuousBackupsDescription": _config_keys(
                        backups["ContinuousBackupsDescription"])},
                    captured_at=captured_at)
                count += 1
    return count
