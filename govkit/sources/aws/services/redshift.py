"""Redshift: every provisioned cluster (encryption, public access, snapshots, tags) and its
audit logging status."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _clusters(scope)]


def _clusters(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller("redshift").pages("describe_clusters"):
        if not page.ok:
            break
        tasks.extend(_logging_task(scope, cluster["ClusterIdentifier"])
                     for cluster in page.response.get("Clusters") or [])
    return tasks


def _logging_task(scope: ServiceScope, cluster_id: str) -> Task:
    def run() -> None:
        scope.caller("redshift").call("describe_logging_status", ClusterIdentifier=cluster_id)
    return run
