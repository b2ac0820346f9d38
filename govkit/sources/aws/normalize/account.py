"""The ``aws.account`` resource: settings that belong to an account rather than a resource.

Root user MFA and keys (credential report, or the account summary when the report has no root
row), the password policy, the account-level S3 public access block, and the account's
CloudTrail trails across all scanned regions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govkit.inventory.model import CallFailure, Resource, ResourceBuilder
from govkit.sources.aws.normalize.common import (
    RecordSet, apply_optional, failure, not_collected, ref, report_value)
from govkit.sources.interface import NormalizeContext
from govkit.sources.aws.normalize.credential_report import CredentialReport
from govkit.sources.aws.normalize.trails import trail_directory, trail_summaries
from govkit.snapshot import GLOBAL_REGION, Snapshot


def account_resource(records: RecordSet, account: str, snapshot: Snapshot,
                     ctx: NormalizeContext, *, root_row: Mapping[str, str] | None,
                     report: CredentialReport) -> Resource:
    builder = ResourceBuilder(id=f"arn:aws:iam::{account}:root", type="aws.account",
                              account=account, region=GLOBAL_REGION, name=account)
    policies = records.of("GetAccountPasswordPolicy")
    apply_optional(builder, "PasswordPolicy", policies[-1] if policies else None,
                   lambda r: r.get("PasswordPolicy"),
                   not_collected("iam:GetAccountPasswordPolicy", "password policy not read"),
                   at=("PasswordPolicy",))
    _root(builder, records, root_row, report)
    s3control = RecordSet(snapshot, "s3control", account).of("GetPublicAccessBlock")
    apply_optional(builder, "S3PublicAccessBlock", s3control[-1] if s3control else None,
                   lambda r: r.get("PublicAccessBlockConfiguration"),
                   not_collected("s3control:GetPublicAccessBlock",
                                 "account public access block not read"),
                   at=("PublicAccessBlockConfiguration",))
    trails, trail_failure, trail_refs = trail_summaries(trail_directory(snapshot, ctx,
                                                                        account))
    if trail_failure is not None:
        builder.fail("Trails", trail_failure)
    elif trail_refs:
        builder.set("Trails", trails, trail_refs)
    return builder.build()


def _root(builder: ResourceBuilder, records: RecordSet, row: Mapping[str, str] | None,
          report: CredentialReport) -> None:
    summaries = records.of("GetAccountSummary")
    devices = records.of("ListVirtualMFADevices")
    root_devices = [ref(page, "VirtualMFADevices", index) for page in devices if page.entry.ok
                    for index, d in enumerate(page.response.get("VirtualMFADevices") or [])
                    if str((d.get("User") or {}).get("Arn", "")).endswith(":root")]
    if row is not None and report.file is not None:
        facts: dict[str, Any] = {
            "RootMfaEnabled": row.get("mfa_active") == "true",
            "RootAccessKeysPresent": "true" in (row.get("access_key_1_active"),
                                                row.get("access_key_2_active")),
            "RootPasswordLastUsed": report_value(row.get("password_last_used")),
        }
        builder.update(facts, report.ref_of(row))
        builder.note(facts, report.note)
    elif summaries and summaries[-1].entry.ok:
        summary = summaries[-1].response.get("SummaryMap", {})
        for key, entry in (("RootMfaEnabled", "AccountMFAEnabled"),
                           ("RootAccessKeysPresent", "AccountAccessKeysPresent")):
            builder.set(key, summary.get(entry) == 1, ref(summaries[-1], "SummaryMap", entry))
    else:
        reason = (failure(summaries[-1]) if summaries else report.failure) or CallFailure(
            call="iam:GetAccountSummary", operation="iam:GetAccountSummary",
            code="NotCollected", message="neither the credential report nor the account "
            "summary was read", file="")
        builder.fail("RootMfaEnabled", reason).fail("RootAccessKeysPresent", reason)
    if devices and all(d.entry.ok for d in devices) and "RootMfaEnabled" in builder.attributes:
        mfa = builder.attributes["RootMfaEnabled"]
        builder.set("RootMfaType", None if not mfa else "virtual" if root_devices
                    else "hardware", [*builder.sources["RootMfaEnabled"],
                                      *(root_devices or [ref(d, "VirtualMFADevices")
                                                         for d in devices])])
    elif devices and any(not d.entry.ok for d in devices):
        builder.fail("RootMfaType", failure(next(d for d in devices if not d.entry.ok)))
    elif "RootMfaEnabled" in builder.failures:
        builder.fail("RootMfaType", builder.failures["RootMfaEnabled"])
    else:
        builder.fail("RootMfaType", not_collected("iam:ListVirtualMFADevices",
                                                  "MFA devices not read"))
