"""The gate and the scan agree on glass windows: AppStream stacks and fleets and Secure
Browser portals, planned and then made on the demo's emulator (moto with govkit's AppStream
service beside it, each speaking the real wire protocol), give the same verdict per rule.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import boto3
import pytest

from govkit.demo.run import aws_environment
from govkit.sources.terraform.inventory import build
from govkit.sources.terraform.plan import parse_plan
from govkit.results import Result
from govkit.run import RunOptions, scan
from govkit.sources.aws.scan import AwsService, ScanRequest
from tests.sources.terraform.planbuilder import Planned, plan
from tests.sources.terraform.support import judged

REGION = "us-east-1"
PHI = {"data_classification": "phi"}
ACTIONS = ("CLIPBOARD_COPY_FROM_LOCAL_DEVICE", "CLIPBOARD_COPY_TO_LOCAL_DEVICE", "FILE_UPLOAD",
           "FILE_DOWNLOAD", "PRINTING_TO_LOCAL_DEVICE")
IMAGE = "AppStream-WinServer2022-06-10-2026"
_SERVE = """
import sys
from govkit.demo.server import MotoServer
with MotoServer() as server:
    print(server.endpoint_url, flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin
"""

# the two windows: one sealed, one open on every channel
SEALED = {"stack": "nbh-agree-sealed", "fleet": "nbh-agree-sealed-fleet", "idle": 600,
          "disconnect": 300, "session": 28800, "settings": "DISABLED"}
OPEN = {"stack": "nbh-agree-open", "fleet": "nbh-agree-open-fleet", "idle": 0,
        "disconnect": 36000, "session": 360000, "settings": "ENABLED"}


def _planned_estate() -> dict[str, object]:
    resources: list[Planned] = []
    for key, window in (("sealed", SEALED), ("open", OPEN)):
        resources += [
            Planned("aws_appstream_stack", key, {
                "name": window["stack"], "display_name": window["stack"], "tags_all": PHI,
                "user_settings": [{"action": a, "permission": window["settings"]}
                                  for a in ACTIONS],
                "storage_connectors": []},
                unknown=["arn", "id", "created_time", "access_endpoints",
                         "application_settings", "embed_host_domains", "feedback_url",
                         "redirect_url", "streaming_experience_settings"]),
            Planned("aws_appstream_fleet", key, {
                "name": window["fleet"], "image_name": IMAGE,
                "instance_type": "stream.standard.medium",
                "compute_capacity": [{"desired_instances": 1, "desired_sessions": None}],
                "enable_default_internet_access": False, "tags_all": PHI,
                "idle_disconnect_timeout_in_seconds": window["idle"],
                "disconnect_timeout_in_seconds": window["disconnect"],
                "max_user_duration_in_seconds": window["session"]},
                unknown=["arn", "id", "created_time", "state", "domain_join_info",
                         "iam_role_arn", "image_arn", "vpc_config"]),
            Planned("aws_appstream_fleet_stack_association", key, {
                "fleet_name": window["fleet"], "stack_name": window["stack"]}, unknown=["id"],
                refs={"fleet_name": [f"aws_appstream_fleet.{key}.name",
                                     f"aws_appstream_fleet.{key}"],
                      "stack_name": [f"aws_appstream_stack.{key}.name",
                                     f"aws_appstream_stack.{key}"]}),
        ]
    for key, allowed, idle, disconnect in (("locked", "Disabled", 10, 60),
                                           ("loose", "Enabled", 60, 600)):
        resources += [
            Planned("aws_workspacesweb_portal", key, {"display_name": f"nbh-agree-{key}",
                                                      "tags_all": PHI},
                    unknown=["portal_arn", "portal_endpoint", "portal_status", "browser_type",
                             "creation_date", "renderer_type", "status_reason",
                             "authentication_type", "user_settings_arn",
                             "browser_settings_arn", "network_settings_arn",
                             "ip_access_settings_arn", "trust_store_arn",
                             "data_protection_settings_arn",
                             "user_access_logging_settings_arn", "instance_type",
                             "max_concurrent_sessions"]),
            Planned("aws_workspacesweb_user_settings", key, {
                "copy_allowed": allowed, "paste_allowed": allowed,
                "download_allowed": allowed, "upload_allowed": allowed,
                "print_allowed": allowed, "idle_disconnect_timeout_in_minutes": idle,
                "disconnect_timeout_in_minutes": disconnect, "tags_all": {}},
                unknown=["associated_portal_arns", "user_settings_arn"]),
            Planned("aws_workspacesweb_user_settings_association", key, {},
                    unknown=["portal_arn", "user_settings_arn"],
                    refs={"portal_arn": [f"aws_workspacesweb_portal.{key}.portal_arn",
                                         f"aws_workspacesweb_portal.{key}"],
                          "user_settings_arn": [
                              f"aws_workspacesweb_user_settings.{key}.user_settings_arn",
                              f"aws_workspacesweb_user_settings.{key}"]}),
        ]
    return plan(resources, region=REGION)


def _apply(url: str) -> dict[str, str]:
    """The planned windows made through boto3; the scan's name of each, by plan address."""
    def client(service: str):  # type: ignore[no-untyped-def]
        return boto3.client(service, endpoint_url=url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    appstream, web = client("appstream"), client("workspaces-web")
    ids: dict[str, str] = {}
    tags = {"data_classification": "phi"}
    for key, window in (("sealed", SEALED), ("open", OPEN)):
        appstream.create_fleet(Name=window["fleet"], ImageName=IMAGE,
                               InstanceType="stream.standard.medium",
                               ComputeCapacity={"DesiredInstances": 1},
                               IdleDisconnectTimeoutInSeconds=window["idle"],
                               DisconnectTimeoutInSeconds=window["disconnect"],
                               MaxUserDurationInSeconds=window["session"],
                               EnableDefaultInternetAccess=False, Tags=tags)
        appstream.create_stack(Name=window["stack"], DisplayName=window["stack"], Tags=tags,
                               UserSettings=[{"Action": a, "Permission": window["settings"]}
                                             for a in ACTIONS])
        appstream.associate_fleet(FleetName=window["fleet"], StackName=window["stack"])
        ids[f"aws_appstream_stack.{key}"] = str(window["stack"])
        ids[f"aws_appstream_fleet.{key}"] = str(window["fleet"])
    for key, allowed, idle, disconnect in (("locked", "Disabled", 10, 60),
                                           ("loose", "Enabled", 60, 600)):
        settings = web.create_user_settings(
            copyAllowed=allowed, pasteAllowed=allowed, downloadAllowed=allowed,
            uploadAllowed=allowed, printAllowed=allowed,
            idleDisconnectTimeoutInMinutes=idle,
            disconnectTimeoutInMinutes=disconnect)["userSettingsArn"]
        portal = web.create_portal(displayName=f"nbh-agree-{key}",
                                   tags=[{"Key": "data_classification", "Value": "phi"}])
        web.associate_user_settings(portalArn=portal["portalArn"], userSettingsArn=settings)
        ids[f"aws_workspacesweb_portal.{key}"] = portal["portalArn"]
    return ids


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[dict[str, str], tuple[Result, ...]]]:
    process = subprocess.Popen([sys.executable, "-c", _SERVE], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        ids = _apply(url)
        with aws_environment(url):
            run = scan(ScanRequest(regions=(REGION,), home_region=REGION, workers=4,
                                   services=(AwsService.APPSTREAM, AwsService.WORKSPACES_WEB)),
                       RunOptions(out=tmp_path_factory.mktemp("runs")))
        yield ids, run.evaluation.results
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def planned() -> dict[tuple[str, str], Result]:
    return judged(build(parse_plan(_planned_estate(), "plan.json"), "plan.json"))


RULES = ("vdi-clipboard-in-blocked", "vdi-clipboard-out-blocked", "vdi-download-blocked",
         "vdi-upload-blocked", "vdi-printing-blocked", "vdi-drive-redirection-blocked",
         "vdi-usb-redirection-blocked", "vdi-no-storage-connectors", "vdi-idle-timeout",
         "vdi-disconnect-timeout", "vdi-session-length-limited")
PAIRS = [(rule, address) for rule in RULES
         for address in ("aws_appstream_stack.sealed", "aws_appstream_stack.open",
                         "aws_workspacesweb_portal.locked", "aws_workspacesweb_portal.loose")] + \
    [("appstream-phi-fleet-no-default-internet-access", "aws_appstream_fleet.sealed"),
     ("secure-browser-portal-customer-managed-key", "aws_workspacesweb_portal.locked")]


@pytest.mark.parametrize(("rule_id", "address"), PAIRS, ids=[f"{r}:{a}" for r, a in PAIRS])
def test_gate_and_scan_agree_on_windows(applied: tuple[dict[str, str], tuple[Result, ...]],
                                        planned: dict[tuple[str, str], Result],
                                        rule_id: str, address: str) -> None:
    ids, results = applied
    plan_result = planned.get((rule_id, address))
    name = ids.get(address) or address
    live = [r for r in results if r.rule_id == rule_id and (
        r.resource_name == name or r.resource_id.endswith(name)
        or r.resource_id.endswith(f"/{name}") or name in r.resource_id)]
    if plan_result is None:  # out of the rule's scope (a browser has no session length)
        assert live == [], [r.message for r in live]
        return
    assert len(live) == 1, [(r.resource_id, r.resource_name) for r in results
                            if r.rule_id == rule_id]
    assert plan_result.status == live[0].status, \
        f"gate: {plan_result.message}\nscan: {live[0].message}"
