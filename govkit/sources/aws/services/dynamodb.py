"""DynamoDB: each table's encryption, point-in-time recovery and tags."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _tables(scope)]


def _tables(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller("dynamodb").pages("list_tables"):
        if not page.ok:
            break
        tasks.extend(table_task(scope, name) for name in page.response.get("TableNames") or [])
    return tasks


def table_task(scope: ServiceScope, name: str) -> Task:
    """Read one table: its description, point-in-time recovery and tags."""
    def run() -> None:
        described = scope.caller("dynamodb").call("describe_table", TableName=name)
        continuous_backups(scope, name)
        if described.ok:
            arn = described.response.get("Table", {}).get("TableArn")
            if arn:
                tags(scope, arn)
    return run


def continuous_backups(scope: ServiceScope, name: str) -> None:
    scope.caller("dynamodb").call("describe_continuous_backups", TableName=name)


def tags(scope: ServiceScope, arn: str) -> None:
    scope.caller("dynamodb").call("list_tags_of_resource", ResourceArn=arn)
