"""The okta configuration section: its JSON Schema, and what only settings_from can check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.sources.interface import ConfigProblem
from govkit.sources.okta import SCHEMA_FILE, settings_from

ORG = "https://mercy-health.okta.com"


def read(section: dict[str, Any], tmp_path: Path, **environ: str) -> Any:
    return settings_from(section, resolve=lambda p: (tmp_path / p).resolve(), environ=environ)


def schema_errors(section: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))
    return [e.message for e in validator.iter_errors(section)]


def test_a_token_section(tmp_path: Path) -> None:
    okta = read({"org_url": ORG + "/", "token_env": "OKTA_TOKEN", "workers": 4}, tmp_path,
                OKTA_TOKEN="00secret")
    assert okta.tenant == "mercy-health.okta.com" and okta.org_url == ORG
    assert okta.token == "00secret" and okta.workers == 4 and okta.max_attempts == 5
    assert "00secret" not in repr(okta)


def test_a_service_app_and_an_export(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "app.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    app = read({"org_url": ORG, "client_id": "0oa1", "private_key_file": "app.pem",
                "tenant": "mercy"}, tmp_path)
    assert app.client_id == "0oa1" and app.private_key_file == tmp_path / "app.pem"
    assert app.tenant == "mercy" and app.token is None
    (tmp_path / "dump").mkdir()
    offline = read({"export": "dump", "tenant": "mercy"}, tmp_path)
    assert offline.export_dir == tmp_path / "dump" and offline.org_url is None


@pytest.mark.parametrize(("section", "environ", "key", "says"), [
    ({"org_url": ORG, "token_env": "OKTA_TOKEN"}, {}, "token_env", "OKTA_TOKEN"),
    ({"org_url": ORG, "token_env": "OKTA_TOKEN"}, {"OKTA_TOKEN": " "}, "token_env", "empty"),
    ({"org_url": ORG, "client_id": "0oa1", "private_key_file": "nope.pem"}, {},
     "private_key_file", "no such key file"),
    ({"org_url": ORG, "client_id": "0oa1", "private_key_file": "bad.pem"}, {},
     "private_key_file", "PEM private key"),
    ({"org_url": ORG}, {}, "token_env", "choose one way"),
    ({"org_url": ORG, "token_env": "T", "export": "dump"}, {"T": "x"}, "token_env",
     "choose one way"),
    ({"token_env": "T"}, {"T": "x"}, "org_url", "required"),
    ({"org_url": ORG + "/oauth2", "token_env": "T"}, {"T": "x"}, "org_url", "not an org URL"),
    ({"export": "missing", "tenant": "t"}, {}, "export", "no such folder"),
    ({"export": "dump"}, {}, "tenant", "name the tenant"),
])
def test_unusable_sections_name_their_key(tmp_path: Path, section: dict[str, Any],
                                          environ: dict[str, str], key: str,
                                          says: str) -> None:
    (tmp_path / "bad.pem").write_text("not a key")
    (tmp_path / "dump").mkdir()
    with pytest.raises(ConfigProblem) as raised:
        read(section, tmp_path, **environ)
    assert raised.value.key == key and says in raised.value.message


def test_the_schema_accepts_each_way_in_and_refuses_strays() -> None:
    assert schema_errors({"org_url": ORG, "token_env": "OKTA_TOKEN", "page_size": 50}) == []
    assert schema_errors({"org_url": ORG, "client_id": "0oa1",
                          "private_key_file": "k.pem", "key_id": "kid1"}) == []
    assert schema_errors({"export": "dump", "tenant": "mercy"}) == []
    assert schema_errors({"org_url": ORG, "token": "00secret"})  # unknown key
    assert schema_errors({"org_url": ORG, "client_id": "0oa1"})  # no key file
    assert schema_errors({"org_url": ORG, "token_env": "not a name"})
    assert schema_errors({"org_url": "mercy.okta.com", "token_env": "T"})
    assert schema_errors({"export": "dump", "workers": 0})
