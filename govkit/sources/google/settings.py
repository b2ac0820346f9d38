"""The ``google:`` section of a scan configuration, checked and turned into settings.

Live collection needs a service-account key (the JSON file the Google Cloud console
downloads) whose client has domain-wide delegation for the read-only Directory and Reports
scopes, and the admin to impersonate. The key is read once here, so a missing file or a key of
another kind is a configuration error before anything is collected; its private key lives only
in memory (never in a repr, a log or the snapshot).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from govkit.sources.google import api
from govkit.sources.interface import ConfigProblem

SCHEMA_FILE = Path(__file__).with_name("config.schema.json")

_KEY_FIELDS = ("type", "private_key", "client_email")


@dataclass(frozen=True, kw_only=True)
class ServiceAccountKey:
    """What a token request needs from the key file."""

    client_email: str
    private_key: str = field(repr=False)  # PEM (PKCS#8)
    private_key_id: str | None = None
    token_uri: str | None = None
    project_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class GoogleSettings:
    tenant: str
    customer: str = api.DEFAULT_CUSTOMER
    base_url: str = api.DEFAULT_BASE_URL
    token_url: str = api.DEFAULT_TOKEN_URL
    key: ServiceAccountKey | None = None  # live collection
    subject: str | None = None
    export_dir: Path | None = None  # collection from exported files instead
    max_attempts: int = 5
    page_size: int = 500
    timeout: float = 30.0
    # how collection waits between attempts (tests pass a no-op)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)


def settings_from(section: Mapping[str, Any], *, resolve: Callable[[str], Path],
                  environ: Mapping[str, str]) -> GoogleSettings:
    """Settings from the ``google:`` section; ``resolve`` turns a path written in the file into
    one from the file's folder. Raises :class:`ConfigProblem` naming the key at fault."""
    del environ  # the section names no environment variables: the key file is the secret
    _check_shape(section)
    customer = str(section.get("customer", api.DEFAULT_CUSTOMER))
    common: dict[str, Any] = {
        "customer": customer,
        "base_url": str(section.get("base_url", api.DEFAULT_BASE_URL)).rstrip("/"),
        "max_attempts": int(section.get("max_attempts", 5)),
        "page_size": int(section.get("page_size", 500)),
    }
    if "export" in section:
        folder = resolve(str(section["export"]))
        if not folder.is_dir():
            raise ConfigProblem("export", f"{folder} is not a folder of exported JSON files")
        tenant = section.get("tenant") or (None if customer == api.DEFAULT_CUSTOMER
                                           else customer)
        if not tenant:
            raise ConfigProblem("tenant", "an export names no admin, so say which Google "
                                "Workspace it is: set tenant (or customer to its C0... id)")
        return GoogleSettings(tenant=str(tenant), export_dir=folder, **common)
    key = read_key(resolve(str(section["credentials_file"])))
    subject = str(section["subject"])
    tenant = section.get("tenant") or (subject.rsplit("@", 1)[-1].lower()
                                       if customer == api.DEFAULT_CUSTOMER else customer)
    token_url = section.get("token_url") or key.token_uri or api.DEFAULT_TOKEN_URL
    return GoogleSettings(tenant=str(tenant), key=key, subject=subject,
                          token_url=str(token_url), **common)


def _check_shape(section: Mapping[str, Any]) -> None:
    if "export" in section:
        clash = next((k for k in ("credentials_file", "subject", "token_url") if k in section),
                     None)
        if clash:
            raise ConfigProblem(clash, f"'{clash}' is for live collection; a section with "
                                "export reads files and makes no API call")
    else:
        for key in ("credentials_file", "subject"):
            if key not in section:
                raise ConfigProblem(key, f"'{key}' is required for live collection (or give "
                                    "export: FOLDER to read exported files)")
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(dict(section)))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path)
        if not where and error.validator == "additionalProperties":
            where = next((str(k) for k in section if k not in schema["properties"]), "")
        raise ConfigProblem(where, error.message)


def read_key(path: Path) -> ServiceAccountKey:
    """A service-account key file; ConfigProblem on ``credentials_file`` when it is not one."""
    where = "credentials_file"
    try:
        document = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigProblem(where, f"{path} does not exist") from None
    except OSError as exc:
        raise ConfigProblem(where, f"{path} cannot be read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ConfigProblem(where, f"{path} is not JSON (a service-account key file is)") \
            from None
    if not isinstance(document, dict):
        raise ConfigProblem(where, f"{path} is not a service-account key (not a JSON object)")
    missing = [k for k in _KEY_FIELDS if not isinstance(document.get(k), str)
               or not document[k]]
    if missing:
        raise ConfigProblem(where, f"{path} is not a service-account key: no "
                            f"{', '.join(missing)}")
    if document["type"] != "service_account":
        raise ConfigProblem(where, f"{path} is a '{document['type']}' credential, not a "
                            "service-account key (type service_account)")
    _check_private_key(path, document["private_key"])
    return ServiceAccountKey(client_email=document["client_email"],
                             private_key=document["private_key"],
                             private_key_id=_text(document.get("private_key_id")),
                             token_uri=_text(document.get("token_uri")),
                             project_id=_text(document.get("project_id")))


def _check_private_key(path: Path, pem: str) -> None:
    try:
        loaded = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigProblem("credentials_file", f"{path}: private_key is not a PEM private "
                            "key without a password") from None
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ConfigProblem("credentials_file", f"{path}: private_key is not an RSA key "
                            "(Google signs service-account assertions with RS256)")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
