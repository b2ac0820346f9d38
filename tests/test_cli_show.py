"""`govkit show RUN ID` end to end, in a subprocess, on a run scanned from the seeded emulator
with one call denied (iam:ListAccessKeys), so the run holds FAIL and ERROR results."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from govkit.run import RESULTS
from tests.conftest import Estate
from tests.support.faultproxy import FaultProxy
from tests.test_cli import SCAN, govkit

Scanned = tuple[Path, Path, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def scanned(estate: Estate, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    cwd = tmp_path_factory.mktemp("show")
    with FaultProxy(upstream=estate.endpoint_url) as proxy:
        proxy.inject("iam", "ListAccessKeys", "AccessDenied")
        process = govkit(*SCAN, "--fail-on", "none", endpoint_url=proxy.endpoint_url, cwd=cwd)
    assert process.returncode == 3, process.stdout + process.stderr
    run = (cwd / "runs" / "latest").resolve()
    return cwd, run, json.loads((run / RESULTS).read_bytes())["results"]


def result(scanned: Scanned, rule_id: str, name: str) -> dict[str, Any]:
    return next(r for r in scanned[2] if r["rule_id"] == rule_id and r["resource_name"] == name)


def show(scanned: Scanned, *args: str, run: str = "runs/latest") -> Any:
    return govkit("show", run, *args, endpoint_url="http://127.0.0.1:9", cwd=scanned[0])


def test_a_failed_check_is_shown_with_its_rule_resource_and_records(scanned: Scanned) -> None:
    found = result(scanned, "s3-bucket-not-public", "nbh-public-website-assets")
    process = show(scanned, found["id"])
    assert process.returncode == 0, process.stderr
    out = process.stdout
    assert f"Result {found['id']} of run {scanned[1].name}" in out
    assert "s3-bucket-not-public: " in out and "FAIL (critical)" in out
    assert "nbh-public-website-assets (aws.s3.bucket)" in out
    assert "arn:aws:s3:::nbh-public-website-assets" in out
    assert "account 123456789012, region us-east-1" in out
    assert all(control in out for control in found["controls"])
    assert found["message"].split(" (")[0] in out
    assert "remediation" in out
    assert re.search(r"Public  snapshots/\S+/s3/GetBucketPolicy\.\S+\.json#/response/Policy",
                     out), out
    assert "s3:GetBucketPolicy (Bucket=nbh-public-website-assets) in 123456789012/" in out
    assert "(JSON text, shown parsed)" in out  # the bucket policy, as AWS returns it
    assert '"Principal": "*"' in out  # its statement that makes the bucket public
    assert "Traceback" not in process.stderr


def test_an_error_is_shown_with_the_failed_call(scanned: Scanned) -> None:
    found = result(scanned, "iam-user-access-key-rotated", "rpatel.nbh")
    assert found["status"] == "ERROR"
    process = show(scanned, found["id"][:8])
    assert process.returncode == 0, process.stderr
    out = process.stdout
    assert "ERROR (medium)" in out and "iam:ListAccessKeys" in found["message"]
    assert re.search(r"ActiveAccessKeys  snapshots/\S+/iam/ListAccessKeys\.\S+#/error_message",
                     out), out
    assert "iam:ListAccessKeys (UserName=rpatel.nbh, page=1) in 123456789012/global: " \
           "answered with error AccessDenied" in out
    assert "failed call" in out


def test_a_credential_report_finding_prints_the_users_row(scanned: Scanned) -> None:
    found = result(scanned, "iam-user-console-password-unused", "lchen.nbh")
    assert found["status"] == "FAIL"
    process = show(scanned, found["id"])
    assert process.returncode == 0, process.stderr
    assert "#/response/Content (row " in process.stdout
    assert "line 1 user,arn,user_creation_time," in process.stdout
    assert re.search(r"line \d+ lchen\.nbh,arn:aws:iam::123456789012:user/lchen\.nbh,",
                     process.stdout), process.stdout
    as_json = show(scanned, found["id"], "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["result"]["id"] == found["id"]
    assert document["rule"]["remediation"]
    [record] = [r for r in document["records"] if r["attribute"] == "PasswordLastUsed"]
    assert record["value"]["user"] == "lchen.nbh" and record["row"] > 1
    assert record["call"]["operation"] == "GetCredentialReport"


def test_the_summary_lists_ids_to_show(scanned: Scanned) -> None:
    process = govkit("report", "runs/latest", "--fail-on", "none",
                     endpoint_url="http://127.0.0.1:9", cwd=scanned[0])
    fails = {r["id"] for r in scanned[2] if r["status"] == "FAIL"}
    assert any(f"│ {i} │" in process.stdout for i in fails), process.stdout
    assert "govkit show" in process.stdout


def refused(process: Any, *words: str) -> None:
    assert process.returncode == 2, process.stdout + process.stderr
    assert "Traceback" not in process.stderr
    said = process.stderr.replace("\n", "")  # long paths wrap
    for word in words:
        assert word in said, process.stderr


def test_unknown_and_short_ids_are_refused(scanned: Scanned) -> None:
    refused(show(scanned, "ffffffffffff"), "runs/latest", "no result with id 'ffffffffffff'")
    refused(show(scanned, "abc"), "too short")
    refused(show(scanned, scanned[2][0]["id"], "--format", "yaml"), "--format")


def test_an_ambiguous_prefix_lists_the_candidates(scanned: Scanned, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(scanned[1], copy)
    document = json.loads((copy / RESULTS).read_bytes())
    first, second = document["results"][:2]
    first["id"], second["id"] = "abcdef000001", "abcdef000002"
    (copy / RESULTS).write_text(json.dumps(document))
    refused(show(scanned, "abcdef", run=str(copy)), "ambiguous", "abcdef000001",
            "abcdef000002", first["rule_id"])


def test_a_folder_that_is_not_a_run_is_refused(scanned: Scanned, tmp_path: Path) -> None:
    refused(show(scanned, "abcdef", run=str(tmp_path)), str(tmp_path), "not a run directory")
    refused(show(scanned, "abcdef", run=str(tmp_path / "nope")), "no such run directory")


def test_a_missing_record_file_is_named(scanned: Scanned, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(scanned[1], copy)
    found = result(scanned, "s3-bucket-not-public", "nbh-public-website-assets")
    (copy / found["records"][0]["file"]).unlink()
    refused(show(scanned, found["id"], run=str(copy)), found["records"][0]["file"],
            "missing")
