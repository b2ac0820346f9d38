"""IAM users, groups, roles and customer policies, plus the account's root and password policy.

Admin-equivalence is computed over everything that reaches a principal: attached managed
policies (customer and AWS managed), inline policies and, for users, their groups' policies.
Credential facts (passwords, keys, MFA) come from the credential report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from govkit.inventory.model import (
    CallFailure, Coverage, Ref, Resource, ResourceBuilder, json_pointer)
from govkit.sources.aws.normalize.account import account_resource
from govkit.sources.aws.normalize.account_fields import set_iam_user_fields
from govkit.sources.aws.normalize.common import (
    RecordSet, accounts_of, failure, listing_coverage, parse_policy, ref, report_value,
    tags_from_list, unread)
from govkit.sources.interface import NormalizeContext
from govkit.sources.aws.normalize.credential_report import (
    CONTENT, CREDENTIAL_FIELDS, CredentialReport, access_key_listings, access_keys,
    credential_report)
from govkit.sources.aws.normalize.policy_analysis import (
    allows_any_marketplace_subscription, grants_admin, trust_summary)
from govkit.snapshot import GLOBAL_REGION, CallRecord, Snapshot

PRINCIPAL_TYPES = {"UserDetailList": "aws.iam.user", "GroupDetailList": "aws.iam.group",
                   "RoleDetailList": "aws.iam.role"}


def normalize(snapshot: Snapshot, ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    for account in accounts_of(snapshot, "iam"):
        records = RecordSet(snapshot, "iam", account)
        yield from _principals(records, account, ctx)
        yield from _account(records, account, snapshot, ctx)


def _credentials(builder: ResourceBuilder, row: Mapping[str, str], report: CredentialReport,
                 listing: list[CallRecord]) -> None:
    """Password, MFA and access key facts from the report row; key ids from the user's
    ``iam:ListAccessKeys`` answer (without it, the keys are unknown: their attributes fail)."""
    source = report.ref_of(row)
    builder.update({
        "PasswordEnabled": row.get("password_enabled") == "true",
        "PasswordLastUsed": report_value(row.get("password_last_used")),
        "PasswordLastChanged": report_value(row.get("password_last_changed")),
        "MfaActive": row.get("mfa_active") == "true",
    }, source)
    found = access_keys(row, listing, report)
    if isinstance(found, CallFailure):
        builder.fail("AccessKeys", found).fail("ActiveAccessKeys", found)
    else:
        keys, refs = found
        builder.set("AccessKeys", keys, refs)
        builder.set("ActiveAccessKeys", [k for k in keys if k["Active"]], refs)


@dataclass(frozen=True)
class _Documents:
    """Default-version policy documents by ARN, where each was read, and the policies whose
    document could not be read."""

    documents: Mapping[str, Any]
    refs: Mapping[str, Ref]
    failed: Mapping[str, CallFailure]


def _policy_documents(records: RecordSet) -> _Documents:
    documents: dict[str, Any] = {}
    refs: dict[str, Ref] = {}
    failed: dict[str, CallFailure] = {}
    for page in records.of("GetAccountAuthorizationDetails"):
        for index, policy in enumerate(page.response.get("Policies") or []):
            for number, version in enumerate(policy.get("PolicyVersionList") or []):
                if version.get("IsDefaultVersion"):
                    documents[policy["Arn"]] = parse_policy(version.get("Document"))
                    refs[policy["Arn"]] = ref(page, "Policies", index, "PolicyVersionList",
                                              number, "Document")
    for operation in ("GetPolicy", "GetPolicyVersion"):
        for arn, record in records.by_param(operation, "PolicyArn").items():
            if not record.entry.ok:
                failed[arn] = failure(record)
            elif operation == "GetPolicyVersion":
                version = record.response.get("PolicyVersion", {})
                documents[arn] = parse_policy(version.get("Document"))
                refs[arn] = ref(record, "PolicyVersion", "Document")
    return _Documents(documents, refs, failed)


@dataclass
class _Admin:
    """What grants a principal admin rights: policy names, and the records that show it
    (policy documents, and the entries of groups it gets them through)."""

    names: list[str] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # attached policies we could not read


def _admin_policies(principal: Mapping[str, Any], inline_key: str, entry: Ref,
                    documents: _Documents) -> _Admin:
    found = _Admin()
    for attached in principal.get("AttachedManagedPolicies") or []:
        arn = attached.get("PolicyArn", "")
        if arn not in documents.documents:
            found.unknown.append(arn)
        elif grants_admin(documents.documents[arn]):
            found.names.append(attached.get("PolicyName") or arn.rsplit("/", 1)[-1])
            found.refs.append(documents.refs[arn])
    for index, inline in enumerate(principal.get(inline_key) or []):
        if grants_admin(parse_policy(inline.get("PolicyDocument"))):
            found.names.append(f"{inline.get('PolicyName')} (inline)")
            found.refs.append(Ref(entry.file, entry.pointer +
                                  json_pointer(inline_key, index, "PolicyDocument")))
    return found


_INLINE_KEY = {"UserDetailList": "UserPolicyList", "GroupDetailList": "GroupPolicyList",
               "RoleDetailList": "RolePolicyList"}


def _principals(records: RecordSet, account: str,
                ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    pages = records.of("GetAccountAuthorizationDetails")
    for resource_type in sorted({*PRINCIPAL_TYPES.values(), "aws.iam.policy"}):
        yield from listing_coverage(pages, resource_type)
    if not pages or not all(p.entry.ok for p in pages):
        return
    documents = _policy_documents(records)
    report = credential_report(records, ctx)
    key_listings = access_key_listings(records)
    groups: dict[str, tuple[_Admin, Ref]] = {}
    for page in pages:
        for index, group in enumerate(page.response.get("GroupDetailList") or []):
            entry = ref(page, "GroupDetailList", index)
            groups[group["GroupName"]] = (_admin_policies(group, "GroupPolicyList", entry,
                                                          documents), entry)
    for page in pages:
        for list_key, resource_type in PRINCIPAL_TYPES.items():
            for index, principal in enumerate(page.response.get(list_key) or []):
                entry = ref(page, list_key, index)
                builder = _principal_builder(principal, resource_type, account, entry)
                admin = _admin_policies(principal, _INLINE_KEY[list_key], entry, documents)
                if list_key == "UserDetailList":
                    for group in principal.get("GroupList") or []:
                        if group not in groups:
                            admin.unknown.append(f"group {group}")
                            continue
                        via, group_entry = groups[group]
                        admin.names += [f"{name} (via group {group})" for name in via.names]
                        admin.refs += [group_entry, *via.refs] if via.names else []
                        admin.unknown += via.unknown
                    _user_credentials(builder, report.rows.get(principal["Arn"]), report,
                                      key_listings.get(str(principal.get("UserName")), []))
                if list_key == "RoleDetailList":
                    _role_trust(builder, principal, page, index, ctx)
                _admin_verdict(builder, admin, documents, page, list_key, index, entry)
                if list_key == "UserDetailList":
                    set_iam_user_fields(builder, principal, entry,
                                        report.rows.get(principal["Arn"]), report, ctx)
                yield builder.build()
    yield from _customer_policies(pages, account)


def _admin_verdict(builder: ResourceBuilder, admin: _Admin, documents: _Documents,
                   page: CallRecord, list_key: str, index: int, entry: Ref) -> None:
    if admin.unknown:
        # one unreadable policy, on the principal or on any of its groups, leaves the verdict
        # unknown: a user must never pass on the policies we could read
        builder.fail("AdminPolicies", documents.failed.get(admin.unknown[0]) or
                     unread(page, f"no document for {admin.unknown[0]}", list_key, index))
    else:
        builder.set("AdminPolicies", sorted(admin.names), [entry, *admin.refs])


def _principal_builder(principal: Mapping[str, Any], resource_type: str, account: str,
                       source: Ref) -> ResourceBuilder:
    name = principal.get("UserName") or principal.get("GroupName") or principal.get("RoleName")
    builder = ResourceBuilder(id=principal["Arn"], type=resource_type, account=account,
                              region=GLOBAL_REGION, name=str(name), item=source)
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
        "InlineMarketplaceSubscribe": sorted(
            str(p.get("PolicyName")) for p in principal.get(inline_key) or []
            if allows_any_marketplace_subscription(parse_policy(p.get("PolicyDocument")))),
    }, source)
    if resource_type == "aws.iam.user":
        builder.set("Groups", sorted(principal.get("GroupList") or []), source)
    return builder


def _user_credentials(builder: ResourceBuilder, row: Mapping[str, str] | None,
                      report: CredentialReport, listing: list[CallRecord]) -> None:
    if report.failure is not None or report.file is None:
        missing = report.failure or CallFailure(
            call="iam:GetCredentialReport", operation="iam:GetCredentialReport",
            code="NotCollected", message="the credential report was not read", file="")
        for key in CREDENTIAL_FIELDS:
            builder.fail(key, missing)
    elif row is None:
        # a user created after the report was generated: its credentials are unknown
        absent = CallFailure(call="iam:GetCredentialReport", operation="iam:GetCredentialReport",
                             code="NotInReport", file=report.file, pointer=CONTENT,
                             message="the user is not in the credential report (created after "
                                     "the report was generated); scan again")
        for key in CREDENTIAL_FIELDS:
            builder.fail(key, absent)
    else:
        _credentials(builder, row, report, listing)
        builder.note(CREDENTIAL_FIELDS, report.note)


def _role_trust(builder: ResourceBuilder, role: Mapping[str, Any], page: CallRecord, index: int,
                ctx: NormalizeContext) -> None:
    trust = parse_policy(role.get("AssumeRolePolicyDocument"))
    summary = trust_summary(trust, ctx.own_accounts)
    builder.update({
        "TrustPolicy": trust,
        "TrustedPrincipals": summary["Principals"],
        "ExternalAccounts": summary["ExternalAccounts"],
    }, ref(page, "RoleDetailList", index, "AssumeRolePolicyDocument"))
    entry = ref(page, "RoleDetailList", index)
    builder.set("ServiceLinked", str(role.get("Path", "")).startswith("/aws-service-role/"),
                entry)
    builder.set("RoleLastUsed", (role.get("RoleLastUsed") or {}).get("LastUsedDate"),
                ref(page, "RoleDetailList", index, "RoleLastUsed"))


def _customer_policies(pages: list[CallRecord], account: str) -> Iterator[Resource]:
    for page in pages:
        for index, policy in enumerate(page.response.get("Policies") or []):
            versions = list(enumerate(policy.get("PolicyVersionList") or []))
            number, default = next(((n, v) for n, v in versions if v.get("IsDefaultVersion")),
                                   (None, None))
            document = None if default is None else parse_policy(default.get("Document"))
            where = ref(page, "Policies", index) if number is None else \
                ref(page, "Policies", index, "PolicyVersionList", number, "Document")
            builder = ResourceBuilder(id=policy["Arn"], type="aws.iam.policy", account=account,
                                      region=GLOBAL_REGION,
                                      # the ARN ends with the name (after the path)
                                      name=str(policy.get("PolicyName") or
                                               str(policy["Arn"]).rsplit("/", 1)[-1]))
            builder.set("AttachmentCount", policy.get("AttachmentCount", 0),
                        ref(page, "Policies", index))
            builder.update({"Document": document, "GrantsAdmin": grants_admin(document),
                            "AllowsAnyMarketplaceSubscription":
                                allows_any_marketplace_subscription(document)}, where)
            yield builder.build()


def _account(records: RecordSet, account: str, snapshot: Snapshot,
             ctx: NormalizeContext) -> Iterator[Resource | Coverage]:
    yield Coverage(type="aws.account", account=account, region=GLOBAL_REGION)
    report = credential_report(records, ctx)
    root = next((row for arn, row in report.rows.items() if arn.endswith(":root")), None)
    yield account_resource(records, account, snapshot, ctx, root_row=root, report=report)
