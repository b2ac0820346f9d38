"""ACM certificates of the demo estate on a moto server over HTTP: the scheduling
certificate, ten days from expiry at seeding, FAILs naming its domain, id, end date and the
days left against the minimum; the portal's, valid for 300 more days, passes; a denied
describe is an ERROR naming the call, never a pass."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.conftest import Estate
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
RULE = "acm-certificate-not-expiring"


def test_the_certificate_due_in_ten_days_fails_and_the_portal_passes(
        demo_run: Run, estate: Estate) -> None:
    results = {r.resource_name: r for r in demo_run.evaluation.results if r.rule_id == RULE}
    assert results["portal-1.northbridgehealth.example"].status is Status.PASS
    assert results["portal-2.northbridgehealth.example"].status is Status.PASS
    due = results["scheduling-2.northbridgehealth.example"]
    assert due.status is Status.FAIL
    not_after = estate.seeded_at + dt.timedelta(days=10)
    evaluated_at = dt.datetime.fromisoformat(demo_run.manifest["evaluated_at"])
    certificate_id = due.resource_id.rsplit("/", 1)[-1]
    assert due.message.startswith(
        f"certificate for scheduling-2.northbridgehealth.example ({certificate_id}, IMPORTED, "
        f"ISSUED) is valid until {not_after.date().isoformat()}: "
        f"{(not_after.replace(microsecond=0) - evaluated_at).days} days left, the minimum is "
        "30; used by: none")
    # the end of validity, and the listing's in-use flag and status that put it in scope
    assert sorted((r.file.rsplit("/", 1)[-1].split(".")[0], r.pointer)
                  for r in due.records) == [
        ("DescribeCertificate", "/response/Certificate/NotAfter"),
        ("ListCertificates", "/response/CertificateSummaryList/1/InUse"),
        ("ListCertificates", "/response/CertificateSummaryList/1/Status")]


def test_a_denied_describe_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.ACM, "DescribeCertificate",
                                        RULE)
    assert len(results) == 2 and all(r.status is Status.ERROR for r in results)
    assert all("acm:DescribeCertificate" in r.message and code in r.message for r in results)
