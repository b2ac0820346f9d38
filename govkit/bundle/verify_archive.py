"""Verify a run archive (``.tar.gz``) without writing a byte of it before its signature verifies.

Pass 1 reads the archive only as far as ``attestations/govkit.sigstore.json``, keeps it in memory
(at most ``ATTESTATION_BYTES``) and writes nothing; the signature, payload type, statement type
and predicate type are checked on it. If any of them fails, the archive is read no further.
Pass 2 extracts only the members the verified statement names (and the signature bundle, pinned
to the bytes pass 1 verified), hashing each as it is written, within the size limits; the first
member it does not name, or whose bytes hash differently, stops extraction. The files, the
manifest and optionally replay are then checked on what was extracted, as for a directory.

What each bad input gives (``govkit verify`` exit code):

- 2, unusable input, naming the path: a missing path; a file that is not a ``.tar.gz``; a
  folder that is not a run directory (neither ``manifest.json`` nor ``attestations/``), an empty
  one included; an archive whose run folder holds neither; an archive that is empty, not gzip,
  not tar inside the gzip, truncated or corrupt, or has a tar header over 64 KiB (a PAX header
  bomb), links, devices, duplicate names, names outside the run folder, or sizes over the limits.
- 1, not verified: no signature, a signature that does not verify, a statement of the wrong
  type, a member the statement does not name, a member whose bytes hash differently, a signed
  file missing, a predicate that disagrees with the manifest, replay that differs.

Damage is found where the reading reaches it: a truncated or corrupt archive whose signature
(read first) does not verify gives 1, since nothing past the signature is read; one whose
signature verifies gives 2 once pass 2 reaches the damage. Both are failures; neither is 0.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from govkit.bundle.archive import is_archive
from govkit.bundle.digests import ATTESTATIONS
from govkit.bundle.errors import BundleError, VerificationFailure
from govkit.bundle.extract import DEFAULT_LIMITS, Limits, SignedContents, read_member, safe_extract
from govkit.bundle.sign import BUNDLE_FILE
from govkit.bundle.statement import MANIFEST
from govkit.bundle.verify import (
    ATTESTATION_BYTES, Report, SignatureVerifier, check_evidence, check_statement,
    signed_digests, verify_run)


def verify_bundle(path: Path, verifier: SignatureVerifier, *, replay: bool = False,
                  limits: Limits = DEFAULT_LIMITS) -> Report:
    """Verify a run directory or its archive; BundleError when ``path`` is neither."""
    if not path.exists():
        raise BundleError(f"{path}: no such file or folder")
    if path.is_dir():
        return verify_run(path, verifier, replay=replay)
    if is_archive(path):
        return verify_archive(path, verifier, replay=replay, limits=limits)
    raise BundleError(f"{path}: neither a run directory nor a .tar.gz bundle")


def verify_archive(archive: Path, verifier: SignatureVerifier, *, replay: bool = False,
                   replayer: Callable[[Path], bytes] | None = None,
                   limits: Limits = DEFAULT_LIMITS, attestation_bytes: int = ATTESTATION_BYTES,
                   workdir: Path | None = None) -> Report:
    """Verify a run archive in two passes (see the module docstring).

    Extraction goes to ``workdir`` (which must not exist or be empty), else to a temporary
    folder removed on return.
    """
    report = Report()
    head = read_member(archive, BUNDLE_FILE, max_bytes=attestation_bytes, limits=limits)
    if head.data is None and not head.top_level & {MANIFEST, ATTESTATIONS}:
        raise BundleError(f"{archive}: not a govkit run archive ({head.top}/ holds neither "
                          f"{MANIFEST} nor {ATTESTATIONS}/)")
    try:
        statement = check_statement(head.data, verifier, report)
    except BundleError as exc:
        raise BundleError(f"{archive}: {exc}") from None
    if statement is None or head.data is None:
        return report
    digests = signed_digests(statement, report)
    if digests is None:
        return report
    signed = SignedContents(top=head.top, digests={
        **digests, BUNDLE_FILE: hashlib.sha256(head.data).hexdigest()})
    with _scratch(workdir) as dest:
        try:
            run_dir = safe_extract(archive, dest, max_member_bytes=limits.member_bytes,
                                   max_total_bytes=limits.total_bytes,
                                   max_members=limits.members, signed=signed)
        except VerificationFailure as failure:
            report.add("files", False, str(failure))
            return report
        check_evidence(run_dir, statement, digests, report, replay=replay, replayer=replayer)
    return report


@contextmanager
def _scratch(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        yield workdir
        return
    with tempfile.TemporaryDirectory(prefix="govkit-verify-") as scratch:
        yield Path(scratch) / "run"
