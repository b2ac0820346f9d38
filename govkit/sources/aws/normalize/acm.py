"""ACM certificates (``aws.acm.certificate``): domain, status, type, whether and by what the
certificate is used, and its validity period.

The listing says whether a certificate is in use; DescribeCertificate gives its end of
validity (NotAfter) and the resources using it (InUseBy). A certificate listed but not
described leaves both unknown. Tags are not collected: no rule scopes certificates by tag,
and a certificate keeps no patient data."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, ref, unread)
from govkit.sources.aws.normalize.described import by_region_and_name, set_described
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

CERTIFICATE = "aws.acm.certificate"
LISTED = ("Status", "Type", "InUse", "KeyAlgorithm", "RenewalEligibility")
DESCRIBED = {key: (key,) for key in ("NotAfter", "NotBefore", "InUseBy")}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "acm"):
        records = RecordSet(snapshot, "acm", account)
        pages = records.of("ListCertificates")
        yield from listing_coverage(pages, CERTIFICATE)
        described = by_region_and_name(records, "DescribeCertificate", "CertificateArn")
        for page in pages:
            for index, summary in enumerate(page.response.get("CertificateSummaryList") or []):
                arn = str(summary.get("CertificateArn"))
                entry = ref(page, "CertificateSummaryList", index)
                domain = summary.get("DomainName")
                builder = ResourceBuilder(id=arn, type=CERTIFICATE, account=account,
                                          region=page.entry.region,
                                          name=str(domain or arn), item=entry)
                builder.set("DomainName", domain,
                            ref(page, "CertificateSummaryList", index, "DomainName"))
                builder.set("CertificateId", arn.rsplit("/", 1)[-1],
                            ref(page, "CertificateSummaryList", index, "CertificateArn"))
                for key in LISTED:
                    builder.set(key, summary.get(key),
                                ref(page, "CertificateSummaryList", index, key))
                missing = unread(page, f"certificate {arn} was listed but not described",
                                 "CertificateSummaryList", index)
                set_described(builder, described.get((page.entry.region, arn)),
                              ("Certificate",), missing, DESCRIBED)
                # tags are not collected (the build marks Tags unknown)
                yield builder.build()
