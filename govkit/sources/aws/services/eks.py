"""EKS: every cluster, each described for its secrets encryption and its API endpoint's
access (the listing names clusters only). Tags are not read: the rules judge every cluster."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: per_item(scope, "eks", "list_clusters", "clusters",
                             lambda eks, name: eks.call("describe_cluster", name=name))]
