"""AWS Backup: the region's backup vaults (lock and encryption key come with the listing)
with their tags, and its backup plans, each read for its rules' retention."""

from __future__ import annotations

from collections.abc import Iterable

from govkit.sources.aws.tasks import ServiceScope, Task, per_item


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [
        lambda: per_item(scope, "backup", "list_backup_vaults", "BackupVaultList",
                         lambda backup, vault: backup.call(
                             "list_tags", ResourceArn=vault["BackupVaultArn"])),
        lambda: per_item(scope, "backup", "list_backup_plans", "BackupPlansList",
                         lambda backup, plan: backup.call(
                             "get_backup_plan", BackupPlanId=plan["BackupPlanId"])),
    ]
