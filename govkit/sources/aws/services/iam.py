"""IAM: bulk calls (authorization details, credential report), and per-user calls only where
the bulk answers lack something a finding must name: the ids of access keys, which the
credential report leaves out, listed for the users whose report row shows a key."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Mapping
from typing import Any

from govkit.sources.aws.tasks import ServiceScope, Task

AUTH_DETAIL_FILTER = ["User", "Role", "Group", "LocalManagedPolicy"]
REPORT_POLL_SECONDS = 2.0
REPORT_MAX_POLLS = 30
ROOT_USER = "<root_account>"
# how the credential report spells "no value"
NO_VALUE = frozenset({"N/A", "no_information", "not_supported", ""})


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


def _credential_report(scope: ServiceScope) -> Iterable[Task]:
    """Ask IAM to build the report, wait while it does, then read it; then list the access
    keys of each user whose row shows one."""
    iam = scope.caller("iam")
    for _ in range(REPORT_MAX_POLLS):
        generated = iam.call("generate_credential_report")
        if not generated.ok or generated.response.get("State") == "COMPLETE":
            break
        time.sleep(REPORT_POLL_SECONDS)
    report = iam.call("get_credential_report")
    if not report.ok:
        return []
    return [_access_keys_task(scope, user) for user in users_with_keys(
        report.response.get("Content"))]


def key_slots(row: Mapping[str, str]) -> list[int]:
    """The access key slots (1, 2) of a credential report row that hold a key: active, or
    with a rotation date (an inactive key)."""
    return [slot for slot in (1, 2)
            if row.get(f"access_key_{slot}_active") == "true"
            or (row.get(f"access_key_{slot}_last_rotated") or "") not in NO_VALUE]


def users_with_keys(content: Any) -> list[str]:
    """Users (not the root) whose credential report row shows an access key, sorted."""
    if isinstance(content, (bytes, bytearray)):
        try:
            content = bytes(content).decode("utf-8")
        except UnicodeDecodeError:
            return []  # not a CSV report: the normaliser refuses it
    if not isinstance(content, str):
        return []
    return sorted({row["user"] for row in csv.DictReader(io.StringIO(content))
                   if row.get("user") and row["user"] != ROOT_USER and key_slots(row)})


def _access_keys_task(scope: ServiceScope, user: str) -> Task:
    def run() -> None:
        scope.caller("iam").record_all("list_access_keys", UserName=user)
    return run


def _account_settings(scope: ServiceScope) -> None:
    iam = scope.caller("iam")
    iam.call("get_account_password_policy")
    iam.call("get_account_summary")
    iam.record_all("list_virtual_mfa_devices", AssignmentStatus="Any")
