"""AppStream 2.0: stacks (user settings, storage connectors), fleets (session limits, USB
redirection), image builders (internet access), which fleet serves each stack, the user-pool
users entitled to each stack, and the tags of all three.

Per stack: ListAssociatedFleets, DescribeUserStackAssociations (user pool; SAML users are not
associated with stacks in AppStream) and ListTagsForResource; per fleet and per image builder:
ListTagsForResource.
Each runs as its own task, so they spread over the pool with every other service's calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govkit.sources.aws.tasks import ServiceScope, Task

SERVICE = "appstream"


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _stacks(scope), lambda: _fleets(scope), lambda: _image_builders(scope)]


def _stacks(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller(SERVICE).pages("describe_stacks"):
        if not page.ok:
            break
        for stack in page.response.get("Stacks") or []:
            name, arn = stack["Name"], stack["Arn"]
            tasks += [_task(scope, "list_associated_fleets", StackName=name),
                      _task(scope, "describe_user_stack_associations", StackName=name,
                            AuthenticationType="USERPOOL"),
                      _task(scope, "list_tags_for_resource", ResourceArn=arn)]
    return tasks


def _fleets(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller(SERVICE).pages("describe_fleets"):
        if not page.ok:
            break
        tasks += [_task(scope, "list_tags_for_resource", ResourceArn=fleet["Arn"])
                  for fleet in page.response.get("Fleets") or []]
    return tasks


def _image_builders(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller(SERVICE).pages("describe_image_builders"):
        if not page.ok:
            break
        tasks += [_task(scope, "list_tags_for_resource", ResourceArn=builder["Arn"])
                  for builder in page.response.get("ImageBuilders") or []]
    return tasks


def _task(scope: ServiceScope, method: str, **params: Any) -> Task:
    def run() -> None:
        scope.caller(SERVICE).record_all(method, **params)
    return run
