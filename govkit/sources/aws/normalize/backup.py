"""AWS Backup: vaults (``aws.backup.vault``) with their lock, minimum retention, encryption
key and tags; plans (``aws.backup.plan``) with each rule's target vault and retention; and,
per account and region, the plans that exist there (``aws.backup.regional_settings``).

ListBackupVaults carries each vault's lock state and key, so vaults are not described one by
one; a vault the listing gives no ``Locked`` for is read as unlocked, as AWS documents the
flag. A plan rule without ``Lifecycle.DeleteAfterDays`` keeps its recovery points until
someone deletes them: its retention is null, not zero."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import Coverage, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, apply_optional, failure, listing_coverage, ref, regional_settings,
    unread)
from govkit.sources.aws.normalize.kms import key_directory
from govkit.sources.interface import NormalizeContext
from govkit.snapshot import CallRecord, Snapshot

VAULT, PLAN, SETTINGS = "aws.backup.vault", "aws.backup.plan", "aws.backup.regional_settings"
VAULT_FIELDS = ("VaultType", "VaultState", "EncryptionKeyArn", "MinRetentionDays",
                "MaxRetentionDays", "LockDate", "NumberOfRecoveryPoints", "CreationDate")


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "backup"):
        records = RecordSet(snapshot, "backup", account)
        yield from _vaults(snapshot, ctx, records, account)
        yield from _plans(records, account)
        for region, pages in sorted(records.pages_by_region("ListBackupPlans").items()):
            yield from _settings(pages, account, region)


def _vaults(snapshot: Snapshot, ctx: NormalizeContext, records: RecordSet, account: str
            ) -> Iterator[Resource | Coverage]:
    pages = records.of("ListBackupVaults")
    yield from listing_coverage(pages, VAULT)
    tags = records.by_param("ListTags", "ResourceArn")
    keys = key_directory(snapshot, ctx, account)
    for page in pages:
        region = page.entry.region
        for index, vault in enumerate(page.response.get("BackupVaultList") or []):
            arn = str(vault.get("BackupVaultArn"))
            entry = ref(page, "BackupVaultList", index)
            builder = ResourceBuilder(id=arn, type=VAULT, account=account, region=region,
                                      name=str(vault.get("BackupVaultName")), item=entry)
            for key in VAULT_FIELDS:
                builder.set(key, vault.get(key), ref(page, "BackupVaultList", index, key))
            builder.set("Locked", bool(vault.get("Locked")),
                        ref(page, "BackupVaultList", index, "Locked"))
            keys.set_manager(builder, vault.get("EncryptionKeyArn"), region,
                             ref(page, "BackupVaultList", index, "EncryptionKeyArn"))
            record = tags.get(arn)
            if record is not None and record.entry.ok:
                builder.set_tags({str(k): str(v) for k, v in
                                  (record.response.get("Tags") or {}).items()},
                                 ref(record, "Tags"))
            else:
                builder.fail("Tags", failure(record) if record is not None else unread(
                    page, f"vault {arn} was listed but its tags were not read",
                    "BackupVaultList", index))
            yield builder.build()


def _plans(records: RecordSet, account: str) -> Iterator[Resource | Coverage]:
    pages = records.of("ListBackupPlans")
    yield from listing_coverage(pages, PLAN)
    details = records.by_param("GetBackupPlan", "BackupPlanId")
    for page in pages:
        for index, plan in enumerate(page.response.get("BackupPlansList") or []):
            plan_id = str(plan.get("BackupPlanId"))
            entry = ref(page, "BackupPlansList", index)
            builder = ResourceBuilder(id=str(plan.get("BackupPlanArn")), type=PLAN,
                                      account=account, region=page.entry.region,
                                      name=str(plan.get("BackupPlanName")), item=entry)
            builder.update({"BackupPlanId": plan_id, "VersionId": plan.get("VersionId"),
                            "CreationDate": plan.get("CreationDate")}, entry)
            apply_optional(builder, "Rules", details.get(plan_id), _rules,
                           unread(page, f"backup plan {plan_id} was listed but not read",
                                  "BackupPlansList", index),
                           at=("BackupPlan", "Rules"))
            # tags are not collected: no rule scopes plans by tag (the build marks Tags unknown)
            yield builder.build()


def _rules(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = (response.get("BackupPlan") or {}).get("Rules") or []
    return [{"RuleName": rule.get("RuleName"),
             "TargetBackupVaultName": rule.get("TargetBackupVaultName"),
             "ScheduleExpression": rule.get("ScheduleExpression"),
             "DeleteAfterDays": (rule.get("Lifecycle") or {}).get("DeleteAfterDays"),
             "CopiesToOtherVaults": len(rule.get("CopyActions") or [])}
            for rule in rules]


def _settings(pages: list[CallRecord], account: str, region: str
              ) -> Iterator[Resource | Coverage]:
    coverage, builder = regional_settings(SETTINGS, "backup", account, region,
                                          pages[0].entry.file)
    yield coverage
    failed = next((p for p in pages if not p.entry.ok), None)
    if failed is not None:
        builder.fail("BackupPlans", failure(failed))
    else:
        builder.set("BackupPlans", sorted(str(plan.get("BackupPlanName")) for page in pages
                                          for plan in page.response.get("BackupPlansList") or []),
                    [ref(page, "BackupPlansList") for page in pages])
    yield builder.build()
