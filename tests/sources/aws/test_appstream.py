"""AppStream 2.0, collected over HTTP from the loopback AppStream service beside the seeded moto
server, in a region the demo does not use: stacks, fleets and image builders with their
associations, users and tags; each stack mapped with its fleet into a glass window the vdi rules
judge; image builders judged for internet access; and every AppStream call, denied, leaves an
ERROR naming it instead of a PASS."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from govkit.demo.aws_extra import appstream as loopback
from govkit.demo.names import DEMO_ACCOUNT
from govkit.demo.run import aws_environment
from govkit.inventory.build import build_inventory
from govkit.inventory.model import Coverage, Inventory, Resource
from govkit.report.show import resolve_pointer
from govkit.policy.templates import fields_of
from govkit.results import Status
from govkit.run import Run, RunOptions, scan
from govkit.snapshot import Snapshot, SnapshotWriter
from govkit.sources.aws.normalize import appstream as normalize_appstream
from govkit.sources.aws.scan import AwsService
from govkit.sources.interface import NormalizeContext
from govkit.vdi import appstream as appstream_windows
from govkit.vdi.window import CHANNELS, LIMITS
from tests.conftest import Estate, demo_request
from tests.sources.aws.sweep import not_allowed_by_read_only_policy
from tests.support.faultproxy import FaultProxy, access_denied_code, fast_retries

REPO = Path(__file__).resolve().parents[3]
REGION = "eu-west-2"  # the demo estate lives in us-east-1 and us-west-2
ARN = f"arn:aws:appstream:{REGION}:{DEMO_ACCOUNT}"
PHI_DESK, BILLING_DESK, STAGING_DESK = "nbh-phi-desk", "nbh-billing-desk", "nbh-staging-desk"
AGENTS = ("ana.cruz@meridian-cs.example", "ben.ocampo@meridian-cs.example",
          "carla.diaz@meridian-cs.example")
OPERATIONS = ["DescribeFleets", "DescribeImageBuilders", "DescribeStacks",
              "DescribeUserStackAssociations", "ListAssociatedFleets", "ListTagsForResource"]
LOCKED = [{"Action": action, "Permission": "DISABLED"} for action in (
    "CLIPBOARD_COPY_FROM_LOCAL_DEVICE", "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "FILE_UPLOAD",
    "FILE_DOWNLOAD", "PRINTING_TO_LOCAL_DEVICE")] + [
    {"Action": "DOMAIN_PASSWORD_SIGNIN", "Permission": "ENABLED"}]
GOLDEN, LAB, LEGACY = "nbh-golden-builder", "nbh-lab-builder", "nbh-legacy-builder"
BUILDER_RULE = "appstream-image-builder-no-default-internet-access"


def seed(endpoint_url: str) -> None:
    """A hardened PHI desk, a lax billing desk and a staging stack with no fleet, and three
    image builders (a sealed golden one, stopped; a lab one with internet access; a stopped
    legacy one with internet access, from a custom image), seeded through boto3 as an
    administrator would create them."""
    client: Any = boto3.client("appstream", region_name=REGION, endpoint_url=endpoint_url)
    image = {"ImageName": "AppStream-WinServer2022-06-10-2026",
             "InstanceType": "stream.standard.medium"}
    client.create_fleet(Name="nbh-phi-fleet", FleetType="ALWAYS_ON", **image,
                        ComputeCapacity={"DesiredInstances": 4},
                        MaxUserDurationInSeconds=28800, DisconnectTimeoutInSeconds=300,
                        IdleDisconnectTimeoutInSeconds=600, EnableDefaultInternetAccess=False,
                        VpcConfig={"SubnetIds": ["subnet-0a1b2c3d"],
                                   "SecurityGroupIds": ["sg-0a1b2c3d"]},
                        Tags={"data-classification": "phi"})
    client.start_fleet(Name="nbh-phi-fleet")
    client.create_fleet(Name="nbh-billing-fleet", **image,
                        ComputeCapacity={"DesiredInstances": 2},
                        MaxUserDurationInSeconds=57600, DisconnectTimeoutInSeconds=3570,
                        EnableDefaultInternetAccess=True,
                        UsbDeviceFilterStrings=["*,*,*,*,*,*"])
    client.create_fleet(Name="nbh-spare-fleet", **image, ComputeCapacity={"DesiredInstances": 1})
    client.create_stack(Name=PHI_DESK, DisplayName="Patient scheduling desk",
                        UserSettings=LOCKED, Tags={"data-classification": "phi"})
    client.create_stack(Name=BILLING_DESK, UserSettings=[
        {"Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "ENABLED",
         "MaximumLength": 4096},
        {"Action": "FILE_UPLOAD", "Permission": "DISABLED"}],
        StorageConnectors=[{"ConnectorType": "HOMEFOLDERS"},
                           {"ConnectorType": "GOOGLE_DRIVE",
                            "Domains": ["meridian-cs.example"]}],
        ApplicationSettings={"Enabled": True, "SettingsGroup": "billing"})
    client.create_stack(Name=STAGING_DESK)
    client.associate_fleet(FleetName="nbh-phi-fleet", StackName=PHI_DESK)
    client.associate_fleet(FleetName="nbh-billing-fleet", StackName=BILLING_DESK)
    for user in AGENTS:
        client.create_user(UserName=user, AuthenticationType="USERPOOL",
                           MessageAction="SUPPRESS")
    client.batch_associate_user_stack(UserStackAssociations=[
        {"StackName": PHI_DESK, "UserName": user, "AuthenticationType": "USERPOOL",
         "SendEmailNotification": False} for user in AGENTS])
    client.create_image_builder(Name=GOLDEN, **image, EnableDefaultInternetAccess=False,
                                VpcConfig={"SubnetIds": ["subnet-0a1b2c3d"],
                                           "SecurityGroupIds": ["sg-0a1b2c3d"]},
                                Tags={"data-classification": "phi"})
    client.stop_image_builder(Name=GOLDEN)
    client.create_image_builder(Name=LAB, **image, EnableDefaultInternetAccess=True)
    client.create_image_builder(Name=LEGACY, ImageArn=f"{ARN}:image/nbh-legacy-image",
                                InstanceType="stream.standard.large",
                                EnableDefaultInternetAccess=True)
    client.stop_image_builder(Name=LEGACY)


@pytest.fixture(scope="module")
def seeded(estate: Estate) -> Iterator[Estate]:
    """The AppStream estate, listed two items a page so every listing pages."""
    with aws_environment(estate.endpoint_url):
        seed(estate.endpoint_url)
    size, loopback.SERVICE.page_size = loopback.SERVICE.page_size, 2
    try:
        yield estate
    finally:
        loopback.SERVICE.page_size = size


def appstream_scan(out: Path, **overrides: Any) -> Run:
    request = demo_request(regions=(REGION,), services=(AwsService.APPSTREAM,),
                           identity_center_region=None, **overrides)
    return scan(request, RunOptions(out=out))


@pytest.fixture(scope="module")
def run(seeded: Estate, tmp_path_factory: pytest.TempPathFactory) -> Run:
    with aws_environment(seeded.endpoint_url):
        return appstream_scan(tmp_path_factory.mktemp("appstream"))


def inventory_of(run: Run) -> Inventory:
    return build_inventory(Snapshot.open(run.path), run.manifest["accounts"],
                           regions=run.manifest["regions"])


@pytest.fixture(scope="module")
def inventory(run: Run) -> Inventory:
    return inventory_of(run)


def by_name(inventory: Inventory, resource_type: str) -> dict[str, Resource]:
    return {r.name: r for r in inventory.of_type(resource_type)}


def test_each_stack_and_fleet_is_read_with_the_fewest_calls(run: Run) -> None:
    entries = [e for e in Snapshot.open(run.path).entries if e.service == "appstream"]
    assert all(e.ok for e in entries) and {e.region for e in entries} == {REGION}
    assert sorted({e.operation for e in entries}) == OPERATIONS
    pages = sorted(e.params["page"] for e in entries if e.operation == "DescribeStacks")
    assert pages == [1, 2]  # three stacks, two a page
    per_stack = {(e.operation, e.params.get("StackName"), e.params.get("page"))
                 for e in entries if e.operation in ("ListAssociatedFleets",
                                                     "DescribeUserStackAssociations")}
    assert ("DescribeUserStackAssociations", PHI_DESK, 2) in per_stack  # three users
    assert {s for _, s, _ in per_stack} == {PHI_DESK, BILLING_DESK, STAGING_DESK}
    assert all(e.params["AuthenticationType"] == "USERPOOL" for e in entries
               if e.operation == "DescribeUserStackAssociations")
    tagged = sorted(e.params["ResourceArn"] for e in entries
                    if e.operation == "ListTagsForResource")
    assert len(tagged) == 9 and f"{ARN}:stack/{PHI_DESK}" in tagged
    assert f"{ARN}:image-builder/{GOLDEN}" in tagged
    builder_pages = sorted(e.params["page"] for e in entries
                           if e.operation == "DescribeImageBuilders")
    assert builder_pages == [1, 2]  # three image builders, two a page


def test_the_client_pages_through_image_builders(seeded: Estate) -> None:
    client: Any = boto3.client("appstream", region_name=REGION,
                               endpoint_url=seeded.endpoint_url)
    with aws_environment(seeded.endpoint_url):
        first = client.describe_image_builders(MaxResults=1)
        second = client.describe_image_builders(MaxResults=5, NextToken=first["NextToken"])
        pages = list(client.get_paginator("describe_image_builders").paginate())
        [named] = client.describe_image_builders(Names=[LAB])["ImageBuilders"]
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.describe_image_builders(Names=["nbh-no-such-builder"])
    assert [b["Name"] for b in first["ImageBuilders"]] == [GOLDEN]
    assert [b["Name"] for b in second["ImageBuilders"]] == [LAB, LEGACY]
    assert "NextToken" not in second
    assert [[b["Name"] for b in p["ImageBuilders"]] for p in pages] == [[GOLDEN, LAB], [LEGACY]]
    assert named["Arn"] == f"{ARN}:image-builder/{LAB}" and named["State"] == "RUNNING"
    assert named["EnableDefaultInternetAccess"] is True
    assert named["Platform"] == "WINDOWS_SERVER_2022"
    assert isinstance(named["CreatedTime"], dt.datetime)


def test_every_call_is_allowed_by_the_documented_read_only_policy(run: Run) -> None:
    assert not not_allowed_by_read_only_policy(run.path)


def test_stacks_carry_their_settings_fleet_users_and_tags(inventory: Inventory) -> None:
    stacks = by_name(inventory, "aws.appstream.stack")
    assert sorted(stacks) == [BILLING_DESK, PHI_DESK, STAGING_DESK]
    phi = stacks[PHI_DESK]
    assert phi.id == f"{ARN}:stack/{PHI_DESK}" and phi.region == REGION
    assert phi.attributes["Fleets"] == ["nbh-phi-fleet"]
    assert [u["UserName"] for u in phi.attributes["UserAssociations"]] == list(AGENTS)
    assert phi.tags == {"data-classification": "phi"}
    assert set(phi.attributes["EffectiveUserSettings"].values()) == {"DISABLED"}
    billing = stacks[BILLING_DESK].attributes
    assert billing["EffectiveUserSettings"] == {
        "CLIPBOARD_COPY_TO_LOCAL_DEVICE": "ENABLED", "CLIPBOARD_COPY_FROM_LOCAL_DEVICE":
        "ENABLED", "FILE_DOWNLOAD": "ENABLED", "FILE_UPLOAD": "DISABLED",
        "PRINTING_TO_LOCAL_DEVICE": "ENABLED"}
    assert billing["ApplicationSettings"]["S3BucketName"].startswith("appstream-app-settings-")
    assert [c["ConnectorType"] for c in billing["StorageConnectors"]] == \
        ["HOMEFOLDERS", "GOOGLE_DRIVE"]
    staging = stacks[STAGING_DESK].attributes
    assert staging["Fleets"] == [] and staging["UserSettings"] == []


def test_fleets_carry_their_session_settings(inventory: Inventory) -> None:
    fleets = by_name(inventory, "aws.appstream.fleet")
    assert sorted(fleets) == ["nbh-billing-fleet", "nbh-phi-fleet", "nbh-spare-fleet"]
    phi = fleets["nbh-phi-fleet"].attributes
    assert (phi["State"], phi["FleetType"], phi["EnableDefaultInternetAccess"]) == \
        ("RUNNING", "ALWAYS_ON", False)
    assert phi["UsbDeviceFilterStrings"] == [] and phi["IdleDisconnectTimeoutInSeconds"] == 600
    assert fleets["nbh-billing-fleet"].attributes["UsbDeviceFilterStrings"] == ["*,*,*,*,*,*"]
    assert fleets["nbh-phi-fleet"].tags == {"data-classification": "phi"}
    assert fleets["nbh-spare-fleet"].tags == {}


def test_image_builders_carry_their_internet_access(inventory: Inventory) -> None:
    builders = by_name(inventory, "aws.appstream.image_builder")
    assert sorted(builders) == [GOLDEN, LAB, LEGACY]
    golden = builders[GOLDEN]
    assert golden.id == f"{ARN}:image-builder/{GOLDEN}" and golden.region == REGION
    assert golden.account == DEMO_ACCOUNT
    assert {k: golden.attributes[k] for k in (
        "Arn", "State", "InstanceType", "Platform", "ImageArn", "EnableDefaultInternetAccess",
        "VpcConfig")} == {
        "Arn": golden.id, "State": "STOPPED", "InstanceType": "stream.standard.medium",
        "Platform": "WINDOWS_SERVER_2022",
        "ImageArn": f"arn:aws:appstream:{REGION}::image/AppStream-WinServer2022-06-10-2026",
        "EnableDefaultInternetAccess": False,
        "VpcConfig": {"SubnetIds": ["subnet-0a1b2c3d"], "SecurityGroupIds": ["sg-0a1b2c3d"]}}
    assert golden.tags == {"data-classification": "phi"}
    assert golden.attributes["ImageBuilderErrors"] == []
    legacy = builders[LEGACY].attributes
    assert (legacy["State"], legacy["EnableDefaultInternetAccess"]) == ("STOPPED", True)
    assert legacy["ImageArn"] == f"{ARN}:image/nbh-legacy-image"
    assert legacy["Platform"] is None  # a custom image: the emulator does not know its platform
    assert builders[LAB].attributes["State"] == "RUNNING" and builders[LAB].tags == {}


def test_every_image_builder_is_judged_for_internet_access(run: Run) -> None:
    found = {r.resource_name: r for r in run.evaluation.results if r.rule_id == BUILDER_RULE}
    assert sorted(found) == [GOLDEN, LAB, LEGACY]
    assert found[GOLDEN].status is Status.PASS
    assert found[LAB].status is Status.FAIL
    assert found[LAB].message.startswith(
        f"image builder {LAB} (RUNNING) has default internet access "
        "(EnableDefaultInternetAccess is true): anything it downloads goes into the image")
    assert found[LEGACY].status is Status.FAIL  # stopped, but it can be started at any time
    assert f"image builder {LEGACY} (STOPPED)" in found[LEGACY].message


def test_every_attribute_points_at_what_it_was_read_from(run: Run, inventory: Inventory
                                                         ) -> None:
    documents: dict[str, Any] = {}
    resources = [*inventory.of_type("aws.appstream.stack"),
                 *inventory.of_type("aws.appstream.fleet"),
                 *inventory.of_type("aws.appstream.image_builder"),
                 *inventory.of_type("vdi.window")]
    for resource in resources:
        assert set(resource.attributes) - {"Id", "Name", "Account", "Region"} <= \
            set(resource.sources), resource.name
        for name, refs in resource.sources.items():
            for where in refs:
                document = documents.setdefault(
                    where.file, json.loads((run.path / where.file).read_bytes()))
                resolve_pointer(document, where.pointer, where=f"{resource.name} {name}")


def windows(inventory: Inventory) -> dict[str, Resource]:
    return {r.name: r for r in inventory.of_type("vdi.window")
            if r.attributes["Platform"] == "appstream"}


def test_each_stack_is_one_window_with_every_channel_and_limit(inventory: Inventory) -> None:
    found = windows(inventory)
    assert sorted(found) == [BILLING_DESK, PHI_DESK, STAGING_DESK]
    for window in found.values():
        keys = {*CHANNELS, *LIMITS, "StorageConnectors", "Entitlements"}
        assert keys <= set(window.attributes), sorted(keys - set(window.attributes))
        assert window.id == f"vdi:{ARN}:stack/{window.name}"
    phi = found[PHI_DESK]
    assert phi.attributes["Window"] == f"AppStream stack {PHI_DESK} ({DEMO_ACCOUNT}/{REGION})"
    assert phi.tags == {"data-classification": "phi"}
    assert phi.attributes["ClipboardOut"] == {
        "Allowed": False, "Offered": True, "Explicit": True,
        "Setting": "UserSettings CLIPBOARD_COPY_TO_LOCAL_DEVICE is DISABLED"}
    assert not any(phi.attributes[c]["Allowed"] for c in CHANNELS)
    assert phi.attributes["IdleTimeout"]["Minutes"] == 10
    assert phi.attributes["DisconnectTimeout"]["Minutes"] == 5
    assert phi.attributes["MaxSession"]["Minutes"] == 480
    assert phi.attributes["StorageConnectors"] == []
    assert phi.attributes["Entitlements"] == [
        {"Kind": "user", "System": "appstream", "Name": user} for user in AGENTS]
    assert "SAML 2.0" in phi.notes["Entitlements"]


def test_a_setting_points_at_the_entry_that_decided_it(run: Run, inventory: Inventory
                                                        ) -> None:
    phi = windows(inventory)[PHI_DESK]
    [where] = phi.sources["ClipboardOut"]
    document = json.loads((run.path / where.file).read_bytes())
    assert resolve_pointer(document, where.pointer) == {
        "Action": "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "Permission": "DISABLED"}
    idle = phi.sources["IdleTimeout"][0]
    assert resolve_pointer(json.loads((run.path / idle.file).read_bytes()),
                           idle.pointer) == 600


def test_the_lax_desk_shows_each_way_out(inventory: Inventory) -> None:
    billing = windows(inventory)[BILLING_DESK].attributes
    assert billing["ClipboardOut"]["Setting"] == \
        "UserSettings CLIPBOARD_COPY_TO_LOCAL_DEVICE is ENABLED (MaximumLength 4096)"
    assert billing["ClipboardIn"] == {
        "Allowed": True, "Offered": True, "Explicit": False,
        "Setting": "not set: AppStream enables CLIPBOARD_COPY_FROM_LOCAL_DEVICE by default"}
    assert billing["Upload"]["Allowed"] is False and billing["Download"]["Allowed"] is True
    assert billing["DriveRedirection"]["Allowed"] is False  # upload is off
    assert "FILE_UPLOAD is DISABLED" in billing["DriveRedirection"]["Setting"]
    assert billing["UsbRedirection"] == {
        "Allowed": True, "Offered": True, "Explicit": True,
        "Setting": "fleet nbh-billing-fleet UsbDeviceFilterStrings is ['*,*,*,*,*,*']"}
    assert billing["IdleTimeout"]["Minutes"] is None
    assert "IdleDisconnectTimeoutInSeconds is 0" in billing["IdleTimeout"]["Setting"]
    assert billing["DisconnectTimeout"]["Minutes"] == 60  # 3570 s, rounded up
    assert billing["StorageConnectors"] == [
        {"Type": "GOOGLE_DRIVE", "Setting": "StorageConnectors GOOGLE_DRIVE for domains "
                                            "meridian-cs.example"}]
    assert billing["Entitlements"] == []


def test_a_stack_without_a_fleet_has_no_limits(inventory: Inventory) -> None:
    staging = windows(inventory)[STAGING_DESK].attributes
    assert staging["MaxSession"]["Minutes"] is None
    assert staging["MaxSession"]["Setting"] == \
        f"no fleet is associated with stack {STAGING_DESK}, so no fleet sets " \
        "MaxUserDurationInSeconds"
    assert staging["UsbRedirection"]["Allowed"] is False
    assert staging["DriveRedirection"]["Allowed"] is True
    assert staging["DriveRedirection"]["Explicit"] is False


def results_of(run: Run, name: str) -> dict[str, Any]:
    return {r.rule_id: r for r in run.evaluation.results
            if r.resource_id == f"vdi:{ARN}:stack/{name}"}


def test_the_vdi_rules_judge_the_windows(run: Run) -> None:
    phi, billing = results_of(run, PHI_DESK), results_of(run, BILLING_DESK)
    for rule in ("vdi-clipboard-out-blocked", "vdi-clipboard-in-blocked",
                 "vdi-download-blocked", "vdi-upload-blocked", "vdi-printing-blocked",
                 "vdi-drive-redirection-blocked", "vdi-usb-redirection-blocked",
                 "vdi-no-storage-connectors", "vdi-idle-timeout"):
        assert phi[rule].status is Status.PASS, (rule, phi[rule].message)
    assert billing["vdi-clipboard-out-blocked"].status is Status.FAIL
    assert "UserSettings CLIPBOARD_COPY_TO_LOCAL_DEVICE is ENABLED (MaximumLength 4096)" in \
        billing["vdi-clipboard-out-blocked"].message
    assert billing["vdi-usb-redirection-blocked"].status is Status.FAIL
    assert billing["vdi-no-storage-connectors"].status is Status.FAIL
    assert billing["vdi-upload-blocked"].status is Status.PASS


@pytest.fixture(scope="module")
def proxy(seeded: Estate) -> Iterator[FaultProxy]:
    with FaultProxy(upstream=seeded.endpoint_url) as running, \
            aws_environment(running.endpoint_url), fast_retries():
        yield running


# the window rules each denied call must turn to ERROR on the PHI desk
FEEDS = {"DescribeStacks": "vdi-clipboard-out-blocked",
         "DescribeFleets": "vdi-idle-timeout",
         "DescribeImageBuilders": BUILDER_RULE,
         "ListAssociatedFleets": "vdi-usb-redirection-blocked",
         "DescribeUserStackAssociations": None,  # Entitlements: no built-in rule reads them
         "ListTagsForResource": None}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_denied_call_is_an_error_naming_it(proxy: FaultProxy, tmp_path: Path,
                                             operation: str) -> None:
    proxy.clear()
    proxy.inject("appstream", operation, access_denied_code("appstream"))
    denied = appstream_scan(tmp_path, max_attempts=2)
    named = f"appstream:{operation}"
    assert any(named in str(c.get("operation")) for c in denied.evaluation.failed_calls)
    assert denied.evaluation.incomplete
    rule = FEEDS[operation]
    if rule is not None:
        errors = [r for r in denied.evaluation.results
                  if r.rule_id == rule and r.status is Status.ERROR]
        assert any(named in r.message or named == (r.failure or {}).get("operation")
                   for r in errors), [r.message for r in denied.evaluation.results
                                      if r.rule_id == rule]
    passed = results_of(denied, PHI_DESK)
    assert not any(r.status is Status.PASS and r.rule_id == rule for r in passed.values())
    if operation == "DescribeImageBuilders":
        assert not any(r.rule_id == BUILDER_RULE and r.status is not Status.ERROR
                       for r in denied.evaluation.results)


def test_denied_tags_leave_image_builders_judged(proxy: FaultProxy, tmp_path: Path) -> None:
    """The rule reads no tags (it judges every image builder), so tags that could not be read
    fail only the Tags attribute."""
    proxy.clear()
    proxy.inject("appstream", "ListTagsForResource", access_denied_code("appstream"))
    denied = appstream_scan(tmp_path, max_attempts=2)
    golden = by_name(inventory_of(denied), "aws.appstream.image_builder")[GOLDEN]
    assert golden.failures["Tags"].operation == "appstream:ListTagsForResource"
    found = {r.resource_name: r.status for r in denied.evaluation.results
             if r.rule_id == BUILDER_RULE}
    assert found == {GOLDEN: Status.PASS, LAB: Status.FAIL, LEGACY: Status.FAIL}


def test_denied_users_and_tags_fail_the_window_attributes(proxy: FaultProxy, tmp_path: Path
                                                          ) -> None:
    proxy.clear()
    for operation in ("DescribeUserStackAssociations", "ListTagsForResource"):
        proxy.inject("appstream", operation, access_denied_code("appstream"))
    phi = windows(inventory_of(appstream_scan(tmp_path, max_attempts=2)))[PHI_DESK]
    assert phi.failures["Entitlements"].operation == "appstream:DescribeUserStackAssociations"
    assert phi.failures["Tags"].operation == "appstream:ListTagsForResource"
    assert "Entitlements" not in phi.attributes and "Tags" not in phi.attributes


def test_a_listed_stack_whose_follow_up_calls_are_missing_has_them_failed(tmp_path: Path
                                                                          ) -> None:
    writer = SnapshotWriter(tmp_path)
    stack = {"Arn": f"{ARN}:stack/{PHI_DESK}", "Name": PHI_DESK, "UserSettings": LOCKED}
    writer.record(account=DEMO_ACCOUNT, region=REGION, service="appstream",
                  operation="DescribeStacks", params={"page": 1}, response={"Stacks": [stack]},
                  started_at=dt.datetime.now(dt.UTC), duration_ms=1)
    writer.write_index()
    found = list(normalize_appstream.normalize(
        Snapshot.open(tmp_path), NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT}))))
    [resource] = [r for r in found if isinstance(r, Resource)]
    for key in ("Fleets", "UserAssociations", "Tags"):
        assert resource.failures[key].pointer == "/response/Stacks/0", key
        assert f"of stack {PHI_DESK} were not read" in resource.failures[key].message
    [window] = appstream_windows.windows({"aws.appstream.stack": [resource]})
    assert window.failures["MaxSession"] == resource.failures["Fleets"]
    assert window.failures["Entitlements"] == resource.failures["UserAssociations"]
    assert window.attributes["ClipboardOut"]["Allowed"] is False


def test_a_failed_image_builder_listing_fails_its_coverage(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    builder = {"Arn": f"{ARN}:image-builder/{GOLDEN}", "Name": GOLDEN, "State": "RUNNING",
               "EnableDefaultInternetAccess": False}
    started = dt.datetime.now(dt.UTC)
    writer.record(account=DEMO_ACCOUNT, region=REGION, service="appstream",
                  operation="DescribeImageBuilders", params={"page": 1},
                  response={"ImageBuilders": [builder], "NextToken": "1"},
                  started_at=started, duration_ms=1)
    writer.record(account=DEMO_ACCOUNT, region=REGION, service="appstream",
                  operation="DescribeImageBuilders", params={"page": 2, "NextToken": "1"},
                  error_code="AccessDeniedException", error_message="not authorized",
                  started_at=started, duration_ms=1)
    writer.write_index()
    found = list(normalize_appstream.normalize(
        Snapshot.open(tmp_path), NormalizeContext(own_accounts=frozenset({DEMO_ACCOUNT}))))
    [coverage] = [c for c in found if isinstance(c, Coverage)]
    assert coverage.type == "aws.appstream.image_builder" and coverage.failure is not None
    assert coverage.failure.operation == "appstream:DescribeImageBuilders"
    [resource] = [r for r in found if isinstance(r, Resource)]
    assert resource.attributes["EnableDefaultInternetAccess"] is False
    assert resource.failures["Tags"].pointer == "/response/ImageBuilders/0"
    assert f"the tags of image builder {GOLDEN} were not read" in \
        resource.failures["Tags"].message


def test_every_attribute_is_in_the_resource_type_catalogue(inventory: Inventory) -> None:
    missing: set[str] = set()
    for resource_type in ("aws.appstream.stack", "aws.appstream.fleet",
                          "aws.appstream.image_builder", "vdi.window"):
        for resource in inventory.of_type(resource_type):
            fields = fields_of(resource_type) or frozenset()
            missing |= {f"{resource_type}.{k}" for k in {*resource.attributes,
                                                          *resource.failures} - fields}
            for key, value in resource.attributes.items():
                items = fields_of(resource_type, key)
                if items is not None and isinstance(value, list):
                    missing |= {f"{resource_type}.{key}[].{k}" for item in value
                                for k in item if k not in items}
    assert not missing, sorted(missing)
