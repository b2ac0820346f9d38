"""Sharded scans merged into one run: the same results, entry for entry, as one unsharded scan
of the same organisation at the same evaluation time; anything but the complete set of one
scan's shards is refused, naming the shard.

The emulated organisation: the demo estate in the management account and two member accounts,
scanned in two regions through the role govkit assumes in each, with the shards run as
parallel processes as a job engine would run them.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from govkit.bundle import keys
from tests.support.organisation import client, organisation

EVALUATED_AT = "2026-12-02T12:00:00Z"
SCAN = ["--org", "--role-name", "GovkitReadOnly", "--regions", "us-east-1,us-west-2",
        "--evaluated-at", EVALUATED_AT, "--fail-on", "none"]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with organisation(tmp_path_factory.mktemp("emulator"),
                      [("it@east.example", "East Clinic"),
                       ("it@west.example", "West Clinic")]) as endpoint:
        # the key the AWS Batch example signs with, there before any scan
        kms = client(endpoint, "kms")
        key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        kms.create_alias(AliasName="alias/govkit-signing", TargetKeyId=key["KeyId"])
        yield endpoint


def _env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return env


def govkit(endpoint: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govkit", *args], cwd=cwd, env=_env(endpoint),
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def work(emulator: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An unsharded scan, and the same scan as three shards run at once, each signed."""
    root = tmp_path_factory.mktemp("sharded")
    keys.generate(root / "keys")
    whole = govkit(emulator, "scan", *SCAN, "--out", "whole", cwd=root)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    jobs = [subprocess.Popen([sys.executable, "-m", "govkit", "scan", *SCAN,
                              "--shard", "3", "--out", f"shard{index}",
                              "--sign-key", str(root / "keys" / "govkit.key")],
                             cwd=root, env={**_env(emulator), "JOB_COMPLETION_INDEX":
                                            str(index - 1)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for index in (1, 2, 3)]
    for job in jobs:
        stdout, stderr = job.communicate(timeout=600)
        assert job.returncode == 0, stdout + stderr
        assert "its results are partial" in stdout
    return root


def _results(run: Path) -> list[dict[str, object]]:
    return json.loads((run / "results" / "results.json").read_text())["results"]


def _verdicts(run: Path) -> list[tuple[object, object, object]]:
    """Each result's rule, resource and status: what the examples (evaluated when they run,
    not at one fixed time) must agree with the unsharded scan on."""
    return [(r["rule_id"], r["resource_id"], r["status"]) for r in _results(run)]


def test_merged_run_equals_the_unsharded_scan(emulator: str, work: Path) -> None:
    merged = govkit(emulator, "merge", "shard1/latest", "shard2/latest", "shard3/latest",
                    "--out", "merged", "--fail-on", "none", cwd=work)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    whole, combined = work / "whole" / "latest", work / "merged" / "latest"
    assert _results(combined) == _results(whole)
    manifest = json.loads((combined / "manifest.json").read_text())
    assert manifest["evaluated_at"] == EVALUATED_AT
    assert len(manifest["accounts"]) == 3
    assert [m["index"] for m in manifest["merged_from"]] == [1, 2, 3]
    assert "shard" not in manifest
    whole_manifest = json.loads((whole / "manifest.json").read_text())
    assert manifest["accounts"] == whole_manifest["accounts"]
    assert manifest["regions"] == whole_manifest["regions"]
    # the same calls (a poll of the credential report may be answered at once or not: how
    # often it was asked is timing, not partition)
    assert _calls(combined) == _calls(whole)
    assert manifest["sources"][0]["api_calls"] == len(json.loads(
        (combined / "snapshots" / "index.json").read_text())["calls"])


def _calls(run: Path) -> set[tuple[str, str, str, str, str]]:
    calls = json.loads((run / "snapshots" / "index.json").read_text())["calls"]
    return {(c["account"], c["region"], c["service"], c["operation"],
             json.dumps(c["params"], sort_keys=True)) for c in calls}


def test_each_shard_holds_only_its_partition(work: Path) -> None:
    files = [{e["file"] for e in json.loads(
        (work / f"shard{i}" / "latest" / "snapshots" / "index.json").read_text())["calls"]
        if e["operation"] not in ("DescribeRegions", "ListAccounts",
                                  "ReadHipaaEligibleServices")} for i in (1, 2, 3)]
    assert all(files)
    assert not (files[0] & files[1] or files[0] & files[2] or files[1] & files[2])


def test_a_missing_shard_is_named(emulator: str, work: Path) -> None:
    process = govkit(emulator, "merge", "shard1/latest", "shard3/latest", "--out", "partial",
                     cwd=work)
    assert process.returncode == 2
    assert "missing 2/3" in process.stderr and "Traceback" not in process.stderr
    assert not (work / "partial").exists()


def test_a_duplicated_shard_is_named(emulator: str, work: Path) -> None:
    process = govkit(emulator, "merge", "shard1/latest", "shard2/latest", "shard2/latest",
                     "shard3/latest", "--out", "twice", cwd=work)
    assert process.returncode == 2
    assert "shard 2/3 is given twice" in process.stderr


def test_a_shard_of_another_scan_is_refused(emulator: str, work: Path) -> None:
    other = [a if a != "us-east-1,us-west-2" else "us-east-1" for a in SCAN]
    made = govkit(emulator, "scan", *other, "--shard", "2/3", "--out", "other", cwd=work)
    assert made.returncode == 0, made.stderr
    process = govkit(emulator, "merge", "shard1/latest", "other/latest", "shard3/latest",
                     "--out", "foreign", cwd=work)
    assert process.returncode == 2
    assert "other/latest" in process.stderr and "of a different scan" in process.stderr


def test_signed_shard_archives_are_verified_before_merging(emulator: str, work: Path) -> None:
    archives = []
    for index in (1, 2, 3):
        packed = govkit(emulator, "bundle", "pack", f"shard{index}/latest", "--out",
                        f"shard{index}.tar.gz", cwd=work)
        assert packed.returncode == 0, packed.stderr
        archives.append(f"shard{index}.tar.gz")
    good = govkit(emulator, "merge", *archives, "--verify-key", "keys/govkit.pub",
                  "--out", "from-archives", "--fail-on", "none", "--sign-key",
                  "keys/govkit.key", cwd=work)
    assert good.returncode == 0, good.stdout + good.stderr
    assert _results(work / "from-archives" / "latest") == _results(work / "whole" / "latest")
    verified = govkit(emulator, "verify", "from-archives/latest", "--key",
                      "keys/govkit.pub", cwd=work)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    tampered = work / "tampered"
    shutil.copytree(work / "shard2" / "latest", tampered, symlinks=True)
    index = json.loads((tampered / "snapshots" / "index.json").read_text())
    record = tampered / index["calls"][-1]["file"]
    record.write_bytes(record.read_bytes().replace(b'"ok"', b'"OK"', 1))
    refused = govkit(emulator, "merge", "shard1/latest", "tampered", "shard3/latest",
                     "--verify-key", "keys/govkit.pub", "--out", "refused", cwd=work)
    assert refused.returncode == 2
    assert "tampered" in refused.stderr and "does not verify" in refused.stderr


# ---------------------------------------------------------------------- the docs' examples

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "sharding"
PASSPHRASE = "GOVKIT_SIGNING_PASSPHRASE"


def _commands(script: str, **values: str) -> list[list[str]]:
    """The govkit command lines of a shell step (``a && b``), with the job engine's
    variables and the matrix value filled in as the engine would; other tools (the AWS CLI
    moving files to and from S3) are left out."""
    for name, value in values.items():
        script = script.replace(f"${{{{ matrix.{name} }}}}", value).replace(f"${name}", value)
    return [shlex.split(part)[1:] for part in script.split("&&")
            if shlex.split(part)[:1] == ["govkit"]]


def _start(emulator: str, folder: Path, lines: list[list[str]], keys_dir: Path,
           **extra: str) -> subprocess.Popen[str]:
    """One job (a pod, a Batch job, a runner): its govkit commands in order, in its folder,
    the signing key where the example mounts it."""
    folder.mkdir(parents=True, exist_ok=True)
    script = " && ".join(shlex.join([sys.executable, "-m", "govkit",
                                     *(a.replace("/keys/", f"{keys_dir}/") for a in line)])
                         for line in lines)
    return subprocess.Popen(["sh", "-c", script], cwd=folder, text=True,
                            env={**_env(emulator), PASSPHRASE: "correct horse", **extra},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait(*jobs: subprocess.Popen[str]) -> None:
    for job in jobs:
        stdout, stderr = job.communicate(timeout=600)
        assert job.returncode == 0, stdout + stderr


@pytest.fixture(scope="module")
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    os.environ[PASSPHRASE] = "correct horse"
    try:
        keys.generate(folder, passphrase_env=PASSPHRASE)
    finally:
        del os.environ[PASSPHRASE]
    return folder


def test_kubernetes_indexed_job_then_merge_job(emulator: str, signing_keys: Path,
                                               tmp_path: Path, work: Path) -> None:
    scan_job = yaml.safe_load((EXAMPLES / "kubernetes-indexed-job.yaml").read_text())
    merge_job = yaml.safe_load((EXAMPLES / "kubernetes-merge-job.yaml").read_text())
    spec = scan_job["spec"]
    assert spec["completionMode"] == "Indexed"
    (container,) = spec["template"]["spec"]["containers"]
    pods = [tmp_path / f"pod-{i}" for i in range(spec["completions"])]
    _wait(*(_start(emulator, pod, _commands(container["args"][0], JOB_COMPLETION_INDEX=str(i)),
                   signing_keys, JOB_COMPLETION_INDEX=str(i)) for i, pod in enumerate(pods)))
    merge = tmp_path / "merge"
    merge.mkdir()
    for index, pod in enumerate(pods):  # what `aws s3 cp` uploads, then brings down
        shutil.copy(pod / "shard.tar.gz", merge / f"shard-{index}.tar.gz")
    (merger,) = merge_job["spec"]["template"]["spec"]["containers"]
    lines = [line for line in _commands(merger["args"][0]) if line[:2] != ["bundle", "push"]]
    _wait(_start(emulator, merge, lines, signing_keys))
    assert _verdicts(merge / "runs" / "latest") == _verdicts(work / "whole" / "latest")


def test_aws_batch_array_job(emulator: str, signing_keys: Path, tmp_path: Path) -> None:
    """The job definition's command, run as array members 0 and 3 of 4 (the Kubernetes and
    GitHub examples merge a whole set; this one's merge is the same command)."""
    example = json.loads((EXAMPLES / "aws-batch-array-job.json").read_text())
    size = example["submitJob"]["arrayProperties"]["size"]
    shell, flag, script = example["jobDefinition"]["containerProperties"]["command"]
    assert (shell, flag) == ("sh", "-c") and size == 4
    members = {index: tmp_path / f"member-{index}" for index in (0, size - 1)}
    _wait(*(_start(emulator, folder, _commands(script, AWS_BATCH_JOB_ARRAY_INDEX=str(index)),
                   signing_keys, AWS_BATCH_JOB_ARRAY_INDEX=str(index))
            for index, folder in members.items()))
    # moto's kms:Sign hashes a DIGEST message once more, so its signatures verify against
    # no digest (real KMS signs the digest given): the shard is checked to be signed, and
    # signature checks run on key-signed shards above
    for index, folder in members.items():
        listing = subprocess.run(["tar", "-tzf", "shard.tar.gz"], cwd=folder,
                                 capture_output=True, text=True, check=True).stdout
        assert "attestations/govkit.sigstore.json" in listing
        shard = json.loads(subprocess.run(
            ["tar", "-xzOf", "shard.tar.gz", "--wildcards", "*/manifest.json"], cwd=folder,
            capture_output=True, check=True).stdout)["shard"]
        assert (shard["index"], shard["count"]) == (index + 1, size)


def test_github_actions_matrix(emulator: str, signing_keys: Path, tmp_path: Path,
                               work: Path) -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-actions-matrix.yml").read_text())
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    values = [str(v) for v in shard_job["strategy"]["matrix"]["shard"]]
    steps = [step["run"] for step in shard_job["steps"] if "run" in step]
    runners = [tmp_path / f"runner-{v}" for v in values]
    _wait(*(_start(emulator, runner, [line for step in steps
                                      for line in _commands(step, shard=value)],
                   signing_keys) for value, runner in zip(values, runners, strict=True)))
    merge = tmp_path / "merge"
    merge.mkdir()
    for value, runner in zip(values, runners, strict=True):  # upload- and download-artifact
        shutil.copy(runner / f"shard-{value}.tar.gz", merge)
    # keyless signing needs the runner's OIDC token: run the merge unsigned here
    lines = [[a for a in line if a != "--sigstore"] for step in merge_job["steps"]
             if "run" in step for line in _commands(step["run"])]
    _wait(_start(emulator, merge, lines, signing_keys))
    assert _verdicts(merge / "runs" / "latest") == _verdicts(work / "whole" / "latest")
