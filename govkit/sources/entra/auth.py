"""An app-only access token for Microsoft Graph from the Microsoft identity platform.

The OAuth 2.0 client-credentials grant at ``{authority}/{tenant}/oauth2/v2.0/token`` with
``scope={graph}/.default``, authenticated with the client secret or with a client assertion: a
JWT signed RS256 with the certificate's private key, whose header names the certificate by
``x5t`` (base64url of its SHA-1 thumbprint) and whose claims are aud (the token endpoint),
iss = sub (the client id), jti, nbf, iat and exp.

The request carries a secret, so it is not recorded; a request that fails is recorded as a
failed ``AcquireToken`` call (the authority, client id, credential kind and scope, never the
secret; the error and Entra's AADSTS description), so every result that needed Graph says
ERROR naming it. Tokens are renewed five minutes before they expire.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from govkit.snapshot import GLOBAL_REGION, SnapshotWriter
from govkit.sources.entra.queries import ACQUIRE_TOKEN, SERVICE
from govkit.sources.entra.settings import ClientCertificate, EntraSettings

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RENEW_BEFORE = 300.0  # seconds before expiry
ASSERTION_LIFETIME = 600


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def client_assertion(certificate: ClientCertificate, *, client_id: str, audience: str,
                     now: float | None = None) -> str:
    """A signed JWT proving possession of the registered certificate's private key."""
    issued = int(time.time() if now is None else now)
    header = {"alg": "RS256", "typ": "JWT", "x5t": certificate.x5t}
    claims = {"aud": audience, "iss": client_id, "sub": client_id, "jti": str(uuid.uuid4()),
              "nbf": issued, "iat": issued, "exp": issued + ASSERTION_LIFETIME}
    signing_input = ".".join(_b64url(json.dumps(part, separators=(",", ":")).encode())
                             for part in (header, claims))
    signature = certificate.private_key.sign(signing_input.encode("ascii"),
                                             padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


class TokenProvider:
    """Bearer headers for the recorded client; acquires and renews the token."""

    def __init__(self, settings: EntraSettings, writer: SnapshotWriter, *,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._settings, self._writer, self._sleep, self._clock = settings, writer, sleep, clock
        self._transport = transport
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.failures = 0

    def acquire(self) -> bool:
        """Get a first token; False (with the failure recorded) when Entra refuses."""
        with self._lock:
            return self._refresh()

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._refresh()  # a failed renewal is recorded; calls then get a 401
            return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def _refresh(self) -> bool:
        started, began = dt.datetime.now(dt.timezone.utc), time.perf_counter()
        answer, attempts = self._request()
        if isinstance(answer, dict):
            self._token = str(answer["access_token"])
            lifetime = float(answer.get("expires_in") or 3599)
            self._renew_at = self._clock() + max(lifetime - RENEW_BEFORE, lifetime / 2)
            return True
        code, message = answer
        self.failures += 1
        settings = self._settings
        self._writer.record(
            account=settings.tenant_id, region=GLOBAL_REGION, service=SERVICE,
            operation=ACQUIRE_TOKEN, params=self._recorded_params(), started_at=started,
            duration_ms=int((time.perf_counter() - began) * 1000), error_code=code,
            error_message=self._scrub(message), retry_attempts=attempts - 1)
        return False

    def _recorded_params(self) -> dict[str, Any]:
        settings = self._settings
        return {"path": f"/{settings.tenant_id}/oauth2/v2.0/token",
                "authority": settings.authority_url, "client_id": settings.client_id,
                "credential": "certificate" if settings.certificate else "client_secret",
                "grant_type": "client_credentials", "scope": settings.scope}

    def _form(self) -> dict[str, str]:
        settings = self._settings
        form = {"client_id": str(settings.client_id), "scope": settings.scope,
                "grant_type": "client_credentials"}
        if settings.certificate is not None:
            form["client_assertion_type"] = ASSERTION_TYPE
            form["client_assertion"] = client_assertion(
                settings.certificate, client_id=str(settings.client_id),
                audience=settings.token_url)
        else:
            form["client_secret"] = str(settings.client_secret)
        return form

    def _request(self) -> tuple[dict[str, Any] | tuple[str, str], int]:
        """The token response, or (error code, message); retries 429, 5xx and timeouts."""
        attempts = 0
        with httpx.Client(timeout=30.0, transport=self._transport) as client:
            while True:
                attempts += 1
                last = attempts >= self._settings.max_attempts
                try:
                    response = client.post(self._settings.token_url, data=self._form())
                except httpx.TimeoutException:
                    if not last:
                        self._sleep(min(2.0 ** attempts, 60.0))
                        continue
                    return ("Timeout", "the token endpoint did not answer in time"), attempts
                except httpx.HTTPError as exc:
                    return ("ConnectionError", f"{self._settings.token_url}: {exc}"), attempts
                status = response.status_code
                if (status == 429 or status >= 500) and not last:
                    retry = response.headers.get("retry-after", "")
                    self._sleep(float(retry) if retry.isdigit() else min(2.0 ** attempts, 60.0))
                    continue
                return _token_answer(response), attempts

    def _scrub(self, text: str) -> str:
        secret = self._settings.client_secret
        return text.replace(secret, "[secret]") if secret else text


def _token_answer(response: httpx.Response) -> dict[str, Any] | tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict) and body.get("access_token"):
        return body
    code = f"HTTP{response.status_code}" if response.status_code != 200 else "MalformedResponse"
    if isinstance(body, dict) and body.get("error"):
        description = str(body.get("error_description") or "").split("\r\n")[0].strip()
        return code, f"{body['error']}: {description}" if description else str(body["error"])
    text = response.text.strip()
    return code, (text[:497] + "...") if len(text) > 500 else (text or "no token in the answer")
