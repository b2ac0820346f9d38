"""The scan configuration file (``govkit scan --config govkit.yaml``).

One YAML file describes the sources a scan reads, validated against a JSON Schema shipped in
the package (govkit/schemas/config.schema.json): a mistake names the file, line and key before
anything is collected. Secrets are never written in it, only the names of the environment
variables that hold them (keys ending in ``_env``); a key that looks like an inline secret is
refused with that advice. Relative paths resolve from the file's folder. Command-line flags
override what the file says.

Sections: ``aws`` (what the AWS flags give) with ``identity_center``, ``timezone``,
``service_accounts``, ``policy_profile`` (what ``--policy-profile`` gives), and one section per
source in govkit.sources.registry, each validated by the schema that source ships; a section
govkit does not know is an unknown key, never silently ignored.
"""

from __future__ import annotations

import copy
import json
import os
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit import schemas
from govkit.errors import InputError
from govkit.people.join import ServiceAccount
from govkit.policy.yamlfile import JsonPath, YamlDocument, load_yaml, validate
from govkit.sources.interface import ConfigProblem
from govkit.sources.registry import SOURCES, SourceKind

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
    hipaa_eligible_services: Path | None = None  # None: the dated list govkit ships


@dataclass(frozen=True, kw_only=True)
class Config:
    path: Path
    timezone: zoneinfo.ZoneInfo | None = None
    aws: AwsSection | None = None
    identity_center_region: str | None = None
    service_accounts: tuple[ServiceAccount, ...] = ()
    sources: tuple[tuple[SourceKind, Any], ...] = ()  # each configured source, its settings
    policy_profile: str | None = None  # a profile id, or a file path relative to this file

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
    validate(doc, config_schema())
    data = doc.data
    zone = _timezone(doc, data.get("timezone"))
    return Config(path=path.resolve(), timezone=zone,
                  aws=_aws(doc, data["aws"], environ) if "aws" in data else None,
                  identity_center_region=(data.get("identity_center") or {}).get("region"),
                  service_accounts=tuple(ServiceAccount(pattern=s["pattern"], owner=s["owner"])
                                         for s in data.get("service_accounts") or []),
                  sources=tuple((kind, _source_settings(doc, kind, path, environ, zone))
                                for kind in SOURCES if kind.section in data),
                  policy_profile=data.get("policy_profile"))


def config_schema() -> dict[str, Any]:
    """The configuration file's schema: the shipped one, with each source's section schema."""
    schema = copy.deepcopy(schemas.load("config"))
    for kind in SOURCES:
        section = json.loads(kind.module.SCHEMA_FILE.read_text("utf-8"))
        section.pop("$schema", None)
        schema["properties"][kind.section] = section
    return schema


def _source_settings(doc: YamlDocument, kind: SourceKind, path: Path,
                     environ: Mapping[str, str], zone: zoneinfo.ZoneInfo | None) -> Any:
    def resolve(relative: str) -> Path:
        return (path.parent / relative).resolve()

    extra = {"default_timezone": zone} if kind.dated else {}
    try:
        return kind.module.settings_from(doc.data[kind.section], resolve=resolve,
                                         environ=environ, **extra)
    except ConfigProblem as problem:
        where: JsonPath = (kind.section, *(int(p) if p.isdigit() else p
                                           for p in problem.key.split(".") if p))
        raise InputError(doc.path, problem.message, line=doc.line_of(where),
                         field=".".join(str(p) for p in where)) from None


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
    eligible = section.get("hipaa_eligible_services")
    eligible_path = (Path(doc.path).parent / eligible).resolve() if eligible else None
    if eligible_path is not None and not eligible_path.is_file():
        raise InputError(doc.path, f"no such HIPAA eligible services list: {eligible_path}",
                         field="aws.hipaa_eligible_services",
                         line=doc.line_of(("aws", "hipaa_eligible_services")))
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
                      max_attempts=section.get("max_attempts"),
                      hipaa_eligible_services=eligible_path)
