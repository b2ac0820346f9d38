"""ACM certificates of the demo estate on a moto server over HTTP: the scheduling
certificate, ten days from expiry at seeding, FAILs naming its domain, id, end date and the
days left against the minimum; the portal's, valid for 300 more days, passes; a denied
describe is an ERROR naming the call, never a pass."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from govkit.demo.names import DEMO_ACCOUNT
from govkit.inventory.model import Resource
from govkit.results import Status
from govkit.run import Run
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import acm
from govkit.sources.aws.scan import AwsService
from govkit.sources.interface import NormalizeContext
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


def _record(writer: SnapshotWriter, operation: str, params: dict[str, Any],
            response: dict[str, Any]) -> None:
    writer.record(account=DEMO_ACCOUNT, region="us-east-1", service="acm", operation=operation,
                  params=params, response=response, started_at=dt.datetime.now(dt.UTC),
                  duration_ms=1)


def test_a_description_without_the_certificate_is_an_error(tmp_path: Path) -> None:
    """An answer to DescribeCertificate that holds no certificate says nothing of its end of
    validity or its users: both fail naming the call, never read as null."""
    writer = SnapshotWriter(tmp_path)
    arn = f"arn:aws:acm:us-east-1:{DEMO_ACCOUNT}:certificate/1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
    _record(writer, "ListCertificates", {},
            {"CertificateSummaryList": [{"CertificateArn": arn, "InUse": True,
                                         "DomainName": "fax.northbridgehealth.example",
                                         "Status": "ISSUED", "Type": "AMAZON_ISSUED"}]})
    _record(writer, "DescribeCertificate", {"CertificateArn": arn}, {})
    writer.write_index()
    [certificate] = [r for r in acm.normalize(Snapshot.open(tmp_path), NormalizeContext(
        own_accounts=frozenset({DEMO_ACCOUNT}))) if isinstance(r, Resource)]
    assert "NotAfter" not in certificate.attributes and "InUseBy" not in certificate.attributes
    for key in ("NotAfter", "NotBefore", "InUseBy"):
        failed = certificate.failures[key]
        assert failed.operation == "acm:DescribeCertificate", key
        assert "the answer does not describe fax.northbridgehealth.example" in failed.message
