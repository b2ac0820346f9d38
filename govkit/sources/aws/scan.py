"""Plan and run an AWS collection: accounts × regions × services on a bounded pool."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from govkit.sources.aws import eligible, session as sessions
from govkit.sources.aws.awsconfig import plan as via_config
from govkit.sources.aws.calls import Caller
from govkit.sources.aws.services import (
    acm, apigateway, appstream, artifact, awslambda, backup, cloudfront, cloudtrail, cloudwatch,
    config_recorder, dax, dynamodb, ec2, efs, eks, elb, emr, guardduty, iam, identitycenter,
    kms, logs, opensearch, rds, redshift, s3, sagemaker, secretsmanager, securityhub, sns, ssm,
    workspaces, workspaces_web)
from govkit.sources.aws.tasks import Progress, ServiceScope, Task, run_tasks
from govkit.errors import CollectionError, UsageError
from govkit.shard import Shard
from govkit.snapshot import GLOBAL_REGION, SnapshotWriter


class AwsService(enum.StrEnum):
    IAM = "iam"
    S3 = "s3"
    EC2 = "ec2"
    RDS = "rds"
    KMS = "kms"
    DYNAMODB = "dynamodb"
    CLOUDTRAIL = "cloudtrail"
    WORKSPACES = "workspaces"
    WORKSPACES_WEB = "workspaces-web"
    APPSTREAM = "appstream"
    ARTIFACT = "artifact"
    IDENTITY_CENTER = "identitycenter"
    GUARDDUTY = "guardduty"
    SECURITY_HUB = "securityhub"
    CONFIG = "config"
    LOGS = "logs"
    SNS = "sns"
    SECRETS_MANAGER = "secretsmanager"
    EFS = "efs"
    REDSHIFT = "redshift"
    CLOUDWATCH = "cloudwatch"
    ELB = "elb"
    LAMBDA = "lambda"
    API_GATEWAY = "apigateway"
    CLOUDFRONT = "cloudfront"
    SSM = "ssm"
    BACKUP = "backup"
    ACM = "acm"
    OPENSEARCH = "opensearch"
    SAGEMAKER = "sagemaker"
    EKS = "eks"
    EMR = "emr"
    DAX = "dax"


Collector = Callable[[ServiceScope], Iterable[Task]]
COLLECTORS: dict[AwsService, Collector] = {
    AwsService.IAM: iam.collect, AwsService.S3: s3.collect, AwsService.EC2: ec2.collect,
    AwsService.RDS: rds.collect, AwsService.KMS: kms.collect,
    AwsService.DYNAMODB: dynamodb.collect, AwsService.CLOUDTRAIL: cloudtrail.collect,
    AwsService.WORKSPACES: workspaces.collect,
    AwsService.WORKSPACES_WEB: workspaces_web.collect,
    AwsService.APPSTREAM: appstream.collect,
    AwsService.ARTIFACT: artifact.collect,
    AwsService.IDENTITY_CENTER: identitycenter.collect,
    AwsService.GUARDDUTY: guardduty.collect,
    AwsService.SECURITY_HUB: securityhub.collect,
    AwsService.CONFIG: config_recorder.collect,
    AwsService.LOGS: logs.collect,
    AwsService.SNS: sns.collect,
    AwsService.SECRETS_MANAGER: secretsmanager.collect,
    AwsService.EFS: efs.collect,
    AwsService.REDSHIFT: redshift.collect,
    AwsService.CLOUDWATCH: cloudwatch.collect,
    AwsService.ELB: elb.collect,
    AwsService.LAMBDA: awslambda.collect,
    AwsService.API_GATEWAY: apigateway.collect,
    AwsService.CLOUDFRONT: cloudfront.collect,
    AwsService.SSM: ssm.collect,
    AwsService.BACKUP: backup.collect,
    AwsService.ACM: acm.collect,
    AwsService.OPENSEARCH: opensearch.collect,
    AwsService.SAGEMAKER: sagemaker.collect,
    AwsService.EKS: eks.collect,
    AwsService.EMR: emr.collect,
    AwsService.DAX: dax.collect,
}
# collected once per account, in the home region (recorded as "global")
GLOBAL_SERVICES = frozenset({AwsService.IAM, AwsService.S3, AwsService.ARTIFACT,
                             AwsService.CLOUDFRONT})
# collected once per scan, in the caller's account and a region of their own (the request's
# identity_center_region), and only when that region is given
ORGANIZATION_SERVICES = frozenset({AwsService.IDENTITY_CENTER})
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}", re.ASCII)
_OPTED_OUT = "not-opted-in"


@dataclass(frozen=True, kw_only=True)
class ScanRequest:
    profile: str | None = None
    home_region: str = "us-east-1"
    regions: tuple[str, ...] = ()  # empty: the account's enabled regions
    accounts: tuple[str, ...] = ()
    role_name: str | None = None
    external_id: str | None = None
    org: bool = False
    workers: int = 16
    max_attempts: int | None = None  # None: AWS_MAX_ATTEMPTS / the profile, else the default
    services: tuple[AwsService, ...] = tuple(AwsService)
    # where the organisation's IAM Identity Center instance lives; None: not collected
    identity_center_region: str | None = None
    # the HIPAA eligible services list PHI resources are judged against; None: govkit's own
    hipaa_eligible_services: Path | None = None
    # one partition of the work (govkit.shard); None: all of it
    shard: Shard | None = None
    # read what AWS Config records from Config (govkit.sources.aws.awsconfig); None: the APIs
    config: via_config.ConfigOptions | None = None

    def owns(self, account: str, region: str, service: AwsService) -> bool:
        return self.shard is None or self.shard.owns(account, region, service.value)

    def collected_services(self) -> tuple[AwsService, ...]:
        """The services this request collects: Identity Center only with its region."""
        return tuple(s for s in self.services if s not in ORGANIZATION_SERVICES
                     or self.identity_center_region is not None)


@dataclass(frozen=True, kw_only=True)
class ScanScope:
    """What was scanned, recorded in the manifest."""

    caller_account: str
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    services: tuple[str, ...]
    skipped: tuple[dict[str, str], ...] = ()
    role_name: str | None = None
    api_calls: int = 0
    tasks: int = 0
    organization_accounts: tuple[str, ...] = field(default=())
    identity_center_region: str | None = None
    # the HIPAA eligible services list PHI resources are judged against; None: govkit's own
    hipaa_eligible_services: Path | None = None
    # with --via aws-config: where each resource came from (the manifest's "aws_config")
    config: dict[str, object] | None = None


def _org_accounts(base: sessions.AccountSession, writer: SnapshotWriter,
                  home: str) -> list[str]:
    caller = Caller(base.client("organizations", home), writer, account=base.account,
                    region=GLOBAL_REGION, service="organizations")
    accounts, failed = caller.all_pages_ok("list_accounts", "Accounts")
    if failed is not None:
        raise CollectionError(f"cannot list the organization's accounts: {failed.entry.describe()}"
                              f" failed with {failed.error_code}")
    return sorted(a["Id"] for a in accounts if a.get("Status", a.get("State")) == "ACTIVE")


def _regions(base: sessions.AccountSession, writer: SnapshotWriter, home: str,
             requested: tuple[str, ...]) -> list[str]:
    """The regions to scan: those asked for, each checked against the regions the account
    reports (ec2:DescribeRegions with AllRegions), or every region enabled in the account."""
    caller = Caller(base.client("ec2", home), writer, account=base.account,
                    region=home, service="ec2")
    result = caller.call("describe_regions", AllRegions=True)
    if not result.ok:
        if requested:  # the failed call is in the snapshot: the run will say it is incomplete
            return sorted(set(requested))
        raise CollectionError(f"cannot list enabled regions: {result.entry.describe()} failed "
                              f"with {result.error_code}; pass --regions")
    status = {str(r["RegionName"]): str(r.get("OptInStatus") or "opt-in-not-required")
              for r in result.response.get("Regions") or []}
    enabled = sorted(name for name, state in status.items() if state != _OPTED_OUT)
    if not requested:
        return enabled
    unknown = sorted(r for r in set(requested) if r not in status)
    if unknown:
        raise UsageError(f"--regions: unknown region {', '.join(unknown)} (account "
                         f"{base.account} reports: {', '.join(sorted(status))})")
    disabled = sorted(r for r in set(requested) if status[r] == _OPTED_OUT)
    if disabled:
        raise UsageError(
            f"--regions: {', '.join(disabled)} is not enabled in account {base.account}; "
            "enable it first (aws account enable-region --region-name REGION, or the console's "
            "AWS Regions page) or leave it out")
    return sorted(set(requested))


def _targets(request: ScanRequest, base: boto3.Session, base_account: str,
             writer: SnapshotWriter, retry: sessions.RetryPolicy
             ) -> tuple[list[sessions.AccountSession], tuple[str, ...]]:
    home = sessions.AccountSession(base_account, base, max_pool=request.workers, retry=retry)
    wanted = list(request.accounts)
    org_accounts: tuple[str, ...] = ()
    if request.org:
        wanted = _org_accounts(home, writer, request.home_region)
        org_accounts = tuple(wanted)
    if not wanted or request.role_name is None:
        return [home], org_accounts
    targets = []
    for account in wanted:
        if account == base_account:
            targets.append(home)
            continue
        assumed = sessions.assume_role_session(base, account, request.role_name,
                                               request.home_region, "aws", request.external_id,
                                               retry)
        targets.append(sessions.AccountSession(account, assumed, via_role=request.role_name,
                                               max_pool=request.workers, retry=retry))
    return targets, org_accounts


def check_request(request: ScanRequest) -> None:
    """What can be checked without calling AWS; fails before anything is created."""
    named = [*request.regions, request.home_region]
    if request.identity_center_region is not None:
        named.append(request.identity_center_region)
    bad = [r for r in named if not _REGION.fullmatch(r)]
    if bad:
        raise UsageError(f"not an AWS region name: {', '.join(bad)} (e.g. us-east-1)")
    if request.accounts and request.org:
        raise UsageError("give either --accounts or --org, not both")
    if (request.accounts or request.org) and not request.role_name:
        raise UsageError("--accounts and --org need --role-name: the read-only role to assume")
    if request.config is not None and request.shard is not None:
        raise UsageError("--via aws-config reads every account and region in one query; it "
                         "does not take --shard (shard a direct scan instead)")
    if request.config is not None and request.config.max_age <= dt.timedelta(0):
        raise UsageError("--max-config-age must be more than 0 hours")
    bad_ids = [a for a in request.accounts if not re.fullmatch(r"[0-9]{12}", a, re.ASCII)]
    if bad_ids:
        raise UsageError(f"--accounts: not a 12-digit AWS account id: {', '.join(bad_ids)}")


def plan_and_run(request: ScanRequest, writer: SnapshotWriter,
                 progress: Progress | None = None) -> ScanScope:
    check_request(request)
    started = dt.datetime.now(dt.timezone.utc)
    eligible.record(request.hipaa_eligible_services, writer)
    retry = sessions.retry_policy(request.profile, request.max_attempts)
    base = sessions.base_session(request.profile, request.home_region)
    base_account = sessions.caller_account(base, request.home_region, retry)
    targets, org_accounts = _targets(request, base, base_account, writer, retry)
    home = targets[0] if targets[0].account == base_account else \
        sessions.AccountSession(base_account, base, retry=retry)
    regions = _regions(home, writer, request.home_region, request.regions)
    tasks = _organization_tasks(request, home, writer)
    config = None
    if request.config is not None:
        config = via_config.plan(request.config, home=home, home_region=request.home_region,
                                 targets=targets, regions=regions,
                                 services=[s.value for s in request.collected_services()],
                                 writer=writer, started=started)
        tasks += config.tasks
    skipped: list[dict[str, str]] = []
    for target in targets:
        for service in request.services:
            if service in ORGANIZATION_SERVICES:
                continue
            collect = COLLECTORS[service]
            if service in GLOBAL_SERVICES:
                if not request.owns(target.account, GLOBAL_REGION, service) or \
                        (config and config.handles(target.account, GLOBAL_REGION, service)):
                    continue
                scope = ServiceScope(target, request.home_region, writer, label=GLOBAL_REGION,
                                     scan_regions=tuple(regions))
                tasks.append(_bind(collect, scope))
                continue
            offered = target.regions_offering(service.value)
            for region in regions:
                if not request.owns(target.account, region, service) or \
                        (config and config.handles(target.account, region, service)):
                    continue
                if offered and region not in offered:
                    skipped.append({"account": target.account, "region": region,
                                    "service": service.value, "reason": "not offered"})
                    continue
                tasks.append(_bind(collect, ServiceScope(target, region, writer)))
    ran = run_tasks(tasks, workers=request.workers, progress=progress)
    return ScanScope(caller_account=base_account,
                     accounts=tuple(sorted(t.account for t in targets)),
                     regions=tuple(sorted(regions)),
                     services=tuple(s.value for s in request.collected_services()),
                     skipped=tuple(skipped), role_name=request.role_name,
                     api_calls=writer.call_count, tasks=ran,
                     organization_accounts=org_accounts,
                     identity_center_region=request.identity_center_region
                     if AwsService.IDENTITY_CENTER in request.collected_services() else None,
                     config=config.provenance if config is not None else None)


def _organization_tasks(request: ScanRequest, home: sessions.AccountSession,
                        writer: SnapshotWriter) -> list[Task]:
    """Identity Center, once, with the caller's own credentials (the management or delegated
    administrator account), in its region."""
    if request.identity_center_region is None or \
            AwsService.IDENTITY_CENTER not in request.collected_services() or \
            (request.shard is not None and not request.shard.owns_singletons):
        return []
    scope = ServiceScope(home, request.identity_center_region, writer)
    return [_bind(COLLECTORS[AwsService.IDENTITY_CENTER], scope)]


def _bind(collect: Collector, scope: ServiceScope) -> Task:
    return lambda: collect(scope)
