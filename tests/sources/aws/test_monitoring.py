"""GuardDuty, Security Hub, AWS Config recorders, CloudWatch log groups, SNS topics and Secrets
Manager secrets, collected from the demo estate on a moto server over HTTP: the planted gaps
FAIL naming the region or item and the value seen, the compliant ones PASS, "not subscribed"
is an answer (FAIL) while a denied call is ERROR, and every fact points at its record."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.demo.names import DEMO_ACCOUNT
from govkit.inventory.build import build_inventory
from govkit.inventory.model import Inventory, Resource
from govkit.results import Result, Status
from govkit.run import Run
from govkit.snapshot import Snapshot
from govkit.sources.aws.normalize.common import failed_calls
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture

HOME, OTHER = "us-east-1", "us-west-2"


@pytest.fixture(scope="module")
def inventory(demo_run: Run) -> Inventory:
    return build_inventory(Snapshot.open(demo_run.path), [DEMO_ACCOUNT],
                           regions=[HOME, OTHER])


def results(run: Run, rule_id: str) -> dict[tuple[str, str], Result]:
    """The rule's results by (region, resource name)."""
    return {(r.region, r.resource_name): r for r in run.evaluation.results
            if r.rule_id == rule_id}


def settings_of(inventory: Inventory, resource_type: str, region: str) -> Resource:
    [found] = [r for r in inventory.of_type(resource_type) if r.region == region]
    return found


def test_regional_detection_services_on_at_home_and_missing_elsewhere(demo_run: Run) -> None:
    where = f"{DEMO_ACCOUNT}/{OTHER}"
    guardduty = results(demo_run, "guardduty-enabled")
    assert guardduty[(HOME, f"{DEMO_ACCOUNT}/{HOME}")].status is Status.PASS
    assert guardduty[(OTHER, where)].status is Status.FAIL
    assert guardduty[(OTHER, where)].message == (
        "GuardDuty is not enabled in us-west-2 (detector: not set, status: not set): nothing "
        "analyses this region's logs for threats")
    hub = results(demo_run, "securityhub-enabled")
    assert hub[(HOME, f"{DEMO_ACCOUNT}/{HOME}")].status is Status.PASS
    assert hub[(OTHER, where)].status is Status.FAIL
    assert hub[(OTHER, where)].message.startswith(
        "Security Hub is not enabled in us-west-2: the account is not subscribed there")
    config = results(demo_run, "config-recorder-recording")
    assert config[(HOME, f"{DEMO_ACCOUNT}/{HOME}")].status is Status.PASS
    assert config[(OTHER, where)].message.startswith(
        "AWS Config recorder default in us-west-2 is not recording (recording: false)")


def test_not_subscribed_is_an_answer_pointing_at_its_error_code(demo_run: Run,
                                                                 inventory: Inventory) -> None:
    hub = settings_of(inventory, "aws.securityhub.regional_settings", OTHER)
    assert hub.attributes["Enabled"] is False and not hub.failures.keys() - {"Tags"}
    [ref] = hub.sources["Enabled"]
    assert ref.pointer == "/error_code" and "DescribeHub" in ref.file
    assert not [e for e in failed_calls(Snapshot.open(demo_run.path))
                if e.operation == "DescribeHub"]
    detector = settings_of(inventory, "aws.guardduty.regional_settings", OTHER)
    assert detector.attributes["DetectorId"] is None
    assert detector.sources["Enabled"][0].pointer == "/response/DetectorIds"
    enabled = settings_of(inventory, "aws.guardduty.regional_settings", HOME)
    assert enabled.attributes["DetectorStatus"] == "ENABLED"
    assert enabled.sources["Enabled"][0].pointer == "/response/Status"


def test_log_groups_topics_and_secrets_name_the_value_against_the_limit(demo_run: Run) -> None:
    retention = results(demo_run, "logs-group-retention")
    assert retention[(HOME, "/nbh/scratch/batch-jobs")].message == (
        "log group /nbh/scratch/batch-jobs keeps events for 7 days; the minimum is 365 days")
    assert retention[(HOME, "/nbh/contact-center/ivr")].status is Status.PASS  # never expires
    assert retention[(HOME, "/nbh/patient-portal/app")].status is Status.PASS
    keys = results(demo_run, "logs-group-kms-encrypted")
    assert keys[(HOME, "/nbh/patient-portal/app")].status is Status.PASS
    assert keys[(OTHER, "/nbh/contact-center/ivr")].message.startswith(
        "log group /nbh/contact-center/ivr has no KMS key (kmsKeyId not set)")
    topics = results(demo_run, "sns-topic-kms-encrypted")
    assert topics[(HOME, "nbh-appointment-reminders")].status is Status.PASS
    assert topics[(HOME, "nbh-ops-alerts")].message.startswith(
        "topic nbh-ops-alerts has no server-side encryption (KmsMasterKeyId not set)")
    rotation = results(demo_run, "secretsmanager-secret-rotation")
    assert rotation[(HOME, "nbh/ehr-interface/hl7-feed")].status is Status.PASS
    failed = rotation[(OTHER, "nbh/reporting/warehouse-password")]
    assert failed.status is Status.FAIL
    assert failed.message == ("secret nbh/reporting/warehouse-password does not rotate "
                              "(rotation enabled: false): its value stays the same until "
                              "someone changes it by hand")
    assert [r.attribute for r in failed.records] == ["RotationDays", "RotationEnabled"]
    assert all("ListSecrets" in r.file and r.pointer.startswith("/response/SecretList/")
               for r in failed.records)


@pytest.mark.parametrize(("service", "operation", "rule_id", "code"), [
    (AwsService.SECURITY_HUB, "DescribeHub", "securityhub-enabled", "AccessDeniedException"),
    # InvalidAccessException is "not subscribed" only from DescribeHub; GuardDuty's own
    # denial must stay an ERROR
    (AwsService.GUARDDUTY, "ListDetectors", "guardduty-enabled", "AccessDeniedException"),
    (AwsService.CONFIG, "DescribeConfigurationRecorderStatus", "config-recorder-recording",
     "AccessDeniedException"),
])
def test_a_denied_call_is_an_error_naming_it_never_off(
        proxy: FaultProxy, tmp_path: Path, service: AwsService, operation: str,
        rule_id: str, code: str) -> None:
    _, results = results_when_denied(proxy, tmp_path, service, operation, rule_id, code)
    [result] = results
    assert result.status is Status.ERROR
    assert f"{operation}" in result.message and code in result.message
    assert result.records and result.records[0].pointer == "/error_message"
