"""Build the inventory from a snapshot with every normaliser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping

from govkit.inventory.model import Coverage, Inventory, Resource
from govkit.inventory.normalizers import (
    dynamodb, ec2, iam, kms, rds, s3, trails, workspaces, workspaces_web)
from govkit.inventory.normalizers.common import DEFAULT_REPORT_MAX_AGE, NormalizeContext
from govkit.snapshot import Snapshot

Normalizer = Callable[[Snapshot, NormalizeContext], Iterator[Resource | Coverage]]

NORMALIZERS: tuple[Normalizer, ...] = (
    iam.normalize, s3.normalize, ec2.normalize, rds.normalize, kms.normalize,
    dynamodb.normalize, trails.normalize, workspaces.normalize, workspaces_web.normalize,
)


# Resource types each service's collector lists, for services skipped in a region because AWS
# does not offer them there: that is "nothing to judge", not missing evidence.
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "ec2": ("aws.ec2.volume", "aws.ec2.snapshot", "aws.ec2.regional_settings"),
    "rds": ("aws.rds.instance", "aws.rds.cluster", "aws.rds.snapshot",
            "aws.rds.cluster_snapshot"),
    "kms": ("aws.kms.key",),
    "dynamodb": ("aws.dynamodb.table",),
    "cloudtrail": ("aws.cloudtrail.trail",),
    "workspaces": ("aws.workspaces.directory", "aws.workspaces.workspace"),
    "workspaces-web": ("aws.workspaces_web.portal",),
}


def build_inventory(snapshot: Snapshot, own_accounts: Iterable[str],
                    skipped: Iterable[Mapping[str, str]] = (), *,
                    regions: Iterable[str] = (),
                    collection_started: dt.datetime | None = None,
                    credential_report_max_age: dt.timedelta = DEFAULT_REPORT_MAX_AGE
                    ) -> Inventory:
    ctx = NormalizeContext(own_accounts=frozenset(own_accounts),
                           scanned_regions=frozenset(regions),
                           collection_started=collection_started,
                           credential_report_max_age=credential_report_max_age)
    resources: list[Resource] = []
    coverage: list[Coverage] = [
        Coverage(type=t, account=s["account"], region=s["region"])
        for s in skipped for t in SERVICE_TYPES.get(s["service"], ())]
    for normalizer in NORMALIZERS:
        for item in normalizer(snapshot, ctx):
            (coverage if isinstance(item, Coverage) else resources).append(item)  # type: ignore[arg-type]
    return Inventory.of(resources, coverage)
