"""Access tokens for a service account with domain-wide delegation, without google-auth.

Google's server-to-server flow is the OAuth 2.0 JWT bearer grant (RFC 7523): a JWT whose
issuer is the service account, whose subject is the admin it acts as, listing the scopes and
addressed to the token endpoint, signed RS256 with the account's private key, is exchanged at
the token endpoint for a bearer token that lasts an hour.

Every token request is recorded as an ``AcquireToken`` call (which scopes, for whom, and how
it ended), so a refused delegation is an ERROR result naming it. Neither the private key, the
signed assertion nor the access token is ever recorded: the request is recorded by its
parameters, and a successful answer by its token type and lifetime only.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from govkit.snapshot import GLOBAL_REGION, CallEntry, SnapshotWriter
from govkit.sources.google import api
from govkit.sources.google.settings import GoogleSettings, ServiceAccountKey

TOKEN_LIFETIME = 3600  # seconds: the longest Google accepts
RENEW_BEFORE = 300.0  # seconds before expiry a token is renewed
_SAFE_ANSWER_KEYS = ("token_type", "expires_in", "scope")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signing_key(key: ServiceAccountKey) -> rsa.RSAPrivateKey:
    """The key's private half, loaded once per token source (settings_from has checked it)."""
    private = serialization.load_pem_private_key(key.private_key.encode(), password=None,
                                                 unsafe_skip_rsa_key_validation=True)
    if not isinstance(private, rsa.RSAPrivateKey):  # settings_from refuses other keys
        raise TypeError("a service-account key is an RSA key")
    return private


def assertion(key: ServiceAccountKey, *, subject: str, scopes: Sequence[str], audience: str,
              now: int, private: rsa.RSAPrivateKey | None = None) -> str:
    """The signed JWT that asks for a token acting as ``subject`` with ``scopes``."""
    header: dict[str, str] = {"alg": "RS256", "typ": "JWT"}
    if key.private_key_id:
        header["kid"] = key.private_key_id
    claims = {"iss": key.client_email, "sub": subject, "scope": " ".join(scopes),
              "aud": audience, "iat": now, "exp": now + TOKEN_LIFETIME}
    signing_input = (_b64(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     _b64(json.dumps(claims, separators=(",", ":")).encode()))
    private = private or signing_key(key)
    signature = private.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


@dataclass(frozen=True)
class _Answer:
    token: str | None
    lifetime: float
    status: int | None
    safe_body: Mapping[str, Any]
    error_code: str | None
    error_message: str | None
    attempts: int


class TokenSource:
    """The access token for one set of scopes: requested when first needed, renewed shortly
    before it expires; each request recorded. ``headers`` is what RecordedClient sends."""

    def __init__(self, settings: GoogleSettings, writer: SnapshotWriter, client: httpx.Client,
                 *, scope_set: str, scopes: Sequence[str],
                 clock: Callable[[], float] = time.monotonic) -> None:
        if settings.key is None or settings.subject is None:
            raise ValueError("live collection needs a service-account key and a subject")
        self._settings, self._key, self._subject = settings, settings.key, settings.subject
        self._writer, self._client, self._clock = writer, client, clock
        self.scope_set, self.scopes = scope_set, tuple(scopes)
        self._private = signing_key(settings.key)
        self._token: str | None = None
        self._expires = 0.0
        self.failed: CallEntry | None = None  # the last failed request, if any

    def acquire(self) -> bool:
        """Request a token now; True when one is held afterwards."""
        started, began = dt.datetime.now(dt.timezone.utc), time.perf_counter()
        answer = self._request()
        common: dict[str, Any] = {
            "account": self._settings.tenant, "region": GLOBAL_REGION, "service": api.SERVICE,
            "operation": api.ACQUIRE_TOKEN, "params": self._params(), "started_at": started,
            "duration_ms": int((time.perf_counter() - began) * 1000),
            "retry_attempts": answer.attempts - 1}
        if answer.token is None:
            self.failed = self._writer.record(**common, error_code=answer.error_code,
                                              error_message=answer.error_message)
            return self._token is not None
        self._writer.record(**common, response={"status": answer.status,
                                                "body": dict(answer.safe_body)})
        self._token, self._expires = answer.token, self._clock() + answer.lifetime
        return True

    def headers(self) -> dict[str, str]:
        # a refused renewal is not asked again: the old token is sent until the API's 401 ends
        # the listing, recorded
        due = self._token is None or self._clock() >= self._expires - RENEW_BEFORE
        if due and self.failed is None:
            self.acquire()
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def _params(self) -> dict[str, Any]:
        return {"scope_set": self.scope_set, "token_url": self._settings.token_url,
                "client_email": self._key.client_email, "subject": self._subject,
                "scopes": list(self.scopes)}

    def _request(self) -> _Answer:
        attempt = 0
        while True:
            attempt += 1
            form = {"grant_type": api.JWT_BEARER_GRANT,
                    "assertion": assertion(self._key, subject=self._subject, scopes=self.scopes,
                                           audience=self._settings.token_url,
                                           now=int(time.time()), private=self._private)}
            try:
                response = self._client.post(self._settings.token_url, data=form)
            except httpx.TimeoutException as exc:
                if attempt < self._settings.max_attempts:
                    self._settings.sleep(min(2.0 ** attempt, 60.0))
                    continue
                return _failed("Timeout", f"no answer in time: {exc}", attempt)
            except httpx.HTTPError as exc:
                return _failed("ConnectionError", str(exc), attempt)
            status = response.status_code
            if (status == 429 or status >= 500) and attempt < self._settings.max_attempts:
                self._settings.sleep(_pause(response, attempt))
                continue
            return _read(response, attempt)


def _failed(code: str, message: str, attempts: int, status: int | None = None) -> _Answer:
    return _Answer(None, 0.0, status, {}, code, message, attempts)


def _pause(response: httpx.Response, attempt: int) -> float:
    asked = (response.headers.get("retry-after") or "").strip()
    return min(float(asked) if asked.isdigit() else 2.0 ** attempt, 60.0)


def _read(response: httpx.Response, attempts: int) -> _Answer:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if status >= 400:
        return _failed(f"HTTP{status}", _error_text(body, response.text), attempts, status)
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        return _failed("MalformedResponse", "the token endpoint's answer holds no "
                       "access_token", attempts, status)
    lifetime = body.get("expires_in")
    lifetime = float(lifetime) if isinstance(lifetime, (int, float)) else float(TOKEN_LIFETIME)
    safe = {k: body[k] for k in _SAFE_ANSWER_KEYS if k in body}
    return _Answer(token, lifetime, status, safe, None, None, attempts)


def _error_text(body: Any, text: str) -> str:
    """OAuth's ``{"error", "error_description"}``, or the Google API error shape, or the text."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str):
            description = body.get("error_description")
            return f"{error}: {description}" if isinstance(description, str) else error
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return f"{error.get('status') or error.get('code')}: {error['message']}"
    text = text.strip()
    return text if len(text) <= 500 else text[:497] + "..."
