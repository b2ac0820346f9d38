"""WorkSpaces IP access control groups against the demo server over HTTP: the groups are
collected and normalised, and a directory judged with the rules of the groups it uses (a /16
passes, a /15 or 0.0.0.0/0 fails, no group fails, a denied listing is ERROR).

The directory normaliser gives a directory ``IpGroupRules`` through
``ip_groups.set_ip_group_rules``; :func:`judged_directories` does the same here with the
directories it normalised. Groups made for these tests live in eu-west-1, which the demo scan
never reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from govkit.demo.names import DEMO_ACCOUNT, DEMO_REGIONS, ip_group_id
from govkit.demo.run import aws_environment
from govkit.inventory.model import Resource, ResourceBuilder
from govkit.policy.evaluate import Settings, judge
from govkit.policy.loader import load_policy_set
from govkit.policy.model import Rule
from govkit.results import Result, Status
from govkit.run import Run
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import ip_groups, workspaces
from govkit.sources.aws.normalize.common import RecordSet
from govkit.sources.aws.scan import AwsService, plan_and_run
from govkit.sources.interface import NormalizeContext
from tests.conftest import Estate, demo_request
from tests.sources.aws.test_workspaces_pools import (
    BUNDLE, assert_valid, demo_client, wire_answers)
from tests.support.faultproxy import FaultProxy, access_denied_code, fast_retries

REGION = "eu-west-1"  # not a demo region
RULE = "workspaces-directory-ip-groups-restrict-sources"
NOW = dt.datetime(2026, 11, 15, 12, tzinfo=dt.timezone.utc)
CTX = NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT}))
# directory -> the group attached to it (None: no group) and that group's rules
DIRECTORIES = {
    "edge-16": ("slash-16", [{"ipRule": "10.20.0.0/16", "ruleDesc": "Northbridge VPN"},
                             {"ipRule": "198.51.100.7"}]),
    "edge-15": ("slash-15", [{"ipRule": "203.0.113.0/24", "ruleDesc": "Meridian Manila"},
                             {"ipRule": "10.20.0.0/15", "ruleDesc": "Northbridge VPN"}]),
    "anywhere": ("open", [{"ipRule": "0.0.0.0/0", "ruleDesc": "temporary"}]),
    "no-group": (None, []),
}


def test_prefix_lengths() -> None:
    assert ip_groups.prefix_length("10.0.0.0/16") == 16
    assert ip_groups.prefix_length("0.0.0.0/0") == 0
    assert ip_groups.prefix_length("198.51.100.7") == 32
    assert ip_groups.prefix_length(" 10.0.0.1/15 ") == 15  # host bits set: still a /15
    assert ip_groups.prefix_length("anywhere") is None


@pytest.fixture(scope="module")
def restrict() -> Rule:
    return load_policy_set().by_id()[RULE]


def judged_directories(snapshot: Snapshot, region: str) -> dict[str, Resource]:
    """Each directory of ``region``, with its groups' rules as the directory normaliser sets
    them."""
    records = RecordSet(snapshot, "workspaces", DEMO_ACCOUNT)
    found = {}
    for item in workspaces.normalize(snapshot, CTX):
        if not isinstance(item, Resource) or item.type != "aws.workspaces.directory" or \
                item.region != region:
            continue
        builder = ResourceBuilder(id=item.id, type=item.type, account=item.account,
                                  region=item.region, name=item.name)
        for key in ("DirectoryId", "IpGroupIds"):
            builder.set(key, item.attributes[key], item.sources[key])
        ip_groups.set_ip_group_rules(builder, records, region, item.attributes["IpGroupIds"])
        found[item.name] = builder.build()
    return found


def verdict(rule: Rule, directory: Resource) -> Result:
    result = judge(rule, directory, settings=Settings(), now=NOW)
    assert result is not None
    return result


# -- the demo --------------------------------------------------------------------------------

def test_demo_groups(demo_run: Run) -> None:
    snapshot = Snapshot.open(demo_run.path)
    groups = [r for r in ip_groups.normalize(snapshot, CTX) if isinstance(r, Resource)]
    assert sorted((g.region, g.attributes["GroupId"]) for g in groups) == \
        sorted((region, ip_group_id(region)) for region in DEMO_REGIONS)
    for group in groups:
        assert group.name == "agents-vdi"
        assert [r["ipRule"] for r in group.attributes["Rules"]] == [
            "203.0.113.0/24", "198.51.100.0/25", "192.0.2.10/32"]
        assert group.id.endswith(f":workspaceipgroup/{group.attributes['GroupId']}")


def test_demo_directories_judged_with_their_groups(demo_run: Run, restrict: Rule) -> None:
    directories = judged_directories(Snapshot.open(demo_run.path), "us-west-2")
    hardened = directories["agents.vdi.northbridgehealth.example"]
    assert [r["PrefixLength"] for r in hardened.attributes["IpGroupRules"]] == [24, 25, 32]
    assert verdict(restrict, hardened).status is Status.PASS
    lax = verdict(restrict, directories["staff.vdi.northbridgehealth.example"])
    assert lax.status is Status.FAIL and "no IP access control group is attached" in lax.message
    pools = judged_directories(Snapshot.open(demo_run.path), "us-east-1")
    assert verdict(restrict, pools["nbh-overflow-pools"]).status is Status.PASS


# -- groups made for these tests -------------------------------------------------------------

@pytest.fixture(scope="module")
def made(estate: Estate) -> dict[str, str]:
    client = demo_client(estate.endpoint_url, "workspaces", REGION)
    ids: dict[str, str] = {}
    with wire_answers(client) as answers:
        for directory, (group, rules) in DIRECTORIES.items():
            directory_id = client.register_workspace_directory(
                WorkspaceType="POOLS", WorkspaceDirectoryName=directory,
                WorkspaceDirectoryDescription="IP group tests")["DirectoryId"]
            if group is not None:
                ids[group] = client.create_ip_group(GroupName=group,
                                                    UserRules=rules[:1])["GroupId"]
                client.authorize_ip_rules(GroupId=ids[group], UserRules=rules[1:])
                client.associate_ip_groups(DirectoryId=directory_id, GroupIds=[ids[group]])
            # a pool, so that the collector describes the directory
            client.create_workspaces_pool(
                PoolName=f"pool-{directory}", Description="IP group tests", BundleId=BUNDLE,
                DirectoryId=directory_id, Capacity={"DesiredUserSessions": 1})
        for extra in range(4):
            client.create_ip_group(GroupName=f"spare-{extra}", GroupDesc="unattached")
        pages = list(client.get_paginator("describe_ip_groups").paginate(
            PaginationConfig={"PageSize": 5}))
    assert [len(p["Result"]) for p in pages] == [5, 2]
    assert_valid("workspaces", answers)
    return ids


def scan_region(tmp_path: Path) -> Snapshot:
    writer = SnapshotWriter(tmp_path)
    plan_and_run(demo_request(regions=(REGION,), services=(AwsService.WORKSPACES,)), writer)
    writer.write_index()
    return Snapshot.open(tmp_path)


def test_rule_edges(made: dict[str, str], aws_env: Estate, restrict: Rule,
                    tmp_path: Path) -> None:
    directories = judged_directories(scan_region(tmp_path), REGION)
    assert sorted(directories) == sorted(DIRECTORIES)
    assert verdict(restrict, directories["edge-16"]).status is Status.PASS
    wide = verdict(restrict, directories["edge-15"])
    assert wide.status is Status.FAIL
    assert f"10.20.0.0/15 (Northbridge VPN) in group slash-15 ({made['slash-15']})" \
        in wide.message and "203.0.113.0/24" not in wide.message
    anywhere = verdict(restrict, directories["anywhere"])
    assert anywhere.status is Status.FAIL
    assert f"0.0.0.0/0 (temporary) in group open ({made['open']})" in anywhere.message
    none = verdict(restrict, directories["no-group"])
    assert none.status is Status.FAIL and "no IP access control group is attached" \
        in none.message


def test_a_group_missing_from_the_answer_is_unknown(made: dict[str, str], aws_env: Estate,
                                                    restrict: Rule, tmp_path: Path) -> None:
    snapshot = scan_region(tmp_path)
    builder = ResourceBuilder(id="d", type="aws.workspaces.directory", account=DEMO_ACCOUNT,
                              region=REGION, name="deleted-group")
    builder.set("DirectoryId", "wsd-0000000000", "x").set("IpGroupIds", ["wsipg-gone00000"], "x")
    ip_groups.set_ip_group_rules(builder, RecordSet(snapshot, "workspaces", DEMO_ACCOUNT),
                                 REGION, ["wsipg-gone00000"])
    result = verdict(restrict, builder.build())
    assert result.status is Status.ERROR
    assert "wsipg-gone00000 attached to the directory is not in the answer" in result.message


@pytest.fixture
def proxy(estate: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=estate.endpoint_url) as running, \
            aws_environment(running.endpoint_url), fast_retries():
        yield running


def test_denied_listing_is_error_naming_the_call(made: dict[str, str], proxy: FaultProxy,
                                                 restrict: Rule, tmp_path: Path) -> None:
    proxy.inject("workspaces", "DescribeIpGroups", access_denied_code("workspaces"))
    snapshot = scan_region(tmp_path)
    directories = judged_directories(snapshot, REGION)
    denied = verdict(restrict, directories["edge-16"])
    assert denied.status is Status.ERROR
    assert "workspaces:DescribeIpGroups" in denied.message
    assert "AccessDeniedException" in denied.message
    # a directory with no group fails whatever the listing says
    assert verdict(restrict, directories["no-group"]).status is Status.FAIL
    listing = [c for c in ip_groups.normalize(snapshot, CTX) if not isinstance(c, Resource)]
    assert listing and all(c.failure is not None for c in listing)


def test_emulator_refuses_what_aws_refuses(made: dict[str, str], estate: Estate) -> None:
    client = demo_client(estate.endpoint_url, "workspaces", REGION)
    with pytest.raises(ClientError, match="ResourceAlreadyExistsException"):
        client.create_ip_group(GroupName="slash-16")
    with pytest.raises(ClientError, match="InvalidParameterValuesException"):
        client.authorize_ip_rules(GroupId=made["open"], UserRules=[{"ipRule": "10.0.0.0/33"}])
    with pytest.raises(ClientError, match="ResourceLimitExceededException"):
        client.authorize_ip_rules(GroupId=made["open"], UserRules=[
            {"ipRule": f"10.0.{n}.0/24"} for n in range(10)])
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        client.authorize_ip_rules(GroupId="wsipg-unknown00",
                                  UserRules=[{"ipRule": "10.0.0.0/24"}])
    assert client.describe_ip_groups(GroupIds=["wsipg-unknown00"])["Result"] == []
