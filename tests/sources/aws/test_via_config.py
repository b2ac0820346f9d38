"""``govkit scan --via aws-config``: S3 and DynamoDB read from AWS Config's items give the
same results, resource for resource, as the services' own APIs; old items, unreturned items
and unrecorded types are read from the APIs, and places Config cannot vouch for are ERROR.

AWS Config is the loopback server of ``govkit.demo.config_service`` (moto runs neither
advanced queries nor aggregators), holding what its recorder reads from the seeded demo estate;
every other service is the shared moto server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from govkit.demo.config_recorder import record
from govkit.demo.config_service import ConfigService
from govkit.demo.names import DEMO_REGIONS
from govkit.demo.run import aws_environment, environment
from govkit.errors import UsageError
from govkit.report.show import resolve_pointer
from govkit.run import Run, RunOptions, scan
from govkit.sources.aws.awsconfig.plan import ConfigOptions
from tests.conftest import Estate, demo_request

ACCOUNT = "123456789012"
EAST, WEST = DEMO_REGIONS
BUCKET = "nbh-billing-statements-2"  # a PHI bucket in us-west-2


@pytest.fixture
def config(estate: Estate) -> Iterator[ConfigService]:
    """Config recording the demo account in both regions, items captured an hour ago."""
    with ConfigService(sts_endpoint=estate.endpoint_url) as service:
        for region in DEMO_REGIONS:
            service.recorder(ACCOUNT, region)
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
        record(service, session, endpoint_url=estate.endpoint_url, account=ACCOUNT,
               regions=DEMO_REGIONS,
               captured_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
        yield service


def config_scan(estate: Estate, service: ConfigService, out: Path, at: dt.datetime,
                **options: Any) -> Run:
    with aws_environment(estate.endpoint_url), \
            environment({"AWS_ENDPOINT_URL_CONFIG_SERVICE": service.url}):
        return scan(demo_request(config=ConfigOptions(**options)),
                    RunOptions(out=out, evaluated_at=at))


def evaluated_at(run: Run) -> dt.datetime:
    return dt.datetime.fromisoformat(run.manifest["evaluated_at"].replace("Z", "+00:00"))


def results(run: Run) -> dict[tuple[str, str], dict[str, Any]]:
    document = json.loads((run.path / "results" / "results.json").read_text())
    return {(r["rule_id"], r["resource_id"]): r for r in document["results"]}


# The recorders themselves are answered by whichever server speaks for AWS Config: the Config
# emulator (recording in every region, as these tests set it up) in a run through Config, moto
# (whose estate leaves the us-west-2 recorder stopped) in the direct scan. That is a difference
# between the two emulators, not between reading resources from Config and from their APIs.
RECORDER_RULE = "config-recorder-recording"


def verdicts(run: Run) -> dict[tuple[str, str], tuple[str, str]]:
    """What each result says, without where its evidence sits (the provenance), for every
    rule but the recorder rule (see RECORDER_RULE)."""
    return {key: (r["status"], r["message"]) for key, r in results(run).items()
            if key[0] != RECORDER_RULE}


def index(run: Run) -> list[dict[str, Any]]:
    return json.loads((run.path / "snapshots" / "index.json").read_text())["calls"]


def provenance(run: Run) -> dict[str, dict[str, Any]]:
    entry = run.manifest["sources"][0]
    assert entry["via"] == "aws-config"
    return {r["id"]: r for r in entry["aws_config"]["resources"]}


@pytest.fixture(scope="module")
def via_config(estate: Estate, demo_run: Run,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The demo scan through Config, at the shared direct scan's evaluation time."""
    with ConfigService(sts_endpoint=estate.endpoint_url) as service:
        for region in DEMO_REGIONS:
            service.recorder(ACCOUNT, region)
        service.page_cap = 7  # several pages of rows, as a big estate gets
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
        record(service, session, endpoint_url=estate.endpoint_url, account=ACCOUNT,
               regions=DEMO_REGIONS, captured_at=evaluated_at(demo_run) - dt.timedelta(hours=2))
        yield config_scan(estate, service, tmp_path_factory.mktemp("via-config"),
                          evaluated_at(demo_run))


def test_results_equal_the_direct_scan_resource_for_resource(demo_run: Run,
                                                             via_config: Run) -> None:
    direct, from_config = verdicts(demo_run), verdicts(via_config)
    assert from_config.keys() == direct.keys()
    assert {k for k in direct if direct[k] != from_config[k]} == set()
    s3_results = [k for k in direct if k[1].startswith("arn:aws:s3:::")]
    assert len(s3_results) > 40  # the comparison covers the buckets' rules
    recorders = {k[1]: r["status"] for k, r in results(via_config).items()
                 if k[0] == RECORDER_RULE}  # as the Config emulator answers: recording
    assert sorted(recorders) == [f"arn:aws:config:{region}:{ACCOUNT}:settings"
                                 for region in DEMO_REGIONS]
    assert set(recorders.values()) == {"PASS"}


def test_s3_and_dynamodb_are_read_from_config_items_not_called(demo_run: Run,
                                                               via_config: Run) -> None:
    calls = [c for c in index(via_config) if "derived_from" not in c]
    derived = [c for c in index(via_config) if "derived_from" in c]
    assert not [c for c in calls if c["service"] == "s3"]
    assert {c["operation"] for c in calls if c["service"] == "dynamodb"} == \
        {"ListTagsOfResource"}  # batch gets carry no tags
    assert {c["service"] for c in derived} == {"s3", "s3control", "dynamodb"}
    assert via_config.manifest["sources"][0]["api_calls"] == len(calls)
    # the services Config stands in for (and Config itself) cost far fewer calls
    stood_in = {"s3", "s3control", "dynamodb", "config"}
    direct = [c for c in index(demo_run) if c["service"] in stood_in]
    assert len([c for c in calls if c["service"] in stood_in]) < len(direct) * 0.6


def test_each_derived_record_points_at_the_config_item_it_was_read_from(
        via_config: Run) -> None:
    encryption = next(c for c in index(via_config) if c["operation"] == "GetBucketEncryption"
                      and c["params"] == {"Bucket": BUCKET})
    assert encryption["region"] == WEST
    document = json.loads((via_config.path / encryption["file"]).read_text())
    source = document["derived_from"]
    assert source["source"] == "aws-config" and source["file"] == encryption["derived_from"]
    item = resolve_pointer(json.loads((via_config.path / source["file"]).read_text()),
                           source["pointer"])
    assert (item["resourceType"], item["resourceId"]) == ("AWS::S3::Bucket", BUCKET)
    assert "ServerSideEncryptionConfiguration" in item["supplementaryConfiguration"]
    assert source["captured_at"] == provenance(via_config)[BUCKET]["captured_at"]
    listing = next(c for c in index(via_config) if c["operation"] == "ListBuckets")
    rows = json.loads((via_config.path / listing["derived_from"]).read_text())
    assert rows["operation"] == "SelectResourceConfig"


def test_the_manifest_says_where_each_resource_came_from(via_config: Run) -> None:
    found = provenance(via_config)
    assert found[BUCKET]["from"] == "aws-config"
    assert found[BUCKET]["record"].endswith(".json")
    assert {r["type"] for r in found.values()} == {
        "AWS::S3::Bucket", "AWS::S3::AccountPublicAccessBlock", "AWS::DynamoDB::Table"}
    entry = via_config.manifest["sources"][0]["aws_config"]
    assert entry["gaps"] == [] and entry["max_config_age_hours"] == 24


def test_old_and_unreturned_items_are_read_from_the_api(estate: Estate, demo_run: Run,
                                                        config: ConfigService,
                                                        tmp_path: Path) -> None:
    at = evaluated_at(demo_run)
    key = (ACCOUNT, WEST, "AWS::S3::Bucket", BUCKET)
    config.put_item(**_item_args(config.items[key], captured_at=at - dt.timedelta(hours=30)))
    config.leave_unprocessed.add((ACCOUNT, EAST, "AWS::DynamoDB::Table", "nbh-appointments-1"))
    run = config_scan(estate, config, tmp_path, at)
    found = provenance(run)
    assert found[BUCKET]["from"] == "api"
    assert "more than 24 h before the scan" in found[BUCKET]["reason"]
    assert found["nbh-appointments-1"]["from"] == "api"
    assert "left it unprocessed" in found["nbh-appointments-1"]["reason"]
    called = {(c["operation"], json.dumps(c["params"], sort_keys=True))
              for c in index(run) if "derived_from" not in c}
    assert ("GetBucketPolicy", json.dumps({"Bucket": BUCKET})) in called
    assert ("DescribeTable", json.dumps({"TableName": "nbh-appointments-1"})) in called
    direct, mixed = verdicts(demo_run), verdicts(run)
    assert {k for k in direct if direct[k] != mixed.get(k)} == set()


def test_a_longer_max_age_takes_the_old_item(estate: Estate, demo_run: Run,
                                             config: ConfigService, tmp_path: Path) -> None:
    at = evaluated_at(demo_run)
    key = (ACCOUNT, WEST, "AWS::S3::Bucket", BUCKET)
    config.put_item(**_item_args(config.items[key], captured_at=at - dt.timedelta(hours=30)))
    run = config_scan(estate, config, tmp_path, at, max_age=dt.timedelta(hours=48))
    assert provenance(run)[BUCKET]["from"] == "aws-config"


def test_a_stopped_recorder_makes_that_region_error_not_absent(estate: Estate, demo_run: Run,
                                                               config: ConfigService,
                                                               tmp_path: Path) -> None:
    config.recorder(ACCOUNT, WEST, recording=False)
    run = config_scan(estate, config, tmp_path, evaluated_at(demo_run))
    found = results(run)
    west_tables = [r for r in found.values() if r["resource_type"] == "aws.dynamodb.table"
                   and r["region"] == WEST]
    assert west_tables and {r["status"] for r in west_tables} == {"ERROR"}
    assert all("recorder default in 123456789012/us-west-2 is not recording" in r["message"]
               for r in west_tables)
    west_buckets = [r for r in found.values() if r["resource_type"] == "aws.s3.bucket"
                    and r["region"] == WEST]
    assert west_buckets and {r["status"] for r in west_buckets} == {"ERROR"}
    east = [r for r in found.values() if r["resource_type"] == "aws.dynamodb.table"
            and r["region"] == EAST]
    assert "PASS" in {r["status"] for r in east}
    # nothing was read behind Config's back there
    assert not [c for c in index(run) if c["service"] == "dynamodb" and c["region"] == WEST
                and "derived_from" not in c]
    gaps = run.manifest["sources"][0]["aws_config"]["gaps"]
    assert [(g["account"], g["region"]) for g in gaps] == [(ACCOUNT, WEST)]


def test_types_the_recorder_leaves_out_are_read_from_the_api(estate: Estate, demo_run: Run,
                                                             config: ConfigService,
                                                             tmp_path: Path) -> None:
    config.recorder(ACCOUNT, EAST, resource_types=["AWS::S3::Bucket",
                                                   "AWS::S3::AccountPublicAccessBlock"])
    run = config_scan(estate, config, tmp_path, evaluated_at(demo_run))
    called = [c for c in index(run) if "derived_from" not in c]
    assert {c["operation"] for c in called if c["service"] == "dynamodb"
            and c["region"] == EAST} >= {"ListTables", "DescribeTable"}
    assert not [c for c in called if c["service"] == "dynamodb" and c["region"] == WEST
                and c["operation"] == "DescribeTable"]
    direct, mixed = verdicts(demo_run), verdicts(run)
    assert {k for k in direct if direct[k] != mixed.get(k)} == set()


def test_an_aggregator_reads_every_account_and_region_in_one_query(
        estate: Estate, demo_run: Run, config: ConfigService, tmp_path: Path) -> None:
    config.aggregator("org-hipaa", account=ACCOUNT, region=EAST,
                      sources=[(ACCOUNT, r) for r in DEMO_REGIONS])
    run = config_scan(estate, config, tmp_path, evaluated_at(demo_run), aggregator="org-hipaa")
    assert config.calls("SelectAggregateResourceConfig") == 1
    assert config.calls("SelectResourceConfig") == 0
    assert config.calls("BatchGetAggregateResourceConfig") == 1  # 21 items, one batch
    direct, aggregated = verdicts(demo_run), verdicts(run)
    assert {k for k in direct if direct[k] != aggregated[k]} == set()
    assert run.manifest["sources"][0]["aws_config"]["aggregator"] == "org-hipaa"


def test_a_failed_aggregator_source_is_error_naming_its_last_update(
        estate: Estate, demo_run: Run, config: ConfigService, tmp_path: Path) -> None:
    config.aggregator("org-hipaa", account=ACCOUNT, region=EAST,
                      sources=[(ACCOUNT, r) for r in DEMO_REGIONS],
                      failed={(ACCOUNT, WEST): ("AccessDeniedException",
                                                "not authorized to aggregate")})
    run = config_scan(estate, config, tmp_path, evaluated_at(demo_run), aggregator="org-hipaa")
    west = [r for r in results(run).values() if r["resource_type"] == "aws.dynamodb.table"
            and r["region"] == WEST]
    assert west and {r["status"] for r in west} == {"ERROR"}
    assert "aggregator org-hipaa's last update from account 123456789012 in us-west-2 is " \
           "FAILED" in west[0]["message"]
    assert "AccessDeniedException" in west[0]["message"]


def test_an_aggregator_missing_a_region_is_error(estate: Estate, demo_run: Run,
                                                 config: ConfigService, tmp_path: Path) -> None:
    config.aggregator("org-hipaa", account=ACCOUNT, region=EAST, sources=[(ACCOUNT, EAST)])
    run = config_scan(estate, config, tmp_path, evaluated_at(demo_run), aggregator="org-hipaa")
    west = [r for r in results(run).values() if r["resource_type"] == "aws.s3.bucket"
            and r["region"] == WEST]
    assert west and {r["status"] for r in west} == {"ERROR"}
    assert "aggregator org-hipaa has no data from account 123456789012 in us-west-2" in \
        west[0]["message"]


def test_an_unknown_aggregator_is_a_usage_error(estate: Estate, config: ConfigService,
                                                tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--aggregator nope: no such AWS Config aggregator "
                                         "in account 123456789012, region us-east-1"):
        config_scan(estate, config, tmp_path / "runs", dt.datetime.now(dt.timezone.utc),
                    aggregator="nope")
    assert not (tmp_path / "runs").exists()  # nothing half-written


def _item_args(item: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"account": item["accountId"], "region": item["awsRegion"],
            "resource_type": item["resourceType"], "resource_id": item["resourceId"],
            "name": item["resourceName"], "arn": item["arn"],
            "configuration": json.loads(item["configuration"]),
            "supplementary": item["supplementaryConfiguration"],
            "captured_at": dt.datetime.fromtimestamp(item["configurationItemCaptureTime"],
                                                     dt.timezone.utc), **changes}


def test_options_are_checked_before_anything_is_called() -> None:
    from govkit.sources.aws.scan import check_request
    from govkit.shard import Shard
    with pytest.raises(UsageError, match="does not take --shard"):
        check_request(dataclasses.replace(demo_request(config=ConfigOptions()),
                                          shard=Shard(1, 2)))
    with pytest.raises(UsageError, match="--max-config-age"):
        check_request(demo_request(config=ConfigOptions(max_age=dt.timedelta(0))))


def test_the_documented_read_only_policy_allows_the_config_path(via_config: Run) -> None:
    from tests.sources.aws.sweep import not_allowed_by_read_only_policy
    assert not_allowed_by_read_only_policy(via_config.path) == []
