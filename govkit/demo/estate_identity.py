"""IAM Identity Center: the people who sign in through the organisation's identity store.

Once per estate (it does not grow with the scale), in the home region, in the instance moto
creates for the account:

- group `Meridian-Agents`, assigned permission set `PatientSchedulingDesk` (8 hour sessions,
  appointment tools only) on the hospital's PHI workload account;
- `maria.santos@meridian-cs.example` (vendor roster M-1001): an active scheduling agent in
  `Meridian-Agents`; her primary e-mail is written with capitals and listed after a second one;
- `daniel.reyes@meridian-cs.example` (M-1007): a leaver whose user is still ENABLED and still
  in `Meridian-Agents`, so still holding `PatientSchedulingDesk` (violation);
- `grace.lim@meridian-cs.example` (M-1004): a leaver, DISABLED and in no group (offboarded);
  the only user without the enterprise extension's `employeeNumber`;
- `priya.shah@northbridge-health.example` (HR NB-2001): a hospital cloud administrator assigned
  `AdministratorAccess` (the AWS managed policy, 1 hour sessions) directly.

What only SCIM provisioning or the console sets, and moto does not keep (`UserStatus`,
`ExternalIds`, `CreatedAt`, the enterprise extension), `govkit.demo.fixups` supplies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from govkit.demo.estate_base import SeedContext, aws_managed_policy
from govkit.demo.names import DEMO_ACCOUNT, home_region

AGENTS_GROUP = "Meridian-Agents"
SCHEDULING_DESK = "PatientSchedulingDesk"
ADMINISTRATOR = "AdministratorAccess"
VENDOR_HR = "https://hr.meridian-cs.example"
HOSPITAL_HR = "https://hr.northbridge-health.example"


@dataclass(frozen=True, kw_only=True)
class IdentityCenterPerson:
    """A user of the demo identity store and what the fixups give it."""

    user_name: str
    given_name: str
    family_name: str
    hr_id: str
    issuer: str
    status: str  # UserStatus: ENABLED or DISABLED
    created_days: int
    groups: tuple[str, ...] = ()
    permission_sets: tuple[str, ...] = ()  # assigned to the user directly
    employee_number: bool = True  # the enterprise extension carries the HR id
    emails: tuple[tuple[str, bool], ...] = ()  # (address, primary); default: the user name


PEOPLE: tuple[IdentityCenterPerson, ...] = (
    IdentityCenterPerson(user_name="maria.santos@meridian-cs.example", given_name="Maria",
                         family_name="Santos", hr_id="M-1001", issuer=VENDOR_HR,
                         status="ENABLED", created_days=200, groups=(AGENTS_GROUP,),
                         emails=(("msantos@meridian-cs.example", False),
                                 ("Maria.Santos@meridian-cs.example", True))),
    IdentityCenterPerson(user_name="daniel.reyes@meridian-cs.example", given_name="Daniel",
                         family_name="Reyes", hr_id="M-1007", issuer=VENDOR_HR,
                         status="ENABLED", created_days=400, groups=(AGENTS_GROUP,)),
    IdentityCenterPerson(user_name="grace.lim@meridian-cs.example", given_name="Grace",
                         family_name="Lim", hr_id="M-1004", issuer=VENDOR_HR,
                         status="DISABLED", created_days=500, employee_number=False),
    IdentityCenterPerson(user_name="priya.shah@northbridge-health.example", given_name="Priya",
                         family_name="Shah", hr_id="NB-2001", issuer=HOSPITAL_HR,
                         status="ENABLED", created_days=730, permission_sets=(ADMINISTRATOR,)),
)

_SCHEDULING_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "Appointments", "Effect": "Allow",
    "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
    "Resource": f"arn:aws:dynamodb:*:{DEMO_ACCOUNT}:table/nbh-appointments-*"}]})


def _emails(person: IdentityCenterPerson) -> list[dict[str, Any]]:
    listed = person.emails or ((person.user_name, True),)
    return [{"Value": address, "Type": "work", "Primary": primary} for address, primary in listed]


def _create_user(store: Any, store_id: str, person: IdentityCenterPerson) -> str:
    extensions = {"aws:identitystore:enterprise": {"employeeNumber": person.hr_id}} \
        if person.employee_number else None
    user = store.create_user(
        IdentityStoreId=store_id, UserName=person.user_name,
        DisplayName=f"{person.given_name} {person.family_name}",
        Name={"GivenName": person.given_name, "FamilyName": person.family_name},
        Emails=_emails(person), **({"Extensions": extensions} if extensions else {}))
    return str(user["UserId"])


def _permission_set(sso: Any, instance: str, name: str) -> str:
    if name == ADMINISTRATOR:
        created = sso.create_permission_set(InstanceArn=instance, Name=name,
                                            Description="Cloud administrators",
                                            SessionDuration="PT1H")
        arn = str(created["PermissionSet"]["PermissionSetArn"])
        sso.attach_managed_policy_to_permission_set(
            InstanceArn=instance, PermissionSetArn=arn,
            ManagedPolicyArn=aws_managed_policy(ADMINISTRATOR))
    else:
        created = sso.create_permission_set(InstanceArn=instance, Name=name,
                                            Description="Scheduling agents: appointments only",
                                            SessionDuration="PT8H")
        arn = str(created["PermissionSet"]["PermissionSetArn"])
        sso.put_inline_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=arn,
                                                InlinePolicy=_SCHEDULING_POLICY)
    # AWS provisions on the first assignment; moto lists only explicitly provisioned sets
    sso.provision_permission_set(InstanceArn=instance, PermissionSetArn=arn,
                                 TargetType="AWS_ACCOUNT", TargetId=DEMO_ACCOUNT)
    return arn


def _assign(sso: Any, instance: str, permission_set: str, principal_type: str,
            principal: str) -> None:
    sso.create_account_assignment(InstanceArn=instance, TargetId=DEMO_ACCOUNT,
                                  TargetType="AWS_ACCOUNT", PermissionSetArn=permission_set,
                                  PrincipalType=principal_type, PrincipalId=principal)


def seed_identity_center(ctx: SeedContext) -> None:
    region = home_region(ctx.regions)
    sso = ctx.clients.get("sso-admin", region)
    store = ctx.clients.get("identitystore", region)
    [instance] = sso.list_instances()["Instances"]
    instance_arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]
    permission_sets = {name: _permission_set(sso, instance_arn, name)
                       for name in (SCHEDULING_DESK, ADMINISTRATOR)}
    groups = {AGENTS_GROUP: str(store.create_group(
        IdentityStoreId=store_id, DisplayName=AGENTS_GROUP,
        Description="Meridian Contact Services agents")["GroupId"])}
    _assign(sso, instance_arn, permission_sets[SCHEDULING_DESK], "GROUP", groups[AGENTS_GROUP])
    for person in PEOPLE:
        user = _create_user(store, store_id, person)
        for name in person.groups:
            store.create_group_membership(IdentityStoreId=store_id, GroupId=groups[name],
                                          MemberId={"UserId": user})
        for name in person.permission_sets:
            _assign(sso, instance_arn, permission_sets[name], "USER", user)
