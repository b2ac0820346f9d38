"""S3 buckets in a plan are judged by the scan's S3 rules, with their split resources merged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkit.sources.terraform.inventory import build
from govkit.sources.terraform.plan import parse_plan, read_plan
from govkit.gate.run import gate, is_unknown
from govkit.policy.evaluate import Settings
from govkit.policy.loader import load_policy_set
from tests.sources.terraform.support import NOW
from govkit.results import Result, Status
from tests.sources.terraform.planbuilder import Planned, plan

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"
PHI = {"data_classification": "phi"}


@pytest.fixture(scope="module")
def rules():
    return load_policy_set().rules


def _verdict(document_or_path, rules, judge_all=False):
    parsed = read_plan(document_or_path) if isinstance(document_or_path, Path) else \
        parse_plan(document_or_path, "plan.json")
    planned = build(parsed, "plan.json")
    return planned, gate(planned, rules, settings=Settings(), now=NOW, judge_all=judge_all)


def _result(verdict, rule_id: str, address: str) -> Result:
    found = [r for r in verdict.evaluation.results
             if r.rule_id == rule_id and r.resource_id == address]
    assert len(found) == 1, (rule_id, address, [r.resource_id for r in
                                                verdict.evaluation.results])
    return found[0]


def test_bucket_with_split_resources_passes_encryption_versioning_block_and_tls(rules):
    _, verdict = _verdict(PLANS / "s3_buckets.json", rules)
    for rule_id in ("s3-phi-bucket-kms-encryption", "s3-phi-bucket-versioning-enabled",
                    "s3-phi-bucket-public-access-block", "s3-phi-bucket-tls-only",
                    "s3-phi-bucket-access-logging", "s3-bucket-not-public"):
        assert _result(verdict, rule_id, "aws_s3_bucket.intake").status is Status.PASS, rule_id


def test_key_created_in_the_same_plan_is_customer_managed_though_its_arn_is_unknown(rules):
    planned, verdict = _verdict(PLANS / "s3_buckets.json", rules)
    (bucket,) = [r for r in planned.inventory.of_type("aws.s3.bucket")
                 if r.id == "aws_s3_bucket.intake"]
    assert bucket.attributes["KmsKeyManager"] == "CUSTOMER"
    assert bucket.attributes["DefaultEncryption"]["KMSMasterKeyID"] == "aws_kms_key.phi.arn"
    files = {ref.pointer.split("/change/")[0] for ref in bucket.sources["KmsKeyManager"]}
    addresses = {planned.context.owner(ref.pointer) for ref in bucket.sources["KmsKeyManager"]}
    assert addresses == {"aws_s3_bucket_server_side_encryption_configuration.intake",
                         "aws_kms_key.phi"}, files


def test_new_bucket_without_settings_gets_what_s3_gives_a_new_bucket(rules):
    _, verdict = _verdict(PLANS / "s3_buckets.json", rules)
    kms = _result(verdict, "s3-phi-bucket-kms-encryption", "aws_s3_bucket.billing")
    assert kms.status is Status.FAIL
    assert "default encryption is AES256" in kms.message
    assert _result(verdict, "s3-phi-bucket-public-access-block",
                   "aws_s3_bucket.billing").status is Status.PASS
    versioning = _result(verdict, "s3-phi-bucket-versioning-enabled", "aws_s3_bucket.billing")
    assert versioning.status is Status.FAIL and "versioning status is not set" in \
        versioning.message


def test_split_resources_found_by_bucket_name(rules):
    _, verdict = _verdict(PLANS / "s3_buckets.json", rules)
    kms = _result(verdict, "s3-phi-bucket-kms-encryption", "aws_s3_bucket.scans")
    assert kms.status is Status.FAIL and "key manager: AWS" in kms.message
    versioning = _result(verdict, "s3-phi-bucket-versioning-enabled", "aws_s3_bucket.scans")
    assert "versioning status is Suspended" in versioning.message


def test_key_from_outside_the_plan_is_unknown_and_says_which_attribute(rules):
    _, verdict = _verdict(PLANS / "s3_buckets.json", rules)
    result = _result(verdict, "s3-phi-bucket-kms-encryption", "aws_s3_bucket.recordings")
    assert result.status is Status.ERROR and is_unknown(result)
    assert "kms_master_key_id) is known only after apply" in result.message
    assert "data.terraform_remote_state.keys.outputs.recordings_key_arn" in result.message


def test_public_policy_needs_the_account_block_which_the_plan_does_not_hold(rules):
    _, verdict = _verdict(PLANS / "s3_buckets.json", rules)
    result = _result(verdict, "s3-bucket-not-public", "aws_s3_bucket.site")
    assert is_unknown(result)
    assert "public by its policy unless the account's S3 public access block" in result.message


def test_account_block_in_the_plan_decides_public(rules):
    document = json.loads((PLANS / "s3_buckets.json").read_text())
    blocked = _with_account_block(document, restrict=True)
    _, verdict = _verdict(blocked, rules)
    assert _result(verdict, "s3-bucket-not-public", "aws_s3_bucket.site").status is \
        Status.PASS
    _, verdict = _verdict(_with_account_block(document, restrict=False), rules)
    failed = _result(verdict, "s3-bucket-not-public", "aws_s3_bucket.site")
    assert failed.status is Status.FAIL


def _with_account_block(document, restrict: bool):
    extra = plan([Planned("aws_s3_account_public_access_block", "this",
                          {"account_id": None, "block_public_acls": True,
                           "block_public_policy": restrict, "ignore_public_acls": True,
                           "restrict_public_buckets": restrict}, unknown=["account_id", "id"])])
    merged = json.loads(json.dumps(document))
    merged["resource_changes"] += extra["resource_changes"]
    merged["planned_values"]["root_module"]["resources"] += \
        extra["planned_values"]["root_module"]["resources"]
    merged["configuration"]["root_module"]["resources"] += \
        extra["configuration"]["root_module"]["resources"]
    return merged


def test_existing_bucket_read_back_settings_and_unmanaged_ones(rules):
    _, verdict = _verdict(PLANS / "s3_buckets.json", rules)
    assert _result(verdict, "s3-phi-bucket-versioning-enabled",
                   "aws_s3_bucket.archive").status is Status.PASS
    block = _result(verdict, "s3-phi-bucket-public-access-block", "aws_s3_bucket.archive")
    assert is_unknown(block)
    assert "public access block of bucket nbh-phi-archive is not managed in this plan" in \
        block.message


def test_tags_all_from_provider_default_tags_decide_phi_scope(rules):
    document = plan([Planned("aws_s3_bucket", "x", {
        "bucket": "nbh-x", "tags": None, "tags_all": {"data_classification": "phi"}},
        unknown=["arn", "id", "server_side_encryption_configuration", "versioning",
                 "policy", "logging", "grant", "acl", "object_lock_configuration"])],
        default_tags=PHI)
    _, verdict = _verdict(document, rules)
    assert _result(verdict, "s3-phi-bucket-kms-encryption", "aws_s3_bucket.x").status is \
        Status.FAIL


def test_unknown_tags_make_phi_scope_unknown(rules):
    document = plan([Planned("aws_s3_bucket", "x", {"bucket": "nbh-x"},
                             unknown=["arn", "id", "tags", "tags_all"])])
    _, verdict = _verdict(document, rules)
    result = _result(verdict, "s3-phi-bucket-kms-encryption", "aws_s3_bucket.x")
    assert is_unknown(result) and "tags_all) is known only after apply" in result.message


def test_module_instances_merge_by_reference_through_module_variables(rules):
    buckets = [Planned("aws_s3_bucket", "this", {"bucket": f"nbh-{key}", "tags_all": PHI},
                       unknown=["arn", "id"], module=f'module.phi["{key}"]', index=0)
               for key in ("a", "b")]
    sse = [Planned("aws_s3_bucket_server_side_encryption_configuration", "this", {
        "rule": [{"apply_server_side_encryption_by_default": [
            {"sse_algorithm": "aws:kms"}], "bucket_key_enabled": True}]},
        unknown=["bucket", "id",
                 "rule.0.apply_server_side_encryption_by_default.0.kms_master_key_id"],
        refs={"bucket": ["aws_s3_bucket.this[0].id", "aws_s3_bucket.this[0]"],
              "rule.0.apply_server_side_encryption_by_default.0.kms_master_key_id":
                  ["var.kms_key_arn"]},
        module=f'module.phi["{key}"]', index=0) for key in ("a", "b")]
    key = Planned("aws_kms_key", "phi", {"enable_key_rotation": True}, unknown=["arn", "id"])
    document = plan([key, *buckets, *sse], module_calls={"phi": {
        "source": "./modules/phi",
        "expressions": {"kms_key_arn": {"references": ["aws_kms_key.phi.arn",
                                                       "aws_kms_key.phi"]}}}})
    _, verdict = _verdict(document, rules)
    for key_name in ("a", "b"):
        address = f'module.phi["{key_name}"].aws_s3_bucket.this[0]'
        assert _result(verdict, "s3-phi-bucket-kms-encryption", address).status is \
            Status.PASS


def test_only_changed_buckets_are_judged_unless_all(rules):
    document = plan([Planned("aws_s3_bucket", "old", {
        "bucket": "nbh-old", "tags_all": PHI, "server_side_encryption_configuration": [],
        "versioning": [], "policy": None, "logging": [], "grant": [], "acl": None,
        "object_lock_configuration": []}, actions=("no-op",))])
    _, verdict = _verdict(document, rules)
    assert verdict.evaluation.results == ()
    _, everything = _verdict(document, rules, judge_all=True)
    assert any(r.resource_id == "aws_s3_bucket.old" for r in everything.evaluation.results)


def test_deleted_bucket_is_not_a_finding(rules):
    document = plan([Planned("aws_s3_bucket", "gone", {"bucket": "nbh-gone", "tags_all": PHI},
                             actions=("delete",), before={"bucket": "nbh-gone"})])
    _, verdict = _verdict(document, rules, judge_all=True)
    assert verdict.evaluation.results == ()


def test_every_attribute_points_into_the_plan(rules):
    planned, _ = _verdict(PLANS / "s3_buckets.json", rules)
    for bucket in planned.inventory.of_type("aws.s3.bucket"):
        for name, refs in bucket.sources.items():
            if name == "HipaaEligibility":  # judged against AWS's list, which it points at
                assert refs[0].file.endswith("hipaa-eligible-services.yaml")
                continue
            for ref in refs:
                assert ref.file == "plan.json"
                assert planned.context.owner(ref.pointer), (bucket.id, name, ref)


def test_a_setting_on_a_bucket_the_plan_cannot_name_leaves_every_new_bucket_unknown(rules):
    """A public access block whose bucket comes through a local value: it may be this
    bucket's, so the bucket is not given S3's safe defaults."""
    document = plan([
        Planned("aws_s3_bucket", "b", {"bucket": "nbh-b", "tags_all": PHI},
                unknown=["arn", "id", "policy", "grant", "versioning", "logging",
                         "server_side_encryption_configuration", "object_lock_configuration"]),
        Planned("aws_s3_bucket_public_access_block", "b", {
            "block_public_acls": False, "block_public_policy": False,
            "ignore_public_acls": False, "restrict_public_buckets": False},
            unknown=["bucket", "id"], refs={"bucket": ["local.bucket_id"]})])
    _, verdict = _verdict(document, rules)
    result = _result(verdict, "s3-phi-bucket-public-access-block", "aws_s3_bucket.b")
    assert is_unknown(result)
    assert "aws_s3_bucket_public_access_block.b: the bucket it sets the public access block " \
        "on (bucket) is known only after apply (set from local.bucket_id)" in result.message


def test_deleting_a_buckets_versioning_and_policy_is_judged(rules):
    """The plan removes the resources that kept an existing bucket's versioning on and its
    TLS-only policy: after apply versioning is suspended and there is no policy."""
    read_back = {"bucket": "nbh-kept", "tags_all": PHI, "acl": None, "grant": [],
                 "policy": json.dumps({"Version": "2012-10-17", "Statement": [{
                     "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                     "Resource": ["arn:aws:s3:::nbh-kept/*"],
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
                 "versioning": [{"enabled": True, "mfa_delete": False}], "logging": [],
                 "server_side_encryption_configuration": [], "object_lock_configuration": []}
    document = plan([
        Planned("aws_s3_bucket", "kept", read_back, actions=("no-op",), before=read_back),
        Planned("aws_s3_bucket_versioning", "kept", {}, actions=("delete",),
                before={"bucket": "nbh-kept",
                        "versioning_configuration": [{"status": "Enabled"}]}),
        Planned("aws_s3_bucket_policy", "kept", {}, actions=("delete",),
                before={"bucket": "nbh-kept", "policy": read_back["policy"]})])
    _, verdict = _verdict(document, rules)  # judged: what configured it changes
    versioning = _result(verdict, "s3-phi-bucket-versioning-enabled", "aws_s3_bucket.kept")
    assert versioning.status is Status.FAIL and "Suspended" in versioning.message
    tls = _result(verdict, "s3-phi-bucket-tls-only", "aws_s3_bucket.kept")
    assert tls.status is Status.FAIL
