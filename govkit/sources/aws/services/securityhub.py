"""Security Hub: whether the account is subscribed in the region (DescribeHub).

An account that never enabled Security Hub answers DescribeHub with InvalidAccessException
("not subscribed"): that is the setting, not a failed call (see normalize.common)."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _hub(scope)]


def _hub(scope: ServiceScope) -> None:
    scope.caller("securityhub").call("describe_hub")
