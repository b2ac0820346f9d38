"""AWS normalisation: one normaliser per service, each yielding resources and listing coverage
from that service's records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from govkit.inventory.model import Coverage, Resource
from govkit.snapshot import Snapshot
from govkit.sources.aws.normalize import (
    acm, apigateway, appstream, artifact, awslambda, backup, cloudfront, config_recorder, dax,
    dynamodb, ec2, efs, eks, elb, emr, guardduty, iam, identitycenter, instances, ip_groups,
    kms, logs, network, opensearch, rds, redshift, s3, sagemaker, secretsmanager, securityhub,
    sns, trail_monitoring, trails, workspaces, workspaces_pools, workspaces_web)
from govkit.sources.interface import NormalizeContext, Normalizer

SERVICES: tuple[Normalizer, ...] = (
    iam.normalize, s3.normalize, ec2.normalize, rds.normalize, kms.normalize,
    dynamodb.normalize, trails.normalize, trail_monitoring.normalize, workspaces.normalize,
    workspaces_web.normalize,
    identitycenter.normalize, appstream.normalize,
    workspaces_pools.normalize, ip_groups.normalize, artifact.normalize,
    guardduty.normalize, securityhub.normalize, config_recorder.normalize, logs.normalize,
    sns.normalize, secretsmanager.normalize, efs.normalize, network.normalize,
    redshift.normalize, elb.normalize, awslambda.normalize, apigateway.normalize,
    cloudfront.normalize, instances.normalize, backup.normalize, acm.normalize,
    opensearch.normalize, sagemaker.normalize, eks.normalize, emr.normalize, dax.normalize,
)

# Resource types each service's collector lists, for services skipped in a region because AWS
# does not offer them there: that is "nothing to judge", not missing evidence.
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "ec2": ("aws.ec2.volume", "aws.ec2.snapshot", "aws.ec2.regional_settings", network.VPC,
            network.SECURITY_GROUP, network.NETWORK_ACL, instances.INSTANCE),
    "rds": ("aws.rds.instance", "aws.rds.cluster", "aws.rds.snapshot",
            "aws.rds.cluster_snapshot"),
    "kms": ("aws.kms.key",),
    "dynamodb": ("aws.dynamodb.table",),
    "cloudtrail": ("aws.cloudtrail.trail",),
    "workspaces": ("aws.workspaces.directory", "aws.workspaces.workspace",
                   "aws.workspaces.pool", "aws.workspaces.ip_group"),
    "workspaces-web": ("aws.workspaces_web.portal",),
    "appstream": ("aws.appstream.stack", "aws.appstream.fleet", "aws.appstream.image_builder"),
    "guardduty": (guardduty.SETTINGS,),
    "securityhub": (securityhub.SETTINGS,),
    "config": (config_recorder.SETTINGS,),
    "logs": (logs.LOG_GROUP,),
    "sns": (sns.TOPIC,),
    "secretsmanager": (secretsmanager.SECRET,),
    "efs": (efs.FILE_SYSTEM,),
    "redshift": (redshift.CLUSTER,),
    "elb": (elb.CURRENT, elb.CLASSIC),
    "lambda": (awslambda.FUNCTION,),
    "apigateway": (apigateway.REST_API,),
    "backup": (backup.VAULT, backup.PLAN, backup.SETTINGS),
    "acm": (acm.CERTIFICATE,),
    "opensearch": (opensearch.DOMAIN,),
    "sagemaker": (sagemaker.NOTEBOOK,),
    "eks": (eks.CLUSTER,),
    "emr": (emr.CLUSTER,),
    "dax": (dax.CLUSTER,),
}


# Resource types of the services a scan collects only when asked to (Identity Center, with its
# region): when the manifest does not list the service, their rules were not asked, not failed.
OPTIONAL_SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "identitycenter": ("aws.identitystore.user",),
}


def types_not_asked(services: Sequence[str] | None) -> frozenset[str]:
    """The optional services' resource types a scan's manifest ``services`` leaves out (none
    when the manifest does not say which services were collected)."""
    if services is None:
        return frozenset()
    return frozenset(t for service, types in OPTIONAL_SERVICE_TYPES.items()
                     if service not in services for t in types)


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for skipped in ctx.skipped:
        for resource_type in SERVICE_TYPES.get(skipped["service"], ()):
            yield Coverage(type=resource_type, account=skipped["account"],
                           region=skipped["region"])
    for service in SERVICES:
        yield from service(snapshot, ctx)
