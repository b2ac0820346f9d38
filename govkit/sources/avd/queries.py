"""The Azure Resource Manager requests the AVD source makes, shared by live collection, the
export reader (which records the Azure CLI's files as answers to these same requests) and the
normaliser (which reads the requests back from the records).

- host pools of a subscription: ``GET /subscriptions/{id}/providers/
  Microsoft.DesktopVirtualization/hostPools?api-version=2024-04-03`` (``value``, ``nextLink``);
  since API version 2023-09-05 the answer carries no registration token (it is fetched only
  by the ``retrieveRegistrationToken`` POST, which govkit never calls);
- application groups of a subscription: ``.../applicationGroups`` (same API version);
- role assignments that apply to an application group: ``GET {application group id}/providers/
  Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()``: those at
  the application group and at every scope above it (resource group, subscription, management
  group), each ``{id, name, type, properties: {roleDefinitionId, principalId, principalType,
  scope, ...}}``; who may open a desktop or app is whoever holds the built-in role "Desktop
  Virtualization User" there.
"""

from __future__ import annotations

import re

SERVICE = "avd"
PROVIDER = "Microsoft.DesktopVirtualization"
DESKTOP_API_VERSION = "2024-04-03"
AUTHORIZATION_API_VERSION = "2022-04-01"
# the built-in role "Desktop Virtualization User" (useApplications on an application group)
DESKTOP_VIRTUALIZATION_USER = "1d18fff3-a72a-46b5-b4a9-0b38a3cd7e63"
DESKTOP_VIRTUALIZATION_USER_NAME = "Desktop Virtualization User"

ACQUIRE_TOKEN = "AcquireToken"
LIST_HOST_POOLS = "ListHostPools"
LIST_APPLICATION_GROUPS = "ListApplicationGroups"
LIST_ROLE_ASSIGNMENTS = "ListRoleAssignments"
# not an ARM request: the session hosts' Group Policy export (govkit.sources.avd.sessionhosts)
READ_SESSION_HOST_POLICIES = "ReadSessionHostPolicies"
ASSIGNMENTS_SUFFIX = "/providers/Microsoft.Authorization/roleAssignments"

_ARM_ID = re.compile(r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
                     r"/providers/(?P<provider>[^/]+)/(?P<type>[^/]+)/(?P<name>[^/]+)$",
                     re.IGNORECASE)


def host_pools_path(subscription: str) -> str:
    return f"/subscriptions/{subscription}/providers/{PROVIDER}/hostPools"


def application_groups_path(subscription: str) -> str:
    return f"/subscriptions/{subscription}/providers/{PROVIDER}/applicationGroups"


def role_assignments_path(scope: str) -> str:
    return f"{scope.rstrip('/')}{ASSIGNMENTS_SUFFIX}"


def desktop_query() -> dict[str, str]:
    return {"api-version": DESKTOP_API_VERSION}


def assignments_query() -> dict[str, str]:
    return {"api-version": AUTHORIZATION_API_VERSION, "$filter": "atScope()"}


def parse_id(resource_id: str, resource_type: str) -> tuple[str, str, str] | None:
    """(subscription, resource group, name) of an ARM id of ``Microsoft.DesktopVirtualization/
    <resource_type>``, or None when it is no such id (ARM ids compare without case)."""
    match = _ARM_ID.match(resource_id or "")
    if match is None or match["provider"].casefold() != PROVIDER.casefold() or \
            match["type"].casefold() != resource_type.casefold():
        return None
    return match["subscription"], match["group"], match["name"]


def scope_of(path: str) -> str:
    """The scope a role assignment listing was asked for (its path without the suffix)."""
    head = path.split("?", 1)[0]
    if head.casefold().endswith(ASSIGNMENTS_SUFFIX.casefold()):
        return head[:-len(ASSIGNMENTS_SUFFIX)]
    return head


def applies_to(assignment_scope: str, resource_id: str) -> bool:
    """Whether a role assignment at ``assignment_scope`` covers ``resource_id``: the same
    scope, a scope above it, or a management group (which holds every subscription)."""
    scope = assignment_scope.rstrip("/").casefold()
    target = resource_id.rstrip("/").casefold()
    if scope.startswith("/providers/microsoft.management/managementgroups/") or scope == "/":
        return True
    return target == scope or target.startswith(scope + "/")


def is_desktop_user_role(role_definition_id: str, role_name: str | None = None) -> bool:
    last = (role_definition_id or "").rstrip("/").rsplit("/", 1)[-1].casefold()
    return last == DESKTOP_VIRTUALIZATION_USER or role_name == DESKTOP_VIRTUALIZATION_USER_NAME
