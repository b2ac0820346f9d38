"""``govkit report`` as a user runs it: a run directory or a bundle archive, verified when a
key is given, each format to a file, a folder or stdout; bad requests are exit 2 naming what
to fix, and nothing is half-written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.report.conftest import STORED_BUNDLE

PUBLIC_KEY = STORED_BUNDLE.with_suffix("").with_suffix(".pub")


def govkit(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govkit", *map(str, args)], check=False,
                          capture_output=True, text=True, timeout=300, cwd=cwd,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_the_summary_of_a_bundle_archive_verified_with_its_key() -> None:
    process = govkit("report", STORED_BUNDLE, "--key", PUBLIC_KEY, "--fail-on", "none")
    assert process.returncode == 0, process.stderr
    assert "│  202 │  122 │     0 │      1 │" in process.stdout  # PASS FAIL ERROR WAIVED
    assert "VERIFIED" in process.stderr and "public key 3kxstwlQ3zte" in process.stderr


def test_a_wrong_key_is_not_verified_and_says_why(tmp_path: Path) -> None:
    made = govkit("keys", "generate", "--out", tmp_path / "other")
    assert made.returncode == 0, made.stderr
    process = govkit("report", STORED_BUNDLE, "--key", tmp_path / "other" / "govkit.pub",
                     "--fail-on", "none")
    assert process.returncode == 1
    assert "NOT VERIFIED" in process.stderr and "no signature" in process.stderr


def test_bad_requests_are_exit_2_naming_the_problem(tmp_path: Path) -> None:
    cases = [
        (("--format", "pdf"), "--format pdf: unknown"),
        (("--format", "table", "--format", "json"), "choose one"),
        (("--sample", "5"), "--sample and --seed go together"),
        (("--sample", "5", "--seed", "q4"), "add --format csv"),
        (("--fail-on", "severe"), "--fail-on"),
    ]
    for args, expected in cases:
        process = govkit("report", STORED_BUNDLE, *args)
        assert process.returncode == 2, (args, process.stderr)
        assert expected in process.stderr, (args, process.stderr)
        assert "Traceback" not in process.stderr
    missing = govkit("report", tmp_path / "nowhere")
    assert missing.returncode == 2 and "no such run directory or bundle archive" in \
        missing.stderr
    not_a_run = tmp_path / "notes.txt"
    not_a_run.write_text("hello")
    process = govkit("report", not_a_run)
    assert process.returncode == 2 and "neither a run directory nor" in process.stderr


def test_a_corrupt_archive_is_exit_2_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(STORED_BUNDLE.read_bytes()[:4000])
    process = govkit("report", broken)
    assert process.returncode == 2, process.stderr
    assert "broken.tar.gz" in process.stderr and "Traceback" not in process.stderr
    assert not list(tmp_path.glob("govkit-report-*"))
