"""What the Okta source and its normaliser agree on: operation names, paths, the log query."""

from __future__ import annotations

import datetime as dt
import re

LIST_USERS = "ListUsers"
LIST_DEPROVISIONED_USERS = "ListDeprovisionedUsers"
LIST_GROUPS = "ListGroups"
LIST_GROUP_MEMBERS = "ListGroupMembers"
LIST_APPS = "ListApps"
LIST_APP_USERS = "ListAppUsers"
LIST_FACTORS = "ListFactors"
LIST_ADMIN_ASSIGNEES = "ListAdminAssignees"
LIST_LOG_EVENTS = "ListLogEvents"
GET_ACCESS_TOKEN = "GetAccessToken"

DISABLE_EVENT_TYPES = ("user.lifecycle.deactivate", "user.lifecycle.suspend")
LOG_FILTER = " or ".join(f'eventType eq "{name}"' for name in DISABLE_EVENT_TYPES)
DEPROVISIONED_SEARCH = 'status eq "DEPROVISIONED"'

# the id a per-group, per-app or per-user call was about, from its recorded path (the first
# page's path, or the absolute URL of a following page)
ENTITY_PATHS = {LIST_GROUP_MEMBERS: re.compile(r"/api/v1/groups/([^/?#]+)/users"),
                LIST_APP_USERS: re.compile(r"/api/v1/apps/([^/?#]+)/users"),
                LIST_FACTORS: re.compile(r"/api/v1/users/([^/?#]+)/factors")}


def okta_time(value: dt.datetime) -> str:
    """The ISO-8601 form Okta's query parameters take: UTC, milliseconds, ``Z``."""
    value = value.astimezone(dt.timezone.utc) if value.tzinfo else value
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
