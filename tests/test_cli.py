"""The CLI end to end, in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from govkit.results import validate_results
from govkit.run import RESULTS, write_results
from tests.conftest import Estate
from tests.support.faultproxy import FaultProxy

REPO = Path(__file__).resolve().parent.parent


def govkit_env(endpoint_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint_url,
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               COLUMNS="200")
    return env


def govkit(*args: str, endpoint_url: str, cwd: Path,
           extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = govkit_env(endpoint_url) | (extra_env or {})
    return subprocess.run([sys.executable, "-m", "govkit", *args], check=False, cwd=cwd,
                          text=True, capture_output=True, env=env, timeout=300)


SCAN = ("scan", "--regions", "us-east-1,us-west-2", "--out", "runs", "--workers", "8")


@pytest.fixture(scope="module")
def json_scan(estate: Estate, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[subprocess.CompletedProcess[str], Path]]:
    cwd = tmp_path_factory.mktemp("cli")
    yield govkit(*SCAN, "--format", "json", endpoint_url=estate.endpoint_url, cwd=cwd), cwd


def test_scan_prints_schema_valid_results_and_exits_1_on_failures(json_scan) -> None:  # type: ignore[no-untyped-def]
    process, cwd = json_scan
    assert process.returncode == 1, process.stderr
    document = json.loads(process.stdout)
    validate_results(document)
    assert document["summary"]["by_status"]["FAIL"] > 0
    assert "Traceback" not in process.stderr
    run_dir = cwd / "runs" / "latest"
    stored = json.loads((run_dir / RESULTS).read_bytes())
    assert stored == document
    assert "Results by status" in process.stderr and "Run directory:" in process.stderr


def test_stored_run_re_evaluates_to_the_same_bytes(json_scan) -> None:  # type: ignore[no-untyped-def]
    _, cwd = json_scan
    run_dir = (cwd / "runs" / "latest").resolve()
    before = (run_dir / RESULTS).read_bytes()
    write_results(run_dir)
    assert (run_dir / RESULTS).read_bytes() == before


def test_report_on_a_stored_run(json_scan, estate: Estate) -> None:  # type: ignore[no-untyped-def]
    _, cwd = json_scan
    process = govkit("report", "runs/latest", "--fail-on", "none",
                     endpoint_url=estate.endpoint_url, cwd=cwd)
    assert process.returncode == 0, process.stderr
    assert "Worst findings" in process.stdout


@pytest.mark.parametrize(("args", "words"), [
    (("--regions", "us-east-1", "--fail-on", "urgent"), "--fail-on"),
    (("--regions", "moon-base-1"), "not an AWS region name"),
    (("--regions", "us-east-1", "--param", "no-such-rule.days=3"), "unknown rule"),
    (("--regions", "us-east-1", "--param", "broken"), "RULE_ID.NAME=VALUE"),
    (("--regions", "us-east-1", "--accounts", "111122223333"), "--role-name"),
    (("--regions", "us-east-1", "--policies", "missing-folder"), "does not exist"),
])
def test_usage_errors_exit_2_without_traceback(estate: Estate, tmp_path: Path,
                                               args: tuple[str, ...], words: str) -> None:
    process = govkit("scan", "--out", "runs", *args, endpoint_url=estate.endpoint_url,
                     cwd=tmp_path)
    assert process.returncode == 2, process.stdout + process.stderr
    assert words in process.stderr
    assert "Traceback" not in process.stderr
    assert not list((tmp_path / "runs").glob("*")) if (tmp_path / "runs").exists() else True


def test_bad_exceptions_file_is_rejected_before_scanning(estate: Estate, tmp_path: Path) -> None:
    (tmp_path / "exceptions.yaml").write_text(
        "exceptions:\n  - rule: x\n    resource: '*'\n    owner: me@example.org\n"
        "    reason: because we said so\n    ticket: T-1\n    expires: soon\n")
    process = govkit(*SCAN, "--exceptions", "exceptions.yaml",
                     endpoint_url=estate.endpoint_url, cwd=tmp_path)
    assert process.returncode == 2
    assert "exceptions.yaml:7" in process.stderr and "expires" in process.stderr
    assert "Traceback" not in process.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_unreachable_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    process = govkit(*SCAN, endpoint_url="http://127.0.0.1:9", cwd=tmp_path)
    assert process.returncode == 2
    assert "sts:GetCallerIdentity" in process.stderr
    assert "Traceback" not in process.stderr


def test_denied_call_exits_3_and_names_the_call(estate: Estate, tmp_path: Path) -> None:
    with FaultProxy(upstream=estate.endpoint_url) as proxy:
        proxy.inject("workspaces-web", "GetUserSettings", "AccessDeniedException")
        process = govkit(*SCAN, "--fail-on", "none", endpoint_url=proxy.endpoint_url,
                         cwd=tmp_path)
    assert process.returncode == 3, process.stdout + process.stderr
    assert "workspaces-web:GetUserSettings" in process.stdout
    assert "AccessDeniedException" in process.stdout


def test_policies_test_runs_every_rule_case(tmp_path: Path) -> None:
    process = govkit("policies", "test", endpoint_url="http://127.0.0.1:9", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    assert " 0 failed" in process.stdout


def test_policies_validate_reports_file_and_line(tmp_path: Path) -> None:
    rule = tmp_path / "mine" / "access" / "broken.yaml"
    rule.parent.mkdir(parents=True)
    rule.write_text("id: broken\ntitle: A broken rule\nresource: aws.iam.user\n"
                    "severity: high\nassert: {key: 'Tags.[', op: present}\n")
    process = govkit("policies", "validate", "mine", endpoint_url="http://127.0.0.1:9",
                     cwd=tmp_path)
    assert process.returncode == 2
    assert "broken.yaml:" in process.stderr
    assert "Traceback" not in process.stderr


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    process = govkit("policies", "list", "--bogus", endpoint_url="http://127.0.0.1:9",
                     cwd=tmp_path)
    assert process.returncode == 2
    assert "No such option" in process.stderr and "Traceback" not in process.stderr
