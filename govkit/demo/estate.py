"""Seed the demo AWS estate of Northbridge Health into a moto server, through boto3 over HTTP.

Northbridge Health, a hospital group (account 123456789012), outsources patient support to
Meridian Contact Services, whose agents sign in from the vendor's own AWS account 210987654321
(external, never scanned). The estate mixes compliant resources with known violations in every
area; the modules that build each part list them:

- `estate_storage`: KMS keys, S3 buckets, EFS file systems, the account public access block,
  CloudTrail;
- `estate_monitoring`: GuardDuty, Security Hub and AWS Config per region; log groups, SNS
  topics and secrets per unit; the organisation trail's log group, metric filters and alarms;
  `aws_extra.guardduty`: the home detector's findings;
- `estate_compute`: EBS, RDS, DynamoDB, Redshift;
- `estate_instances`: EC2 instances, their Systems Manager registration and patch compliance;
- `estate_backup`: AWS Backup vaults and plans, ACM certificates;
- `estate_analytics`: OpenSearch Service domains, SageMaker notebook instances, EKS and EMR
  clusters, DAX clusters;
- `estate_iam`: users, groups, roles, policies, the password policy;
- `estate_vdi`: WorkSpaces directories and WorkSpaces, Secure Browser portals;
- `estate_edge`: Lambda functions, API Gateway REST APIs, CloudFront distributions;
- `estate_identity`: IAM Identity Center users, a group and permission sets (not counted in
  the summary, and not scaled: a handful of named people).

`scale` multiplies the units (see `govkit.demo.names`): each region gets `scale` regional units,
the account `scale` IAM and Secure Browser units. Per-region and account singletons (the VPC and
the two WorkSpaces directories per region, CloudTrail, the password policy, the public access
block, EBS default encryption) do not grow with it. Scale 1 is about a hundred resources.

Some values cannot be set through any AWS API (how old an access key is, when a password was
last used, when an instance was launched, WorkSpaces device access): `govkit.demo.fixups`
sets them afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from govkit.demo.clients import DemoClients
from govkit.demo.estate_analytics import seed_unit_analytics
from govkit.demo.estate_backup import seed_unit_backup, seed_unit_certificates
from govkit.demo.estate_base import KINDS, Counts, RegionDirectories, SeedContext
from govkit.demo.estate_compute import (
    enable_ebs_default_encryption,
    seed_unit_dynamodb,
    seed_unit_ebs,
    seed_unit_rds,
    seed_unit_redshift,
)
from govkit.demo.estate_edge import seed_unit_edge
from govkit.demo.estate_iam import seed_password_policy, seed_unit_iam
from govkit.demo.estate_identity import seed_identity_center
from govkit.demo.estate_instances import seed_unit_instances
from govkit.demo.estate_storage import (
    seed_account_public_access_block,
    seed_cloudtrail,
    seed_unit_buckets,
    seed_unit_file_systems,
    seed_unit_keys,
)
from govkit.demo.estate_vdi import (
    seed_region_directories,
    seed_unit_secure_browser,
    seed_unit_workspaces,
)
from govkit.demo.estate_vdi_pools import seed_vdi_pools
from govkit.demo.estate_appstream import seed_appstream
from govkit.demo.estate_monitoring import (
    seed_region_monitoring, seed_trail_alarms, seed_unit_monitoring)
from govkit.demo.aws_extra.artifact import seed_agreements
from govkit.demo.aws_extra.guardduty import seed_findings
from govkit.demo.names import (
    DEMO_ACCOUNT,
    DEMO_REGIONS,
    PHI_TAG_KEY,
    PHI_TAG_VALUE,
    VENDOR_ACCOUNT,
)
from govkit.errors import GovkitError, UsageError

__all__ = [
    "DEMO_ACCOUNT",
    "DEMO_REGIONS",
    "PHI_TAG_KEY",
    "PHI_TAG_VALUE",
    "VENDOR_ACCOUNT",
    "EstateSummary",
    "seed_estate",
]

SERVICES: tuple[str, ...] = (
    "acm", "apigateway", "appstream", "artifact", "backup", "cloudfront", "cloudtrail",
    "cloudwatch", "config", "dax", "ds", "dynamodb", "ec2", "efs", "eks", "elb", "elbv2", "emr",
    "guardduty", "iam", "identitystore", "kms", "lambda", "logs", "opensearch", "rds",
    "redshift", "s3", "s3control", "sagemaker", "secretsmanager", "securityhub", "sns", "ssm",
    "sso-admin", "workspaces", "workspaces-web",
)
DEFAULT_WORKERS = 16


@dataclass(frozen=True, kw_only=True)
class EstateSummary:
    """How many resources of each kind `seed_estate` created, and in all.

    `total` is the sum of every field, credentials (access keys, MFA devices) and the WorkSpaces
    network (VPCs, subnets) included.
    """

    kms_keys: int
    s3_buckets: int
    ebs_volumes: int
    ebs_snapshots: int
    rds_instances: int
    rds_clusters: int
    rds_snapshots: int
    dynamodb_tables: int
    cloudtrail_trails: int
    iam_users: int
    iam_groups: int
    iam_roles: int
    iam_policies: int
    iam_access_keys: int
    iam_mfa_devices: int
    vpcs: int
    subnets: int
    workspaces_directories: int
    workspaces: int
    web_portals: int
    web_user_settings: int
    log_groups: int
    sns_topics: int
    secrets: int
    efs_file_systems: int
    redshift_clusters: int
    lambda_functions: int
    rest_apis: int
    cloudfront_distributions: int
    ec2_instances: int
    backup_vaults: int
    backup_plans: int
    acm_certificates: int
    opensearch_domains: int
    sagemaker_notebooks: int
    eks_clusters: int
    emr_clusters: int
    dax_clusters: int
    total: int

    @classmethod
    def from_counts(cls, counts: Counts) -> EstateSummary:
        unknown = set(counts) - set(KINDS)
        if unknown:
            raise GovkitError(f"unknown resource kinds counted: {sorted(unknown)}")
        per_kind = {kind: counts[kind] for kind in KINDS}
        return cls(**per_kind, total=sum(per_kind.values()))


def _seed_region_unit(ctx: SeedContext, region: str, unit: int,
                      directories: RegionDirectories) -> Counts:
    keys, counts = seed_unit_keys(ctx, region, unit)
    counts += seed_unit_buckets(ctx, region, unit, keys)
    counts += seed_unit_file_systems(ctx, region, unit, keys)
    counts += seed_unit_ebs(ctx, region, unit, keys)
    counts += seed_unit_rds(ctx, region, unit, keys)
    counts += seed_unit_redshift(ctx, region, unit, keys)
    counts += seed_unit_analytics(ctx, region, unit, keys, directories)
    counts += seed_unit_dynamodb(ctx, region, unit, keys)
    counts += seed_unit_instances(ctx, region, unit, keys, directories)
    counts += seed_unit_workspaces(ctx, region, unit, keys, directories)
    counts += seed_unit_monitoring(ctx, region, unit, keys)
    counts += seed_unit_edge(ctx, region, unit)
    counts += seed_unit_backup(ctx, region, unit, keys)
    counts += seed_unit_certificates(ctx, region, unit)
    return counts


def _seed_account_unit(ctx: SeedContext, unit: int) -> Counts:
    return seed_unit_iam(ctx, unit) + seed_unit_secure_browser(ctx, unit)


def _seed_account_singletons(ctx: SeedContext) -> Counts:
    seed_password_policy(ctx)
    seed_account_public_access_block(ctx)
    seed_vdi_pools(ctx)
    seed_appstream(ctx)
    seed_agreements(ctx)
    return seed_cloudtrail(ctx) + seed_trail_alarms(ctx)


def _gather(futures: Iterable[Future[Counts]]) -> Counts:
    total = Counts()
    for future in futures:
        total += future.result()
    return total


def _check_arguments(scale: int, regions: tuple[str, ...], now: dt.datetime) -> None:
    if scale < 1:
        raise UsageError(f"the demo scale must be 1 or more, not {scale}")
    if not regions or len(set(regions)) != len(regions):
        raise UsageError(f"regions must be distinct and not empty: {regions}")
    if now.tzinfo is None:
        raise UsageError("seed_estate needs a timezone-aware 'now' (e.g. datetime.now(UTC))")


def _run(pool: ThreadPoolExecutor, ctx: SeedContext) -> Counts:
    region_setup = {
        region: pool.submit(seed_region_directories, ctx, region) for region in ctx.regions
    }
    singletons = pool.submit(_seed_account_singletons, ctx)
    identity_center = pool.submit(seed_identity_center, ctx)
    counts = Counts()
    directories: dict[str, RegionDirectories] = {}
    for region, future in region_setup.items():
        directories[region], region_counts = future.result()
        counts += region_counts
    units: list[Future[Counts]] = [
        pool.submit(_seed_region_unit, ctx, region, unit, directories[region])
        for unit in range(ctx.scale)
        for region in ctx.regions
    ]
    units += [pool.submit(_seed_account_unit, ctx, unit) for unit in range(ctx.scale)]
    counts += _gather([singletons, *units])
    identity_center.result()
    # after the singletons: Config delivers to the CloudTrail bucket
    for monitored in [pool.submit(seed_region_monitoring, ctx, region)
                      for region in ctx.regions]:
        monitored.result()
    seed_findings(ctx)  # into the home region's detector, made just above
    # Last, so that the first region's existing volumes predate default encryption.
    enable_ebs_default_encryption(ctx)
    return counts


def seed_estate(
    endpoint_url: str,
    *,
    scale: int = 1,
    regions: tuple[str, ...] = DEMO_REGIONS,
    now: dt.datetime,
    workers: int = DEFAULT_WORKERS,
) -> EstateSummary:
    """Create the Northbridge Health estate on the moto server at `endpoint_url`.

    `now` dates what is dated (snapshot names, vendor access end tags). The server must be empty
    of these names: seeding twice fails on the first name that already exists.
    """
    _check_arguments(scale, regions, now)
    clients = DemoClients(endpoint_url, max_pool_connections=workers)
    clients.prepare(SERVICES, regions)
    ctx = SeedContext(clients=clients, regions=regions, scale=scale, now=now)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seed")
    try:
        counts = _run(pool, ctx)
    except (BotoCoreError, ClientError) as exc:
        raise GovkitError(f"seeding the demo estate at {endpoint_url} failed: {exc}") from exc
    finally:
        # On failure, units not yet started are dropped instead of run for nothing.
        pool.shutdown(wait=True, cancel_futures=True)
    return EstateSummary.from_counts(counts)
