"""CloudWatch Logs: every log group with its retention and KMS key (DescribeLogGroups gives
both), and every metric filter (the security-event alarms read those on the log groups
CloudTrail delivers to). Tags are not read: the log-group rules judge every group, PHI or
not."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: scope.caller("logs").record_all("describe_log_groups"),
            lambda: scope.caller("logs").record_all("describe_metric_filters")]
