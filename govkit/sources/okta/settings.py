"""The ``okta`` section of the scan configuration, checked and turned into settings.

The JSON Schema (config.schema.json) has already checked each key's type; this module checks
what a schema cannot: that the environment variable named by ``token_env`` holds a token, that
the private key file exists and is a key govkit can sign with, and that exactly one way of
reading the org was chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from govkit.sources.interface import ConfigProblem
from govkit.sources.okta.auth import load_private_key

SCOPES = ("okta.users.read", "okta.groups.read", "okta.apps.read", "okta.logs.read",
          "okta.factors.read", "okta.roles.read")
"""What the OAuth service app asks for: read-only, one scope per API govkit reads."""


@dataclass(frozen=True, kw_only=True)
class OktaSettings:
    """How to read one Okta org. Exactly one of ``token``, ``client_id`` (OAuth) or
    ``export_dir`` is the way in; the token never appears in a repr."""

    tenant: str
    org_url: str | None = None
    token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    private_key_file: Path | None = None
    key_id: str | None = None
    export_dir: Path | None = None
    max_attempts: int = 5
    workers: int = 8
    page_size: int | None = None  # None: each endpoint's maximum
    scopes: tuple[str, ...] = SCOPES


def settings_from(section: Mapping[str, Any], *, resolve: Callable[[str], Path],
                  environ: Mapping[str, str]) -> OktaSettings:
    """Settings from a schema-valid ``okta`` section; raises ConfigProblem(key, message)."""
    org_url = _org_url(section.get("org_url"))
    tenant = section.get("tenant") or (urlsplit(org_url).hostname if org_url else None)
    common: dict[str, Any] = {"max_attempts": section.get("max_attempts", 5),
                              "workers": section.get("workers", 8),
                              "page_size": section.get("page_size")}
    ways = [k for k in ("export", "token_env", "client_id") if k in section]
    if len(ways) != 1:
        key = ways[1] if len(ways) > 1 else "token_env"
        raise ConfigProblem(key, "choose one way to read Okta: token_env (an SSWS API token), "
                            "client_id with private_key_file (an OAuth service app), or "
                            "export (a folder of exported JSON files)")
    if "export" in section:
        folder = resolve(str(section["export"]))
        if not folder.is_dir():
            raise ConfigProblem("export", f"no such folder: {folder}")
        if not tenant:
            raise ConfigProblem("tenant", "name the tenant (e.g. example.okta.com) or give "
                                "org_url when reading an export")
        return OktaSettings(tenant=str(tenant), org_url=org_url, export_dir=folder, **common)
    if org_url is None or not tenant:
        raise ConfigProblem("org_url", "the org's URL is required to read the Okta API, e.g. "
                            "https://example.okta.com")
    if "token_env" in section:
        variable = str(section["token_env"])
        token = environ.get(variable, "").strip()
        if not token:
            raise ConfigProblem("token_env", f"environment variable {variable} (named by "
                                "token_env) is not set or is empty")
        return OktaSettings(tenant=str(tenant), org_url=org_url, token=token, **common)
    key_file = resolve(str(section.get("private_key_file", "")))
    if not key_file.is_file():
        raise ConfigProblem("private_key_file", f"no such key file: {key_file}")
    problem = load_private_key(key_file.read_bytes())
    if isinstance(problem, str):
        raise ConfigProblem("private_key_file", f"{key_file}: {problem}")
    return OktaSettings(tenant=str(tenant), org_url=org_url, client_id=str(section["client_id"]),
                        private_key_file=key_file, key_id=section.get("key_id"), **common)


def _org_url(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path:
        raise ConfigProblem("org_url", f"'{value}' is not an org URL such as "
                            "https://example.okta.com")
    return text
