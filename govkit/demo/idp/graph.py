"""A loopback Microsoft Graph v1.0 and Microsoft identity platform token endpoint.

One server plays both hosts (pass its ``url`` as authority_url and graph_url): the v2.0 token
endpoint ``POST /{tenant}/oauth2/v2.0/token`` (client credentials, with a client secret or a
client assertion signed by the registered certificate) issues opaque bearer tokens, and every
Graph call checks one (401 ``InvalidAuthenticationToken`` otherwise). Graph behaves as
documented where the collector depends on it:

- ``$select`` returns only the selected properties (unset ones as null), users without it
  only the default set; ``$top`` (1..999) pages with an absolute ``@odata.nextLink`` holding
  a ``$skiptoken``; with signInActivity selected, pages hold at most 120 users (documented);
- signInActivity needs AuditLog.Read.All (403 ``Authentication_MSGraphPermissionMissing``)
  and a P1/P2 licence (403 ``Authentication_RequestFromNonPremiumTenantOrB2CTenant``);
  employeeLeaveDateTime without User-LifeCycleInfo.Read.All is null, not an error;
- the registration report needs the licence too, and leaves disabled accounts out;
- directoryAudits takes ``$filter`` on activityDateTime (ge, le) and activityDisplayName (eq);
- errors are ``{"error": {"code", "message", "innerError": {...}}}``; scripted errors and 429s
  with Retry-After come from :meth:`GraphServer.error_next` and ``throttle_next``.

The app's permissions are Microsoft Graph app role assignments of its service principal, as in
a tenant: the server adds Microsoft Graph's and the app's service principals to the directory.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from govkit.demo.idp.base import ApiServer, Fault, Reply, Request

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
DEFAULT_PERMISSIONS = frozenset({"User.Read.All", "GroupMember.Read.All", "Application.Read.All",
                                 "AuditLog.Read.All", "User-LifeCycleInfo.Read.All"})
PERMISSION_NAMES = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All",
                    "Group.Read.All", "GroupMember.Read.All", "Application.Read.All",
                    "AuditLog.Read.All", "User-LifeCycleInfo.Read.All",
                    "User-LifeCycleInfo.ReadWrite.All")
USER_DEFAULT_PROPERTIES = ("businessPhones", "displayName", "givenName", "id", "jobTitle", "mail",
                           "mobilePhone", "officeLocation", "preferredLanguage", "surname",
                           "userPrincipalName")
SIGN_IN_PAGE_CAP = 120
TOKEN_LIFETIME = 3599
_READ_USERS = {"User.Read.All", "User.ReadWrite.All", "Directory.Read.All"}
_READ_GROUPS = {"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"}
_READ_APPS = {"Application.Read.All", "Directory.Read.All"}
_AUDIT = {"AuditLog.Read.All"}
_LIFECYCLE = {"User-LifeCycleInfo.Read.All", "User-LifeCycleInfo.ReadWrite.All"}


def _stable_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"govkit-graph:{name}"))


@dataclass(kw_only=True)
class GraphTenant:
    """A directory as Graph holds it: JSON objects with Graph's property names (users with
    signInActivity as an object or None; audit events as directoryAudit objects)."""

    users: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=dict)  # group id -> member ids
    service_principals: list[dict[str, Any]] = field(default_factory=list)
    app_role_assignments: list[dict[str, Any]] = field(default_factory=list)
    registration_details: list[dict[str, Any]] = field(default_factory=list)
    directory_audits: list[dict[str, Any]] = field(default_factory=list)
    licensed_for_sign_in_activity: bool = True
    granted_permissions: frozenset[str] = DEFAULT_PERMISSIONS


def graph_error(status: int, code: str, message: str, **headers: str) -> Reply:
    request_id = str(uuid.uuid4())
    inner = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
             "request-id": request_id, "client-request-id": request_id}
    return Reply.json({"error": {"code": code, "message": message, "innerError": inner}},
                      status, **{"request-id": request_id, **headers})


def _aad_error(status: int, error: str, number: int, description: str) -> Reply:
    trace, correlation = uuid.uuid4(), uuid.uuid4()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    return Reply.json({
        "error": error, "error_codes": [number], "timestamp": stamp, "trace_id": str(trace),
        "correlation_id": str(correlation),
        "error_description": f"AADSTS{number}: {description}\r\nTrace ID: {trace}\r\n"
                             f"Correlation ID: {correlation}\r\nTimestamp: {stamp}",
        "error_uri": f"https://login.microsoftonline.com/error?code={number}"}, status)


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class GraphServer(ApiServer):
    """Graph and its token endpoint for one tenant and one app registration."""

    def __init__(self, tenant_data: GraphTenant, tenant_id: str, client_id: str,
                 client_secret: str | None = None,
                 certificate: x509.Certificate | None = None, *, default_page_size: int = 100,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.data, self.tenant_id, self.client_id = tenant_data, tenant_id, client_id
        self.client_secret, self.certificate = client_secret, certificate
        self.default_page_size, self.clock = default_page_size, clock
        self.tokens: dict[str, float] = {}  # issued token -> expiry (epoch seconds)
        self.route("POST", "/{tenant}/oauth2/v2.0/token", self._token)
        sp_by_app = "/v1.0/servicePrincipals(appId='{app_id}')"
        for pattern, handler in (
                ("/v1.0/users", self._users), ("/v1.0/groups", self._groups),
                ("/v1.0/groups/{id}/members", self._members),
                ("/v1.0/servicePrincipals", self._principals),
                ("/v1.0/servicePrincipals/{id}/appRoleAssignedTo", self._assigned_to),
                (sp_by_app, self._principal), (sp_by_app + "/appRoleAssignments",
                                               self._assignments_of),
                ("/v1.0/reports/authenticationMethods/userRegistrationDetails",
                 self._registrations),
                ("/v1.0/auditLogs/directoryAudits", self._audits)):
            self.route("GET", pattern, self._guarded(handler))

    # -- faults ------------------------------------------------------------------------------

    def error_next(self, path: str, status: int, code: str, message: str, *, count: int = 1,
                   **headers: str) -> None:
        """The next ``count`` requests to ``path`` get this Graph error."""
        reply = graph_error(status, code, message, **headers)
        self.fail_next(path, *[Fault(reply.status, reply.headers, reply.body)] * count)

    def throttle_next(self, path: str, count: int = 1, retry_after: str = "0") -> None:
        self.error_next(path, 429, "TooManyRequests", "Too many requests", count=count,
                        **{"Retry-After": retry_after})

    def not_found(self, request: Request) -> Reply:
        segment = request.path.rstrip("/").rsplit("/", 1)[-1]
        return graph_error(400, "BadRequest", f"Resource not found for the segment '{segment}'.")

    # -- the identity platform -----------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        form = request.form()
        if request.params["tenant"] != self.tenant_id:
            return _aad_error(400, "invalid_request", 90002,
                              f"Tenant '{request.params['tenant']}' not found.")
        if form.get("grant_type") != "client_credentials":
            return _aad_error(400, "unsupported_grant_type", 70003,
                              "The app requested an unsupported grant type.")
        if form.get("client_id") != self.client_id:
            return _aad_error(400, "unauthorized_client", 700016,
                              f"Application with identifier '{form.get('client_id')}' was not "
                              f"found in the directory '{self.tenant_id}'.")
        if not str(form.get("scope", "")).endswith("/.default"):
            return _aad_error(400, "invalid_scope", 1002012, "The provided value for scope "
                              f"{form.get('scope')} is not valid.")
        refusal = self._authenticate(form, request)
        if refusal is not None:
            return refusal
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[token] = self.clock() + TOKEN_LIFETIME
        return Reply.json({"token_type": "Bearer", "expires_in": TOKEN_LIFETIME,
                           "ext_expires_in": TOKEN_LIFETIME, "access_token": token})

    def _authenticate(self, form: Mapping[str, str], request: Request) -> Reply | None:
        if "client_secret" in form:
            if self.client_secret is not None and \
                    secrets.compare_digest(form["client_secret"], self.client_secret):
                return None
            return _aad_error(401, "invalid_client", 7000215, "Invalid client secret "
                              "provided. Ensure the secret being sent in the request is the "
                              "client secret value, not the client secret ID, for a secret "
                              f"added to app '{self.client_id}'.")
        if "client_assertion" in form:
            problem = self._assertion_problem(form, request)
            return None if problem is None else _aad_error(401, "invalid_client", 700027,
                                                           problem)
        return _aad_error(401, "invalid_client", 7000218, "The request body must contain the "
                          "following parameter: 'client_assertion' or 'client_secret'.")

    def _assertion_problem(self, form: Mapping[str, str], request: Request) -> str | None:
        if form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return "Client assertion type is not supported."
        parts = form["client_assertion"].split(".")
        if self.certificate is None or len(parts) != 3:
            return "Client assertion failed signature validation."
        try:
            header, claims = (json.loads(_b64decode(p)) for p in parts[:2])
        except ValueError:
            return "Client assertion is not a valid JWT."
        thumbprint = base64.urlsafe_b64encode(self.certificate.fingerprint(hashes.SHA1())
                                              ).rstrip(b"=").decode()
        if header.get("alg") != "RS256" or header.get("x5t") != thumbprint:
            return ("The certificate with identifier used to sign the client assertion is "
                    f"not registered on application. [Reason - The key was not found., "
                    f"Thumbprint of key used by client: '{header.get('x5t')}']")
        public = self.certificate.public_key()
        try:
            assert isinstance(public, rsa.RSAPublicKey)
            public.verify(_b64decode(parts[2]), f"{parts[0]}.{parts[1]}".encode(),
                          padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, AssertionError, ValueError):
            return "Client assertion contains an invalid signature."
        audience = f"{self.url}{request.path}"
        if claims.get("aud") != audience or claims.get("iss") != self.client_id or \
                claims.get("sub") != self.client_id or \
                float(claims.get("exp", 0)) <= self.clock():
            return "Client assertion audience, issuer, subject or lifetime is not valid."
        return None

    # -- Graph -------------------------------------------------------------------------------

    def _guarded(self, handler: Callable[[Request], Reply]) -> Callable[[Request], Reply]:
        def guarded(request: Request) -> Reply:
            header = request.headers.get("authorization", "")
            token = header[7:] if header.startswith("Bearer ") else ""
            with self._lock:
                expiry = self.tokens.get(token)
            problem = ("Access token is empty." if not token else
                       "IDX14100: JWT is not well formed." if expiry is None else
                       "Lifetime validation failed, the token is expired."
                       if expiry <= self.clock() else None)
            if problem is not None:
                return graph_error(401, "InvalidAuthenticationToken", problem)
            return handler(request)
        return guarded

    def _lacks(self, needed: Iterable[str]) -> bool:
        return not set(needed) & set(self.data.granted_permissions)

    def _denied(self, needed: set[str]) -> Reply | None:
        if not self._lacks(needed):
            return None
        if needed == _AUDIT:
            return graph_error(403, "Authentication_MSGraphPermissionMissing",
                               "Calling principal does not have required MSGraph permissions "
                               "AuditLog.Read.All")
        return graph_error(403, "Authorization_RequestDenied",
                           "Insufficient privileges to complete the operation.")

    def _unlicensed(self) -> Reply | None:
        if self.data.licensed_for_sign_in_activity:
            return None
        return graph_error(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                           "Neither tenant is B2C or tenant doesn't have premium license")

    def _page(self, request: Request, items: list[dict[str, Any]], *,
              default: Iterable[str] | None = None, cap: int = 999) -> Reply:
        """One page of ``items`` projected on $select, with the next page's link."""
        top_text = request.arg("$top")
        if top_text is not None and (not top_text.isdigit() or not 1 <= int(top_text) <= 999):
            return graph_error(400, "Request_UnsupportedQuery", f"Invalid page size specified:"
                               f" '{top_text}'. Must be between 1 and 999 inclusive.")
        size = min(int(top_text) if top_text else self.default_page_size, cap)
        try:
            start = int(_b64decode(request.arg("$skiptoken") or "MA=="))
        except ValueError:
            return graph_error(400, "Request_BadRequest", "Invalid skip token.")
        selected = request.arg("$select")
        fields = selected.split(",") if selected else default
        value = [_project(item, fields) for item in items[start:start + size]]
        body: dict[str, Any] = {"@odata.context": f"{self.url}/v1.0/$metadata#{request.path}",
                                "value": value}
        if start + size < len(items):
            query = {k: v[0] for k, v in request.query.items() if k != "$skiptoken"}
            query["$skiptoken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
            body["@odata.nextLink"] = f"{self.url}{request.path}?" + \
                urlencode(query, safe="$,'")
        return Reply.json(body, 200, **{"request-id": str(uuid.uuid4())})

    def _users(self, request: Request) -> Reply:
        denied = self._denied(_READ_USERS)
        selected = (request.arg("$select") or "").split(",")
        sign_in = "signInActivity" in selected
        if denied is None and sign_in:
            denied = self._denied(_AUDIT) or self._unlicensed()
        if denied is not None:
            return denied
        users = [dict(u) for u in self.data.users]
        if self._lacks(_LIFECYCLE):
            for user in users:
                user["employeeLeaveDateTime"] = None  # not refused: silently withheld
        return self._page(request, users, default=USER_DEFAULT_PROPERTIES,
                          cap=SIGN_IN_PAGE_CAP if sign_in else 999)

    def _groups(self, request: Request) -> Reply:
        return self._denied(_READ_GROUPS) or self._page(request, self.data.groups)

    def _members(self, request: Request) -> Reply:
        group_id = request.params["id"]
        if group_id not in {g["id"] for g in self.data.groups}:
            return graph_error(404, "Request_ResourceNotFound", f"Resource '{group_id}' does "
                               "not exist or one of its queried reference-property objects "
                               "are not present.")
        kinds = {g["id"]: "group" for g in self.data.groups}
        members = [{"@odata.type": f"#microsoft.graph.{kinds.get(m, 'user')}", "id": m}
                   for m in self.data.members.get(group_id, [])]
        return self._denied(_READ_GROUPS) or self._page(request, members)

    def _all_principals(self) -> list[dict[str, Any]]:
        principals = list(self.data.service_principals)
        roles = [{"id": _stable_id(name), "value": name, "displayName": name,
                  "allowedMemberTypes": ["Application"], "isEnabled": True}
                 for name in PERMISSION_NAMES]
        for app_id, name, extra in ((GRAPH_APP_ID, "Microsoft Graph", {"appRoles": roles}),
                                    (self.client_id, "govkit", {"appRoles": []})):
            if not any(p.get("appId") == app_id for p in principals):
                principals.append({"id": _stable_id(app_id), "appId": app_id,
                                   "displayName": name, "servicePrincipalType": "Application",
                                   **extra})
        return principals

    def _all_assignments(self) -> list[dict[str, Any]]:
        own = next(p for p in self._all_principals() if p.get("appId") == self.client_id)
        return list(self.data.app_role_assignments) + [
            {"id": _stable_id(f"grant:{name}"), "appRoleId": _stable_id(name),
             "principalId": own["id"], "principalType": "ServicePrincipal",
             "principalDisplayName": own.get("displayName"), "resourceId":
             _stable_id(GRAPH_APP_ID), "resourceDisplayName": "Microsoft Graph"}
            for name in sorted(self.data.granted_permissions)]

    def _principals(self, request: Request) -> Reply:
        return self._denied(_READ_APPS) or self._page(request, self._all_principals())

    def _by_app_id(self, request: Request) -> dict[str, Any] | None:
        return next((p for p in self._all_principals()
                     if p.get("appId") == request.params["app_id"]), None)

    def _principal(self, request: Request) -> Reply:
        found, selected = self._by_app_id(request), request.arg("$select")
        if found is None:
            return graph_error(404, "Request_ResourceNotFound", "Resource not found.")
        return self._denied(_READ_APPS) or Reply.json(
            _project(found, selected.split(",") if selected else None))

    def _assigned_to(self, request: Request) -> Reply:
        resource = request.params["id"]
        return self._denied(_READ_APPS) or self._page(
            request, [a for a in self._all_assignments() if a.get("resourceId") == resource])

    def _assignments_of(self, request: Request) -> Reply:
        principal = (self._by_app_id(request) or {}).get("id")
        return self._denied(_READ_APPS) or self._page(
            request, [a for a in self._all_assignments() if a.get("principalId") == principal])

    def _registrations(self, request: Request) -> Reply:
        disabled = {u["id"] for u in self.data.users if u.get("accountEnabled") is False}
        entries = [e for e in self.data.registration_details if e.get("id") not in disabled]
        return self._denied(_AUDIT) or self._unlicensed() or self._page(request, entries)

    def _audits(self, request: Request) -> Reply:
        denied = self._denied(_AUDIT)
        if denied is not None:
            return denied
        try:
            clauses = _audit_filter(request.arg("$filter") or "")
        except ValueError as exc:
            return graph_error(400, "BadRequest", str(exc))
        events = sorted((e for e in self.data.directory_audits if _kept(e, clauses)),
                        key=lambda e: str(e.get("activityDateTime")), reverse=True)
        return self._page(request, events)


def _project(item: Mapping[str, Any], fields: Iterable[str] | None) -> dict[str, Any]:
    if fields is None:
        return dict(item)
    shown = {k: item[k] for k in ("@odata.type",) if k in item}
    return {**shown, **{name: item.get(name) for name in fields}}


_CLAUSE = re.compile(r"^activityDateTime (ge|le) (\S+)$|^activityDisplayName (eq) '(.*)'$")


def _audit_filter(text: str) -> list[tuple[str, Any]]:
    """The directoryAudits $filter clauses the collector sends (joined by ``and``)."""
    clauses: list[tuple[str, Any]] = []
    for clause in (c.strip() for c in text.split(" and ") if c.strip()):
        match = _CLAUSE.match(clause)
        if match is None:
            raise ValueError(f"Invalid filter clause: {clause}")
        clauses.append((match.group(1), _instant(match.group(2))) if match.group(1)
                       else ("eq", match.group(4)))
    return clauses


def _kept(event: Mapping[str, Any], clauses: list[tuple[str, Any]]) -> bool:
    at = _instant(event["activityDateTime"])
    return all(at >= value if op == "ge" else at <= value if op == "le"
               else event.get("activityDisplayName") == value for op, value in clauses)


def _instant(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"Invalid filter clause: '{text}' is not a DateTimeOffset") from None
