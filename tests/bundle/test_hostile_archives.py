"""``govkit verify`` on hostile and broken input: fail closed, name the input, never a traceback.

An archive is read in two passes (see ``govkit.bundle.verify_archive``): the signature first,
writing nothing; then only the members the verified statement names. Exit codes:

- 2 (unusable input, the message names the path): a missing path, a file that is not a
  ``.tar.gz``, an empty folder or one that is not a run directory, an archive that is truncated,
  corrupt, not tar inside the gzip, has a tar header over 64 KiB (PAX header bomb), links,
  devices, duplicate names or sizes over the limits.
- 1 (not verified, the report says which check failed): no or a wrong signature, a member the
  statement does not name, a member whose bytes hash differently.

Damage is found where reading reaches it: behind a signature that does not verify nothing is
read, so a truncated archive signed by the wrong key gives 1, not 2.
"""

from __future__ import annotations

import gzip
import io
import random
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkit.bundle import extract, keys
from govkit.bundle.archive import pack
from govkit.bundle.errors import BundleError
from govkit.bundle.extract import Limits
from govkit.bundle.sign import BUNDLE_FILE, sign_run
from govkit.bundle.signers import KeySigner
from govkit.bundle.verify import KeyVerifier, Report, SignatureVerifier, SigstoreVerifier
from govkit.bundle.verify_archive import verify_archive, verify_bundle
from govkit.errors import GovkitError
from tests.test_cli import govkit

MIB = 1 << 20
RUN = "run-20261201T000000Z"
Member = tuple[tarfile.TarInfo, bytes | None]


def make_run(parent: Path, big: bool = False) -> Path:
    """A small run directory: what the predicate and the files check need, nothing more."""
    run = parent / RUN
    files = {
        "manifest.json": b'{"run_id":"%s","period":"2026-Q4","accounts":["123456789012"]}'
                         % RUN.encode(),
        "results/results.json": b'{"results":[],"summary":{"by_status":{"PASS":1}}}',
        "snapshots/index.json": b'{"calls":[]}',
        "snapshots/aws/iam.json": b'{"roles":[]}' * 100,
    }
    if big:  # incompressible, so a cut in the compressed archive lands inside it
        files["snapshots/aws/s3.bin"] = random.Random(2).randbytes(MIB)
    for relative, data in files.items():
        (run / relative).parent.mkdir(parents=True, exist_ok=True)
        (run / relative).write_bytes(data)
    return run


def signed_archive(tmp_path: Path, key_dir: Path, key: str = "ecdsa", big: bool = False) -> Path:
    run = make_run(tmp_path / "src", big)
    sign_run(run, KeySigner(keys.load_private(key_dir / f"{key}.key")))
    return pack(run, tmp_path / "bundle.tar.gz")


def members_of(archive: Path) -> list[Member]:
    with tarfile.open(archive, "r:gz") as tar:
        return [(m, tar.extractfile(m).read() if m.isreg() else None)  # type: ignore[union-attr]
                for m in tar.getmembers()]


def regular(name: str, data: bytes) -> Member:
    member = tarfile.TarInfo(name)
    member.size, member.mode = len(data), 0o644
    return member, data


def tar_bytes(members: list[Member]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in members:
            tar.addfile(member, None if data is None else io.BytesIO(data))
    return buffer.getvalue()


def write_archive(path: Path, members: list[Member]) -> Path:
    path.write_bytes(gzip.compress(tar_bytes(members), mtime=0))
    return path


def verifier(key_dir: Path, key: str = "ecdsa") -> KeyVerifier:
    return KeyVerifier(keys.load_public(key_dir / f"{key}.pub"))


def failed(report: Report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


class WriteLog:
    """Every file extraction writes: which members, and how many bytes in all."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        self.bytes = 0
        real = extract._write_file

        def recording(source, target, member, state):  # type: ignore[no-untyped-def]
            self.names.append(member.name)
            before = state.data_bytes
            try:
                return real(source, target, member, state)
            finally:
                self.bytes += state.data_bytes - before

        monkeypatch.setattr(extract, "_write_file", recording)


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> WriteLog:
    return WriteLog(monkeypatch)


# --- what is written, in process ------------------------------------------------------------


@pytest.mark.parametrize("where", ["before the signature", "at the end"])
def test_an_unsigned_member_is_never_written(tmp_path: Path, key_dir: Path, writes: WriteLog,
                                             where: str) -> None:
    members = members_of(signed_archive(tmp_path, key_dir))
    signed_bytes = sum(len(data or b"") for _, data in members)
    extra = regular(f"{RUN}/snapshots/zz-extra.bin", bytes(8 * MIB))
    members.insert(1 if where == "before the signature" else len(members), extra)
    hostile = write_archive(tmp_path / "hostile.tar.gz", members)
    assert hostile.stat().st_size < 64 * 1024, "a small archive that would unpack to 8 MiB"

    report = verify_archive(hostile, verifier(key_dir), workdir=tmp_path / "work")
    assert not report.ok
    assert "not signed" in failed(report)["files"] and "zz-extra.bin" in failed(report)["files"]
    assert str(hostile) in failed(report)["files"]
    assert extra[0].name not in writes.names
    assert writes.bytes <= signed_bytes
    assert not (tmp_path / "work").exists()


def test_a_wrong_signature_stops_before_anything_is_written(tmp_path: Path, key_dir: Path,
                                                           writes: WriteLog) -> None:
    members = members_of(signed_archive(tmp_path, key_dir, key="other"))
    members.append(regular(f"{RUN}/snapshots/big.bin", random.Random(1).randbytes(2 * MIB)))
    whole = write_archive(tmp_path / "whole.tar.gz", members).read_bytes()
    # cut inside the big member: reading past the signature would hit the truncation
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(whole[: len(whole) // 2])

    report = verify_archive(truncated, verifier(key_dir), workdir=tmp_path / "work")
    assert [c.name for c in report.checks] == ["signature"]
    assert "no signature" in failed(report)["signature"]
    assert writes.names == [] and not (tmp_path / "work").exists()


def test_a_member_changed_inside_the_archive(tmp_path: Path, key_dir: Path,
                                             writes: WriteLog) -> None:
    members = members_of(signed_archive(tmp_path, key_dir))
    index = next(i for i, (m, _) in enumerate(members) if m.name.endswith("iam.json"))
    member, data = members[index]
    assert data is not None
    members[index] = (member, data.replace(b"roles", b"rolez", 1))
    report = verify_archive(write_archive(tmp_path / "changed.tar.gz", members),
                            verifier(key_dir))
    assert "sha256 differs" in failed(report)["files"]
    assert "snapshots/aws/iam.json" in failed(report)["files"]
    assert writes.names[-1] == member.name, "extraction stops at the changed member"


def test_a_signed_archive_verifies_and_the_limits_apply(tmp_path: Path, key_dir: Path) -> None:
    archive = signed_archive(tmp_path, key_dir)
    report = verify_bundle(archive, verifier(key_dir))
    assert report.ok, failed(report)
    assert [c.name for c in report.checks] == ["signature", "payload type", "statement type",
                                               "predicate type", "files", "manifest"]
    with pytest.raises(BundleError, match="total limit") as caught:
        verify_archive(archive, verifier(key_dir), limits=Limits(total_bytes=1024),
                       workdir=tmp_path / "work")
    assert str(archive) in str(caught.value)
    assert not (tmp_path / "work").exists()
    with pytest.raises(BundleError, match="over the limit") as caught:
        verify_archive(archive, verifier(key_dir), attestation_bytes=100)
    assert str(archive) in str(caught.value)


def test_an_archive_without_a_signature(tmp_path: Path, key_dir: Path) -> None:
    unsigned = pack(make_run(tmp_path / "src"), tmp_path / "unsigned.tar.gz")
    assert "is missing" in failed(verify_bundle(unsigned, verifier(key_dir)))["signature"]
    other = write_archive(tmp_path / "other.tar.gz", [regular("project/README", b"hello")])
    with pytest.raises(BundleError, match="not a govkit run archive"):
        verify_bundle(other, verifier(key_dir))


GARBAGE_BUNDLES = {
    "nested too deep": b"[" * 100_000 + b"]" * 100_000,
    "not UTF-8": b"\xff\xfe not json",
    "not a Sigstore bundle": b'{"mediaType": 1}',
}


@pytest.mark.parametrize("kind", ["key", "sigstore"])
@pytest.mark.parametrize("garbage", list(GARBAGE_BUNDLES))
def test_a_garbage_signature_bundle_is_bad_input_naming_the_bundle(
        tmp_path: Path, key_dir: Path, garbage: str, kind: str) -> None:
    check: SignatureVerifier = verifier(key_dir) if kind == "key" else SigstoreVerifier(
        identity="someone@example.com", issuer="https://issuer.example")
    run = make_run(tmp_path / "src")
    (run / "attestations").mkdir()
    (run / BUNDLE_FILE).write_bytes(GARBAGE_BUNDLES[garbage])
    archive = pack(run, tmp_path / "garbage.tar.gz")
    for target in (run, archive):
        with pytest.raises(BundleError) as caught:
            verify_bundle(target, check)
        assert str(caught.value).startswith(f"{target}: ")


@pytest.fixture(scope="module")
def signed_tar(tmp_path_factory: pytest.TempPathFactory, key_dir: Path) -> tuple[bytes, Path]:
    """The tar bytes of a signed archive, and the run directory they came from."""
    folder = tmp_path_factory.mktemp("signed-tar")
    archive = signed_archive(folder, key_dir)
    return gzip.decompress(archive.read_bytes()), folder / "src" / RUN


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@settings(max_examples=60, deadline=None)
@given(changes=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)),
                        min_size=1, max_size=6),
       cut=st.none() | st.integers(min_value=0), compressed=st.booleans())
def test_damaged_archive_never_crashes_and_never_verifies_other_files(
        signed_tar: tuple[bytes, Path], key_dir: Path, changes: list[tuple[int, int]],
        cut: int | None, compressed: bool) -> None:
    tar, source = signed_tar
    data = bytearray(gzip.compress(tar, mtime=0) if compressed else tar)
    for position, value in changes:
        data[position % len(data)] = value
    damaged = bytes(data if cut is None else data[: cut % len(data)])
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "damaged.tar.gz"
        archive.write_bytes(damaged if compressed else gzip.compress(damaged, mtime=0))
        work = Path(scratch) / "work"
        try:
            report = verify_archive(archive, verifier(key_dir), workdir=work)
        except GovkitError:
            return  # bad input: exit 2 with a message, never a traceback
        if report.ok:  # the damage was in bytes that carry no evidence (mtime, padding...)
            assert tree(work / RUN) == tree(source)


# --- the command, as a user runs it ---------------------------------------------------------


def verify_cli(target: Path, key_dir: Path, key: str = "ecdsa"
               ) -> subprocess.CompletedProcess[str]:
    return govkit("verify", str(target), "--key", str(key_dir / f"{key}.pub"),
                  endpoint_url="http://127.0.0.1:9", cwd=target.parent)


def truncated(tmp_path: Path, key_dir: Path, key: str = "ecdsa") -> Path:
    """Cut inside a signed member that comes after the signature."""
    whole = signed_archive(tmp_path, key_dir, key, big=True).read_bytes()
    path = tmp_path / "truncated.tar.gz"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def not_tar(tmp_path: Path, key_dir: Path) -> Path:
    path = tmp_path / "notes.tar.gz"
    path.write_bytes(gzip.compress(b"meeting notes, not an archive\n" * 40))
    return path


def pax_bomb(tmp_path: Path, key_dir: Path) -> Path:
    top = tarfile.TarInfo(RUN)
    top.type, top.mode = tarfile.DIRTYPE, 0o755
    top.pax_headers = {"comment": "x" * (4 * MIB)}
    return write_archive(tmp_path / "bomb.tar.gz", [(top, None)])


def pax_size_bomb(tmp_path: Path, key_dir: Path) -> Path:
    """A PAX header that claims 4 GiB of records: read no further than the header cap."""
    header = tarfile.TarInfo("././@PaxHeader")
    header.type, header.size = tarfile.XHDTYPE, 4 << 30
    raw = header.tobuf(tarfile.USTAR_FORMAT) + b"20 comment=aaaaaaaa\n".ljust(512, b"\0")
    path = tmp_path / "size-bomb.tar.gz"
    path.write_bytes(gzip.compress(raw + bytes(8 * MIB)))
    return path


def corrupt_member(tmp_path: Path, key_dir: Path) -> Path:
    raw = bytearray(tar_bytes(members_of(signed_archive(tmp_path, key_dir))))
    at = raw.index(f"{RUN}/snapshots/index.json".encode())
    raw[at + 148] ^= 0x01  # the header checksum of a member after the signature
    path = tmp_path / "corrupt.tar.gz"
    path.write_bytes(gzip.compress(bytes(raw)))
    return path


def plain_file(tmp_path: Path, key_dir: Path) -> Path:
    path = tmp_path / "results.csv"
    path.write_text("id,status\n1,PASS\n")
    return path


def empty_folder(tmp_path: Path, key_dir: Path) -> Path:
    path = tmp_path / "empty"
    path.mkdir()
    return path


def other_folder(tmp_path: Path, key_dir: Path) -> Path:
    path = tmp_path / "photos"
    path.mkdir()
    (path / "cat.jpg").write_bytes(b"\xff\xd8")
    return path


BAD_INPUT: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "truncated archive": (truncated, "truncated"),
    "gzip of something that is not tar": (not_tar, "not a tar archive"),
    "PAX header bomb": (pax_bomb, "larger than any real archive needs"),
    "PAX header claiming 4 GiB": (pax_size_bomb, "larger than any real archive needs"),
    "corrupt member header": (corrupt_member, "corrupt"),
    "a file that is not an archive": (plain_file, "neither a run directory"),
    "empty folder": (empty_folder, "not a govkit run directory"),
    "folder that is not a run": (other_folder, "not a govkit run directory"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_a_bundle_error_naming_it(tmp_path: Path, key_dir: Path,
                                               case: str) -> None:
    make, words = BAD_INPUT[case]
    target = make(tmp_path, key_dir)
    with pytest.raises(BundleError) as caught:
        verify_bundle(target, verifier(key_dir))
    assert str(caught.value).startswith(f"{target}: ")
    assert words in str(caught.value)


# a subprocess each costs most of a second: the cases the command must show, the rest above
@pytest.mark.parametrize("case", ["truncated archive", "gzip of something that is not tar",
                                  "PAX header bomb", "a file that is not an archive",
                                  "empty folder"])
def test_bad_input_exits_2_naming_it(tmp_path: Path, key_dir: Path, case: str) -> None:
    make, words = BAD_INPUT[case]
    target = make(tmp_path, key_dir)
    process = verify_cli(target, key_dir)
    assert process.returncode == 2, process.stdout + process.stderr
    assert "Traceback" not in process.stderr
    assert process.stderr.startswith(f"govkit: error: {target}: "), process.stderr
    assert words in process.stderr


def test_truncated_behind_a_wrong_signature_is_not_verified(tmp_path: Path,
                                                            key_dir: Path) -> None:
    process = verify_cli(truncated(tmp_path, key_dir, key="other"), key_dir)
    assert process.returncode == 1, process.stdout + process.stderr
    assert "FAIL signature" in process.stdout and "NOT VERIFIED" in process.stdout
    assert "Traceback" not in process.stderr


def test_unsigned_member_exits_1_naming_it(tmp_path: Path, key_dir: Path) -> None:
    members = members_of(signed_archive(tmp_path, key_dir))
    members.append(regular(f"{RUN}/snapshots/zz-extra.bin", bytes(4 * MIB)))
    hostile = write_archive(tmp_path / "hostile.tar.gz", members)
    process = verify_cli(hostile, key_dir)
    assert process.returncode == 1, process.stdout + process.stderr
    assert "ok   signature" in process.stdout
    assert "FAIL files" in process.stdout and "zz-extra.bin" in process.stdout
    assert "NOT VERIFIED" in process.stdout and "Traceback" not in process.stderr
