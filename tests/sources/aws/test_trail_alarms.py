"""The security-event alarms and the RDS log exports of the demo estate, collected from a moto
server over HTTP: the organisation trail's log group counts root use, failed sign-ins and
network ACL changes with alarms that notify the security topic (PASS), VPC changes with an
alarm that notifies no one and nothing for gateways or route tables (FAIL, quoting what is
there), and a denied filter or alarm listing is an ERROR naming the call, never a FAIL that
says "no filter"; which trails record Amazon Bedrock's calls; and which RDS instances export
their logs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from govkit.inventory.model import Resource
from govkit.results import Result, Status
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import trail_monitoring
from govkit.run import Run
from govkit.sources.aws.normalize.bedrock_logging import records_bedrock
from govkit.sources.aws.scan import AwsService
from govkit.sources.interface import NormalizeContext
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture

GROUP = "/nbh/cloudtrail/org-audit-trail"
TOPIC = "arn:aws:sns:us-east-1:123456789012:nbh-security-alerts"
ALARM_RULES = ("cloudwatch-alarm-root-usage", "cloudwatch-alarm-console-sign-in-failures",
               "cloudwatch-alarm-network-acl-changes", "cloudwatch-alarm-network-gateway-changes",
               "cloudwatch-alarm-route-table-changes", "cloudwatch-alarm-vpc-changes")
NEEDED = (AwsService.CLOUDTRAIL, AwsService.LOGS, AwsService.CLOUDWATCH)


def account_result(run: Run, rule_id: str) -> Result:
    [result] = [r for r in run.evaluation.results if r.rule_id == rule_id]
    return result


def test_alarms_that_notify_pass_naming_filter_metric_and_topic(demo_run: Run) -> None:
    root = account_result(demo_run, "cloudwatch-alarm-root-usage")
    assert root.status is Status.PASS
    assert root.message == (
        f"metric filter nbh-root-use on log group {GROUP} (trail nbh-org-audit-trail) counts "
        "use of the root user as NBH/Security/RootUserActivity, and alarm nbh-root-use "
        f"(notifies {TOPIC})")
    for rule_id in ALARM_RULES[1:3]:
        assert account_result(demo_run, rule_id).status is Status.PASS, rule_id
    files = {record.file.rsplit("/", 2)[-2:][0] + "/" + record.file.rsplit("/", 1)[-1]
             .split(".")[0] for record in root.records}
    assert {"logs/DescribeMetricFilters", "cloudwatch/DescribeAlarms",
            "cloudtrail/DescribeTrails"} <= files, files


def test_missing_filters_and_silent_alarms_fail_saying_what_is_there(demo_run: Run) -> None:
    gateways = account_result(demo_run, "cloudwatch-alarm-network-gateway-changes")
    assert gateways.status is Status.FAIL
    assert gateways.message.startswith(
        "account 123456789012: no metric filter on nbh-org-audit-trail (log group "
        f"{GROUP} in us-east-1) matches changes to network gateways: none mentions all of "
        "CreateCustomerGateway, DeleteCustomerGateway, AttachInternetGateway")
    assert "(its filters: nbh-network-acls, nbh-root-use, nbh-sign-in-failures, nbh-vpcs)" \
        in gateways.message
    assert account_result(demo_run, "cloudwatch-alarm-route-table-changes").status \
        is Status.FAIL
    vpcs = account_result(demo_run, "cloudwatch-alarm-vpc-changes")
    assert vpcs.status is Status.FAIL
    assert vpcs.message == (
        "account 123456789012: changes to VPCs and their peerings are counted but alert no "
        "one: no alarm with an enabled action watches the metric (nbh-vpcs on "
        f"{GROUP} counts NBH/Security/VpcChanges, alarms on it: nbh-vpcs (no alarm actions))")


@pytest.mark.parametrize("service, operation", [(AwsService.LOGS, "DescribeMetricFilters"),
                                                (AwsService.CLOUDWATCH, "DescribeAlarms")])
def test_a_denied_filter_or_alarm_listing_is_an_error_naming_it(
        proxy: FaultProxy, tmp_path: Path, service: AwsService, operation: str) -> None:
    for rule_id in ("cloudwatch-alarm-root-usage", "cloudwatch-alarm-vpc-changes"):
        proxy.clear()
        code, results = results_when_denied(proxy, tmp_path / rule_id, service, operation,
                                            rule_id, joined=NEEDED)
        [result] = results
        assert result.status is Status.ERROR
        assert f"{service.value}:{operation}" in result.message and code in result.message


def test_rds_instances_without_log_exports_fail_naming_the_engine(demo_run: Run) -> None:
    found = {r.resource_name: r for r in demo_run.evaluation.results
             if r.rule_id == "rds-instance-logs-exported"}
    assert found["nbh-ehr-db-1"].status is Status.PASS
    scheduling = found["nbh-scheduling-db-2"]
    assert scheduling.status is Status.FAIL
    assert scheduling.message.startswith(
        "instance nbh-scheduling-db-2 (mysql) exports no database logs to CloudWatch Logs "
        "(log types exported: none)")
    # the instance's entry in the listing, which has every field the rule read
    assert {("DescribeDBInstances" in r.file, r.pointer.startswith("/response/DBInstances/"))
            for r in scheduling.records} == {(True, True)}


def test_the_org_trail_recording_only_s3_data_events_misses_bedrock(demo_run: Run) -> None:
    bedrock = account_result(demo_run, "cloudtrail-bedrock-calls-logged")
    assert bedrock.status is Status.FAIL
    assert bedrock.message == (
        "account 123456789012: no logging multi-region trail records Amazon Bedrock API calls "
        "(nbh-legacy-app-trail (single-region, logging) records management events (write "
        "only), nbh-org-audit-trail (multi-region, logging) records data events of "
        "AWS::S3::Object only)")
    assert any("GetEventSelectors" in r.file for r in bedrock.records)


@pytest.mark.parametrize(("selectors", "expected"), [
    ({}, "management events (all, by default)"),
    ({"EventSelectors": [{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}]},
     None),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]},
        {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]}]}]}, "management events"),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]},
        {"Field": "readOnly", "Equals": ["true"]}]}]}, None),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]},
        {"Field": "eventSource", "Equals": ["iam.amazonaws.com"]}]}]}, None),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "StartsWith": ["AWS::Bedrock::Agent"]}]}]},
     "Bedrock data events (AWS::Bedrock::AgentAlias)"),
])
def test_which_selectors_record_bedrock(selectors: dict[str, object],
                                        expected: str | None) -> None:
    assert records_bedrock(selectors) == expected


MANAGEMENT, MEMBER = "111122223333", "444455556666"
ORG_TRAIL = f"arn:aws:cloudtrail:us-east-1:{MANAGEMENT}:trail/nbh-organization-trail"
ORG_GROUP = f"arn:aws:logs:us-east-1:{MANAGEMENT}:log-group:/nbh/org-trail:*"


def _record(writer: SnapshotWriter, account: str, service: str, operation: str,
            params: dict[str, Any], response: dict[str, Any]) -> None:
    writer.record(account=account, region="us-east-1", service=service, operation=operation,
                  params=params, response=response, started_at=dt.datetime.now(dt.UTC),
                  duration_ms=1)


def _monitoring(path: Path, *, alarms_read: bool) -> dict[str, Resource]:
    writer = SnapshotWriter(path)
    trail = {"Name": "nbh-organization-trail", "TrailARN": ORG_TRAIL, "HomeRegion": "us-east-1",
             "IsMultiRegionTrail": True, "IsOrganizationTrail": True,
             "CloudWatchLogsLogGroupArn": ORG_GROUP}
    _record(writer, MANAGEMENT, "cloudtrail", "DescribeTrails", {}, {"trailList": [trail]})
    _record(writer, MANAGEMENT, "cloudtrail", "GetTrailStatus", {"Name": ORG_TRAIL},
            {"IsLogging": True})
    _record(writer, MANAGEMENT, "cloudtrail", "GetEventSelectors", {"TrailName": ORG_TRAIL},
            {"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]})
    # the member account has no trail of its own: the organisation trail logs it
    _record(writer, MEMBER, "cloudtrail", "DescribeTrails", {}, {"trailList": []})
    _record(writer, MANAGEMENT, "logs", "DescribeMetricFilters", {}, {"metricFilters": [{
        "filterName": "nbh-root-use", "logGroupName": "/nbh/org-trail",
        "filterPattern": '{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }',
        "metricTransformations": [{"metricName": "RootUse", "metricNamespace": "NBH"}]}]})
    if alarms_read:
        _record(writer, MANAGEMENT, "cloudwatch", "DescribeAlarms", {}, {"MetricAlarms": [{
            "AlarmName": "nbh-root-use", "MetricName": "RootUse", "Namespace": "NBH",
            "ActionsEnabled": True, "AlarmActions": ["arn:aws:sns:us-east-1:1:security"]}]})
    writer.write_index()
    found = trail_monitoring.normalize(Snapshot.open(path), NormalizeContext(
        own_accounts=frozenset({MANAGEMENT, MEMBER})))
    return {r.account: r for r in found if isinstance(r, Resource)}


def test_an_organisation_trail_counts_for_the_accounts_it_logs(tmp_path: Path) -> None:
    member = _monitoring(tmp_path, alarms_read=True)[MEMBER]
    [entry] = member.attributes["TrailAlarms"]
    assert (entry["Trail"], entry["LogGroup"], entry["Alarms"][0]["AlarmName"]) == (
        "nbh-organization-trail", "/nbh/org-trail", "nbh-root-use")
    assert member.attributes["BedrockLogging"][0]["RecordsBedrock"] is True
    # the filters were read in the management account, where the log group is
    assert any(f"/{MANAGEMENT}/" in r.file and "DescribeMetricFilters" in r.file
               for r in member.sources["TrailAlarms"])


def test_alarms_of_an_account_that_was_not_read_are_unknown(tmp_path: Path) -> None:
    member = _monitoring(tmp_path, alarms_read=False)[MEMBER]
    failed = member.failures["TrailAlarms"]
    assert failed.call == "cloudwatch:DescribeAlarms" and MANAGEMENT in failed.message
