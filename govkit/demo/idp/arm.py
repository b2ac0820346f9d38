"""A loopback Azure Resource Manager for Azure Virtual Desktop, with the Microsoft identity
platform's token endpoint.

One server plays login.microsoftonline.com and management.azure.com (pass its ``url`` as
authority_url and arm_url): the token endpoint and client authentication are the Graph
emulator's (govkit.demo.idp.graph), and a token is good for ARM only when it was asked for
``<server url>/.default`` or ``https://management.azure.com/.default`` (401
``InvalidAuthenticationTokenAudience`` otherwise, as ARM answers a Graph token). ARM behaves as
documented where the collector depends on it:

- ``GET /subscriptions/{id}/providers/Microsoft.DesktopVirtualization/hostPools`` and
  ``.../applicationGroups`` (api-version required, 400 ``MissingApiVersionParameter``),
  ``{"value": [...], "nextLink": <absolute URL>}`` pages of ``page_size`` items; host pools
  carry no registration token (API versions since 2023-09-05 return none);
- ``GET {application group id}/providers/Microsoft.Authorization/roleAssignments``: with
  ``$filter=atScope()`` the assignments at the scope and above it, without a filter also those
  below;
- errors are ``{"error": {"code", "message"}}``: 401 ``InvalidAuthenticationToken`` for a
  missing or unknown token, 403 ``AuthorizationFailed`` on a subscription the app may not read
  (``ArmTenant.denied``), 404 ``SubscriptionNotFound``, and 429
  ``SubscriptionRequestsThrottled`` with Retry-After from :meth:`ArmServer.throttle_next`.

:func:`serving_demo_tenant` starts it with :func:`meridian_tenant`, the demo's AVD estate.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cryptography import x509

from govkit.demo.idp.base import Fault, Reply, Request
from govkit.demo.idp.graph import GraphServer, GraphTenant

ARM_AUDIENCE = "https://management.azure.com"
DESKTOP_API_VERSIONS = frozenset({"2022-09-09", "2023-09-05", "2024-04-03"})
AUTHORIZATION_API_VERSIONS = frozenset({"2020-04-01-preview", "2022-04-01"})
DESKTOP_VIRTUALIZATION_USER = "1d18fff3-a72a-46b5-b4a9-0b38a3cd7e63"
_PROVIDER = "/providers/Microsoft.DesktopVirtualization"
_GROUP_SCOPE = ("/subscriptions/{subscription}/resourceGroups/{group}" + _PROVIDER +
                "/applicationGroups/{name}")


@dataclass(kw_only=True)
class ArmTenant:
    """What ARM holds, as ARM answers it: host pools and application groups with their
    ``properties``; role assignments with ``properties.scope``."""

    subscriptions: list[str] = field(default_factory=list)
    host_pools: list[dict[str, Any]] = field(default_factory=list)
    application_groups: list[dict[str, Any]] = field(default_factory=list)
    role_assignments: list[dict[str, Any]] = field(default_factory=list)
    denied: frozenset[str] = frozenset()  # subscriptions the app holds no role on


def arm_error(status: int, code: str, message: str, **headers: str) -> Reply:
    return Reply.json({"error": {"code": code, "message": message}}, status,
                      **{"x-ms-request-id": str(uuid.uuid4()), **headers})


class ArmServer(GraphServer):
    """ARM (and the identity platform, and an empty Graph) for one tenant and one app."""

    def __init__(self, arm: ArmTenant, tenant_id: str, client_id: str,
                 client_secret: str | None = None,
                 certificate: x509.Certificate | None = None, *, page_size: int = 100,
                 clock: Callable[[], float] = time.time,
                 directory: GraphTenant | None = None) -> None:
        super().__init__(directory or GraphTenant(), tenant_id, client_id, client_secret,
                         certificate, clock=clock)
        self.arm, self.page_size = arm, page_size
        self.audiences: dict[str, str] = {}  # issued token -> the scope it was asked for
        for pattern, handler in (
                ("/subscriptions/{subscription}" + _PROVIDER + "/hostPools",
                 self._host_pools),
                ("/subscriptions/{subscription}" + _PROVIDER + "/applicationGroups",
                 self._application_groups),
                (_GROUP_SCOPE + "/providers/Microsoft.Authorization/roleAssignments",
                 self._role_assignments)):
            self.route("GET", pattern, self._arm_guarded(handler))

    # -- faults ------------------------------------------------------------------------------

    def arm_error_next(self, path: str, status: int, code: str, message: str, *,
                       count: int = 1, **headers: str) -> None:
        reply = arm_error(status, code, message, **headers)
        self.fail_next(path, *[Fault(reply.status, reply.headers, reply.body)] * count)

    def throttle_next(self, path: str, count: int = 1, retry_after: str = "0") -> None:
        self.arm_error_next(path, 429, "SubscriptionRequestsThrottled", "Number of read "
                            "requests for subscription exceeded the limit of '12000' for time "
                            "interval '01:00:00'. Please try again after '0' seconds.",
                            count=count, **{"Retry-After": retry_after})

    def not_found(self, request: Request) -> Reply:
        if request.path.startswith(("/subscriptions/", "/providers/")):
            return arm_error(404, "InvalidResourceType", "The resource type could not be "
                             f"found for the path '{request.path}'.")
        return super().not_found(request)

    # -- tokens ------------------------------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        reply = super()._token(request)
        if reply.status == 200:
            token = json.loads(reply.body)["access_token"]
            with self._lock:
                self.audiences[token] = request.form().get("scope", "")
        return reply

    def _arm_guarded(self, handler: Callable[[Request], Reply]) -> Callable[[Request], Reply]:
        def guarded(request: Request) -> Reply:
            header = request.headers.get("authorization", "")
            token = header[7:] if header.startswith("Bearer ") else ""
            with self._lock:
                expiry, scope = self.tokens.get(token), self.audiences.get(token, "")
            if not token:
                return arm_error(401, "AuthenticationFailed", "Authentication failed. The "
                                 "'Authorization' header is missing.")
            if expiry is None:
                return arm_error(401, "InvalidAuthenticationToken",
                                 "The access token is invalid.")
            if expiry <= self.clock():
                return arm_error(401, "ExpiredAuthenticationToken", "The access token expiry "
                                 "UTC time is earlier than current UTC time.")
            if scope not in (f"{self.url}/.default", f"{ARM_AUDIENCE}/.default"):
                return arm_error(401, "InvalidAuthenticationTokenAudience", "The access token "
                                 f"has been obtained for wrong audience or resource '{scope}'.")
            return handler(request)
        return guarded

    # -- ARM ---------------------------------------------------------------------------------

    def _refused(self, request: Request, action: str, versions: frozenset[str]) -> Reply | None:
        version = request.arg("api-version")
        if not version:
            return arm_error(400, "MissingApiVersionParameter", "The api-version query "
                             "parameter (?api-version=) is required for all requests.")
        if version not in versions:
            return arm_error(400, "NoRegisteredProviderFound", "No registered resource "
                             f"provider found for API version '{version}'. The supported "
                             f"api-versions are '{', '.join(sorted(versions))}'.")
        subscription = request.params["subscription"]
        if subscription not in self.arm.subscriptions:
            return arm_error(404, "SubscriptionNotFound",
                             f"The subscription '{subscription}' could not be found.")
        if subscription in self.arm.denied:
            return arm_error(403, "AuthorizationFailed", f"The client '{self.client_id}' with "
                             f"object id '{self.client_id}' does not have authorization to "
                             f"perform action '{action}' over scope '/subscriptions/"
                             f"{subscription}' or the scope is invalid. If access was "
                             "recently granted, please refresh your credentials.")
        return None

    def _arm_page(self, request: Request, items: list[dict[str, Any]]) -> Reply:
        """One ARM page of ``items`` with the absolute nextLink of the next."""
        try:
            start = int(base64.urlsafe_b64decode(request.arg("$skipToken") or "MA=="))
        except ValueError:
            return arm_error(400, "InvalidSkipToken", "The skip token is not valid.")
        body: dict[str, Any] = {"value": items[start:start + self.page_size]}
        if start + self.page_size < len(items):
            token = base64.urlsafe_b64encode(str(start + self.page_size).encode()).decode()
            query = "&".join(f"{quote(k, safe='$')}={quote(v[0], safe='()')}"
                             for k, v in request.query.items() if k != "$skipToken")
            body["nextLink"] = f"{self.url}{request.path}?{query}&$skipToken={token}"
        return Reply.json(body, 200, **{"x-ms-request-id": str(uuid.uuid4())})

    def _in(self, subscription: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        prefix = f"/subscriptions/{subscription}/".casefold()
        return [i for i in items if str(i.get("id", "")).casefold().startswith(prefix)]

    def _host_pools(self, request: Request) -> Reply:
        refused = self._refused(request, "Microsoft.DesktopVirtualization/hostPools/read",
                                DESKTOP_API_VERSIONS)
        return refused or self._arm_page(request, self._in(request.params["subscription"],
                                                       self.arm.host_pools))

    def _application_groups(self, request: Request) -> Reply:
        refused = self._refused(request, "Microsoft.DesktopVirtualization/applicationGroups/"
                                "read", DESKTOP_API_VERSIONS)
        return refused or self._arm_page(request, self._in(request.params["subscription"],
                                                       self.arm.application_groups))

    def _role_assignments(self, request: Request) -> Reply:
        refused = self._refused(request, "Microsoft.Authorization/roleAssignments/read",
                                AUTHORIZATION_API_VERSIONS)
        if refused is not None:
            return refused
        scope = request.path.rsplit("/providers/Microsoft.Authorization/", 1)[0].casefold()
        if not any(str(g["id"]).casefold() == scope for g in self.arm.application_groups):
            return arm_error(404, "ResourceNotFound", f"The Resource '{scope}' was not found.")
        wanted = request.arg("$filter")
        if wanted not in (None, "atScope()"):
            return arm_error(400, "UnsupportedQuery", f"The filter '{wanted}' is not supported.")
        kept = [a for a in self.arm.role_assignments
                if _above(a["properties"]["scope"], scope)
                or (wanted is None and _above(scope, a["properties"]["scope"]))]
        return self._arm_page(request, kept)


def _above(upper: str, lower: str) -> bool:
    """Whether scope ``upper`` is ``lower`` or holds it."""
    upper, lower = upper.rstrip("/").casefold(), lower.rstrip("/").casefold()
    return lower == upper or lower.startswith(upper + "/")


# -- a realistic tenant ----------------------------------------------------------------------

# devicestoredirect (MTP/PTP devices such as phones) is redirected unless set empty
GLASS_WINDOW_RDP = ("redirectclipboard:i:0;drivestoredirect:s:;redirectprinters:i:0;"
                    "usbdevicestoredirect:s:;redirectcomports:i:0;redirectsmartcards:i:0;"
                    "audiocapturemode:i:0;camerastoredirect:s:;devicestoredirect:s:")
DEMO_TENANT_ID = "b7e4c2a9-3d15-4f68-9a2e-71c0d5f8e413"
DEMO_CLIENT_ID = "0d9f6a21-8c47-4b35-a1e2-5f3b7c9d4e60"
DEMO_SECRET = "demo-loopback-arm-secret"  # a demo value for a loopback server
DEMO_SECRET_ENV = "GOVKIT_AVD_SECRET"
MERIDIAN_SUBSCRIPTION = "4c1d7e92-5a3b-4f80-b6d2-9e0a1c3f5b77"
MERIDIAN_AGENTS = "6a2f9d14-0b7c-4e35-8d61-c4e9a0f2b358"  # Entra group "Meridian-Agents"
MERIDIAN_BILLING = "9e3b5c70-2d84-4a16-b0f9-7c1e6d2a4f85"  # Entra group "Meridian-Billing"
TEMP_CONTRACTOR = "2f8a6c13-9d47-4e02-a5b8-3c7d1e9f6a24"  # a user assigned directly


def host_pool(subscription: str, group: str, name: str, *, rdp: str | None,
              location: str = "eastus", tags: dict[str, str] | None = None,
              public_network_access: str = "Enabled") -> dict[str, Any]:
    """A pooled desktop host pool as ARM 2024-04-03 answers it."""
    return {
        "id": f"/subscriptions/{subscription}/resourceGroups/{group}{_PROVIDER}/hostPools/{name}",
        "name": name, "type": "Microsoft.DesktopVirtualization/hostPools",
        "location": location, "tags": tags or {},
        "systemData": {"createdBy": "avd-admin@meridian.example", "createdByType": "User",
                       "createdAt": "2026-01-12T09:30:00.0000000Z"},
        "properties": {
            "objectId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "friendlyName": name,
            "description": None, "hostPoolType": "Pooled",
            "personalDesktopAssignmentType": None, "customRdpProperty": rdp,
            "maxSessionLimit": 12, "loadBalancerType": "BreadthFirst",
            "validationEnvironment": False, "ring": None,
            "registrationInfo": {"expirationTime": None, "token": None,
                                 "registrationTokenOperation": "None"},
            "vmTemplate": None, "preferredAppGroupType": "Desktop",
            "startVMOnConnect": False, "cloudPcResource": False,
            "publicNetworkAccess": public_network_access, "agentUpdate": None,
            "applicationGroupReferences": [], "appAttachPackageReferences": []}}


def application_group(pool: dict[str, Any], name: str, kind: str = "Desktop") -> dict[str, Any]:
    """An application group publishing ``pool``'s desktop (or RemoteApps)."""
    resource_group = pool["id"].split("/")[4]
    subscription = pool["id"].split("/")[2]
    group_id = (f"/subscriptions/{subscription}/resourceGroups/{resource_group}{_PROVIDER}"
                f"/applicationGroups/{name}")
    pool["properties"]["applicationGroupReferences"].append(group_id)
    return {"id": group_id, "name": name,
            "type": "Microsoft.DesktopVirtualization/applicationGroups",
            "location": pool["location"], "tags": {},
            "properties": {"objectId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                           "description": None, "friendlyName": name,
                           "hostPoolArmPath": pool["id"], "workspaceArmPath": None,
                           "applicationGroupType": kind, "cloudPcResource": False,
                           "showInFeed": True}}


def role_assignment(scope: str, principal_id: str, principal_type: str = "Group",
                    role: str = DESKTOP_VIRTUALIZATION_USER) -> dict[str, Any]:
    """A role assignment (Desktop Virtualization User unless ``role`` says otherwise)."""
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scope}|{principal_id}|{role}"))
    subscription = scope.split("/")[2] if scope.startswith("/subscriptions/") else ""
    return {"id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
            "name": name, "type": "Microsoft.Authorization/roleAssignments",
            "properties": {
                "roleDefinitionId": f"/subscriptions/{subscription}/providers/"
                                    f"Microsoft.Authorization/roleDefinitions/{role}",
                "principalId": principal_id, "principalType": principal_type,
                "scope": scope, "condition": None, "conditionVersion": None,
                "createdOn": "2026-02-02T10:00:00.0000000Z",
                "updatedOn": "2026-02-02T10:00:00.0000000Z"}}


def meridian_tenant() -> ArmTenant:
    """Meridian Health's AVD estate for its outsourced patient-support agents:
    ``hp-meridian-agents`` has the glass-window RDP properties and is assigned to the Entra
    group Meridian-Agents; ``hp-meridian-billing`` leaves the clipboard unset (redirected by
    default) and redirects every drive, and is assigned to Meridian-Billing and to one
    contractor directly."""
    phi = {"data-classification": "phi", "owner": "patient-support"}
    agents = host_pool(MERIDIAN_SUBSCRIPTION, "rg-avd-patient-support", "hp-meridian-agents",
                       rdp=GLASS_WINDOW_RDP, tags=phi)
    billing = host_pool(MERIDIAN_SUBSCRIPTION, "rg-avd-patient-support",
                        "hp-meridian-billing", tags=phi,
                        rdp="audiomode:i:0;drivestoredirect:s:*;redirectprinters:i:1;"
                            "usbdevicestoredirect:s:*;enablerdsaadauth:i:1;")
    desktop = application_group(agents, "hp-meridian-agents-DAG")
    billing_desktop = application_group(billing, "hp-meridian-billing-DAG")
    return ArmTenant(
        subscriptions=[MERIDIAN_SUBSCRIPTION], host_pools=[agents, billing],
        application_groups=[desktop, billing_desktop],
        role_assignments=[role_assignment(desktop["id"], MERIDIAN_AGENTS),
                          role_assignment(billing_desktop["id"], MERIDIAN_BILLING),
                          role_assignment(billing_desktop["id"], TEMP_CONTRACTOR, "User"),
                          role_assignment(f"/subscriptions/{MERIDIAN_SUBSCRIPTION}",
                                          MERIDIAN_AGENTS, role="acdd72a7-3385-48ef-bd42-"
                                                                "f606fba81ae7")])  # Reader


@dataclass(frozen=True)
class DemoArm:
    """A running emulator and what the ``avd`` configuration section needs to reach it (the
    secret itself goes in the environment variable ``secret_env``)."""

    server: ArmServer
    tenant_id: str
    client_id: str
    secret: str
    secret_env: str
    subscription_ids: tuple[str, ...]

    def environ(self) -> dict[str, str]:
        """The environment the scan needs: the secret under the variable ``section`` names."""
        return {self.secret_env: self.secret}

    def section(self) -> dict[str, Any]:
        """The ``avd`` configuration section for this server."""
        return {"tenant_id": self.tenant_id, "client_id": self.client_id,
                "client_secret_env": self.secret_env,
                "subscription_ids": list(self.subscription_ids),
                "authority_url": self.server.url, "arm_url": self.server.url}


@contextlib.contextmanager
def serving_demo_tenant(tenant: ArmTenant | None = None) -> Iterator[DemoArm]:
    """Start the emulator on loopback with :func:`meridian_tenant` (or ``tenant``) and stop it
    afterwards. The caller writes ``section()`` into the configuration and sets
    ``secret_env`` to ``secret`` in the environment of the scan."""
    data = tenant or meridian_tenant()
    with ArmServer(data, DEMO_TENANT_ID, DEMO_CLIENT_ID, client_secret=DEMO_SECRET) as server:
        assert isinstance(server, ArmServer)
        yield DemoArm(server, DEMO_TENANT_ID, DEMO_CLIENT_ID, DEMO_SECRET, DEMO_SECRET_ENV,
                      tuple(data.subscriptions))
