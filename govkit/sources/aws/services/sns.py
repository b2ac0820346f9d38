"""SNS: every topic and its attributes (the KMS key that encrypts messages at rest).

Tags are not read: the topic rule judges every topic."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _topics(scope)]


def _topics(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller("sns").pages("list_topics"):
        if not page.ok:
            break
        tasks.extend(_attributes_task(scope, topic["TopicArn"])
                     for topic in page.response.get("Topics") or [])
    return tasks


def _attributes_task(scope: ServiceScope, arn: str) -> Task:
    def run() -> None:
        scope.caller("sns").call("get_topic_attributes", TopicArn=arn)
    return run
