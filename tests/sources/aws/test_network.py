"""The network of the demo estate on a moto server over HTTP: the RDP group open to the
internet, default security groups with rules, allow-all network ACLs and VPCs without flow
logs FAIL naming the group, ACL or VPC; a denied flow-log listing is an ERROR, never "no flow
logs"."""

from __future__ import annotations

from pathlib import Path

from govkit.results import Result, Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture

HOME, OTHER = "us-east-1", "us-west-2"


def of_rule(run: Run, rule_id: str) -> list[Result]:
    return [r for r in run.evaluation.results if r.rule_id == rule_id]


def test_rdp_open_to_the_internet_fails_and_the_vendor_https_group_passes(demo_run: Run) -> None:
    results = {(r.region, r.resource_name): r
               for r in of_rule(demo_run, "ec2-security-group-no-admin-ports-from-internet")}
    for region in (HOME, OTHER):
        admin = results[(region, "nbh-vdi-admin")]
        assert admin.status is Status.FAIL
        assert admin.message.startswith("security group nbh-vdi-admin (sg-")
        assert admin.message.endswith("lets any internet address reach port(s) 3389 over TCP")
        [record] = admin.records
        assert "DescribeSecurityGroups" in record.file
        assert record.pointer.startswith("/response/SecurityGroups/")
        assert record.pointer.endswith("/IpPermissions")
        assert results[(region, "nbh-vdi-agents")].status is Status.PASS


def test_default_groups_acls_and_vpcs_without_flow_logs_fail(demo_run: Run) -> None:
    defaults = of_rule(demo_run, "ec2-default-security-group-closed")
    assert len(defaults) == 4  # the default VPC's and nbh-vdi's, in each region
    assert all(r.status is Status.FAIL and "has 1 outbound rule(s)" in r.message
               for r in defaults)
    acls = of_rule(demo_run, "ec2-network-acl-no-unrestricted-ingress")
    assert acls and all(r.status is Status.FAIL for r in acls)
    flow = of_rule(demo_run, "vpc-flow-logs-enabled")
    passed = [r for r in flow if r.status is Status.PASS]
    assert [r.region for r in passed] == [HOME]  # nbh-vdi in the home region logs to S3
    assert len([r for r in flow if r.status is Status.FAIL]) == 3
    assert all("has no active flow log (active flow logs: 0)" in r.message
               for r in flow if r.status is Status.FAIL)


def test_a_denied_flow_log_listing_is_an_error_never_none(proxy: FaultProxy,
                                                         tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.EC2, "DescribeFlowLogs",
                                        "vpc-flow-logs-enabled")
    assert len(results) == 2  # the default VPC and nbh-vdi
    assert all(r.status is Status.ERROR and "ec2:DescribeFlowLogs" in r.message
               and code in r.message for r in results)
