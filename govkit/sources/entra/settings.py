"""The ``entra`` section of the scan configuration, resolved: secrets read from the environment,
the certificate loaded, paths made absolute. Nothing here talks to the network."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from govkit.sources.interface import ConfigProblem

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
DEFAULT_GRAPH = "https://graph.microsoft.com"
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_WORKERS = 4
MAX_PAGE_SIZE = 999


@dataclass(frozen=True)
class ClientCertificate:
    """The app registration's certificate and its private key (signs client assertions)."""

    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate

    @property
    def x5t(self) -> str:
        """base64url of the certificate's SHA-1 thumbprint, as the assertion header names it."""
        digest = self.certificate.fingerprint(hashes.SHA1())  # the protocol's choice
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, kw_only=True)
class EntraSettings:
    """How to reach one tenant (or where its export lies)."""

    tenant_id: str
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    certificate: ClientCertificate | None = field(default=None, repr=False)
    authority_url: str = DEFAULT_AUTHORITY
    graph_url: str = DEFAULT_GRAPH
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    workers: int = DEFAULT_WORKERS
    page_size: int = MAX_PAGE_SIZE
    export_dir: Path | None = None

    @property
    def token_url(self) -> str:
        return f"{self.authority_url}/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def scope(self) -> str:
        """Application permissions of the Graph host the calls go to (national clouds too)."""
        return f"{self.graph_url}/.default"


def settings_from(section: Mapping[str, Any], *, resolve: Callable[[str], Path],
                  environ: Mapping[str, str]) -> EntraSettings:
    """The settings a validated ``entra`` section describes; :class:`ConfigProblem` when an
    environment variable it names is unset or empty, or a file or folder it names is missing."""
    common: dict[str, Any] = {
        "authority_url": str(section.get("authority_url") or DEFAULT_AUTHORITY).rstrip("/"),
        "graph_url": str(section.get("graph_url") or DEFAULT_GRAPH).rstrip("/"),
        "max_attempts": int(section.get("max_attempts") or DEFAULT_MAX_ATTEMPTS),
        "workers": int(section.get("workers") or DEFAULT_WORKERS),
        "page_size": min(int(section.get("page_size") or MAX_PAGE_SIZE), MAX_PAGE_SIZE),
    }
    if "export" in section:
        folder = resolve(str(section["export"]))
        if not folder.is_dir():
            raise ConfigProblem("export", f"no such folder: {folder}")
        tenant = section.get("tenant_id") or re.sub(r"[^A-Za-z0-9._-]+", "_", folder.name)
        return EntraSettings(tenant_id=str(tenant), client_id=section.get("client_id"),
                             export_dir=folder, **common)
    for key in ("tenant_id", "client_id"):
        if not section.get(key):
            raise ConfigProblem(key, f"'{key}' is required unless 'export' is given")
    secret, certificate = client_credential(section, resolve, environ)
    return EntraSettings(tenant_id=str(section["tenant_id"]), client_id=str(section["client_id"]),
                         client_secret=secret, certificate=certificate, **common)


def client_credential(section: Mapping[str, Any], resolve: Callable[[str], Path],
                      environ: Mapping[str, str]
                      ) -> tuple[str | None, ClientCertificate | None]:
    """The client secret (from the environment variable it names) or certificate of a
    client-credentials section; Entra and Azure Resource Manager sign in the same way."""
    if ("client_secret_env" in section) == ("certificate_file" in section):
        raise ConfigProblem("client_secret_env", "give exactly one of client_secret_env and "
                            "certificate_file")
    if "client_secret_env" in section:
        variable = str(section["client_secret_env"])
        secret = environ.get(variable)
        if not secret:
            raise ConfigProblem("client_secret_env", f"environment variable {variable} (named "
                                "by client_secret_env) is not set or empty")
        return secret, None
    return None, load_certificate(resolve(str(section["certificate_file"])))


def load_certificate(path: Path) -> ClientCertificate:
    """The RSA key and certificate of a PEM file (any order, other blocks ignored)."""
    if not path.is_file():
        raise ConfigProblem("certificate_file", f"no such file: {path}")
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigProblem("certificate_file", f"{path}: no unencrypted private key in the "
                            f"PEM file ({exc})") from None
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        certificates = []
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigProblem("certificate_file", f"{path}: the private key is not RSA (client "
                            "assertions are signed RS256)")
    public = key.public_key().public_numbers()
    matching = [c for c in certificates if isinstance(c.public_key(), rsa.RSAPublicKey)
                and c.public_key().public_numbers() == public]  # type: ignore[union-attr]
    if not matching:
        raise ConfigProblem("certificate_file", f"{path}: no certificate for the private key "
                            "in the PEM file")
    return ClientCertificate(key, matching[0])
