"""The demo estate on a real moto server, checked through boto3 over HTTP.

moto's backends are shared by the whole process, so the in-process checks read the one seeded
estate of `tests/conftest.py` (built with `seed_estate` and `apply_backend_fixups` at scale 1) and
never reset it; a second estate (scale 2, `python -m govkit.demo.serve`) lives in subprocesses.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from botocore.exceptions import ClientError

from govkit.demo.clients import DemoClients, drop_account_host_label
from govkit.demo.estate import (
    DEMO_REGIONS,
    PHI_TAG_KEY,
    PHI_TAG_VALUE,
    seed_estate,
)
from govkit.demo.fixups import apply_backend_fixups
from govkit.demo.names import DEMO_ACCOUNT, VENDOR_ACCOUNT
from govkit.demo.server import MotoServer
from govkit.errors import UsageError

REPORT_TIME = "%Y-%m-%dT%H:%M:%S+00:00"
REPO = Path(__file__).resolve().parents[2]
SUBPROCESS_ENV = {**os.environ, "PYTHONPATH": str(REPO)}
BARE_SERVER = (
    "import sys\n"
    "from govkit.demo.server import MotoServer\n"
    "with MotoServer() as server:\n"
    "    print(server.endpoint_url, flush=True)\n"
    "    sys.stdin.read()\n"
)


class SeededEstate(Protocol):
    """What `tests/conftest.py`'s session `estate` fixture provides."""

    endpoint_url: str
    seeded_at: dt.datetime


@pytest.fixture(scope="module")
def aws(estate: SeededEstate) -> DemoClients:
    return DemoClients(estate.endpoint_url)


@pytest.fixture(scope="module")
def seeded_at(estate: SeededEstate) -> dt.datetime:
    return estate.seeded_at


@pytest.fixture(scope="module", autouse=True)
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """`python -m govkit.demo.serve`, started first so that it seeds while the tests run."""
    port_file = tmp_path_factory.mktemp("serve") / "endpoint.url"
    command = [sys.executable, "-m", "govkit.demo.serve", "--scale", "1",
               "--port-file", str(port_file)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=SUBPROCESS_ENV) as process:
        try:
            yield process, port_file
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)


def days_ago(seeded_at: dt.datetime, days: int) -> str:
    return (seeded_at - dt.timedelta(days=days)).astimezone(dt.UTC).strftime(REPORT_TIME)


def count_over_http(aws: DemoClients) -> dict[str, int]:
    """Count what the server holds, kind by kind, the way a scanner would see it."""
    home = DEMO_REGIONS[0]
    iam = aws.get("iam", home)
    counts = {
        "s3_buckets": len(aws.get("s3", home).list_buckets()["Buckets"]),
        "iam_users": len(iam.list_users(MaxItems=1000)["Users"]),
        "iam_groups": len(iam.list_groups(MaxItems=1000)["Groups"]),
        "iam_roles": len(iam.list_roles(MaxItems=1000)["Roles"]),
        "iam_policies": len(iam.list_policies(Scope="Local", MaxItems=1000)["Policies"]),
        "web_portals": len(aws.get("workspaces-web", home).list_portals()["portals"]),
        "cloudtrail_trails": len(aws.get("cloudtrail", home).describe_trails()["trailList"]),
    }
    for region in DEMO_REGIONS:
        ec2, rds = aws.get("ec2", region), aws.get("rds", region)
        regional = {
            "ebs_volumes": len(ec2.describe_volumes()["Volumes"]),
            "ebs_snapshots": len(ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]),
            "rds_instances": len(rds.describe_db_instances()["DBInstances"]),
            "rds_clusters": len(rds.describe_db_clusters()["DBClusters"]),
            "rds_snapshots": len(rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]),
            "dynamodb_tables": len(aws.get("dynamodb", region).list_tables()["TableNames"]),
            "workspaces": len(aws.get("workspaces", region).describe_workspaces()["Workspaces"]),
            "ec2_instances": sum(len(r["Instances"]) for r in
                                 ec2.describe_instances()["Reservations"]),
        }
        for kind, number in regional.items():
            counts[kind] = counts.get(kind, 0) + number
    return counts


def credential_report(aws: DemoClients) -> dict[str, dict[str, str]]:
    iam = aws.get("iam", DEMO_REGIONS[0])
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"].decode()
    return {row["user"]: row for row in csv.DictReader(io.StringIO(content))}


def bucket_tags(s3: Any, bucket: str) -> dict[str, str]:
    tag_set = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    return {tag["Key"]: tag["Value"] for tag in tag_set}


def encryption_algorithm(s3: Any, bucket: str) -> str | None:
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ServerSideEncryptionConfigurationNotFoundError"
        return None
    return str(rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"])


def test_server_loads_managed_policies_and_no_amis(aws: DemoClients) -> None:
    iam = aws.get("iam", "us-east-1")
    admin = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin["Policy"]["PolicyName"] == "AdministratorAccess"
    assert aws.get("ec2", "us-west-2").describe_images(Owners=["amazon"])["Images"] == []


def test_scale_one_has_about_a_hundred_resources(aws: DemoClients) -> None:
    seen = count_over_http(aws)
    assert seen["s3_buckets"] == 13 and seen["iam_users"] == 11 and seen["workspaces"] == 8
    assert 60 <= sum(seen.values()) <= 120


def test_phi_buckets_mix_kms_aes256_and_no_encryption(aws: DemoClients) -> None:
    for region in DEMO_REGIONS:
        s3 = aws.get("s3", region)
        algorithms = {}
        for bucket in s3.list_buckets()["Buckets"]:
            name = bucket["Name"]
            location = s3.get_bucket_location(Bucket=name)["LocationConstraint"] or "us-east-1"
            if location == region and bucket_tags(s3, name)[PHI_TAG_KEY] == PHI_TAG_VALUE:
                algorithms[name.rsplit("-", 1)[0]] = encryption_algorithm(s3, name)
        assert algorithms == {
            "nbh-patient-intake-docs": "aws:kms",
            "nbh-medical-records-archive": "aws:kms",
            "nbh-billing-statements": "AES256",
            "nbh-call-recordings": None,
        }


def test_tls_policy_and_public_bucket(aws: DemoClients) -> None:
    s3 = aws.get("s3", "us-east-1")
    tls = json.loads(s3.get_bucket_policy(Bucket="nbh-patient-intake-docs-1")["Policy"])
    assert tls["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    with pytest.raises(ClientError):
        s3.get_bucket_policy(Bucket="nbh-billing-statements-1")
    public = json.loads(s3.get_bucket_policy(Bucket="nbh-public-website-assets")["Policy"])
    assert public["Statement"][0]["Principal"] == "*"
    with pytest.raises(ClientError):
        s3.get_public_access_block(Bucket="nbh-public-website-assets")
    lock = s3.get_object_lock_configuration(Bucket="nbh-medical-records-archive-1")
    assert lock["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"


def test_account_public_access_block_through_s3control(aws: DemoClients) -> None:
    s3control = aws.get("s3control", "us-east-1")
    block = s3control.get_public_access_block(AccountId=DEMO_ACCOUNT)
    assert block["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }


class _Request:
    def __init__(self, url: str) -> None:
        self.url = url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://123456789012.127.0.0.1:5000/v20180820/configuration/publicAccessBlock",
         "http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock"),
        ("https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/x",
         "https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/x"),
        ("http://127.0.0.1:5000/v20180820/x", "http://127.0.0.1:5000/v20180820/x"),
    ],
)
def test_s3control_fix_only_rewrites_the_demo_endpoint(url: str, expected: str) -> None:
    request = _Request(url)
    drop_account_host_label(request, endpoint_host="127.0.0.1:5000")
    assert request.url == expected


def test_public_and_encrypted_snapshots_in_every_region(
    aws: DemoClients, seeded_at: dt.datetime
) -> None:
    for region in DEMO_REGIONS:
        ec2, rds = aws.get("ec2", region), aws.get("rds", region)
        public = []
        snapshots = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
        for snapshot in snapshots:
            permissions = ec2.describe_snapshot_attribute(
                SnapshotId=snapshot["SnapshotId"], Attribute="createVolumePermission"
            )["CreateVolumePermissions"]
            if {"Group": "all"} in permissions:
                public.append(snapshot)
        assert len(public) == 1 and not public[0]["Encrypted"]
        assert {s["Encrypted"] for s in snapshots} == {True, False}
        shared = [
            s["DBSnapshotIdentifier"]
            for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
            if "all" in rds.describe_db_snapshot_attributes(
                DBSnapshotIdentifier=s["DBSnapshotIdentifier"]
            )["DBSnapshotAttributesResult"]["DBSnapshotAttributes"][0]["AttributeValues"]
        ]
        assert shared == [f"nbh-scheduling-db-{DEMO_REGIONS.index(region) + 1}-export-"
                          f"{seeded_at:%Y%m%d}"]
    assert aws.get("ec2", "us-east-1").get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
    assert not aws.get("ec2", "us-west-2").get_ebs_encryption_by_default()[
        "EbsEncryptionByDefault"
    ]


def test_credential_report_shows_backdated_and_unused_credentials(
    aws: DemoClients, seeded_at: dt.datetime
) -> None:
    report = credential_report(aws)
    assert report["lchen.nbh"]["password_last_used"] == days_ago(seeded_at, 300)
    never = report["tnguyen.nbh"]
    assert never["password_enabled"] == "true"
    assert never["password_last_used"] == "no_information"
    assert never["password_last_changed"] == days_ago(seeded_at, 100)
    old_keys = report["rpatel.nbh"]
    assert old_keys["access_key_1_last_rotated"] == days_ago(seeded_at, 400)
    assert old_keys["access_key_2_last_used_date"] == days_ago(seeded_at, 200)
    service = report["svc-claims-export"]
    assert service["access_key_1_last_rotated"] == days_ago(seeded_at, 120)
    assert service["access_key_1_last_used_date"] == "N/A"
    assert report["akhan.nbh"]["mfa_active"] == "false"
    assert report["jsmith.nbh"]["mfa_active"] == "true"


def test_iam_violations_and_vendor_trust(aws: DemoClients, seeded_at: dt.datetime) -> None:
    iam = aws.get("iam", "us-east-1")
    attached = iam.list_attached_user_policies(UserName="akhan.nbh")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]
    assert iam.list_user_policies(UserName="lchen.nbh")["PolicyNames"] == ["AdhocPatientExport"]
    admins = iam.list_attached_group_policies(GroupName="SecurityAdmins")["AttachedPolicies"]
    assert [p["PolicyName"] for p in admins] == ["AdministratorAccess"]
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 8 and "PasswordReusePrevention" not in policy
    vendor = f"arn:aws:iam::{VENDOR_ACCOUNT}:root"
    lax = iam.get_role(RoleName="MeridianAgentAccess")["Role"]["AssumeRolePolicyDocument"]
    assert lax["Statement"][0]["Principal"] == {"AWS": vendor}
    assert "Condition" not in lax["Statement"][0]
    strict = iam.get_role(RoleName="MeridianReportingRead")["Role"]["AssumeRolePolicyDocument"]
    assert "sts:ExternalId" in strict["Statement"][0]["Condition"]["StringEquals"]
    tags = {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName="meridian-agent-4")["Tags"]}
    ended = (seeded_at - dt.timedelta(days=21)).date().isoformat()
    assert tags["vendor"] == "meridian" and tags["vendor_access_end"] == ended


def test_workspaces_directories_after_fixups(aws: DemoClients) -> None:
    for region in DEMO_REGIONS:
        workspaces = aws.get("workspaces", region)
        directories = {
            d["DirectoryName"].split(".")[0]: d
            for d in workspaces.describe_workspace_directories()["Directories"]
        }
        hardened, lax = directories["agents"], directories["staff"]
        assert hardened["WorkspaceAccessProperties"]["DeviceTypeWeb"] == "DENY"
        assert hardened["WorkspaceAccessProperties"]["DeviceTypeChromeOs"] == "DENY"
        assert hardened["WorkspaceAccessProperties"]["DeviceTypeWindows"] == "ALLOW"
        assert len(hardened["ipGroupIds"]) == 1 and hardened["ipGroupIds"][0].startswith("wsipg-")
        assert hardened["WorkspaceCreationProperties"]["UserEnabledAsLocalAdministrator"] is False
        for device in ("DeviceTypeWeb", "DeviceTypeIos", "DeviceTypeAndroid"):
            assert lax["WorkspaceAccessProperties"][device] == "ALLOW"
        assert "ipGroupIds" not in lax
        assert lax["WorkspaceCreationProperties"]["UserEnabledAsLocalAdministrator"] is True
        encrypted = [
            w.get("RootVolumeEncryptionEnabled", False)
            for w in workspaces.describe_workspaces()["Workspaces"]
        ]
        assert sorted(encrypted) == [False, False, True, True]


def test_secure_browser_portals(aws: DemoClients) -> None:
    web = aws.get("workspaces-web", "us-east-1")
    portals = {}
    for summary in web.list_portals()["portals"]:
        portal = web.get_portal(portalArn=summary["portalArn"])["portal"]
        portals[portal["displayName"]] = portal.get("userSettingsArn")
    assert portals["nbh-pilot-portal"] is None

    def settings(name: str) -> dict[str, Any]:
        result = web.get_user_settings(userSettingsArn=portals[name])["userSettings"]
        return dict(result)

    locked = settings("nbh-meridian-agent-portal")
    for field in ("copyAllowed", "pasteAllowed", "downloadAllowed", "uploadAllowed",
                  "printAllowed"):
        assert locked[field] == "Disabled"
    assert locked["idleDisconnectTimeoutInMinutes"] == 10
    lax = settings("nbh-billing-support-portal")
    for field in ("copyAllowed", "downloadAllowed", "printAllowed"):
        assert lax[field] == "Enabled"


def test_fixups_refuse_an_estate_seeded_at_another_scale(seeded_at: dt.datetime) -> None:
    # Unit 0 gets the values it already has (same `now`); unit 1 does not exist.
    with pytest.raises(UsageError, match="jsmith2.nbh"):
        apply_backend_fixups(now=seeded_at, scale=2)


def test_missing_moto_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "moto.server", None)
    with pytest.raises(UsageError, match=r"pip install 'govkit\[demo\]'"):
        MotoServer().start()


def test_seeding_at_scale_two_doubles_the_estate(aws: DemoClients) -> None:
    with subprocess.Popen([sys.executable, "-c", BARE_SERVER], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True, env=SUBPROCESS_ENV) as bare:
        assert bare.stdout is not None and bare.stdin is not None
        endpoint = bare.stdout.readline().strip()
        try:
            summary = seed_estate(endpoint, scale=2, now=dt.datetime.now(dt.UTC))
            doubled = count_over_http(DemoClients(endpoint))
        finally:
            bare.stdin.close()
    assert doubled == {kind: getattr(summary, kind) for kind in doubled}
    single = count_over_http(aws)
    for kind, number in single.items():
        # Account and region singletons (the CloudTrail bucket and trails) do not double.
        assert doubled[kind] in (2 * number, 2 * number - 1, number), kind
    assert 1.8 <= sum(doubled.values()) / sum(single.values()) <= 2.0
    assert 1.8 <= summary.total / 198 <= 2.0


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text().strip()
        if process.poll() is not None:
            raise AssertionError(f"serve exited early: {process.communicate()}")
        time.sleep(0.1)
    raise AssertionError("serve did not write its port file in time")


def test_serve_runs_a_seeded_estate_with_fixups_until_sigterm(
    served: tuple[subprocess.Popen[str], Path], aws: DemoClients
) -> None:
    process, port_file = served
    endpoint = wait_for(port_file, process, timeout=90)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", endpoint)
    remote = DemoClients(endpoint)
    assert count_over_http(remote) == count_over_http(aws)
    report = credential_report(remote)
    assert report["lchen.nbh"]["password_last_used"] != "no_information"
    assert report["rpatel.nbh"]["access_key_1_last_rotated"] < report["rpatel.nbh"][
        "access_key_2_last_rotated"]
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert stdout.strip() == endpoint
    assert "seeded 198 resources at scale 1" in stderr
