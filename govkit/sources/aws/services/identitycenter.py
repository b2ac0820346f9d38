"""IAM Identity Center: the instance, its identity store's users, groups and group memberships,
the permission sets, and which principal holds which permission set in which account.

Identity Center lives in one region of the organisation's management (or delegated
administrator) account, so the scan runs this collector once, there, and only when it is told
the region.

Assignments are read per permission set: ``ListAccountsForProvisionedPermissionSet``, then
``ListAccountAssignments`` for each of those accounts. The number of calls grows with the
permission sets and the accounts each is provisioned to, not with the users (an outsourced
contact centre's roster runs to thousands of agents, who would each need a
``ListAccountAssignmentsForPrincipal``), and one answer lists user and group principals alike.
moto answers both routes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from govkit.sources.aws.calls import Caller
from govkit.sources.aws.tasks import ServiceScope, Task

SSO_ADMIN = "sso-admin"
IDENTITY_STORE = "identitystore"
ENTERPRISE_EXTENSION = "aws:identitystore:enterprise"


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _instances(scope)]


def _instances(scope: ServiceScope) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller(SSO_ADMIN).pages("list_instances"):
        if not page.ok:
            break
        for instance in page.response.get("Instances") or []:
            store, arn = instance["IdentityStoreId"], instance["InstanceArn"]
            tasks += [_bind(_users, scope, store), _bind(_groups, scope, store),
                      _bind(_permission_sets, scope, arn)]
    return tasks


def _bind(step: Callable[[ServiceScope, str], Iterable[Task] | None], scope: ServiceScope,
          value: str) -> Task:
    return lambda: step(scope, value)


def _user_extensions(identitystore: Caller) -> dict[str, Any]:
    """``Extensions`` for ListUsers when the installed botocore knows the parameter (the
    enterprise extension carries ``employeeNumber``, the HR id), else nothing: the normaliser
    then sees from the recorded parameters that employee ids were not asked for."""
    model = identitystore.client.meta.service_model.operation_model("ListUsers")
    if "Extensions" in model.input_shape.members:
        return {"Extensions": [ENTERPRISE_EXTENSION]}
    return {}


def _users(scope: ServiceScope, store: str) -> None:
    identitystore = scope.caller(IDENTITY_STORE)
    identitystore.record_all("list_users", IdentityStoreId=store,
                             **_user_extensions(identitystore))


def _groups(scope: ServiceScope, store: str) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller(IDENTITY_STORE).pages("list_groups", IdentityStoreId=store):
        if not page.ok:
            break
        tasks.extend(_memberships_task(scope, store, group["GroupId"])
                     for group in page.response.get("Groups") or [])
    return tasks


def _memberships_task(scope: ServiceScope, store: str, group_id: str) -> Task:
    def run() -> None:
        scope.caller(IDENTITY_STORE).record_all("list_group_memberships",
                                                IdentityStoreId=store, GroupId=group_id)
    return run


def _permission_sets(scope: ServiceScope, instance_arn: str) -> Iterable[Task]:
    tasks: list[Task] = []
    for page in scope.caller(SSO_ADMIN).pages("list_permission_sets", InstanceArn=instance_arn):
        if not page.ok:
            break
        tasks.extend(_permission_set_task(scope, instance_arn, arn)
                     for arn in page.response.get("PermissionSets") or [])
    return tasks


def _permission_set_task(scope: ServiceScope, instance_arn: str, arn: str) -> Task:
    def run() -> Iterable[Task]:
        sso = scope.caller(SSO_ADMIN)
        sso.call("describe_permission_set", InstanceArn=instance_arn, PermissionSetArn=arn)
        tasks: list[Task] = []
        for page in sso.pages("list_accounts_for_provisioned_permission_set",
                              InstanceArn=instance_arn, PermissionSetArn=arn):
            if not page.ok:
                break
            tasks.extend(_assignments_task(scope, instance_arn, arn, account)
                         for account in page.response.get("AccountIds") or [])
        return tasks
    return run


def _assignments_task(scope: ServiceScope, instance_arn: str, arn: str, account: str) -> Task:
    def run() -> None:
        scope.caller(SSO_ADMIN).record_all("list_account_assignments", InstanceArn=instance_arn,
                                           AccountId=account, PermissionSetArn=arn)
    return run
