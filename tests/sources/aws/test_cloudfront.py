"""CloudFront distributions of the demo estate on a moto server over HTTP, collected once per
account: the patient portal's distribution FAILs naming its id, domain and the path pattern
left on allow-all, the education distribution passes, and a denied listing is an ERROR naming
the call."""

from __future__ import annotations

from pathlib import Path

from govkit.inventory.build import build_inventory
from govkit.results import Status
from govkit.run import Run
from govkit.snapshot import Snapshot
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULE = "cloudfront-distribution-https-only"


def test_the_portal_distribution_fails_on_its_http_path(demo_run: Run) -> None:
    inventory = build_inventory(Snapshot.open(demo_run.path), ["123456789012"])
    by_comment = {r.attributes["Comment"]: r for r in
                  inventory.of_type("aws.cloudfront.distribution")}
    assert {r.region for r in by_comment.values()} == {"global"}
    results = {r.resource_id: r for r in demo_run.evaluation.results if r.rule_id == RULE}
    education = by_comment["nbh-patient-education-cdn-1"]
    assert results[education.id].status is Status.PASS
    portal = by_comment["nbh-patient-portal-cdn-2"]
    failed = results[portal.id]
    assert failed.status is Status.FAIL
    domain = portal.attributes["DomainName"]
    assert failed.message.startswith(
        f"distribution {portal.name} ({domain}) cache behaviour /appointments/*: viewer "
        "protocol policy is allow-all (expected https-only or redirect-to-https)")
    assert "/api/*" not in failed.message and "Default (*)" not in failed.message
    assert any(r.pointer.endswith("/CacheBehaviors") and "ListDistributions" in r.file
               for r in failed.records)


def test_a_denied_listing_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.CLOUDFRONT,
                                        "ListDistributions", RULE)
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("cloudfront:ListDistributions" in r.message and code in r.message
               for r in results)
