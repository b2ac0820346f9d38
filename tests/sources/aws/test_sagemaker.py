"""SageMaker notebook instances of the demo estate on a moto server over HTTP: the research
notebook FAILs both rules naming it and the value seen, the claims notebook passes, and a
denied DescribeNotebookInstance is an ERROR naming it, never a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULES = ("sagemaker-notebook-kms-encrypted", "sagemaker-notebook-no-direct-internet-access")


def test_the_research_notebook_fails_and_the_claims_notebook_passes(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.sagemaker.notebook_instance"}
    for n in (1, 2):
        for rule_id in RULES:
            assert results[(rule_id, f"nbh-claims-ml-{n}")].status is Status.PASS
            assert results[(rule_id, f"nbh-readmission-research-{n}")].status is Status.FAIL
    key = results[("sagemaker-notebook-kms-encrypted", "nbh-readmission-research-1")]
    assert key.message.startswith("notebook instance nbh-readmission-research-1 does not "
                                  "encrypt its storage volume with a KMS key (KmsKeyId not set)")
    internet = results[("sagemaker-notebook-no-direct-internet-access",
                        "nbh-readmission-research-1")]
    assert internet.message.startswith("notebook instance nbh-readmission-research-1 has "
                                       "direct internet access (DirectInternetAccess: Enabled)")
    [record] = internet.records
    assert "DescribeNotebookInstance" in record.file
    assert record.pointer == "/response/DirectInternetAccess"


@pytest.mark.parametrize("rule_id", RULES)
def test_a_denied_describe_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path,
                                                 rule_id: str) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.SAGEMAKER,
                                        "DescribeNotebookInstance", rule_id)
    assert {r.resource_name for r in results} == {"nbh-claims-ml-1",
                                                  "nbh-readmission-research-1"}
    assert all(r.status is Status.ERROR for r in results)
    assert all("sagemaker:DescribeNotebookInstance" in r.message and code in r.message
               for r in results)
