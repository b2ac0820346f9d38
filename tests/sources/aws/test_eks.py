"""EKS clusters of the demo estate on a moto server over HTTP: the claims cluster FAILs both
rules naming it and the values seen, the integration engine passes, and a denied
DescribeCluster is an ERROR naming it, never a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULES = ("eks-cluster-secrets-kms-encrypted", "eks-cluster-endpoint-not-public")


def test_the_claims_cluster_fails_and_the_integration_engine_passes(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.eks.cluster"}
    for n in (1, 2):
        for rule_id in RULES:
            assert results[(rule_id, f"nbh-integration-engine-{n}")].status is Status.PASS
            assert results[(rule_id, f"nbh-claims-processing-{n}")].status is Status.FAIL
    secrets = results[("eks-cluster-secrets-kms-encrypted", "nbh-claims-processing-2")]
    assert secrets.message.startswith("cluster nbh-claims-processing-2 does not encrypt "
                                      "Kubernetes secrets with a KMS key (secrets key: not set)")
    [record] = secrets.records
    assert "DescribeCluster" in record.file
    assert record.pointer == "/response/cluster/encryptionConfig"
    endpoint = results[("eks-cluster-endpoint-not-public", "nbh-claims-processing-2")]
    assert endpoint.message.startswith(
        "cluster nbh-claims-processing-2 has its Kubernetes API endpoint open to the internet "
        "(public access: true, allowed sources: 0.0.0.0/0)")


@pytest.mark.parametrize("rule_id", RULES)
def test_a_denied_describe_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path,
                                                 rule_id: str) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.EKS, "DescribeCluster",
                                        rule_id)
    assert {r.resource_name for r in results} == {"nbh-integration-engine-1",
                                                  "nbh-claims-processing-1"}
    assert all(r.status is Status.ERROR for r in results)
    assert all("eks:DescribeCluster" in r.message and code in r.message for r in results)
