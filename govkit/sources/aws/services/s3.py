"""S3: list buckets once per account, then each bucket's settings in the bucket's region.

Buckets in regions the scan does not cover are listed but not read or judged, as for every
other regional resource."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govkit.sources.aws.tasks import ServiceScope, Task

BUCKET_CALLS = (
    "get_bucket_tagging",
    "get_bucket_encryption",
    "get_bucket_policy",
    "get_public_access_block",
    "get_bucket_acl",
    "get_bucket_versioning",
    "get_object_lock_configuration",
    "get_bucket_logging",
)


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: account_block(scope), lambda: _buckets(scope)]


def account_block(scope: ServiceScope) -> None:
    scope.caller("s3control").call("get_public_access_block", AccountId=scope.account)


def _buckets(scope: ServiceScope) -> Iterable[Task]:
    s3 = scope.caller("s3")
    tasks: list[Task] = []
    for page in s3.pages("list_buckets"):
        if not page.ok:
            break
        for bucket in page.response.get("Buckets") or []:
            tasks.append(bucket_task(scope, bucket["Name"], bucket.get("BucketRegion")))
    return tasks


def bucket_region_of(location: dict[str, Any] | Any) -> str:
    """The region of a GetBucketLocation answer: us-east-1 buckets report no constraint, and
    "EU" is the legacy name of eu-west-1."""
    constraint = location.get("LocationConstraint") or "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def bucket_task(scope: ServiceScope, name: str, region: str | None) -> Task:
    """Read one bucket's settings (in its region, found first when not given)."""
    def run() -> None:
        bucket_region = region
        if not bucket_region:
            located = scope.caller("s3").call("get_bucket_location", Bucket=name)
            if not located.ok:
                return
            bucket_region = bucket_region_of(located.response)
        if scope.scan_regions and bucket_region not in scope.scan_regions:
            return  # a bucket of a region outside the scan is not judged (nor read)
        s3 = scope.caller("s3", region=bucket_region)
        for method in BUCKET_CALLS:
            s3.call(method, Bucket=name)
    return run
