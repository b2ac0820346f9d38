"""AWS's HIPAA eligible services: the dated list is validated and recorded, every tagged AWS
resource is matched against it, and the rule passes a listed service, fails an unlisted one
while the list is recent, and is ERROR once the list is too old to rule out a later addition."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from govkit.config import load_config
from govkit.errors import InputError
from govkit.inventory.model import CallFailure, Coverage, Inventory, Resource, ResourceBuilder
from govkit.policy.evaluate import Settings, evaluate_rule
from govkit.policy.loader import load_policy_set
from govkit.policy.yamlfile import load_yaml, validate
from govkit.results import Status
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws import eligible

NOW = dt.datetime(2026, 11, 15, 12, tzinfo=dt.timezone.utc)
ACCOUNT = "123456789012"
RULE_ID = "aws-phi-in-hipaa-eligible-service"
REFRESHED = """\
as_of: 2026-10-01
source: {url: "https://aws.amazon.com/compliance/hipaa-eligible-services-reference/"}
services:
  - {name: Amazon Simple Storage Service, prefixes: [s3]}
  - name: Amazon Relational Database Service
    prefixes: [rds]
    only: {attribute: Engine, values: [mysql, postgres, "oracle-*"]}
  - name: Amazon Aurora
    prefixes: [rds]
    only: {attribute: Engine, values: ["aurora*"]}
"""


def _listing(tmp_path: Path, text: str | None = None) -> list[Resource | Coverage]:
    path = None
    if text is not None:
        path = tmp_path / "eligible.yaml"
        path.write_text(text)
    writer = SnapshotWriter(tmp_path / "run")
    eligible.record(path, writer)
    writer.write_index()
    return list(eligible.normalize(Snapshot.open(tmp_path / "run"), None))  # type: ignore[arg-type]


def _resource(rtype: str, rid: str, name: str, tags: dict[str, str] | None,
              **attributes: object) -> Resource:
    builder = ResourceBuilder(id=rid, type=rtype, account=ACCOUNT, region="us-east-1",
                              name=name)
    if tags is not None:
        builder.set_tags(tags, "snapshots/x.json")
    for key, value in attributes.items():
        if isinstance(value, CallFailure):
            builder.fail(key, value)
        else:
            builder.set(key, value, "snapshots/x.json")
    return builder.build()


PHI = {"data_classification": "phi"}


def _estate() -> list[Resource]:
    return [
        _resource("aws.s3.bucket", "arn:aws:s3:::nbh-phi-claims", "nbh-phi-claims", PHI),
        _resource("aws.s3.bucket", "arn:aws:s3:::nbh-web-assets", "nbh-web-assets",
                  {"data_classification": "public"}),
        _resource("aws.rds.instance", f"arn:aws:rds:us-east-1:{ACCOUNT}:db:nbh-ehr",
                  "nbh-ehr", PHI, Engine="postgres"),
        _resource("aws.rds.instance", f"arn:aws:rds:us-east-1:{ACCOUNT}:db:nbh-legacy",
                  "nbh-legacy", PHI, Engine="db2-se"),
        _resource("aws.rds.cluster", f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:nbh-fhir",
                  "nbh-fhir", PHI, Engine="aurora-postgresql"),
        _resource("aws.workspaces_web.portal",
                  f"arn:aws:workspaces-web:us-east-1:{ACCOUNT}:portal/5c1e7a90",
                  "nbh-intake-portal", PHI),
        # tags never collected for this type: it cannot be told to hold PHI, so not judged
        _resource("aws.kms.key", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1", "key-1", None),
    ]


def _judge(tmp_path: Path, resources: list[Resource], text: str | None = None,
           max_age: int = 365) -> dict[str, tuple[Status, str]]:
    listed = _listing(tmp_path, text)
    items = [*eligible.attach([*resources, *(r for r in listed if isinstance(r, Resource))])]
    coverage = [c for c in listed if isinstance(c, Coverage)] + [
        Coverage(type="aws.s3.bucket", account=ACCOUNT, region="us-east-1")]
    inventory = eligible.grouped(Inventory.of(items, coverage))
    rule = next(r for r in load_policy_set().rules if r.id == RULE_ID)
    rule = rule.with_parameters({"max_list_age_days": max_age})
    return {r.resource_name or r.resource_id: (r.status, r.message)
            for r in evaluate_rule(rule, inventory, settings=Settings(), now=NOW)}


def test_the_shipped_list_is_dated_sourced_and_valid() -> None:
    doc = load_yaml(eligible.DEFAULT_LIST)
    validate(doc, json.loads(eligible.SCHEMA_FILE.read_text()))
    assert doc.data["as_of"] == "2022-04-18"
    assert doc.data["source"]["url"].startswith("https://aws.amazon.com/compliance/")
    names = {s["name"] for s in doc.data["services"]}
    assert {"Amazon Simple Storage Service", "Amazon AppStream 2.0", "Amazon WorkSpaces",
            "Amazon DynamoDB", "AWS Key Management Service"} <= names


def test_the_list_is_recorded_whole_and_read_back(tmp_path: Path) -> None:
    (listing,) = [r for r in _listing(tmp_path, REFRESHED) if isinstance(r, Resource)]
    assert listing.attributes["AsOf"] == "2026-10-01"
    assert [s["name"] for s in listing.attributes["Services"]][0] == \
        "Amazon Simple Storage Service"
    record = json.loads((tmp_path / "run" / listing.sources["Services"][0].file).read_text())
    assert record["params"]["file"] == "eligible.yaml" and len(record["params"]["sha256"]) == 64


def test_a_recent_list_passes_listed_services_and_fails_the_others(tmp_path: Path) -> None:
    judged = _judge(tmp_path, _estate(), REFRESHED)
    assert judged["nbh-phi-claims"][0] is Status.PASS
    assert "Amazon Simple Storage Service" in judged["nbh-phi-claims"][1]
    assert judged["nbh-ehr"][0] is Status.PASS
    assert judged["nbh-fhir"] == (Status.PASS, judged["nbh-fhir"][1])
    assert "Amazon Aurora" in judged["nbh-fhir"][1]
    status, message = judged["nbh-legacy"]
    assert status is Status.FAIL
    assert "rds instance nbh-legacy in 123456789012 holds PHI in service rds" in message
    assert "its Engine is db2-se" in message and "mysql, postgres, oracle-*" in message
    status, message = judged["nbh-intake-portal"]
    assert status is Status.FAIL
    assert "service workspaces-web" in message and "list of 2026-10-01 does not cover" in message
    # neither the public bucket nor the untagged key type is judged
    assert "nbh-web-assets" not in judged and "key-1" not in judged


def test_an_old_list_cannot_rule_a_service_out(tmp_path: Path) -> None:
    judged = _judge(tmp_path, _estate())  # govkit's own list, of 2022-04-18
    assert judged["nbh-phi-claims"][0] is Status.PASS
    status, message = judged["nbh-intake-portal"]
    assert status is Status.ERROR
    assert "list of 2022-04-18 does not cover" in message
    assert "1672 days old (limit 365)" in message and "refresh the list" in message


def test_an_unreadable_engine_or_tags_is_error_never_pass(tmp_path: Path) -> None:
    denied = CallFailure(call="rds:DescribeDBInstances in 123456789012/us-east-1",
                         operation="rds:DescribeDBInstances", code="AccessDenied",
                         message="", file="snapshots/rds.json")
    resources = [
        _resource("aws.rds.instance", f"arn:aws:rds:us-east-1:{ACCOUNT}:db:nbh-x", "nbh-x",
                  PHI, Engine=denied),
        _resource("aws.s3.bucket", "arn:aws:s3:::nbh-untold", "nbh-untold", None,
                  Tags=CallFailure(call="s3:GetBucketTagging", operation="s3:GetBucketTagging",
                                   code="AccessDenied", message="", file="snapshots/t.json")),
    ]
    judged = _judge(tmp_path, resources, REFRESHED)
    assert judged["nbh-x"][0] is Status.ERROR and "rds:DescribeDBInstances" in judged["nbh-x"][1]
    assert judged["nbh-untold"][0] is Status.ERROR
    assert "s3:GetBucketTagging" in judged["nbh-untold"][1]


def test_a_run_without_a_recorded_list_is_left_as_it_was() -> None:
    resources = _estate()
    assert eligible.attach(resources) == resources
    inventory = Inventory.of(resources, [])
    assert eligible.grouped(inventory) is inventory


def test_a_bad_list_names_the_file_line_and_field(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        _listing(tmp_path, REFRESHED.replace("as_of: 2026-10-01", "as_of: October 2026"))
    text = str(raised.value)
    assert "eligible.yaml:1:" in text and "'as_of'" in text and "October 2026" in text


def test_the_configuration_names_a_refreshed_list(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "eligible.yaml").write_text(REFRESHED)
    config = tmp_path / "govkit.yaml"
    config.write_text("aws:\n  regions: [us-east-1]\n"
                      "  hipaa_eligible_services: lists/eligible.yaml\n")
    loaded = load_config(config, environ={})
    assert loaded.aws is not None
    assert loaded.aws.hipaa_eligible_services == (tmp_path / "lists" / "eligible.yaml").resolve()
    config.write_text("aws:\n  regions: [us-east-1]\n"
                      "  hipaa_eligible_services: lists/missing.yaml\n")
    with pytest.raises(InputError) as raised:
        load_config(config, environ={})
    assert "missing.yaml" in str(raised.value) and "govkit.yaml:3:" in str(raised.value)
