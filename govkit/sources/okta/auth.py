"""Credentials for the Okta Management API.

Two ways in, both read-only: an SSWS API token (``Authorization: SSWS <token>``), or an OAuth
2.0 service app that proves itself with ``private_key_jwt``: govkit signs a short-lived client
assertion (RS256 with an RSA key, ES256 with an EC P-256 key), exchanges it at
``{org_url}/oauth2/v1/token`` for an access token with the ``client_credentials`` grant, and
sends ``Authorization: Bearer <token>``, fetching a new one before it expires.

Each exchange is recorded in the snapshot as ``okta:GetAccessToken`` with its outcome and the
granted scopes: an org that refuses the app is evidence too (the normaliser reports it as the
reason nothing was listed). Neither the assertion nor the access token is ever recorded.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from govkit.snapshot import GLOBAL_REGION, SnapshotWriter

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
TOKEN_PATH = "/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_REFRESH_MARGIN = 60.0  # seconds before expiry at which a new token is fetched


def load_private_key(pem: bytes) -> SigningKey | str:
    """The key in ``pem``, or why it cannot sign a client assertion."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        return f"not an unencrypted PEM private key ({exc})"
    if isinstance(key, rsa.RSAPrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    return "the key must be RSA (RS256) or EC P-256 (ES256)"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def client_assertion(key: SigningKey, *, client_id: str, audience: str, now: float,
                     key_id: str | None = None, lifetime: int = 300) -> str:
    """A signed JWT (RFC 7523) naming the service app to Okta's token endpoint."""
    alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
    header: dict[str, Any] = {"alg": alg, "typ": "JWT", **({"kid": key_id} if key_id else {})}
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "iat": int(now),
              "exp": int(now) + lifetime, "jti": uuid.uuid4().hex}
    signing_input = ".".join(_b64url(json.dumps(part, separators=(",", ":")).encode())
                             for part in (header, claims)).encode("ascii")
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:  # JOSE wants r || s, 32 bytes each, not DER
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input.decode('ascii')}.{_b64url(signature)}"


@dataclass(frozen=True)
class TokenOutcome:
    ok: bool
    error_code: str | None = None


class AccessTokens:
    """Bearer tokens for one service app, fetched when needed and recorded (never the token)."""

    def __init__(self, *, org_url: str, client_id: str, key: SigningKey, scopes: tuple[str, ...],
                 writer: SnapshotWriter, tenant: str, key_id: str | None = None,
                 transport: httpx.BaseTransport | None = None, timeout: float = 30.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._org_url, self._client_id, self._key = org_url, client_id, key
        self._scopes, self._writer, self._tenant, self._key_id = scopes, writer, tenant, key_id
        self._clock = clock
        self._http = httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self.calls = 0

    def close(self) -> None:
        self._http.close()

    def fetch(self) -> TokenOutcome:
        """Exchange a fresh client assertion for an access token, and record the exchange."""
        audience = f"{self._org_url}{TOKEN_PATH}"
        now = self._clock()
        form = {"grant_type": "client_credentials", "scope": " ".join(self._scopes),
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": client_assertion(self._key, client_id=self._client_id,
                                                     audience=audience, now=now,
                                                     key_id=self._key_id)}
        started, began = dt.datetime.now(dt.timezone.utc), time.perf_counter()
        code, message, body = self._exchange(audience, form)
        self.calls += 1
        record: dict[str, Any] = {
            "account": self._tenant, "region": GLOBAL_REGION, "service": "okta",
            "operation": "GetAccessToken", "started_at": started,
            "duration_ms": int((time.perf_counter() - began) * 1000),
            "params": {"path": TOKEN_PATH, "client_id": self._client_id,
                       "scope": form["scope"]}}
        if code is not None:
            self._writer.record(**record, error_code=code, error_message=message)
            return TokenOutcome(False, code)
        self._token = str(body["access_token"])
        self._expires = now + float(body.get("expires_in") or 3600)
        kept = {k: body[k] for k in ("token_type", "expires_in", "scope") if k in body}
        self._writer.record(**record, response={"status": 200, "body": kept})
        return TokenOutcome(True)

    def _exchange(self, url: str, form: Mapping[str, str]
                  ) -> tuple[str | None, str | None, Mapping[str, Any]]:
        try:
            response = self._http.post(url, data=dict(form),
                                       headers={"Accept": "application/json"})
        except httpx.TimeoutException as exc:
            return "Timeout", f"no answer in time: {exc}", {}
        except httpx.HTTPError as exc:
            return "ConnectionError", str(exc), {}
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            detail = body if isinstance(body, Mapping) else {}
            text = " ".join(str(detail.get(k)) for k in ("error", "error_description")
                            if detail.get(k)) or response.text[:500]
            return f"HTTP{response.status_code}", text, {}
        if not isinstance(body, Mapping) or not body.get("access_token"):
            return "MalformedResponse", "the token endpoint answered without an access " \
                                        "token", {}
        return None, None, body

    def headers(self) -> dict[str, str]:
        """The Authorization header, with a token fetched again shortly before expiry. A
        failed refresh keeps the old token: the API answers 401, which is recorded."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires - _REFRESH_MARGIN:
                self.fetch()
            return {"Authorization": f"Bearer {self._token or ''}",
                    "Accept": "application/json"}
