"""Pushing runs to S3 under Object Lock, against a moto server in a child process."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from govkit.bundle.archive import pack
from govkit.bundle.errors import BundleError, VerificationFailure
from govkit.bundle.push import PushedObject, PushError, PushReport, parse_destination, push
from govkit.errors import GovkitError, UsageError
from tests.support.moto_process import moto_process

RUN_FILES = {
    "manifest.json": b'{"run": "r1"}\n',
    "snapshots/aws/iam.json": b'{"roles": []}\n' * 100,
    "policies/phi.rego": b"package govkit\n",
    "results/results.json": b'{"results": []}\n',
    "attestations/bundle.sigstore.json": b"{}\n",
}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_process() as url:
        yield url


@pytest.fixture
def session(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> boto3.Session:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    return boto3.Session(region_name="us-east-1")


@pytest.fixture
def s3(session: boto3.Session) -> Any:
    return session.client("s3")


def new_bucket(s3: Any, *, locked: bool = True) -> str:
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=locked)
    return name


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "run-20240101T000000Z"
    for relative, data in RUN_FILES.items():
        (run / relative).parent.mkdir(parents=True, exist_ok=True)
        (run / relative).write_bytes(data)
    return run


def keys_in(s3: Any, bucket: str) -> set[str]:
    listing = s3.list_object_versions(Bucket=bucket)
    return {version["Key"] for version in listing.get("Versions", [])}


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_directory_push_locks_every_file(session: boto3.Session, s3: Any,
                                         run_dir: Path) -> None:
    bucket = new_bucket(s3)
    now = dt.datetime(2024, 1, 1, 12, 0, 0, 250_000, tzinfo=dt.timezone.utc)
    report = push(run_dir, f"s3://{bucket}/hipaa/evidence/", session=session, now=now)

    expected_until = dt.datetime(2029, 12, 30, 12, 0, 1, tzinfo=dt.timezone.utc)  # rounded up
    assert report == PushReport(
        bucket=bucket, prefix="hipaa/evidence", retain_until=expected_until, mode="COMPLIANCE",
        objects=tuple(PushedObject(f"hipaa/evidence/{run_dir.name}/{rel}",
                                   hashlib.sha256(data).hexdigest(), len(data))
                      for rel, data in sorted(RUN_FILES.items())))
    assert keys_in(s3, bucket) == {obj.key for obj in report.objects}
    for relative, data in RUN_FILES.items():
        head = s3.head_object(Bucket=bucket, Key=f"hipaa/evidence/{run_dir.name}/{relative}",
                              ChecksumMode="ENABLED")
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert head["ObjectLockRetainUntilDate"] == expected_until
        assert head["ChecksumSHA256"] == sha256_b64(data)


def test_archive_push_is_one_object(session: boto3.Session, s3: Any, run_dir: Path,
                                    tmp_path: Path) -> None:
    bucket = new_bucket(s3)
    archive = pack(run_dir, tmp_path)
    report = push(archive, f"s3://{bucket}", session=session)

    data = archive.read_bytes()
    assert report.prefix == ""
    assert report.objects == (PushedObject(archive.name, hashlib.sha256(data).hexdigest(),
                                           len(data)),)
    assert s3.get_object(Bucket=bucket, Key=archive.name)["Body"].read() == data
    retained = s3.head_object(Bucket=bucket, Key=archive.name)["ObjectLockRetainUntilDate"]
    days = (retained - dt.datetime.now(dt.timezone.utc)).days
    assert 2189 <= days <= 2190


def test_governance_mode_and_custom_retention(session: boto3.Session, s3: Any,
                                              run_dir: Path, tmp_path: Path) -> None:
    bucket = new_bucket(s3)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    report = push(pack(run_dir, tmp_path), f"s3://{bucket}/short", retention_days=30,
                  mode="governance", session=session, now=now)
    assert report.mode == "GOVERNANCE"
    assert report.retain_until == now + dt.timedelta(days=30)
    head = s3.head_object(Bucket=bucket, Key=f"short/{run_dir.name}.tar.gz")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"] == now + dt.timedelta(days=30)


def test_bucket_without_object_lock_is_refused(session: boto3.Session, s3: Any,
                                               run_dir: Path) -> None:
    bucket = new_bucket(s3, locked=False)
    with pytest.raises(UsageError) as caught:
        push(run_dir, f"s3://{bucket}/evidence", session=session)
    message = str(caught.value)
    assert bucket in message and "Object Lock" in message
    assert "put-object-lock-configuration" in message
    assert keys_in(s3, bucket) == set()


def test_missing_bucket_names_the_call(session: boto3.Session, run_dir: Path) -> None:
    with pytest.raises(GovkitError, match="GetObjectLockConfiguration") as caught:
        push(run_dir, "s3://no-such-bucket-here/x", session=session)
    assert "no-such-bucket-here" in str(caught.value)


def deny(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    error = {"Code": "AccessDenied", "Message": "Access Denied"}
    return (AWSResponse("http://denied", 403, {}, None),
            {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 403}})


@pytest.mark.parametrize("operation", ["GetObjectLockConfiguration", "PutObject"])
def test_access_denied_is_a_clear_error(session: boto3.Session, s3: Any, run_dir: Path,
                                        operation: str) -> None:
    bucket = new_bucket(s3)
    session.events.register(f"before-call.s3.{operation}", deny)
    with pytest.raises(PushError) as caught:
        push(run_dir, f"s3://{bucket}/p", session=session)
    assert f"s3:{operation}" in str(caught.value)
    assert "AccessDenied" in str(caught.value)
    assert f"s3://{bucket}" in str(caught.value)


@pytest.mark.parametrize("field", ["ChecksumSHA256", "ObjectLockMode",
                                   "ObjectLockRetainUntilDate"])
def test_stored_object_that_differs_fails_verification(
        session: boto3.Session, s3: Any, run_dir: Path, field: str) -> None:
    bucket = new_bucket(s3)
    wrong = {"ChecksumSHA256": sha256_b64(b"something else"), "ObjectLockMode": "GOVERNANCE",
             "ObjectLockRetainUntilDate": dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)}

    def tamper(parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("ResponseMetadata", {}).get("HTTPStatusCode") == 200:
            parsed[field] = wrong[field]

    session.events.register("after-call.s3.HeadObject", tamper)
    with pytest.raises(VerificationFailure) as caught:
        push(run_dir, f"s3://{bucket}", session=session)
    assert f"s3://{bucket}/{run_dir.name}/" in str(caught.value)
    assert caught.value.exit_code == 1


@pytest.mark.parametrize("url", ["bucket/prefix", "s3://", "s3:///x", "https://bucket/x",
                                 "s3://Upper-Case/x", "s3://ab/x", "s3://b..c/x",
                                 "s3://bucket/a//b", "s3://bucket/a/../b", "s3://1.2.3.4/x"])
def test_bad_destination(url: str, run_dir: Path) -> None:
    with pytest.raises(UsageError, match="s3://BUCKET/PREFIX"):
        push(run_dir, url)


def test_destination_parsing() -> None:
    assert parse_destination("s3://my-bucket") == ("my-bucket", "")
    assert parse_destination("s3://my.bucket/") == ("my.bucket", "")
    assert parse_destination("s3://my-bucket/a/b/") == ("my-bucket", "a/b")


@pytest.mark.parametrize("options", [{"mode": "LEGAL_HOLD"}, {"retention_days": 0},
                                     {"retention_days": -5}, {"retention_days": True},
                                     {"retention_days": 50_000},
                                     {"now": dt.datetime(2024, 1, 1)}])
def test_bad_options(options: dict[str, Any], run_dir: Path) -> None:
    with pytest.raises(UsageError):
        push(run_dir, "s3://bucket/x", **options)


def test_bad_bundles(tmp_path: Path) -> None:
    (tmp_path / "empty-run").mkdir()
    (tmp_path / "notes.txt").write_text("not an archive")
    for bundle, message in [(tmp_path / "missing", "no such"),
                            (tmp_path / "empty-run", "no files"),
                            (tmp_path / "notes.txt", "neither")]:
        with pytest.raises(BundleError, match=message):
            push(bundle, "s3://bucket/x")
