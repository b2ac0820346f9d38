"""Reading `terraform show -json` plans: addresses, actions, unknowns, references, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkit.errors import InputError
from govkit.sources.terraform.plan import Plan, changed, parse_plan, read_plan, resolve_reference

PLANS = Path(__file__).resolve().parents[2] / "data" / "plans"
V12 = PLANS / "phi_v1_2.json"
V01 = PLANS / "legacy_v0_1.json"

BUCKET_A = 'module.phi["a"].aws_s3_bucket.this[0]'
LOG_A = 'module.phi["a"].module.audit_log.aws_cloudwatch_log_group.this'


@pytest.fixture(scope="module")
def plan() -> Plan:
    return read_plan(V12)


def test_header(plan: Plan) -> None:
    assert plan.format_version == "1.2"
    assert plan.terraform_version == "1.9.5"
    assert plan.path == str(V12)


def test_addresses_and_module_instances(plan: Plan) -> None:
    assert [r.address for r in plan.resources] == [
        "aws_iam_role.support",
        "aws_instance.bastion",
        "aws_kms_key.phi",
        "aws_s3_bucket.archive",
        "aws_s3_bucket.legacy_logs",
        "aws_s3_bucket.phi",
        "aws_s3_bucket_server_side_encryption_configuration.phi",
        BUCKET_A,
        LOG_A,
        'module.phi["b"].aws_s3_bucket.this[0]',
        'module.phi["b"].module.audit_log.aws_cloudwatch_log_group.this',
    ]
    bucket = plan.get(BUCKET_A)
    assert bucket.module_address == 'module.phi["a"]'
    assert bucket.module_path == ("phi",)
    assert (bucket.type, bucket.name, bucket.index) == ("aws_s3_bucket", "this", 0)
    assert bucket.provider_name == "registry.terraform.io/hashicorp/aws"
    log = plan.get(LOG_A)
    assert log.module_address == 'module.phi["a"].module.audit_log'
    assert log.module_path == ("phi", "audit_log")
    assert log.index is None
    root = plan.get("aws_s3_bucket.phi")
    assert root.module_address is None and root.module_path == ()


def test_actions(plan: Plan) -> None:
    assert plan.get("aws_kms_key.phi").actions == ("create",)
    bastion = plan.get("aws_instance.bastion")
    assert bastion.actions == ("delete", "create")
    assert bastion.action_reason == "replace_because_cannot_update"
    assert bastion.values["ami"] == "ami-0b5f3c1d2e4a6b7c8"
    deleted = plan.get("aws_s3_bucket.legacy_logs")
    assert deleted.actions == ("delete",)
    assert deleted.values == {} and deleted.config is None
    assert plan.get("aws_s3_bucket.archive").actions == ("forget",)


def test_drift_is_not_a_planned_change(plan: Plan) -> None:
    roles = [r for r in plan.resources if r.address == "aws_iam_role.support"]
    assert len(roles) == 1
    assert roles[0].actions == ("no-op",)
    assert roles[0].values["max_session_duration"] == 43200


def test_data_sources_kept_apart(plan: Plan) -> None:
    assert all(r.mode == "managed" for r in plan.resources)
    [data] = plan.data_sources
    assert data.address == "data.aws_iam_policy_document.bucket_policy"
    assert data.actions == ("read",)
    assert data.config is not None
    assert data.config.refs("statement", 0, "resources") == (
        "aws_s3_bucket.phi.arn", "aws_s3_bucket.phi")


def test_changed_is_what_a_gate_judges(plan: Plan) -> None:
    assert [r.address for r in changed(plan)] == [
        "aws_instance.bastion",
        "aws_kms_key.phi",
        "aws_s3_bucket.phi",
        "aws_s3_bucket_server_side_encryption_configuration.phi",
        BUCKET_A,
        LOG_A,
        'module.phi["b"].aws_s3_bucket.this[0]',
        'module.phi["b"].module.audit_log.aws_cloudwatch_log_group.this',
    ]


def test_unknown_paths_are_flattened(plan: Plan) -> None:
    sse = plan.get("aws_s3_bucket_server_side_encryption_configuration.phi")
    assert sse.unknown == {
        ("bucket",),
        ("id",),
        ("rule", 0, "apply_server_side_encryption_by_default", 0, "kms_master_key_id"),
    }
    assert sse.values["rule"][0]["apply_server_side_encryption_by_default"][0] == {
        "sse_algorithm": "aws:kms"}
    bucket = plan.get(BUCKET_A)
    assert ("server_side_encryption_configuration", 0, "rule", 0,
            "apply_server_side_encryption_by_default", 0, "kms_master_key_id") in bucket.unknown
    assert ("server_side_encryption_configuration", 0, "rule") not in bucket.unknown
    assert ("server_side_encryption_configuration",) in plan.get("aws_s3_bucket.phi").unknown


def test_false_entries_are_not_unknown(plan: Plan) -> None:
    [data] = plan.data_sources
    assert data.unknown == {("id",), ("json",), ("minified_json",), ("statement", 0, "resources")}


def test_sensitive_paths() -> None:
    doc = json.loads(V12.read_text(encoding="utf-8"))
    change = doc["resource_changes"][2]["change"]
    assert doc["resource_changes"][2]["address"] == "aws_kms_key.phi"
    change["after_sensitive"] = {"tags_all": {}, "policy": True, "grants": [{"name": True}]}
    plan = parse_plan(doc, "kms.json")
    assert plan.get("aws_kms_key.phi").sensitive == {("policy",), ("grants", 0, "name")}
    assert plan.get("aws_s3_bucket.phi").sensitive == frozenset()


def test_split_resource_references(plan: Plan) -> None:
    sse = plan.get("aws_s3_bucket_server_side_encryption_configuration.phi")
    assert sse.config is not None
    assert sse.config.address == "aws_s3_bucket_server_side_encryption_configuration.phi"
    assert sse.config.refs("bucket") == ("aws_s3_bucket.phi.id", "aws_s3_bucket.phi")
    assert sse.config.refs(
        "rule", 0, "apply_server_side_encryption_by_default", 0, "kms_master_key_id"
    ) == ("aws_kms_key.phi.arn", "aws_kms_key.phi")
    assert sse.config.constants[
        ("rule", 0, "apply_server_side_encryption_by_default", 0, "sse_algorithm")] == "aws:kms"
    assert sse.config.refs("no_such_attribute") == ()


def test_module_config_found_without_instance_key(plan: Plan) -> None:
    a, b = plan.get(BUCKET_A), plan.get('module.phi["b"].aws_s3_bucket.this[0]')
    assert a.config is not None and a.config is b.config
    assert a.config.module_path == ("phi",)
    assert a.config.address == "aws_s3_bucket.this"
    assert a.config.count_expression == {"references": ["var.enabled"]}
    assert a.config.refs("bucket") == ("var.bucket_name",)
    log = plan.get(LOG_A)
    assert log.config is not None
    assert log.config.refs("kms_key_id") == ("var.kms_key_arn",)


def test_resolve_variable_one_level(plan: Plan) -> None:
    assert resolve_reference(plan, 'module.phi["a"]', "var.kms_key_arn") == [
        "aws_kms_key.phi.arn", "aws_kms_key.phi"]


def test_resolve_variable_two_levels(plan: Plan) -> None:
    log = plan.get(LOG_A)
    assert log.config is not None
    [ref] = log.config.refs("kms_key_id")
    assert resolve_reference(plan, log.module_address, ref) == [
        "aws_kms_key.phi.arn", "aws_kms_key.phi"]


def test_resolve_stops_at_what_it_cannot_follow(plan: Plan) -> None:
    # bucket_name is each.key of the module call's for_each, written at the root: not followed
    assert resolve_reference(plan, 'module.phi["b"]', "var.bucket_name") == ["each.key"]
    # a resource inside the module is returned as its absolute address
    assert resolve_reference(plan, 'module.phi["a"].module.audit_log',
                             "aws_cloudwatch_log_group.this.arn") == [
        'module.phi["a"].module.audit_log.aws_cloudwatch_log_group.this.arn']
    # a variable the caller does not set (default used) resolves to nothing
    assert resolve_reference(plan, 'module.phi["a"]', "var.enabled") == []
    # at the root nothing changes
    assert resolve_reference(plan, None, "aws_kms_key.phi.arn") == ["aws_kms_key.phi.arn"]


def test_format_0_1() -> None:
    plan = read_plan(V01)
    assert plan.format_version == "0.1"
    assert plan.terraform_version == "0.12.31"
    assert [r.address for r in plan.resources] == [
        "aws_s3_bucket.phi", "module.logs.aws_s3_bucket.log[0]"]
    log = plan.get("module.logs.aws_s3_bucket.log[0]")
    assert log.index == 0 and log.provider_name == "aws"
    assert log.sensitive == frozenset()
    assert log.config is not None and log.config.count_expression == {"constant_value": 1}
    assert resolve_reference(plan, log.module_address, "var.name") == ["var.bucket_name"]
    assert [r.address for r in changed(plan)] == [r.address for r in plan.resources]


def test_values_from_planned_values_when_change_has_no_after() -> None:
    doc = json.loads(V01.read_text(encoding="utf-8"))
    del doc["resource_changes"][0]["change"]["after"]
    plan = parse_plan(doc, "plan.json")
    assert plan.get("aws_s3_bucket.phi").values["bucket"] == "acme-phi-legacy"


def test_instance_only_in_planned_values() -> None:
    doc = json.loads(V01.read_text(encoding="utf-8"))
    doc["resource_changes"].pop(1)
    plan = parse_plan(doc, "plan.json")
    log = plan.get("module.logs.aws_s3_bucket.log[0]")
    assert log.actions == ()
    assert log.module_address == "module.logs"
    assert log.values["bucket"] == "acme-phi-legacy-logs"
    assert log.config is not None
    assert changed(plan) == [plan.get("aws_s3_bucket.phi")]


def test_utf16_with_bom(tmp_path: Path) -> None:
    copy = tmp_path / "plan-utf16.json"
    copy.write_bytes(b"\xff\xfe" + V12.read_text(encoding="utf-8").encode("utf-16-le"))
    plan = read_plan(copy)
    assert [r.address for r in plan.resources] == [r.address for r in read_plan(V12).resources]


def test_utf8_with_bom(tmp_path: Path) -> None:
    copy = tmp_path / "plan-bom.json"
    copy.write_bytes(b"\xef\xbb\xbf" + V01.read_bytes())
    assert read_plan(copy).format_version == "0.1"


def test_truncated_json_names_file_and_position(tmp_path: Path) -> None:
    text = V12.read_text(encoding="utf-8")
    cut = tmp_path / "truncated.json"
    cut.write_text(text[: text.index('"resource_changes"') + 40], encoding="utf-8")
    expected_line = cut.read_text(encoding="utf-8").count("\n") + 1
    with pytest.raises(InputError) as info:
        read_plan(cut)
    err = info.value
    assert err.path == str(cut)
    assert err.line == expected_line
    message = str(err)
    assert message.startswith(f"{cut}:{expected_line}: not valid JSON at line {expected_line}, "
                              "column ")
    assert "truncated" in message


def test_syntax_error_in_the_middle(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "format_version": "1.2",\n  "planned_values": {,}\n}\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_plan(bad)
    assert info.value.line == 3
    assert "line 3, column 22" in str(info.value)
    assert "truncated" not in str(info.value)


def test_not_a_plan(tmp_path: Path) -> None:
    other = tmp_path / "policy.json"
    other.write_text(json.dumps({"Version": "2012-10-17", "Statement": []}), encoding="utf-8")
    with pytest.raises(InputError, match="not a Terraform plan") as info:
        read_plan(other)
    assert info.value.path == str(other)


def test_state_is_not_a_plan(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"format_version": "1.0", "terraform_version": "1.9.5",
                                 "values": {"root_module": {}}}), encoding="utf-8")
    with pytest.raises(InputError, match="state, not a plan"):
        read_plan(state)


def test_json_list_is_not_a_plan(tmp_path: Path) -> None:
    listing = tmp_path / "list.json"
    listing.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError, match="found a list; this is not a Terraform plan"):
        read_plan(listing)


@pytest.mark.parametrize("version", ["2.0", "3.1", "10", 1.2, None])
def test_unsupported_format_version(tmp_path: Path, version: object) -> None:
    doc = json.loads(V01.read_text(encoding="utf-8"))
    doc["format_version"] = version
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_plan(path)
    err = info.value
    assert err.field == "format_version"
    assert json.dumps(version) in str(err) or str(version) in str(err)
    assert "0.1, 0.2, 1.0, 1.1, 1.2" in str(err)


@pytest.mark.parametrize("version", ["0.2", "1.0", "1.1", "1.3"])
def test_other_supported_versions(version: str) -> None:
    doc = json.loads(V01.read_text(encoding="utf-8"))
    doc["format_version"] = version
    assert parse_plan(doc).format_version == version


def test_unreadable_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the plan file"):
        read_plan(tmp_path / "missing.json")
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_plan(empty)
    binary = tmp_path / "plan.tfplan"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x08\x00\xff\xfe")
    with pytest.raises(InputError, match="not valid UTF-8"):
        read_plan(binary)


def test_malformed_change_names_the_field() -> None:
    doc = json.loads(V01.read_text(encoding="utf-8"))
    doc["resource_changes"][1]["change"]["actions"] = "create"
    with pytest.raises(InputError) as info:
        parse_plan(doc, "plan.json")
    assert info.value.field == "resource_changes[1].change.actions"
    assert "module.logs.aws_s3_bucket.log[0]" in str(info.value)


def test_a_plan_terraform_itself_wrote() -> None:
    """Real `terraform show -json` output (Terraform 1.11.4): one line, module instances,
    unknown outputs and a variable followed to the root."""
    plan = read_plan(PLANS / "terraform-data-1.11.4.json")
    assert (plan.format_version, plan.terraform_version) == ("1.2", "1.11.4")
    by_address = {r.address: r for r in plan.resources}
    assert set(by_address) == {"terraform_data.a", "terraform_data.b",
                               'module.m["x"].terraform_data.inner',
                               'module.m["y"].terraform_data.inner'}
    assert all(r.actions == ("create",) for r in plan.resources)
    assert ("output",) in by_address["terraform_data.a"].unknown
    b = by_address["terraform_data.b"]
    assert b.config is not None and "terraform_data.a.output" in b.config.refs("input")
    assert "terraform_data.a.id" in resolve_reference(plan, 'module.m["x"]', "var.v")
