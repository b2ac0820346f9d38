"""CloudWatch Logs: every log group with its retention and KMS key (DescribeLogGroups gives
both). Tags are not read: the log-group rules judge every group, PHI or not."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: scope.caller("logs").record_all("describe_log_groups")]
