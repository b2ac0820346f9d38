"""EFS: every file system (encryption, tags) and its backup policy."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: per_item(scope, "efs", "describe_file_systems", "FileSystems",
                             lambda efs, fs: efs.call("describe_backup_policy",
                                                      FileSystemId=fs["FileSystemId"]))]
