"""Microsoft Entra ID, over Microsoft Graph v1.0 or from JSON files exported from it.

Configuration (the ``entra`` section, schema in ``config.schema.json``)::

    entra:
      tenant_id: 0f6c0d4e-...        # or contoso.onmicrosoft.com
      client_id: 5b1f...             # the app registration govkit signs in as
      client_secret_env: GOVKIT_ENTRA_SECRET   # or certificate_file: entra.pem
      # authority_url, graph_url (national clouds), max_attempts, workers, page_size

The app needs these Microsoft Graph application permissions, with admin consent:
User.Read.All, GroupMember.Read.All, Application.Read.All, AuditLog.Read.All and
User-LifeCycleInfo.Read.All; sign-in activity also needs a Microsoft Entra ID P1 or P2
licence in the tenant. What is missing is reported as ERROR naming the call, never as "none".

``export: DIR`` reads files exported earlier instead. Each holds what Graph answered to the
request under it (one collection body ``{"value": [...]}``, or a JSON array of the page
bodies of one listing; property names as Graph spells them)::

    users.json
        GET /v1.0/users?$select=<the user properties below>
    groups.json
        GET /v1.0/groups?$select=id,displayName,securityEnabled
    group-members/<group id>.json
        GET /v1.0/groups/{id}/members?$select=id
    service-principals.json
        GET /v1.0/servicePrincipals?$select=id,appId,displayName
    app-role-assigned-to/<service principal id>.json
        GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo
    user-registration-details.json
        GET /v1.0/reports/authenticationMethods/userRegistrationDetails
    directory-audits.json
        GET /v1.0/auditLogs/directoryAudits?$filter=activityDateTime ge <start of the audit
            period> and activityDateTime le <end>
    graph-service-principal.json   (one object, not a collection)
        GET /v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')
            ?$select=id,appId,displayName,appRoles
    own-app-role-assignments.json
        GET /v1.0/servicePrincipals(appId='<the exporting app>')/appRoleAssignments

User properties: id, userPrincipalName, displayName, mail, otherMails, accountEnabled,
userType, employeeId, employeeType, companyName, department, createdDateTime,
employeeHireDate, employeeLeaveDateTime, onPremisesImmutableId, signInActivity. The audit
export is taken to cover the scan's audit period (recorded as the window searched).
users.json is required; any other missing file fails what it feeds (ERROR naming the file).
The last two files show whether the exporting app could read employeeLeaveDateTime, which
Graph otherwise answers with null: without them that attribute fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from govkit.snapshot import SnapshotWriter
from govkit.sources.entra.collect import collect_live
from govkit.sources.entra.export import record_export
from govkit.sources.entra.normalize import RESOURCE_TYPE, normalize
from govkit.sources.entra.queries import SERVICE
from govkit.sources.entra.settings import EntraSettings, settings_from
from govkit.sources.interface import CollectWindow

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")

__all__ = ["RESOURCE_TYPE", "SCHEMA_FILE", "EntraSettings", "collect", "normalize",
           "settings_from"]


def collect(settings: EntraSettings, writer: SnapshotWriter, window: CollectWindow, *,
            sleep: Callable[[float], None] = time.sleep,
            transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Record the tenant (live, or its export) into ``writer``; the manifest's sources entry."""
    if settings.export_dir is not None:
        calls = record_export(settings, writer, window)
    else:
        calls = collect_live(settings, writer, window, sleep=sleep, transport=transport)
    return {"type": SERVICE, "tenant": settings.tenant_id, "api_calls": calls}
