"""What every report is made from: a run directory or a bundle archive, read as it is.

A report never collects or evaluates again: it reads the run's manifest, its results document,
the control catalogue the run's policies were checked against, and the run's attestation, so a
report of a signed bundle is itself reproducible. With a verifier (a public key, or a Sigstore
identity) the run is verified first and the report says so; without one it says only whether
the run carries a signature, and whose key or certificate it names.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from govkit.bundle.archive import is_archive
from govkit.bundle.errors import BundleError
from govkit.bundle.extract import safe_extract
from govkit.bundle.verify import SignatureVerifier, read_attestation
from govkit.bundle.verify_archive import verify_bundle
from govkit.errors import InputError
from govkit.policy.loader import Catalogue
from govkit.policy.profiles import run_catalogue
from govkit.policy.yamlfile import load_yaml
from govkit.report.stream import read_results
from govkit.results import Evaluation, Result, validate_results
from govkit.run import RESULTS, read_manifest


@dataclass(frozen=True)
class Provenance:
    """Whether the run is signed, by whom, and whether that was verified for this report."""

    signed: bool
    signer: str | None  # the key hint or certificate identity the attestation names
    verified: bool | None  # None: no key or identity was given to check it with
    checks: tuple[tuple[str, bool, str], ...] = ()  # (check, passed, detail)

    def describe(self) -> str:
        if not self.signed:
            return "not signed"
        who = f" by {self.signer}" if self.signer else ""
        if self.verified is None:
            return f"signed{who}; not verified for this report (give a key to verify)"
        return f"signed{who}; {'verified' if self.verified else 'VERIFICATION FAILED'}"


@dataclass(frozen=True)
class ReportInput:
    """One run, as reports read it."""

    source: Path  # what the user named: the run directory or the archive
    run_dir: Path
    manifest: Mapping[str, Any]
    document: Mapping[str, Any]  # results/results.json but its results (see ``evaluation``)
    evaluation: Evaluation
    catalogue: Catalogue | None
    provenance: Provenance
    # each rule's description when the run keeps no rule files (a gate's verdict)
    rule_descriptions: Mapping[str, str] | None = None

    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id"))

    @property
    def evaluated_at(self) -> str:
        return str(self.document.get("evaluated_at"))

    @property
    def period(self) -> str | None:
        period = self.manifest.get("period")
        return str(period) if period else None

    @property
    def rules(self) -> Mapping[str, Mapping[str, Any]]:
        return self.evaluation.rules

    @functools.cached_property
    def descriptions(self) -> Mapping[str, str]:
        """Each rule's description, from the rule files stored with the run (results.json
        keeps each rule's title, remediation and controls, not its description)."""
        if self.rule_descriptions is not None:
            return self.rule_descriptions
        folder = self.run_dir / "policies" / "rules"
        found: dict[str, str] = {}
        for path in sorted(folder.rglob("*.yaml")) if folder.is_dir() else []:
            data = load_yaml(path).data
            if isinstance(data, dict) and isinstance(data.get("id"), str):
                found[data["id"]] = " ".join(str(data.get("description") or "").split())
        return found

    def record(self, file: str) -> Path:
        """A snapshot file of the run, refused if it would leave the run directory."""
        path = (self.run_dir / file).resolve()
        if self.run_dir.resolve() not in path.parents:
            raise InputError(str(self.run_dir), f"record {file!r} is outside the run")
        return path


def _signer(attestation: bytes) -> str | None:
    """Whose key or certificate the attestation names, without verifying it."""
    try:
        document = json.loads(attestation)
    except ValueError:
        return None
    material = document.get("verificationMaterial") if isinstance(document, dict) else None
    if not isinstance(material, dict):
        return None
    hint = (material.get("publicKey") or {}).get("hint")
    if hint:
        return f"public key {hint}"
    chain: list[dict[str, Any]] = \
        (material.get("x509CertificateChain") or {}).get("certificates") or []
    certificate = (material.get("certificate") or {}).get("rawBytes") or \
        (chain[0].get("rawBytes") if chain else None)
    if certificate:
        return _certificate_identity(base64.b64decode(certificate))
    return None


def _certificate_identity(der: bytes) -> str | None:
    """The identity a Sigstore signing certificate binds (its subject alternative name)."""
    from cryptography import x509
    try:
        certificate = x509.load_der_x509_certificate(der)
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return None
    found = [*names.get_values_for_type(x509.RFC822Name),
             *names.get_values_for_type(x509.UniformResourceIdentifier)]
    return f"certificate for {found[0]}" if found else None


def _result(path: Path) -> Callable[[int, dict[str, Any]], Result]:
    def convert(position: int, item: dict[str, Any]) -> Result:
        try:
            return Result.from_json(item)
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise InputError(str(path), f"result {position} is not a govkit result: {problem}",
                             field=f"results.{position}") from None
    return convert


def _read(source: Path, run_dir: Path, provenance: Provenance) -> ReportInput:
    manifest = read_manifest(run_dir)
    path = run_dir / RESULTS
    if not path.is_file():
        raise InputError(str(run_dir), f"not a complete run directory: it has no {RESULTS}")
    head, results = read_results(path, _result(path))
    try:  # the document's shape, without its results (each was read as a Result above)
        validate_results({**head, "results": []})
    except jsonschema.ValidationError as exc:
        where = ".".join(str(p) for p in exc.absolute_path)
        raise InputError(str(path), f"not a valid results document: {exc.message}",
                         field=where or None) from None
    if head.get("run_id") != manifest.get("run_id"):
        raise InputError(str(path), f"belongs to run {head.get('run_id')!r}, not to "
                         f"{manifest.get('run_id')!r} of {run_dir / 'manifest.json'}",
                         field="run_id")
    evaluation = Evaluation.from_json(head, results)
    return ReportInput(source=source, run_dir=run_dir, manifest=manifest, document=head,
                       evaluation=evaluation, catalogue=run_catalogue(run_dir),
                       provenance=provenance)


def _provenance(run_dir: Path, checks: Sequence[tuple[str, bool, str]] = (),
                verified: bool | None = None) -> Provenance:
    attestation = read_attestation(run_dir)
    return Provenance(signed=attestation is not None,
                      signer=_signer(attestation) if attestation else None,
                      verified=verified, checks=tuple(checks))


@contextlib.contextmanager
def open_run(path: Path, verifier: SignatureVerifier | None = None) -> Iterator[ReportInput]:
    """The run at ``path`` (a run directory or a .tar.gz bundle), verified first when a
    verifier is given. An archive is extracted to a temporary folder removed afterwards."""
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "no such run directory or bundle archive")
    if path.is_dir():
        yield _opened(path, path, verifier)
        return
    if not is_archive(path):
        raise InputError(str(path), "neither a run directory nor a .tar.gz bundle archive")
    with tempfile.TemporaryDirectory(prefix="govkit-report-") as scratch:
        try:
            run_dir = safe_extract(path, Path(scratch) / "run")
        except BundleError as exc:
            raise InputError(str(path), str(exc)) from None
        yield _opened(path, run_dir, verifier)


def _opened(source: Path, run_dir: Path, verifier: SignatureVerifier | None) -> ReportInput:
    """The run read from ``run_dir``, verified first when a verifier is given (an extracted
    archive is verified like a run directory: every file against the signed digests)."""
    if verifier is None:
        return _read(source, run_dir, _provenance(run_dir))
    report = verify_bundle(run_dir, verifier)
    checks = [(c.name, c.ok, c.detail) for c in report.checks]
    return _read(source, run_dir, _provenance(run_dir, checks, report.ok))
