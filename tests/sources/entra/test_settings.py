"""The ``entra`` configuration section: its schema, and what settings_from refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from govkit.sources import entra
from govkit.sources.interface import ConfigProblem

LIVE = {"tenant_id": "contoso.onmicrosoft.com", "client_id": "b6a1d2c3"}


def _errors(section: dict[str, Any]) -> list[str]:
    schema = json.loads(entra.SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(section)]


@pytest.mark.parametrize("section", [
    {**LIVE, "client_secret_env": "GOVKIT_ENTRA_SECRET"},
    {**LIVE, "certificate_file": "entra.pem", "workers": 8, "page_size": 500,
     "graph_url": "https://graph.microsoft.us",
     "authority_url": "https://login.microsoftonline.us", "max_attempts": 3},
    {"export": "exports/entra"}, {"export": "exports/entra", "tenant_id": "contoso"}])
def test_the_schema_accepts(section: dict[str, Any]) -> None:
    assert _errors(section) == []


@pytest.mark.parametrize("section", [
    LIVE,  # no credential
    {**LIVE, "client_secret_env": "S", "certificate_file": "entra.pem"},  # both
    {"client_id": "x", "client_secret_env": "S"},  # no tenant
    {**LIVE, "client_secret_env": "S", "client_secret": "inline!"},
    {**LIVE, "client_secret_env": "not a variable"},
    {**LIVE, "client_secret_env": "S", "page_size": 1000},
    {"export": "dir", "client_secret_env": "S"}])
def test_the_schema_refuses(section: dict[str, Any]) -> None:
    assert _errors(section)


def test_the_secret_is_read_from_the_environment_and_never_shown() -> None:
    settings = entra.settings_from({**LIVE, "client_secret_env": "GOVKIT_ENTRA_SECRET",
                                    "authority_url": "https://login.microsoftonline.us/"},
                                   resolve=Path, environ={"GOVKIT_ENTRA_SECRET": "hunter2"})
    assert settings.client_secret == "hunter2" and "hunter2" not in repr(settings)
    assert settings.token_url == \
        "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
    assert settings.scope == "https://graph.microsoft.com/.default"
    assert (settings.page_size, settings.max_attempts, settings.workers) == (999, 5, 4)


@pytest.mark.parametrize("environ", [{}, {"GOVKIT_ENTRA_SECRET": ""}])
def test_an_unset_secret_variable_is_a_config_problem(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigProblem) as raised:
        entra.settings_from({**LIVE, "client_secret_env": "GOVKIT_ENTRA_SECRET"},
                            resolve=Path, environ=environ)
    assert raised.value.key == "client_secret_env"
    assert "GOVKIT_ENTRA_SECRET" in raised.value.message


def test_a_missing_or_unusable_certificate_is_a_config_problem(tmp_path: Path) -> None:
    section = {**LIVE, "certificate_file": "entra.pem"}
    with pytest.raises(ConfigProblem) as raised:
        entra.settings_from(section, resolve=lambda p: tmp_path / p, environ={})
    assert raised.value.key == "certificate_file" and "no such file" in raised.value.message
    (tmp_path / "entra.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n")
    with pytest.raises(ConfigProblem) as raised:
        entra.settings_from(section, resolve=lambda p: tmp_path / p, environ={})
    assert "private key" in raised.value.message


def test_a_missing_export_folder_is_a_config_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigProblem) as raised:
        entra.settings_from({"export": "nowhere"}, resolve=lambda p: tmp_path / p, environ={})
    assert raised.value.key == "export"
