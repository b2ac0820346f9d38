"""Push a run (directory or ``.tar.gz``) to S3 under Object Lock retention, and prove it landed.

HIPAA asks that documentation be kept six years (45 CFR 164.316(b)(2)), hence the default of
2190 days. Every object is written with a locally computed SHA-256 (so S3 rejects a body that
does not match), a lock mode and a retain-until date, then read back with ``HeadObject`` to
check that the stored checksum, size, mode and date are the ones asked for.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from govkit.sources.aws.session import client_config
from govkit.bundle.archive import is_archive, walk
from govkit.bundle.errors import BundleError, VerificationFailure
from govkit.errors import CredentialsError, GovkitError, UsageError

DEFAULT_RETENTION_DAYS = 2190  # six years
MAX_RETENTION_DAYS = 36500  # S3's ceiling for a bucket's default retention (100 years)
LOCK_MODES = ("COMPLIANCE", "GOVERNANCE")
SINGLE_PUT_LIMIT = 5 * (1 << 30)  # the largest object one PutObject may carry
MAX_KEY_BYTES = 1024
WORKERS = 8
CHUNK = 1 << 20

# The IAM actions each call needs, named in AccessDenied errors.
_PERMISSIONS = {
    "GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "PutObject": "s3:PutObject and s3:PutObjectRetention",
    "HeadObject": "s3:GetObject and s3:GetObjectRetention",
}
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IPV4 = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


class PushError(GovkitError):
    """An S3 call failed; the message names the call, the object and the AWS error."""


@dataclass(frozen=True)
class PushedObject:
    key: str
    sha256: str  # hex
    size: int


@dataclass(frozen=True)
class PushReport:
    bucket: str
    prefix: str
    objects: tuple[PushedObject, ...]
    retain_until: dt.datetime
    mode: str


@dataclass(frozen=True)
class _Lock:
    mode: str
    retain_until: dt.datetime


def push(bundle: Path, destination: str, *, retention_days: int = DEFAULT_RETENTION_DAYS,
         mode: str = "COMPLIANCE", session: boto3.Session | None = None,
         now: dt.datetime | None = None) -> PushReport:
    """Upload ``bundle`` to ``destination`` (``s3://BUCKET/PREFIX``) under Object Lock.

    A ``.tar.gz`` becomes ``PREFIX/<file name>``; a run directory becomes one object per file,
    ``PREFIX/<run-id>/<relative path>``. Refuses a bucket without Object Lock before uploading
    anything. Raises VerificationFailure if S3 reports back anything other than what was sent.
    """
    bucket, prefix = parse_destination(destination)
    lock = _Lock(_check_mode(mode), retain_until(retention_days, now))
    uploads = plan(Path(bundle), prefix)
    client = _client(session)
    _require_object_lock(client, bucket)
    objects = _upload_all(client, bucket, uploads, lock)
    return PushReport(bucket, prefix, objects, lock.retain_until, lock.mode)


def parse_destination(destination: str) -> tuple[str, str]:
    """``s3://BUCKET[/PREFIX]`` -> (bucket, prefix without leading or trailing slashes)."""
    usage = f"{destination!r}: the destination must look like s3://BUCKET/PREFIX"
    if not isinstance(destination, str) or not destination.startswith("s3://"):
        raise UsageError(usage)
    bucket, _, rest = destination[len("s3://"):].partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket or _IPV4.match(bucket):
        raise UsageError(f"{usage} ({bucket!r} is not a valid S3 bucket name)")
    prefix = rest.strip("/")
    parts = prefix.split("/") if prefix else []
    if any(part in ("", ".", "..") for part in parts) or any(ord(c) < 32 for c in prefix):
        raise UsageError(f"{usage} (the prefix has an empty, '.' or '..' segment or a control "
                         "character)")
    return bucket, prefix


def _check_mode(mode: str) -> str:
    normalised = mode.upper() if isinstance(mode, str) else ""
    if normalised not in LOCK_MODES:
        raise UsageError(f"Object Lock mode must be COMPLIANCE or GOVERNANCE, not {mode!r}")
    return normalised


def retain_until(retention_days: int, now: dt.datetime | None = None) -> dt.datetime:
    """``now + retention_days`` in UTC, rounded up to a whole second (what S3 keeps)."""
    if isinstance(retention_days, bool) or not isinstance(retention_days, int) \
            or not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise UsageError(f"retention must be a whole number of days from 1 to "
                         f"{MAX_RETENTION_DAYS}, not {retention_days!r}")
    start = dt.datetime.now(dt.timezone.utc) if now is None else now
    if start.tzinfo is None or start.utcoffset() is None:
        raise UsageError("the time to count retention from must carry a time zone")
    until = (start + dt.timedelta(days=retention_days)).astimezone(dt.timezone.utc)
    if until.microsecond:
        until = until.replace(microsecond=0) + dt.timedelta(seconds=1)
    return until


def plan(bundle: Path, prefix: str) -> list[tuple[str, Path]]:
    """The (key, local file) pairs to upload for an archive or a run directory."""
    if bundle.is_dir():
        root = Path(os.path.abspath(bundle))
        uploads = [(_key(prefix, root.name, entry.relative), entry.path)
                   for entry in walk(root) if not entry.is_dir]
        if not uploads:
            raise BundleError(f"{bundle}: the run directory holds no files")
    elif bundle.is_file():
        if not is_archive(bundle):
            raise BundleError(f"{bundle}: neither a run directory nor a .tar.gz archive")
        uploads = [(_key(prefix, bundle.name), bundle)]
    else:
        raise BundleError(f"{bundle}: no such run directory or archive")
    for key, path in uploads:
        _check_uploadable(key, path)
    return uploads


def _key(*parts: str) -> str:
    return "/".join(part for part in parts if part)


def _check_uploadable(key: str, path: Path) -> None:
    if len(key.encode("utf-8", "surrogateescape")) > MAX_KEY_BYTES:
        raise BundleError(f"{path}: the S3 key {key!r} is longer than {MAX_KEY_BYTES} bytes")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BundleError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if size > SINGLE_PUT_LIMIT:
        raise BundleError(f"{path}: {size} bytes is more than one S3 PutObject can carry "
                          f"({SINGLE_PUT_LIMIT} bytes); push the run directory instead")


def _client(session: boto3.Session | None) -> Any:
    """An S3 client from ``session`` (which honours AWS_ENDPOINT_URL and the usual config)."""
    session = session if session is not None else boto3.Session()
    try:
        return session.client("s3", region_name=session.region_name or "us-east-1",
                              config=client_config(WORKERS))
    except BotoCoreError as exc:
        raise PushError(f"cannot create an S3 client: {exc}") from None


def _aws_error(operation: str, subject: str, exc: Exception) -> GovkitError:
    if isinstance(exc, NoCredentialsError):
        return CredentialsError(f"s3:{operation} on {subject}: no AWS credentials found. Set "
                                "--profile, AWS_PROFILE or AWS_ACCESS_KEY_ID/"
                                "AWS_SECRET_ACCESS_KEY, or run 'aws sso login'.")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        detail = f"{code}: {error.get('Message', '')}".rstrip(": ")
        if code in ("AccessDenied", "403") and operation in _PERMISSIONS:
            detail += f"; the caller needs {_PERMISSIONS[operation]}"
    else:
        detail = str(exc)
    return PushError(f"s3:{operation} on {subject} failed ({detail})")


def _call(operation: str, subject: str, call: Callable[..., dict[str, Any]],
          **params: Any) -> dict[str, Any]:
    try:
        return call(**params)
    except (ClientError, BotoCoreError) as exc:
        raise _aws_error(operation, subject, exc) from None


def _require_object_lock(client: Any, bucket: str) -> None:
    subject = f"s3://{bucket}"
    try:
        answer = client.get_object_lock_configuration(Bucket=bucket)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code == "ObjectLockConfigurationNotFoundError":
            raise UsageError(_no_lock_message(bucket)) from None
        if code == "NoSuchBucket":
            raise UsageError(f"{subject}: the bucket does not exist "
                             "(s3:GetObjectLockConfiguration returned NoSuchBucket)") from None
        raise _aws_error("GetObjectLockConfiguration", subject, exc) from None
    except BotoCoreError as exc:
        raise _aws_error("GetObjectLockConfiguration", subject, exc) from None
    enabled = answer.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled")
    if enabled != "Enabled":
        raise UsageError(_no_lock_message(bucket))


def _no_lock_message(bucket: str) -> str:
    return (f"s3://{bucket} does not have S3 Object Lock enabled, so pushed evidence could be "
            "deleted or overwritten before its retention ends; nothing was uploaded. Use a "
            "bucket created with 'aws s3api create-bucket --bucket NAME "
            "--object-lock-enabled-for-bucket', or enable it on this bucket: 'aws s3api "
            f"put-bucket-versioning --bucket {bucket} --versioning-configuration "
            "Status=Enabled' then 'aws s3api put-object-lock-configuration --bucket "
            f"{bucket} --object-lock-configuration ObjectLockEnabled=Enabled'.")


def _upload_all(client: Any, bucket: str, uploads: list[tuple[str, Path]],
                lock: _Lock) -> tuple[PushedObject, ...]:
    if len(uploads) == 1:
        key, path = uploads[0]
        return (_send(client, bucket, key, path, lock),)
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(uploads)),
                            thread_name_prefix="govkit-push") as pool:
        futures = [pool.submit(_send, client, bucket, key, path, lock) for key, path in uploads]
        try:
            return tuple(future.result() for future in futures)
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _digest(handle: BinaryIO) -> tuple[bytes, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.digest(), size


def _send(client: Any, bucket: str, key: str, path: Path, lock: _Lock) -> PushedObject:
    """Upload one file with its SHA-256 and retention, then check what S3 stored."""
    subject = f"s3://{bucket}/{key}"
    try:
        body = path.open("rb")
    except OSError as exc:
        raise BundleError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with body:
        try:
            digest, size = _digest(body)
        except OSError as exc:
            raise BundleError(f"{path}: cannot read: {exc.strerror or exc}") from None
        checksum = base64.b64encode(digest).decode("ascii")
        put = _call("PutObject", subject, client.put_object, Bucket=bucket, Key=key, Body=body,
                    ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum,
                    ObjectLockMode=lock.mode, ObjectLockRetainUntilDate=lock.retain_until)
    version = {"VersionId": put["VersionId"]} if put.get("VersionId") else {}
    head = _call("HeadObject", subject, client.head_object, Bucket=bucket, Key=key,
                 ChecksumMode="ENABLED", **version)
    _verify(subject, head, checksum, size, lock)
    return PushedObject(key, digest.hex(), size)


def _verify(subject: str, head: dict[str, Any], checksum: str, size: int, lock: _Lock) -> None:
    problems = []
    if head.get("ChecksumSHA256") != checksum:
        problems.append(f"S3 reports SHA-256 {head.get('ChecksumSHA256')!r}, the local file "
                        f"has {checksum!r}")
    if head.get("ContentLength") != size:
        problems.append(f"S3 reports {head.get('ContentLength')} bytes, the local file has "
                        f"{size}")
    if head.get("ObjectLockMode") != lock.mode:
        hint = " (HeadObject omits it without s3:GetObjectRetention)" \
            if "ObjectLockMode" not in head else ""
        problems.append(f"lock mode is {head.get('ObjectLockMode')!r}, not {lock.mode!r}{hint}")
    until = head.get("ObjectLockRetainUntilDate")
    if not isinstance(until, dt.datetime) or until.tzinfo is None \
            or int(until.timestamp()) != int(lock.retain_until.timestamp()):
        problems.append(f"retained until {until}, not {lock.retain_until.isoformat()}")
    if problems:
        raise VerificationFailure(f"{subject}: " + "; ".join(problems))
