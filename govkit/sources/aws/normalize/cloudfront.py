"""CloudFront distributions (``aws.cloudfront.distribution``, global): the viewer protocol
policy of the default cache behaviour and of every ordered one, as ListDistributions
summarises them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, listing_coverage, ref)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

DISTRIBUTION = "aws.cloudfront.distribution"
DEFAULT_PATH = "Default (*)"  # the default cache behaviour, named as the console names it


def cache_behaviors(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    default = summary.get("DefaultCacheBehavior") or {}
    ordered = (summary.get("CacheBehaviors") or {}).get("Items") or []
    return [{"PathPattern": DEFAULT_PATH,
             "ViewerProtocolPolicy": default.get("ViewerProtocolPolicy")},
            *({"PathPattern": b.get("PathPattern"),
               "ViewerProtocolPolicy": b.get("ViewerProtocolPolicy")} for b in ordered)]


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "cloudfront"):
        pages = RecordSet(snapshot, "cloudfront", account).of("ListDistributions")
        yield from listing_coverage(pages, DISTRIBUTION)
        for page in pages:
            listing = page.response.get("DistributionList") or {}
            for index, summary in enumerate(listing.get("Items") or []):
                at = ("DistributionList", "Items", index)
                builder = ResourceBuilder(id=str(summary.get("ARN")), type=DISTRIBUTION,
                                          account=account, region=page.entry.region,
                                          name=str(summary.get("Id")), item=ref(page, *at))
                for key in ("DomainName", "Enabled", "Comment", "Status"):
                    builder.set(key, summary.get(key), ref(page, *at, key))
                builder.set("Aliases", list((summary.get("Aliases") or {}).get("Items") or []),
                            ref(page, *at, "Aliases"))
                builder.set("CacheBehaviors", cache_behaviors(summary),
                            [ref(page, *at, "DefaultCacheBehavior", "ViewerProtocolPolicy"),
                             ref(page, *at, "CacheBehaviors")])
                yield builder.build()
