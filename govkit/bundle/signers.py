"""Signers: each turns a statement into a Sigstore bundle (JSON bytes).

- ``KeySigner``: a local ECDSA P-256 or Ed25519 key; works offline.
- ``KmsSigner``: an AWS KMS asymmetric key (ECC_NIST_P256), signing the PAE's SHA-256 digest.
- ``KeylessSigner``: Sigstore keyless, with the ambient OIDC identity of a CI job.

Key-based bundles carry ``verificationMaterial.publicKey.hint`` (base64 SHA-256 of the DER
public key), the convention other Sigstore clients use, and a DSSE envelope whose signature
covers the DSSE pre-authentication encoding.
"""

from __future__ import annotations

import enum
import hashlib
import json
from typing import Any, Protocol

import rfc8785
from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.bundle.dsse import IN_TOTO_PAYLOAD_TYPE, Envelope, pae
from govkit.bundle.errors import SigningError
from govkit.bundle.keys import PrivateKey, PublicKey, key_hint, public_from_der

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"


class SignerKind(enum.StrEnum):
    KEY = "key"
    KMS = "kms"
    SIGSTORE = "sigstore"


class Signer(Protocol):
    description: str

    def sign_statement(self, statement: bytes) -> bytes:
        """The Sigstore bundle (JSON) for a DSSE envelope around ``statement``."""
        ...


def key_bundle(statement: bytes, signature: bytes, public_key: PublicKey) -> bytes:
    envelope = Envelope(IN_TOTO_PAYLOAD_TYPE, statement, (("", signature),))
    dsse = envelope.to_json()
    dsse["signatures"] = [{"sig": s["sig"]} for s in dsse["signatures"]]  # no keyid: the hint
    document: dict[str, Any] = {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": key_hint(public_key)}},
        "dsseEnvelope": dsse,
    }
    return rfc8785.dumps(document)


class KeySigner:
    def __init__(self, key: PrivateKey) -> None:
        self._key = key
        kind = "ECDSA P-256" if isinstance(key, ec.EllipticCurvePrivateKey) else "Ed25519"
        self.description = f"local {kind} key {key_hint(key.public_key())}"

    def sign_statement(self, statement: bytes) -> bytes:
        message = pae(IN_TOTO_PAYLOAD_TYPE, statement)
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            signature = self._key.sign(message, ec.ECDSA(hashes.SHA256()))
        else:
            signature = self._key.sign(message)
        return key_bundle(statement, signature, self._key.public_key())


class KmsSigner:
    """Signs with ``kms:Sign`` on the digest (MessageType=DIGEST), so any size is signable."""

    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id
        try:
            described = kms.get_public_key(KeyId=key_id)
        except (ClientError, BotoCoreError) as exc:
            raise SigningError(f"kms:GetPublicKey on {key_id} failed: {exc}") from None
        # KeySpec, or CustomerMasterKeySpec, the older name KMS still answers beside it
        spec = described.get("KeySpec") or described.get("CustomerMasterKeySpec")
        if spec != "ECC_NIST_P256" or \
                "ECDSA_SHA_256" not in (described.get("SigningAlgorithms") or []):
            raise SigningError(f"{key_id} must be an ECC_NIST_P256 SIGN_VERIFY key "
                               f"(it is {spec})")
        self._public = public_from_der(described["PublicKey"])
        self.description = f"AWS KMS key {described.get('KeyId', key_id)}"

    @property
    def public_key(self) -> PublicKey:
        return self._public

    def sign_statement(self, statement: bytes) -> bytes:
        digest = hashlib.sha256(pae(IN_TOTO_PAYLOAD_TYPE, statement)).digest()
        try:
            signed = self._kms.sign(KeyId=self._key_id, Message=digest, MessageType="DIGEST",
                                    SigningAlgorithm="ECDSA_SHA_256")
        except (ClientError, BotoCoreError) as exc:
            raise SigningError(f"kms:Sign with {self._key_id} failed: {exc}") from None
        return key_bundle(statement, signed["Signature"], self._public)


class KeylessSigner:
    def __init__(self, *, staging: bool = False) -> None:
        self._staging = staging
        self.description = "Sigstore keyless (ambient OIDC identity)" + \
            (" on staging" if staging else "")

    def sign_statement(self, statement: bytes) -> bytes:
        from govkit.bundle.sigstore_keyless import sign_statement_keyless  # network-only path
        signed = sign_statement_keyless(statement, staging=self._staging)
        return rfc8785.dumps(json.loads(signed))
