"""Bad input on the command line: a clear message naming what is wrong, a documented exit code,
no traceback, and nothing written where the run would have gone."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.run import MANIFEST, Run
from tests.conftest import Estate
from tests.support.faultproxy import FaultProxy
from tests.test_cli import govkit


def assert_refused(process: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    output = process.stdout + process.stderr
    assert process.returncode == code, output
    assert "Traceback" not in output, output
    for needle in needles:
        assert needle in output, output


@pytest.mark.parametrize(("regions", "needles"), [
    ("us-east-9", ["unknown region us-east-9", "us-east-1"]),
    ("us-east-１", ["not an AWS region name", "us-east-１"]),
    ("us-east-1,ap-east-1", ["ap-east-1 is not enabled", "enable-region"]),
])
def test_regions_the_account_does_not_offer_are_refused_before_anything_is_written(
        estate: Estate, tmp_path: Path, regions: str, needles: list[str]) -> None:
    process = govkit("scan", "--regions", regions, "--out", "runs/q4",
                     endpoint_url=estate.endpoint_url, cwd=tmp_path)
    assert_refused(process, 2, *needles)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(("env", "needle"), [
    ({"AWS_MAX_ATTEMPTS": "abc"}, "AWS_MAX_ATTEMPTS"),
    ({"AWS_MAX_ATTEMPTS": "0"}, "AWS_MAX_ATTEMPTS must be from 1"),
    ({"AWS_RETRY_MODE": "eventually"}, "AWS_RETRY_MODE"),
])
def test_bad_standard_retry_settings_are_refused(estate: Estate, tmp_path: Path,
                                                 env: dict[str, str], needle: str) -> None:
    process = govkit("scan", "--regions", "us-east-1", "--out", "runs",
                     endpoint_url=estate.endpoint_url, cwd=tmp_path, extra_env=env)
    assert_refused(process, 2, needle)
    assert not (tmp_path / "runs").exists()


def test_max_attempts_out_of_range_is_a_usage_error(estate: Estate, tmp_path: Path) -> None:
    process = govkit("scan", "--regions", "us-east-1", "--max-attempts", "0", "--out", "runs",
                     endpoint_url=estate.endpoint_url, cwd=tmp_path)
    assert_refused(process, 2, "--max-attempts")
    assert not (tmp_path / "runs").exists()


@pytest.fixture
def proxy(estate: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=estate.endpoint_url) as running:
        yield running


def test_a_throttled_identity_call_says_throttled_not_credentials(proxy: FaultProxy,
                                                                  tmp_path: Path) -> None:
    proxy.inject_throttling("sts", "GetCallerIdentity")
    process = govkit("scan", "--regions", "us-east-1", "--out", "runs",
                     endpoint_url=proxy.endpoint_url, cwd=tmp_path,
                     extra_env={"AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard"})
    assert_refused(process, 3, "sts:GetCallerIdentity was throttled", "all 2 attempts")
    assert "credentials" not in process.stderr
    assert len(proxy.calls_for("sts", "GetCallerIdentity")) == 2  # AWS_MAX_ATTEMPTS honoured
    assert not (tmp_path / "runs").exists()


def test_report_of_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text("{}")
    process = govkit("report", "results.json", endpoint_url="http://127.0.0.1:9", cwd=tmp_path)
    assert_refused(process, 2, "results.json",
                   "neither a run directory nor a .tar.gz bundle archive")


def test_report_of_a_missing_folder_is_refused(tmp_path: Path) -> None:
    process = govkit("report", "runs/latest", endpoint_url="http://127.0.0.1:9", cwd=tmp_path)
    assert_refused(process, 2, "runs/latest", "no such run directory")


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("evaluated_at", "last tuesday", "evaluated_at"),
    ("evaluated_at", "2026-12-01T10:00:00", "evaluated_at"),
    ("started_at", 17, "started_at"),
    ("settings", {"phi_tag_values": "phi"}, "settings.phi_tag_values"),
])
def test_report_of_a_run_with_a_bad_manifest_names_the_field(
        demo_run: Run, tmp_path: Path, field: str, value: object, needle: str) -> None:
    copy = tmp_path / "run"
    shutil.copytree(demo_run.path, copy, symlinks=True)
    manifest = json.loads((copy / MANIFEST).read_text())
    manifest[field] = value
    (copy / MANIFEST).write_text(json.dumps(manifest))
    process = govkit("report", "run", endpoint_url="http://127.0.0.1:9", cwd=tmp_path)
    assert_refused(process, 2, "manifest.json", needle)
