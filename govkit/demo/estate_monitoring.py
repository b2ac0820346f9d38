"""Detection and operations in the demo estate: GuardDuty, Security Hub and AWS Config per
region, and per regional unit CloudWatch log groups, SNS topics and Secrets Manager secrets.

Planted, beside compliant ones:
- the second region has no GuardDuty detector, is not subscribed to Security Hub, has a
  Config recorder that was never started, and no VPC there has a flow log (in the home region
  the `nbh-vdi` VPC logs to the CloudTrail bucket; its default VPC does not);
- a contact-centre log group without a customer managed key, and a scratch log group that
  keeps its events a week;
- an operations-alerts topic without server-side encryption;
- a reporting database password that nobody set to rotate (beside an interface-engine
  credential that rotates every 30 days);
- in the home region the patient portal's load balancer logs, is protected from deletion and
  redirects HTTP to HTTPS under a TLS 1.3 policy, while a Classic Load Balancer for the IVR
  listens on plain HTTP and keeps no logs; in the second region the scheduling API's load
  balancer does none of that (it serves HTTP, and its HTTPS listener allows TLS 1.0);
- the organisation trail delivers to a log group whose metric filters count root use, failed
  console sign-ins, network ACL changes and VPC changes: the first three have alarms that
  notify the security topic, the VPC one an alarm with no action, and nothing counts gateway
  or route table changes.
"""

from __future__ import annotations

import json
from typing import Any

from govkit.demo.estate_base import (
    Counts, SeedContext, UnitKeys, account_arn, classification_tags, phi_tags, tag_list)
from govkit.demo.estate_storage import (
    CLOUDTRAIL_BUCKET, CLOUDTRAIL_KEY_ALIAS, COMPLIANT_TRAIL)
from govkit.demo.names import home_region, unit_suffix
from govkit.errors import GovkitError

RECORDER = "default"
TRAIL_LOG_GROUP = "/nbh/cloudtrail/org-audit-trail"
SECURITY_NAMESPACE = "NBH/Security"


def _any_event(*names: str) -> str:
    """A metric filter pattern that matches CloudTrail events of any of ``names``."""
    return "{ " + " || ".join(f"($.eventName = {name})" for name in names) + " }"


# (filter and alarm name, metric, pattern, whether the alarm notifies anyone); no filter counts
# changes to network gateways or route tables
_TRAIL_FILTERS = (
    ("nbh-root-use", "RootUserActivity", '{ $.userIdentity.type = "Root" && '
     '$.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }', True),
    ("nbh-sign-in-failures", "ConsoleSignInFailures", '{ ($.eventName = ConsoleLogin) && '
     '($.errorMessage = "Failed authentication") }', True),
    ("nbh-network-acls", "NetworkAclChanges", _any_event(
        "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
        "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"), True),
    ("nbh-vpcs", "VpcChanges", _any_event(
        "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
        "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
        "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink",
        "EnableVpcClassicLink"), False),
)


def seed_region_monitoring(ctx: SeedContext, region: str) -> None:
    """Detectors, hubs and recorders: on in the home region, missing or stopped elsewhere;
    the region's load balancers."""
    compliant = region == home_region(ctx.regions)
    _seed_load_balancers(ctx, region, compliant)
    config = ctx.clients.get("config", region)
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": RECORDER, "roleARN": account_arn("iam", "role/aws-config-recorder"),
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": compliant}})
    if not compliant:
        return
    ctx.clients.get("guardduty", region).create_detector(
        Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES")
    ctx.clients.get("securityhub", region).enable_security_hub(EnableDefaultStandards=True)
    config.put_delivery_channel(DeliveryChannel={
        "name": RECORDER, "s3BucketName": CLOUDTRAIL_BUCKET, "s3KeyPrefix": "config"})
    config.start_configuration_recorder(ConfigurationRecorderName=RECORDER)
    ec2 = ctx.clients.get("ec2", region)
    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["nbh-vdi"]}])["Vpcs"]
    created = ec2.create_flow_logs(ResourceIds=[vpc["VpcId"]], ResourceType="VPC",
                                   TrafficType="ALL", LogDestinationType="s3",
                                   LogDestination=f"arn:aws:s3:::{CLOUDTRAIL_BUCKET}")
    if created.get("Unsuccessful"):
        raise GovkitError(f"the demo's flow log was refused: {created['Unsuccessful']}")


def seed_unit_monitoring(ctx: SeedContext, region: str, unit: int, keys: UnitKeys) -> Counts:
    """Two log groups, two topics and two secrets in one regional unit."""
    suffix = unit_suffix(unit)
    logs = ctx.clients.get("logs", region)
    logs.create_log_group(logGroupName=f"/nbh/patient-portal/app{suffix}",
                          kmsKeyId=keys.s3, tags=phi_tags(application="patient-portal"))
    logs.put_retention_policy(logGroupName=f"/nbh/patient-portal/app{suffix}",
                              retentionInDays=2192)
    logs.create_log_group(logGroupName=f"/nbh/contact-center/ivr{suffix}",
                          tags=phi_tags(application="contact-center"))
    logs.create_log_group(logGroupName=f"/nbh/scratch/batch-jobs{suffix}",
                          tags=classification_tags("internal", application="batch"))
    logs.put_retention_policy(logGroupName=f"/nbh/scratch/batch-jobs{suffix}",
                              retentionInDays=7)
    sns = ctx.clients.get("sns", region)
    sns.create_topic(Name=f"nbh-appointment-reminders{suffix}",
                     Attributes={"KmsMasterKeyId": keys.s3},
                     Tags=tag_list(phi_tags(application="scheduling")))
    sns.create_topic(Name=f"nbh-ops-alerts{suffix}",
                     Tags=tag_list(classification_tags("internal", application="operations")))
    secrets = ctx.clients.get("secretsmanager", region)
    rotating = secrets.create_secret(
        Name=f"nbh/ehr-interface/hl7-feed{suffix}", KmsKeyId=keys.s3,
        SecretString=json.dumps({"username": "hl7feed", "password": "demo-only"}),
        Tags=tag_list(phi_tags(application="ehr-interface")))
    # no rotation function named: the emulator would try to run it, and the schedule is what
    # govkit reads
    secrets.rotate_secret(SecretId=rotating["ARN"], RotationRules={"AutomaticallyAfterDays": 30},
                          RotateImmediately=False)
    secrets.create_secret(
        Name=f"nbh/reporting/warehouse-password{suffix}",
        SecretString=json.dumps({"username": "reporting", "password": "demo-only"}),
        Tags=tag_list(classification_tags("internal", application="reporting")))
    return Counts(log_groups=3, sns_topics=2, secrets=2)


def _seed_load_balancers(ctx: SeedContext, region: str, compliant: bool) -> None:
    ec2 = ctx.clients.get("ec2", region)
    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["nbh-vdi"]}])["Vpcs"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]]
    elbv2 = ctx.clients.get("elbv2", region)
    name = "nbh-patient-portal" if compliant else "nbh-scheduling-api"
    arn = elbv2.create_load_balancer(
        Name=name, Subnets=subnets, Type="application",
        Scheme="internet-facing" if compliant else "internal")["LoadBalancers"][0][
            "LoadBalancerArn"]
    _seed_listeners(ctx, region, elbv2, arn, vpc["VpcId"], compliant)
    if compliant:
        elbv2.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": CLOUDTRAIL_BUCKET},
            {"Key": "deletion_protection.enabled", "Value": "true"}])
        ctx.clients.get("elb", region).create_load_balancer(
            LoadBalancerName="nbh-legacy-ivr", Subnets=subnets[:1], Listeners=[
                {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP",
                 "InstancePort": 8080}])


def _seed_listeners(ctx: SeedContext, region: str, elbv2: Any, arn: str, vpc_id: str,
                    compliant: bool) -> None:
    """HTTPS on 443 with a certificate of the region's (after the units' certificates); the
    portal redirects HTTP to HTTPS under a TLS 1.3 policy, the scheduling API serves HTTP and
    keeps a 2016 policy that still allows TLS 1.0."""
    certificate = ctx.clients.get("acm", region).list_certificates()[
        "CertificateSummaryList"][0]["CertificateArn"]
    group = elbv2.create_target_group(
        Name="nbh-portal-web" if compliant else "nbh-scheduling-web", Protocol="HTTP",
        Port=8080, VpcId=vpc_id)["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": group}]
    redirect = [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
    elbv2.create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=80,
                          DefaultActions=redirect if compliant else forward)
    elbv2.create_listener(
        LoadBalancerArn=arn, Protocol="HTTPS", Port=443, DefaultActions=forward,
        Certificates=[{"CertificateArn": certificate}],
        SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06" if compliant
        else "ELBSecurityPolicy-2016-08")


def seed_trail_alarms(ctx: SeedContext) -> Counts:
    """After the trails: the organisation trail's log group, its metric filters and alarms,
    and the security team's topic they notify."""
    region = home_region(ctx.regions)
    # the trail's own key: the events are the same in the log group as in the bucket
    key = ctx.clients.get("kms", region).describe_key(
        KeyId=f"alias/{CLOUDTRAIL_KEY_ALIAS}")["KeyMetadata"]["Arn"]
    tags = classification_tags("internal", application="security-monitoring")
    logs = ctx.clients.get("logs", region)
    logs.create_log_group(logGroupName=TRAIL_LOG_GROUP, kmsKeyId=key, tags=tags)
    logs.put_retention_policy(logGroupName=TRAIL_LOG_GROUP, retentionInDays=2192)
    topic = ctx.clients.get("sns", region).create_topic(
        Name="nbh-security-alerts", Attributes={"KmsMasterKeyId": key},
        Tags=tag_list(tags))["TopicArn"]
    ctx.clients.get("cloudtrail", region).update_trail(
        Name=COMPLIANT_TRAIL,
        CloudWatchLogsLogGroupArn=account_arn("logs", f"log-group:{TRAIL_LOG_GROUP}:*", region),
        CloudWatchLogsRoleArn=account_arn("iam", "role/nbh-cloudtrail-to-logs"))
    cloudwatch = ctx.clients.get("cloudwatch", region)
    for name, metric, pattern, notifies in _TRAIL_FILTERS:
        logs.put_metric_filter(logGroupName=TRAIL_LOG_GROUP, filterName=name,
                               filterPattern=pattern, metricTransformations=[{
                                   "metricName": metric, "metricNamespace": SECURITY_NAMESPACE,
                                   "metricValue": "1"}])
        cloudwatch.put_metric_alarm(
            AlarmName=name, MetricName=metric, Namespace=SECURITY_NAMESPACE, Statistic="Sum",
            Period=300, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic] if notifies else [])
    return Counts(log_groups=1, sns_topics=1)
