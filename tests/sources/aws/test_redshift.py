"""Redshift clusters of the demo estate on a moto server over HTTP: the public, unencrypted
reporting cluster without audit logs FAILs each rule naming the cluster, the warehouse
passes, and a denied logging-status read is an ERROR naming it, never "logging off"."""

from __future__ import annotations

from pathlib import Path

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULES = ("redshift-cluster-not-public", "redshift-cluster-encrypted",
         "redshift-cluster-audit-logging", "redshift-cluster-automated-snapshots")


def test_the_reporting_cluster_fails_and_the_warehouse_passes(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.redshift.cluster"}
    for rule_id in RULES:
        assert results[(rule_id, "nbh-analytics-warehouse-1")].status is Status.PASS, rule_id
    reporting = {rule_id: results[(rule_id, "nbh-ops-reporting-2")] for rule_id in RULES[:3]}
    assert [r.status for r in reporting.values()] == [Status.FAIL] * 3
    assert reporting["redshift-cluster-not-public"].message.startswith(
        "cluster nbh-ops-reporting-2 is publicly accessible (publicly accessible: true)")
    assert reporting["redshift-cluster-audit-logging"].message.startswith(
        "cluster nbh-ops-reporting-2 has audit logging off (logging enabled: false)")
    [record] = reporting["redshift-cluster-audit-logging"].records
    assert "DescribeLoggingStatus" in record.file and record.pointer == "/response/LoggingEnabled"


def test_a_denied_logging_status_is_an_error_naming_it(proxy: FaultProxy,
                                                      tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.REDSHIFT,
                                        "DescribeLoggingStatus",
                                        "redshift-cluster-audit-logging")
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("redshift:DescribeLoggingStatus" in r.message and code in r.message
               for r in results)
