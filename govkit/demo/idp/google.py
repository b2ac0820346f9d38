"""A loopback Google Workspace: the OAuth token endpoint for a service account with
domain-wide delegation, the Admin SDK Directory API (users, groups, members) and the Reports
API's admin audit log, served from an in-memory :class:`GoogleDomain`.

It behaves as Google does where collection depends on it: the token endpoint checks the JWT
bearer assertion (RS256 signature, issuer, audience, lifetime, the impersonated admin) and
refuses scopes the delegation does not grant; every API call needs a bearer token it issued
that holds the call's scope (401 and 403 otherwise, in Google's error shape); listings page
with ``maxResults`` and ``nextPageToken`` and require ``customer``; the audit log filters by
``eventName``, ``startTime`` and ``endTime``, newest first. Faults (429 with Retry-After, 5xx,
bodies that are not JSON) are scripted per path with :meth:`GoogleServer.fail_next`.

Use::

    account = new_service_account()
    server = GoogleServer.for_account(domain, account, subject="admin@example.org").start()
    key_file = account.write(folder / "google-key.json")
    # google: {credentials_file: google-key.json, subject: admin@example.org,
    #          base_url: <server.url>, token_url: <server.token_url>}
    ...
    server.stop()
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from govkit.demo.idp.base import ApiServer, Fault, Reply, Request
from govkit.sources.google import api

DEFAULT_CLIENT_EMAIL = "govkit-audit@govkit-demo.iam.gserviceaccount.com"
DEFAULT_CUSTOMER_ID = "C03az79cb"
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
_REASON = {400: "invalid", 401: "authError", 403: "forbidden", 404: "notFound",
           429: "rateLimitExceeded", 500: "backendError", 503: "backendError"}


# -- the service account ---------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceAccount:
    """A generated service account: its key file's content and the public half to check
    assertions with."""

    client_email: str
    public_key: rsa.RSAPublicKey
    key_document: Mapping[str, str] = field(repr=False)

    def write(self, path: Path) -> Path:
        """Write the key file as Google's console downloads it (owner-readable only)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(dict(self.key_document), indent=2), "utf-8")
        path.chmod(0o600)
        return path


def new_service_account(*, client_email: str = DEFAULT_CLIENT_EMAIL,
                        token_uri: str = api.DEFAULT_TOKEN_URL,
                        project_id: str = "govkit-demo") -> ServiceAccount:
    """A fresh RSA key pair and a service-account key document for it."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    document = {
        "type": "service_account", "project_id": project_id,
        "private_key_id": secrets.token_hex(20), "private_key": pem,
        "client_email": client_email, "client_id": str(secrets.randbelow(10 ** 21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com"}
    return ServiceAccount(client_email, private.public_key(), document)


# -- the directory ---------------------------------------------------------------------------

@dataclass
class GoogleDomain:
    """What the server serves. ``members`` maps a group id to its member entries;
    ``granted_scopes`` are the scopes the delegation grants the service account's client;
    ``reports_allowed`` is whether the impersonated admin may read the audit log."""

    domain: str = "example.org"
    customer_id: str = DEFAULT_CUSTOMER_ID
    users: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    activities: list[dict[str, Any]] = field(default_factory=list)
    granted_scopes: frozenset[str] = frozenset(api.DIRECTORY_SCOPES + api.REPORTS_SCOPES)
    reports_allowed: bool = True


def directory_user(user_id: str, email: str, *, suspended: bool = False,
                   archived: bool = False, admin: bool = False, enrolled_2sv: bool = False,
                   enforced_2sv: bool = False, last_login: str = api.NEVER_SIGNED_IN,
                   created: str = "2025-01-02T10:00:00.000Z", org_unit: str = "/",
                   employee_id: str | None = None, aliases: Sequence[str] = ()
                   ) -> dict[str, Any]:
    """A user as ``users.list(projection=full)`` returns it."""
    user: dict[str, Any] = {
        "kind": "admin#directory#user", "id": user_id, "primaryEmail": email,
        "name": {"fullName": email.split("@")[0]}, "isAdmin": admin,
        "isDelegatedAdmin": False, "lastLoginTime": last_login, "creationTime": created,
        "agreedToTerms": True, "suspended": suspended, "archived": archived,
        "changePasswordAtNextLogin": False, "ipWhitelisted": False,
        "emails": [{"address": email, "primary": True}, *({"address": a} for a in aliases)],
        "customerId": DEFAULT_CUSTOMER_ID, "orgUnitPath": org_unit,
        "isMailboxSetup": True, "isEnrolledIn2Sv": enrolled_2sv,
        "isEnforcedIn2Sv": enforced_2sv, "includeInGlobalAddressList": True}
    if suspended:
        user["suspensionReason"] = "ADMIN"
    if employee_id is not None:
        user["externalIds"] = [{"value": employee_id, "type": "organization"}]
    return user


def admin_activity(when: str, event: str, target_email: str, actor_email: str,
                   *, unique: int = 0) -> dict[str, Any]:
    """One Admin console audit-log entry about a user (``USER_SETTINGS`` events)."""
    return {"kind": "admin#reports#activity",
            "id": {"time": when, "uniqueQualifier": str(unique or secrets.randbelow(10 ** 18)),
                   "applicationName": "admin", "customerId": DEFAULT_CUSTOMER_ID},
            "actor": {"callerType": "USER", "email": actor_email, "profileId": "1000"},
            "ipAddress": "192.0.2.10",
            "events": [{"type": "USER_SETTINGS", "name": event,
                        "parameters": [{"name": "USER_EMAIL", "value": target_email}]}]}


# -- the server ------------------------------------------------------------------------------

def google_error(status: int, message: str, reason: str | None = None) -> dict[str, Any]:
    """Google's JSON error body."""
    return {"error": {"code": status, "message": message,
                      "errors": [{"message": message, "domain": "global",
                                  "reason": reason or _REASON.get(status, "unknown")}],
                      "status": _STATUS.get(status, "UNKNOWN")}}


def google_fault(status: int, message: str = "Backend Error", *,
                 retry_after: str | None = None) -> Fault:
    """A scripted answer in Google's error shape (429 and 503 carry Retry-After)."""
    headers = {"Content-Type": "application/json"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Fault(status, headers, json.dumps(google_error(status, message)).encode())


@dataclass(frozen=True)
class _Issued:
    scopes: frozenset[str]
    expires: float


class GoogleServer(ApiServer):
    """The token endpoint (``/token``) and the Admin SDK, for one service account acting as
    one admin (``subject``)."""

    def __init__(self, domain: GoogleDomain, *, public_key: rsa.RSAPublicKey,
                 client_email: str, subject: str, clock: Callable[[], float] = time.time
                 ) -> None:
        super().__init__()
        self.domain, self.public_key = domain, public_key
        self.client_email, self.subject, self._clock = client_email, subject, clock
        self._issued: dict[str, _Issued] = {}
        self._issued_lock = threading.Lock()
        self.route("POST", "/token", self._token)
        self.route("GET", api.USERS_PATH, self._users)
        self.route("GET", api.GROUPS_PATH, self._groups)
        self.route("GET", api.GROUPS_PATH + "/{groupKey}/members", self._members)
        self.route("GET", "/admin/reports/v1/activity/users/{userKey}/applications/{app}",
                   self._activities)

    @classmethod
    def for_account(cls, domain: GoogleDomain, account: ServiceAccount,
                    subject: str) -> GoogleServer:
        return cls(domain, public_key=account.public_key, client_email=account.client_email,
                   subject=subject)

    def start(self) -> GoogleServer:
        super().start()
        return self

    def __enter__(self) -> GoogleServer:
        return self.start()

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def reset(self, domain: GoogleDomain, subject: str) -> None:
        """Serve ``domain`` from now on, as if just started: no tokens, faults or requests."""
        self.domain, self.subject = domain, subject
        self.revoke_tokens()
        with self._lock:
            self._faults.clear()
            self.seen.clear()

    def revoke_tokens(self) -> None:
        """Forget every token issued: the next call with one gets 401."""
        with self._issued_lock:
            self._issued.clear()

    def not_found(self, request: Request) -> Reply:
        return Reply.json(google_error(404, f"Not Found: {request.path}"), 404)

    # -- the token endpoint ----------------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        form = request.form()
        if form.get("grant_type") != api.JWT_BEARER_GRANT:
            return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type")
        claims = self._verified_claims(form.get("assertion", ""))
        if isinstance(claims, Reply):
            return claims
        scopes = frozenset(str(claims.get("scope", "")).split())
        if claims.get("sub") != self.subject:
            return _oauth_error(400, "invalid_grant", "Invalid email or User ID")
        if not scopes or not scopes <= self.domain.granted_scopes:
            return _oauth_error(401, "unauthorized_client", "Client is unauthorized to "
                                "retrieve access tokens using this method, or client not "
                                "authorized for any of the scopes requested.")
        token = "ya29." + secrets.token_urlsafe(32)
        with self._issued_lock:
            self._issued[token] = _Issued(scopes, self._clock() + 3599)
        return Reply.json({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _verified_claims(self, assertion: str) -> dict[str, Any] | Reply:
        try:
            head, payload, signature = assertion.split(".")
            header, claims = json.loads(_unb64(head)), json.loads(_unb64(payload))
            if not isinstance(header, dict) or not isinstance(claims, dict):
                raise ValueError("not JSON objects")
        except ValueError:
            return _oauth_error(400, "invalid_grant", "Invalid JWT")
        if header.get("alg") != "RS256":
            return _oauth_error(400, "invalid_grant", "Invalid JWT: unsupported algorithm")
        try:
            self.public_key.verify(_unb64(signature), f"{head}.{payload}".encode("ascii"),
                                   padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        if claims.get("iss") != self.client_email:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if claims.get("aud") != self.token_url:
            return _oauth_error(400, "invalid_grant", "Invalid JWT: Failed audience check.")
        now, iat, exp = self._clock(), claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > 3600 \
                or exp < now or iat > now + 300:
            return _oauth_error(400, "invalid_grant", "Invalid JWT: Token must be a "
                                "short-lived token (60 minutes) and in a reasonable timeframe. "
                                "Check your iat and exp values in the JWT claim.")
        return claims

    # -- the APIs --------------------------------------------------------------------------

    def _refused(self, request: Request, *scopes: str) -> Reply | None:
        """401 without a live token this server issued; 403 when it holds none of ``scopes``."""
        header = request.headers.get("authorization", "")
        with self._issued_lock:
            issued = self._issued.get(header[7:]) if header.startswith("Bearer ") else None
        if issued is None or issued.expires < self._clock():
            return Reply.json(google_error(401, "Request had invalid authentication "
                                           "credentials. Expected OAuth 2 access token, login "
                                           "cookie or other valid authentication credential."),
                              401)
        if not issued.scopes & set(scopes):
            return Reply.json(google_error(403, "Request had insufficient authentication "
                                           "scopes.", "insufficientPermissions"), 403)
        return None

    def _customer_refused(self, request: Request) -> Reply | None:
        customer = request.arg("customer")
        if customer is None:
            return Reply.json(google_error(400, "Bad Request", "badRequest"), 400)
        if customer not in ("my_customer", self.domain.customer_id):
            return Reply.json(google_error(403, "Not Authorized to access this resource/api"),
                              403)
        return None

    def _users(self, request: Request) -> Reply:
        refused = self._refused(request, api.USER_SCOPE) or self._customer_refused(request)
        return refused or _page(request, self.domain.users, "users",
                                "admin#directory#users", default=100, largest=500)

    def _groups(self, request: Request) -> Reply:
        refused = self._refused(request, api.GROUP_SCOPE) or self._customer_refused(request)
        return refused or _page(request, self.domain.groups, "groups",
                                "admin#directory#groups", default=200, largest=200)

    def _members(self, request: Request) -> Reply:
        refused = self._refused(request, api.MEMBER_SCOPE, api.GROUP_SCOPE)
        if refused:
            return refused
        key = request.params["groupKey"]
        group = next((g for g in self.domain.groups if key in (g.get("id"), g.get("email"))),
                     None)
        if group is None:
            return Reply.json(google_error(404, "Resource Not Found: groupKey"), 404)
        return _page(request, self.domain.members.get(str(group["id"]), []), "members",
                     "admin#directory#members", default=200, largest=200)

    def _activities(self, request: Request) -> Reply:
        refused = self._refused(request, api.AUDIT_SCOPE)
        if refused:
            return refused
        if not self.domain.reports_allowed:
            return Reply.json(google_error(403, "Not Authorized to access this resource/api"),
                              403)
        if request.params["app"] != "admin" or request.params["userKey"] != "all":
            return Reply.json(google_error(400, "Bad Request", "badRequest"), 400)
        window = _window(request)
        if isinstance(window, Reply):
            return window
        since, until = window
        event = request.arg("eventName")
        found = [a for a in self.domain.activities
                 if since <= _parse(a["id"]["time"]) <= until
                 and (event is None or any(e.get("name") == event for e in a["events"]))]
        found.sort(key=lambda a: _parse(a["id"]["time"]), reverse=True)
        return _page(request, found, "items", "admin#reports#activities", default=1000,
                     largest=1000)


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply.json({"error": error, "error_description": description}, status)


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from None


def _parse(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _window(request: Request) -> tuple[dt.datetime, dt.datetime] | Reply:
    bounds: list[dt.datetime] = []
    for name, default in (("startTime", dt.datetime.min), ("endTime", dt.datetime.max)):
        text = request.arg(name)
        try:
            bounds.append(_parse(text) if text else default.replace(tzinfo=dt.timezone.utc))
        except ValueError:
            return Reply.json(google_error(400, f"Invalid value for: {name}"), 400)
    if bounds[0] > bounds[1]:
        return Reply.json(google_error(400, "Start time must be less than or equal to the "
                                       "end time."), 400)
    return bounds[0], bounds[1]


def _page(request: Request, everything: Sequence[Mapping[str, Any]], key: str, kind: str, *,
          default: int, largest: int) -> Reply:
    """One page of ``everything``; the page token is the offset of the next page."""
    text = request.arg("maxResults")
    if text is not None and (not text.isdigit() or not 1 <= int(text) <= largest):
        return Reply.json(google_error(400, f"Invalid value '{text}'. Values must be within "
                                       f"the range: [1, {largest}]"), 400)
    size = int(text) if text else default
    token = request.arg("pageToken")
    try:
        start = int(_unb64(token).decode().removeprefix(f"{key}:")) if token else 0
    except (ValueError, UnicodeDecodeError):
        return Reply.json(google_error(400, "Invalid Input: pageToken"), 400)
    chunk = list(everything[start:start + size])
    body: dict[str, Any] = {"kind": kind, "etag": f'"{key}-{start}-{len(chunk)}"'}
    if chunk:  # Google leaves the list out of an empty answer
        body[key] = chunk
    if start + size < len(everything):
        body["nextPageToken"] = base64.urlsafe_b64encode(
            f"{key}:{start + size}".encode()).decode().rstrip("=")
    return Reply.json(body)
