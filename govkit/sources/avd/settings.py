"""The ``avd`` section of the scan configuration, resolved: the secret read from the
environment, the certificate loaded, paths made absolute. Nothing here talks to the network.

Sign-in is the Entra client-credentials flow of the ``entra`` source (govkit.sources.entra.auth),
for an app registration holding Reader (or Desktop Virtualization Reader plus "Microsoft.
Authorization/roleAssignments/read") on each subscription; the token is asked for the ARM host
(``https://management.azure.com/.default``, or ``<arm_url>/.default`` for another cloud).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit.sources.entra.settings import (
    DEFAULT_AUTHORITY, DEFAULT_MAX_ATTEMPTS, DEFAULT_WORKERS, ClientCertificate, EntraSettings)
from govkit.sources.entra.settings import client_credential  # the same keys, checked the same way
from govkit.sources.interface import ConfigProblem

DEFAULT_ARM = "https://management.azure.com"


@dataclass(frozen=True, kw_only=True)
class AvdSettings:
    """How to reach the subscriptions' host pools (or where their export lies)."""

    tenant_id: str
    subscription_ids: tuple[str, ...] = ()
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    certificate: ClientCertificate | None = field(default=None, repr=False)
    authority_url: str = DEFAULT_AUTHORITY
    arm_url: str = DEFAULT_ARM
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    workers: int = DEFAULT_WORKERS
    export_file: Path | None = None
    application_groups_file: Path | None = None
    role_assignments_file: Path | None = None
    # the session hosts' Group Policy time limits (govkit.sources.avd.sessionhosts), live or
    # export alike: ARM does not show a session host's registry
    session_hosts_file: Path | None = None

    def sign_in(self) -> EntraSettings:
        """The Entra settings the token provider signs in with: the same app and credential,
        the token scope ``<arm_url>/.default``."""
        return EntraSettings(tenant_id=self.tenant_id, client_id=self.client_id,
                             client_secret=self.client_secret, certificate=self.certificate,
                             authority_url=self.authority_url, graph_url=self.arm_url,
                             max_attempts=self.max_attempts, workers=self.workers)


def settings_from(section: Mapping[str, Any], *, resolve: Callable[[str], Path],
                  environ: Mapping[str, str]) -> AvdSettings:
    """The settings a validated ``avd`` section describes; :class:`ConfigProblem` when an
    environment variable it names is unset or empty, or a file it names is missing."""
    common: dict[str, Any] = {
        "session_hosts_file": _file(resolve, section, "session_hosts")
        if "session_hosts" in section else None,
        "authority_url": str(section.get("authority_url") or DEFAULT_AUTHORITY).rstrip("/"),
        "arm_url": str(section.get("arm_url") or DEFAULT_ARM).rstrip("/"),
        "max_attempts": int(section.get("max_attempts") or DEFAULT_MAX_ATTEMPTS),
        "workers": int(section.get("workers") or DEFAULT_WORKERS),
        "subscription_ids": tuple(dict.fromkeys(
            str(s).casefold() for s in section.get("subscription_ids") or ())),
    }
    if "export" in section:
        files = {key: _file(resolve, section, key)
                 for key in ("export", "application_groups", "role_assignments")
                 if key in section}
        export = files["export"]
        tenant = section.get("tenant_id") or re.sub(r"[^A-Za-z0-9._-]+", "_", export.stem)
        return AvdSettings(tenant_id=str(tenant), client_id=section.get("client_id"),
                           export_file=export,
                           application_groups_file=files.get("application_groups"),
                           role_assignments_file=files.get("role_assignments"), **common)
    for key in ("tenant_id", "client_id"):
        if not section.get(key):
            raise ConfigProblem(key, f"'{key}' is required unless 'export' is given")
    if not common["subscription_ids"]:
        raise ConfigProblem("subscription_ids", "list the subscriptions whose host pools to "
                            "read (subscription_ids), unless 'export' is given")
    secret, certificate = client_credential(section, resolve, environ)
    return AvdSettings(tenant_id=str(section["tenant_id"]), client_id=str(section["client_id"]),
                       client_secret=secret, certificate=certificate, **common)


def _file(resolve: Callable[[str], Path], section: Mapping[str, Any], key: str) -> Path:
    path = resolve(str(section[key]))
    if not path.is_file():
        raise ConfigProblem(key, f"no such file: {path}")
    return path

