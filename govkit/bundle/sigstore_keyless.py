"""Sigstore keyless signatures: verify Sigstore bundles offline against a Sigstore trust root,
and sign an in-toto statement with the ambient OIDC identity of a CI job.

Verification never touches the network: the production and staging trust roots come from the
copy shipped in the `sigstore` package (or its local TUF cache), or from a trusted-root file the
caller names. Signing needs the network (Fulcio, Rekor, a timestamp authority).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from cryptography.x509 import DuplicateExtension, ExtensionNotFound, UnsupportedGeneralNameType
from sigstore.dsse import Statement
from sigstore.errors import Error as SigstoreError
from sigstore.hashes import Hashed
from sigstore.models import Bundle, ClientTrustConfig, TrustedRoot
from sigstore.oidc import IdentityError, IdentityToken, detect_credential
from sigstore.sign import SigningContext
from sigstore.verify import Verifier
from sigstore.verify.policy import Identity
from sigstore_models.common.v1 import HashAlgorithm

from govkit.bundle.digests import sha256_file
from govkit.bundle.errors import BundleError, SigningError, VerificationFailure
from govkit.errors import GovkitError, InputError

T = TypeVar("T")

NO_AMBIENT_IDENTITY = (
    "keyless signing needs an ambient OIDC identity, such as a GitHub Actions job with "
    "`permissions: id-token: write`, and none is available. "
    "Sign with --sign-key or --kms-key-id instead"
)
_OFFLINE_NOTICE = "TUF repository is loaded in offline mode"
_TUF_LOGGER = "sigstore._internal.tuf"
# What decoding the bundle's base64, DER, JSON and RFC 3161 contents raises besides sigstore's own
# errors (pydantic's ValidationError and binascii.Error are ValueErrors).
_DECODING_ERRORS = (SigstoreError, ValueError, DuplicateExtension, ExtensionNotFound,
                    UnsupportedGeneralNameType)


# ---------------------------------------------------------------- verification


def verify_dsse_bundle(bundle_json: bytes, *, identity: str, issuer: str, staging: bool = False,
                       trusted_root: Path | None = None) -> tuple[str, bytes, str]:
    """Verify a DSSE Sigstore bundle offline; return (payload type, payload, signer description).

    Only the envelope is verified: comparing the statement's subjects with files is the
    caller's job. `trusted_root`, when given, replaces the built-in trust root (`staging` is then
    ignored).
    """
    bundle, fields = _load_bundle(bundle_json, expect="dsseEnvelope")
    verifier, root_name = _verifier(staging, trusted_root)
    policy = Identity(identity=identity, issuer=issuer)
    payload_type, payload = _checked(lambda: verifier.verify_dsse(bundle, policy), root_name)
    return payload_type, payload, _describe(fields, identity, issuer)


def verify_artifact_bundle(bundle_json: bytes, artifact: Path, *, identity: str, issuer: str,
                           staging: bool = False, trusted_root: Path | None = None) -> str:
    """Verify a message-signature Sigstore bundle over `artifact` offline; return the signer."""
    bundle, fields = _load_bundle(bundle_json, expect="messageSignature")
    digest = _artifact_digest(artifact)
    verifier, root_name = _verifier(staging, trusted_root)
    policy = Identity(identity=identity, issuer=issuer)
    _checked(lambda: verifier.verify_artifact(digest, bundle, policy), root_name)
    return _describe(fields, identity, issuer)


def _load_bundle(bundle_json: bytes, *, expect: str) -> tuple[Bundle, dict[str, Any]]:
    """The parsed bundle and its JSON fields as sigstore re-serializes them (camelCase)."""
    try:
        bundle = Bundle.from_json(bundle_json)
    except _DECODING_ERRORS as exc:
        raise BundleError(f"not a Sigstore bundle: {_one_line(exc)}") from exc
    except Exception as exc:
        # Loading decodes the signing certificate and inspects its extensions with cryptography,
        # whose exception types for malformed certificates are not all listed above; the bundle
        # is unusable either way.
        raise BundleError(f"not a Sigstore bundle: {type(exc).__name__}: {_one_line(exc)}") \
            from exc
    fields: dict[str, Any] = json.loads(bundle.to_json())
    if expect not in fields:
        kind = "DSSE" if expect == "dsseEnvelope" else "message-signature"
        raise BundleError(f"not a {kind} Sigstore bundle (it holds no '{expect}')")
    return bundle, fields


def _artifact_digest(artifact: Path) -> Hashed:
    try:
        digest = sha256_file(artifact)
    except OSError as exc:
        raise InputError(str(artifact), f"cannot read the signed file: {exc.strerror or exc}") \
            from exc
    return Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(digest))


def _verifier(staging: bool, trusted_root: Path | None) -> tuple[Verifier, str]:
    if trusted_root is not None:
        return _verifier_from_file(trusted_root), f"the trusted root {trusted_root}"
    name = "staging" if staging else "production"
    try:
        with _quiet_offline_notice():
            verifier = Verifier.staging(offline=True) if staging else Verifier.production(
                offline=True)
    except (SigstoreError, OSError, ValueError) as exc:
        raise GovkitError(f"cannot load the Sigstore {name} trust root shipped with sigstore: "
                          f"{_one_line(exc)}") from exc
    return verifier, f"the Sigstore {name} trust root"


def _verifier_from_file(path: Path) -> Verifier:
    try:
        return Verifier(trusted_root=TrustedRoot.from_file(str(path)))
    except OSError as exc:
        raise InputError(str(path), f"cannot read the trusted root: {exc.strerror or exc}") \
            from exc
    except (SigstoreError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        raise InputError(str(path), f"not a Sigstore trusted root: {_one_line(exc)}") from exc


def _checked(verify: Callable[[], T], root_name: str) -> T:
    """Run one sigstore verification call, turning every way it fails into VerificationFailure."""
    try:
        return verify()
    except _DECODING_ERRORS as exc:  # VerificationError and the decoding errors above
        raise VerificationFailure(
            f"Sigstore bundle does not verify against {root_name}: {_one_line(exc)}") from exc
    except Exception as exc:
        # Beyond those, the verifier decodes certificates, SCTs, checkpoints, log entries and
        # timestamps from the bundle with cryptography, pydantic, rfc8785 and rfc3161-client, and
        # a crafted bundle can make any of them raise their own exception types; each such case
        # is a bundle that does not verify.
        raise VerificationFailure(
            f"Sigstore bundle does not verify against {root_name}: "
            f"{type(exc).__name__}: {_one_line(exc)}") from exc


def _describe(fields: dict[str, Any], identity: str, issuer: str) -> str:
    entries = fields.get("verificationMaterial", {}).get("tlogEntries", [])
    index = _verified_log_index(entries[0]) if entries else "?"
    return f"Sigstore keyless: {identity} via {issuer}, Rekor log index {index}"


def _verified_log_index(entry: dict[str, Any]) -> str:
    """The log index that verification covered: the entry's own index is signed only by an
    inclusion promise (Rekor v1); without one (Rekor v2) only the inclusion proof's index is
    bound, by the Merkle path."""
    if "inclusionPromise" in entry:
        return str(entry.get("logIndex", "?"))
    return str(entry.get("inclusionProof", {}).get("logIndex", "?"))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 400 else text[:397] + "..."


class _DropOfflineNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_OFFLINE_NOTICE)


@contextmanager
def _quiet_offline_notice() -> Iterator[None]:
    """Offline is deliberate here: drop sigstore's warning that the TUF root is not refreshed."""
    logger = logging.getLogger(_TUF_LOGGER)
    notice_filter = _DropOfflineNotice()
    logger.addFilter(notice_filter)
    try:
        yield
    finally:
        logger.removeFilter(notice_filter)


# ---------------------------------------------------------------- signing


def sign_statement_keyless(statement_json: bytes, *, staging: bool = False) -> bytes:
    """Sign an in-toto statement (serialized JSON) with the ambient OIDC identity of a CI job;
    return the Sigstore bundle (v0.3, DSSE envelope) as JSON. Needs the network."""
    statement = statement_from_json(statement_json)
    token = _ambient_identity()
    context = _signing_context(staging)
    try:
        with context.signer(token) as signer:
            bundle = signer.sign_dsse(statement)
    except Exception as exc:
        # Signing runs Fulcio, Rekor and timestamp-authority requests through requests, urllib3,
        # pydantic and cryptography, whose failures do not share a base type; every one of them
        # means no signature was produced.
        raise SigningError(f"Sigstore keyless signing failed: {type(exc).__name__}: "
                           f"{_one_line(exc)}") from exc
    return bundle.to_json().encode("utf-8")


def statement_from_json(statement_json: bytes) -> Statement:
    """The sigstore Statement over exactly these bytes (they are what the envelope carries)."""
    try:
        return Statement(statement_json)
    except SigstoreError as exc:
        raise SigningError(f"not an in-toto Statement v1: {_one_line(exc)}") from exc


def _ambient_identity() -> IdentityToken:
    try:
        raw_token = detect_credential()
    except Exception as exc:
        # Detection probes several CI systems through environment variables, files and HTTP
        # (IdentityError, urllib3 and JSON errors); any failure means no usable identity.
        raise SigningError(f"{NO_AMBIENT_IDENTITY} ({_one_line(exc)})") from exc
    if raw_token is None:
        raise SigningError(NO_AMBIENT_IDENTITY)
    try:
        return IdentityToken(raw_token)
    except IdentityError as exc:
        raise SigningError(f"the ambient OIDC token cannot be used: {_one_line(exc)}") from exc


def _signing_context(staging: bool) -> SigningContext:
    name = "staging" if staging else "production"
    try:
        config = ClientTrustConfig.staging() if staging else ClientTrustConfig.production()
        return SigningContext.from_trust_config(config)
    except (SigstoreError, OSError, ValueError) as exc:
        raise SigningError(f"cannot load the Sigstore {name} signing configuration: "
                           f"{_one_line(exc)}") from exc
