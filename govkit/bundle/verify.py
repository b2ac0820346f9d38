"""Verify a signed run directory (or its archive) offline, and optionally replay it.

Each check is reported on its own line. The signature comes first: nothing in the payload is
trusted before it verifies. Then the payload and predicate types, the set of files against the
statement's subjects (sigstore-python's ``verify_dsse`` does not do this), the predicate against
the manifest and results, and, with replay, the results re-evaluated from the stored snapshot.
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
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
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


def _check_files(run_dir: Path, subjects: list[Any], report: Report) -> bool:
    files, odd = _on_disk(run_dir)
    if odd:
        return report.add("files", False, f"links or special files in the bundle: {odd[:5]}")
    attested = sorted(n for n in files if n.startswith(f"{ATTESTATIONS}/"))
    if attested != [BUNDLE_FILE]:
        return report.add("files", False, f"{ATTESTATIONS}/ must hold only {BUNDLE_FILE}; "
                                          f"found {attested[:5]}")
    files.pop(BUNDLE_FILE)
    names = [str((s or {}).get("name")) for s in subjects]
    if len(set(names)) != len(names):
        return report.add("files", False, "the statement lists a file twice")
    missing = sorted(set(names) - set(files))
    extra = sorted(set(files) - set(names))
    if missing or extra:
        return report.add("files", False, f"not signed: {extra[:5]}; signed but missing: "
                                          f"{missing[:5]}")
    for subject in subjects:
        expected = ((subject or {}).get("digest") or {}).get("sha256")
        if sha256_file(files[subject["name"]]) != expected:
            return report.add("files", False, f"{subject['name']}: sha256 differs from the "
                                              "signed digest (the file was changed)")
    return report.add("files", True, f"{len(files)} files match the signed sha256 digests")


def _read_json(path: Path) -> Any:
    return json.loads(path.read_bytes())


def verify_run(run_dir: Path, verifier: SignatureVerifier, *, replay: bool = False,
               replayer: Callable[[Path], bytes] | None = None) -> Report:
    report = Report()
    bundle_path = run_dir / BUNDLE_FILE
    if not bundle_path.is_file():
        report.add("signature", False, f"{BUNDLE_FILE} is missing: the run is not signed")
        return report
    try:
        payload_type, payload, signer = verifier.verify(bundle_path.read_bytes())
    except VerificationFailure as failure:
        report.add("signature", False, str(failure))
        return report
    report.add("signature", True, f"valid, signed by {signer}")
    if not report.add("payload type", payload_type == IN_TOTO_PAYLOAD_TYPE, payload_type):
        return report
    try:
        statement = json.loads(payload)
        subjects = list(statement["subject"])
    except (ValueError, KeyError, TypeError):
        report.add("statement", False, "the signed payload is not an in-toto statement")
        return report
    report.add("statement type", statement.get("_type") == STATEMENT_TYPE,
               str(statement.get("_type")))
    if not report.add("predicate type", statement.get("predicateType") == PREDICATE_TYPE,
                      str(statement.get("predicateType"))):
        return report
    if not _check_files(run_dir, subjects, report):
        return report
    expected = predicate(_read_json(run_dir / MANIFEST), _read_json(run_dir / RESULTS))
    same = rfc8785.dumps(expected) == rfc8785.dumps(statement.get("predicate"))
    report.add("manifest", same, "predicate agrees with manifest.json and results.json" if same
               else "the signed predicate disagrees with manifest.json/results.json")
    if replay and report.ok:
        _replay(run_dir, report, replayer)
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
