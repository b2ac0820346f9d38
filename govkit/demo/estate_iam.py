"""IAM: the hospital's staff, the vendor's agents, their groups, roles and policies.

Per account unit (unit 0 names shown; later units add `-2`, `2.nbh`, ... see `names`):

- groups `SchedulingAgents` and `BillingAgents` with least-privilege customer policies that
  require MFA (compliant); `SecurityAdmins` with AdministratorAccess and an inline policy that
  subscribes to any Marketplace product (violations);
- staff (tag `employee_id` E1001..E1006, `email`, `department`):
  `jsmith.nbh` SecurityAdmins, console + MFA; `mgarcia.nbh` BillingAgents, console + MFA, one
  access key; `akhan.nbh` console without MFA and AdministratorAccess attached to the user
  (violations); `lchen.nbh` console + MFA and an inline policy (violation);
  `rpatel.nbh` no console, two access keys; `tnguyen.nbh` SchedulingAgents, console without MFA
  (violation);
- `svc-claims-export`, a service user with one access key;
- `meridian-agent-1..4` (tags `vendor=meridian`, `vendor_agent_id`, `vendor_access_end`): 1-2 in
  SchedulingAgents, 3-4 in BillingAgents, all with console passwords, MFA on 1 and 3 only;
  agent 4's vendor access ended three weeks before `now` and the user is still active;
- roles `MeridianAgentAccess` (trusts 210987654321 without sts:ExternalId and carries
  `MeridianAgentFullAccess`, `Action: * Resource: *`: two violations), `MeridianReportingRead`
  (trusts 210987654321 with sts:ExternalId, read-only: compliant) and
  `NbhPatientPortalEc2Role` (trusted by ec2.amazonaws.com; may subscribe to one approved
  Marketplace product: compliant).

Once: a weak account password policy (8 characters, no reuse prevention, no expiry).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from govkit.demo.estate_base import Counts, SeedContext, aws_managed_policy, tag_list
from govkit.demo.names import (
    AGENTS_PER_UNIT,
    DEMO_ACCOUNT,
    STAFF,
    VENDOR_ACCOUNT,
    VENDOR_TAG,
    agent_id,
    agent_number,
    agent_user,
    employee_id,
    service_user,
    staff_user,
    unit_suffix,
)

CONSOLE_PASSWORD = "Demo-only-Passw0rd!"
REPORTING_EXTERNAL_ID = "nbh-meridian-reporting-7f3a"
_MFA_CONDITION = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


@dataclass(frozen=True, kw_only=True)
class _StaffAccess:
    group: str | None = None
    console: bool = True
    mfa: bool = False
    access_keys: int = 0
    admin_attached: bool = False
    inline_policy: bool = False


_STAFF_ACCESS: dict[str, _StaffAccess] = {
    "jsmith": _StaffAccess(group="SecurityAdmins", mfa=True),
    "mgarcia": _StaffAccess(group="BillingAgents", mfa=True, access_keys=1),
    "akhan": _StaffAccess(admin_attached=True),
    "lchen": _StaffAccess(mfa=True, inline_policy=True),
    "rpatel": _StaffAccess(console=False, access_keys=2),
    "tnguyen": _StaffAccess(group="SchedulingAgents"),
}


# the Marketplace product code of the patient portal's hardened image
PORTAL_AMI_PRODUCT = "prod-nbhportal7x2k"


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _policy_documents() -> dict[str, tuple[str, str]]:
    """Customer managed policies: name stem -> (description, document)."""
    table = f"arn:aws:dynamodb:*:{DEMO_ACCOUNT}:table"
    return {
        "NbhSchedulingAgentAccess": ("Scheduling agents: appointments only, with MFA", _document(
            {"Sid": "Appointments", "Effect": "Allow",
             "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
             "Resource": f"{table}/nbh-appointments-*", "Condition": _MFA_CONDITION})),
        "NbhBillingAgentAccess": ("Billing agents: statements and contacts, with MFA", _document(
            {"Sid": "Statements", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::nbh-billing-statements-*/*", "Condition": _MFA_CONDITION},
            {"Sid": "Contacts", "Effect": "Allow", "Action": ["dynamodb:GetItem"],
             "Resource": f"{table}/nbh-patient-contacts-*", "Condition": _MFA_CONDITION})),
        "MeridianAgentFullAccess": ("Meridian agent tooling (temporary)", _document(
            {"Effect": "Allow", "Action": "*", "Resource": "*"})),
        "MeridianReportingReadOnly": ("Meridian monthly reporting extract", _document(
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": ["arn:aws:s3:::nbh-internal-reports-*",
                          "arn:aws:s3:::nbh-internal-reports-*/*"]})),
    }


def _seed_policies(iam: Any, suffix: str) -> dict[str, str]:
    arns: dict[str, str] = {}
    for stem, (description, document) in _policy_documents().items():
        policy = iam.create_policy(
            PolicyName=f"{stem}{suffix}", PolicyDocument=document, Description=description,
            Tags=tag_list({"owner": "information-security"}),
        )["Policy"]
        arns[stem] = str(policy["Arn"])
    return arns


def _seed_groups(iam: Any, suffix: str, policies: dict[str, str]) -> None:
    attachments = {
        "SchedulingAgents": policies["NbhSchedulingAgentAccess"],
        "BillingAgents": policies["NbhBillingAgentAccess"],
        "SecurityAdmins": aws_managed_policy("AdministratorAccess"),
    }
    for group, policy_arn in attachments.items():
        iam.create_group(GroupName=f"{group}{suffix}")
        iam.attach_group_policy(GroupName=f"{group}{suffix}", PolicyArn=policy_arn)
    # security tooling bought ad hoc: any Marketplace product, so any vendor's software
    iam.put_group_policy(GroupName=f"SecurityAdmins{suffix}", PolicyName="MarketplaceProcurement",
                         PolicyDocument=_document({"Effect": "Allow", "Action": "aws-marketplace:*",
                                                   "Resource": "*"}))


def _trust(principal: dict[str, str], condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal,
                                 "Action": "sts:AssumeRole"}
    if condition is not None:
        statement["Condition"] = condition
    return _document(statement)


def _seed_roles(iam: Any, suffix: str, policies: dict[str, str]) -> None:
    vendor = {"AWS": f"arn:aws:iam::{VENDOR_ACCOUNT}:root"}
    vendor_tags = tag_list({"vendor": VENDOR_TAG, "owner": "patient-access"})
    roles = (
        (f"MeridianAgentAccess{suffix}", _trust(vendor), 43200, vendor_tags,
         policies["MeridianAgentFullAccess"]),
        (f"MeridianReportingRead{suffix}",
         _trust(vendor, {"StringEquals": {"sts:ExternalId": REPORTING_EXTERNAL_ID}}), 3600,
         vendor_tags, policies["MeridianReportingReadOnly"]),
        (f"NbhPatientPortalEc2Role{suffix}", _trust({"Service": "ec2.amazonaws.com"}), 3600,
         tag_list({"owner": "cloud-platform"}),
         aws_managed_policy("AmazonSSMManagedInstanceCore")),
    )
    for name, trust, max_session, tags, policy_arn in roles:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust,
                        MaxSessionDuration=max_session, Tags=tags)
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    # the portal's AMI comes from the Marketplace: one approved product, nothing else
    iam.put_role_policy(RoleName=f"NbhPatientPortalEc2Role{suffix}",
                        PolicyName="ApprovedMarketplaceImage", PolicyDocument=_document({
                            "Effect": "Allow", "Action": ["aws-marketplace:Subscribe",
                                                         "aws-marketplace:ViewSubscriptions"],
                            "Resource": "*", "Condition": {"ForAllValues:StringEquals": {
                                "aws-marketplace:ProductId": [PORTAL_AMI_PRODUCT]}}}))


def _enable_virtual_mfa(iam: Any, user: str) -> None:
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
    iam.enable_mfa_device(UserName=user, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1="123456", AuthenticationCode2="654321")


def _seed_login(iam: Any, user: str, *, console: bool, mfa: bool) -> Counts:
    counts = Counts(iam_users=1)
    if console:
        iam.create_login_profile(UserName=user, Password=CONSOLE_PASSWORD,
                                 PasswordResetRequired=False)
    if mfa:
        _enable_virtual_mfa(iam, user)
        counts["iam_mfa_devices"] += 1
    return counts


def _seed_staff(iam: Any, unit: int, suffix: str) -> Counts:
    counts = Counts()
    for position, person in enumerate(STAFF):
        access = _STAFF_ACCESS[person.handle]
        user = staff_user(person.handle, unit)
        iam.create_user(UserName=user, Tags=tag_list({
            "employee_id": employee_id(unit, position),
            "email": f"{user.removesuffix('.nbh')}@northbridgehealth.example",
            "department": person.department, "full_name": person.full_name}))
        counts += _seed_login(iam, user, console=access.console, mfa=access.mfa)
        if access.group is not None:
            iam.add_user_to_group(GroupName=f"{access.group}{suffix}", UserName=user)
        if access.admin_attached:
            iam.attach_user_policy(UserName=user,
                                   PolicyArn=aws_managed_policy("AdministratorAccess"))
        if access.inline_policy:
            iam.put_user_policy(UserName=user, PolicyName="AdhocPatientExport",
                                PolicyDocument=_document({
                                    "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                                    "Resource": ["arn:aws:s3:::nbh-patient-intake-docs-*",
                                                 "arn:aws:s3:::nbh-patient-intake-docs-*/*"]}))
        for _ in range(access.access_keys):
            iam.create_access_key(UserName=user)
        counts["iam_access_keys"] += access.access_keys
    return counts


def _seed_service_user(iam: Any, unit: int) -> Counts:
    user = service_user(unit)
    iam.create_user(UserName=user, Tags=tag_list({"owner": "data-engineering",
                                                  "application": "claims-export"}))
    iam.create_access_key(UserName=user)
    return Counts(iam_users=1, iam_access_keys=1)


def _seed_agents(iam: Any, unit: int, suffix: str, now: dt.datetime) -> Counts:
    counts = Counts()
    for position in range(AGENTS_PER_UNIT):
        number = agent_number(unit, position)
        user = agent_user(number)
        ended = position == AGENTS_PER_UNIT - 1
        access_end = now - dt.timedelta(days=21) if ended else now + dt.timedelta(days=180)
        iam.create_user(UserName=user, Tags=tag_list({
            "vendor": VENDOR_TAG, "vendor_agent_id": agent_id(number),
            "vendor_access_end": access_end.date().isoformat(),
            "email": f"{user}@meridian-contact.example"}))
        counts += _seed_login(iam, user, console=True, mfa=position % 2 == 0)
        group = "SchedulingAgents" if position < AGENTS_PER_UNIT // 2 else "BillingAgents"
        iam.add_user_to_group(GroupName=f"{group}{suffix}", UserName=user)
    return counts


def seed_unit_iam(ctx: SeedContext, unit: int) -> Counts:
    iam = ctx.clients.get("iam", ctx.regions[0])
    suffix = unit_suffix(unit)
    policies = _seed_policies(iam, suffix)
    _seed_groups(iam, suffix, policies)
    _seed_roles(iam, suffix, policies)
    counts = Counts(iam_policies=len(policies), iam_groups=3, iam_roles=3)
    counts += _seed_staff(iam, unit, suffix)
    counts += _seed_service_user(iam, unit)
    counts += _seed_agents(iam, unit, suffix, ctx.now)
    return counts


def seed_password_policy(ctx: SeedContext) -> None:
    ctx.clients.get("iam", ctx.regions[0]).update_account_password_policy(
        MinimumPasswordLength=8,
        RequireSymbols=False,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
    )
