"""Sigstore keyless verification against real bundles signed by the public Sigstore
infrastructure (offline), and the keyless signing paths that need no network."""

from __future__ import annotations

import base64
import json
import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sigstore.dsse import Statement
from sigstore.oidc import IdentityError

from govkit.bundle import sigstore_keyless
from govkit.bundle.errors import BundleError, SigningError, VerificationFailure
from govkit.bundle.sigstore_keyless import (
    sign_statement_keyless,
    statement_from_json,
    verify_artifact_bundle,
    verify_dsse_bundle,
)
from govkit.errors import InputError

# real Sigstore bundles from sigstore-python's public test assets (see the folder's README)
FIXTURES = Path(__file__).resolve().parents[1] / "data" / "sigstore"

WHEEL = "bundle_v3_github.whl"
WHEEL_BUNDLE = "bundle_v3_github.whl.sigstore"
WHEEL_IDENTITY = ("https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml"
                  "@refs/tags/v0.1.2")
DSSE_BUNDLE = "a.dsse.staging-rekor-v2.txt.sigstore.json"
DSSE_IDENTITY = ("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon"
                 "/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main")
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"

IN_TOTO_TYPE = "application/vnd.in-toto+json"
STATEMENT_V1 = "https://in-toto.io/Statement/v1"
STAGING_STORE = "https%3A%2F%2Ftuf-repo-cdn.sigstage.dev"
PRODUCTION_STORE = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"

CI_VARIABLES = ("GITHUB_ACTIONS", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
                "GOOGLE_SERVICE_ACCOUNT_NAME", "BUILDKITE", "GITLAB_CI", "CIRCLECI",
                "SIGSTORE_ID_TOKEN")


# ---------------------------------------------------------------- helpers


@pytest.fixture
def fixtures(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Sigstore fixtures folder, with every outgoing connection refused: verification is
    offline."""
    _refuse_connections(monkeypatch)
    return FIXTURES


def _refuse_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access during offline verification: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _store_root(store: str) -> bytes:
    """A trusted root shipped in the sigstore wheel."""
    return (resources.files("sigstore") / "_store" / store / "trusted_root.json").read_bytes()


def _flip_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def _edit_base64(bundle_json: bytes, edit: Callable[[dict[str, Any]], dict[str, Any]],
                 field: str) -> bytes:
    """Flip one byte of the base64-decoded value at `field` of the dict `edit` returns."""
    bundle = json.loads(bundle_json)
    holder = edit(bundle)
    holder[field] = base64.b64encode(_flip_byte(base64.b64decode(holder[field]))).decode()
    return json.dumps(bundle).encode()


def _verify_wheel(fixtures: Path, bundle: bytes | None = None, artifact: Path | None = None,
                  **options: Any) -> str:
    options = {"identity": WHEEL_IDENTITY, "issuer": GITHUB_ISSUER, **options}
    return verify_artifact_bundle(bundle if bundle is not None else
                                  (fixtures / WHEEL_BUNDLE).read_bytes(),
                                  artifact or fixtures / WHEEL, **options)


def _verify_dsse(fixtures: Path, bundle: bytes | None = None,
                 **options: Any) -> tuple[str, bytes, str]:
    options = {"identity": DSSE_IDENTITY, "issuer": GITHUB_ISSUER, "staging": True, **options}
    return verify_dsse_bundle(bundle if bundle is not None else
                              (fixtures / DSSE_BUNDLE).read_bytes(), **options)


# ---------------------------------------------------------------- verification succeeds


def test_artifact_bundle_verifies_against_the_production_root(fixtures: Path) -> None:
    signer = _verify_wheel(fixtures)

    assert signer == (f"Sigstore keyless: {WHEEL_IDENTITY} via {GITHUB_ISSUER}, "
                      "Rekor log index 79605083")


def test_dsse_bundle_verifies_against_the_staging_root(fixtures: Path) -> None:
    payload_type, payload, signer = _verify_dsse(fixtures)

    assert payload_type == IN_TOTO_TYPE
    statement = json.loads(payload)
    assert statement["_type"] == STATEMENT_V1
    assert [subject["name"] for subject in statement["subject"]] == ["a.txt"]
    assert len(statement["subject"][0]["digest"]["sha256"]) == 64
    assert signer == (f"Sigstore keyless: {DSSE_IDENTITY} via {GITHUB_ISSUER}, "
                      "Rekor log index 4026478")



def test_signer_description_names_only_a_verified_log_index(fixtures: Path) -> None:
    """A Rekor v2 entry's own logIndex is not covered by any signature; the inclusion proof's
    index is (through the Merkle path)."""
    bundle = json.loads((fixtures / DSSE_BUNDLE).read_bytes())
    bundle["verificationMaterial"]["tlogEntries"][0]["logIndex"] = "1"

    _, _, signer = _verify_dsse(fixtures, json.dumps(bundle).encode())

    assert signer.endswith("Rekor log index 4026478")


def test_a_changed_inclusion_proof_index_does_not_verify(fixtures: Path) -> None:
    bundle = json.loads((fixtures / DSSE_BUNDLE).read_bytes())
    bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["logIndex"] = "4026477"

    with pytest.raises(VerificationFailure, match="does not verify"):
        _verify_dsse(fixtures, json.dumps(bundle).encode())

def test_verification_does_not_warn_about_offline_mode(
        fixtures: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        _verify_dsse(fixtures)

    assert not [r for r in caplog.records if "offline mode" in r.getMessage()]


def test_dsse_bundle_verifies_with_a_trusted_root_file(fixtures: Path, tmp_path: Path) -> None:
    trusted_root = tmp_path / "staging-trusted-root.json"
    trusted_root.write_bytes(_store_root(STAGING_STORE))

    payload_type, payload, _ = _verify_dsse(fixtures, staging=False, trusted_root=trusted_root)

    assert payload_type == IN_TOTO_TYPE
    assert json.loads(payload)["_type"] == STATEMENT_V1


# ---------------------------------------------------------------- verification fails


@pytest.mark.parametrize("options", [
    pytest.param({"identity": DSSE_IDENTITY}, id="another-identity"),
    pytest.param({"identity": WHEEL_IDENTITY.removesuffix("@refs/tags/v0.1.2")},
                 id="identity-prefix"),
    pytest.param({"issuer": "https://accounts.google.com"}, id="another-issuer"),
    pytest.param({"staging": True}, id="staging-root"),
])
def test_artifact_bundle_fails_with(fixtures: Path, options: dict[str, Any]) -> None:
    with pytest.raises(VerificationFailure, match="does not verify"):
        _verify_wheel(fixtures, **options)


@pytest.mark.parametrize("options", [
    pytest.param({"identity": WHEEL_IDENTITY}, id="another-identity"),
    pytest.param({"identity": DSSE_IDENTITY + "x"}, id="identity-suffix"),
    pytest.param({"issuer": "https://gitlab.com"}, id="another-issuer"),
    pytest.param({"staging": False}, id="production-root"),
])
def test_dsse_bundle_fails_with(fixtures: Path, options: dict[str, Any]) -> None:
    with pytest.raises(VerificationFailure, match="does not verify"):
        _verify_dsse(fixtures, **options)


def test_wrong_identity_and_issuer_are_named(fixtures: Path) -> None:
    with pytest.raises(VerificationFailure, match="SANs do not match"):
        _verify_dsse(fixtures, identity=WHEEL_IDENTITY)
    with pytest.raises(VerificationFailure, match="issuer does not match|OIDCIssuer"):
        _verify_dsse(fixtures, issuer="https://gitlab.com")


def test_artifact_bundle_fails_for_a_changed_artifact(fixtures: Path, tmp_path: Path) -> None:
    changed = tmp_path / WHEEL
    changed.write_bytes(_flip_byte((fixtures / WHEEL).read_bytes()))

    with pytest.raises(VerificationFailure, match="does not verify"):
        _verify_wheel(fixtures, artifact=changed)


def test_dsse_bundle_fails_for_a_changed_payload(fixtures: Path) -> None:
    tampered = _edit_base64((fixtures / DSSE_BUNDLE).read_bytes(),
                            lambda b: b["dsseEnvelope"], "payload")

    with pytest.raises(VerificationFailure, match="does not verify"):
        _verify_dsse(fixtures, tampered)


def test_dsse_bundle_fails_for_a_changed_signature(fixtures: Path) -> None:
    tampered = _edit_base64((fixtures / DSSE_BUNDLE).read_bytes(),
                            lambda b: b["dsseEnvelope"]["signatures"][0], "sig")

    with pytest.raises(VerificationFailure, match="does not verify"):
        _verify_dsse(fixtures, tampered)


def test_artifact_bundle_fails_for_a_changed_signature(fixtures: Path) -> None:
    tampered = _edit_base64((fixtures / WHEEL_BUNDLE).read_bytes(),
                            lambda b: b["messageSignature"], "signature")

    with pytest.raises(VerificationFailure, match="does not verify"):
        _verify_wheel(fixtures, tampered)


def test_artifact_bundle_fails_with_the_staging_root_file(fixtures: Path,
                                                         tmp_path: Path) -> None:
    trusted_root = tmp_path / "staging-trusted-root.json"
    trusted_root.write_bytes(_store_root(STAGING_STORE))

    with pytest.raises(VerificationFailure, match="staging-trusted-root.json"):
        _verify_wheel(fixtures, trusted_root=trusted_root)


def test_dsse_bundle_fails_with_the_production_root_file(fixtures: Path,
                                                        tmp_path: Path) -> None:
    trusted_root = tmp_path / "production-trusted-root.json"
    trusted_root.write_bytes(_store_root(PRODUCTION_STORE))

    with pytest.raises(VerificationFailure, match="does not verify"):
        _verify_dsse(fixtures, trusted_root=trusted_root)


# ---------------------------------------------------------------- unusable input


@pytest.mark.parametrize("bundle", [
    pytest.param(None, id="truncated"),
    pytest.param(b'{"hello": "world"}', id="object-not-a-bundle"),
    pytest.param(b"[]", id="array"),
    pytest.param(b"", id="empty"),
    pytest.param(b"\xff\xfe{", id="not-utf8"),
    pytest.param(b'{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}',
                 id="media-type-only"),
])
def test_malformed_bundle_is_a_bundle_error(fixtures: Path, bundle: bytes | None) -> None:
    raw = bundle if bundle is not None else (fixtures / DSSE_BUNDLE).read_bytes()[:-40]

    with pytest.raises(BundleError, match="not a Sigstore bundle"):
        _verify_dsse(fixtures, raw)
    with pytest.raises(BundleError, match="not a Sigstore bundle"):
        _verify_wheel(fixtures, raw)


def test_bundle_of_the_other_kind_is_a_bundle_error(fixtures: Path) -> None:
    with pytest.raises(BundleError, match="not a DSSE Sigstore bundle"):
        _verify_dsse(fixtures, (fixtures / WHEEL_BUNDLE).read_bytes())
    with pytest.raises(BundleError, match="not a message-signature Sigstore bundle"):
        _verify_wheel(fixtures, (fixtures / DSSE_BUNDLE).read_bytes())


def test_unusable_trusted_root_file_is_an_input_error(fixtures: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "root.json"
    garbage.write_text('{"mediaType": "nonsense"}')

    with pytest.raises(InputError, match="not a Sigstore trusted root"):
        _verify_dsse(fixtures, trusted_root=garbage)
    with pytest.raises(InputError, match="cannot read the trusted root"):
        _verify_dsse(fixtures, trusted_root=tmp_path / "missing.json")


def test_unreadable_artifact_is_an_input_error(fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the signed file"):
        _verify_wheel(fixtures, artifact=tmp_path / "missing.whl")



def test_certificate_with_a_duplicate_extension_is_a_bundle_error(fixtures: Path) -> None:
    """One changed byte of the wheel bundle's certificate duplicates a Fulcio extension: the
    bundle cannot be loaded (cryptography raises DuplicateExtension, not a ValueError)."""
    raw = bytearray((fixtures / WHEEL_BUNDLE).read_bytes())
    raw[827] ^= 0x01

    with pytest.raises(BundleError, match="Duplicate"):
        _verify_wheel(fixtures, bytes(raw))

@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_changed_byte_anywhere_never_escapes_as_a_foreign_exception(
        fixtures: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from([DSSE_BUNDLE, WHEEL_BUNDLE]))
    raw = bytearray((fixtures / name).read_bytes())
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    verify = _verify_dsse if name == DSSE_BUNDLE else _verify_wheel

    try:
        verify(fixtures, bytes(raw))
    except (BundleError, VerificationFailure):
        pass


# ---------------------------------------------------------------- keyless signing

STATEMENT = json.dumps({
    "_type": STATEMENT_V1,
    "subject": [{"name": "results.json", "digest": {"sha256": "ab" * 32}}],
    "predicateType": "https://govkit.dev/evidence/v1",
    "predicate": {"run": "2024-06-01T00-00-00Z"},
}, separators=(",", ":")).encode()


@pytest.fixture
def no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in CI_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    # The GCP detector reads the DMI product name and, on a Google machine, asks the metadata
    # server; make it see a machine that is not on Google Cloud.
    monkeypatch.setattr("id._internal.oidc.ambient._open", _no_such_file)
    _refuse_connections(monkeypatch)


def _no_such_file(filename: str) -> Any:
    raise FileNotFoundError(filename)


def _assert_names_the_alternatives(error: pytest.ExceptionInfo[SigningError]) -> None:
    message = str(error.value)
    assert "ambient OIDC identity" in message
    assert "GitHub Actions" in message and "id-token: write" in message
    assert "--sign-key" in message and "--kms-key-id" in message


@pytest.mark.usefixtures("no_ci")
def test_keyless_signing_without_ambient_identity_is_a_signing_error() -> None:
    with pytest.raises(SigningError) as error:
        sign_statement_keyless(STATEMENT)

    _assert_names_the_alternatives(error)


@pytest.mark.usefixtures("no_ci")
def test_github_actions_without_id_token_permission_is_a_signing_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")

    with pytest.raises(SigningError) as error:
        sign_statement_keyless(STATEMENT, staging=True)

    _assert_names_the_alternatives(error)
    assert "ACTIONS_ID_TOKEN_REQUEST" in str(error.value)


def test_failing_credential_detection_is_a_signing_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> str | None:
        raise IdentityError("detector failed")

    monkeypatch.setattr(sigstore_keyless, "detect_credential", broken)

    with pytest.raises(SigningError) as error:
        sign_statement_keyless(STATEMENT)

    _assert_names_the_alternatives(error)
    assert "detector failed" in str(error.value)


def test_statement_keeps_the_exact_bytes() -> None:
    statement = statement_from_json(STATEMENT)

    assert isinstance(statement, Statement)
    # sigstore has no public accessor: _contents is what the DSSE envelope carries as payload.
    assert statement._contents == STATEMENT


def test_invalid_statement_is_a_signing_error() -> None:
    with pytest.raises(SigningError, match="not an in-toto Statement v1"):
        statement_from_json(b'{"_type": "https://in-toto.io/Statement/v0.1"}')


class _FakeBundle:
    def to_json(self) -> str:
        return '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}'


class _FakeSigner:
    def __init__(self, signed: list[Statement], failure: Exception | None) -> None:
        self.signed = signed
        self.failure = failure

    def sign_dsse(self, statement: Statement) -> _FakeBundle:
        if self.failure is not None:
            raise self.failure
        self.signed.append(statement)
        return _FakeBundle()


class _FakeContext:
    def __init__(self, failure: Exception | None = None) -> None:
        self.tokens: list[object] = []
        self.signed: list[Statement] = []
        self.failure = failure

    @contextmanager
    def signer(self, token: object) -> Iterator[_FakeSigner]:
        self.tokens.append(token)
        yield _FakeSigner(self.signed, self.failure)


def _fake_sigstore(monkeypatch: pytest.MonkeyPatch, context: _FakeContext) -> list[bool]:
    """Replace the ambient credential and the online signing context; return the staging flags
    the context was asked for."""
    asked: list[bool] = []

    def signing_context(staging: bool) -> _FakeContext:
        asked.append(staging)
        return context

    monkeypatch.setattr(sigstore_keyless, "detect_credential", lambda: "raw-oidc-token")
    monkeypatch.setattr(sigstore_keyless, "IdentityToken", lambda raw: f"token:{raw}")
    monkeypatch.setattr(sigstore_keyless, "_signing_context", signing_context)
    return asked


@pytest.mark.parametrize("staging", [False, True])
def test_keyless_signing_signs_the_statement_bytes(monkeypatch: pytest.MonkeyPatch,
                                                   staging: bool) -> None:
    context = _FakeContext()
    asked = _fake_sigstore(monkeypatch, context)

    bundle = sign_statement_keyless(STATEMENT, staging=staging)

    assert json.loads(bundle) == {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}
    assert asked == [staging]
    assert context.tokens == ["token:raw-oidc-token"]
    assert [s._contents for s in context.signed] == [STATEMENT]


def test_failing_sigstore_services_are_a_signing_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_sigstore(monkeypatch, _FakeContext(failure=ConnectionError("fulcio unreachable")))

    with pytest.raises(SigningError, match="keyless signing failed: .*fulcio unreachable"):
        sign_statement_keyless(STATEMENT)

