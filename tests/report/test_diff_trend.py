"""``govkit diff`` and ``govkit trend`` on two scans of the demo estate, between which one
violation was fixed (a public EBS snapshot made private) and one made (a private snapshot made
public). The scans run in a process of their own, with their own emulator, so the shared demo
estate of the other tests is not touched."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
RULE = "ebs-snapshot-not-public"
TWO_SCANS = """
import json, sys, datetime as dt
from pathlib import Path
import boto3
from govkit.demo.server import MotoServer
from govkit.demo.estate import seed_estate
from govkit.demo.fixups import apply_backend_fixups
from govkit.demo.run import aws_environment
from govkit.run import RunOptions, scan
from tests.conftest import demo_request

out = Path(sys.argv[1])
now = dt.datetime.now(dt.timezone.utc)
with MotoServer() as server:
    seed_estate(server.endpoint_url, scale=1, now=now)
    apply_backend_fixups(now=now, scale=1)
    with aws_environment(server.endpoint_url):
        first = scan(demo_request(), RunOptions(out=out / "q4-week1"))
        ec2 = boto3.client("ec2", region_name="us-east-1")
        def public(snapshot):
            permissions = ec2.describe_snapshot_attribute(
                SnapshotId=snapshot, Attribute="createVolumePermission")
            return any(p.get("Group") == "all" for p in permissions["CreateVolumePermissions"])
        listed = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
        ids = sorted(s["SnapshotId"] for s in listed)
        fixed = next(s for s in ids if public(s))
        broken = next(s for s in ids if not public(s))
        ec2.modify_snapshot_attribute(SnapshotId=fixed, Attribute="createVolumePermission",
                                      OperationType="remove", GroupNames=["all"])
        ec2.modify_snapshot_attribute(SnapshotId=broken, Attribute="createVolumePermission",
                                      OperationType="add", GroupNames=["all"])
        second = scan(demo_request(), RunOptions(out=out / "q4-week2"))
print(json.dumps({"first": str(first.path), "second": str(second.path), "fixed": fixed,
                  "broken": broken}))
"""


def govkit(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govkit", *map(str, args)], check=False,
                          capture_output=True, text=True, timeout=300, cwd=REPO,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("scans")
    process = subprocess.run([sys.executable, "-c", TWO_SCANS, str(out)], cwd=REPO,
                             capture_output=True, text=True, timeout=600, check=False)
    assert process.returncode == 0, process.stderr[-3000:]
    found: dict[str, Any] = json.loads(process.stdout.strip().splitlines()[-1])
    found["out"] = out
    return found


def test_diff_names_the_fixed_and_the_new_violation(scans: dict[str, Any]) -> None:
    process = govkit("diff", scans["first"], scans["second"], "--format", "json")
    assert process.returncode == 1, process.stderr  # a new critical finding
    document = json.loads(process.stdout)
    new = {(c["rule_id"], c["resource_name"]) for c in document["new"]}
    resolved = {(c["rule_id"], c["resource_name"]) for c in document["resolved"]}
    assert new == {(RULE, scans["broken"])}
    assert resolved == {(RULE, scans["fixed"])}
    [change] = document["new"]
    assert change["before"]["status"] == "PASS" and change["after"]["status"] == "FAIL"
    assert 'grants the group "all"' in change["after"]["message"]
    assert document["rules_added"] == [] and document["resources_gone"] == []
    assert govkit("diff", scans["first"], scans["second"], "--fail-on", "none").returncode == 0


def test_diff_table_shows_both_changes(scans: dict[str, Any]) -> None:
    process = govkit("diff", scans["first"], scans["second"], "--fail-on", "none")
    assert process.returncode == 0, process.stderr
    assert "New findings (1)" in process.stdout and "Resolved (1)" in process.stdout
    assert scans["broken"] in process.stdout and scans["fixed"] in process.stdout


def test_trend_keeps_the_latest_run_of_the_period(scans: dict[str, Any]) -> None:
    process = govkit("trend", scans["out"] / "q4-week1", scans["out"] / "q4-week2",
                     "--format", "csv")
    assert process.returncode == 0, process.stderr
    rows = list(csv.DictReader(io.StringIO(process.stdout)))
    assert len(rows) == 1
    [row] = rows
    assert row["runs_in_period"] == "2"
    assert row["run_id"] == Path(scans["second"]).name
    summary = json.loads((Path(scans["second"]) / "results" / "results.json").read_text())
    assert int(row["FAIL"]) == summary["summary"]["by_status"]["FAIL"]
    assert int(row["fail_area_exposure"]) > 0


def test_a_folder_without_runs_is_exit_2(tmp_path: Path) -> None:
    process = govkit("trend", tmp_path)
    assert process.returncode == 2 and "holds no run directory or bundle archive" in \
        process.stderr


def test_trend_as_a_self_contained_page(scans: dict[str, Any]) -> None:
    process = govkit("trend", scans["out"] / "q4-week1", scans["out"] / "q4-week2",
                     "--format", "html")
    assert process.returncode == 0, process.stderr
    page = process.stdout
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "default-src 'none'" in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert f"{Path(scans['second']).name} (2 run(s))" in page
