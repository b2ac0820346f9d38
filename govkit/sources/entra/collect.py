"""Live collection from Microsoft Graph v1.0: every page of every listing recorded.

Requests (operation names in brackets; application permissions they need):

- users with the properties a list hides unless selected, and signInActivity [ListUsers;
  User.Read.All, plus AuditLog.Read.All and an Entra ID P1/P2 licence for signInActivity].
  When Graph refuses signInActivity (403: ``Authentication_RequestFromNonPremiumTenantOrB2CTenant``
  without the licence, ``Authentication_MSGraphPermissionMissing`` without the permission) the
  users are listed again without it; the refused call stays in the snapshot and every user's
  LastSignInAt points at it.
- groups, then each group's direct members [ListGroups, ListGroupMembers; GroupMember.Read.All].
- app role assignments: every service principal, then who is assigned to it
  [ListServicePrincipals, ListAppRoleAssignedTo; Application.Read.All]. One call per
  application rather than one per user and group (``/users/{id}/appRoleAssignments``):
  a tenant has far fewer applications than people, and this gives user and group assignments
  alike. ``$expand`` is not used because Graph cuts expanded collections at 20 items.
- MFA registration [ListUserRegistrationDetails; AuditLog.Read.All].
- directory audits in the collection window, one bounded query per disabling activity
  ("Disable account", "Update user", "Delete user") [ListDirectoryAudits; AuditLog.Read.All].
- which Microsoft Graph permissions the app holds [GetGraphServicePrincipal,
  ListOwnAppRoleAssignments]: Graph answers employeeLeaveDateTime with null, not an error,
  unless the app holds User-LifeCycleInfo.Read.All, so the grant itself is the evidence.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from govkit.snapshot import SnapshotWriter
from govkit.sources.entra import queries as q
from govkit.sources.entra.auth import TokenProvider
from govkit.sources.entra.settings import EntraSettings
from govkit.sources.http import Page, Paging, RecordedClient
from govkit.sources.interface import CollectWindow


def collect_live(settings: EntraSettings, writer: SnapshotWriter, window: CollectWindow, *,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> int:
    """Record one tenant's directory; returns the number of calls recorded."""
    tokens = TokenProvider(settings, writer, sleep=sleep, transport=transport)
    if not tokens.acquire():
        return tokens.failures  # nothing else can succeed: no call is made
    with RecordedClient(service=q.SERVICE, tenant=settings.tenant_id,
                        base_url=settings.graph_url, writer=writer, headers=tokens.headers,
                        max_attempts=settings.max_attempts, sleep=sleep,
                        transport=transport) as client:
        graph = _Graph(client, settings)
        graph.users()
        graph.per_object(q.LIST_GROUPS, q.GROUPS_PATH, {"$select": q.GROUP_PROPERTIES},
                         q.LIST_GROUP_MEMBERS, q.members_path, {"$select": q.MEMBER_PROPERTIES})
        graph.per_object(q.LIST_SERVICE_PRINCIPALS, q.SERVICE_PRINCIPALS_PATH,
                         {"$select": q.SERVICE_PRINCIPAL_PROPERTIES},
                         q.LIST_APP_ROLE_ASSIGNED_TO, q.assigned_to_path,
                         {"$select": q.ASSIGNMENT_PROPERTIES}, top=False)
        graph.listing(q.LIST_REGISTRATION_DETAILS, q.REGISTRATION_DETAILS_PATH, {}, top=False)
        for activity in q.AUDIT_ACTIVITIES:
            graph.listing(q.LIST_DIRECTORY_AUDITS, q.DIRECTORY_AUDITS_PATH,
                          {"$filter": q.audit_filter(window.since, window.until, activity)})
        graph.permissions()
        return graph.calls + tokens.failures


class _Graph:
    """The requests of one collection, counted."""

    def __init__(self, client: RecordedClient, settings: EntraSettings) -> None:
        self.client, self.settings = client, settings
        self._lock = threading.Lock()
        self.calls = 0

    def _pages(self, operation: str, path: str, query: Mapping[str, str],
               paging: Paging = Paging.ODATA) -> list[Page]:
        pages = list(self.client.pages(operation, path, query, paging=paging))
        with self._lock:
            self.calls += len(pages)
        return pages

    def listing(self, operation: str, path: str, query: Mapping[str, str], *,
                top: bool = True) -> list[Page]:
        """Every page of one listing ($top where Graph takes it)."""
        if top:
            query = {**query, "$top": str(self.settings.page_size)}
        return self._pages(operation, path, query)

    def users(self) -> None:
        pages = self._pages(q.LIST_USERS, q.USERS_PATH,
                            q.users_query(self.settings.page_size, sign_in=True))
        refused = bool(pages) and not pages[-1].ok and pages[-1].entry.error_code == "HTTP403"
        if refused:  # no licence or no AuditLog.Read.All: the users still count
            self._pages(q.LIST_USERS, q.USERS_PATH,
                        q.users_query(self.settings.page_size, sign_in=False))

    def per_object(self, operation: str, path: str, query: Mapping[str, str],
                   each_operation: str, each_path: Callable[[str], str],
                   each_query: Mapping[str, str], *, top: bool = True) -> None:
        """A listing, then one listing per object it named (in parallel)."""
        ids = _ids(self.listing(operation, path, query))
        if not ids:
            return
        with ThreadPoolExecutor(max_workers=self.settings.workers,
                                thread_name_prefix="govkit-entra") as pool:
            list(pool.map(lambda object_id: self.listing(
                each_operation, each_path(object_id), each_query, top=top), ids))

    def permissions(self) -> None:
        self._pages(q.GET_GRAPH_SERVICE_PRINCIPAL, q.GRAPH_SERVICE_PRINCIPAL_PATH,
                    {"$select": "id,appId,displayName,appRoles"}, paging=Paging.NONE)
        self._pages(q.LIST_OWN_APP_ROLE_ASSIGNMENTS,
                    q.own_assignments_path(str(self.settings.client_id)), {})


def _ids(pages: Iterable[Page]) -> list[str]:
    """Object ids a listing named, in order (only if every page answered)."""
    found: list[str] = []
    for page in pages:
        values: Any = page.body.get("value") if isinstance(page.body, dict) else None
        if not page.ok or not isinstance(values, list):
            return found  # the normaliser fails what depends on the rest
        found += [str(v["id"]) for v in values if isinstance(v, dict) and v.get("id")]
    return found
