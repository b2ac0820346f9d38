"""Gate benchmark: ``govkit gate`` on a generated plan of 10,000 resources, side by side with
``checkov -f plan.json --framework terraform_plan`` on the same file in the same run.

The plan is written in the shape of ``terraform show -json`` (format 1.2, one line, as
Terraform writes it): per unit of ten resources, a KMS key, a PHI bucket with its encryption,
versioning, public access block, policy and logging resources, an IAM role with a policy
attachment and an EBS volume; every fifth bucket misses its encryption and versioning
resources (findings), and the buckets' ids are unknown until apply, as in a real first plan.
Each tool runs in its own process; the figures are its wall time and peak RSS. Target: govkit
at most 0.1x checkov's wall time.

    python benchmarks/gate_plan.py [--resources 10000] [--mib 60] [--checkov PATH]

checkov is looked for at --checkov, then on PATH; when it is not installed the govkit figures
are printed alone (``make bench-checkov`` installs it in a separate environment).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sources.terraform.planbuilder import Planned, plan

MEASURE = """
import resource, subprocess, sys, time
began = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
elapsed = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{elapsed:.2f} {peak:.0f} {code}")
"""
PHI = {"data_classification": "phi", "managed_by": "terraform"}


def unit(number: int) -> list[Planned]:
    """Ten resources: a key, a bucket and its five settings, a role, its attachment, a
    volume."""
    name = f"u{number}"
    bucket_ref = {"bucket": [f"aws_s3_bucket.{name}.id", f"aws_s3_bucket.{name}"]}
    findings = number % 5 == 0
    out = [
        Planned("aws_kms_key", name, {"description": f"unit {number}",
                                      "enable_key_rotation": not findings,
                                      "is_enabled": True, "tags_all": PHI},
                unknown=["arn", "id", "key_id"]),
        Planned("aws_s3_bucket", name, {"bucket": f"nbh-phi-{number:05d}", "tags_all": PHI,
                                        "force_destroy": False},
                unknown=["arn", "id", "policy", "versioning", "logging", "grant",
                         "server_side_encryption_configuration", "object_lock_configuration"]),
        Planned("aws_s3_bucket_public_access_block", name, {
            "block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
            "restrict_public_buckets": True}, unknown=["bucket", "id"], refs=bucket_ref),
        Planned("aws_s3_bucket_policy", name, {"policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::nbh-phi-{number:05d}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})},
            unknown=["bucket", "id"], refs=bucket_ref),
        Planned("aws_s3_bucket_logging", name, {"target_bucket": "nbh-access-logs",
                                                "target_prefix": f"{name}/"},
                unknown=["bucket", "id"], refs=bucket_ref),
        Planned("aws_iam_role", name, {"name": f"support-{number}", "path": "/",
                                       "assume_role_policy": json.dumps({
                                           "Version": "2012-10-17", "Statement": [{
                                               "Effect": "Allow", "Action": "sts:AssumeRole",
                                               "Principal": {"Service": "ec2.amazonaws.com"}}]}),
                                       "tags_all": PHI},
                unknown=["arn", "id", "unique_id"]),
        Planned("aws_iam_role_policy_attachment", name, {
            "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
            unknown=["id", "role"], refs={"role": [f"aws_iam_role.{name}.name",
                                                  f"aws_iam_role.{name}"]}),
        Planned("aws_ebs_volume", name, {"availability_zone": "us-east-1a", "size": 20,
                                         "encrypted": not findings, "tags_all": PHI},
                unknown=["arn", "id", "kms_key_id"]),
    ]
    if not findings:
        out += [
            Planned("aws_s3_bucket_server_side_encryption_configuration", name, {
                "rule": [{"apply_server_side_encryption_by_default": [
                    {"sse_algorithm": "aws:kms"}], "bucket_key_enabled": True}]},
                unknown=["bucket", "id",
                         "rule.0.apply_server_side_encryption_by_default.0.kms_master_key_id"],
                refs={**bucket_ref,
                      "rule.0.apply_server_side_encryption_by_default.0.kms_master_key_id":
                          [f"aws_kms_key.{name}.arn", f"aws_kms_key.{name}"]}),
            Planned("aws_s3_bucket_versioning", name, {
                "versioning_configuration": [{"status": "Enabled"}]},
                unknown=["bucket", "id"], refs=bucket_ref)]
    return out


def write_plan(path: Path, resources: int, mib: float | None = None) -> int:
    """The plan, one line; with ``mib``, each resource carries a ``prior_state``-like copy of
    its attributes padded so that the file is about that size (real plans repeat every value
    in ``prior_state``, ``before`` and ``after``, with many more attributes than the rules
    read)."""
    planned: list[Planned] = []
    number = 0
    while len(planned) < resources:
        planned.extend(unit(number))
        number += 1
    planned = planned[:resources]
    document = plan(planned)
    if mib:
        bare = len(json.dumps(document, separators=(",", ":")))
        spare = max(0, int(mib * 2**20) - bare) // max(1, len(planned))
        filler = {f"attribute_{i:03d}": "x" * 40 for i in range(max(0, spare // 60))}
        document["prior_state"] = {"format_version": "1.0", "values": {"root_module": {
            "resources": [{"address": p.address, "mode": "managed", "type": p.type,
                           "name": p.name, "values": {**p.values, **filler}}
                          for p in planned]}}}
    path.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    return len(planned)


def measure(command: list[str]) -> tuple[float, float, int]:
    output = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True,
                            capture_output=True, text=True).stdout.split()
    return float(output[0]), float(output[1]), int(output[2])


def find_checkov(given: str | None) -> str | None:
    for candidate in (given, os.environ.get("GOVKIT_BENCH_CHECKOV"), shutil.which("checkov"),
                      str(Path(__file__).resolve().parents[1] / ".venv-checkov/bin/checkov")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--mib", type=float, default=None,
                        help="pad the plan to about this size (e.g. 60 for 15,000 resources)")
    parser.add_argument("--checkov", default=None)
    options = parser.parse_args()
    govkit = str(Path(sys.executable).with_name("govkit"))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "plan.json"
        began = time.perf_counter()
        count = write_plan(path, options.resources, options.mib)
        size = path.stat().st_size / 2**20
        print(f"plan: {count} resources, {size:.1f} MiB, written in "
              f"{time.perf_counter() - began:.1f} s")
        seconds, peak, code = measure([govkit, "gate", str(path), "--format", "json",
                                       "--output", str(Path(scratch) / "gate.json")])
        document = json.loads((Path(scratch) / "gate.json").read_text("utf-8"))
        print(f"govkit gate: {seconds:.2f} s, {peak:.0f} MiB peak RSS, exit {code}, "
              f"{len(document['results'])} results")
        checkov = find_checkov(options.checkov)
        if checkov is None:
            print("checkov: not installed (make bench-checkov), no comparison")
            return 0
        c_seconds, c_peak, c_code = measure([checkov, "-f", str(path), "--framework",
                                             "terraform_plan", "--quiet", "--compact",
                                             "-o", "json"])
        print(f"checkov: {c_seconds:.2f} s, {c_peak:.0f} MiB peak RSS, exit {c_code}")
        print(f"govkit / checkov wall time: {seconds / c_seconds:.3f} (target <= 0.1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
