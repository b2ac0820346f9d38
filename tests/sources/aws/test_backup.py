"""AWS Backup in the demo estate on a moto server over HTTP: the EHR vault (locked, customer
managed key) and daily plan pass; the imaging vault and its seven-day plan FAIL naming the
vault, the rule and the values seen; the second region, with vaults but no plan, FAILs the
per-region rule; denied reads are ERRORs naming the call, never a pass."""

from __future__ import annotations

from pathlib import Path

from govkit.results import Status
from govkit.run import Run
from govkit.sources.aws.scan import AwsService
from tests.sources.aws.denied import proxy, results_when_denied
from tests.support.faultproxy import FaultProxy

__all__ = ["proxy"]  # fixture
VAULT_RULES = ("backup-phi-vault-locked", "backup-vault-customer-managed-key")


def test_the_imaging_vault_fails_and_the_ehr_vault_passes(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.resource_type == "aws.backup.vault"}
    for rule_id in VAULT_RULES:
        for n in (1, 2):
            assert results[(rule_id, f"nbh-ehr-backups-{n}")].status is Status.PASS
            assert results[(rule_id, f"nbh-imaging-backups-{n}")].status is Status.FAIL
    locked = results[("backup-phi-vault-locked", "nbh-imaging-backups-2")]
    assert locked.message.startswith(
        "backup vault nbh-imaging-backups-2 has no Vault Lock (locked: false, minimum "
        "retention: not set): its 0 recovery point(s) can be deleted")
    locked_at, tagged_at = locked.records  # the lock state, and the tags that scope the rule
    assert "ListBackupVaults" in locked_at.file
    assert locked_at.pointer == "/response/BackupVaultList/1/Locked"
    assert "ListTags" in tagged_at.file and tagged_at.pointer == "/response/Tags"
    key = results[("backup-vault-customer-managed-key", "nbh-imaging-backups-1")]
    assert key.message.startswith("backup vault nbh-imaging-backups-1 is not encrypted with a "
                                  "customer managed key (key: not set, key manager: not set)")


def test_plans_are_judged_rule_by_rule_and_region_by_region(demo_run: Run) -> None:
    results = {(r.rule_id, r.resource_name): r for r in demo_run.evaluation.results
               if r.rule_id in ("backup-plan-min-retention", "backup-plan-in-every-region")}
    assert results[("backup-plan-min-retention", "nbh-phi-daily-1")].status is Status.PASS
    nightly = results[("backup-plan-min-retention", "nbh-imaging-nightly-1")]
    assert nightly.status is Status.FAIL
    assert nightly.message.startswith(
        "rule nightly (vault nbh-imaging-backups-1): deletes recovery points after 7 days; "
        "the minimum is 35 days")
    assert [r.pointer for r in nightly.records] == ["/response/BackupPlan/Rules"]
    home = results[("backup-plan-in-every-region", "123456789012/us-east-1")]
    second = results[("backup-plan-in-every-region", "123456789012/us-west-2")]
    assert home.status is Status.PASS
    assert second.status is Status.FAIL
    assert second.message.startswith("no AWS Backup plan exists in us-west-2 (plans: none)")


def test_denied_vault_tags_are_an_error_of_the_phi_rule(proxy: FaultProxy,
                                                        tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.BACKUP, "ListTags",
                                        "backup-phi-vault-locked")
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("backup:ListTags" in r.message and code in r.message for r in results)


def test_a_denied_plan_read_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.BACKUP, "GetBackupPlan",
                                        "backup-plan-min-retention")
    assert results and all(r.status is Status.ERROR for r in results)
    assert all("backup:GetBackupPlan" in r.message and code in r.message for r in results)


def test_a_denied_plan_listing_is_an_error_of_the_region(proxy: FaultProxy,
                                                         tmp_path: Path) -> None:
    code, results = results_when_denied(proxy, tmp_path, AwsService.BACKUP, "ListBackupPlans",
                                        "backup-plan-in-every-region")
    assert [r.status for r in results] == [Status.ERROR]
    assert "backup:ListBackupPlans" in results[0].message and code in results[0].message
