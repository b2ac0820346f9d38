"""SNS topics (``aws.sns.topic``): the KMS key that encrypts their messages at rest.

GetTopicAttributes leaves ``KmsMasterKeyId`` out for a topic without server-side encryption;
it is read as null."""

from __future__ import annotations

from collections.abc import Iterator

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, ref, unread)
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import Snapshot

TOPIC = "aws.sns.topic"
ATTRIBUTES = ("KmsMasterKeyId", "DisplayName", "SubscriptionsConfirmed")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "sns"):
        records = RecordSet(snapshot, "sns", account)
        pages = records.of("ListTopics")
        yield from listing_coverage(pages, TOPIC)
        attributes = records.by_param("GetTopicAttributes", "TopicArn")
        for page in pages:
            for index, topic in enumerate(page.response.get("Topics") or []):
                arn = str(topic.get("TopicArn"))
                builder = ResourceBuilder(id=arn, type=TOPIC, account=account,
                                          region=page.entry.region, name=arn.rsplit(":", 1)[-1])
                record = attributes.get(arn)
                if record is None or not record.entry.ok:
                    reason = failure(record) if record is not None else unread(
                        page, f"topic {arn} was listed but its attributes were not read",
                        "Topics", index)
                    for key in ATTRIBUTES:
                        builder.fail(key, reason)
                    yield builder.build()
                    continue
                found = record.response.get("Attributes") or {}
                for key in ATTRIBUTES:
                    builder.set(key, found.get(key) or None, ref(record, "Attributes", key))
                yield builder.build()
