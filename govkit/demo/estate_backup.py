"""AWS Backup vaults and plans, and ACM certificates, in the demo estate.

Per regional unit (`n` is the unit's cross-region serial):

| resource | settings | rules |
| --- | --- | --- |
| vault `nbh-ehr-backups-n` (phi) | customer managed key, Vault Lock (35 days) | compliant |
| vault `nbh-imaging-backups-n` (phi) | no key of its own, no Vault Lock | violations |
| plan `nbh-phi-daily-n` (home) | daily, kept 35 days; monthly, kept until deleted | compliant |
| plan `nbh-imaging-nightly-n` (home) | nightly to the imaging vault, kept 7 days | violation |
| certificate `portal-n.northbridgehealth.example` | imported, valid 300 more days | compliant |
| certificate `scheduling-n.northbridgehealth.example` | imported, 10 days left | violation |

The second region's units have vaults but no backup plan: the region's planted gap.
Certificates are self-signed, made at seeding time so their validity is relative to it (ACM
refuses to import an expired one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from govkit.demo.estate_base import (
    Counts, SeedContext, UnitKeys, classification_tags, phi_tags, tag_list)
from govkit.demo.names import home_region, region_serial

LOCK_MIN_RETENTION_DAYS = 35
DOMAIN = "northbridgehealth.example"
# days each certificate stays valid after seeding: the portal's is fine, scheduling's is due
CERTIFICATE_DAYS_LEFT = {"portal": 300, "scheduling": 10}


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


def seed_unit_certificates(ctx: SeedContext, region: str, unit: int) -> Counts:
    acm = ctx.clients.get("acm", region)
    n = region_serial(ctx.regions, region, unit, ctx.scale)
    for host, days_left in CERTIFICATE_DAYS_LEFT.items():
        certificate, key = _self_signed(f"{host}-{n}.{DOMAIN}", ctx.now,
                                        ctx.now + dt.timedelta(days=days_left))
        acm.import_certificate(Certificate=certificate, PrivateKey=key, Tags=tag_list(
            classification_tags("internal", application=host)))
    return Counts(acm_certificates=len(CERTIFICATE_DAYS_LEFT))


def _self_signed(domain: str, now: dt.datetime, not_after: dt.datetime) -> tuple[bytes, bytes]:
    """A P-256 certificate for ``domain`` and its private key, both PEM; issued a year before
    ``now`` as a yearly certificate would be."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=365)).not_valid_after(not_after)
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]),
                                  critical=False)
                   .sign(key, hashes.SHA256()))
    return (certificate.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))
