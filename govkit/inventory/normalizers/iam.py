"""IAM users, groups, roles and customer policies, plus the account's root and password policy.

Admin-equivalence is computed over everything that reaches a principal: attached managed
policies (customer and AWS managed), inline policies and, for users, their groups' policies.
Credential facts (passwords, keys, MFA) come from the credential report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govkit.inventory.model import CallFailure, Coverage, Resource, ResourceBuilder
from govkit.inventory.normalizers.account import account_resource
from govkit.inventory.normalizers.common import (
    NormalizeContext, RecordSet, accounts_of, failure, listing_coverage, parse_policy,
    report_value, tags_from_list)
from govkit.inventory.normalizers.credential_report import (
    CREDENTIAL_FIELDS, CredentialReport, credential_report)
from govkit.inventory.normalizers.policy_analysis import grants_admin, trust_summary
from govkit.snapshot import GLOBAL_REGION, Snapshot

PRINCIPAL_TYPES = {"UserDetailList": "aws.iam.user", "GroupDetailList": "aws.iam.group",
                   "RoleDetailList": "aws.iam.role"}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "iam"):
        records = RecordSet(snapshot, "iam", account)
        yield from _principals(records, account, ctx)
        yield from _account(records, account, snapshot, ctx)


def _credentials(row: Mapping[str, str]) -> dict[str, Any]:
    keys = []
    for slot in (1, 2):
        active = row.get(f"access_key_{slot}_active") == "true"
        rotated = report_value(row.get(f"access_key_{slot}_last_rotated"))
        if active or rotated:
            used = report_value(row.get(f"access_key_{slot}_last_used_date"))
            keys.append({"Slot": slot, "Active": active, "LastRotated": rotated,
                         "LastUsedDate": used})
    return {
        "PasswordEnabled": row.get("password_enabled") == "true",
        "PasswordLastUsed": report_value(row.get("password_last_used")),
        "PasswordLastChanged": report_value(row.get("password_last_changed")),
        "MfaActive": row.get("mfa_active") == "true",
        "AccessKeys": keys,
        "ActiveAccessKeys": [k for k in keys if k["Active"]],
    }


def _policy_documents(records: RecordSet) -> tuple[dict[str, Any], dict[str, CallFailure],
                                                    dict[str, str]]:
    """Default-version documents by policy ARN, failures for the ones that could not be read."""
    documents: dict[str, Any] = {}
    sources: dict[str, str] = {}
    failed: dict[str, CallFailure] = {}
    for page in records.of("GetAccountAuthorizationDetails"):
        for policy in page.response.get("Policies") or []:
            for version in policy.get("PolicyVersionList") or []:
                if version.get("IsDefaultVersion"):
                    documents[policy["Arn"]] = parse_policy(version.get("Document"))
                    sources[policy["Arn"]] = page.entry.file
    for operation in ("GetPolicy", "GetPolicyVersion"):
        for arn, record in records.by_param(operation, "PolicyArn").items():
            if not record.entry.ok:
                failed[arn] = failure(record)
            elif operation == "GetPolicyVersion":
                version = record.response.get("PolicyVersion", {})
                documents[arn] = parse_policy(version.get("Document"))
                sources[arn] = record.entry.file
    return documents, failed, sources


def _admin_policies(principal: Mapping[str, Any], inline_key: str,
                    documents: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Names of admin-granting policies, and ARNs of attached policies we could not read."""
    admin, unknown = [], []
    for attached in principal.get("AttachedManagedPolicies") or []:
        arn = attached.get("PolicyArn", "")
        if arn not in documents:
            unknown.append(arn)
        elif grants_admin(documents[arn]):
            admin.append(attached.get("PolicyName") or arn.rsplit("/", 1)[-1])
    for inline in principal.get(inline_key) or []:
        if grants_admin(parse_policy(inline.get("PolicyDocument"))):
            admin.append(f"{inline.get('PolicyName')} (inline)")
    return admin, unknown


_INLINE_KEY = {"UserDetailList": "UserPolicyList", "GroupDetailList": "GroupPolicyList",
               "RoleDetailList": "RolePolicyList"}


def _principals(records: RecordSet, account: str,
                ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    pages = records.of("GetAccountAuthorizationDetails")
    for resource_type in sorted(set(PRINCIPAL_TYPES.values())):
        yield from listing_coverage(pages, resource_type)
    if not pages or not all(p.entry.ok for p in pages):
        return
    documents, policy_failures, _ = _policy_documents(records)
    report = credential_report(records, ctx)
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for page in pages:
        for group in page.response.get("GroupDetailList") or []:
            groups[group["GroupName"]] = _admin_policies(group, "GroupPolicyList", documents)
    for page in pages:
        for list_key, resource_type in PRINCIPAL_TYPES.items():
            for principal in page.response.get(list_key) or []:
                builder = _principal_builder(principal, resource_type, account, page.entry.file)
                admin, unknown = _admin_policies(principal, _INLINE_KEY[list_key], documents)
                if list_key == "UserDetailList":
                    for group in principal.get("GroupList") or []:
                        group_admin, group_unknown = groups.get(group, ([], [f"group {group}"]))
                        admin += [f"{name} (via group {group})" for name in group_admin]
                        unknown += group_unknown
                    _user_credentials(builder, report.rows.get(principal["Arn"]), report)
                if list_key == "RoleDetailList":
                    _role_trust(builder, principal, page.entry.file, ctx)
                if unknown:
                    # one unreadable policy, on the principal or on any of its groups, leaves
                    # the verdict unknown: a user must never pass on the policies we could read
                    builder.fail("AdminPolicies", policy_failures.get(unknown[0]) or
                                 CallFailure.from_entry(page.entry,
                                                        f"no document for {unknown[0]}"))
                else:
                    builder.set("AdminPolicies", sorted(admin), page.entry.file)
                yield builder.build()
    yield from _customer_policies(pages, account)


def _principal_builder(principal: Mapping[str, Any], resource_type: str, account: str,
                       source: str) -> ResourceBuilder:
    name = principal.get("UserName") or principal.get("GroupName") or principal.get("RoleName")
    builder = ResourceBuilder(id=principal["Arn"], type=resource_type, account=account,
                              region=GLOBAL_REGION, name=str(name))
    builder.set_tags(tags_from_list(principal.get("Tags")), source)
    inline_key = {"aws.iam.user": "UserPolicyList", "aws.iam.group": "GroupPolicyList",
                  "aws.iam.role": "RolePolicyList"}[resource_type]
    builder.update({
        "Path": principal.get("Path", "/"),
        "CreateDate": principal.get("CreateDate"),
        "AttachedPolicies": [{"PolicyName": p.get("PolicyName"), "PolicyArn": p.get("PolicyArn"),
                              "AwsManaged": ":iam::aws:policy/" in str(p.get("PolicyArn"))}
                             for p in principal.get("AttachedManagedPolicies") or []],
        "InlinePolicies": sorted(str(p.get("PolicyName")) for p in
                                 principal.get(inline_key) or []),
    }, source)
    if resource_type == "aws.iam.user":
        builder.set("Groups", sorted(principal.get("GroupList") or []), source)
    return builder


def _user_credentials(builder: ResourceBuilder, row: Mapping[str, str] | None,
                      report: CredentialReport) -> None:
    if report.failure is not None or report.file is None:
        missing = report.failure or CallFailure(
            call="iam:GetCredentialReport", operation="iam:GetCredentialReport",
            code="NotCollected", message="the credential report was not read", file="")
        for key in CREDENTIAL_FIELDS:
            builder.fail(key, missing)
    elif row is None:
        # a user created after the report was generated: its credentials are unknown
        absent = CallFailure(call="iam:GetCredentialReport", operation="iam:GetCredentialReport",
                             code="NotInReport", file=report.file,
                             message="the user is not in the credential report (created after "
                                     "the report was generated); scan again")
        for key in CREDENTIAL_FIELDS:
            builder.fail(key, absent)
    else:
        builder.update(_credentials(row), report.file)
        builder.note(CREDENTIAL_FIELDS, report.note)


def _role_trust(builder: ResourceBuilder, role: Mapping[str, Any], source: str,
                ctx: NormalizeContext) -> None:
    trust = parse_policy(role.get("AssumeRolePolicyDocument"))
    summary = trust_summary(trust, ctx.own_accounts)
    builder.update({
        "TrustPolicy": trust,
        "TrustedPrincipals": summary["Principals"],
        "ExternalAccounts": summary["ExternalAccounts"],
        "ServiceLinked": str(role.get("Path", "")).startswith("/aws-service-role/"),
        "RoleLastUsed": (role.get("RoleLastUsed") or {}).get("LastUsedDate"),
    }, source)


def _customer_policies(pages: list[Any], account: str) -> Iterator[Resource]:
    for page in pages:
        for policy in page.response.get("Policies") or []:
            document = next((parse_policy(v.get("Document")) for v in
                             policy.get("PolicyVersionList") or [] if v.get("IsDefaultVersion")),
                            None)
            builder = ResourceBuilder(id=policy["Arn"], type="aws.iam.policy", account=account,
                                      region=GLOBAL_REGION,
                                      name=str(policy.get("PolicyName") or policy["Arn"]))
            builder.update({"AttachmentCount": policy.get("AttachmentCount", 0),
                            "Document": document, "GrantsAdmin": grants_admin(document)},
                           page.entry.file)
            yield builder.build()


def _account(records: RecordSet, account: str, snapshot: Snapshot,
             ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    yield Coverage(type="aws.account", account=account, region=GLOBAL_REGION)
    report = credential_report(records, ctx)
    root = next((row for arn, row in report.rows.items() if arn.endswith(":root")), None)
    yield account_resource(records, account, snapshot, ctx, root_row=root, report=report)
