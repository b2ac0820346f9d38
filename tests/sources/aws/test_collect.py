"""Collectors against a real moto server over HTTP: every call recorded, canonically."""

from __future__ import annotations

import json
from pathlib import Path

import rfc8785

from govkit.inventory.build import build_inventory
from govkit.results import validate_results
from govkit.run import Run
from govkit.snapshot import INDEX_FILE, Snapshot
from tests.sources.aws.sweep import not_allowed_by_read_only_policy

REPO = Path(__file__).resolve().parents[3]

BULK_IAM_OPERATIONS = {"GetAccountAuthorizationDetails", "GenerateCredentialReport",
                       "GetCredentialReport", "GetAccountPasswordPolicy", "GetAccountSummary",
                       "ListVirtualMFADevices", "GetPolicy", "GetPolicyVersion"}


def test_every_call_is_a_canonical_record_listed_in_the_index(demo_run: Run) -> None:
    snapshot = Snapshot.open(demo_run.path)
    files = {str(p.relative_to(demo_run.path)) for p in
             (demo_run.path / "snapshots").rglob("*.json")} - {INDEX_FILE}
    assert files == {e.file for e in snapshot.entries}
    assert len(files) == demo_run.manifest["sources"][0]["api_calls"]
    for entry in snapshot.entries[:200]:
        raw = (demo_run.path / entry.file).read_bytes()
        record = json.loads(raw)
        assert rfc8785.dumps(record) == raw, f"{entry.file} is not canonical JSON"
        assert record["operation"] == entry.operation
        assert record["outcome"] in ("ok", "error")
        assert isinstance(record["duration_ms"], int)
        assert ("response" in record) == (record["outcome"] == "ok")


def test_iam_uses_bulk_calls_and_lists_keys_only_of_users_that_have_them(demo_run: Run) -> None:
    entries = list(Snapshot.open(demo_run.path).select("iam"))
    operations = {e.operation for e in entries}
    assert operations <= BULK_IAM_OPERATIONS | {"ListAccessKeys"}
    assert {"GetAccountAuthorizationDetails", "GetCredentialReport"} <= operations
    # the credential report has no key ids: one listing per user whose row shows a key
    listed = sorted(e.params["UserName"] for e in entries if e.operation == "ListAccessKeys")
    assert listed == ["mgarcia.nbh", "rpatel.nbh", "svc-claims-export"]


def test_access_key_ids_are_joined_to_their_report_slots(demo_run: Run) -> None:
    snapshot = Snapshot.open(demo_run.path)
    [listing] = [snapshot.load(e) for e in snapshot.select("iam", "ListAccessKeys")
                 if e.params["UserName"] == "rpatel.nbh"]
    created = {k["AccessKeyId"]: k["CreateDate"][:19] for k in
               listing.response["AccessKeyMetadata"]}
    assert len(created) == 2
    # the demo gives slot 1 the key created 400 days ago, slot 2 the one created 250 days ago
    oldest, newest = sorted(created, key=created.__getitem__)
    inventory = build_inventory(snapshot, ["123456789012"])
    [resource] = [r for r in inventory.of_type("aws.iam.user") if r.name == "rpatel.nbh"]
    keys = resource.attributes["AccessKeys"]
    assert [(k["Slot"], k["AccessKeyId"]) for k in keys] == [(1, oldest), (2, newest)]
    assert [k["LastRotated"][:19] for k in keys] == [created[oldest], created[newest]]


def test_every_service_was_collected_in_every_region(demo_run: Run) -> None:
    entries = Snapshot.open(demo_run.path).entries
    seen = {(e.service, e.region) for e in entries}
    for service in ("ec2", "rds", "kms", "dynamodb", "cloudtrail", "workspaces",
                    "workspaces-web", "guardduty", "securityhub", "config", "logs", "sns",
                    "secretsmanager"):
        for region in ("us-east-1", "us-west-2"):
            assert (service, region) in seen, (service, region)
    assert ("iam", "global") in seen and ("s3", "global") in seen


def test_absent_settings_are_recorded_as_their_aws_error_codes(demo_run: Run) -> None:
    codes = {e.error_code for e in Snapshot.open(demo_run.path).entries if not e.ok}
    assert codes <= {"NoSuchBucketPolicy", "NoSuchPublicAccessBlockConfiguration",
                     "ServerSideEncryptionConfigurationNotFoundError", "NoSuchTagSet",
                     "ObjectLockConfigurationNotFoundError", "NoSuchEntity",
                     "InvalidAccessException",  # Security Hub: "not subscribed"
                     "PolicyNotFound",  # EFS: no backup policy
                     "ResourceNotFoundException"}, codes  # Lambda: no policy, no URL


def test_manifest_describes_the_scan(demo_run: Run) -> None:
    manifest = json.loads((demo_run.path / "manifest.json").read_bytes())
    assert manifest["accounts"] == ["123456789012"]
    assert manifest["regions"] == ["us-east-1", "us-west-2"]
    assert manifest["period"].startswith(manifest["evaluated_at"][:4] + "-Q")
    assert manifest["sources"][0]["type"] == "aws"
    assert Path(demo_run.path / "policies" / "rules").is_dir()


def test_results_document_matches_the_published_schema(demo_run: Run) -> None:
    document = json.loads((demo_run.path / "results" / "results.json").read_bytes())
    validate_results(document)
    assert document["run_id"] == demo_run.manifest["run_id"]
    assert document["summary"]["results"] == len(document["results"])


# S3 operations whose IAM action has another name than the operation.
def test_every_call_is_allowed_by_the_documented_read_only_policy(demo_run: Run) -> None:
    assert not not_allowed_by_read_only_policy(demo_run.path)
