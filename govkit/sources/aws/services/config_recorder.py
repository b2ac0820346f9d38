"""AWS Config: the region's configuration recorders, what they record, and whether they are
recording. (Reading resources out of Config instead of the services' own APIs is
govkit.sources.aws.awsconfig.)"""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _recorders(scope)]


def _recorders(scope: ServiceScope) -> None:
    config = scope.caller("config")
    config.call("describe_configuration_recorders")
    config.call("describe_configuration_recorder_status")
