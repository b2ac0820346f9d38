"""DynamoDB Accelerator clusters of the demo estate on a moto server over HTTP: the contacts
cache FAILs both rules naming the cluster and the value seen, the appointments cache passes,
and a denied DescribeClusters is an ERROR naming it, never a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULES = ("dax-cluster-encrypted", "dax-cluster-tls-endpoint")


def test_the_contacts_cache_fails_and_the_appointments_cache_passes(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.dax.cluster"}
    for n in (1, 2):
        for rule_id in RULES:
            assert results[(rule_id, f"nbh-appointments-cache-{n}")].status is Status.PASS
            assert results[(rule_id, f"nbh-contacts-cache-{n}")].status is Status.FAIL
    encrypted = results[("dax-cluster-encrypted", "nbh-contacts-cache-1")]
    assert encrypted.message.startswith("DAX cluster nbh-contacts-cache-1 is not encrypted at "
                                        "rest (server-side encryption: DISABLED)")
    [record] = encrypted.records
    assert "DescribeClusters" in record.file
    assert record.pointer.endswith("/SSEDescription/Status")
    tls = results[("dax-cluster-tls-endpoint", "nbh-contacts-cache-1")]
    assert tls.message.startswith("DAX cluster nbh-contacts-cache-1 accepts unencrypted "
                                  "connections (endpoint encryption: NONE)")


@pytest.mark.parametrize("rule_id", RULES)
def test_a_denied_listing_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path,
                                                rule_id: str) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.DAX, "DescribeClusters",
                                        rule_id)
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("dax:DescribeClusters" in r.message and code in r.message for r in results)
