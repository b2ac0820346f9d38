"""The google: configuration section: defaults, and a ConfigProblem naming the key for every
section that cannot be used, before anything is collected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from govkit.demo.idp.google import ServiceAccount
from govkit.sources.google import SCHEMA_FILE, GoogleSettings, settings_from
from govkit.sources.interface import ConfigProblem


def settings(folder: Path, **section: Any) -> GoogleSettings:
    return settings_from(section, resolve=lambda p: folder / p, environ={})


def test_defaults_come_from_the_key_file_and_the_admin(key_file: Path,
                                                      account: ServiceAccount) -> None:
    got = settings(key_file.parent, credentials_file=key_file.name,
                   subject="Admin@Example.ORG")
    assert (got.tenant, got.customer, got.base_url, got.token_url) == (
        "example.org", "my_customer", "https://admin.googleapis.com",
        "https://oauth2.googleapis.com/token")
    assert got.key is not None and got.key.client_email == account.client_email
    assert got.key.private_key_id == account.key_document["private_key_id"]
    assert (got.max_attempts, got.page_size, got.export_dir) == (5, 500, None)
    assert account.key_document["private_key"] not in repr(got)


def test_customer_and_tenant_name_the_workspace(key_file: Path) -> None:
    by_customer = settings(key_file.parent, credentials_file=key_file.name,
                           subject="admin@example.org", customer="C03az79cb",
                           token_url="http://127.0.0.1:1/token")
    assert (by_customer.tenant, by_customer.token_url) == ("C03az79cb",
                                                           "http://127.0.0.1:1/token")
    named = settings(key_file.parent, credentials_file=key_file.name,
                     subject="admin@example.org", tenant="acme-health")
    assert named.tenant == "acme-health"


def _key(folder: Path, document: Any) -> str:
    (folder / "key.json").write_text(document if isinstance(document, str)
                                     else json.dumps(document))
    return "key.json"


@pytest.mark.parametrize(("document", "said"), [
    ("{not json", "is not JSON"),
    ([], "not a JSON object"),
    ({"type": "service_account", "client_email": "a@b.iam.gserviceaccount.com"},
     "no private_key"),
    ({"type": "authorized_user", "client_id": "1", "client_secret": "x",
      "refresh_token": "y"}, "no private_key, client_email"),
    ({"type": "external_account", "private_key": "x", "client_email": "a@b"},
     "'external_account' credential"),
    ({"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n"
      "-----END PRIVATE KEY-----\n", "client_email": "a@b"}, "not a PEM private key"),
])
def test_a_file_that_is_not_a_service_account_key_is_refused(
        tmp_path: Path, document: Any, said: str) -> None:
    with pytest.raises(ConfigProblem) as raised:
        settings(tmp_path, credentials_file=_key(tmp_path, document), subject="a@example.org")
    assert raised.value.key == "credentials_file" and said in raised.value.message


def test_a_missing_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigProblem) as raised:
        settings(tmp_path, credentials_file="nowhere.json", subject="a@example.org")
    assert raised.value.key == "credentials_file"
    assert str(tmp_path / "nowhere.json") in raised.value.message


@pytest.mark.parametrize(("section", "key"), [
    ({"subject": "a@example.org"}, "credentials_file"),
    ({"credentials_file": "k.json"}, "subject"),
    ({"credentials_file": "k.json", "subject": "a@example.org", "tenants": "x"}, "tenants"),
    ({"credentials_file": "k.json", "subject": "a@example.org", "page_size": 0}, "page_size"),
    ({"credentials_file": "k.json", "subject": "not-an-address"}, "subject"),
    ({"export": "out", "credentials_file": "k.json"}, "credentials_file"),
    ({"export": "out"}, "tenant"),
    ({"export": "missing-folder", "tenant": "t"}, "export"),
])
def test_an_unusable_section_names_its_key(tmp_path: Path, key_file: Path,
                                           section: dict[str, Any], key: str) -> None:
    (tmp_path / "out").mkdir()
    if section.get("credentials_file") == "k.json":
        section["credentials_file"] = str(key_file)
    with pytest.raises(ConfigProblem) as raised:
        settings(tmp_path, **section)
    assert raised.value.key == key


def test_the_schema_is_a_valid_json_schema_of_both_forms() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"credentials_file": "k.json", "subject": "a@example.org"})
    assert validator.is_valid({"export": "google-export", "tenant": "example.org"})
    assert not validator.is_valid({"export": "x", "max_attempts": 0})
