"""Every `govkit` command shown in the README runs, as written, against a seeded emulator.

The emulator runs in its own process with an AWS Organization holding a second account, so
`--org` and `--role-name` really assume a role into another account. The `make` commands are
run by CI itself (.ci/run runs `make demo` and `make test`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from govkit.demo.config_recorder import record
from govkit.demo.config_service import ConfigService
from tests.support.organisation import client, organisation

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def readme_commands() -> list[str]:
    commands = []
    for language, body in BLOCK.findall(README):
        if language == "console":
            commands += [line[2:].split("  #")[0].strip() for line in body.splitlines()
                         if line.startswith("$ govkit ")]
    return commands


def readme_files() -> dict[str, str]:
    """YAML blocks whose first line is a comment naming their file."""
    files = {}
    for language, body in BLOCK.findall(README):
        first, _, rest = body.partition("\n")
        if language == "yaml" and first.startswith("# ") and first.endswith(".yaml"):
            files[first[2:].strip()] = body
    return files


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with organisation(tmp_path_factory.mktemp("emulator"),
                      [("it@clinic.example", "Northbridge Clinic")]) as endpoint:
        client(endpoint, "s3").create_bucket(Bucket="nbh-evidence-archive",
                                             ObjectLockEnabledForBucket=True)
        yield endpoint


@pytest.fixture(scope="module")
def config_service(emulator: str) -> Iterator[ConfigService]:
    """AWS Config for the README's --via aws-config scan: an aggregator over both accounts
    in us-east-1, recording what the emulator holds."""
    accounts = [a["Id"] for a in client(emulator, "organizations").list_accounts()["Accounts"]]
    with ConfigService(sts_endpoint=emulator) as service:
        for account in accounts:
            service.recorder(account, "us-east-1")
            credentials = client(emulator, "sts").assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/GovkitReadOnly",
                RoleSessionName="recorder")["Credentials"]
            session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                                    aws_secret_access_key=credentials["SecretAccessKey"],
                                    aws_session_token=credentials["SessionToken"])
            record(service, session, endpoint_url=emulator, account=account,
                   regions=["us-east-1"], captured_at=dt.datetime.now(dt.timezone.utc))
        service.aggregator("org-hipaa", account="123456789012", region="us-east-1",
                           sources=[(a, "us-east-1") for a in accounts])
        yield service


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("readme")
    (work / "policies").symlink_to(REPO / "policies", target_is_directory=True)
    (work / "examples").symlink_to(REPO / "examples", target_is_directory=True)
    for name, text in readme_files().items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    (work / "aws-config").write_text("[profile audit]\nregion = us-east-1\n")
    (work / "aws-credentials").write_text(
        "[audit]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    return work


def test_readme_shows_both_newcomer_commands() -> None:
    head = README[:1500]
    assert "$ make demo" in head and "$ make test" in head


def test_readme_files_are_found() -> None:
    assert {"our-policies/access/vendor-users-tagged.yaml", "exceptions.yaml"} <= \
        set(readme_files())


def run_govkit(argv: list[str], emulator: str, workdir: Path,
               config: ConfigService | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    if config is not None:
        env["AWS_ENDPOINT_URL_CONFIG_SERVICE"] = config.url
    env.update(AWS_ENDPOINT_URL=emulator, AWS_CONFIG_FILE=str(workdir / "aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(workdir / "aws-credentials"),
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1")
    return subprocess.run([sys.executable, "-m", "govkit", *argv], check=False, cwd=workdir,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command: str, emulator: str, workdir: Path,
                             config_service: ConfigService) -> None:
    argv = shlex.split(command)
    process = run_govkit(argv[1:], emulator, workdir, config_service)
    assert "Traceback" not in process.stderr, process.stderr
    allowed = (0,) if argv[1] == "policies" else (0, 1)
    assert process.returncode in allowed, process.stdout[-3000:] + process.stderr[-3000:]


def test_org_scan_assumes_the_role_into_every_member_account(emulator: str,
                                                             workdir: Path) -> None:
    process = run_govkit(["scan", "--org", "--role-name", "GovkitReadOnly", "--regions",
                          "us-east-1", "--out", "org-runs", "--fail-on", "none"],
                         emulator, workdir)
    assert process.returncode == 0, process.stderr
    run = (workdir / "org-runs" / "latest").resolve()
    manifest = json.loads((run / "manifest.json").read_bytes())
    assert len(manifest["accounts"]) == 2
    assert manifest["sources"][0]["organization_accounts"] == manifest["accounts"]
    assert manifest["sources"][0]["role_name"] == "GovkitReadOnly"
    for account in manifest["accounts"]:
        assert (run / "snapshots" / account / "global" / "iam").is_dir(), account


def test_config_scan_reads_both_accounts_through_the_aggregator(
        workdir: Path, config_service: ConfigService) -> None:
    """Runs after the README's commands: the --via aws-config scan wrote config-runs."""
    run = (workdir / "config-runs" / "latest").resolve()
    source = json.loads((run / "manifest.json").read_bytes())["sources"][0]
    assert source["via"] == "aws-config"
    assert source["aws_config"]["aggregator"] == "org-hipaa"
    assert source["aws_config"]["gaps"] == []
    assert {r["from"] for r in source["aws_config"]["resources"]} == {"aws-config"}
    assert config_service.calls("SelectAggregateResourceConfig") >= 1


def auditor_script() -> str:
    section = README.split("### For auditors", 1)[1]
    return next(body for language, body in BLOCK.findall(section) if language == "sh")


def test_pushed_bundle_is_locked_for_six_years(emulator: str, workdir: Path) -> None:
    """Runs after the README's push command: the archive is in the bucket, locked."""
    s3 = boto3.client("s3", endpoint_url=emulator, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    head = s3.head_object(Bucket="nbh-evidence-archive", Key="2026-Q4/evidence.tar.gz",
                          ChecksumMode="ENABLED")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    days = (head["ObjectLockRetainUntilDate"] - head["LastModified"]).days
    assert 2189 <= days <= 2190
    digest = hashlib.sha256((workdir / "evidence.tar.gz").read_bytes()).digest()
    assert head["ChecksumSHA256"] == base64.b64encode(digest).decode()


def test_auditor_checks_a_bundle_with_openssl_alone(emulator: str, workdir: Path) -> None:
    """Runs after the README's commands (same file, in order): runs/latest is signed."""
    bundle = workdir / "runs" / "latest" / "attestations" / "govkit.sigstore.json"
    assert bundle.is_file(), "the README's signed scan did not run first"
    process = subprocess.run(["bash", "-euo", "pipefail", "-c", auditor_script()],
                             check=False, cwd=workdir, capture_output=True, text=True)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "Verified OK" in process.stdout
    flip = workdir / "runs" / "latest" / "manifest.json"
    original = flip.read_bytes()
    flip.write_bytes(original.replace(b'"period":"', b'"period":"X'))
    try:
        tampered = subprocess.run(["bash", "-euo", "pipefail", "-c", auditor_script()],
                                  check=False, cwd=workdir, capture_output=True, text=True)
    finally:
        flip.write_bytes(original)
    assert tampered.returncode != 0, "sha256sum must catch a changed file"
