"""The attributes every account resource carries, whatever system it lives in.

Identity providers, IAM Identity Center, IAM and WorkSpaces each have their own words for the
same facts (Okta ``status: SUSPENDED``, Entra ``accountEnabled: false``, Google
``suspended: true``). Their normalisers keep the source's own fields and also set these, so
the join into people (govkit.people) and the check kinds (govkit.checks) read one vocabulary.

An attribute whose data could not be collected is a failure on that attribute (never a guess):
a tenant whose sign-in activity needs a licence it lacks has ``LastSignInAt`` failed on every
user, and the check kinds turn that into one ERROR for the tenant.

Times are ISO-8601 strings in UTC with a ``Z`` (``2026-10-01T17:00:00Z``).
"""

from __future__ import annotations

from collections.abc import Iterable

ACCOUNT_FIELDS: dict[str, str] = {
    "System": "the kind of system: okta, entra, google, identitycenter, iam, workspaces",
    "Login": "the name the account signs in with (Okta profile.login, Entra userPrincipalName, "
             "Google primaryEmail, Identity Center UserName, IAM UserName, WorkSpaces UserName)",
    "Emails": "every e-mail address of the account, lower-cased, primary first",
    "EmployeeId": "the immutable HR id the system holds (Okta profile.employeeNumber, Entra "
                  "employeeId, Google externalIds of type organization, the configured IAM "
                  "tag), or null",
    "ExternalIds": "other immutable ids that name the person (SCIM externalId, Identity Center "
                   "ExternalIds[].Id), as strings",
    "Active": "true while the account can still be used: not suspended, deactivated, disabled "
              "or archived (IAM: a console password or an active access key; WorkSpaces: a "
              "WorkSpace not terminated)",
    "Status": "the system's own status word (ACTIVE, SUSPENDED, enabled, disabled, ...)",
    "CreatedAt": "when the account was created, or null where the system does not say",
    "LastSignInAt": "the last successful sign-in, or null when the account never signed in",
    "DisabledAt": "when the account stopped being active, from the system's own state (Okta "
                  "statusChanged of a suspended or deactivated user), or null",
    "DisableEvents": "disabling events found in the system's audit log in the collected "
                     "window: a list of {At, Event, Actor}, oldest first",
    "DisableEventsSince": "the start of the audit-log window that was searched, or null "
                          "when the system has no such log",
    "Groups": "names of the groups the account is a member of",
    "Applications": "names of the applications assigned to the account (directly or "
                    "through a group)",
    "MfaFactors": "enrolled, active second factors: a list of {Type, PhishingResistant}",
    "Admin": "whether the account holds an administrator role in its system",
}
"""Attribute name → meaning. Every account resource sets each one or records its failure."""

ACCOUNT_ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "DisableEvents": ("At", "Event", "Actor"),
    "MfaFactors": ("Type", "PhishingResistant"),
}

ACCOUNT_TYPES = ("okta.user", "entra.user", "google.user", "aws.identitystore.user",
                 "aws.iam.user", "aws.workspaces.workspace")
"""Resource types that are accounts (a source adding one lists it here)."""

PERSON_RECORD_TYPES = ("hr.person", "vendor.agent")
"""Resource types that say a person exists and whether they left (HR files, vendor rosters)."""


def normalise_email(value: str | None) -> str | None:
    """The join key for an e-mail address: trimmed and lower-cased, or None."""
    if not value:
        return None
    value = value.strip().lower()
    return value if "@" in value else None


def emails(*values: str | None | Iterable[str | None]) -> list[str]:
    """Normalised addresses from several places, without repeats, first seen first."""
    found: list[str] = []
    for value in values:
        candidates = [value] if value is None or isinstance(value, str) else list(value)
        for candidate in candidates:
            address = normalise_email(candidate)
            if address and address not in found:
                found.append(address)
    return found
