"""EFS: every file system (encryption, tags) and its backup policy."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _file_systems(scope)]


def _file_systems(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller("efs").pages("describe_file_systems"):
        if not page.ok:
            break
        tasks.extend(_backup_task(scope, fs["FileSystemId"])
                     for fs in page.response.get("FileSystems") or [])
    return tasks


def _backup_task(scope: ServiceScope, file_system_id: str) -> Task:
    def run() -> None:
        scope.caller("efs").call("describe_backup_policy", FileSystemId=file_system_id)
    return run
