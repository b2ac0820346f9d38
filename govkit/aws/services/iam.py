"""IAM: bulk calls only (authorization details, credential report), never per-user loops."""

from __future__ import annotations

import time
from collections.abc import Iterable

from govkit.aws.tasks import ServiceScope, Task

AUTH_DETAIL_FILTER = ["User", "Role", "Group", "LocalManagedPolicy"]
REPORT_POLL_SECONDS = 2.0
REPORT_MAX_POLLS = 30


def collect(scope: ServiceScope) -> Iterable[Task]:
    return [lambda: _authorization_details(scope), lambda: _credential_report(scope),
            lambda: _account_settings(scope)]


def _authorization_details(scope: ServiceScope) -> Iterable[Task]:
    """Users, groups, roles and customer policies; then each attached AWS managed policy."""
    iam = scope.caller("iam")
    aws_managed: set[str] = set()
    for page in iam.pages("get_account_authorization_details", Filter=AUTH_DETAIL_FILTER):
        if not page.ok:
            return []
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
            for principal in page.response.get(key) or []:
                for attached in principal.get("AttachedManagedPolicies") or []:
                    arn = attached.get("PolicyArn", "")
                    if ":iam::aws:policy/" in arn:
                        aws_managed.add(arn)
    return [_managed_policy_task(scope, arn) for arn in sorted(aws_managed)]


def _managed_policy_task(scope: ServiceScope, arn: str) -> Task:
    def run() -> None:
        iam = scope.caller("iam")
        policy = iam.call("get_policy", PolicyArn=arn)
        if policy.ok:
            version = policy.response["Policy"].get("DefaultVersionId", "v1")
            iam.call("get_policy_version", PolicyArn=arn, VersionId=version)
    return run


def _credential_report(scope: ServiceScope) -> None:
    """Ask IAM to build the report, wait while it does, then read it."""
    iam = scope.caller("iam")
    for _ in range(REPORT_MAX_POLLS):
        generated = iam.call("generate_credential_report")
        if not generated.ok or generated.response.get("State") == "COMPLETE":
            break
        time.sleep(REPORT_POLL_SECONDS)
    iam.call("get_credential_report")


def _account_settings(scope: ServiceScope) -> None:
    iam = scope.caller("iam")
    iam.call("get_account_password_policy")
    iam.call("get_account_summary")
    iam.record_all("list_virtual_mfa_devices", AssignmentStatus="Any")
