"""A loopback Okta org: the Management API endpoints govkit reads, served from memory.

:class:`OktaDirectory` holds users, groups, apps with user and group assignments, factors,
admin role holders and System Log events; :class:`OktaServer` serves them with Okta's
semantics so the real collector runs over real HTTP: ``limit``/``after`` paging with
absolute ``Link`` self and next URLs (the IAM assignees listing pages in its body, as Okta's
IAM APIs do); DEPROVISIONED users left out of ``/api/v1/users`` unless ``search``/``filter``
asks for ``status eq "..."``; the System Log filtered on ``since``/``until`` and ``eventType
eq "x" or ...``; ``X-Rate-Limit-*`` headers and 429 ``E0000047`` past the per-minute limit;
401 ``E0000011`` for a wrong token; Okta-shaped error bodies; and ``/oauth2/v1/token`` for a
service app's ``private_key_jwt`` client-credentials grant, verified with its public key.

Usage: ``server = OktaServer(directory, token="...").start()``; ``server.url``; ``server.stop()``.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from govkit.demo.idp.base import ApiServer, Handler, Reply, Request
from govkit.demo.idp.okta_directory import (
    EPOCH, OktaApp, OktaDirectory, OktaFactor, OktaGroup, OktaLogEvent, OktaUser, stamp)

__all__ = ["READ_SCOPES", "OktaApp", "OktaDirectory", "OktaFactor", "OktaGroup",
           "OktaLogEvent", "OktaServer", "OktaUser", "stamp", "verify_assertion"]

READ_SCOPES = frozenset({"okta.users.read", "okta.groups.read", "okta.apps.read",
                         "okta.logs.read", "okta.factors.read", "okta.roles.read"})
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_assertion(jwt: str, public_key: Any, *, client_id: str, audience: str,
                     now: float) -> str | None:
    """Why a client assertion is refused (None: it is valid). RS256 and ES256 only."""
    try:
        head, body, signature = jwt.split(".")
        header, claims = json.loads(_b64decode(head)), json.loads(_b64decode(body))
        raw, signed = _b64decode(signature), f"{head}.{body}".encode("ascii")
        if header.get("alg") == "RS256" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(raw, signed, padding.PKCS1v15(), hashes.SHA256())
        elif header.get("alg") == "ES256" and isinstance(public_key, ec.EllipticCurvePublicKey):
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                       int.from_bytes(raw[32:], "big"))
            public_key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
        else:
            return f"unsupported alg {header.get('alg')!r} for the registered key"
    except (ValueError, TypeError, AttributeError, InvalidSignature) as exc:
        return f"the client assertion is invalid ({type(exc).__name__})"
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        return "iss and sub must be the client id"
    if claims.get("aud") != audience:
        return f"aud must be {audience}"
    if not isinstance(claims.get("exp"), int) or claims["exp"] < now:
        return "the client assertion has expired"
    return None


_LISTED_STATUSES = {"STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "LOCKED_OUT",
                    "PASSWORD_EXPIRED", "SUSPENDED"}  # a plain listing: all but DEPROVISIONED
_STATUS_TERM = re.compile(r'^\s*status eq "([A-Z_]+)"\s*$')
_EVENT_TERM = re.compile(r'^\s*eventType eq "([A-Za-z0-9_.]+)"\s*$')


def _terms(expression: str, term: re.Pattern[str]) -> set[str] | None:
    """The values of ``field eq "x" or field eq "y"``; None for anything else."""
    found = [term.match(part) for part in expression.split(" or ")]
    return None if not all(found) else {m.group(1) for m in found if m}


class OktaServer(ApiServer):
    """The Okta Management API over a directory. ``token`` is the SSWS API token accepted;
    with ``client_id`` and ``public_key``, ``/oauth2/v1/token`` issues Bearer tokens."""

    def __init__(self, directory: OktaDirectory, *, token: str = "00demoOktaApiToken",
                 client_id: str | None = None, public_key: Any = None,
                 granted_scopes: frozenset[str] = READ_SCOPES, rate_limit: int = 600) -> None:
        super().__init__()
        self.directory, self.token, self.client_id = directory, token, client_id
        self.public_key, self.granted_scopes, self.rate_limit = public_key, granted_scopes, \
            rate_limit
        self._issued: dict[str, float] = {}
        self._windows: dict[str, tuple[int, int]] = {}  # bucket -> (window start, count)
        self._counter = itertools.count(1)
        self._guard = threading.Lock()
        for pattern, handler in (
                ("/api/v1/users", self._users), ("/api/v1/groups", self._groups),
                ("/api/v1/groups/{id}/users", self._group_users), ("/api/v1/apps", self._apps),
                ("/api/v1/apps/{id}/users", self._app_users),
                ("/api/v1/users/{id}/factors", self._factors),
                ("/api/v1/iam/assignees/users", self._assignees),
                ("/api/v1/logs", self._logs)):
            self.route("GET", pattern, self._api(pattern, handler))
        self.route("POST", "/oauth2/v1/token", self._token)

    # -- the envelope every API answer gets ------------------------------------------------

    def error(self, status: int, code: str, summary: str, **headers: str) -> Reply:
        body = {"errorCode": code, "errorSummary": summary, "errorLink": code,
                "errorId": f"oae{next(self._counter):010d}", "errorCauses": []}
        return Reply.json(body, status, **headers)

    def not_found(self, request: Request) -> Reply:
        return self.error(404, "E0000007", f"Not found: Resource not found: {request.path}")

    def _api(self, bucket: str, handler: Handler) -> Handler:
        def answer(request: Request) -> Reply:
            limits = self._rate(bucket)
            if not self._authorised(request.headers.get("authorization", "")):
                reply = self.error(401, "E0000011", "Invalid token provided")
            elif int(limits["X-Rate-Limit-Remaining"]) < 0:
                limits["X-Rate-Limit-Remaining"] = "0"
                reply = self.error(429, "E0000047", "API call exceeded rate limit due to too "
                                   "many requests.")
            else:
                reply = handler(request)
            return Reply(reply.status, reply.body, {**reply.headers, **limits,
                                                    "X-Okta-Request-Id":
                                                    f"emu{next(self._counter):010d}"})
        return answer

    def _authorised(self, header: str) -> bool:
        scheme, _, credential = header.partition(" ")
        if scheme == "SSWS":
            return secrets.compare_digest(credential, self.token)
        with self._guard:
            expiry = self._issued.get(credential) if scheme == "Bearer" else None
        return expiry is not None and expiry > time.time()

    def _rate(self, bucket: str) -> dict[str, str]:
        now = int(time.time())
        with self._guard:
            start, count = self._windows.get(bucket, (now, 0))
            if now - start >= 60:
                start, count = now, 0
            self._windows[bucket] = (start, count + 1)
        return {"X-Rate-Limit-Limit": str(self.rate_limit),
                "X-Rate-Limit-Remaining": str(self.rate_limit - count - 1),
                "X-Rate-Limit-Reset": str(start + 60)}

    def _page(self, request: Request, rows: Sequence[Mapping[str, Any]], cursor: str,
              largest: int, default: int | None = None, wrapped: bool = False) -> Reply:
        """One page of ``rows`` (in their order) after the ``after`` cursor (the ``cursor``
        key of the last row seen), with Link self and next headers; ``wrapped``: as
        ``{"value": [...], "_links": {"next": {"href": ...}}}`` instead."""
        try:
            limit = min(max(int(request.arg("limit") or default or largest), 1), largest)
        except ValueError:
            return self.error(400, "E0000001", "Api validation failed: limit")
        keys = [str(row[cursor]) for row in rows]
        after = request.arg("after")
        if after is not None and after not in keys:
            return self.error(400, "E0000001", "Api validation failed: after")
        start = 0 if after is None else keys.index(after) + 1
        page = list(rows[start:start + limit])
        query = {k: v[0] for k, v in request.query.items() if k != "after"}
        here = f"{self.url}{request.path}?"
        following = here + urlencode({**query, "after": keys[start + limit - 1]}) \
            if start + limit < len(rows) else None
        if wrapped:
            return Reply.json({"value": page, "_links": {"next": {"href": following}}
                               if following else {}})
        link = f'<{here}{urlencode(query)}>; rel="self"'
        return Reply.json(page, Link=link + (f', <{following}>; rel="next"' if following
                                             else ""))

    # -- the endpoints -------------------------------------------------------------------------

    def _users(self, request: Request) -> Reply:
        expression = request.arg("search") or request.arg("filter")
        statuses = _terms(expression, _STATUS_TERM) if expression else _LISTED_STATUSES
        if statuses is None:
            return self.error(400, "E0000031", "Invalid search criteria.")
        rows = [u.to_api(self.url) for u in sorted(self.directory.users, key=lambda u: u.id)
                if u.status in statuses]
        return self._page(request, rows, "id", 200)

    def _groups(self, request: Request) -> Reply:
        rows = [g.to_api(self.url) for g in sorted(self.directory.groups, key=lambda g: g.id)]
        return self._page(request, rows, "id", 10000)

    def _group(self, group_id: str) -> OktaGroup | None:
        return next((g for g in self.directory.groups if g.id == group_id), None)

    def _group_users(self, request: Request) -> Reply:
        group = self._group(request.params["id"])
        if group is None:
            return self.not_found(request)
        members = [self.directory.user(uid) for uid in sorted(group.members)]
        return self._page(request, [m.to_api(self.url) for m in members if m], "id", 1000)

    def _apps(self, request: Request) -> Reply:
        rows = [a.to_api(self.url) for a in sorted(self.directory.apps, key=lambda a: a.id)]
        return self._page(request, rows, "id", 200, default=20)

    def _app_users(self, request: Request) -> Reply:
        app = next((a for a in self.directory.apps if a.id == request.params["id"]), None)
        if app is None:
            return self.not_found(request)
        scopes = {uid: "GROUP" for gid in app.groups if (g := self._group(gid))
                  for uid in g.members} | {uid: "USER" for uid in app.users}
        rows = []
        for uid in sorted(scopes):
            user = self.directory.user(uid)
            if user is not None:
                rows.append({"id": uid, "scope": scopes[uid], "status": "PROVISIONED",
                             "syncState": "DISABLED", "externalId": None,
                             "credentials": {"userName": user.login},
                             "created": stamp(EPOCH), "lastUpdated": stamp(EPOCH),
                             "statusChanged": stamp(EPOCH),
                             "_links": {"user": {"href": f"{self.url}/api/v1/users/{uid}"}}})
        return self._page(request, rows, "id", 500, default=50)

    def _factors(self, request: Request) -> Reply:
        if self.directory.user(request.params["id"]) is None:
            return self.not_found(request)
        return Reply.json([f.to_api() for f in
                           self.directory.factors.get(request.params["id"], [])])

    def _assignees(self, request: Request) -> Reply:
        rows = [{"id": uid, "orn": f"orn:okta:directory:emulator:users:{uid}",
                 "_links": {"self": {"href": f"{self.url}/api/v1/users/{uid}"}}}
                for uid in sorted(set(self.directory.admins))]
        return self._page(request, rows, "id", 100, wrapped=True)

    def _logs(self, request: Request) -> Reply:
        now = dt.datetime.now(dt.timezone.utc)
        try:
            until = _instant(request.arg("until")) or now
            since = _instant(request.arg("since")) or until - dt.timedelta(days=7)
        except ValueError:
            return self.error(400, "E0000001", "Api validation failed: since/until")
        expression = request.arg("filter")
        wanted = _terms(expression, _EVENT_TERM) if expression else None
        if expression and wanted is None:
            return self.error(400, "E0000001", "Api validation failed: filter")
        events = sorted((e for e in self.directory.events if since <= e.published < until
                         and (wanted is None or e.event_type in wanted)),
                        key=lambda e: (e.published, e.uuid),
                        reverse=request.arg("sortOrder") == "DESCENDING")
        return self._page(request, [e.to_api() for e in events], "uuid", 1000, default=100)

    def _token(self, request: Request) -> Reply:
        """The OAuth 2.0 token endpoint: client credentials with a private_key_jwt."""
        form = request.form()
        if self.client_id is None or self.public_key is None:
            return _oauth_error(401, "invalid_client", "no service app is registered")
        if form.get("grant_type") != "client_credentials" or \
                form.get("client_assertion_type") != _ASSERTION_TYPE:
            return _oauth_error(400, "invalid_request", "client_credentials with a JWT "
                                "client assertion is required")
        refused = verify_assertion(form.get("client_assertion", ""), self.public_key,
                                   client_id=self.client_id, now=time.time(),
                                   audience=f"{self.url}/oauth2/v1/token")
        if refused:
            return _oauth_error(401, "invalid_client", refused)
        scopes = set(form.get("scope", "").split())
        if not scopes or not scopes <= self.granted_scopes:
            return _oauth_error(400, "invalid_scope", "The requested scope is invalid, "
                                "unknown, or malformed.")
        token = f"emu.{secrets.token_urlsafe(24)}"
        with self._guard:
            self._issued[token] = time.time() + 3600
        return Reply.json({"token_type": "Bearer", "expires_in": 3600, "access_token": token,
                           "scope": " ".join(sorted(scopes))})


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply.json({"error": error, "error_description": description}, status)


def _instant(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
