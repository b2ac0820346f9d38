"""The ``avd`` configuration section: its schema, composed into the configuration file's, and
what settings_from resolves or refuses."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from govkit.config import load_config
from govkit.errors import InputError
from govkit.sources import avd
from govkit.sources.interface import ConfigProblem
from tests.sources.avd import schema_errors

SUBSCRIPTION = "4c1d7e92-5a3b-4f80-b6d2-9e0a1c3f5b77"
LIVE = {"tenant_id": "b7e4c2a9-3d15-4f68-9a2e-71c0d5f8e413", "client_id": "0d9f6a21",
        "subscription_ids": [SUBSCRIPTION]}
DATA = Path(__file__).parents[2] / "data" / "avd"


@pytest.mark.parametrize("section", [
    {**LIVE, "client_secret_env": "GOVKIT_AVD_SECRET"},
    {**LIVE, "certificate_file": "avd.pem", "workers": 8, "max_attempts": 3,
     "arm_url": "https://management.usgovcloudapi.net",
     "authority_url": "https://login.microsoftonline.us"},
    {"export": "avd/hostpools.json"},
    {"export": "hostpools.json", "application_groups": "appgroups.json",
     "role_assignments": "role-assignments.json", "subscription_ids": [SUBSCRIPTION]}])
def test_the_schema_accepts(section: dict[str, Any]) -> None:
    assert schema_errors(section) == []


@pytest.mark.parametrize("section", [
    LIVE,  # no credential
    {**LIVE, "client_secret_env": "S", "certificate_file": "avd.pem"},  # both
    {"tenant_id": "t", "client_id": "c", "client_secret_env": "S"},  # no subscription
    {**LIVE, "client_secret_env": "S", "subscription_ids": ["not-a-guid"]},
    {**LIVE, "client_secret_env": "not a variable"},
    {**LIVE, "client_secret_env": "S", "application_groups": "a.json"},  # export-only key
    {"export": "x.json", "client_secret_env": "S"},
    {"export": "x.json", "registration_token": "x"}])
def test_the_schema_refuses(section: dict[str, Any]) -> None:
    assert schema_errors(section)


def test_the_secret_comes_from_the_environment_and_the_token_is_for_arm() -> None:
    settings = avd.settings_from({**LIVE, "client_secret_env": "GOVKIT_AVD_SECRET"},
                                 resolve=Path, environ={"GOVKIT_AVD_SECRET": "hunter2"})
    assert settings.client_secret == "hunter2" and "hunter2" not in repr(settings)
    assert settings.sign_in().scope == "https://management.azure.com/.default"
    assert settings.sign_in().token_url == ("https://login.microsoftonline.com/"
                                            f"{LIVE['tenant_id']}/oauth2/v2.0/token")
    other = avd.settings_from({**LIVE, "client_secret_env": "S",
                               "arm_url": "https://management.usgovcloudapi.net/"},
                              resolve=Path, environ={"S": "x"})
    assert other.sign_in().scope == "https://management.usgovcloudapi.net/.default"


@pytest.mark.parametrize("environ", [{}, {"GOVKIT_AVD_SECRET": ""}])
def test_an_unset_secret_variable_is_a_config_problem(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigProblem) as raised:
        avd.settings_from({**LIVE, "client_secret_env": "GOVKIT_AVD_SECRET"}, resolve=Path,
                          environ=environ)
    assert raised.value.key == "client_secret_env" and "GOVKIT_AVD_SECRET" in raised.value.message


def test_a_configuration_file_resolves_export_paths_from_its_folder(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "avd")
    config = tmp_path / "govkit.yaml"
    config.write_text("avd:\n  export: avd/hostpools.json\n"
                      "  application_groups: avd/appgroups.json\n")
    [(kind, settings)] = load_config(config, environ={}).sources
    assert kind.section == "avd"
    assert settings.export_file == tmp_path / "avd" / "hostpools.json"
    assert settings.application_groups_file == tmp_path / "avd" / "appgroups.json"
    assert settings.role_assignments_file is None
    assert settings.tenant_id == "hostpools"


def test_a_missing_export_file_names_the_key_and_line(tmp_path: Path) -> None:
    config = tmp_path / "govkit.yaml"
    config.write_text("timezone: UTC\navd:\n  export: nowhere.json\n")
    with pytest.raises(InputError) as raised:
        load_config(config, environ={})
    assert raised.value.line == 3 and raised.value.field == "avd.export"
    assert "no such file" in str(raised.value)


def test_an_inline_secret_is_refused_by_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / "govkit.yaml"
    config.write_text("avd:\n  tenant_id: t\n  client_id: c\n  client_secret: hunter2\n"
                      f"  subscription_ids: [{SUBSCRIPTION}]\n")
    with pytest.raises(InputError) as raised:
        load_config(config, environ={})
    assert "client_secret_env" in str(raised.value)
