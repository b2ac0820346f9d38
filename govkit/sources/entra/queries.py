"""The Microsoft Graph requests the Entra source makes, shared by live collection, the export
reader (which records files as answers to these same requests) and the normaliser (which reads
the requests back from the records)."""

from __future__ import annotations

import datetime as dt
import re

from govkit import canonical

SERVICE = "entra"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"  # Microsoft Graph's own application

# Operation names, one per kind of request (every page of a listing is one record).
ACQUIRE_TOKEN = "AcquireToken"
LIST_USERS = "ListUsers"
LIST_GROUPS = "ListGroups"
LIST_GROUP_MEMBERS = "ListGroupMembers"
LIST_SERVICE_PRINCIPALS = "ListServicePrincipals"
LIST_APP_ROLE_ASSIGNED_TO = "ListAppRoleAssignedTo"
LIST_REGISTRATION_DETAILS = "ListUserRegistrationDetails"
LIST_DIRECTORY_AUDITS = "ListDirectoryAudits"
GET_GRAPH_SERVICE_PRINCIPAL = "GetGraphServicePrincipal"
LIST_OWN_APP_ROLE_ASSIGNMENTS = "ListOwnAppRoleAssignments"

USERS_PATH = "/v1.0/users"
GROUPS_PATH = "/v1.0/groups"
SERVICE_PRINCIPALS_PATH = "/v1.0/servicePrincipals"
REGISTRATION_DETAILS_PATH = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
DIRECTORY_AUDITS_PATH = "/v1.0/auditLogs/directoryAudits"
GRAPH_SERVICE_PRINCIPAL_PATH = f"/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')"

# A list hides most of a user: the default property set has no accountEnabled, employeeId,
# createdDateTime, signInActivity, ... so every property read is selected.
USER_PROPERTIES = (
    "id", "userPrincipalName", "displayName", "mail", "otherMails", "accountEnabled",
    "userType", "employeeId", "employeeType", "companyName", "department", "createdDateTime",
    "employeeHireDate", "employeeLeaveDateTime", "onPremisesImmutableId")
SIGN_IN_ACTIVITY = "signInActivity"  # AuditLog.Read.All and an Entra ID P1/P2 licence

GROUP_PROPERTIES = "id,displayName,securityEnabled"
MEMBER_PROPERTIES = "id"
SERVICE_PRINCIPAL_PROPERTIES = "id,appId,displayName,servicePrincipalType"
ASSIGNMENT_PROPERTIES = ("id,appRoleId,principalId,principalType,principalDisplayName,"
                         "resourceId,resourceDisplayName,createdDateTime")

# Disabling events in the directory audit log, one bounded query each.
DISABLE_ACCOUNT = "Disable account"
UPDATE_USER = "Update user"
DELETE_USER = "Delete user"
AUDIT_ACTIVITIES = (DISABLE_ACCOUNT, UPDATE_USER, DELETE_USER)

# Application permissions (app roles of Microsoft Graph) that let an app read
# employeeLeaveDateTime; without one of them Graph answers the property with null.
LIFECYCLE_PERMISSIONS = frozenset({"User-LifeCycleInfo.Read.All",
                                   "User-LifeCycleInfo.ReadWrite.All"})


def users_query(page_size: int, *, sign_in: bool) -> dict[str, str]:
    properties = USER_PROPERTIES + ((SIGN_IN_ACTIVITY,) if sign_in else ())
    return {"$select": ",".join(properties), "$top": str(page_size)}


def selects_sign_in(query: object) -> bool:
    """Whether a recorded users query asked for signInActivity."""
    selected = query.get("$select", "") if isinstance(query, dict) else ""
    return SIGN_IN_ACTIVITY in str(selected).split(",")


def members_path(group_id: str) -> str:
    return f"{GROUPS_PATH}/{group_id}/members"


def assigned_to_path(service_principal_id: str) -> str:
    return f"{SERVICE_PRINCIPALS_PATH}/{service_principal_id}/appRoleAssignedTo"


def own_assignments_path(client_id: str) -> str:
    return f"{SERVICE_PRINCIPALS_PATH}(appId='{client_id}')/appRoleAssignments"


def owner_id(path: str, prefix: str) -> str | None:
    """The object id in a per-object path: ``/v1.0/groups/{id}/members`` gives ``id``."""
    match = re.match(re.escape(prefix) + r"/([^/?]+)/", path)
    return match.group(1) if match else None


def audit_filter(since: dt.datetime, until: dt.datetime, activity: str | None = None) -> str:
    """A bounded $filter: the window (both ends, so the listing ends), and one activity."""
    clause = (f"activityDateTime ge {canonical.iso_utc(since)} and "
              f"activityDateTime le {canonical.iso_utc(until)}")
    return clause if activity is None else f"{clause} and activityDisplayName eq '{activity}'"


def audit_since(filter_text: object) -> str | None:
    """The start of the window a recorded directoryAudits $filter searched."""
    match = re.search(r"activityDateTime ge (\S+)", str(filter_text or ""))
    return match.group(1) if match else None
