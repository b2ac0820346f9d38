"""AWS Backup and ACM in the demo estate.

Per regional unit (`n` is the unit's cross-region serial):

| resource | settings | rules |
| --- | --- | --- |
| vault `nbh-ehr-backups-n` (phi) | customer managed key, Vault Lock (35 days) | compliant |
| vault `nbh-imaging-backups-n` (phi) | no key of its own, no Vault Lock | violations |
| plan `nbh-phi-daily-n` (home) | daily, kept 35 days; monthly, kept until deleted | compliant |
| plan `nbh-imaging-nightly-n` (home) | nightly to the imaging vault, kept 7 days | violation |

The second region's units have vaults but no backup plan: the region's planted gap.
"""

from __future__ import annotations

from typing import Any

from govkit.demo.estate_base import Counts, SeedContext, UnitKeys, classification_tags, phi_tags
from govkit.demo.names import home_region, region_serial

LOCK_MIN_RETENTION_DAYS = 35


def seed_unit_backup(ctx: SeedContext, region: str, unit: int, keys: UnitKeys) -> Counts:
    backup = ctx.clients.get("backup", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    ehr, imaging = f"nbh-ehr-backups-{n}", f"nbh-imaging-backups-{n}"
    backup.create_backup_vault(BackupVaultName=ehr, EncryptionKeyArn=keys.rds,
                               BackupVaultTags=phi_tags(application="ehr"))
    backup.put_backup_vault_lock_configuration(BackupVaultName=ehr,
                                               MinRetentionDays=LOCK_MIN_RETENTION_DAYS)
    backup.create_backup_vault(BackupVaultName=imaging,
                               BackupVaultTags=phi_tags(application="imaging"))
    if region != home_region(ctx.regions):
        return Counts(backup_vaults=2)
    backup.create_backup_plan(BackupPlan={"BackupPlanName": f"nbh-phi-daily-{n}", "Rules": [
        _rule("daily", ehr, "cron(0 5 ? * * *)", 35),
        _rule("monthly", ehr, "cron(0 6 1 * ? *)", None)]},
        BackupPlanTags=classification_tags("internal", application="ehr"))
    backup.create_backup_plan(BackupPlan={"BackupPlanName": f"nbh-imaging-nightly-{n}",
                                          "Rules": [_rule("nightly", imaging,
                                                          "cron(0 3 ? * * *)", 7)]},
                              BackupPlanTags=classification_tags("internal",
                                                                 application="imaging"))
    return Counts(backup_vaults=2, backup_plans=2)


def _rule(name: str, vault: str, schedule: str, keep_days: int | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"RuleName": name, "TargetBackupVaultName": vault,
                            "ScheduleExpression": schedule}
    if keep_days is not None:
        rule["Lifecycle"] = {"DeleteAfterDays": keep_days}
    return rule
