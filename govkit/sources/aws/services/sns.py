"""SNS: every topic and its attributes (the KMS key that encrypts messages at rest).

Tags are not read: the topic rule judges every topic."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: per_item(scope, "sns", "list_topics", "Topics", lambda sns, topic: sns.call(
        "get_topic_attributes", TopicArn=topic["TopicArn"]))]
