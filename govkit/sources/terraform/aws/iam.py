"""IAM roles, users and groups from a plan, with the policies the plan attaches to them, as
the ``aws.iam.role`` / ``aws.iam.user`` / ``aws.iam.group`` the scan builds from
``GetAccountAuthorizationDetails`` and the credential report.

What reaches a principal is merged from every resource that names it (by reference, followed
through module variables, else by its known name): ``aws_iam_*_policy_attachment``, the shared
``aws_iam_policy_attachment`` (``roles``/``users``/``groups``), ``aws_iam_*_policy`` inline
policies and, on a role, its own ``managed_policy_arns`` and ``inline_policy`` blocks (which the
provider reads back from IAM for a role already in the state, so they list every policy,
attached here or elsewhere). Admin-equivalence is the live scan's: ``grants_admin`` over each
policy document. A customer policy created by the plan is read from its ``policy`` JSON; an AWS
managed policy by its ARN (see :data:`AWS_MANAGED_ADMIN`); any other policy's document is not
in the plan.

Who is an outside account is the live scan's ``trust_summary``, given the accounts this plan
is known to work in (:func:`own_accounts`). The vendor each outside account belongs to comes
from the vendor register, which a plan does not hold: ``ExternalAccountVendors`` fails
``NotInPlan`` for a role that outside accounts can assume.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from govkit.sources.terraform.context import (UNKNOWN_AFTER_APPLY, PlanContext, Unknown,
                                              policy_document)
from govkit.sources.terraform.plan import AttrPath, PlannedResource, resolve_reference
from govkit.inventory.model import CallFailure, Ref, Resource, ResourceBuilder
from govkit.sources.aws.normalize.policy_analysis import (
    allows_any_marketplace_subscription, grants_admin, trust_summary)
from govkit.snapshot import GLOBAL_REGION

ROLE = "aws_iam_role"
USER = "aws_iam_user"
GROUP = "aws_iam_group"
POLICY = "aws_iam_policy"
SHARED_ATTACHMENT = "aws_iam_policy_attachment"
ACCESS_KEY = "aws_iam_access_key"
LOGIN_PROFILE = "aws_iam_user_login_profile"
USER_GROUPS = "aws_iam_user_group_membership"
GROUP_USERS = "aws_iam_group_membership"

# The AWS managed policies whose default version grants admin by the live scan's
# ``grants_admin``: the scan reads each attached AWS managed policy's document and applies it;
# a plan has no document, so this is that function run over every AWS managed policy document
# (1582 of them, the copy moto 5.2.5 ships; tests/sources/terraform/test_aws_iam.py checks
# it again).
# Any other AWS managed policy grants no admin; keyed by path and name after ``policy/``.
AWS_MANAGED_ADMIN = frozenset({"AdministratorAccess", "IAMFullAccess",
                               "AWSMcpServiceActionsFullAccess"})
_AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(.+)$")
_OWN_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")


@dataclass(frozen=True)
class _Kind:
    """One kind of principal: its inventory type and the resources that grant it policies."""

    inventory_type: str
    noun: str  # role, user, group
    attachment: str  # aws_iam_<noun>_policy_attachment
    inline: str  # aws_iam_<noun>_policy
    shared_list: str  # its list in aws_iam_policy_attachment


_ROLE = _Kind("aws.iam.role", "role", "aws_iam_role_policy_attachment", "aws_iam_role_policy",
              "roles")
_USER = _Kind("aws.iam.user", "user", "aws_iam_user_policy_attachment", "aws_iam_user_policy",
              "users")
_GROUP = _Kind("aws.iam.group", "group", "aws_iam_group_policy_attachment",
               "aws_iam_group_policy", "groups")


@dataclass
class _Policies:
    """The policies that reach one principal, in the live normaliser's shapes, and the first
    reason each list (or the admin verdict) is not known."""

    attached: list[dict[str, Any]] = field(default_factory=list)
    inline: list[str] = field(default_factory=list)
    admin: list[str] = field(default_factory=list)
    marketplace: list[str] = field(default_factory=list)  # inline: any product's subscription
    refs: list[Ref] = field(default_factory=list)
    admin_refs: list[Ref] = field(default_factory=list)
    attached_failure: CallFailure | None = None
    inline_failure: CallFailure | None = None
    admin_failure: CallFailure | None = None
    inline_document_failure: CallFailure | None = None

    def attach(self, entry: dict[str, Any], admin: bool | CallFailure,
               refs: Sequence[Ref]) -> None:
        if any(e["PolicyArn"] == entry["PolicyArn"] for e in self.attached):
            return  # a role's read-back managed_policy_arns repeats its attachments
        self.attached.append(entry)
        self.refs.extend(refs)
        if isinstance(admin, CallFailure):
            self.admin_failure = self.admin_failure or admin
        elif admin:
            self.admin.append(str(entry["PolicyName"]))
            self.admin_refs.extend(refs)

    def add_inline(self, name: str, document: Any, refs: Sequence[Ref]) -> None:
        if name in self.inline:
            return
        self.inline.append(name)
        self.refs.extend(refs)
        if isinstance(document, CallFailure):
            self.admin_failure = self.admin_failure or document
            self.inline_document_failure = self.inline_document_failure or document
            return
        readable = document if isinstance(document, dict) else None
        if grants_admin(readable):
            self.admin.append(f"{name} (inline)")
            self.admin_refs.extend(refs)
        if allows_any_marketplace_subscription(readable):
            self.marketplace.append(name)

    def merge_group(self, group: str, other: _Policies) -> None:
        """A user's admin policies include those of its groups, named as the scan names
        them."""
        if other.admin_failure is not None:
            self.admin_failure = self.admin_failure or other.admin_failure
        self.admin += [f"{name} (via group {group})" for name in other.admin]
        self.admin_refs += other.admin_refs


# --------------------------------------------------------------------------- roles


def normalize_role(ctx: PlanContext, role: PlannedResource) -> Iterator[Resource]:
    builder = _builder(ctx, role, "aws.iam.role")
    creating = "create" in role.actions
    ctx.put(builder, "Path", role, ("path",), lambda v: v or "/", what="the role path")
    ctx.put(builder, "ServiceLinked", role, ("path",),
            lambda v: str(v or "").startswith("/aws-service-role/"), what="the role path")
    _trust(ctx, role, builder)
    _last_used(ctx, role, builder, creating)
    ctx.put(builder, "CreateDate", role, ("create_date",), what="the creation date")
    policies = _Policies()
    _attachments(ctx, role, _ROLE, policies)
    _role_managed_arns(ctx, role, policies, creating)
    _inline(ctx, role, _ROLE, policies)
    _role_inline_blocks(ctx, role, policies, creating)
    _set_policies(ctx, role, builder, policies, complete=True)
    yield builder.build()


def own_accounts(ctx: PlanContext) -> frozenset[str]:
    """The accounts this plan is known to work in: the provider's ``allowed_account_ids``
    (one), the account of every ARN the plan's resources carry (their own ARN: a resource
    lives in the account that made it), and ``data.aws_caller_identity``'s ``account_id``.

    The live scan calls "outside" any account it did not scan. A plan knows fewer of its own
    accounts; a principal naming any other account is outside, so when none of these is known
    (a new configuration with no ``allowed_account_ids``), every account a trust policy names
    counts as outside: an ``arn:aws:iam::ACCOUNT:root`` principal is judged as a third party
    until the plan shows that account as its own. Conservative, like the policy analysis."""
    found: frozenset[str] = ctx.memo("iam.own_accounts", lambda: _own_accounts(ctx))
    return found


def _own_accounts(ctx: PlanContext) -> frozenset[str]:
    accounts = {ctx.account} if ctx.account else set()
    for resource in ctx.resources:
        arn = resource.values.get("arn")
        found = _OWN_ARN.match(arn) if isinstance(arn, str) else None
        if found:
            accounts.add(found.group(1))
    for data in ctx.plan.data_sources:
        account = data.values.get("account_id")
        if data.type == "aws_caller_identity" and isinstance(account, str) and account:
            accounts.add(account)
    return frozenset(accounts)


def _trust(ctx: PlanContext, role: PlannedResource, builder: ResourceBuilder) -> None:
    """TrustPolicy, TrustedPrincipals and ExternalAccounts from ``assume_role_policy``; and
    ExternalAccountVendors, which needs the vendor register, for a role outside accounts can
    assume."""
    value = ctx.value(role, "assume_role_policy", what="the trust policy")
    if isinstance(value, Unknown):
        for key in ("TrustPolicy", "TrustedPrincipals", "ExternalAccounts"):
            builder.fail(key, value.failure)
        return
    trust = policy_document(value)
    summary = trust_summary(trust if isinstance(trust, dict) else None, own_accounts(ctx))
    where = ctx.ref(role, "assume_role_policy")
    builder.update({"TrustPolicy": trust, "TrustedPrincipals": summary["Principals"],
                    "ExternalAccounts": summary["ExternalAccounts"]}, where)
    outside = [str(e["Account"]) for e in summary["ExternalAccounts"]]
    if outside:
        builder.fail("ExternalAccountVendors", ctx.not_in_plan(
            role, f"which vendor owns outside account(s) {', '.join(outside)} that role "
                  f"{builder.name} trusts is in the vendor register, which the gate does not "
                  "read with the plan"))


def _last_used(ctx: PlanContext, role: PlannedResource, builder: ResourceBuilder,
               creating: bool) -> None:
    """RoleLastUsed: never, for a role the plan creates; the provider's read-back
    ``role_last_used`` for one in the state."""
    if creating:
        builder.set("RoleLastUsed", None, ctx.ref(role))
        return
    ctx.put(builder, "RoleLastUsed", role, ("role_last_used", 0, "last_used_date"),
            what="when the role was last used")


def _role_managed_arns(ctx: PlanContext, role: PlannedResource, policies: _Policies,
                       creating: bool) -> None:
    """The role's own ``managed_policy_arns``: configured, the exclusive list; otherwise the
    provider's read-back of what is attached (unknown until apply on a new role, which has
    none but the plan's attachments)."""
    value = ctx.value(role, "managed_policy_arns", what="the managed policy ARNs")
    configured = _configured(role, "managed_policy_arns")
    if isinstance(value, Unknown):
        created = _referenced(ctx, role, ("managed_policy_arns",), (POLICY,))
        if created:
            for policy in created:
                entry, admin, refs = _created_policy(ctx, policy, None)
                policies.attach(entry, admin, refs)
        elif configured or not creating:
            policies.attached_failure = policies.attached_failure or value.failure
            policies.admin_failure = policies.admin_failure or value.failure
        return
    for index, arn in enumerate(value or []):
        if isinstance(arn, str):
            entry, admin, refs = _policy_by_arn(ctx, role, arn, ("managed_policy_arns", index))
            policies.attach(entry, admin, refs)


def _role_inline_blocks(ctx: PlanContext, role: PlannedResource, policies: _Policies,
                        creating: bool) -> None:
    """The role's ``inline_policy`` blocks (as with ``managed_policy_arns``, read back for a
    role in the state, unknown on a new role that configures none)."""
    if ("inline_policy",) in role.unknown:
        if _configured(role, "inline_policy") or not creating:
            failure = ctx.unknown(role, ("inline_policy",), "the inline policies")
            policies.inline_failure = policies.inline_failure or failure
            policies.admin_failure = policies.admin_failure or failure
        return
    blocks = role.values.get("inline_policy")
    for index in range(len(blocks) if isinstance(blocks, list) else 0):
        name = ctx.value(role, "inline_policy", index, "name", what="an inline policy name")
        if isinstance(name, Unknown):
            policies.inline_failure = policies.inline_failure or name.failure
            continue
        if not name:  # the provider's empty block for "no inline policies"
            continue
        document = _document(ctx, role, ("inline_policy", index, "policy"),
                             f"the document of inline policy {name}")
        policies.add_inline(str(name), document, (ctx.ref(role, "inline_policy", index),))


def _configured(resource: PlannedResource, attribute: str) -> bool:
    return resource.config is not None and attribute in resource.config.expressions


# --------------------------------------------------------------------------- users


def normalize_user(ctx: PlanContext, user: PlannedResource) -> Iterator[Resource]:
    builder = _builder(ctx, user, "aws.iam.user")
    creating = "create" in user.actions
    ctx.put(builder, "Path", user, ("path",), lambda v: v or "/", what="the user path")
    _create_date(ctx, user, builder, "user")
    policies = _principal_policies(ctx, user, _USER)
    _groups(ctx, user, builder, policies, creating)
    _set_policies(ctx, user, builder, policies, complete=creating)
    name = ctx.value(user, "name")
    builder.update({"System": "iam", "Login": name if isinstance(name, str) else None},
                   ctx.ref(user, "name"))
    if "AdminPolicies" in builder.failures:
        builder.fail("Admin", builder.failures["AdminPolicies"])
    else:
        builder.set("Admin", bool(builder.attributes["AdminPolicies"]),
                    builder.sources.get("AdminPolicies", (ctx.ref(user),)))
    _credentials(ctx, user, builder, creating)
    yield builder.build()


def _groups(ctx: PlanContext, user: PlannedResource, builder: ResourceBuilder,
            policies: _Policies, creating: bool) -> None:
    """Groups, and the admin policies the user gets through them, from the plan's
    memberships (``aws_iam_user_group_membership``, ``aws_iam_group_membership``). A group
    the plan does not create keeps its policies outside the plan."""
    names: list[str] = []
    refs: list[Ref] = []
    found: list[tuple[str, PlannedResource | None]] = []
    for membership in ctx.linked((USER_GROUPS,), "user", user, key="name"):
        created = _referenced(ctx, membership, ("groups",), (GROUP,))
        value = ctx.value(membership, "groups", what="the user's groups")
        known = [g for g in value if isinstance(g, str)] if isinstance(value, list) else []
        for created_group in created:
            found.append((_name_of(ctx, created_group), created_group))
        for name in known:
            if not any(n == name for n, _ in found):
                found.append((name, _group_named(ctx, name)))
        if isinstance(value, Unknown) and not created:
            builder.fail("Groups", value.failure)
            policies.admin_failure = policies.admin_failure or value.failure
            return
        refs.append(ctx.ref(membership, "groups"))
    for membership in ctx.of_type(GROUP_USERS):
        listed = ctx.value(membership, "users")
        if _names(ctx, membership, ("users",), user) or \
                (isinstance(listed, list) and ctx.value(user, "name") in listed):
            target = next(iter(ctx.targets(membership, "group", (GROUP,), key="name")), None)
            found.append((_name_of(ctx, target) if target else
                          str(ctx.value(membership, "group")), target))
            refs.append(ctx.ref(membership, "users"))
    for name, group in found:
        names.append(name)
        if group is None:
            policies.admin_failure = policies.admin_failure or ctx.not_in_plan(
                user, f"group {name} of user {builder.name} is not created by this plan, so "
                      "the policies it gives the user are not in the plan")
            continue
        group_policies = _principal_policies(ctx, group, _GROUP)
        if "create" not in group.actions and group_policies.admin_failure is None \
                and not group_policies.admin:
            group_policies.admin_failure = _outside(ctx, group, "group", "policies")
        policies.merge_group(name, group_policies)
    if creating:
        builder.set("Groups", sorted(set(names)), tuple(refs) or (ctx.ref(user),))
    else:
        builder.fail("Groups", _outside(ctx, user, "user", "group memberships"))


def _create_date(ctx: PlanContext, principal: PlannedResource, builder: ResourceBuilder,
                 noun: str) -> None:
    """CreateDate of a user or group: the moment of apply for a new one; no Terraform
    attribute of either holds it."""
    if "create" in principal.actions:
        builder.fail("CreateDate", _created_now(ctx, principal,
                                                f"the creation date of {noun} {builder.name}"))
    else:
        builder.fail("CreateDate", ctx.not_in_plan(
            principal, f"the creation date of {noun} {builder.name} is in no Terraform "
                       "attribute"))


def _group_named(ctx: PlanContext, name: str) -> PlannedResource | None:
    return next((g for g in ctx.of_type(GROUP) if g.values.get("name") == name), None)


def _credentials(ctx: PlanContext, user: PlannedResource, builder: ResourceBuilder,
                 creating: bool) -> None:
    """The credential report's facts. A user the plan creates has a console password only
    if the plan gives it a login profile, has never used it, has no MFA device (no Terraform
    resource activates one: that needs two codes from the device) and only the access keys
    the plan creates. Of an existing user, none of this is in the plan."""
    fields = ("PasswordEnabled", "PasswordLastUsed", "PasswordLastChanged", "MfaActive",
              "AccessKeys", "ActiveAccessKeys")
    if not creating:
        missing = ctx.not_in_plan(user, f"the credentials of user {builder.name} (password, "
                                        "MFA, access keys) are in the credential report, "
                                        "not in the plan")
        for key in fields:
            builder.fail(key, missing)
        return
    profiles = ctx.linked((LOGIN_PROFILE,), "user", user, key="name")
    where = (ctx.ref(profiles[0]),) if profiles else (ctx.ref(user),)
    builder.update({"PasswordEnabled": bool(profiles), "PasswordLastUsed": None,
                    "MfaActive": False}, where)
    if profiles:
        builder.fail("PasswordLastChanged", _created_now(
            ctx, profiles[0], f"when the console password of user {builder.name} is set"))
    else:
        builder.set("PasswordLastChanged", None, where)
    keys = ctx.linked((ACCESS_KEY,), "user", user, key="name")
    if not keys:
        builder.update({"AccessKeys": [], "ActiveAccessKeys": []}, ctx.ref(user))
        return
    active = [k for k in keys if ctx.value(k, "status") != "Inactive"]
    # a key's id and creation time, which the rules name and judge, exist only once created
    first = (active or keys)[0]
    failure = ctx.unknown(first, ("create_date",), f"the creation date of the access key "
                                                   f"of user {builder.name}")
    builder.fail("AccessKeys", failure)
    if active:
        builder.fail("ActiveAccessKeys", failure)
    else:
        builder.set("ActiveAccessKeys", [], tuple(ctx.ref(k, "status") for k in keys))


# --------------------------------------------------------------------------- groups


def normalize_group(ctx: PlanContext, group: PlannedResource) -> Iterator[Resource]:
    builder = _builder(ctx, group, "aws.iam.group")
    ctx.put(builder, "Path", group, ("path",), lambda v: v or "/", what="the group path")
    _create_date(ctx, group, builder, "group")
    policies = _principal_policies(ctx, group, _GROUP)
    _set_policies(ctx, group, builder, policies, complete="create" in group.actions)
    yield builder.build()


# --------------------------------------------------------------------------- policies


def _principal_policies(ctx: PlanContext, principal: PlannedResource, kind: _Kind) -> _Policies:
    policies = _Policies()
    _attachments(ctx, principal, kind, policies)
    _inline(ctx, principal, kind, policies)
    return policies


def _attachments(ctx: PlanContext, principal: PlannedResource, kind: _Kind,
                 policies: _Policies) -> None:
    """Managed policies attached by ``aws_iam_<kind>_policy_attachment`` and by the shared
    ``aws_iam_policy_attachment`` whose list names the principal."""
    attachments = ctx.linked((kind.attachment,), kind.noun, principal, key="name")
    name = ctx.value(principal, "name")
    for shared in ctx.of_type(SHARED_ATTACHMENT):
        listed = ctx.value(shared, kind.shared_list)
        if _names(ctx, shared, (kind.shared_list,), principal) or \
                (isinstance(listed, list) and isinstance(name, str) and name in listed):
            attachments.append(shared)
    for attachment in attachments:
        found = _attached_policy(ctx, attachment)
        if isinstance(found, CallFailure):
            policies.attached_failure = policies.attached_failure or found
            policies.admin_failure = policies.admin_failure or found
            continue
        policies.attach(*found)


def _inline(ctx: PlanContext, principal: PlannedResource, kind: _Kind,
            policies: _Policies) -> None:
    for inline in ctx.linked((kind.inline,), kind.noun, principal, key="name"):
        name = ctx.value(inline, "name", what="the inline policy name")
        if isinstance(name, Unknown):
            policies.inline_failure = policies.inline_failure or name.failure
            continue
        document = _document(ctx, inline, ("policy",), f"the document of inline policy {name}")
        policies.add_inline(str(name), document, (ctx.ref(inline),))


def _document(ctx: PlanContext, resource: PlannedResource, path: AttrPath,
              what: str) -> Any:
    """A policy document, or the failure when it is known only after apply."""
    value = ctx.value(resource, *path, what=what)
    return value.failure if isinstance(value, Unknown) else policy_document(value)


Attached = tuple[dict[str, Any], bool | CallFailure, tuple[Ref, ...]]


def _attached_policy(ctx: PlanContext, attachment: PlannedResource) -> Attached | CallFailure:
    """The policy ``policy_arn`` names: a policy the plan creates, one a data source read,
    or an ARN."""
    created = ctx.targets(attachment, "policy_arn", (POLICY,), key="arn")
    if created:
        return _created_policy(ctx, created[0], attachment)
    value = ctx.value(attachment, "policy_arn", what="the attached policy ARN")
    for reference in ctx.references(attachment, ("policy_arn",)):
        data = ctx.data_source(reference, attachment.module_address)
        if data is not None and data.type == POLICY:
            arn = value if isinstance(value, str) else str(data.values.get("arn") or
                                                             data.address)
            document = _document(ctx, data, ("policy",), f"the document of policy {arn}")
            admin = document if isinstance(document, CallFailure) else \
                grants_admin(document if isinstance(document, dict) else None)
            return (_entry(arn, data.values.get("name")), admin,
                    (ctx.ref(attachment, "policy_arn"), ctx.ref(data, "policy")))
    if isinstance(value, Unknown):
        return value.failure
    return _policy_by_arn(ctx, attachment, str(value), ("policy_arn",))


def _created_policy(ctx: PlanContext, policy: PlannedResource,
                    attachment: PlannedResource | None) -> Attached:
    """A customer policy the plan creates: judged on its ``policy`` JSON."""
    arn = ctx.value(policy, "arn")
    name = ctx.value(policy, "name")
    shown = arn if isinstance(arn, str) else f"{policy.address}.arn"
    document = _document(ctx, policy, ("policy",), f"the document of policy {policy.address}")
    admin = document if isinstance(document, CallFailure) else \
        grants_admin(document if isinstance(document, dict) else None)
    refs = (ctx.ref(attachment, "policy_arn"),) if attachment is not None else ()
    return (_entry(shown, name if isinstance(name, str) else policy.address), admin,
            (*refs, ctx.ref(policy, "policy")))


def _policy_by_arn(ctx: PlanContext, holder: PlannedResource, arn: str,
                   path: AttrPath) -> Attached:
    """A policy named by a known ARN: an AWS managed one judged as the scan judges it, any
    other one's document is outside the plan (unless the plan creates it)."""
    for policy in ctx.of_type(POLICY):
        if policy.values.get("arn") == arn:
            entry, admin, refs = _created_policy(ctx, policy, None)
            return entry, admin, (ctx.ref(holder, *path), *refs)
    where = (ctx.ref(holder, *path),)
    managed = _AWS_MANAGED.match(arn)
    if managed:
        return _entry(arn, None), managed.group(1) in AWS_MANAGED_ADMIN, where
    return _entry(arn, None), ctx.not_in_plan(
        holder, f"policy {arn} is not created by this plan, so its document (whether it "
                "grants administrator access) is not in the plan"), where


def _entry(arn: str, name: Any) -> dict[str, Any]:
    """An AttachedPolicies item, as the scan lists it."""
    return {"PolicyName": name if isinstance(name, str) and name else arn.rsplit("/", 1)[-1],
            "PolicyArn": arn, "AwsManaged": ":iam::aws:policy/" in arn}


def _set_policies(ctx: PlanContext, principal: PlannedResource, builder: ResourceBuilder,
                  policies: _Policies, *, complete: bool) -> None:
    """AttachedPolicies, InlinePolicies and AdminPolicies. ``complete``: the plan holds every
    policy of the principal (one it creates, or a role, whose policies the provider reads
    back); else one found in the plan is certain, and none found is not knowledge."""
    where = (ctx.ref(principal), *policies.refs)
    noun = builder.type.rsplit(".", 1)[-1]
    lists = (("AttachedPolicies", policies.attached, policies.attached_failure,
              "managed policy attachments"),
             ("InlinePolicies", sorted(policies.inline), policies.inline_failure,
              "inline policies"),
             ("AdminPolicies", sorted(policies.admin), policies.admin_failure,
              "policies"),
             ("InlineMarketplaceSubscribe", sorted(policies.marketplace),
              policies.inline_failure or policies.inline_document_failure, "inline policies"))
    for key, value, failure, what in lists:
        refs = (*where, *policies.admin_refs) if key == "AdminPolicies" else where
        if value and (failure is not None or not complete):
            # what the plan shows is certain; more may come from elsewhere
            builder.set(key, value, refs)
            builder.note((key,), f"only the {what} this plan shows are listed")  # partial
        elif failure is not None:
            builder.fail(key, failure)
        elif complete:
            builder.set(key, value, refs)
        else:
            builder.fail(key, _outside(ctx, principal, noun, what))


def _outside(ctx: PlanContext, principal: PlannedResource, noun: str, what: str) -> CallFailure:
    return ctx.not_in_plan(principal, f"{noun} {_name_of(ctx, principal)} exists already, and "
                                      f"its {what} made outside this configuration are not "
                                      "in the plan")


# --------------------------------------------------------------------------- helpers


def _builder(ctx: PlanContext, resource: PlannedResource, type_: str) -> ResourceBuilder:
    """IAM is global: the scan files its principals under the ``global`` region."""
    name = ctx.value(resource, "name")
    builder = ctx.builder(resource, type_, name if isinstance(name, str) else None)
    builder.region = GLOBAL_REGION
    if not builder.account:
        accounts = own_accounts(ctx)
        if len(accounts) == 1:  # e.g. only data.aws_caller_identity names it
            builder.account = next(iter(accounts))
    return builder


def _name_of(ctx: PlanContext, resource: PlannedResource) -> str:
    name = ctx.value(resource, "name")
    return name if isinstance(name, str) and name else resource.address


def _created_now(ctx: PlanContext, resource: PlannedResource, what: str) -> CallFailure:
    """A time that is the moment of apply: no attribute of the plan holds it."""
    return CallFailure(call=resource.address, operation="terraform:plan",
                       code=UNKNOWN_AFTER_APPLY, message=f"{what} is known only after apply",
                       file=ctx.file, pointer=resource.pointer)


def _names(ctx: PlanContext, resource: PlannedResource, path: AttrPath,
           target: PlannedResource) -> bool:
    """Whether the expression at ``path`` refers to ``target``: each of its references, not
    only the first (a list such as ``roles = [aws_iam_role.a.name, aws_iam_role.b.name]``)."""
    base = f"{target.type}.{target.name}"
    if target.module_address:
        base = f"{target.module_address}.{base}"
    for reference in ctx.references(resource, path):
        for resolved in resolve_reference(ctx.plan, resource.module_address, reference):
            if resolved == target.address or resolved.startswith(f"{target.address}."):
                return True
            if resolved == base or resolved.startswith(f"{base}."):
                # no instance key: the one instance, or the same key on both sides
                if target.index is None or target.index == resource.index:
                    return True
    return False


def _referenced(ctx: PlanContext, resource: PlannedResource, path: AttrPath,
                types: Iterable[str]) -> list[PlannedResource]:
    """Every resource of ``types`` the expression at ``path`` refers to."""
    return [r for r in ctx.of_type(*types) if _names(ctx, resource, path, r)]


NORMALIZERS = {ROLE: normalize_role, USER: normalize_user, GROUP: normalize_group}
CONSUMED = frozenset({POLICY, SHARED_ATTACHMENT, ACCESS_KEY, LOGIN_PROFILE, USER_GROUPS,
                      GROUP_USERS, *(k.attachment for k in (_ROLE, _USER, _GROUP)),
                      *(k.inline for k in (_ROLE, _USER, _GROUP))})
