"""WorkSpaces Pools against the demo server over HTTP: the emulator's answers hold to the
botocore model, every page of pools is collected, each pool's directory (with its streaming
settings) is described once, and a denied call leaves the settings failed, never guessed.

Tests that create pools use eu-central-1, which the demo scan never reads."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import boto3
import botocore.session
import pytest
from botocore.model import Shape

from govkit.demo.clients import DEMO_ACCESS_KEY, DEMO_SECRET_KEY
from govkit.demo.names import DEMO_ACCOUNT
from govkit.demo.run import aws_environment
from govkit.inventory.model import Coverage, Resource
from govkit.policy.evaluate import Settings, judge
from govkit.policy.loader import load_policy_set
from govkit.report.show import resolve_pointer
from govkit.results import Status
from govkit.run import Run
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import workspaces_pools
from govkit.sources.aws.scan import AwsService, plan_and_run
from govkit.sources.aws.services import workspaces as workspaces_service
from govkit.sources.aws.tasks import ServiceScope
from govkit.sources.interface import NormalizeContext
from govkit.vdi import workspaces_pools as pool_windows
from tests.conftest import Estate, demo_request
from tests.support.faultproxy import FaultProxy, access_denied_code, fast_retries

REGION = "eu-central-1"  # not a demo region: pools made here change no demo result
POOL = "aws.workspaces.pool"
BUNDLE = "wsb-bh8rsxt14"
NOW = dt.datetime(2026, 11, 15, 12, tzinfo=dt.timezone.utc)


# -- answers against the botocore model ------------------------------------------------------

def shape_problems(shape: Shape, value: Any, path: str = "$") -> list[str]:
    """What in a wire answer (JSON as sent) breaks ``shape``: a missing required member, a
    member the shape does not have, a wrong type, a value outside an enum or a length or
    range bound."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r}"]
        problems = [f"{path}: required member {name} is missing"
                    for name in shape.required_members if value.get(name) is None]
        problems += [f"{path}: {key} is not a member of {shape.name}"
                     for key in value if key not in shape.members]
        for key, item in value.items():
            if key in shape.members and item is not None:
                problems += shape_problems(shape.members[key], item, f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        problems = _bounds(shape, len(value), path)
        for index, item in enumerate(value):
            problems += shape_problems(shape.member, item, f"{path}[{index}]")
        return problems
    return _scalar_problems(shape, value, path)


def _scalar_problems(shape: Shape, value: Any, path: str) -> list[str]:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected text, got {value!r}"]
        enum = shape.enum
        if enum and value not in enum:
            return [f"{path}: {value!r} is not one of {enum}"]
        return _bounds(shape, len(value), path)
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{path}: expected an integer, got {value!r}"]
        return _bounds(shape, value, path)
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean, got {value!r}"]
    if kind == "timestamp":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return []
        try:
            dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return [f"{path}: {value!r} is not a timestamp"]
        return []
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r}"]
        return [p for k, v in value.items() for p in shape_problems(shape.value, v,
                                                                     f"{path}.{k}")]
    if kind in ("double", "float"):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if number else [f"{path}: expected a number, got {value!r}"]
    return [f"{path}: cannot check a {kind}"]


def _bounds(shape: Shape, size: int, path: str) -> list[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        return [f"{path}: {size} is below the minimum {low}"]
    if high is not None and size > high:
        return [f"{path}: {size} is above the maximum {high}"]
    return []


@contextmanager
def wire_answers(client: Any) -> Iterator[list[tuple[str, Any]]]:
    """Every successful answer ``client`` receives while the context is open, as sent (the
    JSON body before botocore parses it), with its operation's name."""
    seen: list[tuple[str, Any]] = []

    def capture(operation_model: Any, response_dict: Mapping[str, Any], **_: Any) -> None:
        if response_dict["status_code"] == 200:
            seen.append((operation_model.name, json.loads(response_dict["body"] or b"{}")))

    event = f"before-parse.{client.meta.service_model.service_id.hyphenize()}.*"
    client.meta.events.register(event, capture)
    try:
        yield seen
    finally:
        client.meta.events.unregister(event, capture)


def assert_valid(service: str, answers: list[tuple[str, Any]]) -> None:
    model = botocore.session.get_session().get_service_model(service)
    assert answers
    for operation, body in answers:
        problems = shape_problems(model.operation_model(operation).output_shape, body)
        assert not problems, (operation, problems)


def demo_client(endpoint_url: str, service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url,
                        aws_access_key_id=DEMO_ACCESS_KEY,
                        aws_secret_access_key=DEMO_SECRET_KEY)


def test_the_validator_finds_what_breaks_a_shape() -> None:
    model = botocore.session.get_session().get_service_model("workspaces")
    output = model.operation_model("DescribeWorkspacesPools").output_shape
    broken = {"WorkspacesPools": [{"PoolId": "wspool-123456789", "State": "SLEEPING",
                                   "Colour": "blue", "CapacityStatus": {}}]}
    problems = "\n".join(shape_problems(output, broken))
    assert "required member PoolArn is missing" in problems
    assert "'SLEEPING' is not one of" in problems
    assert "Colour is not a member of WorkspacesPool" in problems
    assert "required member ActiveUserSessions is missing" in problems


def test_emulator_answers_hold_to_the_model(estate: Estate) -> None:
    client = demo_client(estate.endpoint_url, "workspaces", "us-east-1")
    with wire_answers(client) as answers:
        pools = client.describe_workspaces_pools()["WorkspacesPools"]
        client.describe_workspace_directories(DirectoryIds=[p["DirectoryId"] for p in pools])
        client.describe_client_properties(ResourceIds=[p["DirectoryId"] for p in pools])
        client.describe_ip_groups()
    assert {name for name, _ in answers} == {"DescribeWorkspacesPools",
                                             "DescribeWorkspaceDirectories",
                                             "DescribeClientProperties", "DescribeIpGroups"}
    assert_valid("workspaces", answers)


def test_filters_and_pages(estate: Estate) -> None:
    client = demo_client(estate.endpoint_url, "workspaces", "us-east-1")

    def names(*filters: tuple[str, list[str]]) -> list[str]:
        spec = [{"Name": "PoolName", "Operator": op, "Values": values} for op, values in filters]
        return sorted(p["PoolName"] for p in client.describe_workspaces_pools(
            Filters=spec)["WorkspacesPools"])

    assert names(("EQUALS", ["nbh-meridian-agents"])) == ["nbh-meridian-agents"]
    assert names(("NOTEQUALS", ["nbh-meridian-agents"])) == ["nbh-overflow-desk"]
    assert names(("CONTAINS", ["overflow"])) == ["nbh-overflow-desk"]
    assert names(("NOTCONTAINS", ["nbh"])) == []
    assert names(("CONTAINS", ["nbh"]), ("NOTCONTAINS", ["desk"])) == ["nbh-meridian-agents"]
    first = client.describe_workspaces_pools(Limit=1)
    second = client.describe_workspaces_pools(Limit=1, NextToken=first["NextToken"])
    assert "NextToken" not in second
    assert {first["WorkspacesPools"][0]["PoolName"], second["WorkspacesPools"][0]["PoolName"]} \
        == {"nbh-meridian-agents", "nbh-overflow-desk"}


# -- the demo scan ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_pools(demo_run: Run) -> dict[str, Resource]:
    found = workspaces_pools.normalize(Snapshot.open(demo_run.path),
                                       NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT})))
    return {r.name: r for r in found if isinstance(r, Resource)}


def test_demo_pools_carry_their_directory_streaming_settings(demo_run: Run,
                                                             demo_pools: dict[str, Resource]
                                                             ) -> None:
    assert sorted(demo_pools) == ["nbh-meridian-agents", "nbh-overflow-desk"]
    locked = demo_pools["nbh-meridian-agents"].attributes
    assert locked["State"] == "RUNNING" and locked["PoolId"].startswith("wspool-")
    assert locked["TimeoutSettings"]["IdleDisconnectTimeoutInSeconds"] == 600
    assert locked["CapacityStatus"]["DesiredUserSessions"] == 25  # raised by UpdateWorkspacesPool
    actions = {s["Action"]: s["Permission"] for s in
               locked["StreamingProperties"]["UserSettings"]}
    assert actions["CLIPBOARD_COPY_TO_LOCAL_DEVICE"] == "DISABLED"
    assert locked["UserIdentityType"] == "CUSTOMER_MANAGED"
    lax = demo_pools["nbh-overflow-desk"].attributes
    assert "IdleDisconnectTimeoutInSeconds" not in lax["TimeoutSettings"]
    assert lax["ApplicationSettings"]["Status"] == "ENABLED"
    assert "Tags" in demo_pools["nbh-overflow-desk"].failures  # not collected, never empty
    for pool in demo_pools.values():
        for name, refs in pool.sources.items():
            for ref in refs:
                document = json.loads((demo_run.path / ref.file).read_bytes())
                resolve_pointer(document, ref.pointer, where=f"{pool.name} {name}")


def test_each_pool_directory_is_described_once(demo_run: Run) -> None:
    entries = [e for e in Snapshot.open(demo_run.path).entries if e.service == "workspaces"]
    targeted = [e for e in entries if e.operation == "DescribeWorkspaceDirectories"
                and "DirectoryIds" in e.params]
    # moto's listing holds only WorkSpaces Personal directories: the pools' two directories
    # are described by id, in the home region only, and their client properties read
    assert [(e.region, len(e.params["DirectoryIds"])) for e in targeted] == [("us-east-1", 2)]
    assert all(e.params["DirectoryIds"][0].startswith("wsd-") for e in targeted)
    assert any(e.operation == "DescribeClientProperties"
               and e.params["ResourceIds"] == targeted[0].params["DirectoryIds"]
               for e in entries)
    pools = [e for e in entries if e.operation == "DescribeWorkspacesPools"]
    assert sorted(e.region for e in pools) == ["us-east-1", "us-west-2"] and all(
        e.ok for e in pools)


def test_demo_pool_windows_are_judged_by_the_vdi_rules(demo_pools: dict[str, Resource]
                                                       ) -> None:
    windows = {w.name: w for w in pool_windows.windows({POOL: list(demo_pools.values())})}
    rules = load_policy_set().by_id()

    def status(rule: str, window: str) -> Status:
        result = judge(rules[rule], windows[window], settings=Settings(), now=NOW)
        assert result is not None
        return result.status

    assert status("vdi-clipboard-out-blocked", "nbh-meridian-agents") is Status.PASS
    assert status("vdi-clipboard-out-blocked", "nbh-overflow-desk") is Status.FAIL
    assert status("vdi-printing-blocked", "nbh-overflow-desk") is Status.FAIL
    assert status("vdi-download-blocked", "nbh-overflow-desk") is Status.PASS  # not offered
    assert status("vdi-idle-timeout", "nbh-meridian-agents") is Status.PASS
    assert status("vdi-idle-timeout", "nbh-overflow-desk") is Status.FAIL


# -- pools made for these tests --------------------------------------------------------------

@pytest.fixture(scope="module")
def made(estate: Estate) -> dict[str, str]:
    """In eu-central-1: 30 pools on one directory (two pages of 25), one of them updated."""
    client = demo_client(estate.endpoint_url, "workspaces", REGION)
    directory = client.register_workspace_directory(
        WorkspaceType="POOLS", WorkspaceDirectoryName="test-pools",
        WorkspaceDirectoryDescription="pool tests", UserIdentityType="CUSTOMER_MANAGED",
    )["DirectoryId"]
    client.modify_streaming_properties(ResourceId=directory, StreamingProperties={
        "UserSettings": [{"Action": "PRINTING_TO_LOCAL_DEVICE", "Permission": "DISABLED"}]})
    ids = {}
    for number in range(30):
        pool = client.create_workspaces_pool(
            PoolName=f"test-pool-{number:02d}", Description="pool tests", BundleId=BUNDLE,
            DirectoryId=directory, Capacity={"DesiredUserSessions": 1},
            TimeoutSettings={"IdleDisconnectTimeoutInSeconds": 900})["WorkspacesPool"]
        ids[pool["PoolName"]] = pool["PoolId"]
    with wire_answers(client) as answers:
        client.update_workspaces_pool(PoolId=ids["test-pool-07"], TimeoutSettings={
            "IdleDisconnectTimeoutInSeconds": 300, "MaxUserDurationInSeconds": 7200})
    assert_valid("workspaces", answers)
    return {"directory": directory, **ids}


def scan_region(tmp_path: Path) -> tuple[Snapshot, dict[str, Resource], list[Coverage]]:
    writer = SnapshotWriter(tmp_path)
    plan_and_run(demo_request(regions=(REGION,), services=(AwsService.WORKSPACES,)), writer)
    writer.write_index()
    snapshot = Snapshot.open(tmp_path)
    items = list(workspaces_pools.normalize(
        snapshot, NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT}))))
    return (snapshot, {r.name: r for r in items if isinstance(r, Resource)},
            [c for c in items if isinstance(c, Coverage)])


def test_every_page_of_pools_is_collected(made: dict[str, str], aws_env: Estate,
                                          tmp_path: Path) -> None:
    snapshot, pools, coverage = scan_region(tmp_path)
    pages = [e for e in snapshot.entries if e.operation == "DescribeWorkspacesPools"]
    assert len(pages) == 2 and pages[1].params.get("NextToken")
    assert len(pools) == 30 and coverage == [Coverage(
        type=POOL, account=DEMO_ACCOUNT, region=REGION, source=pages[0].file)]
    updated = pools["test-pool-07"].attributes["TimeoutSettings"]
    assert updated == {"IdleDisconnectTimeoutInSeconds": 300, "MaxUserDurationInSeconds": 7200}
    assert pools["test-pool-08"].attributes["StreamingProperties"]["UserSettings"] == [
        {"Action": "PRINTING_TO_LOCAL_DEVICE", "Permission": "DISABLED"}]
    targeted = [e for e in snapshot.entries if e.operation == "DescribeWorkspaceDirectories"
                and e.params.get("DirectoryIds")]
    assert [e.params["DirectoryIds"] for e in targeted] == [[made["directory"]]]


@pytest.fixture
def proxy(estate: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=estate.endpoint_url) as running, \
            aws_environment(running.endpoint_url), fast_retries():
        yield running


def test_denied_directories_fail_the_streaming_settings_and_the_windows(
        made: dict[str, str], proxy: FaultProxy, tmp_path: Path) -> None:
    proxy.inject("workspaces", "DescribeWorkspaceDirectories", access_denied_code("workspaces"))
    _, pools, _ = scan_region(tmp_path)
    pool = pools["test-pool-01"]
    failed = pool.failures["StreamingProperties"]
    assert failed.operation == "workspaces:DescribeWorkspaceDirectories"
    assert failed.code == "AccessDeniedException"
    assert pool.attributes["TimeoutSettings"]["IdleDisconnectTimeoutInSeconds"] == 900
    [window] = pool_windows.windows({POOL: [pool]})
    rules = load_policy_set().by_id()
    result = judge(rules["vdi-clipboard-out-blocked"], window, settings=Settings(), now=NOW)
    assert result is not None and result.status is Status.ERROR
    assert "workspaces:DescribeWorkspaceDirectories" in result.message
    idle = judge(rules["vdi-idle-timeout"], window, settings=Settings(), now=NOW)
    assert idle is not None and idle.status is Status.PASS  # the pool's own setting was read


def test_denied_pools_fail_their_listing(made: dict[str, str], proxy: FaultProxy,
                                         tmp_path: Path) -> None:
    proxy.inject("workspaces", "DescribeWorkspacesPools", access_denied_code("workspaces"))
    snapshot, pools, coverage = scan_region(tmp_path)
    assert pools == {}
    [listing] = coverage
    assert listing.failure is not None
    assert listing.failure.operation == "workspaces:DescribeWorkspacesPools"
    assert not [e for e in snapshot.entries if e.params.get("DirectoryIds")]


class _LoopingPools:
    """A WorkSpaces client whose pools listing answers the same NextToken for ever."""

    meta = SimpleNamespace(method_to_api_mapping={
        "describe_workspaces_pools": "DescribeWorkspacesPools"})

    def describe_workspaces_pools(self, **params: Any) -> dict[str, Any]:
        return {"WorkspacesPools": [], "NextToken": "again"}


def test_a_pools_listing_that_would_not_end_fails_its_coverage(tmp_path: Path) -> None:
    client = _LoopingPools()
    writer = SnapshotWriter(tmp_path)
    scope = ServiceScope(target=cast(Any, SimpleNamespace(
        account=DEMO_ACCOUNT, client=lambda service, region: client)),
        region=REGION, writer=writer)
    assert list(workspaces_service._pools(scope, frozenset())) == []
    writer.write_index()
    snapshot = Snapshot.open(tmp_path)
    calls = [e for e in snapshot.entries if e.operation == "DescribeWorkspacesPools"]
    assert sorted(e.ok for e in calls) == [False, True, True]
    assert [e.error_code for e in calls if not e.ok] == ["PaginationError"]
    [listing] = [c for c in workspaces_pools.normalize(
        snapshot, NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT})))
        if isinstance(c, Coverage)]
    assert listing.failure is not None and listing.failure.code == "PaginationError"
