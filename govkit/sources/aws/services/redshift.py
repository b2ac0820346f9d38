"""Redshift: every provisioned cluster (encryption, public access, snapshots, tags) and its
audit logging status."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: per_item(scope, "redshift", "describe_clusters", "Clusters",
                             lambda redshift, cluster: redshift.call(
                                 "describe_logging_status",
                                 ClusterIdentifier=cluster["ClusterIdentifier"]))]
