"""CloudWatch: every metric alarm of the region, for the security-event alarms on the metrics
that CloudTrail's log group filters count."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: scope.caller("cloudwatch").record_all("describe_alarms",
                                                          AlarmTypes=["MetricAlarm"])]
