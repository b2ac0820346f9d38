"""RDS: instances, clusters, and manual snapshots with their restore permissions."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _list(scope, "describe_db_instances"),
            lambda: _list(scope, "describe_db_clusters"),
            lambda: _snapshots(scope, "describe_db_snapshots", "DBSnapshots",
                               "DBSnapshotIdentifier", "describe_db_snapshot_attributes"),
            lambda: _snapshots(scope, "describe_db_cluster_snapshots", "DBClusterSnapshots",
                               "DBClusterSnapshotIdentifier",
                               "describe_db_cluster_snapshot_attributes")]


def _list(scope: ServiceScope, method: str) -> None:
    scope.caller("rds").record_all(method)


def _snapshots(scope: ServiceScope, method: str, key: str, id_key: str,
               attributes_method: str) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller("rds").pages(method):
        if not page.ok:
            break
        for snapshot in page.response.get(key) or []:
            # only manual snapshots can be shared; automated ones never are
            if snapshot.get("SnapshotType", "manual") == "manual":
                tasks.append(_attributes_task(scope, attributes_method, id_key,
                                              snapshot[id_key]))
    return tasks


def _attributes_task(scope: ServiceScope, method: str, id_key: str, snapshot_id: str) -> Task:
    def run() -> None:
        scope.caller("rds").call(method, **{id_key: snapshot_id})
    return run
