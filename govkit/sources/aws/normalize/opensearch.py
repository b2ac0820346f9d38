"""OpenSearch Service domains (``aws.opensearch.domain``): encryption at rest and its key,
node-to-node encryption and whether the endpoint requires HTTPS, as DescribeDomains gives
them for each domain ListDomainNames names."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, partition, ref, unread)
from govkit.sources.aws.normalize.described import by_region_and_name, index_of, set_described
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

DOMAIN = "aws.opensearch.domain"
FIELDS = {
    "EngineVersion": ("EngineVersion",),
    "EncryptionAtRest": ("EncryptionAtRestOptions", "Enabled"),
    "KmsKeyId": ("EncryptionAtRestOptions", "KmsKeyId"),
    "NodeToNodeEncryption": ("NodeToNodeEncryptionOptions", "Enabled"),
    "EnforceHTTPS": ("DomainEndpointOptions", "EnforceHTTPS"),
    "TLSSecurityPolicy": ("DomainEndpointOptions", "TLSSecurityPolicy"),
}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "opensearch"):
        records = RecordSet(snapshot, "opensearch", account)
        pages = records.of("ListDomainNames")
        yield from listing_coverage(pages, DOMAIN)
        described = by_region_and_name(records, "DescribeDomains", "DomainNames")
        for page in pages:
            region = page.entry.region
            for index, domain in enumerate(page.response.get("DomainNames") or []):
                name = str(domain.get("DomainName"))
                builder = ResourceBuilder(
                    id=f"arn:{partition(region)}:es:{region}:{account}:domain/{name}",
                    type=DOMAIN, account=account, region=region, name=name,
                    item=ref(page, "DomainNames", index))
                builder.set("EngineType", domain.get("EngineType"),
                            ref(page, "DomainNames", index, "EngineType"))
                record = described.get((region, name))
                statuses = record.response.get("DomainStatusList") if record else None
                set_described(builder, record,
                              ("DomainStatusList", index_of(statuses, "DomainName", name)),
                              unread(page, f"domain {name} was listed but not described",
                                     "DomainNames", index), FIELDS)
                yield builder.build()
