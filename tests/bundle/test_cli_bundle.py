"""Bundle commands end to end in subprocesses: keys, sign, pack, verify and their exit codes."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Estate
from tests.test_cli import govkit

OFFLINE = "http://127.0.0.1:9"  # no AWS is needed for keys, signing and verifying


def run(*args: str, cwd: Path,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return govkit(*args, endpoint_url=OFFLINE, cwd=cwd, extra_env=env)


def test_keys_generate_writes_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    process = run("keys", "generate", "--out", "keys", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    private = tmp_path / "keys" / "govkit.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"BEGIN PUBLIC KEY" in (tmp_path / "keys" / "govkit.pub").read_bytes()
    again = run("keys", "generate", "--out", "keys", cwd=tmp_path)
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr


def test_encrypted_key_needs_its_passphrase(run_copy: Path, tmp_path: Path) -> None:
    made = run("keys", "generate", "--out", "keys", "--algorithm", "ed25519",
               "--passphrase-env", "GOVKIT_TEST_PASS", cwd=tmp_path,
               env={"GOVKIT_TEST_PASS": "correct horse"})
    assert made.returncode == 0, made.stderr
    assert b"ENCRYPTED" in (tmp_path / "keys" / "govkit.key").read_bytes()
    without = run("bundle", "sign", str(run_copy), "--key", "keys/govkit.key", cwd=tmp_path)
    assert without.returncode == 2 and "--passphrase-env" in without.stderr
    wrong = run("bundle", "sign", str(run_copy), "--key", "keys/govkit.key",
                "--passphrase-env", "GOVKIT_TEST_PASS", cwd=tmp_path,
                env={"GOVKIT_TEST_PASS": "wrong"})
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    signed = run("bundle", "sign", str(run_copy), "--key", "keys/govkit.key",
                 "--passphrase-env", "GOVKIT_TEST_PASS", cwd=tmp_path,
                 env={"GOVKIT_TEST_PASS": "correct horse"})
    assert signed.returncode == 0, signed.stderr
    verified = run("verify", str(run_copy), "--key", "keys/govkit.pub", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout


def test_sign_verify_pack_and_tamper(run_copy: Path, tmp_path: Path) -> None:
    assert run("keys", "generate", "--out", "keys", cwd=tmp_path).returncode == 0
    signed = run("bundle", "sign", str(run_copy), "--key", "keys/govkit.key", cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    verified = run("verify", str(run_copy), "--key", "keys/govkit.pub", "--replay",
                   cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    for line in ("signature", "files", "manifest", "replay", "VERIFIED"):
        assert line in verified.stdout
    packed = run("bundle", "pack", str(run_copy), "--out", "bundle.tar.gz", cwd=tmp_path)
    assert packed.returncode == 0, packed.stderr
    from_archive = run("verify", "bundle.tar.gz", "--key", "keys/govkit.pub", cwd=tmp_path)
    assert from_archive.returncode == 0, from_archive.stdout + from_archive.stderr
    (run_copy / "results" / "results.json").write_text("{}")
    tampered = run("verify", str(run_copy), "--key", "keys/govkit.pub", cwd=tmp_path)
    assert tampered.returncode == 1
    assert "results/results.json" in tampered.stdout and "NOT VERIFIED" in tampered.stdout


@pytest.mark.parametrize(("args", "words"), [
    (("verify", "nowhere", "--key", "keys/govkit.pub"), "no such file"),
    (("verify", "manifest.json", "--key", "keys/govkit.pub"), "neither a run directory"),
    (("verify", ".", "--key", "manifest.json"), "not a PEM public key"),
    (("verify", "."), "--identity"),
    (("bundle", "sign", ".", "--key", "keys/govkit.key", "--sigstore"), "choose one signer"),
    (("bundle", "sign", "."), "--kms-key-id"),
])
def test_bad_input_exits_2(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    run("keys", "generate", "--out", "keys", cwd=tmp_path)
    (tmp_path / "manifest.json").write_text("{}")
    process = run(*args, cwd=tmp_path)
    assert process.returncode == 2, process.stdout + process.stderr
    assert words in process.stderr and "Traceback" not in process.stderr


def test_scan_signs_its_run(estate: Estate, tmp_path: Path) -> None:
    assert run("keys", "generate", "--out", "keys", cwd=tmp_path).returncode == 0
    scanned = govkit("scan", "--regions", "us-east-1", "--out", "runs", "--fail-on", "none",
                     "--sign-key", "keys/govkit.key", endpoint_url=estate.endpoint_url,
                     cwd=tmp_path)
    assert scanned.returncode == 0, scanned.stderr
    assert (tmp_path / "runs" / "latest" / "attestations" / "govkit.sigstore.json").is_file()
    verified = run("verify", "runs/latest", "--key", "keys/govkit.pub", "--replay",
                   cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout
