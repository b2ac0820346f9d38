"""Verify a signed run directory offline, and optionally replay it.

Each check is reported on its own line. The signature comes first: nothing in the payload is
trusted before it verifies. Then the payload and predicate types, the set of files against the
statement's subjects (sigstore-python's ``verify_dsse`` does not do this), the predicate against
the manifest and results, and, with replay, the results re-evaluated from the stored snapshot.
``verify_archive`` runs the same steps on a ``.tar.gz``, extracting only what the verified
statement names.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from govkit.bundle.digests import ATTESTATIONS, sha256_file
from govkit.bundle.dsse import IN_TOTO_PAYLOAD_TYPE, Envelope, pae
from govkit.bundle.errors import BundleError, VerificationFailure
from govkit.bundle.keys import PublicKey, key_hint
from govkit.bundle.sign import BUNDLE_FILE
from govkit.bundle.statement import MANIFEST, PREDICATE_TYPE, RESULTS, STATEMENT_TYPE, predicate
from govkit.errors import GovkitError

# A signature bundle is a few KiB plus about 100 bytes per signed file.
ATTESTATION_BYTES = 64 << 20


class SignatureVerifier(Protocol):
    def verify(self, bundle: bytes) -> tuple[str, bytes, str]:
        """(payload type, payload, signer) of a bundle, or VerificationFailure."""
        ...


class KeyVerifier:
    def __init__(self, public_key: PublicKey) -> None:
        self._key = public_key
        self.hint = key_hint(public_key)

    def verify(self, bundle: bytes) -> tuple[str, bytes, str]:
        document = _bundle_json(bundle)
        envelope = Envelope.from_json(document.get("dsseEnvelope"), BUNDLE_FILE)
        message = pae(envelope.payload_type, envelope.payload)
        for _keyid, signature in envelope.signatures:
            try:
                if isinstance(self._key, ec.EllipticCurvePublicKey):
                    self._key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
                else:
                    self._key.verify(signature, message)
            except InvalidSignature:
                continue
            return envelope.payload_type, envelope.payload, f"public key {self.hint}"
        stated = ((document.get("verificationMaterial") or {}).get("publicKey") or {}).get("hint")
        which = f" (the bundle names key {stated})" if stated and stated != self.hint else ""
        raise VerificationFailure(f"no signature in {BUNDLE_FILE} verifies with public key "
                                  f"{self.hint}{which}")


class SigstoreVerifier:
    def __init__(self, *, identity: str, issuer: str, staging: bool = False,
                 trusted_root: Path | None = None) -> None:
        self._args = {"identity": identity, "issuer": issuer, "staging": staging,
                      "trusted_root": trusted_root}

    def verify(self, bundle: bytes) -> tuple[str, bytes, str]:
        from govkit.bundle.sigstore_keyless import verify_dsse_bundle
        return verify_dsse_bundle(bundle, **self._args)  # type: ignore[arg-type]


def _bundle_json(bundle: bytes) -> Mapping[str, Any]:
    try:
        document = json.loads(bundle)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep to be real
        raise BundleError(f"{BUNDLE_FILE}: not JSON ({exc})") from None
    if not isinstance(document, dict) or not str(document.get("mediaType", "")).startswith(
            "application/vnd.dev.sigstore.bundle"):
        raise BundleError(f"{BUNDLE_FILE}: not a Sigstore bundle")
    return document


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok


def _on_disk(run_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """Evidence files by relative name, and anything that is not a plain file or folder."""
    files: dict[str, Path] = {}
    odd: list[str] = []
    for root, directories, names in os.walk(run_dir):
        base = Path(root)
        for name in [*directories, *names]:
            path = base / name
            relative = path.relative_to(run_dir).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                odd.append(relative)
            elif stat.S_ISREG(mode):
                files[relative] = path
    return files, sorted(odd)


def signed_digests(statement: Mapping[str, Any], report: Report) -> dict[str, str] | None:
    """Each subject's name and sha256, or None once the "files" check says why there are none."""
    digests: dict[str, str] = {}
    for subject in statement["subject"]:
        name = subject.get("name") if isinstance(subject, dict) else None
        digest = subject.get("digest") if isinstance(subject, dict) else None
        sha256 = digest.get("sha256") if isinstance(digest, dict) else None
        if not isinstance(name, str) or not isinstance(sha256, str):
            report.add("files", False, "the statement has a subject without a name and a sha256 "
                                       f"digest: {str(subject)[:200]}")
            return None
        if name in digests:
            report.add("files", False, "the statement lists a file twice")
            return None
        digests[name] = sha256
    return digests


def _check_files(run_dir: Path, digests: Mapping[str, str], report: Report) -> bool:
    files, odd = _on_disk(run_dir)
    if odd:
        return report.add("files", False, f"links or special files in the bundle: {odd[:5]}")
    attested = sorted(n for n in files if n.startswith(f"{ATTESTATIONS}/"))
    if attested != [BUNDLE_FILE]:
        return report.add("files", False, f"{ATTESTATIONS}/ must hold only {BUNDLE_FILE}; "
                                          f"found {attested[:5]}")
    files.pop(BUNDLE_FILE)
    missing = sorted(set(digests) - set(files))
    extra = sorted(set(files) - set(digests))
    if missing or extra:
        return report.add("files", False, f"not signed: {extra[:5]}; signed but missing: "
                                          f"{missing[:5]}")
    for name, expected in digests.items():
        if _sha256(files[name]) != expected:
            return report.add("files", False, f"{name}: sha256 differs from the signed digest "
                                              "(the file was changed)")
    return report.add("files", True, f"{len(files)} files match the signed sha256 digests")


def _sha256(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _evidence_json(path: Path) -> Mapping[str, Any] | None:
    """A signed JSON object, or None when the signer signed something else (or nothing)."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def require_run_directory(run_dir: Path) -> None:
    """A run directory holds manifest.json or attestations/; anything else is bad input."""
    if not run_dir.is_dir():
        raise BundleError(f"{run_dir}: not a folder")
    if not any(os.path.lexists(run_dir / name) for name in (MANIFEST, ATTESTATIONS)):
        raise BundleError(f"{run_dir}: not a govkit run directory (it holds neither {MANIFEST} "
                          f"nor {ATTESTATIONS}/)")


def read_attestation(run_dir: Path, max_bytes: int = ATTESTATION_BYTES) -> bytes | None:
    """The signature bundle of a run directory; None when there is none."""
    path = run_dir / BUNDLE_FILE
    if path.is_symlink() or not path.is_file():
        return None  # a link is not followed: a run signed only through one is unsigned
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise BundleError(f"{BUNDLE_FILE}: cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise BundleError(f"{BUNDLE_FILE}: larger than any signature bundle ({max_bytes} bytes)")
    return data


def check_statement(bundle: bytes | None, verifier: SignatureVerifier,
                    report: Report) -> Mapping[str, Any] | None:
    """The signature, payload type, statement type and predicate type checks, in that order.

    Returns the signed statement when the run may be checked further, else None. Nothing in
    the payload is looked at before the signature verifies.
    """
    if bundle is None:
        report.add("signature", False, f"{BUNDLE_FILE} is missing: the run is not signed")
        return None
    try:
        payload_type, payload, signer = verifier.verify(bundle)
    except VerificationFailure as failure:
        report.add("signature", False, str(failure))
        return None
    report.add("signature", True, f"valid, signed by {signer}")
    if not report.add("payload type", payload_type == IN_TOTO_PAYLOAD_TYPE, payload_type):
        return None
    try:
        statement = json.loads(payload)
    except (ValueError, RecursionError):
        statement = None
    if not isinstance(statement, dict) or not isinstance(statement.get("subject"), list):
        report.add("statement", False, "the signed payload is not an in-toto statement")
        return None
    report.add("statement type", statement.get("_type") == STATEMENT_TYPE,
               str(statement.get("_type")))
    if not report.add("predicate type", statement.get("predicateType") == PREDICATE_TYPE,
                      str(statement.get("predicateType"))):
        return None
    return statement


def check_evidence(run_dir: Path, statement: Mapping[str, Any], digests: Mapping[str, str],
                   report: Report, *, replay: bool = False,
                   replayer: Callable[[Path], bytes] | None = None) -> None:
    """Files against the signed subjects, the predicate against the manifest, then replay."""
    if not _check_files(run_dir, digests, report):
        return
    manifest, results = _evidence_json(run_dir / MANIFEST), _evidence_json(run_dir / RESULTS)
    if manifest is None or results is None:
        report.add("manifest", False, f"{MANIFEST} or {RESULTS} is missing or not a JSON "
                                      "object")
        return
    expected = predicate(manifest, results)
    same = rfc8785.dumps(expected) == rfc8785.dumps(statement.get("predicate"))
    report.add("manifest", same, "predicate agrees with manifest.json and results.json" if same
               else "the signed predicate disagrees with manifest.json/results.json")
    if replay and report.ok:
        _replay(run_dir, report, replayer)


def verify_run(run_dir: Path, verifier: SignatureVerifier, *, replay: bool = False,
               replayer: Callable[[Path], bytes] | None = None) -> Report:
    """Verify a signed run directory; BundleError when it is not a run directory at all."""
    require_run_directory(run_dir)
    report = Report()
    try:
        statement = check_statement(read_attestation(run_dir), verifier, report)
    except BundleError as exc:
        raise BundleError(f"{run_dir}: {exc}") from None
    if statement is None:
        return report
    digests = signed_digests(statement, report)
    if digests is not None:
        check_evidence(run_dir, statement, digests, report, replay=replay, replayer=replayer)
    return report


def _replay(run_dir: Path, report: Report, replayer: Callable[[Path], bytes] | None) -> None:
    from govkit.run import replay_results
    try:
        produced = (replayer or replay_results)(run_dir)
    except (GovkitError, KeyError, TypeError, ValueError) as exc:
        # the files are the signed ones, so this is a signer that signed malformed evidence
        report.add("replay", False, f"re-evaluation failed: {exc}")
        return
    stored = (run_dir / RESULTS).read_bytes()
    report.add("replay", produced == stored,
               "re-evaluating the stored policies on the stored snapshot reproduces "
               f"{RESULTS} byte for byte" if produced == stored else
               f"re-evaluation gives different results than {RESULTS}")
