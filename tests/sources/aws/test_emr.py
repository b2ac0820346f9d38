"""EMR clusters of the demo estate over HTTP: the research cluster launched into the default
VPC has a master node with a public DNS name and FAILs naming the cluster, its id and the
name seen; the claims ETL cluster's master in a private subnet passes; a denied
DescribeCluster is an ERROR naming it, never a verdict."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from govkit.demo.run import aws_environment
from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.conftest import Estate
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULE = "emr-cluster-master-not-public"


def test_the_public_research_cluster_fails_and_the_private_etl_cluster_passes(
        demo_run: Run) -> None:
    results = {(r.resource_name, r.region): r for r in demo_run.evaluation.results
               if r.rule_id == RULE}
    assert set(results) == {("nbh-claims-etl-1", "us-east-1"), ("nbh-claims-etl-2", "us-west-2"),
                            ("nbh-research-spark-1", "us-east-1"),
                            ("nbh-research-spark-2", "us-west-2")}
    assert results[("nbh-claims-etl-2", "us-west-2")].status is Status.PASS
    spark = results[("nbh-research-spark-2", "us-west-2")]
    assert spark.status is Status.FAIL
    assert re.match(r"cluster nbh-research-spark-2 \(j-[0-9A-Z]{13}\) has a master node with a "
                    r"public address \(master public DNS name: ec2-[0-9-]+\.us-west-2\.compute"
                    r"\.amazonaws\.com\)", spark.message), spark.message
    [record] = spark.records
    assert "DescribeCluster" in record.file
    assert record.pointer == "/response/Cluster/MasterPublicDnsName"
    assert results[("nbh-research-spark-1", "us-east-1")].status is Status.FAIL
    assert results[("nbh-claims-etl-1", "us-east-1")].status is Status.PASS


def test_a_denied_describe_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.EMR, "DescribeCluster", RULE)
    assert {r.resource_name for r in results} == {"nbh-claims-etl-1", "nbh-research-spark-1"}
    assert all(r.status is Status.ERROR for r in results)
    assert all("emr:DescribeCluster" in r.message and code in r.message for r in results)


def test_each_region_keeps_its_own_clusters(estate: Estate) -> None:
    """The demo's EMR answers per region (moto's, reached through a loopback endpoint, would
    list every cluster in every region)."""
    with aws_environment(estate.endpoint_url):
        west = boto3.client("emr", region_name="us-west-2")
        listed = west.list_clusters(ClusterStates=["WAITING"])["Clusters"]
        assert {c["Name"] for c in listed} == {"nbh-claims-etl-2", "nbh-research-spark-2"}
        assert west.list_clusters(ClusterStates=["TERMINATED"])["Clusters"] == []
        with pytest.raises(ClientError) as raised:
            west.describe_cluster(ClusterId="j-0000000000000")
    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
