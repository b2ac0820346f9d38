"""An OAuth 2.0 service app with private_key_jwt: the client assertion is signed with the
app's key, exchanged at the emulator's token endpoint, and neither it nor the token is kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from govkit.demo.idp.okta import OktaDirectory, OktaServer
from govkit.snapshot import Snapshot
from govkit.sources.okta import OktaSettings, settings_from
from tests.sources.okta.org import TENANT, TOKEN, scan

CLIENT_ID = "0oa1govkitreader"
Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def write_key(key: Key, path: Path) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


def service_app(server: OktaServer, key_file: Path) -> OktaSettings:
    section = {"org_url": server.url, "client_id": CLIENT_ID, "tenant": TENANT,
               "private_key_file": key_file.name, "page_size": 10}
    return settings_from(section, resolve=lambda p: key_file.parent / p, environ={})


@pytest.fixture(params=["RS256", "ES256"])
def key(request: pytest.FixtureRequest) -> Key:
    if request.param == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def oauth_okta(directory: OktaDirectory, key: Key) -> Iterator[OktaServer]:
    server = OktaServer(directory, token=TOKEN, client_id=CLIENT_ID,
                        public_key=key.public_key())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_private_key_jwt_gets_a_bearer_token(oauth_okta: OktaServer, key: Key,
                                             tmp_path: Path) -> None:
    okta = service_app(oauth_okta, write_key(key, tmp_path / "app.pem"))
    run = scan(tmp_path / "run", okta)
    assert len(run.users()) == 34
    (posted,) = [r for r in oauth_okta.seen if r.method == "POST"]
    form = posted.form()
    assert form["grant_type"] == "client_credentials"
    assert set(form["scope"].split()) == {"okta.users.read", "okta.groups.read",
                                          "okta.apps.read", "okta.logs.read",
                                          "okta.factors.read", "okta.roles.read"}
    gets = [r for r in oauth_okta.seen if r.method == "GET"]
    bearer = gets[0].headers["authorization"]
    assert bearer.startswith("Bearer ") and all(r.headers["authorization"] == bearer
                                                for r in gets)
    token_call = [e for e in Snapshot.open(run.run_dir).entries
                  if e.operation == "GetAccessToken"]
    assert [e.outcome for e in token_call] == ["ok"]
    secrets = (bearer.split()[1], form["client_assertion"])
    assert all(s not in p.read_text() for p in run.files() for s in secrets)
    assert run.manifest["api_calls"] == len(oauth_okta.seen)


def test_a_key_the_org_does_not_know_is_recorded_and_nothing_is_listed(
        oauth_okta: OktaServer, tmp_path: Path) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    okta = service_app(oauth_okta, write_key(stranger, tmp_path / "other.pem"))
    run = scan(tmp_path / "run", okta)
    assert [r.method for r in oauth_okta.seen] == ["POST"]  # no API call without a token
    (coverage,) = [c for c in run.coverage if c.type == "okta.user"]
    assert coverage.failure is not None and coverage.failure.code == "HTTP401"
    assert coverage.failure.operation == "okta:GetAccessToken"
    assert run.users() == [] and run.manifest["api_calls"] == 1
