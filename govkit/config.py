"""The scan configuration file (``govkit scan --config govkit.yaml``).

One YAML file describes the sources a scan reads, validated against a JSON Schema shipped in
the package (govkit/schemas/config.schema.json): a mistake names the file, line and key before
anything is collected. Secrets are never written in it, only the names of the environment
variables that hold them (keys ending in ``_env``); a key that looks like an inline secret is
refused with that advice. Relative paths resolve from the file's folder. Command-line flags
override what the file says.

Sections grow with the sources govkit can collect: today ``aws`` (what the AWS flags give)
and ``timezone``; a section for a source govkit cannot read yet is an unknown key, never
silently ignored.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit import schemas
from govkit.errors import InputError
from govkit.policy.yamlfile import JsonPath, YamlDocument, load_yaml, validate

# Keys that would put a secret in the file; each has an ``<key>_env`` form.
_SECRET_KEYS = frozenset({"token", "api_token", "secret", "client_secret", "password",
                          "private_key", "api_key", "external_id"})


@dataclass(frozen=True, kw_only=True)
class AwsSection:
    profile: str | None = None
    home_region: str | None = None
    regions: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    org: bool | None = None
    role_name: str | None = None
    external_id: str | None = None  # read from the environment variable the file names
    workers: int | None = None
    max_attempts: int | None = None


@dataclass(frozen=True, kw_only=True)
class Config:
    path: Path
    timezone: zoneinfo.ZoneInfo | None = None
    aws: AwsSection | None = None

    def resolve(self, relative: str) -> Path:
        """A path written in the file, from the file's folder."""
        return (self.path.parent / relative).resolve()


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    environ = os.environ if environ is None else environ
    if not path.is_file():
        raise InputError(str(path), "no such configuration file")
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(doc.path, "a configuration file holds one mapping of sections "
                         "(aws, timezone, ...)", line=1)
    _refuse_inline_secrets(doc)
    validate(doc, schemas.load("config"))
    data = doc.data
    return Config(path=path.resolve(), timezone=_timezone(doc, data.get("timezone")),
                  aws=_aws(doc, data["aws"], environ) if "aws" in data else None)


def _walk(value: Any, where: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*where, key), str(key)
            yield from _walk(child, (*where, key))
    elif isinstance(value, list):
        for position, child in enumerate(value):
            yield from _walk(child, (*where, position))


def _refuse_inline_secrets(doc: YamlDocument) -> None:
    for where, key in _walk(doc.data, ()):
        if key.lower() in _SECRET_KEYS:
            raise InputError(doc.path, f"'{key}' would write a secret into the file; name "
                             f"the environment variable that holds it instead "
                             f"({key}_env: VARIABLE)", line=doc.line_of(where),
                             field=".".join(str(p) for p in where))


def _timezone(doc: YamlDocument, name: str | None) -> zoneinfo.ZoneInfo | None:
    if name is None:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(doc.path, f"unknown time zone '{name}' (an IANA name such as "
                         "America/Chicago)", line=doc.line_of(("timezone",)),
                         field="timezone") from None


def _aws(doc: YamlDocument, section: Mapping[str, Any],
         environ: Mapping[str, str]) -> AwsSection:
    external_id = None
    variable = section.get("external_id_env")
    if variable is not None:
        external_id = environ.get(variable)
        if not external_id:
            raise InputError(doc.path, f"environment variable {variable} (named by "
                             "external_id_env) is not set", field="aws.external_id_env",
                             line=doc.line_of(("aws", "external_id_env")))
    return AwsSection(profile=section.get("profile"), home_region=section.get("home_region"),
                      regions=tuple(section.get("regions") or ()),
                      accounts=tuple(section.get("accounts") or ()), org=section.get("org"),
                      role_name=section.get("role_name"), external_id=external_id,
                      workers=section.get("workers"),
                      max_attempts=section.get("max_attempts"))
