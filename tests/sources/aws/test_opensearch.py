"""OpenSearch Service domains of the demo estate on a moto server over HTTP: the operations
logs domain FAILs each rule naming the domain and the value seen, the patient search domain
passes, and a denied DescribeDomains is an ERROR naming it, never a verdict."""

from __future__ import annotations

from pathlib import Path

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULES = ("opensearch-domain-encrypted-at-rest", "opensearch-domain-node-to-node-encryption",
         "opensearch-domain-https-required")


def test_the_logs_domain_fails_and_the_patient_search_domain_passes(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.opensearch.domain"}
    for n in (1, 2):
        for rule_id in RULES:
            assert results[(rule_id, f"nbh-patient-search-{n}")].status is Status.PASS
            assert results[(rule_id, f"nbh-ops-logs-{n}")].status is Status.FAIL
    logs = {rule_id: results[(rule_id, "nbh-ops-logs-2")] for rule_id in RULES}
    assert logs["opensearch-domain-encrypted-at-rest"].message.startswith(
        "domain nbh-ops-logs-2 is not encrypted at rest (encryption at rest enabled: false)")
    assert logs["opensearch-domain-node-to-node-encryption"].message.startswith(
        "domain nbh-ops-logs-2 does not encrypt traffic between its nodes (node-to-node "
        "encryption enabled: false)")
    assert logs["opensearch-domain-https-required"].message.startswith(
        "domain nbh-ops-logs-2 accepts plain HTTP requests (HTTPS required: false)")
    [record] = logs["opensearch-domain-encrypted-at-rest"].records
    assert "DescribeDomains" in record.file
    assert record.pointer == "/response/DomainStatusList/0/EncryptionAtRestOptions/Enabled"


def test_a_denied_describe_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.OPENSEARCH,
                                        "DescribeDomains", "opensearch-domain-encrypted-at-rest")
    assert {r.resource_name for r in results} == {"nbh-patient-search-1", "nbh-ops-logs-1"}
    assert all(r.status is Status.ERROR for r in results)
    assert all("opensearch:DescribeDomains" in r.message and code in r.message
               for r in results)
