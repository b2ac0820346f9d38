"""The parts of Google's Admin SDK that collection, exports and normalisation must agree on:
paths, scopes, operation names and the admin events that disable an account.

Directory API (``admin.googleapis.com/admin/directory/v1``): users, groups and group members,
paged with ``maxResults`` and ``nextPageToken``. Reports API
(``admin.googleapis.com/admin/reports/v1``): the Admin console's audit log (``activities.list``
with ``userKey=all`` and ``applicationName=admin``), one query per event name because
``eventName`` takes one name.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

SERVICE = "google"
SYSTEM = "google"
USER_TYPE = "google.user"

DEFAULT_BASE_URL = "https://admin.googleapis.com"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
DEFAULT_CUSTOMER = "my_customer"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

_SCOPE = "https://www.googleapis.com/auth/"
USER_SCOPE = _SCOPE + "admin.directory.user.readonly"
GROUP_SCOPE = _SCOPE + "admin.directory.group.readonly"
MEMBER_SCOPE = _SCOPE + "admin.directory.group.member.readonly"
AUDIT_SCOPE = _SCOPE + "admin.reports.audit.readonly"
# Two tokens, so that a delegation granted for the Directory scopes but not for the Reports
# one (Google then refuses the whole token request) still lets users and groups be collected.
DIRECTORY_SCOPES: tuple[str, ...] = (USER_SCOPE, GROUP_SCOPE, MEMBER_SCOPE)
REPORTS_SCOPES: tuple[str, ...] = (AUDIT_SCOPE,)

ACQUIRE_TOKEN = "AcquireToken"
LIST_USERS = "ListUsers"
LIST_GROUPS = "ListGroups"
LIST_GROUP_MEMBERS = "ListGroupMembers"
LIST_ADMIN_ACTIVITIES = "ListAdminActivities"

USERS_PATH = "/admin/directory/v1/users"
GROUPS_PATH = "/admin/directory/v1/groups"
ACTIVITIES_PATH = "/admin/reports/v1/activity/users/all/applications/admin"

# Admin console events after which the account can no longer be used (Reports API, admin
# application, type USER_SETTINGS; the target is the USER_EMAIL parameter). A deleted user is
# not in the users listing at all, so DELETE_USER says nothing about a listed account.
DISABLE_EVENTS: tuple[str, ...] = ("SUSPEND_USER", "ARCHIVE_USER")
TARGET_PARAMETER = "USER_EMAIL"

MAX_PAGE = {LIST_USERS: 500, LIST_GROUPS: 200, LIST_GROUP_MEMBERS: 200,
            LIST_ADMIN_ACTIVITIES: 1000}
"""The largest ``maxResults`` each listing accepts."""

NEVER_SIGNED_IN = "1970-01-01T00:00:00.000Z"
"""Google's ``lastLoginTime`` of a user who never signed in."""

_MEMBERS = re.compile(r"^/admin/directory/v1/groups/([^/]+)/members$")


def members_path(group_key: str) -> str:
    return f"{GROUPS_PATH}/{quote(group_key, safe='')}/members"


def group_of_members_path(path: str) -> str | None:
    """The group key in a members listing's path, or None for any other path."""
    match = _MEMBERS.match(path)
    return unquote(match.group(1)) if match else None


def page_size(operation: str, wanted: int) -> int:
    return max(1, min(wanted, MAX_PAGE[operation]))
