"""DynamoDB Accelerator (DAX): every cluster with its encryption settings (DescribeClusters
carries them all). Tags are not read: the rules judge every cluster."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: scope.caller("dax").record_all("describe_clusters")]
