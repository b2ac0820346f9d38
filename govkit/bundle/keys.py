"""Local signing keys: ECDSA P-256 (default) or Ed25519, PEM, optionally passphrase-protected."""

from __future__ import annotations

import base64
import enum
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from govkit.bundle.errors import SigningError
from govkit.canonical import write_atomic
from govkit.errors import InputError, UsageError

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


class Algorithm(enum.StrEnum):
    ECDSA_P256 = "ecdsa-p256"
    ED25519 = "ed25519"


@dataclass(frozen=True)
class KeyFiles:
    private: Path
    public: Path


def key_hint(public_key: PublicKey) -> str:
    """The Sigstore convention: base64 of the SHA-256 of the DER SubjectPublicKeyInfo."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def _passphrase(env_var: str | None) -> bytes | None:
    if env_var is None:
        return None
    value = os.environ.get(env_var)
    if not value:
        raise UsageError(f"the passphrase variable {env_var} is not set or empty")
    return value.encode("utf-8")


def generate(out: Path, algorithm: Algorithm = Algorithm.ECDSA_P256, *,
             passphrase_env: str | None = None, name: str = "govkit") -> KeyFiles:
    private: PrivateKey = (ec.generate_private_key(ec.SECP256R1())
                           if algorithm is Algorithm.ECDSA_P256
                           else ed25519.Ed25519PrivateKey.generate())
    secret = _passphrase(passphrase_env)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(secret) if secret else
        serialization.NoEncryption())
    files = KeyFiles(out / f"{name}.key", out / f"{name}.pub")
    for path in (files.private, files.public):
        if path.exists():
            raise UsageError(f"{path} already exists; refusing to overwrite a key")
    out.mkdir(parents=True, exist_ok=True)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                encryption)
    descriptor = os.open(files.private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    write_atomic(files.public, private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return files


def load_private(path: Path, passphrase_env: str | None = None) -> PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the key: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=_passphrase(passphrase_env))
    except TypeError:
        raise SigningError(f"{path} is encrypted: give --passphrase-env VAR") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningError(f"{path}: not a usable private key ({exc})") from None
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise SigningError(f"{path}: only ECDSA P-256 and Ed25519 keys are supported")


def load_public(path: Path) -> PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the key: {exc.strerror}") from None
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InputError(str(path), f"not a PEM public key ({exc})") from None
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    raise InputError(str(path), "only ECDSA P-256 and Ed25519 public keys are supported")


def public_from_der(der: bytes) -> PublicKey:
    key = serialization.load_der_public_key(der)
    if isinstance(key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)):
        return key
    raise SigningError("the KMS key is not an ECC_NIST_P256 key")
