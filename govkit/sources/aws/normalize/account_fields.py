"""The account vocabulary (``govkit.inventory.accounts.ACCOUNT_FIELDS``) on IAM users and
WorkSpaces. Each sets every attribute from what the IAM or WorkSpaces normaliser already read,
or records why it cannot: a fact govkit does not collect is a ``NotCollected`` failure on that
attribute, never a guessed value. (Identity Center users set theirs in ``identitycenter``.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from govkit import canonical
from govkit.inventory.accounts import emails
from govkit.inventory.model import CallFailure, Ref, ResourceBuilder
from govkit.sources.aws.normalize.common import not_collected, report_value
from govkit.sources.aws.normalize.credential_report import CredentialReport
from govkit.sources.interface import NormalizeContext

IAM_LISTING = "iam:GetAccountAuthorizationDetails"
WORKSPACES_LISTING = "workspaces:DescribeWorkspaces"
MFA_KIND_UNKNOWN = ("the credential report says an MFA device is enabled but not which kind; "
                    "the kinds are read by iam:ListMFADevices, which govkit does not call")
TERMINATED_STATES = frozenset({"TERMINATING", "TERMINATED"})
EMAIL_TAG = "email"
NO_AUDIT_LOG = ("disabling events come from CloudTrail, which govkit does not search for "
                "this system")


def iso_time(value: Any) -> str | None:
    """An ISO-8601 time (any offset, or a credential-report cell) as UTC with a ``Z``."""
    if not isinstance(value, str) or report_value(value) is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return canonical.iso_utc(moment)


def latest(values: Iterable[Any]) -> str | None:
    """The latest of several times, as :func:`iso_time`; None when none is a time."""
    times = [t for t in (iso_time(v) for v in values) if t is not None]
    return max(times, key=lambda t: dt.datetime.fromisoformat(t.replace("Z", "+00:00")),
               default=None)


def _fail_all(builder: ResourceBuilder, keys: Iterable[str], why: CallFailure) -> None:
    for key in keys:
        builder.fail(key, why)


def set_iam_user_fields(builder: ResourceBuilder, principal: Mapping[str, Any], entry: Ref,
                        row: Mapping[str, str] | None, report: CredentialReport,
                        ctx: NormalizeContext) -> None:
    """After the IAM normaliser set the user's own attributes (Groups, AdminPolicies and the
    credential facts, or their failures), the vocabulary from the same data."""
    tags = builder.tags
    tag_source = [entry, *builder.sources.get("Tags", ())]
    builder.update({"System": "iam", "Login": str(principal.get("UserName")),
                    "ExternalIds": [], "DisabledAt": None, "DisableEventsSince": None,
                    "CreatedAt": iso_time(principal.get("CreateDate")),
                    # an IAM user reaches AWS through its own and its groups' policies only:
                    # IAM has no application assignments to list
                    "Applications": []}, entry)
    builder.update({"Emails": emails(tags.get(EMAIL_TAG)),
                    "EmployeeId": tags.get(ctx.employee_id_tag) or None}, tag_source)
    builder.fail("DisableEvents", not_collected(IAM_LISTING, NO_AUDIT_LOG))
    if "AdminPolicies" in builder.failures:
        builder.fail("Admin", builder.failures["AdminPolicies"])
    else:
        builder.set("Admin", bool(builder.attributes.get("AdminPolicies")),
                    builder.sources.get("AdminPolicies", entry))
    credentials = ("Active", "Status", "LastSignInAt", "MfaFactors")
    unknown = builder.failures.get("PasswordEnabled")
    if unknown is not None or row is None:
        _fail_all(builder, credentials, unknown or not_collected(
            "iam:GetCredentialReport", "the user is not in the credential report"))
        return
    source = report.ref_of(row)
    active = row.get("password_enabled") == "true" or any(
        row.get(f"access_key_{slot}_active") == "true" for slot in (1, 2))
    builder.update({"Active": active, "Status": "active" if active else "inactive",
                    "LastSignInAt": latest(row.get(k) for k in (
                        "password_last_used", "access_key_1_last_used_date",
                        "access_key_2_last_used_date"))}, source)
    builder.note(("Active", "Status", "LastSignInAt"), report.note)
    if row.get("mfa_active") == "true":
        # the report says a device is enabled, not which kind: whether it resists phishing
        # (a FIDO security key) or not (an authenticator app) is unknown
        builder.fail("MfaFactors", not_collected("iam:ListMFADevices", MFA_KIND_UNKNOWN))
    else:
        builder.set("MfaFactors", [], source).note(("MfaFactors",), report.note)


def set_workspace_fields(builder: ResourceBuilder, workspace: Mapping[str, Any],
                         entry: Ref) -> None:
    """A WorkSpace is its user's account in WorkSpaces: usable until it is terminated. What
    the user is beyond the name lives in the directory, which govkit does not read."""
    state = workspace.get("State")
    builder.update({"System": "workspaces", "Login": workspace.get("UserName"),
                    "ExternalIds": [], "CreatedAt": None, "DisabledAt": None,
                    "DisableEventsSince": None}, entry)
    if state is None:
        _fail_all(builder, ("Active", "Status"), not_collected(
            WORKSPACES_LISTING, f"the answer gives no State for {workspace.get('WorkspaceId')}"))
    else:
        builder.update({"Active": state not in TERMINATED_STATES, "Status": state},
                       Ref(entry.file, entry.pointer + "/State"))
    directory = ("WorkSpaces names only the directory user; {what} lives in the directory "
                 "(Simple AD, AD Connector or Microsoft AD), which govkit does not read")
    for key, what in (("Emails", "the user's e-mail"), ("EmployeeId", "the user's employee id"),
                      ("Groups", "group membership"),
                      ("MfaFactors", "multi-factor authentication (RADIUS)")):
        builder.fail(key, not_collected(WORKSPACES_LISTING, directory.format(what=what)))
    builder.fail("LastSignInAt", not_collected(
        "workspaces:DescribeWorkspacesConnectionStatus",
        "the last connection time is read by workspaces:DescribeWorkspacesConnectionStatus, "
        "which govkit does not call"))
    builder.fail("DisableEvents", not_collected(WORKSPACES_LISTING, NO_AUDIT_LOG))
    builder.fail("Applications", not_collected(
        "workspaces:DescribeApplicationAssociations",
        "applications associated with a WorkSpace are not collected"))
    builder.fail("Admin", not_collected(
        WORKSPACES_LISTING, "whether the user is a local administrator of the WorkSpace is "
        "not collected per WorkSpace"))
