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
    return [lambda: _stacks(scope), lambda: _tags_of(scope, "describe_fleets", "Fleets"),
            lambda: _tags_of(scope, "describe_image_builders", "ImageBuilders")]


def _stacks(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for stack in _listed(scope, "describe_stacks", "Stacks"):
        name, arn = stack["Name"], stack["Arn"]
        tasks += [_task(scope, "list_associated_fleets", StackName=name),
                  _task(scope, "describe_user_stack_associations", StackName=name,
                        AuthenticationType="USERPOOL"),
                  _task(scope, "list_tags_for_resource", ResourceArn=arn)]
    return tasks


def _tags_of(scope: ServiceScope, method: str, key: str) -> Iterable[Task]:
    """A task reading the tags of each fleet or image builder ``method`` lists."""
    return [_task(scope, "list_tags_for_resource", ResourceArn=item["Arn"])
            for item in _listed(scope, method, key)]


def _listed(scope: ServiceScope, method: str, key: str) -> list[Any]:
    """The items of every page up to a failed one (recorded: the normaliser reports it)."""
    items, _ = scope.caller(SERVICE).all_pages_ok(method, key)
    return items


def _task(scope: ServiceScope, method: str, **params: Any) -> Task:
    def run() -> None:
        scope.caller(SERVICE).record_all(method, **params)
    return run
