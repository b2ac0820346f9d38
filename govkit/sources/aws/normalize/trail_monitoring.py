"""What an account's CloudTrail trails record and alert on (``aws.cloudtrail.monitoring``):
one resource per account, judged by the rules that ask whether any trail does something
(records Bedrock's calls, feeds an alarm on root use).

It holds the account's trails (as ``aws.account`` lists them), the metric filters on the log
groups the trails deliver to with the alarms on their metrics (``trail_alarms``), and which
trails record Amazon Bedrock API calls (``bedrock_logging``). Organisation trails of other
scanned accounts (the management account's) count for the accounts they log, as they do for
S3 data events. These are a resource of their
own, not attributes of ``aws.account``, so that the records they are read from are evidence
of these rules only.
"""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.bedrock_logging import bedrock_logging
from govkit.sources.aws.normalize.common import accounts_of, partition
from govkit.sources.aws.normalize.trail_alarms import trail_alarms
from govkit.sources.aws.normalize.trails import (
    organization_trails, trail_directory, trail_summaries)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import GLOBAL_REGION, Snapshot

MONITORING = "aws.cloudtrail.monitoring"


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "cloudtrail"):
        directory = trail_directory(snapshot, ctx, account)
        yield Coverage(type=MONITORING, account=account, region=GLOBAL_REGION)
        listed_in = directory.listings[0].entry.region if directory.listings else ""
        builder = ResourceBuilder(
            id=f"arn:{partition(listed_in)}:cloudtrail::{account}:monitoring", type=MONITORING,
            account=account, region=GLOBAL_REGION, name=account)
        organization = [t for t in organization_trails(snapshot, ctx)
                        if t not in directory.trails]
        for key, (value, failed, refs) in (
                ("Trails", trail_summaries(directory)),
                ("TrailAlarms", trail_alarms(snapshot, directory, organization)),
                ("BedrockLogging", bedrock_logging(directory, organization))):
            if failed is not None:
                builder.fail(key, failed)
            else:
                builder.set(key, value, refs or directory.listing_refs())
        # tags are not collected: no rule scopes this resource by tag (the build marks them
        # unknown)
        yield builder.build()
