"""What every part of the demo estate seeding shares: the context, keys and tag helpers."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from govkit.demo.clients import DemoClients
from govkit.demo.names import DEMO_ACCOUNT, PARTITION, PHI_TAG_KEY, PHI_TAG_VALUE

Counts = Counter[str]

# Resource kinds counted while seeding; EstateSummary has one field per kind.
KINDS: tuple[str, ...] = (
    "kms_keys",
    "s3_buckets",
    "ebs_volumes",
    "ebs_snapshots",
    "rds_instances",
    "rds_clusters",
    "rds_snapshots",
    "dynamodb_tables",
    "cloudtrail_trails",
    "iam_users",
    "iam_groups",
    "iam_roles",
    "iam_policies",
    "iam_access_keys",
    "iam_mfa_devices",
    "vpcs",
    "subnets",
    "workspaces_directories",
    "workspaces",
    "web_portals",
    "web_user_settings",
    "log_groups",
    "sns_topics",
    "secrets",
    "efs_file_systems",
    "redshift_clusters",
    "lambda_functions",
    "rest_apis",
    "cloudfront_distributions",
    "ec2_instances",
    "backup_vaults",
    "backup_plans",
    "acm_certificates",
    "opensearch_domains",
    "sagemaker_notebooks",
    "eks_clusters",
    "emr_clusters",
    "dax_clusters",
)


@dataclass(frozen=True, kw_only=True)
class SeedContext:
    """Everything a seeding step needs besides its own unit and region."""

    clients: DemoClients
    regions: tuple[str, ...]
    scale: int
    now: dt.datetime


@dataclass(frozen=True, kw_only=True)
class UnitKeys:
    """The customer managed KMS keys (ARNs) of one regional unit, by what they protect."""

    s3: str
    ebs: str
    rds: str
    dynamodb: str
    workspaces: str
    s3_alias: str  # the S3 key's alias ARN: one bucket names its key by alias, as teams do


@dataclass(frozen=True, kw_only=True)
class RegionDirectories:
    """The two WorkSpaces directories of a region and their subnets."""

    hardened_id: str
    lax_id: str
    subnet_ids: tuple[str, ...]


def classification_tags(classification: str, **extra: str) -> dict[str, str]:
    """Tags every demo resource carries; `classification` is phi, internal or public."""
    return {
        PHI_TAG_KEY: classification,
        "environment": "production",
        "owner": "northbridge-health",
        **extra,
    }


def phi_tags(**extra: str) -> dict[str, str]:
    return classification_tags(PHI_TAG_VALUE, **extra)


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """The `[{"Key": ..., "Value": ...}]` shape most AWS APIs take."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def account_arn(service: str, resource: str, region: str = "") -> str:
    return f"arn:{PARTITION}:{service}:{region}:{DEMO_ACCOUNT}:{resource}"


def aws_managed_policy(name: str) -> str:
    return f"arn:{PARTITION}:iam::aws:policy/{name}"


def date_label(now: dt.datetime) -> str:
    """`20261121`: the day part of snapshot names."""
    return now.strftime("%Y%m%d")
