"""Deterministic packing and hostile-archive extraction of run directories."""

from __future__ import annotations

import gzip
import io
import os
import random
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govkit.bundle import archive
from govkit.bundle.archive import is_archive, pack
from govkit.bundle.extract import safe_extract
from govkit.bundle.errors import BundleError

LONG_NAME = "snapshots/" + "very-long-directory-name-" * 5 + "/resource.json"


def make_run(parent: Path, name: str = "run-20240101T000000Z") -> Path:
    run = parent / name
    files = {
        "manifest.json": b'{"run": 1}\n',
        "snapshots/aws/123456789012/iam.json": b'{"roles": []}\n' * 50,
        "policies/phi_access.rego": b"package govkit\n",
        "results/results.json": b'{"results": []}\n',
        "attestations/bundle.sigstore.json": b"{}\n",
        "snapshots/caf\u00e9-r\u00e9sum\u00e9.json": b"[]\n",
        LONG_NAME: b"{}\n",
        "snapshots/blob.bin": random.Random(7).randbytes(3 * (1 << 20) + 17),
    }
    for relative, data in files.items():
        path = run / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (run / "results" / "empty").mkdir()
    return run


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return make_run(tmp_path / "src")


def tree(root: Path) -> dict[str, bytes | None]:
    """Relative path -> bytes (None for a directory)."""
    return {p.relative_to(root).as_posix(): None if p.is_dir() else p.read_bytes()
            for p in sorted(root.rglob("*"))}


def everything_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


# --- pack ------------------------------------------------------------------------------------


def test_pack_is_byte_identical_across_runs_mtimes_modes_and_locations(
        run_dir: Path, tmp_path: Path) -> None:
    first = pack(run_dir, (tmp_path / "a").resolve().parent)  # out is a directory
    assert first == tmp_path / f"{run_dir.name}.tar.gz"
    reference = first.read_bytes()
    assert pack(run_dir, tmp_path / "again.tar.gz").read_bytes() == reference

    for number, path in enumerate(sorted(run_dir.rglob("*"))):
        os.utime(path, (1_000_000 + number, 2_000_000 + number))
        if path.is_file():
            path.chmod(0o600)
    assert pack(run_dir, tmp_path / "touched.tar.gz").read_bytes() == reference

    elsewhere = tmp_path / "elsewhere" / "deeper"
    elsewhere.mkdir(parents=True)
    shutil.copytree(run_dir, elsewhere / run_dir.name)
    assert pack(elsewhere / run_dir.name, tmp_path / "copy.tar.gz").read_bytes() == reference


def test_pack_layout_headers_and_gzip_header(run_dir: Path, tmp_path: Path) -> None:
    path = pack(run_dir, tmp_path / "out.tar.gz")
    raw = path.read_bytes()
    assert raw[:3] == b"\x1f\x8b\x08"
    assert raw[3] & 0x08 == 0, "no file name in the gzip header"
    assert raw[4:8] == b"\x00\x00\x00\x00", "gzip mtime is 0"
    with tarfile.open(path, "r:gz") as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert names[0] == run_dir.name
    assert all(n == run_dir.name or n.startswith(run_dir.name + "/") for n in names)
    expected = {f"{run_dir.name}/{rel}" for rel in everything_under(run_dir)} | {run_dir.name}
    assert set(names) == expected
    for member in members:
        assert (member.mtime, member.uid, member.gid, member.uname, member.gname) == \
            (0, 0, 0, "", "")
        assert member.isdir() or member.isreg()
        assert member.mode == (0o755 if member.isdir() else 0o644)
    long_member = next(m for m in members if m.name.endswith(LONG_NAME))
    assert long_member.pax_headers.get("path") == long_member.name  # PAX, not GNU longname


def test_pack_to_named_file_replaces_atomically(run_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "evidence.tar.gz"
    target.write_bytes(b"previous archive")
    calls = []
    real = archive._add_file

    def failing(tar: tarfile.TarFile, name: str, path: Path) -> None:
        calls.append(name)
        if len(calls) == 3:
            raise BundleError(f"{path}: simulated read failure")
        real(tar, name, path)

    monkeypatch.setattr(archive, "_add_file", failing)
    with pytest.raises(BundleError, match="simulated"):
        pack(run_dir, target)
    assert target.read_bytes() == b"previous archive"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence.tar.gz", "src"]

    monkeypatch.setattr(archive, "_add_file", real)
    assert pack(run_dir, target) == target
    assert is_archive(target)
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)


@pytest.mark.parametrize("kind", ["symlink", "dir-symlink", "fifo"])
def test_pack_refuses_special_files(run_dir: Path, tmp_path: Path, kind: str) -> None:
    odd = run_dir / "snapshots" / "odd"
    if kind == "symlink":
        odd.symlink_to(run_dir / "manifest.json")
    elif kind == "dir-symlink":
        odd.symlink_to(run_dir / "policies", target_is_directory=True)
    else:
        os.mkfifo(odd)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(BundleError) as caught:
        pack(run_dir, out)
    assert str(odd) in str(caught.value)
    assert list(out.iterdir()) == []


def test_pack_refuses_bad_run_dir_and_output(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="not a run directory"):
        pack(tmp_path / "missing", tmp_path)
    with pytest.raises(BundleError, match="outside the run directory"):
        pack(run_dir, run_dir / "results")
    with pytest.raises(BundleError, match="does not exist"):
        pack(run_dir, tmp_path / "no" / "such" / "x.tar.gz")


def test_is_archive(run_dir: Path, tmp_path: Path) -> None:
    packed = pack(run_dir, tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert is_archive(packed)
    assert not is_archive(text)
    assert not is_archive(run_dir)
    assert not is_archive(tmp_path / "missing.tar.gz")


# --- round trip ------------------------------------------------------------------------------


def test_round_trip_gives_identical_tree(run_dir: Path, tmp_path: Path) -> None:
    packed = pack(run_dir, tmp_path)
    extracted = safe_extract(packed, tmp_path / "dest")
    assert extracted == (tmp_path / "dest" / run_dir.name).resolve()
    assert tree(extracted) == tree(run_dir)
    assert (extracted / "results" / "empty").is_dir()
    assert (extracted / "manifest.json").stat().st_mode & 0o777 == 0o644
    # and the extracted run packs to the same bytes again
    assert pack(extracted, tmp_path / "repacked.tar.gz").read_bytes() == packed.read_bytes()


def test_extract_into_existing_empty_directory(run_dir: Path, tmp_path: Path) -> None:
    packed = pack(run_dir, tmp_path)
    dest = tmp_path / "empty"
    dest.mkdir()
    assert tree(safe_extract(packed, dest)) == tree(run_dir)


def test_extract_refuses_non_empty_or_file_destination(run_dir: Path, tmp_path: Path) -> None:
    packed = pack(run_dir, tmp_path)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(BundleError, match="not empty"):
        safe_extract(packed, busy)
    assert everything_under(busy) == {"keep.txt"}
    with pytest.raises(BundleError, match="empty directory or not exist"):
        safe_extract(packed, busy / "keep.txt")


# --- hostile archives ------------------------------------------------------------------------

Member = tuple[tarfile.TarInfo, bytes | None]


def info(name: str, kind: bytes = tarfile.REGTYPE, size: int = 0,
         linkname: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.size, member.linkname = kind, size, linkname
    member.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    return member


def regular(name: str, data: bytes = b"data") -> Member:
    return info(name, size=len(data)), data


def tar_bytes(members: list[Member]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in members:
            tar.addfile(member, None if data is None else io.BytesIO(data))
    return buffer.getvalue()


def write_gz(path: Path, payload: bytes) -> Path:
    path.write_bytes(gzip.compress(payload, mtime=0))
    return path


class Sandbox:
    """An archive and a destination side by side, to prove nothing escapes the destination."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.outside = root / "outside"
        self.outside.mkdir(parents=True)
        self.archive = root / "hostile.tar.gz"
        self.dest = root / "dest"

    def reject(self, payload: bytes, *, gz: bool = True, **limits: int) -> str:
        if gz:
            write_gz(self.archive, payload)
        else:
            self.archive.write_bytes(payload)
        with pytest.raises(BundleError) as caught:
            safe_extract(self.archive, self.dest, **limits)
        assert not self.dest.exists(), "a rejected extraction leaves no destination behind"
        assert everything_under(self.root) == {"outside", "hostile.tar.gz"}
        return str(caught.value)


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path / "sandbox")


def hostile_cases(outside: Path) -> dict[str, tuple[list[Member], str]]:
    """name -> (members, the member name the error must mention)."""
    top = (info("run", tarfile.DIRTYPE), None)
    return {
        "absolute": ([top, regular(str(outside / "abs.txt"))], str(outside / "abs.txt")),
        "dotdot": ([top, regular("run/../../outside/up.txt")], "run/../../outside/up.txt"),
        "dotdot-top": ([regular("../outside/up.txt")], "../outside/up.txt"),
        "symlink": ([top, (info("run/link", tarfile.SYMTYPE, linkname=str(outside)), None),
                     regular("run/link/through.txt")], "run/link"),
        "hardlink": ([top, regular("run/manifest.json"),
                      (info("run/hard", tarfile.LNKTYPE, linkname="run/manifest.json"), None)],
                     "run/hard"),
        "chardev": ([top, (info("run/null", tarfile.CHRTYPE), None)], "run/null"),
        "blockdev": ([top, (info("run/sda", tarfile.BLKTYPE), None)], "run/sda"),
        "fifo": ([top, (info("run/pipe", tarfile.FIFOTYPE), None)], "run/pipe"),
        "two-top-level": ([top, regular("run/a.json"), regular("other/b.json")],
                          "other/b.json"),
        "top-level-file": ([regular("manifest.json")], "manifest.json"),
        "duplicate": ([top, regular("run/a.json"), regular("run/a.json", b"evil")],
                      "run/a.json"),
        "file-then-child": ([top, regular("run/a"), regular("run/a/b")], "run/a/b"),
        "backslash": ([top, regular("run\\..\\..\\x")], "unsafe characters"),
    }


@pytest.mark.parametrize("case", list(hostile_cases(Path("/x"))))
def test_hostile_archives_are_rejected(sandbox: Sandbox, case: str) -> None:
    members, named = hostile_cases(sandbox.outside)[case]
    message = sandbox.reject(tar_bytes(members))
    assert named in message


def test_limits_name_the_member(sandbox: Sandbox) -> None:
    payload = tar_bytes([(info("run", tarfile.DIRTYPE), None), regular("run/small", b"x" * 5),
                         regular("run/big", b"y" * 50), regular("run/more", b"z" * 40)])
    assert "run/big" in sandbox.reject(payload, max_member_bytes=10)
    assert "run/more" in sandbox.reject(payload, max_total_bytes=60)
    assert "run/big" in sandbox.reject(payload, max_members=2)
    extracted = safe_extract(sandbox.archive, sandbox.dest, max_member_bytes=50,
                             max_total_bytes=95, max_members=4)
    assert (extracted / "big").read_bytes() == b"y" * 50


def raw_member(name: str, claimed: int, data: bytes) -> bytes:
    """A ustar header claiming ``claimed`` bytes followed by ``data`` padded to a block."""
    header = info(name, size=claimed).tobuf(tarfile.USTAR_FORMAT)
    padding = -len(data) % tarfile.BLOCKSIZE
    return header + data + b"\0" * padding


def test_header_claiming_more_than_the_data(sandbox: Sandbox) -> None:
    top = info("run", tarfile.DIRTYPE).tobuf(tarfile.USTAR_FORMAT)
    payload = top + raw_member("run/liar", 100_000, b"short") + b"\0" * 1024
    assert "run/liar" in sandbox.reject(payload)


def test_header_claiming_less_than_the_data(sandbox: Sandbox) -> None:
    top = info("run", tarfile.DIRTYPE).tobuf(tarfile.USTAR_FORMAT)
    payload = top + raw_member("run/liar", 5, b"A" * 2000) + b"\0" * 1024
    assert "corrupt" in sandbox.reject(payload)


def test_corrupt_later_header_is_not_a_silent_end(sandbox: Sandbox) -> None:
    payload = bytearray(tar_bytes([(info("run", tarfile.DIRTYPE), None), regular("run/a"),
                                   regular("run/b")]))
    second_file_header = 2 * tarfile.BLOCKSIZE + tarfile.BLOCKSIZE  # after run/ and run/a data
    assert payload[second_file_header:second_file_header + 5] == b"run/b"
    payload[second_file_header + 148] ^= 0x01  # checksum field
    assert "corrupt" in sandbox.reject(bytes(payload))


def test_missing_end_of_archive_marker(sandbox: Sandbox) -> None:
    top = info("run", tarfile.DIRTYPE).tobuf(tarfile.USTAR_FORMAT)
    assert "truncated" in sandbox.reject(top + raw_member("run/a", 4, b"data"))


def test_oversized_pax_header(sandbox: Sandbox) -> None:
    member = info("run", tarfile.DIRTYPE)
    member.pax_headers = {"comment": "x" * 500_000}
    assert "header" in sandbox.reject(tar_bytes([(member, None)]))


def test_empty_archive(sandbox: Sandbox) -> None:
    assert "empty" in sandbox.reject(tar_bytes([]))


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not-gzip", "plain-tar", "empty"])
def test_corrupt_files_are_rejected(run_dir: Path, sandbox: Sandbox, damage: str) -> None:
    good = pack(run_dir, sandbox.root.parent).read_bytes()
    payloads: dict[str, Callable[[], bytes]] = {
        "truncated": lambda: good[: len(good) // 2],
        "flipped": lambda: good[:2000] + bytes([good[2000] ^ 0xFF]) + good[2001:],
        "not-gzip": lambda: b"this is not an archive\n" * 10,
        "plain-tar": lambda: gzip.decompress(good),
        "empty": lambda: b"",
    }
    message = sandbox.reject(payloads[damage](), gz=False)
    assert str(sandbox.archive) in message or "corrupt" in message


# --- fuzzing ---------------------------------------------------------------------------------

SMALL_RUN = tar_bytes([(info("run", tarfile.DIRTYPE), None),
                       regular("run/manifest.json", b'{"a": 1}'),
                       (info("run/results", tarfile.DIRTYPE), None),
                       regular("run/results/results.json", b"[]" * 300),
                       regular("run/" + "n" * 120, b"long name")])


def check_mutation(payload: bytes) -> None:
    """Either a safe extraction inside dest or a BundleError; never anything else."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        source = root / "fuzz.tar.gz"
        source.write_bytes(payload)
        dest = root / "dest"
        try:
            extracted = safe_extract(source, dest, max_member_bytes=1 << 20,
                                     max_total_bytes=4 << 20, max_members=100)
        except BundleError:
            assert not dest.exists()
        else:
            assert extracted.parent == dest.resolve()
            for path in dest.rglob("*"):
                assert not path.is_symlink()
                assert path.is_file() or path.is_dir()
        assert {p.name for p in root.iterdir()} <= {"fuzz.tar.gz", "dest"}


mutations = st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)),
                     min_size=1, max_size=8)


def mutate(data: bytes, changes: list[tuple[int, int]], cut: int | None) -> bytes:
    buffer = bytearray(data)
    for position, value in changes:
        buffer[position % len(buffer)] = value
    return bytes(buffer if cut is None else buffer[: cut % len(buffer)])


FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(changes=mutations, cut=st.none() | st.integers(min_value=0))
def test_fuzz_compressed_bytes(changes: list[tuple[int, int]], cut: int | None) -> None:
    check_mutation(mutate(gzip.compress(SMALL_RUN, mtime=0), changes, cut))


@FUZZ
@given(changes=mutations, cut=st.none() | st.integers(min_value=0))
def test_fuzz_tar_bytes_behind_a_valid_gzip(changes: list[tuple[int, int]],
                                            cut: int | None) -> None:
    check_mutation(gzip.compress(mutate(SMALL_RUN, changes, cut), mtime=0))
